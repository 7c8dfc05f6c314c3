"""One more Fisher-scoring step from a fit's estimate, delta = (X'WX)^{-1} X'W r, measured: how far it would move
a coefficient (relative to max(|beta_j|, se_j)) and a linear predictor, and how far the score equations are from
holding.  At a finite interior optimum all three are ~0; a fit that stopped at the deviance test short of it, runs
off along a separating direction, or sits on a boundary of the parameter space shows in them
(:mod:`.degenerate` reports what they say; :mod:`.separation` follows the step)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ..design.sources import fold
from ..engine.edges import edge_limits as _edge_limits
from ..engine.edges import steep_edges as _steep_edges
from .response_range import SharedRange

if TYPE_CHECKING:
    from ..design.sources import InMemorySource
    from ..engine.fit_state import FitState
    from ..families import Family
    from ..formula.frame import ModelFrame

__all__ = ["NewtonCheck", "AT_OPTIMUM", "newton_check", "STEP_TOL", "SCORE_TOL", "AT_EDGE_TOL"]


#: A converged estimate whose next Newton step exceeds this fraction of max(|beta_j|, se_j) is not at the MLE.
STEP_TOL = 1e-6


#: ... nor is one whose score sum_i s_ij exceeds this fraction of sum_i |s_ij| (a boundary optimum; at an
#: interior optimum the ratio is ~1e-10, at a boundary one it is of order 1).
SCORE_TOL = 1e-3


#: A fitted mean this close (relative to s = max(1, mean |y|)) to an edge where the row's response is has reached
#: it: its score term is taken at its limit there.  (Fisher scoring carries such a mean towards the edge linearly
#: -- halving a sqrt-link eta at each step -- and the exact fit stops with it ~1e-15 s away; a sqrt-link term
#: still differs from its limit, 0, by 2 w sqrt(mu), at most 2e-5 w sqrt(s) here, where the terms of the rows not
#: at the edge, 2 w (y - mu) / sqrt(mu) for counts, are of order w.)
AT_EDGE_TOL = 1e-10


@dataclass(frozen=True)
class NewtonCheck:
    """One more Fisher-scoring step delta = (X'WX)^{-1} X'W r from the estimate, measured two ways."""

    coef_step: float  # max_j |delta_j| / max(|beta_j|, se_j) (se at unit dispersion)
    column: str  # where that maximum is reached
    eta_drift: float  # max_i |x_i' delta|: how far the step would still move a linear predictor
    score_rel: float  # max_j |sum_i s_ij| / sum_i |s_ij|, s_ij = x_ij w_i mu'(eta_i) (y_i - mu_i) / V(mu_i)
    #                   (|y_i - mu_i| floored at 1e-6 (|y_i| + |mu_i|) in the denominator)
    #: delta itself, every column (0 where aliased); None where no step was taken
    step: np.ndarray | None = field(default=None, repr=False, compare=False)


#: What newton_check would report for a polished interior optimum: no step, no drift, the score at 0.
AT_OPTIMUM = NewtonCheck(0.0, "", 0.0, 0.0)


def _block_score(blk, family: "Family", beta: np.ndarray, kept: np.ndarray,
                 limits: tuple[tuple[float, float], ...] = (), near: float = 0.0, settled_deviance: float = 0.0,
                 steep: tuple[tuple[float, float], ...] = ()) -> tuple[np.ndarray, np.ndarray, float]:
    """A block's share of the score X'u and of the size of its terms (see :class:`NewtonCheck`), and the
    deviance of the rows taken at an edge; a row whose response is at an edge e of ``limits`` and whose mean is
    within ``near`` of it adds the limit of its term -- so does one whose edge's limit is 0 (a settled edge) and
    whose deviance there is at most ``settled_deviance``.  A row so near an edge of infinite pull (``steep``:
    :func:`~glmstat.engine.edges.steep_edges`) adds nothing: its term (-mu^(-1/2), 2.6e6 at a Tweedie mean of
    1.5e-13) is held by the edge, the covariance of a fit holding it there has x'C = 0 for it, and their product
    would be that term times the rounding of x'C, a step of 6e-5 that is not there."""
    link = family.link
    taken = 0.0
    with np.errstate(all="ignore"):
        eta = blk.X.matvec(beta) + blk.offset
        mu = link.inverse(eta)
        d, v = link.mu_eta(eta), family.variance(mu)
        u = np.where(blk.weights > 0, blk.weights * d * (blk.y - mu) / v, 0.0)
        # the size of the score's terms, floored at 1e-6 of the data's own scale so that an exact fit
        # (every residual at the noise level of the estimate) does not look like a failed score equation
        mag = np.where(blk.weights > 0, np.abs(u) + 1e-6 * blk.weights * np.abs(d) * (np.abs(blk.y) + np.abs(mu))
                       / np.abs(v), 0.0)
        for e, lim in limits:
            # (the quotient is 0/0 at the edge and, near it, all of one sign and as small as the distance left:
            # relative to its own size that reads as a score equation that fails, whatever the distance)
            at = (blk.weights > 0) & (blk.y == e)
            close = np.abs(mu - e) <= near
            if lim == 0.0 and settled_deviance > 0.0:
                dev = blk.weights * family.unit_deviance(blk.y, mu)
                close |= dev <= settled_deviance
                taken += float(np.sum(dev[at & close]))
            at &= close
            if at.any():
                u = np.where(at, blk.weights * lim, u)
                mag = np.where(at, np.abs(u), mag)
        for e, _ in steep:
            at = (blk.weights > 0) & (blk.y == e) & (np.abs(mu - e) <= near)
            if at.any():
                u, mag = np.where(at, 0.0, u), np.where(at, 0.0, mag)
        return blk.X.rmatvec(u)[kept], blk.X.abs_rmatvec(mag)[kept], taken


def _add_pair(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b))


