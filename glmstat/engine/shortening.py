"""A Fisher step whose means leave the family's domain: moved back inside when it left only by the rounding of
its solve, and the step that puts (or holds) rows on an edge of the domain whose optimum is there.

The IRLS loop (:mod:`glmstat.engine.irls`) halves a step that truly leaves the domain, as R's ``glm.fit``; these
are the steps it takes instead where halving would part from the optimum R reaches (its QR rounding to the
inside) or crawl towards an edge that holds the optimum.
"""

from __future__ import annotations

import math
import operator
from functools import partial

import numpy as np

from ..design.base import rows_within
from ..design.sources import DesignSource, fold
from ..families import Family
from ..links import eta_outside
from .edge_approach import constrained_to_edge
from .linalg import StepFactor
from .scoring_pass import PassResult, evaluate, rises

__all__ = ["ROUNDING_SHORTENING", "LATER_ROUNDING_SHORTENING", "LATER_ROUNDING_ETA", "within_eta_rounding",
           "inside_by_rounding", "finish_at_edge"]

_EPS = np.finfo(float).eps

#: A step whose means leave the family's domain is halved towards the previous estimate, as R halves it (the
#: first step, with nothing to halve towards, is refused) -- unless moving it at most this fraction of the way
#: towards the coefficients of the starting linear predictor brings them back: it then left the domain by the
#: rounding of its solve only.  Where the exact step ends on the edge (an identity-link mean of 0 for a
#: factor level whose counts are all 0, or a binomial mean of 1 for a level of successes: their working
#: responses are exactly on it), the solve's last bit decides the side, and it falls one way in memory, another
#: for the same sums taken in another order (Parquet row groups, dask partitions) and a third for R's QR: the
#: fit was refused, or crept towards the edge by halvings (25 iterations, 4% short of the optimum), or took the
#: optimum in 3.  (A step that truly leaves the domain needs a shortening of order 1.)  The starting linear
#: predictor's coefficients are the anchor, not the previous estimate: that is on the edge itself after such a
#: step (its mean 1e-15 from 0), so no small move towards it comes back inside.
ROUNDING_SHORTENING = 2.0**-30
#: ... and for a later step, which comes from an estimate that may be approaching an optimum on the edge by
#: halvings: its overshoot shrinks along that path (a log-link probability of 1 overshot by 1e-11 after 13
#: iterations), and only one within the rounding of the linear predictor (1e-15 here) is shortened.
LATER_ROUNDING_SHORTENING = 2.0**-40
#: ... and only where the shortening moves none of the rows that left the domain by more than this many units
#: of the rounding of their linear predictor, eps (sum_j |x_ij beta_j| + |offset_i|): a fixed fraction of the way
#: to the anchor is no measure of rounding, as that way can be long and the overshoot tiny.  Along a path of
#: halvings to an optimum on the edge, the overshoot is real however small: the iterate is 3.7e-15 from the edge
#: (a log-link binomial y ~ x, the row of x = 10 at eta = 0), the Fisher step leaves the domain by 1.1e-14, 26
#: such units, and R halves it (as at the next iteration, 12 units), where 2^-40 of the way shortened it, and the
#: path parted from R's.  Steps that end on the edge exactly (a factor level's rows all 0, or all 1) leave it by
#: at most 4 units (moved back by no more than that in the fixtures).  The last overshoots of such a path are a few
#: units too, and R halves them or not as its QR rounds (its fit moves by 1e-4 with the order of the rows there):
#: no bound separates them from a step that ends on the edge, and glmstat moves them back inside -- unless, with
#: ``convergence="R"``, the step so moved raises the deviance: it is then halved, as R halves it where its QR rounds
#: the other way.  Rows held on the edge by their growing weights (a negative binomial identity-link fit whose rows
#: of 0 have hat 1, random s785_0329) end every step there, on a side that is the last bit of the solve, while
#: undamped scoring swings the other coefficients about the optimum without settling (9.46, 11.80, 12.38, 27.62,
#: 19.76, ...): R halves those steps that fall outside (from its 11th iteration 8 of 15, 7 of 9 and 14 of 15 in three
#: orders of the rows) and ends at 8.8987-8.8988 in each, where moving them all back inside ended anywhere from 9.42
#: to 22.73 by source and order.  Where moved back inside the step lowers the deviance, but less than the step halved
#: (random s810_0007, a negative binomial identity-link fit: two rows of 0 at 4e-13 from the edge, a 7th step that
#: leaves it by a tenth of their rounding, which R halves, 1.38748 against 1.38962 moved back inside), it is halved
#: too: moved back inside, scoring swung about the optimum, its deviance changes shrinking by 0.55 a step, to 25
#: iterations, unconverged on every path, where R converges at 10 to 21 over 40 orders of the rows (glmstat now at 13
#: to 17 by path, to 4.9e-9 of R's deviance); a step that ends on the edge at the optimum does better whole, as
#: before.  (All with ``convergence="R"`` only: the exact fit, for which R's path is only the
#: way to the optimum, moves every step that 2^-40 of the way brings back, which keeps the progress the step makes
#: along the edge: halving the real overshoots too left it stopped 4.6e-5 of a standard error from an optimum on the
#: edge it reached before, its polishing steps leaving the domain.)
LATER_ROUNDING_ETA = 8.0
#: The smallest shortening tried, 2^-53: the step is shortened by the smallest power of 2 that brings its means
#: back (found by bisection of the exponent, five passes), so that they stay as near the edge as those of a step
#: that rounded inside it -- within the 10 eps at which the diagnosis counts a mean on the edge.
_LEAST_SHORTENING_EXPONENT = 53


