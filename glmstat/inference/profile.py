"""Profile-likelihood confidence intervals for GLM coefficients (as ``MASS::confint.glm`` defines them).

For coefficient j with estimate b_j, the profile deviance D(b) is the deviance of the model refitted with
beta_j held at b (column j moved into the offset: offset + b x_j), and the signed root is

    z(b) = sign(b - b_j) sqrt((D(b) - D_hat) / phi),

with phi the fit's dispersion (1 for binomial, Poisson and negative binomial; the Pearson estimate
otherwise, held fixed while profiling).  The level-L interval is {b : |z(b)| <= q}, q = Phi^{-1}((1 + L)/2).
Each limit is found exactly (to 1e-12 standard errors): starting at the Wald limit b_j +/- q se_j, Newton
steps on z(b) - (+/-q) are taken inside a bracket that is widened (doubling the distance from the estimate)
until it holds the root, and bisected whenever a Newton step would leave it; Brent's method finishes the
job if Newton stalls.  The derivative is free: at the refit the other coefficients are optimal, so
dD/db = -2 sum_i w_i (y_i - mu_i) mu'(eta_i) / V(mu_i) x_ij (the envelope theorem) and
dz/db = (dD/db) / (2 phi z).  Near the estimate (a level near 0) the rise D(b) - D_hat is below the rounding of the
two deviances; it is then integrated along the segment from the estimate to the refit instead (see
``_Profile._rise``).  Each refit is warm-started from the previous one, moved along the slope
dc/db = -(X_c' W X_c)^{-1} X_c' W x_j of the other coefficients.  MASS instead interpolates a spline
through a coarse grid of z values, which is accurate to a few digits only.

A limit that cannot be bracketed is reported as +/-inf when the deviance stays within the threshold however
far b goes (the likelihood is flat on that side, as under separation), and as NaN when the refits fail
(no valid fit for the family); both with a :class:`ProfileWarning`.  A refit whose deviance is below the estimate's
by more than rounding shows that the estimate is a local optimum, not the maximum-likelihood estimate (a Gaussian
log-link fit whose profile dips below it beyond a hump): z is taken as 0 there, so a limit whose search met such a
refit belongs to no profile of the estimate, and it is NaN with a ProfileWarning that names the refit (MASS's
profile stops: "profiling has found a better solution").  Stepping out, a Newton step only shortens the
doubling, and not where dz disagrees with how z moved since the last refit (a profile tending to a limit below the
threshold along a run-off, where dz is rounding noise: see ``far_off`` in :func:`_limit`).  Under separation no
maximum exists: the diverging coefficients' intervals are unbounded on the side they diverge, and under
quasi-complete separation the others' are those of the limit, the profile of the rows the separation leaves
unfitted (see :func:`_separated`).  Aliased coefficients get NaN.  A limit
whose refit puts more fitted means on the edge of the family's domain than the estimate has (a Poisson/sqrt
mean of 1e-24, where the refit had to halve its steps to stay inside) comes with a ProfileWarning too: the
profile deviance there is an infimum that the refits only approach.  So does one whose refit's score equations
fail (not polished) with more means than the estimate within 1e-8 of its largest mean of an edge that the link
reaches at a finite linear predictor (an identity-link Poisson mean of a count of 0 that the refits carry to
3.5e-15 without a halving, the rounding of the linear predictor; a sqrt-link count of 0 fitted at 0 satisfies
its score equation and does not count).  Means the engine does not count as on the edge (an inverse-link mean
growing without bound) and edges the estimate already has (a negative binomial identity mean at 0) give no
warning.  A row of prior weight 0 counts in no deviance, but the engine keeps its mean valid too (as R's
``glm.fit``): a refit held by such a row on the edge of the domain (a Gamma inverse-link row whose linear
predictor the halvings keep at 1e-14) stops short of that constrained optimum, and its limit is approximate too.

Each refit is damped (a step that raises the deviance is halved, so it cannot cycle) and the lowest deviance
of several starts (the neighbouring refit and the estimate, both moved along the slope, and the estimate itself,
as the reference's refits) wins, since where the likelihood is not concave (cauchit, Gamma/identity) they can reach
different local optima.  Where -beta gives the means beta gives (a Tweedie link of an even root, mu = eta^2,
without an offset) the profile is symmetric, D(-b) = D(b), and the mirror image of the estimate, moved along its
slope, is a start too: a limit then runs on past -b_hat to minus the other limit when the profile stays below the
cutoff between them; an interval that does not hold 0 is the estimate's, and a ProfileWarning names its mirror image,
which is in the confidence set too.  Near the edge of the domain (an identity link with means near 0) every start can
leave it; one weighted least-squares step on the rows a start leaves valid, halved until every mean is valid,
then gives one (as the reference's damped refits do).  Where the optimum itself lies on the edge (a negative
binomial identity mean that wants to be 0, an inverse Gaussian inverse-link mean that wants to be infinite, a
log-binomial probability that wants to be 1), every start beyond the point where it reaches the edge puts that
mean a little outside: a least-squares step that pins such rows back inside gives a valid start, and the damped
refit approaches the edge from there.  A refit that fails is tried again once a nearer one succeeds: the
failure may be only the want of a start near enough.  Likewise a point found outside the interval, when the
bracket closes on it, is refitted from its neighbour: its first refit, from farther away, may have stopped at
a local optimum of higher deviance (a cauchit link), and the search then goes on beyond it.

Conversely the refits warm-started from the estimate outwards can follow a branch of optima to the cutoff while
another branch lies lower there (a negative binomial identity-link fit whose count of 0 is fitted at the edge of
the domain on the lower branch): where the deviance is not convex in the coefficients
(``Family.convex_deviance``), a limit found is checked from outside, as the reference brackets it (doubling the
distance from the estimate in standard errors): the refit at the first such point beyond the limit (from the
estimate moved along its slope), and the refit at the limit from that one.  When the latter is inside the
interval the search goes on along it, every refit started from it too; a limit that a lower branch still
undercuts after ``_MAX_BRANCHES`` such rounds comes with a ProfileWarning.  Where the deviance is convex
(canonical links, log links of counts) each refit has one optimum and nothing is checked.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .._arguments import confidence_level, shown
from .._scipy import optimize
from ..design.sources import fold
from ..diagnosis.separation import needed_to_separate
from ..distributions import interval_quantile
from ..engine.edges import pulled_edges
from ..engine.fit_state import Control
from ..engine.irls import irls
from ..engine.linalg import factor_gram
from ..errors import FitError, GLMStatError, ProfileWarning, warn_user
from .profile_rows import (largest_eta_part, largest_mean_part, merge_pinned, merge_points, merge_starts,
                           on_edge_part, pinned_part, point_part, rise_part, start_part, unweighted_edge_part,
                           valid_part, valid_rows_part)

__all__ = ["profile_conf_int", "ProfileWarning"]

#: The refits are solved to this relative deviance change (the engine then polishes to the exact optimum).
_REFIT = Control(tol=1e-12, max_iter=100, damped=True)
#: Give up stepping outwards once the candidate limit is this many standard errors from the estimate.
_MAX_SE = 2.0 ** 40
_MAX_STEPS = 100
#: A limit is accepted once the Newton step is below this fraction of the standard error.
_STEP_TOL = 1e-12
#: A refit at a limit from another start that brings z this far inside the cutoff has found a lower branch of
#: optima (a limit's z is the cutoff to about 1e-12: this is far above its rounding) ...
_BRANCH_TOL = 1e-9
#: ... from which the search goes on, at most this many times.
_MAX_BRANCHES = 4
#: A rise of the profile deviance below this fraction of |D_hat| + phi is integrated along the segment from the
#: estimate instead of taken as D(b) - D_hat: the two sums agree to about eps |D_hat|, so their difference keeps
#: fewer than ten digits there.
_CANCELLED = 1e-6
#: A refit whose deviance is below the estimate's by more than this fraction of |D_hat| + phi has found a better
#: optimum than the estimate (the refits are exact to rounding, about 1e-12 of it): the estimate is a local one.
_BELOW = 1e-6
#: A refit's mean within this fraction of its largest mean of an edge that the link reaches at a finite linear
#: predictor is on that edge, when the refit's score equations fail there (not polished).
_ON_EDGE = 1e-8


@dataclass(frozen=True)
class _Point:
    """The refit at b = ``b``: signed root z, dz/db, the other coefficients and their slope dc/db."""

    b: float
    z: float
    dz: float
    coef: np.ndarray
    dcoef: np.ndarray
    edge: bool = False  # the refit puts more fitted means on the edge of the domain than the fit itself
    polished: bool = True  # the refit's next Fisher step is negligible (an interior optimum; see FitState)


def _normal_solve(G: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The least-squares solution of the normal equations G c = u, with G's columns equilibrated first.

    The columns of a raw polynomial differ in scale by orders of magnitude (x^3 of a covariate of size 1000
    against the intercept: 1e9), which squares into a condition number of 1e20 or more in G, beyond what
    ``lstsq``'s cutoff keeps: unscaled it returns coefficients whose linear predictor is nowhere near the
    target.  Scaled to a unit diagonal, only the columns' collinearity is left."""
    d = np.sqrt(np.abs(np.diag(G)))
    d = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), 1.0)
    return d * np.linalg.lstsq(G * d[:, None] * d[None, :], d * u, rcond=None)[0]


