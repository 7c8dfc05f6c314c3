"""Link functions g(mu) = eta, with R's numerical safeguards.

A link is a small immutable bundle of pure functions: ``link`` (mu -> eta), ``inverse`` (eta -> mu),
``mu_eta`` (d mu / d eta) and ``valid_eta``.  The clamps follow R's ``make.link`` exactly (for example the
logit inverse saturates at |eta| > 30; the log inverse never returns less than machine epsilon and, as in
R, has no upper clamp: exp(eta) = inf makes a step invalid, and the engine halves it), so that fitted
values, working weights and residuals agree with R's to the last digit.  The functions never emit numpy
floating-point warnings: callers test their results for inf/NaN instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from ._scipy import special

from ._arguments import own_scalar, plain_real, shown
from .errors import FamilyError

__all__ = ["Link", "Power", "TweediePower", "get_link", "domain_limits", "power_name", "tweedie_power_name",
           "LINK_NAMES", "MAX_POWER"]

_EPS = np.finfo(float).eps
Array = np.ndarray


@dataclass(frozen=True)
class Link:
    """A GLM link function.

    Attributes
    ----------
    name : str
        R's name of the link (``"logit"``, ``"1/mu^2"``, ``"mu^0.333"`` for ``Power(1/3)``...): a display text,
        which two power links can share (R rounds their power to 3 decimals); they differ in ``recipe``.
    link : callable
        eta = g(mu).
    inverse : callable
        mu = g^{-1}(eta).
    mu_eta : callable
        d mu / d eta evaluated at eta.
    valid_eta : callable
        True when every eta lies in the link's domain.
    domain : str
        Where g^{-1} is the link's one-to-one map onto its means, as data: ``"real"`` (every eta),
        ``"positive"`` (eta > 0: ``sqrt``, ``1/mu^2`` and the power links, whose inverse is NaN, or not monotone,
        below 0) or ``"nonzero"`` (``inverse``: each side of 0 separately).  A confidence interval of eta is cut
        to the side that holds the estimate before it is mapped to the mean.
    """

    name: str
    link: Callable[[Array], Array] = field(repr=False, compare=False)
    inverse: Callable[[Array], Array] = field(repr=False, compare=False)
    mu_eta: Callable[[Array], Array] = field(repr=False, compare=False)
    valid_eta: Callable[[Array], bool] = field(repr=False, compare=False, default=lambda eta: True)
    # (maker, args), e.g. (Power, (0.3,)): compared, as the name of a power link is rounded (Power(0.3331) and
    # Power(0.3334) are both "mu^0.333", as in R) and must not make two different links equal
    recipe: tuple | None = field(default=None, repr=False)
    domain: str = field(default="real", repr=False, compare=False)

    def __reduce__(self):
        # pickled by what makes it (its functions are closures): a fitted model must pickle and load
        if self.recipe is not None:
            return self.recipe
        if _LINKS.get(self.name) is self:
            return (get_link, (self.name,))
        return super().__reduce__()

    def __post_init__(self) -> None:
        # Outside the valid domain (eta <= 0 for inverse links, negative powers...) the functions return
        # inf/NaN, which callers test for; they must not also spray numpy RuntimeWarnings at the user.
        for attr in ("link", "inverse", "mu_eta"):
            fn = getattr(self, attr)
            if not getattr(fn, "_quiet", False):
                object.__setattr__(self, attr, _quiet(fn))

    def __str__(self) -> str:
        return self.name


def _quiet(fn: Callable[[Array], Array]) -> Callable[[Array], Array]:
    def wrapped(x: Array) -> Array:
        with np.errstate(all="ignore"):
            return fn(x)

    wrapped._quiet = True  # type: ignore[attr-defined]
    return wrapped


def _logit_inverse(eta: Array) -> Array:
    # R's C_logit_linkinv: saturate at |eta| > 30 so mu stays strictly inside (0, 1).
    e = np.exp(np.clip(eta, -30.0, 30.0))
    e = np.where(eta < -30.0, _EPS, np.where(eta > 30.0, 1.0 / _EPS, e))
    return e / (1.0 + e)


def _logit_mu_eta(eta: Array) -> Array:
    e = np.exp(-np.abs(np.clip(eta, -30.0, 30.0)))
    d = e / (1.0 + e) ** 2
    return np.where(np.abs(eta) > 30.0, _EPS, d)


#: R's thresholds -qnorm(eps) and -qcauchy(eps), beyond which the probit and cauchit inverses are clamped
#: (R's double of -qnorm(eps) exactly: scipy's -ndtri(eps) is one ulp above it)
_PROBIT_T = float.fromhex("0x1.04074bdbf8864p+3")  # 8.125890664701906
_CAUCHIT_T = 1.0 / np.tan(np.pi * _EPS)
_SQRT_2PI = np.sqrt(2.0 * np.pi)


def _cloglog_mu_eta(eta: Array) -> Array:
    eta = np.minimum(eta, 700.0)
    with np.errstate(over="ignore"):
        return np.maximum(np.exp(eta) * np.exp(-np.exp(eta)), _EPS)


def _cauchit_inverse(eta: Array) -> Array:
    """R's pcauchy at eta clamped to +/- -qcauchy(eps): beyond |eta| = 1 from atan(1 / eta) / pi, so that mu keeps
    its relative precision however small (0.5 + atan(eta) / pi keeps only the absolute one)."""
    eta = np.clip(eta, -_CAUCHIT_T, _CAUCHIT_T)
    with np.errstate(divide="ignore"):
        tail = np.arctan(1.0 / eta) / np.pi
    mu = np.where(np.abs(eta) > 1.0, np.where(eta > 0, 0.5 - tail + 0.5, -tail), 0.5 + np.arctan(eta) / np.pi)
    return mu if mu.ndim else mu[()]


def _cauchit_link(mu: Array) -> Array:
    """R's qcauchy: -1 / tan(pi mu) up to 1/2 and 1 / tan(pi (1 - mu)) above (exactly -1 and 1 at 1/4 and 3/4, as
    R's tanpi), so that a mean near 0 keeps its relative precision (tan(pi (mu - 1/2)) loses it: 1e-7 of eta at
    mu = 1e-10, a binomial start of weight 1e8)."""
    mu = np.asarray(mu, dtype=float)
    q = np.minimum(mu, 1.0 - mu)  # (exact for mu above 1/2)
    with np.errstate(divide="ignore"):
        cot = np.where(q == 0.25, 1.0, 1.0 / np.tan(np.pi * q))
    eta = np.where(mu == 0.5, 0.0, np.where(mu > 0.5, cot, -cot))
    return eta if eta.ndim else eta[()]


def _nonzero(eta: Array) -> bool:
    return bool(np.all(np.isfinite(eta)) and np.all(eta != 0))


def _positive(eta: Array) -> bool:
    return bool(np.all(np.isfinite(eta)) and np.all(eta > 0))


def _identity(x: Array) -> Array:
    return x


_LINKS: dict[str, Link] = {
    "identity": Link("identity", _identity, _identity, lambda eta: np.ones_like(eta)),
    "log": Link(  # as R: no upper clamp; exp(eta) = inf makes the step invalid and it is halved
        "log",
        np.log,
        lambda eta: np.maximum(np.exp(eta), _EPS),
        lambda eta: np.maximum(np.exp(eta), _EPS),
    ),
    "logit": Link("logit", lambda mu: np.log(mu / (1.0 - mu)), _logit_inverse, _logit_mu_eta),  # as R's C code
    "probit": Link(
        "probit",
        lambda mu: special.ndtri(mu),
        lambda eta: special.ndtr(np.clip(eta, -_PROBIT_T, _PROBIT_T)),
        lambda eta: np.maximum(np.exp(-0.5 * eta * eta) / _SQRT_2PI, _EPS),
    ),
    "cloglog": Link(
        "cloglog",
        lambda mu: np.log(-np.log1p(-mu)),
        lambda eta: np.clip(-np.expm1(-np.exp(np.minimum(eta, 709.0))), _EPS, 1.0 - _EPS),
        _cloglog_mu_eta,
    ),
    "cauchit": Link(
        "cauchit",
        _cauchit_link,
        _cauchit_inverse,
        lambda eta: np.maximum(1.0 / (np.pi * (1.0 + eta * eta)), _EPS),
    ),
    "inverse": Link(
        "inverse",
        lambda mu: 1.0 / mu,
        lambda eta: 1.0 / eta,
        lambda eta: -1.0 / (eta * eta),
        _nonzero,
        domain="nonzero",
    ),
    "1/mu^2": Link(
        "1/mu^2",
        lambda mu: 1.0 / (mu * mu),
        lambda eta: 1.0 / np.sqrt(eta),
        lambda eta: -1.0 / (2.0 * eta**1.5),
        _positive,
        domain="positive",
    ),
    # R: eta > 0
    "sqrt": Link("sqrt", np.sqrt, lambda eta: eta * eta, lambda eta: 2.0 * eta, _positive, domain="positive"),
}

LINK_NAMES: tuple[str, ...] = tuple(_LINKS)


#: Largest |power| of a power link or a Tweedie variance: beyond it mu^p is 0, 1 or inf for every double mu
#: (|log mu| >= 1.1e-16 for any mu but 1, so |p log mu| > 1,100, and exp() overflows beyond 709.8 and
#: underflows to 0 beyond 745)
MAX_POWER = 1e19


def _power(p) -> float:
    # R's power() refuses what is.numeric() is not (invalid argument 'lambda'): a string such as "0.5", which
    # float() read, and TRUE; and float() would run a subclass's __float__ (code that came with the value)
    if not plain_real(p):
        raise FamilyError(f"Power link needs a number, got {shown(p)}")
    try:
        p = float(p)
    except OverflowError:  # a Python int beyond double precision
        raise FamilyError(f"Power link needs a finite power, got {shown(p)}") from None
    if not np.isfinite(p):
        raise FamilyError(f"Power link needs a finite power, got {p}")
    if abs(p) > MAX_POWER:
        raise FamilyError(f"Power link needs a power from {-MAX_POWER:g} to {MAX_POWER:g}, got {p:g} (beyond, mu^p "
                          "is 0, 1 or infinite for every mean a double holds)")
    return p


def _r_number(x: float) -> str:
    """``as.character(x)`` of a double in R: 15 significant digits, fixed or scientific as R chooses."""
    from .report.rformat import format_r  # R's format(), for this display text only

    return format_r([x], 15)[0].strip()


def power_name(p: float) -> str:
    """R's name of ``power(p)``, ``paste0("mu^", round(p, 3))``: ``"mu^0.333"`` for p = 1/3 (and ``"mu^0"`` for
    a power below 0.0005, as R names it).  A negative power (statmod's link; R's ``power()`` gives the log link)
    is named as statmod's ``tweedie`` names it, :func:`tweedie_power_name`."""
    from .formula.rounding import r_round  # R's round(), not Python's

    return f"mu^{_r_number(float(r_round(p, 3)))}" if p > 0 else tweedie_power_name(p)


