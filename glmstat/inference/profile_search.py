"""One limit of one coefficient's profile likelihood: the refits with the coefficient held at a value
(:class:`Profile`: damped, from several starts, the lowest deviance winning; the signed root z and its slope at
each), the search for where z crosses the cutoff (:func:`find_limit`: Newton steps inside a bracket widened or
bisected, Brent's method where Newton stalls), and the check from outside for a lower branch of optima there
(:func:`lower_branch`).  :mod:`glmstat.inference.profile` describes the method and asks for the limits."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import numpy as np

from .._scipy import optimize
from ..design.sources import fold
from ..engine.edges import pulled_edges
from ..engine.fit_state import Control
from ..engine.irls import irls
from ..engine.linalg import factor_gram
from ..errors import FitError
from .profile_rows import (cells_part, flip_part, largest_eta_part, largest_mean_part, merge_cells,
                           merge_flips, merge_pinned, merge_points, merge_starts, on_edge_part, pinned_part,
                           point_part, rise_part, start_part, unweighted_edge_part, valid_part, valid_rows_part)

__all__ = ["Profile", "Point", "Branch", "find_limit", "lower_branch", "flipped_branch", "REFIT"]

#: The refits are solved to this relative deviance change (the engine then polishes to the exact optimum).
REFIT = Control(tol=1e-12, max_iter=100, damped=True)
#: Give up stepping outwards once the candidate limit is this many standard errors from the estimate.
_MAX_SE = 2.0 ** 40
_MAX_STEPS = 100
#: A limit is accepted once the Newton step is below this fraction of the standard error.
_STEP_TOL = 1e-12
#: A refit at a limit from another start that brings z this far inside the cutoff has found a lower branch of
#: optima (a limit's z is the cutoff to about 1e-12: this is far above its rounding)
_BRANCH_TOL = 1e-9
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
class Point:
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
class Profile:
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
    #: the others' slope dc/db along the profile at the estimate, where -beta gives the means beta gives (an
    #: even-root link and no offset: see ``profile.py``); None otherwise
    mirror_slope: np.ndarray | None = None
    #: the link's inverse is even, mu(-eta) = mu(eta) (an even root: mu = eta^2 or eta^-2), offset or not: a refit
    #: has an optimum for each pattern of signs of the linear predictor the other columns reach (see
    #: :func:`flipped_branch`)
    even: bool = False
    #: the columns of each term of the model (R's ``assign``), whose cells :func:`flipped_branch` negates
    terms: tuple = ()
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
                state = irls(moved, self.family, REFIT, s, covariance=False)
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

    def at(self, b: float, starts: tuple[np.ndarray, ...]) -> Point | None:
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
        return Point(b, z, dz, coef, dcoef, edge, polished)

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

    def on_edge(self, pt: Point) -> bool:
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
class Branch:
    """A refit inside the interval on a branch of optima lower than the one a search followed to its limit
    (:func:`lower_branch`), and the nearest point known outside the interval beyond it (None if none)."""

    point: Point
    beyond: float | None


def find_limit(prof: Profile, se: float, q: float, side: int, start: np.ndarray, slope: np.ndarray,
           first: float | None = None, branch: Branch | None = None) -> tuple[float, str, bool, Point | None]:
    """One limit (side -1: lower, +1: upper), the reason when it cannot be found, whether the refit
    there puts a fitted mean on the edge of the family's domain (the limit is then approximate), and the refit at
    the limit (or the last one before it; None when no limit is found).  The search
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

    def deviance(pt: Point) -> float:
        return prof.deviance_hat + prof.dispersion * pt.z ** 2

    def far_off(prev: Point, f: float, dfdb: float) -> bool:
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
    last = Point(b_hat, 0.0, np.nan, start, slope)  # warm start: extrapolate the last refit along its slope
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
                    return float(newton), "", prof.on_edge(pt), pt
        far = outside if outside is not None else failed
        if far is None:  # nothing known beyond the limit yet: step out, at most doubling the distance
            reach = 2.0 * abs(x - b_hat)
            if np.isfinite(newton) and side * (newton - inside) > 0:
                reach = min(abs(newton - b_hat), reach)
            nxt = b_hat + side * reach
            if reach > _MAX_SE * se:
                return side * np.inf, (f"the deviance stays below the threshold {threshold:.10g} however far the "
                                       f"coefficient goes (at {last.b:.6g} it is {deviance(last):.10g})"), False, None
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
                    return float(0.5 * (inside + outside)), "", prof.on_edge(last), last
                break  # pinned against the region where the model cannot be fitted
        x = nxt
    if outside is not None:  # Newton stalled: finish with Brent's method on the bracket
        near = [last]  # the latest refit, a warm start for the next (Brent's points close in on the root)
        try:
            root = optimize.brentq(lambda b: _signed(prof, b, start, slope, near) - side * q,
                                   *sorted((inside, outside)), xtol=_STEP_TOL * se, rtol=1e-13, maxiter=200)
        except RuntimeError:
            return np.nan, "Brent's method did not close in on it in 200 refits", False, None
        except ValueError as e:  # (scipy's for a bracket whose ends have one sign, or _signed's for no valid fit)
            lo, hi = sorted((inside, outside))
            why = str(e) if str(e).startswith("no valid fit") else (
                f"refitted again, its bracket [{lo:.9g}, {hi:.9g}] no longer holds the threshold: the refits' "
                "deviance there depends on where they start")
            return np.nan, f"the root finder failed ({why})", False, None
        return float(root), "", prof.on_edge(near[0]), near[0]
    if failed is None:  # (every refit valid and inside: the steps out crept, _MAX_STEPS of them)
        return np.nan, (f"{_MAX_STEPS} refits out to {inside:.6g} (deviance {deviance(last):.10g}) stay below the "
                        f"threshold {threshold:.10g}"), False, None
    return (np.nan, "the model cannot be refitted beyond {:.6g} (no valid fit for the family)".format(inside), False,
            None)


