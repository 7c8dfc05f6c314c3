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
``profile_search.Profile._rise``).  Each refit is warm-started from the previous one, moved along the slope
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
threshold along a run-off, where dz is rounding noise: see ``far_off`` in :func:`find_limit`).  Under separation no
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
which is in the confidence set too.  Such a link (mu(-eta) = mu(eta), offset or not) has an optimum of each refit for
each pattern of signs of the rows' linear predictors that the other columns reach, and the profile deviance is the
lowest of them, while the warm starts follow the estimate's pattern: a limit found is checked by refits at it from
that refit with the signs negated on one cell of rows of a term at a time (a factor's level, and every row but the
level's; :func:`~glmstat.inference.profile_search.flipped_branch`), and the search goes on along a lower one, as
along the lower branches below.  Near the edge of the domain (an identity link with means near 0) every start can
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
undercuts after ``_MAX_BRANCHES`` such rounds (checked from outside, or by the cells negated) comes with a
ProfileWarning.  Where the deviance is convex (canonical links, log links of counts) each refit has one optimum and
nothing is checked.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd

from .._arguments import confidence_level, shown
from ..design.sources import fold
from ..diagnosis.separation import needed_to_separate
from ..distributions import interval_quantile
from ..engine.irls import irls
from ..errors import FitError, GLMStatError, ProfileWarning, warn_user
from .profile_search import REFIT, Profile, find_limit, flipped_branch, lower_branch

__all__ = ["profile_conf_int", "ProfileWarning"]

#: A limit that a lower branch undercuts (:func:`~glmstat.inference.profile_search.lower_branch`) is searched
#: again from it at most this many times.
_MAX_BRANCHES = 4


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
                     fd.n_boundary, disp, q, wanted, names, out, fd.frame.term_columns)
    return pd.DataFrame({"lower": out[:, 0], "upper": out[:, 1]}, index=names)


def _profile_columns(src, family, coef: np.ndarray, cov: np.ndarray, kept: np.ndarray, deviance: float,
                     n_boundary: int, disp: float, q: float, wanted: set, names: list[str], out: np.ndarray,
                     terms: tuple = ()) -> None:
    """Both limits of each column of ``kept`` in ``wanted`` into ``out`` (its rows), profiling the fit of
    ``src`` whose estimate is ``coef`` (unscaled covariance ``cov``, ``deviance``), with a ProfileWarning for
    each limit not found or approximate, and for an interval whose mirror image is in the confidence set too
    (:func:`_warn_mirror`).  ``terms``: the columns of each term, whose cells of rows a link of an even inverse
    negates (:func:`flipped_branch`)."""
    even = _even_inverse(family)
    mirrored = even and _without_offset(src)  # (once: a pass over the rows for their offsets)
    if even and any(j in wanted for j in kept):
        _warn_even_patterns()
    for j in kept:
        if j in wanted:
            for side in (-1, 1):
                out[j, int(side > 0)] = _warned_limit(src, family, coef, cov, kept, int(j), deviance, n_boundary,
                                                      disp, q, side, names[j], mirrored=mirrored, even=even,
                                                      terms=terms)
            lower, upper = out[j]
            if mirrored and (lower > 0 or upper < 0) and np.isfinite(lower) and np.isfinite(upper):
                _warn_mirror(names[j], lower, upper)


def _warn_even_patterns() -> None:
    """What no search can promise where mu(-eta) = mu(eta) (:func:`_even_inverse`): the profile deviance at a value
    is the lowest of one optimum per pattern of signs of the rows' linear predictors, and the refits reach the
    patterns of the estimate, its mirror image and each term's cells negated (:func:`flipped_branch`); a pattern that
    negates single rows can cross nearer the estimate (random cases s815_0043 and s815_0104: R's lowest refits of over
    200 patterns cross 0.031 and 0.012 inside glmstat's limits)."""
    warn_user("the link's inverse is even (mu(-eta) = mu(eta)): at each value of a profiled coefficient the other "
              "coefficients have an optimum for every pattern of signs of the rows' linear predictors, and the profile "
              "is the lowest of them; the limits are where the patterns reached from the estimate, its mirror image "
              "and each term's cells negated cross, and a pattern negating single rows may cross nearer the estimate "
              "(an interval too narrow)", ProfileWarning)