def _block_drift(blk, step: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        return float(np.max(np.abs(blk.X.matvec(step)), initial=0.0))


def newton_check(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                 with_drift: bool, shared: "SharedRange | None" = None, settled_deviance: float = 0.0
                 ) -> NewtonCheck | None:
    """The size of the next Fisher-scoring step (two passes over the rows; one if not ``with_drift``; one more for
    the response's scale where rows may sit on an edge with their response, unless ``shared`` has it).

    ``settled_deviance`` > 0: the step with every row whose response is on a settled edge
    (:func:`~glmstat.engine.edges.settled_edges`) and whose deviance is at most that taken at the edge, its score
    term at its limit, 0 -- or None when those rows' deviance adds up to more than ``settled_deviance``."""
    k = state.kept
    b = np.where(k, state.coef, 0.0)
    cov = state.cov_unscaled[np.ix_(k, k)]
    if not np.all(np.isfinite(cov)) or not np.any(k):
        return NewtonCheck(np.inf, "", np.inf, np.inf)
    limits, steep = _edge_limits(family), _steep_edges(family)
    near = AT_EDGE_TOL * max(1.0, (shared or SharedRange(source))().mean_abs) if limits or steep else 0.0
    score, size, taken = fold(source, partial(_block_score, family=family, beta=b, kept=k, limits=limits, near=near,
                                              settled_deviance=settled_deviance, steep=steep),
                              _add_pair, (np.zeros(int(k.sum())), np.zeros(int(k.sum())), 0.0))
    if settled_deviance > 0.0 and not taken <= settled_deviance:
        return None
    with np.errstate(all="ignore"):
        step = cov @ score
        score_rel = float(np.max(np.abs(score) / np.where(size > 0, size, 1.0), initial=0.0))
        rel = np.abs(step) / np.maximum(np.maximum(np.abs(b[k]), np.sqrt(np.maximum(np.diag(cov), 0.0))), 1e-300)
        full = np.zeros(k.size)
        full[k] = step
        drift = fold(source, partial(_block_drift, step=full), max, 0.0) if with_drift else 0.0
    j = int(np.argmax(rel)) if rel.size else 0
    names = [n for n, kk in zip(frame.column_names, k) if kk]
    coef_step = float(rel[j]) if rel.size and np.isfinite(rel[j]) else np.inf
    return NewtonCheck(coef_step, names[j] if names else "", drift if np.isfinite(drift) else np.inf,
                       score_rel if np.isfinite(score_rel) else np.inf, full)
