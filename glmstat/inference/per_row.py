"""The per-row quantities of a fit, computed from one block of rows at a time.

Every function here takes a :class:`~glmstat.design.sources.Block` and a :class:`FitData` (without its rows:
:meth:`FitData.portable`, small enough to ship to a cluster's workers) and returns the block's values, so
that :mod:`glmstat.inference.lazy` can assemble them for streamed data; the in-memory results use
:func:`residual_values` on whole arrays.
"""

from __future__ import annotations

import operator
from functools import partial

import numpy as np
import pandas as pd

from ..engine.kernel import kernel_for
from ..families import Family
from .fitdata import FitData

__all__ = ["RESIDUAL_KINDS", "WEIGHT_KINDS", "AUGMENT_COLUMNS", "residual_values", "block_column", "block_weights",
           "block_augment", "near_one_hats", "deviance_residual_range"]

RESIDUAL_KINDS = ("deviance", "pearson", "working", "response")
WEIGHT_KINDS = ("prior", "working")
AUGMENT_COLUMNS = ("fitted", "linear_predictor", "resid_deviance", "resid_pearson", "resid_working",
                   "resid_response", "hat", "cooks_d", "std_resid", "student_resid")


def residual_values(kind: str, family: Family, eta: np.ndarray, mu: np.ndarray, y: np.ndarray,
                    w: np.ndarray, df_residual: int = 1) -> np.ndarray:
    """R's ``residuals.glm``: deviance sign(y - mu) sqrt(w d(y, mu)); pearson (y - mu) sqrt(w / V(mu));
    working (y - mu) / (d mu / d eta); response y - mu.

    The deviance residuals of a fit without residual degrees of freedom (``df_residual`` 0: as many
    coefficients as rows of positive weight) are 0, as R's: the fit is exact, and what the formula gives is
    the rounding of the iterations (1e-16), or the distance still left to a fitted mean that goes to the edge
    of its domain (a zero count)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "deviance":
            if df_residual == 0:
                return np.zeros(np.shape(mu))
            return family.deviance_residuals(y, mu, w)
        if kind == "pearson":
            return (y - mu) * np.sqrt(w) / np.sqrt(family.variance(mu))
        if kind == "working":
            return (y - mu) / family.link.mu_eta(eta)
        return y - mu


def _index(b) -> pd.Index:
    return b.index if b.index is not None else pd.RangeIndex(b.y.shape[0])


def _eta_mu(b, fd: FitData) -> tuple[np.ndarray, np.ndarray]:
    eta = b.X.matvec(fd.beta) + b.offset
    with np.errstate(all="ignore"):
        return eta, fd.family.link.inverse(eta)


def block_column(b, fd: FitData, name: str) -> pd.Series:
    """One per-row quantity of a block: ``linear_predictor``, ``fitted`` or ``resid_<kind>``."""
    eta, mu = _eta_mu(b, fd)
    if name == "linear_predictor":
        values = eta
    elif name == "fitted":
        values = mu
    else:
        values = residual_values(name[len("resid_"):], fd.family, eta, mu, b.y, b.weights, fd.df_residual)
    return pd.Series(values, index=_index(b), name=name)


def block_weights(b, fd: FitData, kind: str) -> pd.Series:
    """A block's prior weights (``kind`` "prior": the weights= values times a binomial response's trials, R's
    ``prior.weights``) or the working weights w_i (d mu_i/d eta_i)^2 / V(mu_i) of the fit's covariance, R's
    ``fit$weights`` (:func:`~glmstat.inference.covariance_factor.covariance_weights`: at the estimate, or at
    the coefficients before R's last iteration for ``convergence="R"``); 0 where the prior weight is 0."""
    if kind == "prior":
        values = b.weights
    else:
        from .covariance_factor import covariance_weights

        values = covariance_weights(b, fd, kernel_for(fd.family))
    return pd.Series(values, index=_index(b), name=f"weights_{kind}")


def block_augment(b, fd: FitData, columns: tuple[str, ...] = AUGMENT_COLUMNS,
                  exact: dict | None = None) -> pd.DataFrame:
    """``augment()``'s columns for the rows of a block (leverages as R's ``lm.influence`` computes them).
    ``exact``: the leverages near 1 decided against every block's rows (:func:`near_one_hats`), by row label;
    the block's rows among them take those leverages."""
    from .influence import block_influence

    eta, mu = _eta_mu(b, fd)
    kernel = kernel_for(fd.family)
    inf = block_influence(b, fd, kernel, full=True)
    if exact:
        found = [(i, exact[label]) for i, label in enumerate(_index(b)) if label in exact]
        if found:
            h = np.nan_to_num(inf.hat)
            pos, values = zip(*found)
            h[list(pos)] = values
            inf = block_influence(b, fd, kernel, full=True, hat=h)
    out = {"fitted": mu, "linear_predictor": eta,
           **{f"resid_{k}": residual_values(k, fd.family, eta, mu, b.y, b.weights, fd.df_residual)
              for k in RESIDUAL_KINDS},
           "hat": inf.hat, "cooks_d": inf.cooks_d, "std_resid": inf.std_resid_deviance,
           "student_resid": inf.student_resid}
    return pd.DataFrame({c: out[c] for c in columns}, index=_index(b))


def _block_range(b, fd: FitData) -> np.ndarray:
    eta, mu = _eta_mu(b, fd)
    r = residual_values("deviance", fd.family, eta, mu, b.y, b.weights, fd.df_residual)
    return np.array([np.nanmin(r, initial=np.inf), np.nanmax(r, initial=-np.inf)])


def deviance_residual_range(fit) -> tuple[float, float]:
    """(min, max) of the deviance residuals, in one pass over the rows (where they are)."""
    from ..design.sources import fold

    lo, hi = fold(fit.fit_data.source, partial(_block_range, fd=fit.fit_data.portable()),
                  lambda a, b: np.array([min(a[0], b[0]), max(a[1], b[1])]), np.array([np.inf, -np.inf]))
    return float(lo), float(hi)


def _block_near_one(b, fd: FitData) -> bool:
    from .influence import HAT_ONE_TOL, NEAR_ONE, block_held_rows, block_influence

    kernel = kernel_for(fd.family)
    h = block_influence(b, fd, kernel, full=False).hat
    with np.errstate(invalid="ignore"):
        if np.any((h < 1.0 - HAT_ONE_TOL) & (h > 1.0 - NEAR_ONE)):
            return True
    held = block_held_rows(b, fd, kernel)  # (rows held on a pulled edge: their leverages are decided together)
    return held is not None and bool(held.any())


def near_one_hats(fit) -> dict | None:
    """For a fit to streamed data, the leverages within ``NEAR_ONE`` of 1 decided as in memory (against every
    block's rows, :func:`~glmstat.inference.influence.exact_near_one`), by row label; None when no block has
    one (one pass), or when the row labels repeat.  A row that is the only one with weight in some direction
    (a cell of an interaction with one row) has leverage 1 exactly, which a block alone cannot tell; nor the
    leverages of rows held on a pulled edge, their limit from all of them (a level of four zero counts fitted at
    0 by a Poisson identity link: 1/4 each, where two of them in a block would read 1/2)."""
    from ..design.sources import fold
    from .influence import NEAR_ONE, held_rows, influence

    # (the leverages of the passes that take these, from the covariance factor where the fit has one: the quadratic
    # form's differ by its rounding, and a row whose leverage is 1 (an interaction cell of one row, random s770_0222
    # from Parquet) read 1 + 3e-12 here, R's 1, and 1 - 1.2e-14 in augment, whose Cook's distance came out 0.0696 for
    # R's NaN)
    fd = fit.factored_fit_data
    if not fold(fd.source, partial(_block_near_one, fd=fd.portable()), operator.or_, False):
        return None
    labels = fit.rows_used
    if not labels.is_unique:
        return None
    h = influence(fd, full=False).hat
    with np.errstate(invalid="ignore"):
        near = np.flatnonzero((h >= 1.0 - NEAR_ONE) | held_rows(fd))
    return {labels[i]: float(h[i]) for i in near}
