"""The rows at a fit's estimate, each question one pass over the blocks: which fitted means run beyond a size or
sit on an edge of the domain, how many means on an edge count, whether a full step leaves the domain, whether the
fit is exact to rounding -- and how a message names the rows it finds."""

from __future__ import annotations

import operator
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ..design.sources import fold
from ..engine.edges import hard_edges as _hard_edges
from ..engine.edges import ON_EDGE_TOL, held_on_edges
from ..engine.edges import settled_edges as _settled_edges
from .explain import ROWS_NAMED, row_labels_text

if TYPE_CHECKING:
    from ..design.sources import InMemorySource
    from ..engine.fit_state import FitState
    from ..families import Family
    from ..formula.frame import ModelFrame

__all__ = ["row_labels", "fitted_means", "rows_beyond", "rows_at", "hard_edge_rows", "boundary_rows", "step_leaves",
           "exact_fit", "EXACT_FIT_TOL"]


#: |y - mu| below this fraction of (|y| + mean |y|) in every row is a fit exact to rounding.
EXACT_FIT_TOL = 1e-10


def row_labels(frame: "ModelFrame", rows: np.ndarray) -> str:
    return row_labels_text(frame.rows_used[rows[:ROWS_NAMED]], rows.size)


def fitted_means(source: "InMemorySource", family: "Family", state: "FitState"):
    """(position of its first row, block, fitted means) for each block of ``source`` at the estimate."""
    b = np.where(state.kept, state.coef, 0.0)
    start = 0
    for blk in source.blocks():
        with np.errstate(all="ignore"):
            mu = family.link.inverse(blk.X.matvec(b) + blk.offset)
        yield start, blk, mu
        start += blk.y.shape[0]


def rows_beyond(source: "InMemorySource", family: "Family", state: "FitState", limit: float
                 ) -> tuple[np.ndarray, float]:
    """Positions of the rows (with weight) whose fitted mean at the estimate exceeds ``limit`` in size, and the
    largest such size (0 for none)."""
    rows, largest = [], 0.0
    for start, blk, mu in fitted_means(source, family, state):
        far = np.flatnonzero((np.abs(mu) > limit) & (blk.weights > 0))
        if far.size:
            largest = max(largest, float(np.abs(mu[far]).max()))
            rows.append(start + far)
    return (np.concatenate(rows) if rows else np.zeros(0, dtype=np.intp)), largest


def rows_at(source: "InMemorySource", family: "Family", state: "FitState",
             edges: list[tuple[float, float]], settled: tuple[float, ...] = ()) -> np.ndarray:
    """Positions of the rows (with weight) whose fitted mean at the estimate is within ``tol`` of an ``edge``,
    for each (edge, tol) of ``edges``, over the blocks of ``source``; not those whose response is at an edge of
    ``settled`` too (:func:`~glmstat.engine.edges.settled_edges`)."""
    rows = []
    for start, blk, mu in fitted_means(source, family, state):
        at = np.zeros(mu.shape[0], dtype=bool)
        for v, tol in edges:
            on = np.abs(mu - v) <= tol
            at |= on & (blk.y != v) if v in settled else on
        rows.append(start + np.flatnonzero(at & (blk.weights > 0)))
    return np.concatenate(rows) if rows else np.zeros(0, dtype=np.intp)


def hard_edge_rows(source: "InMemorySource", family: "Family", state: "FitState") -> np.ndarray:
    """Positions of the rows (with weight) whose fitted mean is on a hard edge
    (:func:`~glmstat.engine.edges.hard_edges`), but for those settled there with their response
    (:func:`~glmstat.engine.edges.settled_edges`)."""
    edges = [(v, ON_EDGE_TOL * max(1.0, abs(v))) for v in _hard_edges(family)]
    return rows_at(source, family, state, edges, _settled_edges(family)) if edges else np.zeros(0, dtype=np.intp)


def _block_settled(blk, family: "Family", beta: np.ndarray, settled: tuple[float, ...]) -> int:
    with np.errstate(all="ignore"):
        mu = family.link.inverse(blk.X.matvec(beta) + blk.offset)
    return int(np.count_nonzero(held_on_edges(blk.y, blk.weights, mu, settled)))


def boundary_rows(source: "InMemorySource", family: "Family", state: "FitState") -> int:
    """The engine's count of fitted means on an edge of the domain (``state.n_boundary``) less the rows settled
    there with their response (:func:`~glmstat.engine.edges.settled_edges`: a sqrt-link mean of 0 for a count of
    0), which are the optimum, not a sign of separation or of a boundary; a pass over the rows only when there are
    both."""
    settled = _settled_edges(family)
    if state.n_boundary == 0 or not settled:
        return state.n_boundary
    b = np.where(state.kept, state.coef, 0.0)
    n = fold(source, partial(_block_settled, family=family, beta=b, settled=settled), lambda a, c: a + c, 0)
    return max(state.n_boundary - n, 0)


def _block_leaves(blk, family: "Family", beta: np.ndarray) -> bool:
    pos = blk.weights > 0
    with np.errstate(all="ignore"):
        eta = (blk.X.matvec(beta) + blk.offset)[pos]
        mu = family.link.inverse(eta)
    return not (family.link.valid_eta(eta) and family.valid_mu(mu))


def step_leaves(source: "InMemorySource", family: "Family", state: "FitState", step: np.ndarray) -> bool:
    """Does the full Fisher step from the estimate, beta + delta, give a linear predictor or mean outside the
    family's domain (R's valideta and validmu) in some row with a positive weight?  One pass over the rows."""
    b = np.where(state.kept, state.coef, 0.0) + step
    return bool(fold(source, partial(_block_leaves, family=family, beta=b), operator.or_, False))


def _block_worst(blk, family: "Family", beta: np.ndarray, typical: float) -> float:
    pos = blk.weights > 0
    with np.errstate(all="ignore"):
        mu = family.link.inverse(blk.X.matvec(beta) + blk.offset)[pos]
    y = blk.y[pos]
    scale = np.abs(y) + typical
    return float(np.max(np.abs(y - mu) / np.where(scale > 0, scale, 1.0), initial=0.0))


def exact_fit(source: "InMemorySource", family: "Family", state: "FitState", typical: float) -> float | None:
    """The largest relative residual |y - mu| / (|y| + mean |y|) when every one is rounding noise, else None."""
    b = np.where(state.kept, state.coef, 0.0)
    worst = fold(source, partial(_block_worst, family=family, beta=b, typical=typical), max, 0.0)
    return worst if worst <= EXACT_FIT_TOL else None
