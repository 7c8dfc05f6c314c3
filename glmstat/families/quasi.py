"""R's ``quasi(link, variance)``: a variance function and a link, no likelihood."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._arguments import is_one_of, shown
from ..densities import bd0, gamma_excess
from ..errors import FamilyError
from ..links import Link
from .base import NONNEGATIVE, OPEN_UNIT, POSITIVE, REALS, UNIT, Domain, Family
from .binomial import Binomial
from .gamma import Gamma
from .gaussian import Gaussian
from .inverse_gaussian import InverseGaussian
from .poisson import Poisson

__all__ = ["Quasi"]


_QUASI_VARIANCES = ("constant", "mu(1-mu)", "mu", "mu^2", "mu^3")


@dataclass(frozen=True)
class Quasi(Family):
    """Quasi-likelihood with a chosen variance function; estimated dispersion, no likelihood."""

    variance_name: str = "constant"

    name: ClassVar[str] = "quasi"
    allowed_links: ClassVar[tuple[str, ...]] = (
        "logit", "probit", "cloglog", "identity", "inverse", "log", "1/mu^2", "sqrt",
    )
    has_likelihood: ClassVar[bool] = False

    def __init__(self, link: Link | str | None = None, variance: str = "constant") -> None:
        if not is_one_of(variance, _QUASI_VARIANCES):
            raise FamilyError(f"unknown quasi variance {shown(variance)}; use one of {', '.join(_QUASI_VARIANCES)}")
        object.__setattr__(self, "variance_name", variance)
        object.__setattr__(self, "link", link)
        self.__post_init__()

    @property
    def y_domain(self) -> Domain:  # type: ignore[override]
        # R's quasi() checks no response; a zero is fitted where its deviance is finite: "mu^2" reads it as R does
        # (below), "mu^3" divides by y (R stops with a non-finite deviance)
        return {"constant": REALS, "mu(1-mu)": UNIT, "mu": NONNEGATIVE, "mu^2": NONNEGATIVE}.get(self.variance_name,
                                                                                              POSITIVE)

    @property
    def mu_domain(self) -> Domain:  # type: ignore[override]
        # R's quasi()$validmu: TRUE for a constant variance, 0 < mu < 1 for mu(1-mu), mu > 0 otherwise
        return {"constant": REALS, "mu(1-mu)": OPEN_UNIT}.get(self.variance_name, POSITIVE)

    @property
    def variance_zeros(self) -> tuple[tuple[float, float], ...]:  # type: ignore[override]
        # (mu^2 and mu^3 vanish faster than linearly at 0: no finite limit there)
        return {"mu": ((0.0, 1.0),), "mu(1-mu)": ((0.0, 1.0), (1.0, -1.0))}.get(self.variance_name, ())

    @property
    def convex_links(self) -> tuple[str, ...]:  # type: ignore[override]
        # the quasi-deviance of each variance is the deviance of the family that has it (Gaussian, binomial,
        # Poisson, Gamma, inverse Gaussian), and so are the links under which it is convex
        return {"constant": Gaussian.convex_links, "mu(1-mu)": Binomial.convex_links, "mu": Poisson.convex_links,
                "mu^2": Gamma.convex_links, "mu^3": InverseGaussian.convex_links}[self.variance_name]

    def variance(self, mu):
        v = self.variance_name
        if v == "constant":
            return np.ones_like(mu)
        if v == "mu(1-mu)":
            return mu * (1.0 - mu)
        return mu ** {"mu": 1, "mu^2": 2, "mu^3": 3}[v]

    def unit_deviance(self, y, mu):
        v = self.variance_name
        if v == "constant":
            return (y - mu) ** 2
        if v == "mu(1-mu)":
            return 2.0 * (bd0(y, mu) + bd0(1.0 - y, 1.0 - mu))
        if v == "mu":
            return 2.0 * bd0(y, mu)
        if v == "mu^2":
            # R: pmax(-2 (log(ifelse(y == 0, 1, y) / mu) - (y - mu) / mu), 0), so 2 max(log(mu) - 1, 0) at y = 0
            dev = 2.0 * gamma_excess(y, mu)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(y == 0, 2.0 * np.maximum(np.log(mu) - 1.0, 0.0), dev) if np.any(y == 0) else dev
        return (y - mu) ** 2 / (y * mu * mu)

    def start_mu(self, y, weights):
        v = self.variance_name
        if v == "constant":
            return np.asarray(y, dtype=float).copy()
        if v == "mu(1-mu)":
            return np.clip(y, 0.001, 0.999)
        return y + 0.1 * (y == 0)

    @property
    def label(self) -> str:
        return "quasi"
