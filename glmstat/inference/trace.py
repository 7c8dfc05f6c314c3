"""The IRLS iteration record of a fit as tables: ``fit.trace`` and ``fit.trace_fitted``.

Row k of the trace is the estimate after iteration k: its deviance, the log-likelihood there (as
:attr:`GLMResults.loglik` computes it, NaN for families without a likelihood), the step-halvings the
iteration needed, and the coefficients (NaN where aliased in the least squares that made them, as R's
``coef()`` of the fit stopped at ``maxit = k`` reports the columns its QR of iteration k pivoted out; the
linear predictor, deviance and means are those of every coefficient, a halved step's share of such a column too,
as R's ``eta``).  The means and log-likelihood are the deviance's: at the coefficients as they are.  The
first ``fit.iterations`` rows are R's iterations (R's ``iter``: the IRLS steps until the relative deviance
change fell below ``tol``, or ``max_iter``); with ``convergence="exact"`` the rows after them are the
Fisher-scoring steps that polish the estimate to the exact optimum.  The last row is the estimate itself.

A coefficient named as one of the first four columns (a predictor called ``deviance``) has its column
named in backticks, as R quotes a name: a table with two columns ``deviance`` would give both for
``trace["deviance"]``.  No other coefficient has such a name: a data column whose name holds backticks is a
coefficient written with them escaped, as R deparses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd


if TYPE_CHECKING:
    from ..design.sources import DesignSource
    from ..engine.fit_state import FitState
    from ..families import Family

__all__ = ["trace_table", "trace_fitted", "TRACE_COLUMNS", "coefficient_columns"]

#: The trace's columns before the coefficients'.
TRACE_COLUMNS = ("iteration", "deviance", "loglik", "halvings")


def coefficient_columns(names: list[str]) -> list[str]:
    """The trace's column of each coefficient: its name, or the name in backticks when it is one of
    :data:`TRACE_COLUMNS` (so that every column of the trace has a label of its own)."""
    return [f"`{n}`" if n in TRACE_COLUMNS else n for n in names]


def _per_iteration(state: "FitState", source: "DesignSource", fam: "Family") -> tuple[list[np.ndarray], list[float]]:
    """The fitted means mu = g^{-1}(X b + offset) and the log-likelihood (NaN without a likelihood) at each
    iteration's coefficients b, from one pass over the rows."""
    st = state
    # (a model without coefficients, y ~ 0 or an offset alone, has no iterations: R's iter is 0.)  Every coefficient,
    # as the pass that gave the row's deviance: a column aliased by the factor at the iterate still carries its value
    # there (a cauchit contrast of -2.3e7 whose level's weights vanish), and zeroing it gave other means than the
    # deviance's (random s759_0031's iteration 6, the held-out aliased-midway fit's iteration 24)
    betas = [r.beta for r in st.trace]
    scales = [fam.ml_scale(r.deviance, st.n_ok, st.sum_weights) for r in st.trace] if fam.has_likelihood else []
    means: list[list[np.ndarray]] = [[] for _ in st.trace]
    logliks = np.zeros(len(st.trace)) if fam.has_likelihood else np.full(len(st.trace), np.nan)
    for b in source.blocks():
        pos = b.weights > 0
        for k, beta in enumerate(betas):
            with np.errstate(all="ignore"):
                mu = fam.link.inverse(b.X.matvec(beta) + b.offset)
                if fam.has_likelihood:
                    logliks[k] += float(np.sum(fam.loglik_terms(b.y[pos], mu[pos], b.weights[pos], b.trials[pos],
                                                                scales[k])))
            means[k].append(mu)
    return [np.concatenate(m) if m else np.zeros(0) for m in means], list(logliks)


def trace_table(state: "FitState", source: "DesignSource", family: "Family", names: list[str]) -> pd.DataFrame:
    """One row per iteration of the engine's record ``state.trace``: ``iteration``, ``deviance``, ``loglik``,
    ``halvings`` and the coefficients (columns ``names``, as :func:`coefficient_columns` writes them), the
    log-likelihood from one pass over ``source``."""
    rows = state.trace
    # NaN where the least squares that made the row set the column aside (R's NA at maxit = k), not where the factor
    # at the row does (that is the next iteration's)
    coefs = np.array([np.where(r.solved, r.beta, np.nan) for r in rows], dtype=float).reshape(len(rows), len(names))
    out = pd.DataFrame(dict(zip(TRACE_COLUMNS, (
        np.arange(1, len(rows) + 1),
        [r.deviance for r in rows],
        _per_iteration(state, source, family)[1],
        np.array([r.halvings for r in rows], dtype=np.int64),  # (int64 without rows too: y ~ 0 has none)
    ))))
    return pd.concat([out, pd.DataFrame(coefs, columns=coefficient_columns(names))], axis=1)


def trace_fitted(state: "FitState", source: "DesignSource", family: "Family", index: pd.Index) -> pd.DataFrame:
    """The fitted means after each iteration: one column per iteration (1, 2, ...), one row per row of
    ``source`` (labelled by ``index``)."""
    means = _per_iteration(state, source, family)[0]
    return pd.DataFrame({k + 1: mu for k, mu in enumerate(means)}, index=index)
