"""The inverse Gaussian family (R's ``inverse.gaussian()``): positive responses, V(mu) = mu^3."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._scipy import stats
from .base import POSITIVE, Domain, Family

__all__ = ["InverseGaussian"]


@dataclass(frozen=True)
class InverseGaussian(Family):
    """Positive continuous responses: V(mu) = mu^3, d(y, mu) = (y - mu)^2 / (y mu^2)."""

    name: ClassVar[str] = "inverse.gaussian"
    default_link: ClassVar[str] = "1/mu^2"
    allowed_links: ClassVar[tuple[str, ...]] = ("1/mu^2", "inverse", "identity", "log")
    extra_params: ClassVar[int] = 1
    y_domain: ClassVar[Domain] = POSITIVE
    mu_domain: ClassVar[Domain] = POSITIVE
    convex_links: ClassVar[tuple[str, ...]] = ("1/mu^2", "inverse")  # y eta - 2 sqrt(eta), y eta^2 - 2 eta (+ 1/y)

    def variance(self, mu):
        return mu**3

    def unit_deviance(self, y, mu):
        return (y - mu) ** 2 / (y * mu * mu)

    def valid_mu(self, mu):
        return True  # as R: inverse.gaussian()$validmu is TRUE

    def simulate(self, mu, weights, dispersion, rng):
        return rng.wald(mu, weights / dispersion)  # Wald(mean mu, shape lambda): variance mu^3 / lambda

    def cdf(self, y, mu, weights, dispersion, upper=False):
        lam = weights / dispersion  # the shape; scipy's invgauss(mu / lambda, scale = lambda)
        p = (stats.invgauss.sf if upper else stats.invgauss.cdf)(y, mu / lam, scale=lam)
        return p, p

    def ml_scale(self, deviance, nobs, sum_weights):
        return deviance / sum_weights

    def loglik_terms(self, y, mu, weights, trials, scale):
        # R: -2 logLik = sum(w) (1 + log(2 pi disp)) + 3 sum(w log y), disp = dev / sum(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = -0.5 * (weights * (1.0 + np.log(2 * np.pi * scale)) + 3.0 * weights * np.log(y))
        return np.where(weights > 0, t, 0.0)
