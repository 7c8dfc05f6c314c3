"""The edges of a family's mean domain that its link reaches at a finite linear predictor, and what a row whose
response is on such an edge does there: properties of the family and link alone, asked for by the engine (which
finishes a mean's approach to an edge, :mod:`glmstat.engine.edge_approach`), the boundary diagnosis and the
profile.

A finite edge e of the mean domain is *hard* when the link maps it to a finite eta_e whose inverse is e itself (a
log-link probability of 1 at eta = 0, an identity-link count mean of 0).  Where the variance has a simple zero
there (``family.variance_zeros``), a row whose response is e has a score term w mu'(eta) (e - mu) / V(mu) whose
limit as mu -> e is L = -w mu'(eta_e) / V'(e): 0 where the link's derivative vanishes at the edge (sqrt at 0: the
row is *settled* there, an interior optimum of the coefficients), a pull across the edge otherwise, which only a
boundary optimum leaves unanswered.
"""

from __future__ import annotations

from functools import lru_cache, wraps
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..families import Family

__all__ = ["per_family", "hard_edges", "edge_limits", "settled_edges", "pulls_across_edge", "pulled_edges",
           "steep_edges", "ON_EDGE_TOL", "on_edge", "held_on_edges", "rows_near_edges"]

#: A fitted mean this close to an edge e, relative to max(1, |e|), is on it (the engine's test, and the diagnosis's).
ON_EDGE_TOL = 10 * np.finfo(float).eps


def on_edge(mu: np.ndarray, e: float) -> np.ndarray:
    """Whether each mean is on the edge ``e``: |mu - e| <= ON_EDGE_TOL max(1, |e|)."""
    return np.abs(mu - e) <= ON_EDGE_TOL * max(1.0, abs(e))


def held_on_edges(y: np.ndarray, weights: np.ndarray, mu: np.ndarray, edges) -> np.ndarray:
    """The rows (with weight) whose response and fitted mean are both on one of ``edges`` (:func:`on_edge`)."""
    at = np.zeros(mu.shape[0], dtype=bool)
    for e in edges:
        at |= (y == e) & on_edge(mu, e)
    return at & (weights > 0)


