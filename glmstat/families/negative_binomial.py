"""The negative binomial family (MASS's ``negative.binomial(theta)``, and ``glm.nb``'s estimated theta):
counts, V(mu) = mu + mu^2 / theta."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._arguments import plain_real, shown
from .._scipy import stats
from ..densities import log_dnbinom, nb_excess
from ..errors import FamilyError
from .base import MAX_DRAWN_COUNT, NONNEGATIVE, POSITIVE, Domain, Family, draws_where

__all__ = ["NegativeBinomial"]


@dataclass(frozen=True)
class NegativeBinomial(Family):
    """Negative binomial counts with shape theta: V(mu) = mu + mu^2 / theta.

    ``theta=None`` estimates theta by maximum likelihood alternating with IRLS (``MASS::glm.nb``);
    a number fixes it (``MASS::negative.binomial(theta)``), with dispersion 1 as ``glm.nb`` uses.
    """

    theta: float | None = None

    name: ClassVar[str] = "negative.binomial"
    default_link: ClassVar[str] = "log"
    allowed_links: ClassVar[tuple[str, ...]] = ("log", "identity", "sqrt")
    fixed_dispersion: ClassVar[bool] = True
    y_domain: ClassVar[Domain] = NONNEGATIVE
    mu_domain: ClassVar[Domain] = POSITIVE  # MASS: negative.binomial()$validmu is all(mu > 0)
    variance_zeros: ClassVar[tuple[tuple[float, float], ...]] = ((0.0, 1.0),)  # V'(0) = 1 + 2 * 0 / theta
    # (y + theta) log(e^eta + theta) - y eta; not the identity link's: a count of 0 has theta log(1 + mu / theta)
    convex_links: ClassVar[tuple[str, ...]] = ("log",)

    def __post_init__(self) -> None:
        super().__post_init__()
        # (a subclass of float or int is refused by its type: float() would run its __float__; a string is no
        # number, though float() reads "1_0 " as 10: MASS's fit of negative.binomial("1") stops, non-numeric; a
        # numpy complex one float() cast with numpy's ComplexWarning)
        t = self.theta
        if t is not None and not plain_real(t):
            raise FamilyError(f"theta must be a positive number, got {shown(t)}")
        if t is not None:
            try:
                theta = float(t)
            except OverflowError as e:  # (an int beyond double precision)
                raise FamilyError(f"theta must be a positive number, got {shown(t)}") from e
            if not (np.isfinite(theta) and theta > 0):
                raise FamilyError(f"theta must be a positive finite number, got {shown(self.theta)}")
            object.__setattr__(self, "theta", theta)

    @property
    def estimate_theta(self) -> bool:
        return self.theta is None

    def with_theta(self, theta: float) -> "NegativeBinomial":
        """The same family with theta fixed at ``theta``."""
        return NegativeBinomial(link=self.link, theta=theta)

    def _theta(self) -> float:
        if self.theta is None:
            raise FamilyError("NegativeBinomial(theta=None) has no theta until it is fitted")
        return self.theta

    def variance(self, mu):
        return mu + mu * mu / self._theta()

    def unit_deviance(self, y, mu):
        return 2.0 * nb_excess(y, mu, self._theta())  # R's formula, without its cancellation near y = mu

    def start_mu(self, y, weights):
        return y + (y == 0) / 6.0

    def simulate(self, mu, weights, dispersion, rng):
        th = self._theta()
        prob = th / (th + mu)
        drawn = (mu <= MAX_DRAWN_COUNT / 4) & (prob > 0)  # (a mean the generator cannot draw: NaN, as R's NA)
        return draws_where(drawn, lambda: rng.negative_binomial(th, prob[drawn]))

    def cdf(self, y, mu, weights, dispersion, upper=False):
        th = self._theta()
        prob = th / (th + mu)
        if upper:
            return stats.nbinom.sf(y, th, prob), stats.nbinom.sf(y - 1, th, prob)
        return stats.nbinom.cdf(y - 1, th, prob), stats.nbinom.cdf(y, th, prob)

    def loglik_terms(self, y, mu, weights, trials, scale):
        return weights * log_dnbinom(y, self._theta(), mu)  # R's formula, without its cancellation at large theta

    @property
    def label(self) -> str:
        """MASS's family name: ``Negative Binomial(1.2749)``, theta as ``format(round(theta, 4))``."""
        if self.theta is None:
            return "Negative Binomial"
        from ..formula.rounding import (
            r_round,  # R's round(), not Python's: round(2.12345, 4) is 2.1234 in R
        )
        from ..report.rformat import format_r  # R's format(), for this display text only

        return f"Negative Binomial({format_r([float(r_round(self.theta, 4))], 7)[0].strip()})"
