"""The Tweedie family (statmod's ``tweedie(var.power, link.power)``): V(mu) = mu^p, with the compound
Poisson-gamma distribution for 1 < p < 2."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._arguments import own_scalar, real_type, shown
from .._scipy import stats
from ..densities import tweedie_excess
from ..errors import FamilyError
from ..links import MAX_POWER, TweediePower
from .base import NONNEGATIVE, POSITIVE, REALS, Domain, Family
from .gamma import Gamma
from .gaussian import Gaussian
from .inverse_gaussian import InverseGaussian
from .poisson import Poisson

__all__ = ["Tweedie"]


def _readable_power(value: object, what: str) -> bool:
    """Whether ``value`` is a Tweedie power ``float()`` may read: Python's or numpy's own int or float (float()
    would run a subclass's ``__float__``, and read a numeric string: "0" is no number); for ``link_power`` also
    None (the default, 1 - var_power) and never a bool (a bool ``var_power`` is refused by its range)."""
    if what == "link_power" and (value is None or isinstance(value, (bool, np.bool_))):
        return value is None
    return own_scalar(value) and real_type(value)


@dataclass(frozen=True)
class Tweedie(Family):
    """Tweedie family (statmod's ``tweedie``): V(mu) = mu^var_power, link eta = mu^link_power.

    ``link_power`` defaults to ``1 - var_power`` as in statmod; ``0`` is the log link.  The dispersion
    is estimated and, as in statmod, there is no AIC.
    """

    var_power: float = 0.0
    link_power: float | None = None

    name: ClassVar[str] = "Tweedie"
    has_likelihood: ClassVar[bool] = False

    def __init__(self, var_power: float = 0.0, link_power: float | None = None, link: None = None) -> None:
        # explicit so that Tweedie(1.5) sets var_power, as documented (``link`` is inherited, unused)
        object.__setattr__(self, "link", link)
        object.__setattr__(self, "var_power", var_power)
        object.__setattr__(self, "link_power", link_power)
        self.__post_init__()

    def __post_init__(self) -> None:
        v = self.var_power
        for what, value in (("var_power", v), ("link_power", self.link_power)):
            if not _readable_power(value, what):
                raise FamilyError(f"{what} must be a number, got {shown(value)}")
        try:
            p = float(v)
        except (TypeError, ValueError) as e:
            raise FamilyError(f"var_power must be a number, got {shown(v)}") from e
        except OverflowError:  # a Python int beyond double precision
            p = math.inf
        # beyond MAX_POWER, mu^p is 0, 1 or inf for every double mu (and the deviance's series overflows)
        if isinstance(v, (bool, np.bool_)) or not abs(p) <= MAX_POWER:
            raise FamilyError(f"var_power must be a finite number from {-MAX_POWER:g} to {MAX_POWER:g} (beyond, "
                              f"mu^var_power is 0, 1 or infinite for every mean a double holds), got {shown(v)}")
        if 0 < p < 1:
            raise FamilyError(
                f"var_power={shown(self.var_power)}: no Tweedie distribution exists for 0 < var_power < 1 "
                "(use 0 for normal, 1 for Poisson, 1 < p < 2 for compound Poisson, 2 for gamma)"
            )
        object.__setattr__(self, "var_power", p)
        lp = 1.0 - p if self.link_power is None else self.link_power
        if self.link is not None:
            raise FamilyError("Tweedie takes link_power=, not link= (0 is the log link, 1 identity)")
        object.__setattr__(self, "link", TweediePower(lp))
        object.__setattr__(self, "link_power", float(lp))

    @property
    def y_domain(self) -> Domain:  # type: ignore[override]
        p = self.var_power
        return REALS if p == 0 else NONNEGATIVE if p < 2 else POSITIVE

    @property
    def mu_domain(self) -> Domain:  # type: ignore[override]
        # statmod's validmu: TRUE for p = 0, mu >= 0 for p > 0, mu > 0 for p < 0
        p = self.var_power
        return REALS if p == 0 else NONNEGATIVE if p > 0 else POSITIVE

    @property
    def variance_zeros(self) -> tuple[tuple[float, float], ...]:  # type: ignore[override]
        # mu^p vanishes linearly at 0 only for p = 1 (for 1 < p < 2, V'(0) = 0 and the limit is infinite)
        return ((0.0, 1.0),) if self.var_power == 1 else ()

    @property
    def steep_variance_zeros(self) -> tuple[float, ...]:  # type: ignore[override]
        # for 1 < p < 2 a response of 0 is in the domain and d(0, mu) = 2 mu^(2-p) / (2-p) rises infinitely fast
        return (0.0,) if 1 < self.var_power < 2 else ()

    @property
    def convex_deviance(self) -> bool:  # type: ignore[override]
        """The log link for 1 <= p <= 2 (d/2 = y e^((1-p) eta) / (p-1) + e^((2-p) eta) / (2-p) + c: two convex
        terms; at p = 1, 2 the Poisson's and the Gamma's) and the identity for p = 0 (Gaussian); other pairs are
        not known to be convex (an even root, mu = eta^2, fits -eta as eta)."""
        p, lp = self.var_power, self.link_power
        return (lp == 0 and 1 <= p <= 2) or (lp == 1 and p == 0)

    def variance(self, mu):
        return mu**self.var_power

    def unit_deviance(self, y, mu):
        # statmod's tweedie()$dev.resids, including its y + 0.1 (y == 0) device; where y and mu are positive the
        # same quantity without its cancellation near y = mu (statmod's loses ~1e-4 relative of a deviance
        # residual of 1e-6 there: tweedie_excess)
        p = self.var_power
        y1 = y + 0.1 * (y == 0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # (mu^(1-p) of a tiny mean is inf, as R's)
            theta = np.log(y1 / mu) if p == 1 else (y1 ** (1 - p) - mu ** (1 - p)) / (1 - p)
            kappa = np.log(y1 / mu) if p == 2 else (y ** (2 - p) - mu ** (2 - p)) / (2 - p)
            statmod = 2.0 * (y * theta - kappa)
            pos = (np.asarray(y) > 0) & (np.asarray(mu) > 0)
            if not np.any(pos):
                return statmod
            return np.where(pos, 2.0 * tweedie_excess(np.where(pos, y, 1.0), np.where(pos, mu, 1.0), p), statmod)

    def start_mu(self, y, weights):
        return y + 0.1 * (y == 0)

    def cdf(self, y, mu, weights, dispersion, upper=False):
        p, phi = self.var_power, dispersion / weights
        if p == 0:
            return Gaussian().cdf(y, mu, 1.0 / phi, 1.0, upper)
        if p == 1:  # y / phi is Poisson(mu / phi)
            return Poisson().cdf(y / phi, mu / phi, 1.0, 1.0, upper)
        if p == 2:
            return Gamma().cdf(y, mu, 1.0 / phi, 1.0, upper)
        if p == 3:
            return InverseGaussian().cdf(y, mu, 1.0 / phi, 1.0, upper)
        if not 1 < p < 2:
            raise FamilyError(f"no distribution function for the Tweedie family with var_power {p:g} (available: "
                              "0, 1 < var_power < 2, 2 and 3)")
        return _compound_poisson_cdf(y, mu, phi, p, upper)

    @property
    def label(self) -> str:
        """statmod's family name, ``Tweedie``, as R's summary, anova and print show it (the powers are in the
        Call line, ``tweedie(var.power = 1.5, link.power = 0)``)."""
        return "Tweedie"

    def __str__(self) -> str:
        return f"Tweedie family (var.power = {self.var_power:g}), {self.link.name} link"


def _compound_poisson_cdf(y, mu, phi, p, upper):
    """Tweedie with 1 < p < 2: N ~ Poisson(lambda) gamma(alpha, gamma) jumps, lambda = mu^(2-p) / (phi (2-p)),
    alpha = (2-p) / (p-1), gamma = phi (p-1) mu^(p-1); P(Y <= y) = sum_n P(N = n) P(Gamma(n alpha, gamma) <= y),
    summed over n up to lambda + 12 sqrt(lambda) + 40, past which the Poisson tail is below 1e-17.  A mass
    exp(-lambda) at 0."""
    y, mu, phi = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (y, mu, phi)))
    lam = mu ** (2 - p) / (phi * (2 - p))
    alpha, scale = (2 - p) / (p - 1), phi * (p - 1) * mu ** (p - 1)
    peak = float(np.max(lam, initial=0.0))
    top = int(peak + 12 * np.sqrt(peak) + 40)  # the Poisson tail beyond is below 1e-17
    below = np.zeros(y.shape)  # P(0 < Y <= y) (or P(Y > y) with upper)
    for n in range(1, top + 1):
        tail = stats.gamma.sf if upper else stats.gamma.cdf
        below += stats.poisson.pmf(n, lam) * tail(y, n * alpha, scale=scale)
    zero = np.exp(-lam)
    if upper:  # P(Y > y), P(Y >= y): at y = 0 these are 1 - P(Y = 0) and 1
        return np.where(y > 0, below, 1 - zero), np.where(y > 0, below, 1.0)
    return np.where(y > 0, zero + below, 0.0), zero + np.where(y > 0, below, 0.0)