def _gram_solve(G: np.ndarray, u: np.ndarray) -> np.ndarray:
    """G^{-1} u for G = X'WX at a refit, by the engine's solve of the normal equations (:func:`factor_gram`:
    equilibrated Cholesky, O(p^2) once factored -- not the p x p inverse, 3.3 ms at p = 303, a fifth of a wide
    factor's profile); the least-squares solution where that refuses G as ill-conditioned."""
    fac = factor_gram(G, u, np.ones(G.shape[0], dtype=bool))
    return _normal_solve(G, u) if fac is None else fac.step


@dataclass(frozen=True)
class _Profile:
    """The model refitted with every kept column except column ``j``, whose coefficient is held at b."""

    source: Any  # the fit's rows, every column
    j: int
    others: np.ndarray  # the other kept columns
    family: object
    b_hat: float
    deviance_hat: float
    dispersion: float
    n_boundary_hat: int = 0  # fitted means on the edge of the domain at the estimate
    #: the other coefficients at the estimate, whose deviance D_hat is (None where D_hat is the limit of the
    #: profile at infinity, as for a diverging coefficient's search)
    others_hat: np.ndarray | None = None
    #: the others' slope dc/db along the profile at the estimate, where -beta gives the means beta gives (see
    #: :func:`_mirrored`); None otherwise
    mirror_slope: np.ndarray | None = None
    #: (b, deviance) of the refits found below the estimate's deviance by more than rounding (``_BELOW``), appended
    #: by :meth:`at`: where there are any, the estimate is not the maximum-likelihood estimate
    below: list = field(default_factory=list)

    def _refit(self, b: float, starts: tuple[np.ndarray, ...]):
        """The engine's damped fit with coefficient j held at ``b``: the lowest deviance from the starts, or
        (when none of them converges) from the family's starting values and their least-squares coefficients.

        A warm start extrapolated along the profile can leave the family's domain (an identity link with a
        mean near 0) where the last refit itself does not; and where the likelihood is not concave (a cauchit
        link, a Gamma identity link) the starts can reach different local optima.  Any valid fit's deviance
        bounds the profile deviance from above, so the lowest wins.
        """
        moved = self.source.with_fixed(self.j, b).with_columns(self.others)
        best, converged = self._lowest(moved, starts, None)
        if not converged:
            ls = self._least_squares_start(b)
            best, _ = self._lowest(moved, (None, ls), best)
            if best is None:  # no start is valid: one step on the rows each leaves valid, as the reference's refits
                best, _ = self._lowest(moved, (v for s in (*starts, ls) if s is not None
                                               if (v := self._valid_rows_start(b, s)) is not None), best)
            if best is None:  # nor that: the rows outside pinned back inside
                best = self._pinned_fit(moved, b, starts)
        return best

    def _pinned_fit(self, moved, b: float, starts: tuple[np.ndarray, ...]):
        """The refit from the first of ``starts`` whose rows outside can be pinned back inside (the starts
        differ little there, and each refit creeps slowly to the edge), or None."""
        for s in starts:
            pinned = self._pinned_start(b, s) if s is not None else None
            if pinned is not None:
                best, _ = self._lowest(moved, (pinned,), None)
                if best is not None:
                    return best
        return None

    def _lowest(self, moved, starts, best):
        """(the fit of lowest deviance among ``best`` and the fits from ``starts`` that find valid coefficients,
        whether one of those converged)."""
        converged = False
        for s in starts:
            try:
                state = irls(moved, self.family, _REFIT, s, covariance=False)
            except FitError:
                continue
            converged = converged or state.converged
            if best is None or state.deviance < best.deviance:
                best = state
        return best, converged

    def _valid_rows_start(self, b: float, coef: np.ndarray) -> np.ndarray | None:
        """One weighted least-squares step from ``coef`` (a start whose means leave the family's domain on some
        rows) on the rows whose mean is valid there, halved back towards ``coef`` until every mean is valid;
        None when no halving gets there.  The rows left out are those the step must move back inside."""
        k = self.others.size
        part = partial(valid_rows_part, family=self.family, j=self.j, others=self.others, value=b, coef=coef)
        G, u, any_ok = fold(self.source, part, merge_starts, (np.zeros((k, k)), np.zeros(k), False))
        if not any_ok:
            return None
        target = _normal_solve(G, u)
        if not np.all(np.isfinite(target)):
            return None
        t = 1.0
        for _ in range(30):
            c = coef + t * (target - coef)
            valid = partial(valid_part, family=self.family, j=self.j, others=self.others, value=b, coef=c)
            if fold(self.source, valid, bool.__and__, True):
                return c
            t /= 2.0
        return None

    def _pinned_start(self, b: float, coef: np.ndarray) -> np.ndarray | None:
        """A start inside the domain from ``coef``, where the optimum lies on the edge of the domain (an identity
        link with a mean that wants to be 0, an inverse link with one that wants to be infinite, a log link with
        a probability that wants to be 1): every start there puts such a mean a little outside.

        One weighted least-squares step from ``coef``: the rows inside keep their IRLS weight and working
        response, the rows outside are pinned (their weights together 1e6 times the others') to the link of the
        family's starting mean, which is inside; rows that the step moves outside are pinned too, and the step taken
        again, until every mean is inside.  The damped refit from there then approaches the edge.  None when no
        such step is found."""
        k = self.others.size
        checks: tuple[np.ndarray, ...] = (coef,)
        for _ in range(8):
            part = partial(pinned_part, family=self.family, j=self.j, others=self.others, value=b, coef=coef,
                           checks=checks)
            G, u, Gp, up, any_ok = fold(self.source, part, merge_pinned,
                                        (np.zeros((k, k)), np.zeros(k), np.zeros((k, k)), np.zeros(k), False))
            if not any_ok or not np.trace(Gp) > 0:  # (no row to pin: the start fails for another reason)
                return None
            lam = 1e6 * np.trace(G) / np.trace(Gp)  # the pinned rows outweigh the others
            c = _normal_solve(G + lam * Gp, u + lam * up)
            if not np.all(np.isfinite(c)):
                return None
            valid = partial(valid_part, family=self.family, j=self.j, others=self.others, value=b, coef=c)
            if fold(self.source, valid, bool.__and__, True):
                return c
            checks = (*checks, c)
        return None

    def _least_squares_start(self, b: float) -> np.ndarray | None:
        """Coefficients whose linear predictor is closest (unweighted least squares) to g(mu_start) - offset.

        Where the first IRLS step from the family's starting means leaves the domain (it weights the rows), this
        start can still be inside it (the reference's damped refits fall back on it too)."""
        k = self.others.size
        part = partial(start_part, family=self.family, j=self.j, others=self.others, value=b)
        G, u, any_ok = fold(self.source, part, merge_starts, (np.zeros((k, k)), np.zeros(k), False))
        if not any_ok:
            return None
        coef = _normal_solve(G, u)
        return coef if np.all(np.isfinite(coef)) else None

    def at(self, b: float, starts: tuple[np.ndarray, ...]) -> _Point | None:
        """The refit at ``b`` (None when no valid fit exists there), from the first of ``starts`` that works."""
        if self.others.size == 0:  # nothing left to refit: eta = offset + b x_j
            coef = np.zeros(0)
            gram = np.zeros((0, 0))
            kept = np.zeros(0, dtype=bool)
            edge, polished = False, True
        else:
            state = self._refit(b, (*starts, *self._mirror_starts(b)))
            if state is None:
                return None
            kept = state.kept
            # a mean on the edge that the refit had to halve its steps to respect (an identity or sqrt link
            # reaching 0), not one that a logit merely rounds to 1 - 1e-16 far out along the profile
            edge = state.boundary and (state.n_boundary > self.n_boundary_hat
                                       or self._held_by_unweighted(b, np.where(kept, state.coef, 0.0)))
            polished = state.polished
            coef = np.where(kept, state.coef, 0.0)
            gram = state.gram[np.ix_(kept, kept)]
        part = partial(point_part, family=self.family, j=self.j, others=self.others, coef=coef, value=b)
        k = self.others.size
        dev, ddev, u, valid = fold(self.source, part, merge_points, (0.0, 0.0, np.zeros(k), True))
        if not (np.isfinite(dev) and valid):
            return None
        # slope of the other coefficients along the profile: -(X'WX)^{-1} X'W x_j, for the next warm start
        dcoef = np.zeros_like(coef)
        if kept.any():
            dcoef[kept] = -_gram_solve(gram, u[kept])
        rise = self._rise(b, coef, dev)
        if self.others_hat is not None and rise < -_BELOW * (abs(self.deviance_hat) + self.dispersion):
            self.below.append((b, dev))
        diff = max(rise, 0.0) / self.dispersion
        z = float(np.sign(b - self.b_hat) * np.sqrt(diff))
        dz = ddev / (2.0 * self.dispersion * z) if z != 0 else np.nan
        return _Point(b, z, dz, coef, dcoef, edge, polished)

    def _mirror_starts(self, b: float) -> tuple[np.ndarray, ...]:
        """The mirror image of the estimate moved along its slope to ``b``, where -beta fits as beta does.

        The profile is then symmetric, D(-b) = D(b): the refit at b is the refit at -b negated, so the branch
        through the mirror image (-b_hat, -c_hat) is c_m(b) = -c(-b), of slope c'(-b), which is dc/db at the
        estimate, ``mirror_slope``, near -b = b_hat: c_m(b) ~ -c_hat + (dc/db) (b + b_hat).  The warm starts
        follow the estimate's branch, which a limit beyond the mirror image -b_hat need not reach (a Tweedie
        fit with the link mu^0.5 whose intercept's profile stays below the cutoff between 1.58 and -1.58: its
        branch crossed the cutoff at -8.88, where the mirror branch's deviance is 2.6 lower; R's -12.81 is
        minus the upper limit)."""
        if self.mirror_slope is None or self.others_hat is None:
            return ()
        return (-self.others_hat + self.mirror_slope * (b + self.b_hat),)

    def on_edge(self, pt: _Point) -> bool:
        """Whether the refit ``pt`` has its optimum on the edge of the domain, so that a limit there is the
        infimum of the profile deviance, which the refits only approach: more means on the edge than the estimate
        has, by the engine's count (within 10 eps of the edge, kept inside by halving: ``pt.edge``), or -- where
        the refit's score equations fail (not polished) -- within ``_ON_EDGE`` of its largest mean of an edge
        the link reaches at a finite linear predictor, the rows whose response is on a settled edge apart.  (An
        identity-link Poisson mean creeping to 0 for a count of 0 stops at 3.5e-15 of a largest mean of 26, the
        rounding of its linear predictor: above 10 eps, and reached without a halving.)"""
        if pt.edge or pt.polished:
            return pt.edge
        edges = pulled_edges(self.family)
        if not edges:
            return False
        on_refit = self._on_edge(pt.b, pt.coef, edges)
        if on_refit == 0:
            return False
        at_hat = (self.n_boundary_hat if self.others_hat is None
                  else self._on_edge(self.b_hat, self.others_hat, edges))
        return on_refit > at_hat

    def _held_by_unweighted(self, b: float, coef: np.ndarray) -> bool:
        """Whether more rows of prior weight 0 are on the edge of the engine's validity (within ``_ON_EDGE`` of the
        largest |linear predictor| of the rows with weight) at the refit than at the estimate.  Such a row
        counts in no deviance, but the engine keeps every row's mean valid, as R's ``glm.fit`` does, so a refit
        whose optimum would take it outside creeps towards that edge by halvings and stops short of the
        constrained optimum (a Gamma inverse-link row of weight 0 whose linear predictor the refits hold at
        1e-14; R's own damped refits stop at other depths)."""
        on_refit = self._unweighted_on_edge(b, coef)
        if on_refit == 0:
            return False
        return self.others_hat is None or on_refit > self._unweighted_on_edge_at_hat

    def _unweighted_on_edge(self, b: float, coef: np.ndarray) -> int:
        """The rows of prior weight 0 on the edge of the engine's validity at coefficient j = ``b`` (two passes:
        the largest |linear predictor| of the rows with weight sets the tolerance)."""
        kw = dict(family=self.family, j=self.j, others=self.others, coef=coef, value=b)
        largest = fold(self.source, partial(largest_eta_part, **kw), max, 0.0)
        return fold(self.source, partial(unweighted_edge_part, tol=_ON_EDGE * largest, **kw), operator.add, 0)

    @cached_property
    def _unweighted_on_edge_at_hat(self) -> int:
        """:meth:`_unweighted_on_edge` at the estimate (the same for every refit of the profile)."""
        return self._unweighted_on_edge(self.b_hat, self.others_hat)

    def _on_edge(self, b: float, coef: np.ndarray, edges: tuple[tuple[float, bool], ...]) -> int:
        """The rows with weight whose mean is on an edge of ``edges`` (:meth:`on_edge`) at coefficient j = ``b``,
        the others ``coef``: two passes over the rows (the largest mean, then the rows near an edge)."""
        kw = dict(family=self.family, j=self.j, others=self.others, coef=coef, value=b)
        largest = fold(self.source, partial(largest_mean_part, **kw), max, 0.0)
        return fold(self.source, partial(on_edge_part, edges=edges, tol=_ON_EDGE * largest, **kw), operator.add, 0)

    def _rise(self, b: float, coef: np.ndarray, dev: float) -> float:
        """D(b) - D_hat, the refit at ``b`` having the other coefficients ``coef`` and deviance ``dev``.

        Near the estimate the difference of the two sums is mostly rounding: at a level of 1e-8 the rise at
        the limit, q^2 phi = 1.6e-16 phi, is below it, and the limits were noise (up to 14 q se from the estimate
        instead of q se).  There the rise is integrated along the segment from the estimate to the refit
        (:func:`rise_part`), which needs no other refit: an error in the refit's coefficients changes its
        deviance only to second order, as it does the difference.  A refit far below the estimate (on another branch
        of optima: the estimate is a local one) keeps its difference: the two-point rule is exact only for a short
        segment, and across branches it gave +21.3 for a fall of 0.375."""
        rise = dev - self.deviance_hat
        if self.others_hat is None or abs(rise) >= _CANCELLED * (abs(self.deviance_hat) + self.dispersion):
            return rise
        part = partial(rise_part, family=self.family, j=self.j, others=self.others,
                       start=(self.b_hat, self.others_hat), end=(b, coef))
        return fold(self.source, part, operator.add, 0.0)


