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

Rows whose response and fitted mean are both on an edge of the domain that pulls them across it (an identity-link
count mean of 0 for a cell of zeros: :func:`~glmstat.engine.edges.pulls_across_edge`) are a boundary of the
parameter space.  Their observed weights cannot be differenced there (a neighbouring linear predictor leaves the
domain), nor computed as 1 / V terms of size 1e15 that cancel, and the unconstrained step would carry them across
the edge: :func:`newton_step_on_edge` holds their linear predictors where they are instead, the Newton step of the
other rows on that constraint.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..design.sources import DesignSource, fold
from ..families import Family
from .edges import ON_EDGE_TOL, rows_near_edges

__all__ = ["newton_step", "newton_step_on_edge", "newton_step_off_edge", "newton_step_near_edge"]

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


#: A held row stays constrained only while its multiplier pulls across the edge by at least this fraction of its
#: own pull (as :data:`glmstat.engine.edge_approach.MIN_PULL`): else the others pull it back inside, and it is freed.
_MIN_PULL = 1e-2
#: A row whose mean is this close to its edge (relative to max(1, |e|)), though not on it, is frozen there all the
#: same: its Fisher weight w / V(mu) is 1e14 at 7e-15 from an identity-link count mean's 0, and its observed weight
#: cannot be differenced (a neighbouring linear predictor leaves the domain).  As the edge approach's tolerance.
NEAR_EDGE_TOL = 1e-6


def _block_observed_on_edge(b, family: Family, kernel, beta: np.ndarray, edges: tuple[tuple[float, float], ...],
                            tol: float) -> tuple:
    """As :func:`_block_observed`, the rows held on ``edges`` (response on the edge, mean within ``tol`` of it,
    relative to max(1, |e|)) left out of the observed information; with their design rows, their pulls |W r| and
    the side each pulls to (the sign of the edge's limit L).  A row held on an edge of infinite pull
    (:func:`~glmstat.engine.edges.steep_edges`) is left out of the score too, its pull inf: its score term, 7e7 at
    a mean of 2e-16 for a Tweedie p = 1.5 identity-link 0, says only that it is held, and would swamp the others'."""
    p = beta.size
    eta, _, near = rows_near_edges(b, family, beta, edges, tol)
    held = np.zeros(eta.shape[0], dtype=bool)
    steep = np.zeros(eta.shape[0], dtype=bool)
    side = np.zeros(eta.shape[0])
    for (_, lim), at_e in zip(edges, near):
        side[at_e] = np.sign(lim)
        held |= at_e
        if np.isinf(lim):
            steep |= at_e
    with np.errstate(all="ignore"):
        free = ~held
        y, w, ef = b.y[free], b.weights[free], eta[free]
        h = _H * np.maximum(np.abs(ef), 1e-2)
        at = kernel(b.y, b.weights, eta)
        up, down = kernel(y, w, ef + h), kernel(y, w, ef - h)
        w_obs = np.zeros(eta.shape[0])
        w_obs[free] = (down.scores - up.scores) / (2.0 * h)
        scores = np.where(steep, 0.0, at.scores) if steep.any() else at.scores
        ok = at.valid and up.valid and down.valid and bool(np.isfinite(w_obs).all() and np.isfinite(scores).all())
    rows = np.flatnonzero(held)
    if not ok:
        return np.zeros((p, p)), np.zeros(p), False, np.zeros((0, p)), np.zeros(0), np.zeros(0)
    pull = np.where(steep[rows], np.inf, np.abs(scores[rows]))
    return b.X.gram(w_obs), b.X.rmatvec(scores), True, b.X.take(rows).toarray(), pull, side[rows]


def _add_on_edge(a, b):
    return (a[0] + b[0], a[1] + b[1], a[2] and b[2], np.concatenate([a[3], b[3]]), np.concatenate([a[4], b[4]]),
            np.concatenate([a[5], b[5]]))


def newton_step_on_edge(source: DesignSource, family: Family, kernel, beta: np.ndarray, kept: np.ndarray,
                        fisher: np.ndarray, edges: tuple[tuple[float, float], ...]) -> np.ndarray | None:
    """The Newton step at ``beta`` that holds the linear predictors of the rows on ``edges`` (response and mean both
    on an edge that pulls them across it) where they are, the observed information of the other rows on the
    ``kept`` columns; ``fisher`` (X'WX) scales the columns.  A held row whose multiplier does not pull it across
    the edge (the others pull it back inside) is freed; where every one is, the step is
    :func:`newton_step_off_edge`'s.  None where no row is on an edge, where the observed information is not
    positive definite on the constraint, or where a neighbouring linear predictor of the other rows leaves the
    domain."""
    step, _ = _edge_newton(source, family, kernel, beta, kept, fisher, edges, ON_EDGE_TOL)
    return step