def rows_near_edges(b, family: "Family", beta: np.ndarray, edges: tuple[tuple[float, float], ...], tol: float
                    ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """A block's linear predictor and means at ``beta``, and for each edge (e, L) of ``edges`` its rows held near
    it: response e, mean within ``tol`` of it relative to max(1, |e|), positive weight, no earlier edge's row."""
    eta = b.X.matvec(beta)
    if b.has_offset:
        eta += b.offset
    with np.errstate(all="ignore"):
        mu = family.link.inverse(eta)
        held = np.zeros(eta.shape[0], dtype=bool)
        near = []
        for e, _ in edges:
            at_e = (b.y == e) & (np.abs(mu - e) <= tol * max(1.0, abs(e))) & (b.weights > 0) & ~held
            held |= at_e
            near.append(at_e)
    return eta, mu, near


def per_family(fn):
    """Memoise a function of the family alone (its edges are properties of the family and link, not of the data,
    asked for several times in every fit); an unhashable family (a link object of a user's) is computed afresh."""
    cached = lru_cache(maxsize=32)(fn)

    @wraps(fn)
    def wrapper(family):
        try:
            return cached(family)
        except TypeError:
            return fn(family)

    return wrapper


@per_family
def hard_edges(family: "Family") -> tuple[float, ...]:
    """The finite edges of the family's mean domain that its link reaches at a finite linear predictor (one its
    inverse maps onto the edge itself: tan(-pi/2), the cauchit link of 0, is finite in floating point, but the
    cauchit mean there is clamped at eps, as R clamps it, and reaches 0 only as eta -> -infinity)."""
    edges = []
    with np.errstate(all="ignore"):
        for v in (family.mu_domain.low, family.mu_domain.high):
            at = np.array([v], dtype=float)
            eta = family.link.link(at)
            if np.isfinite(v) and np.all(np.isfinite(eta)) and np.all(family.link.inverse(eta) == at):
                edges.append(v)
    return tuple(edges)


@per_family
def edge_limits(family: "Family") -> tuple[tuple[float, float], ...]:
    """((e, L), ...) for each edge e of the mean domain where the response can be, which the link reaches at a
    finite linear predictor eta_e, and where V has a simple zero (``family.variance_zeros``): L is the limit of a
    row's score term per unit weight, mu'(eta) (e - mu) / V(mu) -> -mu'(eta_e) / V'(e), as its mean goes to e.

    L = 0 where the link's derivative vanishes at the edge (sqrt at 0: the term is -2 eta), so a row with y = e
    fitted at e satisfies its score equation; L != 0 (identity, a log-link probability of 1) is a pull across the
    edge, which only a boundary optimum leaves unanswered."""
    out, hard = [], hard_edges(family)
    with np.errstate(all="ignore"):
        for e, slope in family.variance_zeros:
            at = np.array([e], dtype=float)
            if e in hard and bool(family.y_domain.contains(at)[0]):
                out.append((e, float(-family.link.mu_eta(family.link.link(at))[0] / slope)))
    return tuple(out)


@per_family
def settled_edges(family: "Family") -> tuple[float, ...]:
    """The edges of :func:`edge_limits` whose limit is 0: a row whose response and fitted mean are both there
    satisfies its score equation, and is no sign of a boundary of the parameter space."""
    return tuple(e for e, lim in edge_limits(family) if lim == 0.0)


@per_family
def pulls_across_edge(family: "Family") -> tuple[tuple[float, float], ...]:
    """The edges (e, L) of :func:`edge_limits` whose limit L pulls across them (L != 0): a row whose response is
    there can have its mean on the edge at the optimum only as a boundary of the parameter space."""
    return tuple((e, lim) for e, lim in edge_limits(family) if lim != 0.0)


@per_family
def steep_edges(family: "Family") -> tuple[tuple[float, float], ...]:
    """((e, L), ...) with L = +-inf: the edges e of ``family.steep_variance_zeros`` where the response can be and
    which the link reaches at a finite linear predictor eta_e with 0 < |mu'(eta_e)| < inf (Tweedie 1 < p < 2 with
    the identity link at 0).  A row whose response is e has the score term w mu'(eta) (e - mu) / V(mu), of order
    |mu - e|^(1-k) for V ~ |mu - e|^k, k > 1: its pull across the edge grows without bound as its mean nears e, so
    a row fitted on (or within rounding of) the edge is held there by any finite pull of the others -- its unit
    deviance, 2 mu^(2-p) / (2-p) for the Tweedie, rises faster than any linear term falls.  L has the sign of
    -mu'(eta_e) (e the lower edge; the opposite for the upper), as :func:`edge_limits`'s."""
    out, hard = [], hard_edges(family)
    low = family.mu_domain.low
    with np.errstate(all="ignore"):
        for e in family.steep_variance_zeros:
            at = np.array([e], dtype=float)
            if e not in hard or not bool(family.y_domain.contains(at)[0]):
                continue
            slope = float(family.link.mu_eta(family.link.link(at))[0])
            if np.isfinite(slope) and slope != 0.0:
                out.append((e, float(-np.sign(slope) * (1.0 if e == low else -1.0) * np.inf)))
    return tuple(out)


def pulled_edges(family: "Family") -> tuple[tuple[float, bool], ...]:
    """((e, settled), ...): each finite edge e of the family's mean domain that its link reaches at a finite
    linear predictor (:func:`hard_edges`), and whether a row whose response is e too satisfies its score
    equation with its mean there (:func:`settled_edges`: a sqrt-link count of 0 fitted at 0), so that only
    the other rows fitted at e are a sign of an optimum on the edge."""
    settled = settled_edges(family)
    return tuple((e, e in settled) for e in hard_edges(family))