@dataclass(frozen=True)
class _Branch:
    """A refit inside the interval on a branch of optima lower than the one a search followed to its limit
    (:func:`_lower_branch`), and the nearest point known outside the interval beyond it (None if none)."""

    point: _Point
    beyond: float | None


def _limit(prof: _Profile, se: float, q: float, side: int, start: np.ndarray, slope: np.ndarray,
           first: float | None = None, branch: _Branch | None = None) -> tuple[float, str, bool]:
    """One limit (side -1: lower, +1: upper), the reason when it cannot be found, and whether the refit
    there puts a fitted mean on the edge of the family's domain (the limit is then approximate).  The search
    starts at ``first`` (default: the Wald limit) and finds the limit to ``_STEP_TOL`` times ``se``; or it goes
    on along ``branch`` from its point, every refit started from that point too (moved along its slope).

    Solves f(b) = side * z(b) - q = 0.  ``inside`` is the farthest point known to have f < 0, ``outside``
    the nearest known with f >= 0, ``failed`` the nearest known where no valid fit was found.  Each step is a
    Newton step on f (z is nearly linear in b, so a handful of refits suffice) when it stays inside the
    bracket; otherwise the bracket is widened (doubling the distance from the estimate) or bisected.  Where the
    refits' optimum is on the edge of the domain, dz/db is wrong and a secant step replaces Newton's.

    A refit can fail only for want of a start near enough (the warm starts extrapolate from farther away
    than the bisection towards it does later): so once a refit nearer to ``failed`` succeeds, ``failed`` is
    tried again from it, and the search goes on from there if that works.
    """
    b_hat = prof.b_hat
    threshold = prof.deviance_hat + prof.dispersion * q * q

    def deviance(pt: _Point) -> float:
        return prof.deviance_hat + prof.dispersion * pt.z ** 2

    def far_off(prev: _Point, f: float, dfdb: float) -> bool:
        """Stepping out (nothing known beyond the limit), is dz at odds with how z moved from ``prev``, the last
        refit inside, that is, z moved away from the threshold, or by less than 1% of what dz says?  Far out along
        a run-off the profile tends to a limit (the deviance of a Gaussian inverse-link fit to sum_{i != k} y_i^2,
        below the threshold) and the envelope theorem's dz is rounding: a mean fitted at eta = 0.024 where the
        terms of eta are 1e8 has a residual of 1e-8, which, times mu'(eta) = -mu^2 = -1711, makes dz 8e-6 where
        z moves by 5e-17 per unit.  Newton steps on it crept out by 0.1% each and the search ran out of steps."""
        if outside is not None or failed is not None or prev.b == x or side * (x - prev.b) <= 0:
            return False
        secant = (f - (side * prev.z - q)) / (x - prev.b)
        return not secant / dfdb > 0.01
    inside, outside, failed = b_hat, None if branch is None else branch.beyond, None
    secant_step = stalled = False  # (the secant's bookkeeping: see below)
    width = np.inf
    last = _Point(b_hat, 0.0, np.nan, start, slope)  # warm start: extrapolate the last refit along its slope
    x = b_hat + side * q * se if first is None else first  # the Wald limit
    anchor = None
    if branch is not None:
        last = anchor = branch.point
        x = anchor.b
    for _ in range(_MAX_STEPS):
        # the last refit moved along its slope, the last refit, the estimate moved along its slope (a refit
        # that crept to the edge of the domain can be wedged there: its steps all leave the domain), and the
        # estimate itself (the warm starts can follow a branch of higher deviance: a cauchit limit at -0.00387
        # on a branch at the threshold, where the refit from the estimate is 0.85 below it)
        pt = prof.at(x, (last.coef + last.dcoef * (x - last.b), last.coef, start + slope * (x - b_hat), start,
                         *(() if anchor is None or last is anchor else (anchor.coef + anchor.dcoef * (x - anchor.b),))))
        if pt is not None and failed is not None and outside is None and side * pt.z < q:
            again = prof.at(failed, (pt.coef + pt.dcoef * (failed - x), pt.coef))
            if again is not None:  # x is inside; go on from the point that failed before
                inside, x, pt, failed = x, failed, again, None
        newton, secant_now = np.nan, False
        if pt is None:
            failed = x
        else:
            prev, last = last, pt
            f = side * pt.z - q
            if f >= 0:
                outside = x
            else:
                inside = x
            if np.isfinite(pt.dz) and pt.dz > 0:
                dfdb = side * pt.dz
                # where the refit's optimum is on the edge of the domain, dz (the envelope theorem's, which
                # ignores the edge) is wrong and Newton's steps converge only linearly: once the root is
                # bracketed, the secant through the last two refits replaces it when they disagree (unless
                # the last secant step failed to halve the bracket: the refits there are too rough for it).
                # So it does before, from a refit on the edge: there dz can be too large by orders of
                # magnitude (a term (y - mu) / V(mu) of a mean pinned near 0), and Newton's steps outwards
                # crept by 3e-8 where the limit was 0.5 away (a Tweedie identity-link intercept)
                if (outside is not None or pt.edge) and prev.b != x and not stalled:
                    secant = (f - (side * prev.z - q)) / (x - prev.b)
                    if secant > 0 and abs(secant / dfdb - 1.0) > 0.05:
                        dfdb, secant_now = secant, True
                newton = x - f / dfdb
                if far_off(prev, f, dfdb):
                    newton = np.nan  # (dz is rounding noise: step out by doubling)
                elif abs(newton - x) <= _STEP_TOL * se:
                    return float(newton), "", prof.on_edge(pt)
        far = outside if outside is not None else failed
        if far is None:  # nothing known beyond the limit yet: step out, at most doubling the distance
            reach = 2.0 * abs(x - b_hat)
            if np.isfinite(newton) and side * (newton - inside) > 0:
                reach = min(abs(newton - b_hat), reach)
            nxt = b_hat + side * reach
            if reach > _MAX_SE * se:
                return side * np.inf, (f"the deviance stays below the threshold {threshold:.10g} however far the "
                                       f"coefficient goes (at {last.b:.6g} it is {deviance(last):.10g})"), False
        else:
            lo, hi = sorted((inside, far))
            nxt = newton if lo < newton < hi else 0.5 * (inside + far)
            stalled = secant_step and abs(far - inside) > 0.5 * width
            secant_step, width = secant_now and nxt == newton, abs(far - inside)
            if abs(far - inside) <= _STEP_TOL * se:
                if outside is not None and last.b != outside:
                    # z jumps at ``outside``: its refit there (from farther away) may have found a local optimum
                    # of higher deviance (a cauchit link) than the one the nearby refits follow; refitted from
                    # the nearest of those, it may be inside after all, and the search goes on beyond it
                    again = prof.at(outside, (last.coef + last.dcoef * (outside - last.b), last.coef))
                    if again is not None and side * again.z < q:
                        inside, outside, last = outside, None, again
                        step = (q - side * again.z) / again.dz if np.isfinite(again.dz) and again.dz > 0 else 0.0
                        x = inside + side * max(step, _STEP_TOL * se) * 2.0
                        continue
                if outside is not None:
                    return float(0.5 * (inside + outside)), "", prof.on_edge(last)
                break  # pinned against the region where the model cannot be fitted
        x = nxt
    if outside is not None:  # Newton stalled: finish with Brent's method on the bracket
        near = [last]  # the latest refit, a warm start for the next (Brent's points close in on the root)
        try:
            root = optimize.brentq(lambda b: _signed(prof, b, start, slope, near) - side * q,
                                   *sorted((inside, outside)), xtol=_STEP_TOL * se, rtol=1e-13, maxiter=200)
        except RuntimeError:
            return np.nan, "Brent's method did not close in on it in 200 refits", False
        except ValueError as e:  # (scipy's for a bracket whose ends have one sign, or _signed's for no valid fit)
            lo, hi = sorted((inside, outside))
            why = str(e) if str(e).startswith("no valid fit") else (
                f"refitted again, its bracket [{lo:.9g}, {hi:.9g}] no longer holds the threshold: the refits' "
                "deviance there depends on where they start")
            return np.nan, f"the root finder failed ({why})", False
        return float(root), "", prof.on_edge(near[0])
    if failed is None:  # (every refit valid and inside: the steps out crept, _MAX_STEPS of them)
        return np.nan, (f"{_MAX_STEPS} refits out to {inside:.6g} (deviance {deviance(last):.10g}) stay below the "
                        f"threshold {threshold:.10g}"), False
    return np.nan, "the model cannot be refitted beyond {:.6g} (no valid fit for the family)".format(inside), False


