"""A Newton step with the observed information, for the IRLS engine's rescue of a cycling fit.

Fisher scoring steps with the expected information X'WX.  For a non-canonical link with large residuals
(cauchit, Gamma/identity) the observed information X' W_o X can be much smaller than X'WX in some direction,
and scoring then overshoots the optimum: the iteration map's Jacobian I - (X'WX)^{-1} X'W_o X has an
eigenvalue below -1, so the iterates cycle around an interior optimum instead of converging to it.  Newton's
method with the observed information has no such fixed-point instability.

The observed weights are -d u_i / d eta_i, u_i = W_i r_i = w_i (y_i - mu_i) mu'(eta_i) / V(mu_i) each row's
contribution to the score X'u, differentiated by central differences of the engine's own per-row kernel
(no second derivatives of links or variance functions needed; the step is only a direction, the engine's
convergence test is still the Fisher step at the new estimate).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..design.sources import DesignSource, fold

__all__ = ["newton_step"]

#: Central-difference step, relative to |eta| (floored): about eps^(1/3).
_H = 6e-6


def _block_observed(b, kernel, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    eta = b.X.matvec(beta)
    if b.has_offset:
        eta += b.offset
    h = _H * np.maximum(np.abs(eta), 1e-2)
    with np.errstate(all="ignore"):
        at, up, down = kernel(b.y, b.weights, eta), kernel(b.y, b.weights, eta + h), kernel(b.y, b.weights, eta - h)
        w_obs = (down.scores - up.scores) / (2.0 * h)
        ok = at.valid and up.valid and down.valid and bool(np.isfinite(w_obs).all())
    if not ok:
        p = beta.size
        return np.zeros((p, p)), np.zeros(p), False
    return b.X.gram(w_obs), b.X.rmatvec(at.scores), True


def _add(a, b):
    return a[0] + b[0], a[1] + b[1], a[2] and b[2]


def newton_step(source: DesignSource, kernel, beta: np.ndarray, kept: np.ndarray,
                fisher: np.ndarray) -> np.ndarray | None:
    """The Newton step (X'W_o X)^{-1} X'u at ``beta`` over the ``kept`` columns (0 elsewhere); ``fisher`` is
    X'WX, used to scale the columns.  None where the observed information is not positive definite (or a
    neighbouring linear predictor leaves the domain): no Newton step there."""
    p = beta.size
    hess, score, ok = fold(source, partial(_block_observed, kernel=kernel, beta=beta), _add,
                           (np.zeros((p, p)), np.zeros(p), True))
    k = np.flatnonzero(kept)
    d = np.diag(fisher)[k]
    if not ok or not np.all(d > 0):
        return None
    s = 1.0 / np.sqrt(d)
    H = hess[np.ix_(k, k)] * s[:, None] * s[None, :]
    try:
        L = np.linalg.cholesky((H + H.T) / 2)
    except np.linalg.LinAlgError:
        return None
    step = np.zeros(p)
    step[k] = s * np.linalg.solve(L.T, np.linalg.solve(L, s * score[k]))
    return step if np.all(np.isfinite(step)) else None
