"""The Gaussian family (R's ``gaussian()``): normal errors, V(mu) = 1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..distributions import normal_cdf, normal_sf
from .base import Array, Family

__all__ = ["Gaussian"]


@dataclass(frozen=True)
class Gaussian(Family):
    """Normal errors: V(mu) = 1, d(y, mu) = (y - mu)^2."""

    name: ClassVar[str] = "gaussian"
    allowed_links: ClassVar[tuple[str, ...]] = ("identity", "log", "inverse")
    extra_params: ClassVar[int] = 1
    convex_links: ClassVar[tuple[str, ...]] = ("identity",)

    def variance(self, mu: Array) -> Array:
        return np.ones_like(mu)

    def unit_deviance(self, y: Array, mu: Array) -> Array:
        return (y - mu) ** 2

    def ml_scale(self, deviance: float, nobs: int, sum_weights: float) -> float:
        return deviance / nobs

    def simulate(self, mu, weights, dispersion, rng):
        return rng.normal(mu, np.sqrt(dispersion / weights))

    def cdf(self, y, mu, weights, dispersion, upper=False):
        z = (y - mu) * np.sqrt(weights / dispersion)
        p = normal_sf(z) if upper else normal_cdf(z)
        return p, p

    def loglik_terms(self, y, mu, weights, trials, scale):
        # R: -2 logLik = n (log(2 pi dev / n) + 1) - sum(log w)
        with np.errstate(divide="ignore"):
            t = -0.5 * (np.log(2 * np.pi * scale) + 1.0 - np.log(weights))
        return np.where(weights > 0, t, 0.0)
