"""The binomial family and its quasi form (R's ``binomial()``, ``quasibinomial()``): V(mu) = mu (1 - mu),
the response a proportion of trials, a 0/1 outcome, a two-level factor or ``cbind(successes, failures)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._arguments import shown
from .._scipy import stats
from ..densities import bd0, log_dbinom
from ..errors import FamilyError
from .base import MAX_DRAWN_COUNT, OPEN_UNIT, UNIT, Domain, Family, draws_where

__all__ = ["Binomial", "QuasiBinomial"]


_BINOMIAL_LINKS = ("logit", "probit", "cloglog", "cauchit", "log")


@dataclass(frozen=True)
class Binomial(Family):
    """Binomial proportions y = successes / trials with prior weight = trials: V(mu) = mu (1 - mu)."""

    name: ClassVar[str] = "binomial"
    default_link: ClassVar[str] = "logit"
    allowed_links: ClassVar[tuple[str, ...]] = _BINOMIAL_LINKS
    fixed_dispersion: ClassVar[bool] = True
    y_domain: ClassVar[Domain] = UNIT
    mu_domain: ClassVar[Domain] = OPEN_UNIT
    variance_zeros: ClassVar[tuple[tuple[float, float], ...]] = ((0.0, 1.0), (1.0, -1.0))  # mu (1 - mu)
    binomial_response: ClassVar[bool] = True
    # -(y log F(eta) + (1 - y) log(1 - F(eta))) with F and 1 - F log-concave (not the cauchit's)
    convex_links: ClassVar[tuple[str, ...]] = ("logit", "probit", "cloglog", "log", "identity")

    def variance(self, mu):
        return mu * (1.0 - mu)

    def unit_deviance(self, y, mu):
        # 2 (y log(y/mu) + (1-y) log((1-y)/(1-mu))); the linear terms bd0 adds cancel
        y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
        if y.ndim == 1 and y.shape == mu.shape and not (y * (1.0 - y)).any():
            # (0/1 outcomes: -2 log mu or -2 log(1 - mu), one term and nothing to cancel, in a fifth of bd0's time:
            # the deviance at every estimate is summed row by row)
            with np.errstate(divide="ignore", invalid="ignore"):
                return -2.0 * np.where(y > 0.0, np.log(mu), np.log1p(-mu))
        return 2.0 * (bd0(y, mu) + bd0(1.0 - y, 1.0 - mu))

    def start_mu(self, y, weights):
        return (weights * y + 0.5) / (weights + 1.0)

    def simulate(self, mu, weights, dispersion, rng):
        m = np.round(weights)
        # R's binomial()$simulate refuses too ("cannot simulate from non-integer prior.weights"): k successes
        # of round(w) trials, refitted with weight w, are no draw from the fitted model (a weight of 0.4 was
        # rounded to 0 trials, a proportion 0/0).  (Rounding error of a computed weight, 1e-8 of it, is let pass.)
        bad = np.abs(np.asarray(weights, dtype=float) - m) > 1e-8 * np.maximum(m, 1.0)
        # (a positive weight within that tolerance of no trial, 1e-20, drew 0 successes of 0 trials: 0 / 0, NaN
        # after numpy's warning; R's test, wts %% 1 != 0, refuses it)
        bad |= (m == 0) & (np.asarray(weights, dtype=float) > 0)
        if np.any(bad):
            first = float(np.asarray(weights, dtype=float)[np.argmax(bad)])
            raise FamilyError(f"cannot simulate binomial responses from non-integer trials (prior weights): "
                              f"{int(bad.sum())} row(s), the first with {shown(first)}; the trials of a "
                              "binomial response are whole numbers")
        drawn = m <= MAX_DRAWN_COUNT
        return draws_where(drawn, lambda: rng.binomial(m[drawn].astype(np.int64), mu[drawn]) / m[drawn])

    def cdf(self, y, mu, weights, dispersion, upper=False):
        m = np.round(weights)  # the trials; y a proportion of them
        k = np.round(y * m)
        if upper:
            return stats.binom.sf(k, m, mu), stats.binom.sf(k - 1, m, mu)
        return stats.binom.cdf(k - 1, m, mu), stats.binom.cdf(k, m, mu)

    def loglik_terms(self, y, mu, weights, trials, scale):
        # R: m = trials if any trial > 1 else the prior weights; (w / m) * dbinom(round(m y), round(m), mu)
        m = trials if np.any(trials > 1) else weights
        k, size = np.round(m * y), np.round(m)
        logpmf = log_dbinom(k, size, mu)  # Loader's form, as R's dbinom: accurate for huge trials
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(m > 0, (weights / np.where(m > 0, m, 1.0)) * logpmf, 0.0)


@dataclass(frozen=True)
class QuasiBinomial(Binomial):
    """Binomial variance with an estimated dispersion; no likelihood."""

    name: ClassVar[str] = "quasibinomial"
    fixed_dispersion: ClassVar[bool] = False
    has_likelihood: ClassVar[bool] = False
    simulate = Family.simulate
    cdf = Family.cdf
