"""The Poisson family and its quasi form (R's ``poisson()``, ``quasipoisson()``): counts, V(mu) = mu."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._scipy import stats
from ..densities import bd0, log_dpois
from .base import MAX_DRAWN_COUNT, NONNEGATIVE, POSITIVE, Domain, Family, draws_where

__all__ = ["Poisson", "QuasiPoisson"]


@dataclass(frozen=True)
class Poisson(Family):
    """Counts: V(mu) = mu, d(y, mu) = 2 (y log(y / mu) - (y - mu))."""

    name: ClassVar[str] = "poisson"
    default_link: ClassVar[str] = "log"
    allowed_links: ClassVar[tuple[str, ...]] = ("log", "identity", "sqrt")
    fixed_dispersion: ClassVar[bool] = True
    y_domain: ClassVar[Domain] = NONNEGATIVE
    mu_domain: ClassVar[Domain] = POSITIVE
    variance_zeros: ClassVar[tuple[tuple[float, float], ...]] = ((0.0, 1.0),)
    convex_links: ClassVar[tuple[str, ...]] = ("log", "identity", "sqrt")  # (sqrt: eta^2 - 2 y log eta, eta > 0)

    def variance(self, mu):
        return mu

    def unit_deviance(self, y, mu):
        return 2.0 * bd0(y, mu)

    def start_mu(self, y, weights):
        return y + 0.1

    def simulate(self, mu, weights, dispersion, rng):
        drawn = mu <= MAX_DRAWN_COUNT / 4  # (numpy's Poisson generator takes means up to about 9.2e18)
        return draws_where(drawn, lambda: rng.poisson(mu[drawn]))

    def cdf(self, y, mu, weights, dispersion, upper=False):
        if upper:  # prior weights are not part of the Poisson distribution (as statmod's qresiduals)
            return stats.poisson.sf(y, mu), stats.poisson.sf(y - 1, mu)
        return stats.poisson.cdf(y - 1, mu), stats.poisson.cdf(y, mu)

    def loglik_terms(self, y, mu, weights, trials, scale):
        out = weights * log_dpois(y, mu)  # Loader's form, as R's dpois: accurate for huge counts
        # as R's dpois, a count more than 1e-7 (relative) from a whole number has probability 0: the
        # log-likelihood is -inf and the AIC inf (the fit warns that they are not defined)
        frac = np.abs(y - np.rint(y)) > 1e-7 * np.maximum(1.0, np.abs(y))
        return np.where(frac & (weights > 0), -np.inf, out) if frac.any() else out


@dataclass(frozen=True)
class QuasiPoisson(Poisson):
    """Poisson variance with an estimated dispersion; no likelihood."""

    name: ClassVar[str] = "quasipoisson"
    fixed_dispersion: ClassVar[bool] = False
    has_likelihood: ClassVar[bool] = False
    simulate = Family.simulate
    cdf = Family.cdf