def _shortened(source: DesignSource, family: Family, kernel, new: np.ndarray, toward: np.ndarray, t: float,
               kept: np.ndarray, use_qr: bool, max_cond: float):
    """(coefficients, pass, factor, use_qr) at ``new`` moved the fraction ``t`` towards ``toward``, or None
    when its means leave the domain (or its X'WX has no factor)."""
    beta = new + t * (toward - new)
    res, fac, use_qr = evaluate(source, family, beta, use_qr, kept, kernel, None, max_cond)
    return (beta, res, fac, use_qr) if res.valid and fac is not None else None


def _outside_rows(family: Family, y: np.ndarray, w: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Row by row, whether a pass at ``eta`` fails there (:func:`glmstat.engine.kernel.generic`'s validity): eta
    outside the link's domain, a mean not finite or (where the family checks its means) outside the family's
    domain, or a deviance term not finite."""
    with np.errstate(all="ignore"):
        mu = family.link.inverse(eta)
        out = eta_outside(family.link, eta) | ~np.isfinite(mu) | ~np.isfinite(w * family.unit_deviance(y, mu))
        if not family.valid_mu(mu):
            out |= ~family.mu_domain.contains(mu)
    return out


def _block_within_rounding(b, family: Family, new: np.ndarray, moved: np.ndarray) -> bool:
    eta = b.X.matvec(new)
    if b.has_offset:
        eta += b.offset
    rows = np.flatnonzero(_outside_rows(family, b.y, b.weights, eta))
    within = True
    for start in range(0, rows.size, rows_within(b.X.n_cols)):
        part = rows[start:start + rows_within(b.X.n_cols)]
        X = b.X.take(part)
        scale = np.abs(X.toarray()) @ np.abs(new) + np.abs(b.offset[part])
        within = within and bool(np.all(np.abs(X.matvec(moved - new)) <= LATER_ROUNDING_ETA * _EPS * scale))
    return within


def within_eta_rounding(source: DesignSource, family: Family, new: np.ndarray, moved: np.ndarray) -> bool:
    """The move from ``new`` (a step whose means leave the family's domain) to ``moved`` (shortened back inside)
    changes the linear predictor of no row that left the domain by more than :data:`LATER_ROUNDING_ETA` units
    of its rounding, eps (sum_j |x_ij new_j| + |offset_i|): the step left the domain by that rounding only."""
    part = partial(_block_within_rounding, family=family, new=new, moved=moved)
    return fold(source, part, operator.and_, True)


def inside_by_rounding(source: DesignSource, family: Family, kernel, new: np.ndarray, toward: np.ndarray,
                       kept: np.ndarray, use_qr: bool, max_cond: float, most: float = ROUNDING_SHORTENING):
    """The step to ``new``, whose means leave the family's domain, shortened towards ``toward`` (the starting
    linear predictor's coefficients) by the smallest power of 2 from ``most`` (a power of 2) down to
    2^-:data:`_LEAST_SHORTENING_EXPONENT` that brings them back: (coefficients, pass, factor, use_qr), or None
    when not even ``most`` does (the step truly leaves the domain: halved, or refused, as R does)."""
    inside = _shortened(source, family, kernel, new, toward, most, kept, use_qr, max_cond)
    if inside is None:
        return None  # (one pass decides)
    valid, invalid = round(-math.log2(most)), _LEAST_SHORTENING_EXPONENT + 1
    while invalid - valid > 1:  # (the smallest shortening that keeps the means inside: the largest exponent)
        k = (valid + invalid) // 2
        got = _shortened(source, family, kernel, new, toward, 2.0**-k, kept, use_qr, max_cond)
        if got is None:
            invalid = k
        else:
            valid, inside = k, got
    return inside


def finish_at_edge(source: DesignSource, family: Family, kernel, beta: np.ndarray, res: PassResult,
                   fac: StepFactor, use_qr: bool, max_cond: float, edges: tuple[tuple[float, float], ...],
                   hold: bool = False):
    """(coefficients, pass, factor, use_qr) with the rows that scoring carries to an edge of ``edges`` put on it
    by the Fisher step from ``beta`` constrained there (:func:`~glmstat.engine.edge_approach.constrained_to_edge`),
    or None: no row binds there, or the result has another set of kept columns, or a deviance above ``res``'s.
    ``hold``: a step that only holds rows already on the edge will do too (the Fisher step left the domain).
    The edge itself may be outside the family's domain (a binomial mean of 1): the result is then moved back
    towards ``beta`` by the smallest power of 2 that brings its means inside (:func:`inside_by_rounding`), to the
    rounding of their linear predictor from the edge (a few ulps for a probability of 1), where R's refits end."""
    edge = constrained_to_edge(source, family, beta, fac, edges)
    if edge is None or not (edge.reaches or hold):
        return None
    new = edge.coef
    new_res, new_fac, new_qr = evaluate(source, family, new, use_qr, fac.kept, kernel, None, max_cond)
    if not new_res.valid or new_fac is None:
        inside = inside_by_rounding(source, family, kernel, new, beta, fac.kept, use_qr, max_cond, 0.5)
        if inside is None:
            return None
        new, new_res, new_fac, new_qr = inside
    if rises(res, new_res) or not np.array_equal(new_fac.kept, fac.kept):
        return None
    return new, new_res, new_fac, new_qr