def tweedie_power_name(p: float) -> str:
    """statmod's name of ``tweedie(link.power = p)``, ``paste("mu^", as.character(p), sep = "")``:
    ``"mu^0.333333333333333"`` for p = 1/3, ``"mu^-0.5"``."""
    return f"mu^{_r_number(p)}"


def Power(p: float) -> Link:
    """The power link eta = mu^p (R's ``power(p)`` for p > 0, statmod's for p < 0); ``Power(0)`` is log.

    Parameters
    ----------
    p : float
        The power. ``1`` gives identity, ``0.5`` sqrt, ``-1`` inverse, ``-2`` 1/mu^2, as in R.
    """
    p = _power(p)
    if p == 0:
        return _LINKS["log"]
    if p == 1:
        return _LINKS["identity"]
    if p == 0.5:
        return _LINKS["sqrt"]
    if p == -1:
        return _LINKS["inverse"]
    if p == -2:
        return _LINKS["1/mu^2"]
    inv = 1.0 / p
    if p < 0:
        # R's power() turns any negative power into the log link; statmod's tweedie() uses the plain power
        # link (no clamps), which is what a negative power means.
        return Link(power_name(p), lambda mu: mu**p, lambda eta: eta**inv, lambda eta: inv * eta ** (inv - 1.0),
                    _positive, recipe=(Power, (p,)), domain="positive")
    return Link(
        power_name(p),
        lambda mu: mu**p,
        lambda eta: np.maximum(eta**inv, _EPS),
        lambda eta: np.maximum(inv * eta ** (inv - 1.0), _EPS),
        _positive,
        recipe=(Power, (p,)),
        domain="positive",
    )


