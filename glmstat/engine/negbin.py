"""Negative binomial regression with theta estimated by maximum likelihood (``MASS::glm.nb``).

As ``glm.nb``: start from a Poisson fit, then alternate an IRLS fit of the coefficients at fixed theta with
the maximum-likelihood theta at fixed mu, until both stop moving.  Each IRLS fit starts from the previous
coefficients, and again from the family's starting means where it went away from the optimum (:func:`_at_theta`).
Unlike ``glm.nb`` (which stops theta's Newton iterations at a step of 1.2e-4 and evaluates theta with the means of
the previous fit) each theta is solved to full precision and the alternation continues until the joint maximum is
reached.

Score and information for theta (w = prior weights):
    U(theta) = sum w [psi(theta + y) - psi(theta) + log(theta) + 1 - log(theta + mu) - (y + theta)/(mu + theta)]
             = sum w [psi(theta + y) - psi(theta) - log1p(mu/theta) + (mu - y)/(mu + theta)]
    I(theta) = sum w [-psi'(theta + y) + psi'(theta) - 1/theta + 2/(mu + theta) - (y + theta)/(mu + theta)^2]
             = sum w [psi'(theta) - psi'(theta + y) - (mu^2 + theta y) / (theta (mu + theta)^2)]
and SE(theta) = 1 / sqrt(I(theta)).  The second forms are summed: the first's terms are of the size of log(theta)
and cancel to about y/theta, so that a large theta's score was known to eps n log(theta) only (theta 1440 on 25
counts, SE 4.8e5: Newton stopped at 1440.4073, where the score in 60-digit arithmetic is -9.4e-14 and its root
1440.3767; glm.nb's 1440.3773).  They are used from theta = 100 on, with the differences of psi and psi' taken
from their asymptotic series' terms, each exact to its own rounding.

**SE(theta) as glm.nb reports it.**  ``glm.nb``'s ``SE.theta`` is ``theta.ml``'s: Newton's iterations from the
moment start at the final means, stopped once a step is below eps^(1/4) = 1.2e-4 (or after ``limit - 1``
steps, ``limit`` = ``maxit``), with the information of the iterate *before* the last step -- up to 1.2e-4 from
theta, which moves SE(theta) by ~1e-4 relative (1.05e-4 on 10,000 counts at theta = 1.29; 3e-6 on ``quine``).
That path is a function of the final means alone, so it is run here too (a pass per step) and its standard
error reported: R's number, not 1 / sqrt(I) at the estimate.

**The Poisson limit.**  In phi = 1/theta the log-likelihood is the Poisson one plus
phi/2 sum w [(y - mu)^2 - y] + O(phi^2), so with S = sum w [(y - mu)^2 - y] at the Poisson fit (the
Cameron-Trivedi and Dean-Lawless score statistic) S <= 0 -- counts no more variable than Poisson counts --
puts the maximum at phi = 0: theta is infinite and the negative binomial fit *is* the Poisson fit.  There
``glm.nb`` runs theta up until its iteration limit, warns "iteration limit reached" and returns whatever
theta it reached (1e4 to 1e6), or fails on a few rows.  Here the Poisson limit is recognized (S <= 0, or an
alternation whose theta passes the limit below) and returned with a :class:`~glmstat.errors.BoundaryWarning`:
the fit at theta_lim = 10^ceil(log10(1e7 max(1, max mu))), where mu^2/theta is below 1e-7 mu in every row, so
coefficients and standard errors are Poisson's to about 1e-7 relative while the log-likelihood's terms
(lgamma(theta + y) - lgamma(theta), ...) still cancel to about 1e-8 per row; SE(theta) is reported as infinite.

**Rows in blocks.**  Every sum over the rows (the Poisson-limit check, theta's moment start, its score,
information and their rounding error) is one map-reduce over the source's blocks at the current coefficients
(:func:`glmstat.design.sources.fold`), the means recomputed in each block as g^{-1}(x_i'b + offset_i): the same
code fits rows in memory (one block), Parquet row groups and dask partitions, and never holds a vector of
all the means.  Each Newton step for theta is one pass; after the first (from MASS's moment start) each
theta's Newton iterations start from the previous theta, which the alternation hardly moves, so they
take a pass or two.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from functools import partial
from typing import Callable, NamedTuple

import numpy as np
from .._scipy import special

from ..design.sources import DesignSource, fold
from .fit_state import Control, FitState
from .irls import irls
from ..errors import BoundaryWarning, FitError, GLMStatError
from ..families import NegativeBinomial, Poisson
from ..links import Link

__all__ = ["theta_ml", "theta_ml_at", "fit_negbin", "overdispersion_score", "poisson_limit_theta", "NegbinFit"]

#: mu^2 / theta is at most this fraction of mu at the reported Poisson-limit theta.
_LIMIT_RATIO = 1e-7

_FLAT = ("theta cannot be estimated: the negative binomial likelihood is flat in theta (is the response "
         "0 in (nearly) every row, or the variance no larger than the mean?); try Poisson")


class NegbinFit(NamedTuple):
    """What :func:`fit_negbin` found.

    ``state`` is the IRLS state at the final theta, ``family`` the family with that theta fixed (the fitter
    of the null model, as ``glm.nb`` computes its null deviance), ``theta_se`` theta's standard error, and
    ``findings`` the warnings to give as ``(category, message)`` pairs.
    """

    state: FitState
    family: NegativeBinomial
    theta_se: float
    findings: tuple[tuple[type, str], ...] = ()


# -- sums over rows (arrays of the rows with a positive weight) -----------------------------------------


#: From this theta on the score and information are summed in their second forms (module docstring), the
#: differences psi(theta + y) - psi(theta) and psi'(theta) - psi'(theta + y) from their asymptotic series.  Below
#: it the first forms' terms (log(theta) <= 4.6) are of the size of the score's, and the fits stay as they were
#: (an alternation with tol=1e-8 whose theta settles by rounding, tests/engine/test_negbin_edge_refit.py).
_SERIES_THETA = 100.0
#: psi(x) ~ log(x) - 1/(2x) + sum c_k x^-k, and psi'(x) ~ 1/x + 1/(2x^2) + sum d_k x^-k: (k, c_k) and (k, d_k)
#: up to the terms whose successors are below 1e-22 at x = 100.
_PSI_SERIES = ((2, -1 / 12), (4, 1 / 120), (6, -1 / 252), (8, 1 / 240))
_TRIGAMMA_SERIES = ((3, 1 / 6), (5, -1 / 30), (7, 1 / 42), (9, -1 / 30))


def _psi_differences(th: float, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """psi(theta + y) - psi(theta) and psi'(theta) - psi'(theta + y) for theta >= ``_SERIES_THETA``, each to the
    rounding of its own size: log1p(y/theta) and y/(theta (theta + y)) lead, where psi(theta) is log(theta)."""
    x = th + y
    dpsi = np.log1p(y / th) + y / (2.0 * th * x)
    dtri = y / (th * x) + (y * (th + x)) / (2.0 * (th * x) ** 2)
    for k, c in _PSI_SERIES:
        dpsi = dpsi + c * (x ** -k - th ** -k)
    for k, d in _TRIGAMMA_SERIES:
        dtri = dtri + d * (th ** -k - x ** -k)
    return dpsi, dtri


def _theta_sums(th: float, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> np.ndarray:
    """[U(theta), I(theta), size, n] over these rows: the score and information of the module docstring,
    the sum of the sizes of the score's terms (for its rounding error) and the number of rows."""
    with np.errstate(all="ignore"):
        if th >= _SERIES_THETA:
            dpsi, dtri = _psi_differences(th, y)
            log_mu = np.log1p(mu / th)
            rest = (mu - y) / (mu + th)
            score = np.sum(w * (dpsi - log_mu + rest))
            info = np.sum(w * (dtri - (mu * mu + th * y) / (th * (mu + th) ** 2)))
            size = np.sum(w * (np.abs(dpsi) + np.abs(log_mu) + np.abs(rest)))
            return np.array([score, info, size, float(y.size)])
        psi = special.digamma(th + y)
        psi_th, log_th = special.digamma(th), math.log(th) if th > 0 else math.nan
        log_mu = np.log(th + mu)
        ratio = (y + th) / (mu + th)
        score = np.sum(w * (psi - psi_th + log_th + 1.0 - log_mu - ratio))
        info = np.sum(w * (-special.polygamma(1, th + y) + special.polygamma(1, th) - 1.0 / th
                           + 2.0 / (mu + th) - ratio / (mu + th)))
        size = np.sum(w * (np.abs(psi) + abs(psi_th) + abs(log_th) + 1.0 + np.abs(log_mu) + ratio))
    return np.array([score, info, size, float(y.size)])


