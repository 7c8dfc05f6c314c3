"""What every family is: the base class :class:`Family`, a bundle of pure functions (the pieces
:mod:`glmstat.families` lists), and the :class:`Domain` of a response or a mean (data, not code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._arguments import own_scalar, shown
from ..errors import FamilyError
from ..links import LINK_NAMES, Link, get_link

__all__ = ["Family", "Domain", "REALS", "NONNEGATIVE", "POSITIVE", "UNIT", "OPEN_UNIT", "MAX_DRAWN_COUNT",
           "draws_where"]

Array = np.ndarray
#: the largest count numpy's binomial, Poisson and negative binomial generators draw (2^62: theirs is 2^63 - 1);
#: beyond it a draw is NaN, as R's rbinom and rpois give NA
MAX_DRAWN_COUNT = 2.0**62


def draws_where(drawn: Array, draw) -> Array:
    """``draw()`` (the draws of the rows ``drawn``, in their order) in those rows, NaN in the others."""
    out = np.full(drawn.shape, np.nan)
    out[drawn] = draw()
    return out


@dataclass(frozen=True)
class Domain:
    """An interval of the real line: the support of the response or the valid range of mu."""

    low: float = -np.inf
    high: float = np.inf
    low_open: bool = True
    high_open: bool = True
    integer: bool = False

    def contains(self, x: Array) -> Array:
        """Elementwise membership test."""
        lo = (x > self.low) if self.low_open else (x >= self.low)
        hi = (x < self.high) if self.high_open else (x <= self.high)
        return lo & hi

    def __str__(self) -> str:
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open else "]"
        return f"{lo}{self.low:g}, {self.high:g}{hi}"


REALS = Domain()
NONNEGATIVE = Domain(0.0, np.inf, low_open=False)
POSITIVE = Domain(0.0, np.inf)
UNIT = Domain(0.0, 1.0, low_open=False, high_open=False)
OPEN_UNIT = Domain(0.0, 1.0)


# Near y = mu the deviances are differences of nearly equal numbers; bd0 and gamma_excess (see
# glmstat.densities) sum them as series there, so near-perfect fits and huge counts keep full accuracy.


@dataclass(frozen=True)
class Family:
    """Base class of the families; subclasses define the pieces listed in the module docstring.  The base class
    itself has no distribution and cannot be made (a FamilyError): ``isinstance(f, Family)`` and subclasses
    (a family of one's own) are its uses."""

    link: Link | str | None = None

    name: ClassVar[str] = ""
    default_link: ClassVar[str] = "identity"
    allowed_links: ClassVar[tuple[str, ...]] = ()
    fixed_dispersion: ClassVar[bool] = False
    extra_params: ClassVar[int] = 0
    y_domain: ClassVar[Domain] = REALS
    mu_domain: ClassVar[Domain] = REALS
    #: ((edge, V'(edge)), ...) where V(edge) = 0 and V'(edge) != 0 (see the module docstring); none by default,
    #: which keeps every diagnosis at such an edge as it is without the limit
    variance_zeros: ClassVar[tuple[tuple[float, float], ...]] = ()
    #: edges where V vanishes faster than linearly, V(mu) ~ |mu - edge|^k with k > 1 (Tweedie 1 < p < 2 at 0): a
    #: response there has a unit deviance whose slope in mu is infinite at the edge; none by default
    steep_variance_zeros: ClassVar[tuple[float, ...]] = ()
    has_likelihood: ClassVar[bool] = True
    binomial_response: ClassVar[bool] = False  # accepts cbind(), two-level factors and booleans
    #: links under which d(y, g^{-1}(eta)) is convex in eta for every y of ``y_domain`` (on the convex set of
    #: valid linear predictors); none by default: not known to be
    convex_links: ClassVar[tuple[str, ...]] = ()

    def __new__(cls, *args, **kwargs):
        # Family() had no variance or deviance (NotImplementedError from the fit's first pass), so every consumer
        # of a family had to refuse it by its exact type; made here, it never reaches one
        if cls is Family:
            concrete = ", ".join(f"glmstat.{name}()" for name in ("Gaussian", "Binomial", "Poisson", "Gamma",
                                                                  "InverseGaussian", "NegativeBinomial", "Tweedie"))
            raise FamilyError(f"family=glmstat.Family() is the base class of the families, with no distribution: it "
                              f"cannot be made; use one of the families, such as {concrete}, their quasi forms, "
                              "or a subclass of Family that defines the variance and deviance")
        return super().__new__(cls)

    def __post_init__(self) -> None:
        # ``allowed_links`` are R's okLinks, the family's usual ones; R's family functions take any other name
        # of make.link as a character string too (binomial("identity"), the linear probability model), and so
        # does glmstat: a mean such a link takes outside the family's range is refused or halved, as in R
        link = self.default_link if self.link is None else self.link
        if isinstance(link, str) and not own_scalar(link):  # (a subclass's __eq__ would run in the tests below)
            raise FamilyError(f"link must be a link's name or a glmstat.links.Link, got {shown(link)}")
        if isinstance(link, str) and link not in self.allowed_links and link not in LINK_NAMES:
            others = ", ".join(name for name in LINK_NAMES if name not in self.allowed_links)
            raise FamilyError(
                f"link {shown(link)} is not available for the {self.name} family; its usual links are "
                f"{', '.join(self.allowed_links)}, and R's others are {others} (or glmstat.links.Power(p))"
            )
        object.__setattr__(self, "link", get_link(link))

    # -- the family's pure functions -------------------------------------------------------------
    def variance(self, mu: Array) -> Array:
        raise NotImplementedError

    def unit_deviance(self, y: Array, mu: Array) -> Array:
        raise NotImplementedError

    def start_mu(self, y: Array, weights: Array) -> Array:
        """R's ``mustart``."""
        return np.asarray(y, dtype=float).copy()

    def valid_mu(self, mu: Array) -> bool:
        return bool(np.all(np.isfinite(mu)) and np.all(self.mu_domain.contains(mu)))

    @property
    def convex_deviance(self) -> bool:
        """Whether the deviance sum_i w_i d(y_i, g^{-1}(x_i'beta)) is convex in beta for any data: the link is
        one of ``convex_links`` (the registered link itself, not another of that name).  A fit with some
        coefficients held then has one optimum; otherwise (a cauchit, a Gamma identity link) it can have
        several."""
        return any(self.link is get_link(name) for name in self.convex_links)

    def ml_scale(self, deviance: float, nobs: int, sum_weights: float) -> float:
        """The dispersion R's ``aic`` plugs into the likelihood (Gaussian, Gamma, inverse Gaussian)."""
        return 1.0

    def loglik_terms(self, y: Array, mu: Array, weights: Array, trials: Array, scale: float) -> Array:
        """Per-row log-likelihood contributions (zero-weight rows contribute 0)."""
        raise NotImplementedError

    def simulate(self, mu: Array, weights: Array, dispersion: float, rng: np.random.Generator) -> Array:
        """A random response with mean mu and variance dispersion V(mu) / weights (weights > 0; binomial:
        the weights are the trials and the result a proportion), as R's ``family$simulate``."""
        raise FamilyError(f"the {self.name} family has no distribution to simulate responses from")

    def cdf(self, y: Array, mu: Array, weights: Array, dispersion: float, upper: bool = False) -> tuple[Array, Array]:
        """(P(Y < y), P(Y <= y)) for Y of the family's distribution with mean mu, prior weight (binomial: trials)
        ``weights`` and ``dispersion``; with ``upper`` (P(Y > y), P(Y >= y)).  Equal pairs for continuous
        families.  Used by randomized quantile residuals."""
        raise FamilyError(f"the {self.name} family has no distribution function (quasi families have none)")

    # -- derived ---------------------------------------------------------------------------------
    def deviance_residuals(self, y: Array, mu: Array, weights: Array) -> Array:
        """sign(y - mu) * sqrt(w d(y, mu))."""
        d = np.maximum(weights * self.unit_deviance(y, mu), 0.0)
        return np.sign(y - mu) * np.sqrt(d)

    @property
    def label(self) -> str:
        """How R prints the family in ``summary``: ``"binomial"``, ``"Negative Binomial(1.2)"``..."""
        return self.name

    def __str__(self) -> str:
        return f"{self.label} family, {self.link.name} link"
