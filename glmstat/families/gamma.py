"""The Gamma family (R's ``Gamma()``): positive responses, V(mu) = mu^2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._scipy import stats
from ..densities import gamma_excess, log_dgamma
from .base import POSITIVE, Domain, Family

__all__ = ["Gamma"]


@dataclass(frozen=True)
class Gamma(Family):
    """Positive continuous responses: V(mu) = mu^2, d(y, mu) = -2 (log(y / mu) - (y - mu) / mu)."""

    name: ClassVar[str] = "Gamma"
    default_link: ClassVar[str] = "inverse"
    allowed_links: ClassVar[tuple[str, ...]] = ("inverse", "identity", "log")
    extra_params: ClassVar[int] = 1
    y_domain: ClassVar[Domain] = POSITIVE
    mu_domain: ClassVar[Domain] = POSITIVE
    # y eta - log eta (inverse), y e^-eta + eta (log); not y / mu + log mu (identity: concave beyond mu = 2y)
    convex_links: ClassVar[tuple[str, ...]] = ("inverse", "log")

    def variance(self, mu):
        return mu * mu

    def unit_deviance(self, y, mu):
        return 2.0 * gamma_excess(y, mu)

    def ml_scale(self, deviance, nobs, sum_weights):
        return deviance / sum_weights

    def simulate(self, mu, weights, dispersion, rng):
        shape = weights / dispersion  # the moment estimate of the shape (R's uses MASS::gamma.shape)
        return rng.gamma(shape, mu / shape)

    def cdf(self, y, mu, weights, dispersion, upper=False):
        shape = weights / dispersion
        p = (stats.gamma.sf if upper else stats.gamma.cdf)(y, shape, scale=mu / shape)
        return p, p

    def loglik_terms(self, y, mu, weights, trials, scale):
        # R: w * dgamma(y, shape = 1 / disp, scale = mu * disp, log = TRUE) with disp = dev / sum(w)
        if not scale > 0:  # an exact fit: the ML dispersion is 0 and the density degenerate
            return np.full(np.shape(y), np.nan)
        t = log_dgamma(y, 1.0 / scale, mu * scale)  # as R's dgamma: accurate for the huge shapes of tiny dispersions
        return np.where(weights > 0, weights * t, 0.0)
