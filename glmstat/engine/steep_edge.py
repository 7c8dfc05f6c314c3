"""The factor of an estimate that holds rows on an edge of infinite pull, without their degenerate weights.

A row whose response is on an edge where the variance vanishes faster than linearly
(:func:`~glmstat.engine.edges.steep_edges`: a Tweedie p = 1.5 identity-link 0, whose unit deviance 4 mu^(1/2) rises
infinitely fast) is held on the edge by any finite pull of the others.  A step of scoring lands it at the rounding
of its linear predictor (a mean of 2e-16), where its Fisher weight mu'(eta)^2 / V(mu) is 3.5e23: the factor of
X'WX then sets aside columns that the estimate uses, as where a linear predictor runs off.  The held rows' weights
say only that those rows are fixed: as they grow, (X'WX)^{-1} tends to

    C = N (N' I_o N)^{-1} N',

I_o = X_o' W_o X_o the other rows' information and N an orthonormal basis of {d : x_h'd = 0 for every held row h}
(the inverse information of the fit of the other rows on the set where the held rows stay on the edge, as R's
refit of those rows on the design X N gives it).  :func:`held_factor` is that factor; the engine's Newton steps
holding the rows (:func:`~glmstat.engine.newton.newton_step_near_edge`) are measured against it, and it is the
fit's unscaled covariance (R's refit's N cov_z N' to 5e-15 for that fit).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import numpy as np

from ..design.sources import DesignSource, fold
from ..families import Family
from .edges import rows_near_edges
from .linalg import GRAM_MAX_COND, StepFactor

__all__ = ["held_factor", "Held", "ROUNDING_ULPS"]

_EPS = np.finfo(float).eps
#: A held row is on the edge when its linear predictor is within this many eps of sum_j |x_j beta_j| (+ |offset|)
#: of the edge's: the rounding of x'beta (a mean of 9e-16 where that sum is 7.6).  A row farther (a mean of 1e-7,
#: within the near-edge tolerance) is not held by rounding, and a step that keeps it where it is would not be
#: the optimum: no factor then.
ROUNDING_ULPS = 64.0


def _block_others(b, family: Family, kernel, beta: np.ndarray, edges: tuple[tuple[float, float], ...],
                  tol: float) -> tuple[np.ndarray, np.ndarray, float, bool, np.ndarray]:
    """The block's share of the other rows' X'WX, the design rows of those held on ``edges`` (response on the edge,
    mean within ``tol`` of it relative to max(1, |e|)), the held rows' share of the deviance, and whether each
    held row's linear predictor is on its edge's to the rounding of x'beta + offset (``ROUNDING_ULPS``), and
    their distances from it."""
    eta, mu, near = rows_near_edges(b, family, beta, edges, tol)
    held = np.zeros(eta.shape[0], dtype=bool)
    eta_e = np.zeros(eta.shape[0])
    with np.errstate(all="ignore"):
        for (e, _), at_e in zip(edges, near):
            eta_e[at_e] = float(family.link.link(np.array([e]))[0])
            held |= at_e
        W = kernel(b.y, b.weights, eta).W
        rows = np.flatnonzero(held)
        dev = float(np.sum(b.weights[rows] * family.unit_deviance(b.y[rows], mu[rows])))
        A = b.X.take(rows).toarray()
        scale = np.abs(A) @ np.abs(beta) + (np.abs(b.offset[rows]) if b.has_offset else 0.0)
        gap = eta[rows] - eta_e[rows]
        rounding = bool(np.all(np.abs(gap) <= ROUNDING_ULPS * _EPS * scale))
    return b.X.gram(np.where(held, 0.0, W)), A, dev, rounding, gap


def _add(a, b):
    return (a[0] + b[0], np.concatenate([a[1], b[1]]), a[2] + b[2], a[3] and b[3], np.concatenate([a[4], b[4]]))


class Held(NamedTuple):
    """The factor holding the rows (:func:`held_factor`), their share of the deviance, and the least change of the
    coefficients that puts their linear predictors on the edge (min |d| over x_h'd = eta_e - x_h'beta, scaled
    columns; its result is on the edge to the rounding of x'beta)."""

    factor: StepFactor
    deviance: float
    onto_edge: np.ndarray


def held_factor(source: DesignSource, family: Family, kernel, beta: np.ndarray, kept: np.ndarray,
                edges: tuple[tuple[float, float], ...], tol: float) -> Held | None:
    """(the factor at ``beta`` with the rows on ``edges`` (within ``tol``) held there, those rows' share of the
    deviance): ``inv`` the limit N (N' I_o N)^{-1} N' of (X'WX)^{-1} as their weights grow (module docstring),
    ``gram`` the other rows' X'WX I_o (every column), the ``kept`` columns those of the estimate (the design's
    aliased columns set aside), no step.  The held rows' deviance is the rounding of
    their linear predictor (4 mu^(1/2) = 6e-8 at a Tweedie mean of 2e-16), which a step holding them changes by
    as much: the steps are judged by the deviance less it.  None where no row is held, a held row is farther from
    its edge than the rounding of its linear predictor (``ROUNDING_ULPS``), a working weight of the others or the
    held deviance is not finite, or I_o is not well conditioned on the held set (condition number beyond
    ``GRAM_MAX_COND``: the others do not determine the coefficients there)."""
    p = beta.size
    info, A, held_dev, rounding, gap = fold(
        source, partial(_block_others, family=family, kernel=kernel, beta=beta, edges=edges, tol=tol), _add,
        (np.zeros((p, p)), np.zeros((0, p)), 0.0, True, np.zeros(0)))
    if not (rounding and np.isfinite(held_dev)):
        return None
    if not A.shape[0] or not np.all(np.isfinite(info)):
        return None
    k = np.flatnonzero(kept)
    info_k, A = info[np.ix_(k, k)], A[:, k]
    d = np.diag(info_k)
    s = 1.0 / np.sqrt(np.where(d > 0, d, 1.0))
    # the null space of the held rows, in the scaled coordinates (columns of unit information)
    _, sv, vt = np.linalg.svd(A * s[None, :])
    rank = int(np.sum(sv > 1e-12 * sv[0]))
    onto = np.zeros(p)
    onto[k] = s * np.linalg.lstsq(A * s[None, :], -gap, rcond=1e-12)[0]
    N = vt[rank:].T
    if not N.shape[1]:
        return None
    M = N.T @ (info_k * s[:, None] * s[None, :]) @ N
    M = (M + M.T) / 2
    ev = np.linalg.eigvalsh(M)
    if not ev[0] > ev[-1] / GRAM_MAX_COND:
        return None
    G = np.linalg.solve(np.linalg.cholesky(M), N.T)  # L^{-1} N'
    inv = (G.T @ G) * s[:, None] * s[None, :]
    if not np.all(np.isfinite(inv)):
        return None
    fac = StepFactor(kept.copy(), np.zeros(p), inv, info, "held", cond=float(np.sqrt(ev[-1] / ev[0])))
    return Held(fac, held_dev, onto)