def TweediePower(p: float) -> Link:
    """statmod's ``tweedie(link.power = p)`` link: eta = mu^p with no clamps and no domain check on eta
    (its ``valideta`` is always TRUE; a step whose mean is not finite is halved through the deviance);
    ``p = 0`` is R's log link.  Unlike :func:`Power`, ``TweediePower(0.5)`` accepts eta < 0 (mu = eta^2).

    Parameters
    ----------
    p : float
        The link power.
    """
    p = _power(p)
    if p == 0:
        return _LINKS["log"]
    inv = 1.0 / p
    # (no domain check in the fit, as statmod's; for intervals the domain: eta^(1/p) is monotone over the reals
    # (each side of 0 for p < 0) when 1/p is an odd integer, else NaN or not monotone below 0)
    return Link(tweedie_power_name(p), lambda mu: mu**p, lambda eta: eta**inv,
                lambda eta: inv * eta ** (inv - 1.0), recipe=(TweediePower, (p,)), domain=_odd_power_domain(inv))


def _odd_power_domain(inv: float) -> str:
    """The ``Link.domain`` of eta -> eta^inv without clamps: ``"real"`` (``"nonzero"`` for inv < 0) when inv is an
    odd integer, as numpy's power is then defined and monotone below 0; else ``"positive"``."""
    odd = abs(inv) < 2.0**53 and inv == round(inv) and int(inv) % 2 == 1
    return "positive" if not odd else "real" if inv > 0 else "nonzero"