def _warn_mirror(name: str, lower: float, upper: float) -> None:
    """Where -beta gives the means beta gives (:func:`_without_offset`) the profile is symmetric, D(-b) = D(b), so the
    values the likelihood-ratio test does not reject are [lower, upper] and [-upper, -lower]: for an interval that
    does not hold 0 two apart (one that holds 0 runs from -m to m and is the whole set).  The interval reported is
    the estimate's; say that the other is in the set too (-b_hat fits as well as b_hat)."""
    warn_user(f"the profile of {shown(name)} is symmetric (the link gives the same means at -beta, the estimate's "
              f"signs negated, with no offset: the model cannot tell the signs apart), so its confidence set is "
              f"[{lower:.6g}, {upper:.6g}] and [{-upper:.6g}, {-lower:.6g}]; the interval is the one of the "
              f"estimate's sign", ProfileWarning)


def _warned_limit(src, family, coef: np.ndarray, cov: np.ndarray, kept: np.ndarray, j: int, deviance: float,
                  n_boundary: int, disp: float, q: float, side: int, name: str, step: float | None = None,
                  first: float | None = None, at_estimate: bool = True, mirrored: bool = False,
                  even: bool = False, terms: tuple = ()) -> float:
    """One limit of column ``j`` (:func:`find_limit`), with a ProfileWarning when it is not found or approximate.
    ``deviance``: the profile's minimum (the fit's, or its limit under separation); ``step``: the scale of
    the search (default: the standard error), ``first``: the first point tried (default: the Wald limit);
    ``at_estimate``: ``deviance`` is the deviance at ``coef`` (not a limit of the profile, as under separation);
    ``mirrored``: -beta gives the means beta gives (:func:`_without_offset`), so the refits start from the mirror image
    of the estimate too; ``even``: the link's inverse is even (:func:`_even_inverse`), so a limit found is checked by
    refits with the signs of the linear predictor negated on a group of rows at a time (:func:`flipped_branch`: the
    cells of each term of ``terms``, the columns of each)."""
    others = kept[kept != j]
    # along the profile the other coefficients move by cov[others, j] / cov[j, j] per unit of beta_j
    slope = cov[others, j] / cov[j, j]
    prof = Profile(src, j, others, family, coef[j], deviance, disp, n_boundary,
                    coef[others] if at_estimate else None, slope if at_estimate and mirrored else None, even=even,
                    terms=terms)
    se = float(np.sqrt(disp * cov[j, j])) if step is None else step
    val, why, edge, pt = find_limit(prof, se, q, side, coef[others], slope, first)
    which = f"{'lower' if side < 0 else 'upper'} profile limit of {shown(name)}"
    for rounds in range(_MAX_BRANCHES + 1 if at_estimate and not family.convex_deviance else 0):
        lower = None if why else lower_branch(prof, se, q, side, val, coef[others], slope)
        if lower is None and not why and pt is not None:
            lower = flipped_branch(prof, q, side, val, pt)
        if lower is None:
            break
        if rounds == _MAX_BRANCHES:
            warn_user(f"{which} may be too near the estimate: the refits crossed the threshold (deviance "
                      f"{prof.deviance_hat + disp * q * q:.10g}) at {val:.8g}, but a refit from another start at "
                      f"{lower.point.b:.8g} has deviance {prof.deviance_hat + disp * lower.point.z ** 2:.10g}, "
                      f"below it, after {_MAX_BRANCHES} searches along such lower branches; reported as {val}",
                      ProfileWarning)
            break
        val, why, edge, pt = find_limit(prof, se, q, side, coef[others], slope, branch=lower)
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


def _even_inverse(family) -> bool:
    """Does -eta give the mean eta gives, mu(-eta) = mu(eta)?  So it does for a link of an even root that takes
    every linear predictor (a Tweedie link_power of 0.5 or -0.5: mu = eta^2 or eta^-2, as statmod's ``tweedie()``,
    which has no ``valideta``).  A Poisson sqrt link takes positive predictors only, as R's."""
    eta = np.array([0.5, 2.0, 30.0])
    with np.errstate(all="ignore"):
        return bool(family.link.valid_eta(-eta)) and np.array_equal(family.link.inverse(-eta), family.link.inverse(eta))


def _without_offset(src) -> bool:
    """No row has an offset (eta = X beta): with a link of an even inverse (:func:`_even_inverse`), -beta then
    gives the means beta gives."""
    return not fold(src, operator.attrgetter("has_offset"), operator.or_, False)


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
                         state.deviance, state.n_boundary, disp, q, set(finite), names, out, fd.frame.term_columns)
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
        state = irls(src, family, REFIT)
    except FitError:
        return None
    if not (state.converged and state.polished and state.n_boundary == 0 and state.n_ok > 0):
        return None
    return state, src
