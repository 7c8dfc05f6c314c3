"""Leverage and Cook's distance computed blockwise, for dense and structured designs alike.

    h_i = W_i x_i' (X'WX)^{-1} x_i,      W_i = w_i (d mu/d eta)^2 / V(mu_i)      (R's ``hatvalues``)
    D_i = (r_i / (1 - h_i))^2 h_i / (phi p),   r_i = (y_i - mu_i) sqrt(w_i / V(mu_i))   (``cooks.distance``)

with phi the dispersion and p the rank.  The quadratic form x_i' C x_i is evaluated per row block without
forming the dense design (:meth:`glmstat.structured.StructuredDesign.quadratic_diag`), so on a million rows
with factors it costs about one pass over the numeric columns.
"""

from __future__ import annotations

import numpy as np

from ..engine.linalg import GRAM_MAX_COND, QRReducer, aliased_in_order
from ..engine.threads import single_threaded_blas
from ..families import Binomial, Poisson
from ..design.structured import design_of

__all__ = ["hat_values", "cooks_distance", "hat_and_cooks", "quadratic_diag", "exact_near_one", "HAT_ONE_TOL",
           "NEAR_ONE"]

#: R's ``lm.influence`` sets a leverage to exactly 1 when it is within this of 1.
HAT_ONE_TOL = 10 * np.finfo(float).eps
#: Leverages within this of 1 are checked structurally (:func:`exact_near_one`).  The direct
#: h_i = W_i x_i' C x_i carries a rounding error of about eps times the condition number of the equilibrated
#: X'WX, which the engine keeps below GRAM_MAX_COND on its Cholesky path (C comes from the QR factor
#: otherwise): a row that is the only one with weight in some direction (a factor level with one row) has
#: h_i = 1 exactly, yet computes as 1 - 3e-15 at a condition number of 1e3, and 1 - 3e-7 at 1e8.
NEAR_ONE = 10 * np.finfo(float).eps * GRAM_MAX_COND


def quadratic_diag(X, C: np.ndarray, block_rows: int = 4096) -> np.ndarray:
    """x_i' C x_i for every row of a dense or structured design."""
    if not isinstance(X, np.ndarray):
        with single_threaded_blas():
            return X.quadratic_diag(C, block_rows)
    C = np.nan_to_num(C)
    out = np.empty(X.shape[0])
    for s in range(0, X.shape[0], block_rows):
        blk = X[s:s + block_rows]
        out[s:s + blk.shape[0]] = np.einsum("ij,ij->i", blk @ C, blk)
    return out


def exact_near_one(h: np.ndarray, blocks, kept: np.ndarray) -> np.ndarray:
    """The leverages ``h`` with R's rule applied and every one within ``NEAR_ONE`` of 1 decided structurally.

    h_i = 1 exactly when row i is the only row with weight in some direction of the column space, that is
    when the weighted design without row i loses rank.  That is decided as the engine decides aliasing (R's
    QR rule, ``ALIAS_TOL``): the triangular factor of sqrt(W) X over the other rows, some kept column of which
    is then aliased.  Leverages within 10 eps of 1 are 1 (R's ``lm.influence``); the others are kept.

    Parameters
    ----------
    h : ndarray
        Leverages of every row (0 for rows of zero weight).
    blocks : callable
        ``blocks()`` yields ``(start, X, W)``: consecutive row blocks of the design (dense or structured, every
        column) and their working weights.
    kept : ndarray of bool
        The columns that are not aliased in the fit.

    Returns
    -------
    ndarray
    """
    out = np.where(h >= 1.0 - HAT_ONE_TOL, 1.0, h)
    k = np.flatnonzero(kept)
    for i in np.flatnonzero((h > 1.0 - NEAR_ONE) & (h < 1.0 - HAT_ONE_TOL)):
        red = QRReducer(k.size)
        for start, X, W in blocks():
            m = X.shape[0]
            X = X if isinstance(X, np.ndarray) else X.toarray()
            if start <= i < start + m:
                W = W.copy()
                W[i - start] = 0.0
            red.add(X[:, k], W, np.zeros(m))
        R = red.R[:, : k.size]
        if aliased_in_order(R).any():
            out[i] = 1.0
    return out


def _working_weights(fit) -> np.ndarray:
    f = fit._frame
    eta, mu = fit._eta_mu
    fam = fit.family
    w = f.total_weights
    with np.errstate(all="ignore"):
        me = fam.link.mu_eta(eta)
        W = w * me * me / fam.variance(mu)
    return np.where(w > 0, W, 0.0)


