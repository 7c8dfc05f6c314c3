"""Negative binomial regression with theta estimated by maximum likelihood (``MASS::glm.nb``).

As ``glm.nb``: start from a Poisson fit, then alternate an IRLS fit of the coefficients at fixed theta with
the maximum-likelihood theta at fixed mu, until both stop moving.  Unlike ``glm.nb`` (which stops theta's
Newton iterations at a step of 1.2e-4 and evaluates theta with the means of the previous fit) each theta is
solved to full precision and the alternation continues until the joint maximum is reached.

Score and information for theta (w = prior weights):
    U(theta) = sum w [psi(theta + y) - psi(theta) + log(theta) + 1 - log(theta + mu) - (y + theta)/(mu + theta)]
    I(theta) = sum w [-psi'(theta + y) + psi'(theta) - 1/theta + 2/(mu + theta) - (y + theta)/(mu + theta)^2]
and SE(theta) = 1 / sqrt(I(theta)).
"""

from __future__ import annotations

import numpy as np
from .._scipy import special

from ..design.sources import InMemorySource
from .irls import Control, FitState, irls
from ..errors import FitError
from ..families import NegativeBinomial, Poisson

__all__ = ["theta_ml", "fit_negbin"]


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


def theta_ml(y: np.ndarray, mu: np.ndarray, w: np.ndarray, max_iter: int = 100) -> tuple[float, float]:
    """Maximum-likelihood theta for fixed means, and its standard error (MASS's ``theta.ml``)."""
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


def fit_negbin(source: InMemorySource, family: NegativeBinomial, control: Control, start: np.ndarray | None = None
               ) -> tuple[FitState, NegativeBinomial, float]:
    """Alternate IRLS and theta's maximum likelihood to the joint optimum (see the module docstring).

    Returns the IRLS state at the final theta, the family with that theta fixed (the fitter of the null model,
    as ``glm.nb`` computes its null deviance), and theta's standard error.
    """
    y, w = source.y, source.weights
    state = irls(source, Poisson(link=family.link), control, start)
    th, _ = theta_ml(y, _mu(source, family, state), w)
    for _ in range(max(control.max_iter, 50)):
        fam = family.with_theta(th)
        state = irls(source, fam, control, np.where(state.kept, state.coef, 0.0))
        th_new, _ = theta_ml(y, _mu(source, fam, state), w)
        if abs(th_new - th) <= 1e-11 * th:
            th = th_new
            break
        th = th_new
    else:
        raise FitError(f"negative binomial theta did not converge (last theta {th:.6g})")
    fam = family.with_theta(th)
    state = irls(source, fam, control, np.where(state.kept, state.coef, 0.0))
    th, se = theta_ml(y, _mu(source, fam, state), w)
    return state, family.with_theta(th), se
