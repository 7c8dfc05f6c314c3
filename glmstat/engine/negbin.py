"""Negative binomial regression with theta estimated by maximum likelihood (``MASS::glm.nb``).

As ``glm.nb``: start from a Poisson fit, then alternate an IRLS fit of the coefficients at fixed theta with
the maximum-likelihood theta at fixed mu, until both stop moving.  Unlike ``glm.nb`` (which stops theta's
Newton iterations at a step of 1.2e-4 and evaluates theta with the means of the previous fit) each theta is
solved to full precision and the alternation continues until the joint maximum is reached.

Score and information for theta (w = prior weights):
    U(theta) = sum w [psi(theta + y) - psi(theta) + log(theta) + 1 - log(theta + mu) - (y + theta)/(mu + theta)]
    I(theta) = sum w [-psi'(theta + y) + psi'(theta) - 1/theta + 2/(mu + theta) - (y + theta)/(mu + theta)^2]
and SE(theta) = 1 / sqrt(I(theta)).

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
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from .._scipy import special

from ..design.sources import InMemorySource
from .irls import Control, FitState, irls
from ..errors import BoundaryWarning, FitError
from ..families import NegativeBinomial, Poisson

__all__ = ["theta_ml", "fit_negbin", "overdispersion_score", "poisson_limit_theta", "NegbinFit"]

#: mu^2 / theta is at most this fraction of mu at the reported Poisson-limit theta.
_LIMIT_RATIO = 1e-7


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


def _score_info(th: float, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    score = np.sum(w * (special.digamma(th + y) - special.digamma(th) + np.log(th) + 1.0
                        - np.log(th + mu) - (y + th) / (mu + th)))
    info = np.sum(w * (-special.polygamma(1, th + y) + special.polygamma(1, th) - 1.0 / th
                       + 2.0 / (mu + th) - (y + th) / (mu + th) ** 2))
    return float(score), float(info)


def _rounding(th: float, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """The rounding error of the summed score for theta: n eps times the sum of its terms' sizes (a flat
    likelihood, SE(theta) of 150 at theta = 34, leaves the score at 1e-14 with Newton steps of 1e-11 theta)."""
    with np.errstate(all="ignore"):
        size = np.sum(w * (np.abs(special.digamma(th + y)) + np.abs(special.digamma(th)) + abs(np.log(th)) + 1.0
                           + np.abs(np.log(th + mu)) + (y + th) / (mu + th)))
    return float(y.size * np.finfo(float).eps * size)


def overdispersion_score(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """S = sum w [(y - mu)^2 - y]: twice the derivative of the negative binomial log-likelihood in 1/theta at
    1/theta = 0 (the Poisson limit).  S <= 0 at the Poisson fit means the maximum-likelihood theta is infinite."""
    return float(np.sum(w * ((y - mu) ** 2 - y)))


def poisson_limit_theta(mu: np.ndarray) -> float:
    """The theta reported at the Poisson limit: 10^ceil(log10(max(1, max mu) / 1e-7)), so that
    mu^2 / theta <= 1e-7 mu in every row."""
    top = float(np.max(mu, initial=1.0))
    return float(10.0 ** math.ceil(math.log10(max(1.0, top) / _LIMIT_RATIO)))


def theta_ml(y: np.ndarray, mu: np.ndarray, w: np.ndarray, max_iter: int = 100, upper: float = math.inf
             ) -> tuple[float, float]:
    """Maximum-likelihood theta for fixed means, and its standard error (MASS's ``theta.ml``).  Newton's
    iterations stop as soon as theta passes ``upper`` (the Poisson limit), returning that theta."""
    pos = w > 0
    y, mu, w = y[pos], mu[pos], w[pos]
    flat = ("theta cannot be estimated: the negative binomial likelihood is flat in theta (is the response "
            "0 in (nearly) every row, or the variance no larger than the mean?); try Poisson")
    with np.errstate(all="ignore"):
        th = np.sum(w) / np.sum(w * (y / mu - 1.0) ** 2)  # MASS's moment start
    if not (np.isfinite(th) and th > 0):
        raise FitError(flat)
    for _ in range(max_iter):
        th = abs(th)
        if th > upper:
            return float(th), math.inf
        with np.errstate(all="ignore"):
            score, info = _score_info(th, y, mu, w)
        if not (np.isfinite(score) and np.isfinite(info)) or info == 0:
            raise FitError(flat + f" (at theta {th:.6g})")
        step = score / info
        if abs(score) <= _rounding(th, y, mu, w):  # the score is rounding noise: theta is as exact as it gets
            break
        th_new = th + step
        if th_new <= 0:  # Newton overshoot: halve towards zero instead
            th_new = th / 2
        if abs(th_new - th) <= 1e-12 * th:
            th = th_new
            break
        th = th_new
    else:
        raise FitError(f"theta did not converge in {max_iter} Newton steps (last theta {th:.6g}): "
                       "the data may not be overdispersed; try Poisson")
    _, info = _score_info(th, y, mu, w)
    return float(th), float(1.0 / np.sqrt(info)) if info > 0 else float("nan")


def _mu(source: InMemorySource, family, state: FitState) -> np.ndarray:
    b = np.where(state.kept, state.coef, 0.0)
    return family.link.inverse(source.X.matvec(b) + source.offset)


def _start(state: FitState) -> np.ndarray:
    return np.where(state.kept, state.coef, 0.0)


def _poisson_limit(source: InMemorySource, family: NegativeBinomial, control: Control, poisson: FitState,
                   mu: np.ndarray, why: str) -> NegbinFit:
    """The fit at the Poisson limit (see the module docstring), with its warning."""
    limit = poisson_limit_theta(mu[source.weights > 0])
    fixed = family.with_theta(limit)
    state = irls(source, fixed, control, _start(poisson))
    message = (f"{why}: the negative binomial fit is the Poisson fit, reported at theta = {limit:.0e} (where "
               "mu + mu^2/theta is mu to 1e-7) with an infinite standard error (MASS::glm.nb warns 'iteration "
               "limit reached' and stops at some large theta); fit Poisson() instead")
    return NegbinFit(state, fixed, math.inf, ((BoundaryWarning, message),))


def fit_negbin(source: InMemorySource, family: NegativeBinomial, control: Control, start: np.ndarray | None = None
               ) -> NegbinFit:
    """Alternate IRLS and theta's maximum likelihood to the joint optimum, or recognize the Poisson limit
    (see the module docstring)."""
    y, w = source.y, source.weights
    poisson = irls(source, Poisson(link=family.link), control, start)
    mu0 = _mu(source, family, poisson)
    score = overdispersion_score(y[w > 0], mu0[w > 0], w[w > 0])
    if not np.any(y[w > 0] > 0):
        # the Poisson means go to 0, where every theta fits equally well: nothing to estimate (glm.nb fails too)
        raise FitError("theta cannot be estimated: the response is 0 in every row, so every theta fits equally "
                       "well; try Poisson")
    if score <= 0:
        why = (f"no overdispersion: at the Poisson fit sum((y - mu)^2 - y) = {score:.4g} is not positive (the "
               "counts vary no more than Poisson counts), so the maximum-likelihood theta is infinite")
        return _poisson_limit(source, family, control, poisson, mu0, why)
    limit = poisson_limit_theta(mu0[w > 0])
    passed = f"hardly any overdispersion: the maximum-likelihood theta grows past {limit:.0e}"
    th, _ = theta_ml(y, mu0, w, upper=limit)
    state = poisson
    for _ in range(max(control.max_iter, 50)):
        if th > limit:
            return _poisson_limit(source, family, control, poisson, mu0, passed)
        fam = family.with_theta(th)
        before = _start(state)
        state = irls(source, fam, control, before)
        th_new, _ = theta_ml(y, _mu(source, fam, state), w, upper=limit)
        # joint maximum: theta stops moving, or the means do (then theta moves by its own rounding only, as on
        # a likelihood flat to rounding in theta, or with an intercept only, whose mean is the same at any theta)
        if abs(th_new - th) <= 1e-11 * th or np.allclose(_start(state), before, rtol=1e-10, atol=1e-12):
            th = th_new
            break
        th = th_new
    else:
        raise FitError(f"negative binomial theta did not converge (last theta {th:.6g})")
    if th > limit:
        return _poisson_limit(source, family, control, poisson, mu0, passed)
    fam = family.with_theta(th)
    state = irls(source, fam, control, _start(state))
    th, se = theta_ml(y, _mu(source, fam, state), w)
    return NegbinFit(state, family.with_theta(th), se)