def hat_values(fit) -> np.ndarray:
    """Diagonal of the hat matrix, W_i x_i' (X'WX)^{-1} x_i, per row used."""
    X = design_of(fit._frame)
    C = np.nan_to_num(fit._state.cov_unscaled)
    W = _working_weights(fit)
    return exact_near_one(W * quadratic_diag(X, C), lambda: [(0, X, W)], fit._state.kept)


def cooks_distance(fit, hat: np.ndarray | None = None) -> np.ndarray:
    """Cook's distances (r_i / (1 - h_i))^2 h_i / (phi p) with Pearson residuals r_i."""
    h = hat_values(fit) if hat is None else hat
    r = fit.residuals("pearson").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (r / (1.0 - h)) ** 2 * h / (fit.dispersion * fit.rank)
    return np.where(np.isinf(d) | (h == 1.0), np.nan, d)  # as R: no Cook's distance at leverage 1


def _mean_parts(fam, link_name: str, eta: np.ndarray):
    """mu, d mu/d eta and V(mu); for binomial/logit and Poisson/log inside the range where R's clamps
    are inactive, from one exp."""
    if link_name == "logit" and isinstance(fam, Binomial) and -30.0 <= eta.min() and eta.max() <= 30.0:
        e = np.exp(eta)
        d = e + 1.0
        mu = e / d
        return mu, mu / d, mu * (1.0 - mu)  # d mu/d eta = e / (1 + e)^2, as R's mu.eta
    if link_name == "log" and isinstance(fam, Poisson) and -33.0 <= eta.min() and eta.max() <= 700.0:
        mu = np.exp(eta)
        return mu, mu, mu
    mu = fam.link.inverse(eta)
    return mu, fam.link.mu_eta(eta), fam.variance(mu)


def hat_and_cooks(fit, block_rows: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """Leverage and Cook's distance together, in one pass over cache-sized row blocks.

    Each block evaluates eta = X beta + offset, mu, V(mu) and d mu/d eta once, then h and D as in the
    module docstring; nothing row-sized is kept but the two results.
    """
    with single_threaded_blas():  # block-sized products: threads only contend (see glmstat._threads)
        return _hat_and_cooks(fit, block_rows)


def _hat_and_cooks(fit, block_rows: int) -> tuple[np.ndarray, np.ndarray]:
    f = fit._frame
    st = fit._state
    fam, link = fit.family, fit.family.link
    X = design_of(f)
    beta = np.where(st.kept, st.coef, 0.0)
    C = np.nan_to_num(st.cov_unscaled)
    if isinstance(X, np.ndarray):
        def q_of(blk):
            return np.einsum("ij,ij->i", blk @ C, blk)

        def rows(a, b):
            return X[a:b]
    else:
        q_of = X.quadratic_form(C)
        luts = X._cell_lookup(beta)

        def rows(a, b):
            return X.rows(a, b)
    scale = 1.0 / (fit.dispersion * fit.rank)
    n = f.y.shape[0]

    def block(a, b):
        """Rows a:b: the design block, Pearson residuals sqrt(w / V) (y - mu) and working weights."""
        Xb = rows(a, b)
        eta = (Xb @ beta if isinstance(Xb, np.ndarray) else Xb.matvec(beta, luts)) + f.offset[a:b]
        w = f.total_weights[a:b]
        with np.errstate(all="ignore"):
            mu, me, var = _mean_parts(fam, link.name, eta)
            wv = w / var
            return Xb, (f.y[a:b] - mu) * np.sqrt(wv), np.where(w > 0, wv * me * me, 0.0)

    def cooks_of(r, hb):
        with np.errstate(all="ignore"):
            r = r / (1.0 - hb)
            d = r * r * hb * scale
        return np.where(np.isinf(d) | (hb == 1.0), np.nan, d)  # as R: no Cook's distance at leverage 1

    h = np.empty(n)
    cooks = np.empty(n)
    for a in range(0, n, block_rows):
        b = min(n, a + block_rows)
        Xb, r, W = block(a, b)
        with np.errstate(all="ignore"):
            hb = W * q_of(Xb)
        cooks[a:b] = cooks_of(r, hb)
        h[a:b] = hb
    if np.any(h > 1.0 - NEAR_ONE):  # rare: decide leverage 1 exactly (see exact_near_one)
        def blocks():
            for a in range(0, n, block_rows):
                Xb, _, W = block(a, min(n, a + block_rows))
                yield a, Xb, W

        exact = exact_near_one(h, blocks, st.kept)
        for i in np.flatnonzero(exact != h):
            cooks[i] = cooks_of(block(i, i + 1)[1], exact[i:i + 1])[0]
        h = exact
    return h, cooks
