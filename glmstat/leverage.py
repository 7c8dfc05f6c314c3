"""Leverage and Cook's distance computed blockwise, for dense and structured designs alike.

    h_i = W_i x_i' (X'WX)^{-1} x_i,      W_i = w_i (d mu/d eta)^2 / V(mu_i)      (R's ``hatvalues``)
    D_i = (r_i / (1 - h_i))^2 h_i / (phi p),   r_i = (y_i - mu_i) sqrt(w_i / V(mu_i))   (``cooks.distance``)

with phi the dispersion and p the rank.  The quadratic form x_i' C x_i is evaluated per row block without
forming the dense design (:meth:`glmstat.structured.StructuredDesign.quadratic_diag`), so on a million rows
with factors it costs about one pass over the numeric columns.
"""

from __future__ import annotations

import numpy as np

from .structured import design_of

__all__ = ["hat_values", "cooks_distance", "hat_and_cooks", "quadratic_diag"]


def quadratic_diag(X, C: np.ndarray, block_rows: int = 4096) -> np.ndarray:
    """x_i' C x_i for every row of a dense or structured design."""
    if not isinstance(X, np.ndarray):
        return X.quadratic_diag(C, block_rows)
    C = np.nan_to_num(C)
    out = np.empty(X.shape[0])
    for s in range(0, X.shape[0], block_rows):
        blk = X[s:s + block_rows]
        out[s:s + blk.shape[0]] = np.einsum("ij,ij->i", blk @ C, blk)
    return out


def _working_weights(fit) -> np.ndarray:
    f = fit._frame
    eta, mu = fit._eta_mu
    fam = fit.family
    w = f.prior_weights * f.trials
    with np.errstate(all="ignore"):
        me = fam.link.mu_eta(eta)
        W = w * me * me / fam.variance(mu)
    return np.where(w > 0, W, 0.0)


def hat_values(fit) -> np.ndarray:
    """Diagonal of the hat matrix, W_i x_i' (X'WX)^{-1} x_i, per row used."""
    q = quadratic_diag(design_of(fit._frame), fit._state.cov_unscaled)
    return _working_weights(fit) * q


def cooks_distance(fit, hat: np.ndarray | None = None) -> np.ndarray:
    """Cook's distances (r_i / (1 - h_i))^2 h_i / (phi p) with Pearson residuals r_i."""
    h = hat_values(fit) if hat is None else hat
    r = fit.residuals("pearson").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        return (r / (1.0 - h)) ** 2 * h / (fit.dispersion * fit.rank)


def hat_and_cooks(fit) -> tuple[np.ndarray, np.ndarray]:
    """Leverage and Cook's distance together, sharing mu, V(mu) and d mu/d eta."""
    f = fit._frame
    eta, mu = fit._eta_mu
    fam = fit.family
    w = f.prior_weights * f.trials
    with np.errstate(all="ignore"):
        var = fam.variance(mu)
        me = fam.link.mu_eta(eta)
        wv = w / var
        W = np.where(w > 0, wv * me * me, 0.0)
        h = W * quadratic_diag(design_of(f), fit._state.cov_unscaled)
        r = (f.y - mu) * np.sqrt(wv)
        r /= 1.0 - h
        cooks = r * r * h / (fit.dispersion * fit.rank)
    return h, cooks
