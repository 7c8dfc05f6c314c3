"""Finishing a fitted mean's approach to an edge of its domain where the optimum lies on that edge.

A row whose response is on a hard edge e that pulls across it (:func:`~glmstat.engine.edges.edge_limits`, L != 0:
a log-link probability of 1 for a row of successes, an identity-link count mean of 0 for a count of 0) can have its
mean at e at the optimum, a boundary of the parameter space.  Fisher scoring only approaches it geometrically: the
row's working weight grows as 1 / |mu - e| while its score term stays at its pull, so each step covers a fixed
fraction of the distance left (0.45 and 0.64 of it in the fixture ``edge_approach``).  The other coefficients
settle long before, so polishing stopped (its coefficient test met, or the steps read as rounding of a solve whose
condition number the growing weight inflates) with the mean still 6e-10 from the edge: a deviance residual of
7e-5, the square root of that distance, and a leverage of 1 - 1e-9, so Cook's distance 1.5e8, where R's refits
from their own estimate creep on to a mean 1 ulp from the edge, a leverage of 1 and no Cook's distance.

:func:`constrained_to_edge` takes such rows there in one step: the Fisher step constrained to put their linear
predictors on the edge -- the limit of the steps as their weights grow, the quadratic model of the other rows
minimised on the edge -- where the constraint binds.  Its Lagrange multiplier for each row (the row's pull less
what the others pull back, :func:`_constrained`) must pull across the edge by at least ``MIN_PULL`` of the pull
itself, the fraction of the distance left that Fisher scoring covers at each step: a mean converging to an
interior optimum near the edge (whose steps cover a fraction that falls to 0) is left to scoring.  The engine
keeps that step only if its means are valid (moved back inside where the edge itself is outside the domain, as the
open binomial mean domain's 1 is) and the deviance does not rise.  It is taken once polishing ends, the other
coefficients then settled: Fisher steps from a mean held within ulps of the edge move its linear predictor across
it by rounding (of x'beta, 4e-16 here), steps polishing could not take.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..design.sources import DesignSource, fold
from ..families import Family
from .edges import held_on_edges, on_edge, pulls_across_edge
from .kernel import generic

if TYPE_CHECKING:
    from .linalg import StepFactor

__all__ = ["on_pulled_edge", "EdgeStep", "constrained_to_edge", "APPROACH_TOL", "MIN_PULL",
           "MAX_EDGE_ROWS"]

#: A row approaches its edge when its mean is within this of it (relative to max(1, |e|)) -- farther, the quadratic
#: model of the others says little about where the constrained optimum is -- and not yet within the 10 eps at which
#: the engine counts it on the edge (then it is held there).
APPROACH_TOL = 1e-6
#: The multiplier of every row taken to the edge or held there must be at least this fraction of the row's pull.
MIN_PULL = 1e-2
#: At most this many distinct rows are constrained (each a row of a small dense solve; beyond, none is).
MAX_EDGE_ROWS = 256


def on_pulled_edge(family: Family, y: np.ndarray, weights: np.ndarray, mu: np.ndarray) -> np.ndarray | None:
    """Rows (with weight) whose response and fitted mean are both on an edge that pulls across it (within the 10
    eps at which the engine counts a mean on the edge), or None where the family has no such edge.

    The optimum holds such a row's linear predictor on the edge whatever its response: its leverage is the limit
    of w_i x_i' (X'WX)^{-1} x_i as the held rows' working weights grow as 1 / |mu - e|, the leverage among those
    rows alone (:func:`~glmstat.inference.influence.pinned_leverages`): 1 for a row alone in its direction, where
    the mean a few ulps from the edge computes it as 1 - 1e-14 or so, and Cook's distance and the standardized
    residuals are not defined there (NaN, as R gives them at a leverage of 1); 1/m for m rows held in one
    direction with equal weights (a level of m zero counts, R's)."""
    edges = pulls_across_edge(family)
    return held_on_edges(y, weights, mu, (e for e, _ in edges)) if edges else None


def _block_rows(b, family: Family, edges: tuple[tuple[float, float], ...], beta: np.ndarray, step: np.ndarray,
                kept: np.ndarray) -> tuple[np.ndarray, ...]:
    """The block's rows with their response on an edge of ``edges`` and their mean either on it (within 10 eps:
    *held*, gap 0) or within :data:`APPROACH_TOL` of it with the Fisher ``step`` moving them towards it
    (*approaching*, gap the distance of x'beta to the edge's linear predictor): their design rows (kept columns),
    gap, W times the gap, the side of the edge (+1: the edge's linear predictor is above theirs) and |W r|, their
    pull."""
    link = family.link
    with np.errstate(all="ignore"):
        eta = b.X.matvec(beta) + b.offset
        mu = link.inverse(eta)
        move = b.X.matvec(step)
        sel = np.zeros(mu.shape[0], dtype=bool)
        gap, side = np.zeros(mu.shape[0]), np.zeros(mu.shape[0])
        for e, _ in edges:
            scale = max(1.0, abs(e))
            d = float(link.link(np.array([e]))[0]) - eta
            row = (b.weights > 0) & (b.y == e)
            held = row & on_edge(mu, e)
            approaching = row & ~held & (np.abs(mu - e) <= APPROACH_TOL * scale) & (move * d > 0)
            sel |= held | approaching
            gap = np.where(approaching, d, gap)
            side = np.where(held | approaching, np.sign(d), side)
    rows = np.flatnonzero(sel)
    if not rows.size:
        return (np.zeros((0, int(kept.sum()))),) + (np.zeros(0),) * 4
    wk = generic(family, b.y[rows], b.weights[rows], eta[rows])
    return b.X.take(rows).toarray()[:, kept], gap[rows], wk.W * gap[rows], side[rows], np.abs(wk.W * wk.r)


def _concat(a: tuple, b: tuple) -> tuple:
    return tuple(np.concatenate([x, y]) for x, y in zip(a, b))


def _constrained(C: np.ndarray, step: np.ndarray, A: np.ndarray, gap: np.ndarray, wgap: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(the constrained step, the multipliers) for the constraints A d = gap on the kept coefficients' change d.

    The Fisher step solves H d = b, H = X'WX and b = X'W r (the rows' own weights and pulls included).  The change
    minimising the same quadratic model on {A d = gap} is d_c = step + C A' nu with C = H^{-1} and
    (A C A') nu = gap - A step (least squares: rows of A may coincide).  On that set the constrained rows' own
    quadratic terms W (gap - x'd)^2 are constant, so d_c also minimises the model of the other rows plus the
    constrained rows' pull, and its multipliers are mu = (W times the gap, summed over the row's copies) - nu: of
    the sign of the gap's side where the optimum of that model lies across the edge (-> the pull times the
    fraction of the gap that a Fisher step covers, as the gap -> 0)."""
    CA = C @ A.T
    nu = np.linalg.lstsq(A @ CA, gap - A @ step, rcond=1e-13)[0]
    return step + CA @ nu, wgap - nu


class EdgeStep(NamedTuple):
    """The constrained step's coefficients, and whether it takes rows to the edge (else it holds rows there)."""

    coef: np.ndarray
    reaches: bool


def constrained_to_edge(source: DesignSource, family: Family, beta: np.ndarray, fac: "StepFactor",
                        edges: tuple[tuple[float, float], ...]) -> EdgeStep | None:
    """The Fisher step at ``beta`` (factor ``fac``) constrained to put every row that it carries to an edge of
    ``edges`` (:func:`~glmstat.engine.edges.pulls_across_edge`) on that edge, and to hold there the rows already
    on it, where the constraint binds (see the module docstring); None where no row binds, or the rows are too
    many.  One pass over the rows (and fewer than ``MAX_EDGE_ROWS`` small solves); the caller evaluates the
    result."""
    kept = fac.kept
    step = fac.step[kept]
    part = partial(_block_rows, family=family, edges=edges, beta=np.where(kept, beta, 0.0),
                   step=np.where(kept, fac.step, 0.0), kept=kept)
    empty = (np.zeros((0, int(kept.sum()))),) + (np.zeros(0),) * 4
    X, gap, wgap, side, pull = fold(source, part, _concat, empty)
    if not gap.size:
        return None
    # a row repeated (the same design row and linear predictor) is one constraint, its pulls summed
    rows, inverse = np.unique(np.column_stack([X, gap, side]), axis=0, return_inverse=True)
    if rows.shape[0] > MAX_EDGE_ROWS:
        return None
    inverse = inverse.ravel()
    A, g, sd = rows[:, :-2], rows[:, -2], rows[:, -1]
    wg = np.bincount(inverse, weights=wgap, minlength=rows.shape[0])
    pl = np.bincount(inverse, weights=pull, minlength=rows.shape[0])
    C = fac.inv
    binding = np.ones(g.size, dtype=bool)
    for _ in range(g.size):  # (release the rows that the others pull back inside; at most once each)
        d, mult = _constrained(C, step, A[binding], g[binding], wg[binding])
        ok = mult * sd[binding] >= MIN_PULL * pl[binding]
        if ok.all():
            out = np.where(kept, beta, 0.0)
            out[kept] += d
            return EdgeStep(out, bool(np.any(g[binding] != 0)))
        binding[np.flatnonzero(binding)[~ok]] = False
        if not binding.any():
            return None
    return None
