"""Exponential-dispersion families, each a small bundle of pure functions as in R's ``family`` objects.

A family provides
  * ``variance(mu)`` -- V(mu);
  * ``unit_deviance(y, mu)`` -- d(y, mu), so the deviance is sum_i w_i d(y_i, mu_i);
  * ``start_mu(y, weights)`` -- R's starting values (``initialize``);
  * ``valid_mu(mu)`` and the response domain ``y_domain`` (data, not code);
  * ``variance_zeros`` -- the edges e of the mean domain where V vanishes linearly, with V'(e) (data): there
    a response at the edge has a score term w mu'(eta) (e - mu) / V(mu) whose limit as mu -> e is
    -w mu'(eta_e) / V'(e), which the boundary diagnosis needs (the quotient itself is 0/0 there);
    ``steep_variance_zeros`` -- the edges where V vanishes faster than linearly, where that limit is infinite;
  * ``loglik_terms(y, mu, weights, trials, scale)`` -- per-row log-likelihood, exactly as R's ``family$aic``
    (``None`` for quasi families, which have no likelihood);
  * ``fixed_dispersion`` -- dispersion 1 and z tests (binomial, Poisson, negative binomial) or estimated
    dispersion and t tests; ``extra_params`` -- parameters beyond the coefficients that R's ``logLik``
    counts (the ML dispersion of Gaussian, Gamma and inverse Gaussian);
  * ``convex_links`` -- the links under which every row's unit deviance is convex in its linear predictor,
    for every response (data; ``convex_deviance`` says whether the family's own link is one of them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from ._scipy import stats

from .densities import bd0, gamma_excess, nb_excess, tweedie_excess, log_dbinom, log_dgamma, log_dnbinom, log_dpois
from .distributions import normal_cdf, normal_sf
from ._arguments import is_one_of, own_scalar, plain_real, real_type, shown
from .errors import FamilyError
from .links import LINK_NAMES, MAX_POWER, Link, TweediePower, get_link

__all__ = [
    "Family",
    "Domain",
    "Gaussian",
    "Binomial",
    "Poisson",
    "Gamma",
    "InverseGaussian",
    "NegativeBinomial",
    "Tweedie",
    "QuasiPoisson",
    "QuasiBinomial",
    "Quasi",
    "get_family",
]

Array = np.ndarray
#: the largest count numpy's binomial, Poisson and negative binomial generators draw (2^62: theirs is 2^63 - 1);
#: beyond it a draw is NaN, as R's rbinom and rpois give NA
_MAX_DRAWN_COUNT = 2.0**62


def _draws_where(drawn: Array, draw) -> Array:
    """``draw()`` (the draws of the rows ``drawn``, in their order) in those rows, NaN in the others."""
    out = np.full(drawn.shape, np.nan)
    out[drawn] = draw()
    return out
_BINOMIAL_LINKS = ("logit", "probit", "cloglog", "cauchit", "log")


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
            concrete = ", ".join(f"glmstat.{c.__name__}()" for c in (Gaussian, Binomial, Poisson, Gamma,
                                                                     InverseGaussian, NegativeBinomial, Tweedie))
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
        return 2.0 * (bd0(y, mu) + bd0(1.0 - y, 1.0 - mu))

    def start_mu(self, y, weights):
        return (weights * y + 0.5) / (weights + 1.0)

    def simulate(self, mu, weights, dispersion, rng):
        m = np.round(weights)
        # R's binomial()$simulate refuses too ("cannot simulate from non-integer prior.weights"): k successes
        # of round(w) trials, refitted with weight w, are no draw from the fitted model (a weight of 0.4 was
        # rounded to 0 trials, a proportion 0/0).  (Rounding error of a computed weight, 1e-8 of it, is let pass.)
        bad = np.abs(np.asarray(weights, dtype=float) - m) > 1e-8 * np.maximum(m, 1.0)
        if np.any(bad):
            first = float(np.asarray(weights, dtype=float)[np.argmax(bad)])
            raise FamilyError(f"cannot simulate binomial responses from non-integer trials (prior weights): "
                              f"{int(bad.sum())} row(s), the first with {shown(first)}; the trials of a "
                              "binomial response are whole numbers")
        drawn = m <= _MAX_DRAWN_COUNT
        return _draws_where(drawn, lambda: rng.binomial(m[drawn].astype(np.int64), mu[drawn]) / m[drawn])

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
        drawn = mu <= _MAX_DRAWN_COUNT / 4  # (numpy's Poisson generator takes means up to about 9.2e18)
        return _draws_where(drawn, lambda: rng.poisson(mu[drawn]))

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
        drawn = (mu <= _MAX_DRAWN_COUNT / 4) & (prob > 0)  # (a mean the generator cannot draw: NaN, as R's NA)
        return _draws_where(drawn, lambda: rng.negative_binomial(th, prob[drawn]))

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
        from .formula.rounding import r_round  # R's round(), not Python's: round(2.12345, 4) is 2.1234 in R
        from .report.rformat import format_r  # R's format(), for this display text only

        return f"Negative Binomial({format_r([float(r_round(self.theta, 4))], 7)[0].strip()})"


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


_BY_NAME = {
    "gaussian": Gaussian, "normal": Gaussian, "binomial": Binomial, "logistic": Binomial,
    "poisson": Poisson, "gamma": Gamma, "inverse.gaussian": InverseGaussian,
    "inverse_gaussian": InverseGaussian, "inversegaussian": InverseGaussian,
    "negative.binomial": NegativeBinomial, "negative_binomial": NegativeBinomial,
    "negativebinomial": NegativeBinomial, "negbin": NegativeBinomial, "nb": NegativeBinomial,
    "quasipoisson": QuasiPoisson, "quasibinomial": QuasiBinomial, "quasi": Quasi,
}


def get_family(name: str, link: str | None = None) -> Family:
    """A family by (case-insensitive) name, as the command line names it: ``binomial``, ``Gamma``..."""
    cls = _BY_NAME.get(name.lower() if isinstance(name, str) and own_scalar(name) else None)  # (not a subclass's)
    if cls is None:
        raise FamilyError(
            f"unknown family {shown(name)}; families are gaussian, binomial, poisson, gamma, inverse.gaussian, "
            "negative.binomial, quasipoisson, quasibinomial, quasi (Tweedie from Python: glmstat.Tweedie)"
        )
    return cls(link=link)