def eta_outside(link: Link, eta: Array) -> np.ndarray:
    """Row by row, whether eta fails the link's ``valid_eta`` (R's valideta, which tests a whole vector): where
    the whole vector passes, no row; else the rows outside ``Link.domain`` -- not finite, or not above 0
    (``"positive"``), or 0 (``"nonzero"``).  (Each link's ``valid_eta`` is this test of its ``domain``, or
    always true.)"""
    eta = np.asarray(eta, dtype=float)
    if link.valid_eta(eta):
        return np.zeros(eta.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        outside = ~np.isfinite(eta)
        if link.domain == "positive":
            outside |= ~(eta > 0)
        elif link.domain == "nonzero":
            outside |= eta == 0
    return outside


def domain_limits(link: Link, eta: Array, lo: Array, hi: Array) -> tuple[Array, Array]:
    """Confidence limits [lo, hi] of eta cut to the side of the link's domain that holds eta (``Link.domain``):
    at 0 for a ``"positive"`` link where eta > 0, and for ``"nonzero"`` at 0 on eta's side (-0.0 below 0, where
    1/eta is -inf); NaN where eta is outside the domain.  g^{-1} is one-to-one and monotone on what is left, so
    the limits of the mean are g^{-1} of these (emmeans' links cut at 0 too: ``1/sqrt(pmax(0, eta))``)."""
    if link.domain == "real":
        return lo, hi
    with np.errstate(invalid="ignore"):
        above, below = eta > 0, eta < 0
        outside = ~above if link.domain == "positive" else ~(above | below)
        lo = np.where(outside, np.nan, np.where(above, np.maximum(lo, 0.0), lo))
        hi = np.where(outside, np.nan, np.where(below, np.minimum(hi, -0.0), hi))
    return lo, hi


def get_link(link: str | Link) -> Link:
    """Return the ``Link`` for a name or pass a ``Link`` through."""
    if isinstance(link, Link):
        return link
    if isinstance(link, str) and own_scalar(link) and link in _LINKS:  # (a str subclass's __eq__ never runs)
        return _LINKS[link]
    raise FamilyError(
        f"unknown link {shown(link)}; links are {', '.join(LINK_NAMES)} or glmstat.links.Power(p)"
    )