def _lower_branch(prof: _Profile, se: float, q: float, side: int, val: float, start: np.ndarray,
                  slope: np.ndarray) -> _Branch | None:
    """A refit inside the interval (side z < q) at the limit ``val`` just found, from a start the search did not
    try; None when there is none.

    The search follows one branch of the refits' optima from the estimate outwards.  Where the deviance is not
    convex in the coefficients (``Family.convex_deviance``) another branch can lie lower: a negative binomial
    identity-link fit whose refits follow an interior optimum to the cutoff while the optimum with a count of 0
    fitted at the edge (a mean of 3e-14) is 0.008 lower there.  The R reference's search (the tests'
    make_reference_random.R) brackets the limit first, doubling the distance from the estimate in standard
    errors, so its refits come from outside; so does this check: the refit at that bracket point beyond ``val``
    (from the estimate moved along its slope), and the refit at ``val`` from that one moved back along its slope
    (one start each: the engine falls back on others where it fails).  When the refit at ``val`` from there is
    lower by more than rounding (side z < q), the limit lies beyond ``val``.  (The bracket point being inside says
    nothing of the points between: the set {|z| <= q} of a symmetric profile can be two intervals, +/-[1.45, 10.54]
    with z(0) = -2.56, and the limits are those of the estimate's.)  Two refits for a limit that stands."""
    b_hat = prof.b_hat
    reach = se
    while reach <= abs(val - b_hat):
        reach *= 2.0
    hi = b_hat + side * reach
    far = prof.at(hi, (start + slope * (hi - b_hat),))
    back = None if far is None else prof.at(val, (far.coef + far.dcoef * (val - hi),))
    if back is None or not side * back.z < q - _BRANCH_TOL:
        return None
    return _Branch(back, hi if side * far.z >= q else None)