def _moment_sums(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> np.ndarray:
    """[sum w, sum w (y/mu - 1)^2]: MASS's moment start for theta is their ratio."""
    with np.errstate(all="ignore"):
        return np.array([np.sum(w), np.sum(w * (y / mu - 1.0) ** 2)])


def _moment_start(sums: np.ndarray) -> float:
    """MASS's start for theta, sum w / sum w (y/mu - 1)^2 (from :func:`_moment_sums`)."""
    with np.errstate(all="ignore"):
        th = sums[0] / sums[1]
    if not (np.isfinite(th) and th > 0):
        raise FitError(_FLAT)
    return float(th)


def overdispersion_score(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """S = sum w [(y - mu)^2 - y]: twice the derivative of the negative binomial log-likelihood in 1/theta at
    1/theta = 0 (the Poisson limit).  S <= 0 at the Poisson fit means the maximum-likelihood theta is infinite."""
    return float(np.sum(w * ((y - mu) ** 2 - y)))


def poisson_limit_theta(max_mu: float) -> float:
    """The theta reported at the Poisson limit, given the largest fitted mean: 10^ceil(log10(max(1, max mu)
    / 1e-7)), so that mu^2 / theta <= 1e-7 mu in every row."""
    return float(10.0 ** math.ceil(math.log10(max(1.0, float(max_mu)) / _LIMIT_RATIO)))


# -- the same sums, one block's share (run where the block is) -------------------------------------------


def _block_rows(b, link: Link, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, mu, w) of a block's rows with a positive weight, mu = g^{-1}(x'beta + offset)."""
    pos = b.weights > 0
    mu = link.inverse(b.X.matvec(beta) + b.offset)
    return b.y[pos], mu[pos], b.weights[pos]


def _theta_part(b, link: Link, beta: np.ndarray, th: float) -> np.ndarray:
    return _theta_sums(th, *_block_rows(b, link, beta))


def _moment_part(b, link: Link, beta: np.ndarray) -> np.ndarray:
    return _moment_sums(*_block_rows(b, link, beta))


@dataclass(frozen=True)
class _AtPoisson:
    """What the Poisson fit says about theta: the overdispersion score S, and the largest response and mean."""

    score: float
    max_y: float
    max_mu: float

    def merge(self, other: "_AtPoisson") -> "_AtPoisson":
        return _AtPoisson(self.score + other.score, max(self.max_y, other.max_y), max(self.max_mu, other.max_mu))


def _poisson_part(b, link: Link, beta: np.ndarray) -> _AtPoisson:
    y, mu, w = _block_rows(b, link, beta)
    return _AtPoisson(overdispersion_score(y, mu, w), float(np.max(y, initial=-np.inf)),
                      float(np.max(mu, initial=-np.inf)))


# -- theta's maximum likelihood -------------------------------------------------------------------------


def _uphill(th: float, score: float) -> float:
    """The next theta where the log-likelihood is not concave (negative information): a factor of 2 the way the
    score points.  Above a maximum at a small theta the likelihood flattens out convexly towards its Poisson
    value (counts with many zeros: 18 zeros among 36 counts of about 25 have theta 0.21, and MASS's moment start,
    0.91, lies on that slope), where Newton's step -score / |I| points away from the maximum, towards infinity,
    and the score vanishes there without a maximum."""
    return 2.0 * th if score > 0 else th / 2.0


def _newton(th: float, sums: Callable[[float], np.ndarray], max_iter: int, upper: float) -> tuple[float, float]:
    """Newton's iterations for theta from ``th``; ``sums(th)`` gives [U, I, size, n] at ``th`` (one pass over
    the rows).  Stops once the score is rounding noise (below eps size), the step is below 1e-12 theta or,
    below 1e-9 theta, stops shrinking (a likelihood flat to rounding, SE(theta) of 150 at theta = 34, leaves the
    score at 1e-14 with Newton steps of 1e-11 theta), or theta passes ``upper`` (returned with an infinite
    standard error).  Where the information is negative the step is :func:`_uphill`'s instead, so the
    iterations end at a maximum, never on the flat tail towards theta = infinity."""
    at = None  # the sums at the final theta, when the loop computed them there
    last_step = math.inf
    for _ in range(max_iter):
        th = abs(th)
        if th > upper:
            return float(th), math.inf
        score, info, size, n = sums(th)
        if not (np.isfinite(score) and np.isfinite(info)) or info == 0:
            raise FitError(_FLAT + f" (at theta {th:.6g})")
        if info < 0:
            th = _uphill(th, score)
            continue
        # The score is rounding noise (each term is exact to eps times its size): theta is as exact as it gets.
        # Not n eps size, the worst case of the sum: with a large theta the information is tiny and a score of
        # n eps size is still a Newton step of 1e-6 theta (1,000 counts, theta 694: score 4e-9, information 3e-6).
        if abs(score) <= np.finfo(float).eps * size:
            at = info
            break
        th_new = th + score / info
        if th_new <= 0:  # Newton overshoot: halve towards zero instead
            th_new = th / 2
        step = abs(th_new - th)
        # a step of 1e-12 theta, or small steps that stopped shrinking (Newton converges quadratically until
        # the score is noise, then wanders by noise / I)
        if step <= 1e-12 * th or (step <= 1e-9 * th and step > 0.5 * last_step):
            th = th_new
            break
        last_step = step
        th = th_new
    else:
        raise FitError(f"theta did not converge in {max_iter} Newton steps (last theta {th:.6g}): "
                       "the data may not be overdispersed; try Poisson")
    info = sums(th)[1] if at is None else at
    return float(th), float(1.0 / np.sqrt(info)) if info > 0 else float("nan")


def theta_ml(y: np.ndarray, mu: np.ndarray, w: np.ndarray, max_iter: int = 100, upper: float = math.inf
             ) -> tuple[float, float]:
    """Maximum-likelihood theta for fixed means given as arrays, and its standard error (MASS's ``theta.ml``);
    rows of zero weight do not count.  Newton's iterations stop as soon as theta passes ``upper`` (the Poisson
    limit), returning that theta.  :func:`theta_ml_at` is the same for the rows of a source."""
    pos = w > 0
    y, mu, w = y[pos], mu[pos], w[pos]
    return _newton(_moment_start(_moment_sums(y, mu, w)), partial(_theta_sums, y=y, mu=mu, w=w), max_iter, upper)


def theta_ml_at(source: DesignSource, link: Link, beta: np.ndarray, max_iter: int = 100,
                upper: float = math.inf, start: float | None = None) -> tuple[float, float]:
    """Maximum-likelihood theta, and its standard error, at the means mu_i = g^{-1}(x_i'beta + offset_i) of
    the rows of ``source`` (``beta`` over all its columns, 0 where aliased): :func:`theta_ml` with every sum
    a map-reduce over the blocks.  Newton starts from ``start`` if given (the theta of the previous means,
    which the alternation of :func:`fit_negbin` hardly moves: one or two passes), else from MASS's moment
    start (one pass more)."""
    empty = np.zeros(4)

    def sums(th: float) -> np.ndarray:
        return fold(source, partial(_theta_part, link=link, beta=beta, th=th), operator.add, empty)

    if start is None:
        start = _moment_start(fold(source, partial(_moment_part, link=link, beta=beta), operator.add, np.zeros(2)))
    return _newton(start, sums, max_iter, upper)


# -- the alternation --------------------------------------------------------------------------------------


def _start(state: FitState) -> np.ndarray:
    return np.where(state.kept, state.coef, 0.0)


def _poisson_limit(source: DesignSource, family: NegativeBinomial, control: Control, poisson: FitState,
                   max_mu: float, why: str) -> NegbinFit:
    """The fit at the Poisson limit (see the module docstring), with its warning."""
    limit = poisson_limit_theta(max_mu)
    fixed = family.with_theta(limit)
    state = irls(source, fixed, control, _start(poisson))
    message = (f"{why}: the negative binomial fit is the Poisson fit, reported at theta = {limit:.0e} (where "
               "mu + mu^2/theta is mu to 1e-7) with an infinite standard error (MASS::glm.nb warns 'iteration "
               "limit reached' and stops at some large theta); fit Poisson() instead")
    return NegbinFit(state, fixed, math.inf, ((BoundaryWarning, message),))


def _at_theta(source: DesignSource, family: NegativeBinomial, control: Control, start: np.ndarray,
              covariance: bool = True) -> FitState:
    """IRLS at a fixed theta from ``start`` (the previous coefficients), and again from the family's own starting
    means where it failed (halving exhausted) or ended above the deviance D(start) of ``start`` itself.

    The optimum's deviance is at most D(start), so scoring that ends above it went away from the optimum: the
    Poisson coefficients of a log-link cubic without an intercept (x1 to 2900) gave D = 134.7 at theta 0.076,
    and scoring from them stopped at means near 1e308 with D = 3991 (at tol 1e-8, halving was exhausted there;
    ``glm.nb`` fails too, "NA/NaN/Inf in 'x'"), theta's maximum at those means was 4e-5 and the fit was reported
    not converged; from the starting means y + 1/6 (R's ``mustart``) it converges to D = 42.05.  The fit from
    those means is kept only if it converged (to a lower deviance).  Not at R's control (``convergence="R"``),
    which reports what R's path reaches."""
    if control.convergence != "exact":
        return irls(source, family, control, start, covariance=covariance)
    try:
        state, failed = irls(source, family, control, start, covariance=covariance), None
    except FitError as err:
        state, failed = None, err
    if state is not None:
        at_start = state.deviance_history[0]  # (the loop's first pass was at ``start``: no pass of our own)
        if not (np.isfinite(at_start) and state.deviance > at_start + 1e-7 * (abs(at_start) + 1.0)):
            return state
    try:
        again = irls(source, family, control, None, covariance=covariance)
    except GLMStatError:
        again = None
    if again is not None and again.converged and (state is None or again.deviance < state.deviance):
        return again
    if state is None:
        raise failed
    return state


def fit_negbin(source: DesignSource, family: NegativeBinomial, control: Control, start: np.ndarray | None = None
               ) -> NegbinFit:
    """Alternate IRLS and theta's maximum likelihood to the joint optimum, or recognize the Poisson limit
    (see the module docstring)."""
    link = family.link
    poisson = irls(source, Poisson(link=link), control, start, covariance=False)  # (a start, and a limit's)
    at = fold(source, partial(_poisson_part, link=link, beta=_start(poisson)), _AtPoisson.merge,
              _AtPoisson(0.0, -np.inf, -np.inf))
    if not at.max_y > 0:
        # the Poisson means go to 0, where every theta fits equally well: nothing to estimate (glm.nb fails too)
        raise FitError("theta cannot be estimated: the response is 0 in every row, so every theta fits equally "
                       "well; try Poisson")
    if at.score <= 0:
        why = (f"no overdispersion: at the Poisson fit sum((y - mu)^2 - y) = {at.score:.4g} is not positive (the "
               "counts vary no more than Poisson counts), so the maximum-likelihood theta is infinite")
        return _poisson_limit(source, family, control, poisson, at.max_mu, why)
    limit = poisson_limit_theta(at.max_mu)
    passed = f"hardly any overdispersion: the maximum-likelihood theta grows past {limit:.0e}"
    th, _ = theta_ml_at(source, link, _start(poisson), upper=limit)
    state = poisson
    for _ in range(max(control.max_iter, 50)):
        if th > limit:
            return _poisson_limit(source, family, control, poisson, at.max_mu, passed)
        before = _start(state)
        state = _at_theta(source, family.with_theta(th), control, before, covariance=False)
        th_new, _ = theta_ml_at(source, link, _start(state), upper=limit, start=th)
        # joint maximum: theta stops moving, or the means do (then theta moves by its own rounding only, as on
        # a likelihood flat to rounding in theta, or with an intercept only, whose mean is the same at any theta)
        if abs(th_new - th) <= 1e-11 * th or np.allclose(_start(state), before, rtol=1e-10, atol=1e-12):
            th = th_new
            break
        th = th_new
    else:
        raise FitError(f"negative binomial theta did not converge (last theta {th:.6g})")
    if th > limit:
        return _poisson_limit(source, family, control, poisson, at.max_mu, passed)
    state = _at_theta(source, family.with_theta(th), control, _start(state))
    th, se = theta_ml_at(source, link, _start(state), start=th)
    se = _mass_theta_se(source, link, _start(state), max(control.max_iter, 2), th, se)
    return NegbinFit(state, family.with_theta(th), se)


#: ``theta.ml``'s default tolerance for its Newton step, .Machine$double.eps^0.25.
_MASS_EPS = float(np.finfo(float).eps ** 0.25)
#: ``theta.ml``'s path ends within a step of eps^(1/4) of the estimate when it converges: far closer than this
#: fraction of max(theta, 1).
_MASS_PATH_TOL = 1e-3


def _mass_theta_se(source: DesignSource, link: Link, beta: np.ndarray, limit: int, theta: float,
                   exact: float) -> float:
    """``SE.theta`` of ``MASS::glm.nb`` at the means of ``beta``: ``theta.ml``'s Newton iterations from the
    moment start (at most ``limit - 1`` of them, while the last step exceeds eps^(1/4)), and 1 / sqrt of the
    information at the iterate before the last step (see the module docstring).  ``exact`` (1 / sqrt(I) at the
    estimate ``theta``) where that path leaves the domain, reaches the iteration limit, or ends away from
    ``theta`` (Newton's steps from the moment start heading off towards infinity, see :func:`_uphill`)."""
    empty = np.zeros(4)
    th = _moment_start(fold(source, partial(_moment_part, link=link, beta=beta), operator.add, np.zeros(2)))
    step, info, it = 1.0, math.nan, 1
    while it < limit and abs(step) > _MASS_EPS:
        th = abs(th)
        score, info = fold(source, partial(_theta_part, link=link, beta=beta, th=th), operator.add, empty)[:2]
        if not (np.isfinite(score) and np.isfinite(info) and info > 0):
            return exact
        step = score / info
        th += step
        it += 1
    if abs(step) > _MASS_EPS or not abs(th - theta) <= _MASS_PATH_TOL * max(theta, 1.0):
        return exact  # theta.ml stopped short of the estimate, or elsewhere: glm.nb warns, its SE is not one of theta
    return float(1.0 / math.sqrt(info)) if info > 0 else exact