def newton_step_off_edge(source: DesignSource, family: Family, kernel, beta: np.ndarray, kept: np.ndarray,
                         fisher: np.ndarray, edges: tuple[tuple[float, float], ...]) -> np.ndarray | None:
    """The Newton step at ``beta`` that frees every row on or near ``edges`` (within :data:`NEAR_EDGE_TOL`) where
    the others pull each of them back inside (no multiplier of :func:`newton_step_on_edge` pulls across the edge),
    or None (no row is on an edge, one of them binds, or no step: see :func:`newton_step_on_edge`).

    The freed rows count with their scores u_i (their pulls) and no observed weight: u_i = w_i mu'(eta) (e - mu)
    / V(mu) tends to the finite limit w_i L at the edge, its derivative is not differenced there (a neighbouring
    linear predictor leaves the domain), and it is 0 where u_i is constant (an identity-link count of 0: u_i =
    -w_i).  The step is H^{-1} X'u, H the other rows' observed information: a row held within ulps of the edge,
    where its Fisher weight w / V(mu) (1e15) freezes it, is moved inside by the steps that lower the deviance."""
    step, freed = _edge_newton(source, family, kernel, beta, kept, fisher, edges, NEAR_EDGE_TOL)
    return step if freed else None


def newton_step_near_edge(source: DesignSource, family: Family, kernel, beta: np.ndarray, kept: np.ndarray,
                          fisher: np.ndarray, edges: tuple[tuple[float, float], ...]) -> np.ndarray | None:
    """The Newton step at ``beta`` that holds every row on or near ``edges`` (within :data:`NEAR_EDGE_TOL`) whose
    multiplier pulls it across the edge, and frees the others (:func:`newton_step_on_edge`'s step with that
    tolerance): the step that finishes a fit whose edge step (:mod:`glmstat.engine.edge_approach`) put rows on the
    edge to the rounding of their linear predictor -- a mean of 6e-15 where the coefficients are about 100, beyond
    the 10 eps at which a mean counts on the edge -- before the other coefficients had settled.  None where no row
    is near an edge, or no step (see :func:`newton_step_on_edge`)."""
    step, _ = _edge_newton(source, family, kernel, beta, kept, fisher, edges, NEAR_EDGE_TOL)
    return step


def _edge_newton(source: DesignSource, family: Family, kernel, beta: np.ndarray, kept: np.ndarray,
                 fisher: np.ndarray, edges: tuple[tuple[float, float], ...], tol: float
                 ) -> tuple[np.ndarray | None, bool]:
    """(the step, whether every row on the edges was freed): the step of :func:`newton_step_on_edge`, or where
    every held row is freed that of :func:`newton_step_off_edge`."""
    p = beta.size
    empty = (np.zeros((p, p)), np.zeros(p), True, np.zeros((0, p)), np.zeros(0), np.zeros(0))
    hess, score, ok, A, pull, side = fold(
        source, partial(_block_observed_on_edge, family=family, kernel=kernel, beta=beta, edges=edges, tol=tol),
        _add_on_edge, empty)
    k = np.flatnonzero(kept)
    d = np.diag(fisher)[k]
    if not ok or not A.shape[0] or not np.all(d > 0):
        return None, False
    # a row repeated (the same design row) is one constraint, its pulls summed
    A, inverse = np.unique(np.column_stack([A[:, k], side]), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    A, side = A[:, :-1], A[:, -1]
    pull = np.bincount(inverse, weights=pull, minlength=A.shape[0])
    # (the scale of X'WX's diagonal counts the held rows' own weights, which vanish from nothing here: the
    # diagonal of the observed information of the other rows, where positive, scales the columns instead)
    dh = np.diag(hess)[k]
    s = 1.0 / np.sqrt(np.where(dh > 0, dh, d))
    H = hess[np.ix_(k, k)] * s[:, None] * s[None, :]
    H = (H + H.T) / 2
    u = s * score[k]
    binding = np.ones(A.shape[0], dtype=bool)
    for _ in range(A.shape[0]):
        As = A[binding] * s[None, :]
        m = As.shape[0]
        # positive definite on the constraint's null space (the directions the step may take)
        _, sv, vt = np.linalg.svd(As)
        rank = int(np.sum(sv > 1e-12 * sv[0])) if sv.size else 0
        N = vt[rank:].T
        if N.shape[1]:
            try:
                np.linalg.cholesky(N.T @ H @ N)
            except np.linalg.LinAlgError:
                return None, False
        K = np.block([[H, As.T], [As, np.zeros((m, m))]])
        sol = np.linalg.lstsq(K, np.concatenate([u, np.zeros(m)]), rcond=1e-13)[0]
        mult = sol[k.size:]
        # (a row of infinite pull holds whatever the others pull)
        holds = (mult * side[binding] >= _MIN_PULL * pull[binding]) | np.isinf(pull[binding])
        if holds.all():
            # (onto the constraint's null space exactly: the solve's rounding across it would otherwise be
            # measured against a held row's vanishing standard error, an intercept fixed by that row alone)
            e = N @ (N.T @ sol[:k.size])
            step = np.zeros(p)
            step[k] = s * e
            return (step if np.all(np.isfinite(step)) else None), False
        binding[np.flatnonzero(binding)[~holds]] = False
        if not binding.any():
            return _free_step(H, u, s, k, p), True
    return None, False


def _free_step(H: np.ndarray, u: np.ndarray, s: np.ndarray, k: np.ndarray, p: int) -> np.ndarray | None:
    """The scaled Newton step H^{-1} u on the kept columns ``k`` (None where H is not positive definite)."""
    try:
        L = np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return None
    step = np.zeros(p)
    step[k] = s * np.linalg.solve(L.T, np.linalg.solve(L, u))
    return step if np.all(np.isfinite(step)) else None