def _signed(prof: _Profile, b: float, start: np.ndarray, slope: np.ndarray, near: list[_Point]) -> float:
    """z(b), the refit warm-started from ``near[0]`` (then replaced by this refit) and from the estimate."""
    last = near[0]
    pt = prof.at(b, (last.coef + last.dcoef * (b - last.b), last.coef, start + slope * (b - prof.b_hat), start))
    if pt is None:
        raise ValueError(f"no valid fit at {b:.6g}")
    near[0] = pt
    return pt.z


def profile_conf_int(fit, level: float = 0.95, parm: Sequence[str] | None = None) -> pd.DataFrame:
    """Profile-likelihood confidence intervals, one row per coefficient (see the module docstring).

    Parameters
    ----------
    fit : GLMResults
    level : float
        Coverage, in (0, 1).
    parm : sequence of str, optional
        The coefficients to profile (R's ``parm``); default all.  Each limit takes a few refits, each a pass
        of the engine over the rows per iteration: for streamed data, name the coefficients you need.

    Returns
    -------
    DataFrame
        Columns ``lower``, ``upper``; index the coefficient names; NaN where aliased.
    """
    level = confidence_level(level)
    if fit.method != "irls":
        raise GLMStatError(f"profile-likelihood intervals need a maximum-likelihood fit; this fit used "
                           f"method={shown(fit.method)} (use conf_int(method='wald'))")
    disp = float(fit.dispersion)
    if not (np.isfinite(disp) and disp > 0):
        raise GLMStatError(f"profile-likelihood intervals need a positive finite dispersion, got {disp:g} "
                           f"(no residual degrees of freedom?)")
    names = fit.column_names
    q = interval_quantile(level)
    position = {c: j for j, c in reversed(list(enumerate(names)))}  # (list.index per name was quadratic)
    wanted = set(range(len(names))) if parm is None else {position[c] for c in parm}
    if fit.separation is not None:
        return _separated(fit, names, q, wanted, disp)
    fd = fit.fit_data
    out = np.full((len(names), 2), np.nan)
    _profile_columns(fd.source, fit.family, fd.coef, fd.cov_unscaled, np.flatnonzero(fd.kept), float(fit.deviance),
                     fd.n_boundary, disp, q, wanted, names, out)
    return pd.DataFrame({"lower": out[:, 0], "upper": out[:, 1]}, index=names)