def lower_branch(prof: Profile, se: float, q: float, side: int, val: float, start: np.ndarray,
                  slope: np.ndarray) -> Branch | None:
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
    return Branch(back, hi if side * far.z >= q else None)


def flipped_branch(prof: Profile, q: float, side: int, val: float, pt: Point) -> Branch | None:
    """A refit at the limit ``val`` (its refit ``pt``) inside the interval, from the refit with the signs of its
    linear predictor negated on the rows of one group; None when there is none, or where the link's inverse is
    not even (``Profile.even``).

    Where mu(-eta) = mu(eta) the deviance depends on |eta| only: each pattern of signs of the rows' linear
    predictors that the other columns can reach has its own optimum, and the profile deviance at b is the lowest
    of them.  The search follows the pattern of the estimate (and of its mirror image) from the estimate outwards;
    a Tweedie fit with mu = eta^-2 of ``y ~ factor(k) + x1:g1`` crossed the cutoff at 0.16217 for factor(k)3, where
    the refit with the rows of level 3 negated has z = 1.544 (the limit is 0.2149192).  The groups are the cells of
    each term of ``Profile.terms`` (the rows of one pattern of its columns not 0: a factor's level, a combination of
    levels, a numeric column's rows of one level), and each cell's complement, for a term of at most
    ``MAX_FLIP_CELLS`` cells; each negates the refit's signs there, or the signs of |eta| (every row positive, as
    R's ``etastart = s * abs(eta)``: the rows of the group negative, the others positive); a group of every row or
    of none is left out.  So a check costs two passes over the rows and at most 4 ``MAX_FLIP_CELLS`` refits a term,
    whatever the rows.  From the refit at ``val`` the step of IRLS with eta negated on some rows is one weighted
    least-squares solve (:func:`~glmstat.inference.profile_rows.flip_part`: every group's in one pass), and the
    lowest of the refits from those starts wins.  A lower pattern that needs two groups negated at once is found a
    group a round, as ``profile.py`` searches again along each branch found; one reached only by negating single
    rows (a row whose linear predictor a numeric column takes across 0) is not found."""
    k = prof.others.size
    if not prof.even or k == 0 or not prof.terms:
        return None
    terms = tuple(np.asarray(t, dtype=np.int64) for t in prof.terms)
    rng = np.random.default_rng(0)  # (fixed: a cell's key is its pattern's sum of these)
    tags = tuple(1.0 + rng.random(t.size) for t in terms)
    cells = fold(prof.source, partial(cells_part, terms=terms, tags=tags), merge_cells, tuple({} for _ in terms))
    groups = tuple((t, key, complement, absolute) for t, c in enumerate(cells) if c is not None and len(c) > 1
                   for key in sorted(c) for complement in (False, True) for absolute in (False, True))
    if not groups:
        return None
    part = partial(flip_part, family=prof.family, j=prof.j, others=prof.others, value=val, coef=pt.coef,
                   terms=terms, tags=tags, groups=groups)
    G, u, flips, rows, n = fold(prof.source, part, merge_flips,
                                (np.zeros((k, k)), np.zeros(k), np.zeros((len(groups), k)),
                                 np.zeros(len(groups), dtype=np.int64), 0))
    starts: list[np.ndarray] = []
    for g in np.flatnonzero((rows > 0) & (rows < n)):
        c = _gram_solve(G, u - 2.0 * flips[g])
        if np.all(np.isfinite(c)) and not any(np.array_equal(c, s) for s in starts):
            starts.append(c)
    if not starts:
        return None
    back = prof.at(val, tuple(starts))
    if back is None or not side * back.z < min(q, side * pt.z) - _BRANCH_TOL:
        return None
    return Branch(back, None)


def _signed(prof: Profile, b: float, start: np.ndarray, slope: np.ndarray, near: list[Point]) -> float:
    """z(b), the refit warm-started from ``near[0]`` (then replaced by this refit) and from the estimate."""
    last = near[0]
    pt = prof.at(b, (last.coef + last.dcoef * (b - last.b), last.coef, start + slope * (b - prof.b_hat), start))
    if pt is None:
        raise ValueError(f"no valid fit at {b:.6g}")
    near[0] = pt
    return pt.z
