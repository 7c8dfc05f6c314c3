"""The IRLS iteration record of a fit as tables: ``fit.trace`` and ``fit.trace_fitted``.

Row k of the trace is the estimate after iteration k: its deviance, the log-likelihood there (as
:attr:`GLMResults.loglik` computes it, NaN for families without a likelihood), the step-halvings the
iteration needed, and the coefficients (NaN where aliased).  The first ``fit.iterations`` rows are R's
iterations (R's ``iter``: the IRLS steps until the relative deviance change fell below ``tol``, or
``max_iter``); with ``convergence="exact"`` the rows after them are the Fisher-scoring steps that polish the
estimate to the exact optimum.  The last row is the estimate itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..design.structured import design_of

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["trace_table", "trace_fitted"]


def _means(fit: "GLMResults", coef: np.ndarray) -> np.ndarray:
    """mu = g^{-1}(X b + offset) at the coefficients ``coef`` (0 where aliased)."""
    f = fit._frame
    with np.errstate(all="ignore"):
        return fit.family.link.inverse(design_of(f) @ coef + f.offset)


def _loglik(fit: "GLMResults", mu: np.ndarray, deviance: float) -> float:
    fam = fit.family
    if not fam.has_likelihood:
        return float("nan")
    f = fit._frame
    w = f.total_weights
    pos = w > 0
    scale = fam.ml_scale(deviance, int(pos.sum()), float(w.sum()))
    with np.errstate(all="ignore"):
        return float(np.sum(fam.loglik_terms(f.y[pos], mu[pos], w[pos], f.trials[pos], scale)))


def trace_table(fit: "GLMResults") -> pd.DataFrame:
    """One row per iteration: ``iteration``, ``deviance``, ``loglik``, ``halvings`` and the coefficients."""
    rows = fit._state.trace
    names = list(fit.coef.index)
    coefs = np.array([np.where(r[3], r[2], np.nan) for r in rows]).reshape(len(rows), len(names))
    out = pd.DataFrame({
        "iteration": np.arange(1, len(rows) + 1),
        "deviance": [r[0] for r in rows],
        "loglik": [_loglik(fit, _means(fit, np.where(r[3], r[2], 0.0)), r[0]) for r in rows],
        "halvings": [r[1] for r in rows],
    })
    return pd.concat([out, pd.DataFrame(coefs, columns=names)], axis=1)


def trace_fitted(fit: "GLMResults") -> pd.DataFrame:
    """The fitted means after each iteration: one column per iteration (1, 2, ...), rows as ``fitted_values``."""
    cols = {k + 1: _means(fit, np.where(r[3], r[2], 0.0)) for k, r in enumerate(fit._state.trace)}
    return pd.DataFrame(cols, index=fit.rows_used)