def _profile_columns(src, family, coef: np.ndarray, cov: np.ndarray, kept: np.ndarray, deviance: float,
                     n_boundary: int, disp: float, q: float, wanted: set, names: list[str], out: np.ndarray) -> None:
    """Both limits of each column of ``kept`` in ``wanted`` into ``out`` (its rows), profiling the fit of
    ``src`` whose estimate is ``coef`` (unscaled covariance ``cov``, ``deviance``), with a ProfileWarning for
    each limit not found or approximate, and for an interval whose mirror image is in the confidence set too
    (:func:`_warn_mirror`)."""
    mirrored = _mirrored(src, family)  # (once: for an even-root link, a pass over the rows for their offsets)
    for j in kept:
        if j in wanted:
            for side in (-1, 1):
                out[j, int(side > 0)] = _warned_limit(src, family, coef, cov, kept, int(j), deviance, n_boundary,
                                                      disp, q, side, names[j], mirrored=mirrored)
            lower, upper = out[j]
            if mirrored and (lower > 0 or upper < 0) and np.isfinite(lower) and np.isfinite(upper):
                _warn_mirror(names[j], lower, upper)


def _warn_mirror(name: str, lower: float, upper: float) -> None:
    """Where -beta gives the means beta gives (:func:`_mirrored`) the profile is symmetric, D(-b) = D(b), so the
    values the likelihood-ratio test does not reject are [lower, upper] and [-upper, -lower]: for an interval that
    does not hold 0 two apart (one that holds 0 runs from -m to m and is the whole set).  The interval reported is
    the estimate's; say that the other is in the set too (-b_hat fits as well as b_hat)."""
    warn_user(f"the profile of {shown(name)} is symmetric (the link gives the same means at -beta, the estimate's "
              f"signs negated, with no offset: the model cannot tell the signs apart), so its confidence set is "
              f"[{lower:.6g}, {upper:.6g}] and [{-upper:.6g}, {-lower:.6g}]; the interval is the one of the "
              f"estimate's sign", ProfileWarning)


def _warned_limit(src, family, coef: np.ndarray, cov: np.ndarray, kept: np.ndarray, j: int, deviance: float,
                  n_boundary: int, disp: float, q: float, side: int, name: str, step: float | None = None,
                  first: float | None = None, at_estimate: bool = True, mirrored: bool = False) -> float:
    """One limit of column ``j`` (:func:`_limit`), with a ProfileWarning when it is not found or approximate.
    ``deviance``: the profile's minimum (the fit's, or its limit under separation); ``step``: the scale of
    the search (default: the standard error), ``first``: the first point tried (default: the Wald limit);
    ``at_estimate``: ``deviance`` is the deviance at ``coef`` (not a limit of the profile, as under separation);
    ``mirrored``: -beta gives the means beta gives (:func:`_mirrored`), so the refits start from the mirror image of
    the estimate too."""
    others = kept[kept != j]
    # along the profile the other coefficients move by cov[others, j] / cov[j, j] per unit of beta_j
    slope = cov[others, j] / cov[j, j]
    prof = _Profile(src, j, others, family, coef[j], deviance, disp, n_boundary,
                    coef[others] if at_estimate else None, slope if at_estimate and mirrored else None)
    se = float(np.sqrt(disp * cov[j, j])) if step is None else step
    val, why, edge = _limit(prof, se, q, side, coef[others], slope, first)
    which = f"{'lower' if side < 0 else 'upper'} profile limit of {shown(name)}"
    for rounds in range(_MAX_BRANCHES + 1 if at_estimate and not family.convex_deviance else 0):
        lower = None if why else _lower_branch(prof, se, q, side, val, coef[others], slope)
        if lower is None:
            break
        if rounds == _MAX_BRANCHES:
            warn_user(f"{which} may be too near the estimate: the refits crossed the threshold (deviance "
                      f"{prof.deviance_hat + disp * q * q:.10g}) at {val:.8g}, but a refit from another start at "
                      f"{lower.point.b:.8g} has deviance {prof.deviance_hat + disp * lower.point.z ** 2:.10g}, "
                      f"below it, after {_MAX_BRANCHES} searches along such lower branches; reported as {val}",
                      ProfileWarning)
            break
        val, why, edge = _limit(prof, se, q, side, coef[others], slope, branch=lower)
    if prof.below:
        # (z is taken as 0 there, so a limit found beyond belongs to no profile of the estimate: MASS's profile
        # stops with "profiling has found a better solution, so original fit had not converged")
        b, dev = min(prof.below, key=operator.itemgetter(1))
        warn_user(f"{which} not found: the refit at {b:.8g} has deviance {dev:.10g}, below the estimate's "
                  f"{prof.deviance_hat:.10g}, so the estimate is a local optimum, not the maximum-likelihood "
                  f"estimate (fit again from other starting values: start=); reported as nan", ProfileWarning)
        return np.nan
    if why:
        warn_user(f"{which} not found: {why}; reported as {val}", ProfileWarning)
    elif edge:
        warn_user(f"{which} is approximate: the refits there have their optimum on the edge of the "
                  f"{family.name} family's domain (a fitted mean at its bound, or a row of prior weight 0 "
                  f"held inside it), which they only approach", ProfileWarning)
    return val


def _mirrored(src, family) -> bool:
    """Does -beta give the means beta gives?  So it does for a link of an even root that takes every linear
    predictor (a Tweedie link_power of 0.5: mu = eta^2, as statmod's ``tweedie()``, which has no ``valideta``)
    when no row has an offset (eta = X beta).  A Poisson sqrt link takes positive predictors only, as R's."""
    eta = np.array([0.5, 2.0, 30.0])
    with np.errstate(all="ignore"):
        even = bool(family.link.valid_eta(-eta)) and np.array_equal(family.link.inverse(-eta),
                                                                     family.link.inverse(eta))
    return even and not fold(src, operator.attrgetter("has_offset"), operator.or_, False)


@dataclass(frozen=True)
class _LeaveOutMoved:
    """A block whose rows that the direction ``d`` moves (|x_i'd| > ``tol``) get prior weight 0 (picklable)."""

    d: np.ndarray
    tol: float

    def __call__(self, block):
        moved = np.abs(block.X.matvec(self.d)) > self.tol
        if not moved.any():
            return block
        start = None if block.start_weights is None else np.where(moved, 0.0, block.start_weights)
        return replace(block, weights=np.where(moved, 0.0, block.weights), start_weights=start)


def _column_abs_max(blk) -> np.ndarray:
    return blk.X.column_abs_max()


#: |x_i'd| below this fraction of sum_j |d_j| max_i |x_ij| is a row the separating direction leaves in place
#: (as the streamed separation check counts it).
_UNMOVED_TOL = 1e-9


def _separated(fit, names: list[str], q: float, wanted: set, disp: float) -> pd.DataFrame:
    """Separation along d: no maximum exists, and each diverging coefficient's interval is unbounded in the
    direction it diverges (its other limit is NaN: the refits near an infinite estimate are numerically
    meaningless).

    Under quasi-complete separation the other coefficients' profiles are those of the limit: with the rows S
    that d moves fitted exactly (log-likelihood 0) as t -> inf along beta + t d, and x_i'd = 0 on the others R,
    for any coefficient j with d_j = 0

        sup_{beta_j = b} l(beta) = sup_{beta_j = b} l_R(beta),

    since l_S <= 0 and beta + t d keeps beta_j and l_R.  So the profile deviance of such j is the model's on
    the rows R alone (those of S given weight 0), and its interval is computed there exactly; a coefficient
    that the rows R do not determine (aliased there) has a flat profile, (-inf, inf).  When one coefficient
    alone diverges, its profile deviance on all the rows falls towards that same limit as it goes to +/-inf,
    and its finite limit is where the profile deviance is q^2 phi above the limit (a one-sided interval).

    Under complete separation R is empty and the likelihood's supremum is 1 (deviance 0).  A coefficient that
    some separating direction leaves at 0 (the other columns alone separate the rows) has a flat profile,
    (-inf, inf); one that every separating direction moves diverges with the sign they share, and its finite
    limit is where its profile deviance is q^2 phi above 0.  Which is which takes a linear program per
    column over the rows (streamed rows gathered for them): for a design beyond the programs' size the limits
    other than the diverging side are NaN.
    """
    sep = fit.separation
    out = np.full((len(names), 2), np.nan)
    fd = fit.fit_data
    d = np.zeros(len(names))
    for col, v in zip(sep.columns, sep.directions):
        if col in names and v != 0:
            d[names.index(col)] = v
            out[names.index(col), int(v > 0)] = np.sign(v) * np.inf
    scale = fold(fd.source, _column_abs_max, np.maximum, np.zeros(d.size))
    rest = None if sep.complete else _rows_not_separated(fd.source, fit.family, d, scale)
    diverging = np.flatnonzero(d)
    needed = needed_to_separate(fd.frame, fd.kept, fd.source) if sep.complete and fit.family.binomial_response else None
    if needed is not None:
        for j in np.flatnonzero(fd.kept):
            j = int(j)
            if j not in wanted or (needed[j] and d[j] == 0):  # (the latter: the programs disagree at rounding)
                continue
            if not needed[j]:
                out[j] = [-np.inf, np.inf]
                continue
            side = -int(np.sign(d[j]))
            out[j, int(side < 0)] = -side * np.inf
            out[j, int(side > 0)] = _diverging_limit(fd, fit.family, j, 0.0, disp, q, side, names[j], scale[j])
        flat = [names[j] for j in np.flatnonzero(fd.kept & ~needed)]
        other = ("the other limit of those every separating direction moves is where the profile deviance is "
                 "the threshold above 0" + (f" ({', '.join(map(shown, flat))} unbounded: the other columns "
                                           "separate the rows without them)" if flat else ""))
    elif rest is None:
        other = "the other limits are not computed (NaN)"
    else:
        state, src = rest
        finite = [int(j) for j in np.flatnonzero(fd.kept) if d[j] == 0 and j in wanted]
        flat = [j for j in finite if not state.kept[j]]
        out[flat] = [-np.inf, np.inf]
        _profile_columns(src, fit.family, state.coef, state.cov_unscaled, np.flatnonzero(state.kept),
                         state.deviance, state.n_boundary, disp, q, set(finite), names, out)
        if diverging.size == 1 and fd.kept[diverging[0]]:
            j = int(diverging[0])
            side = -int(np.sign(d[j]))
            if j in wanted:
                out[j, int(side > 0)] = _diverging_limit(fd, fit.family, j, state.deviance, disp, q, side,
                                                         names[j], scale[j])
            other = "its other limit is where the profile deviance is the threshold above its limit"
        else:
            other = "their other limits are not computed (NaN)"
        other += ("; the other coefficients' intervals are those of the limit, the profile likelihood of the rows "
                  "the separation leaves unfitted" + (f" ({', '.join(shown(names[j]) for j in flat)} unbounded: "
                                                      "determined by the separated rows alone)" if flat else ""))
    what = (f"no maximum-likelihood estimate exists; the profile intervals of the coefficients the fit diverges "
            f"along ({sep.columns_text}) are" if sep.complete else
            f"the maximum-likelihood estimates of {sep.columns_text} are infinite, so their profile intervals are")
    warn_user(f"{sep.kind} separation: {what} unbounded in that direction and {other}; use method='firth' for "
              f"finite estimates", ProfileWarning)
    return pd.DataFrame({"lower": out[:, 0], "upper": out[:, 1]}, index=names)


def _diverging_limit(fd, family, j: int, deviance: float, disp: float, q: float, side: int, name: str,
                     scale: float) -> float:
    """The finite limit (on ``side``) of the diverging coefficient ``j``: searched from its estimate, first
    halfway to 0, then doubling the distance, and found to 1e-12 of a step that moves the linear predictor by
    1 (``scale``: max_i |x_ij|).  Its standard error there is meaningless (2.6e4 for an estimate of 25): a
    search scaled by it sent the refits onto the link's clamps, where the deviance is flat, for minutes; and
    the refits far out along the diverging direction are slow (their other coefficients diverge with it)."""
    b = float(fd.coef[j])
    return _warned_limit(fd.source, family, fd.coef, fd.cov_unscaled, np.flatnonzero(fd.kept), j, deviance,
                         fd.n_boundary, disp, q, side, name, step=1.0 / max(scale, 1e-300),
                         first=b / 2 if side * b < 0 else None, at_estimate=False)


def _rows_not_separated(source, family, d: np.ndarray, scale: np.ndarray):
    """(the fit, the rows) of the model on the rows the separating direction ``d`` leaves in place, the
    others given weight 0; None when that fit diverges too (``d`` did not separate every row that can be) or
    fails.  ``scale``: max_i |x_ij| of each column."""
    tol = _UNMOVED_TOL * float((np.abs(d) * scale).sum())
    src = source.with_transform(_LeaveOutMoved(d, tol))
    try:
        state = irls(src, family, _REFIT)
    except FitError:
        return None
    if not (state.converged and state.polished and state.n_boundary == 0 and state.n_ok > 0):
        return None
    return state, src
