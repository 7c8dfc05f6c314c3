"""R's normal and logistic distribution functions and its gamma and beta functions, as a formula calls them:
``y ~ qlogis(p)``, ``pnorm(x, 10, 2, lower.tail = FALSE)``, ``lgamma(n + 1)``.

Each takes R's arguments by position or by name, columns or numbers, and gives R's values where R's are not
the textbook's: NaN for a negative scale (with a scale of 0 the normal is a step at its mean, the logistic's
quantile its location), the tails and logarithms computed directly (``pnorm(-40, log.p = TRUE)`` is
-804.6084, not log(0)), and R's poles of the gamma and beta functions (``gamma(0)`` NaN, ``lgamma(0)`` Inf,
``beta(-1, 2)`` NaN).  For z = (x - m) / s:

    dnorm = phi(z) / s,  pnorm = Phi(z),  qnorm(p) = m + s Phi^-1(p),
    dlogis = e^-|z| / (s (1 + e^-|z|)^2),  plogis = 1 / (1 + e^-z),  qlogis(p) = m + s log(p / (1 - p)).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .._scipy import special
from .call_arguments import Builtin, bind, binary, column_or_number, flag, numeric, unary
from .nodes import Call
from .values import Value

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["DISTRIBUTION_FUNCTIONS"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _distribution(params: tuple[str, ...], defaults: tuple[float, float], flags: tuple[str, ...],
                  compute: Callable[..., Any]) -> Builtin:
    """A d/p/q function of R's signature ``(x, location, scale, *flags)``: ``compute(x, location, scale,
    *flag values)`` on float arrays."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        a = bind(call, params + flags)
        values = [numeric(ev.eval(a[p]), call, p) if p in a else d for p, d in zip(params, (None, *defaults))]
        switches = [flag(ev.eval(a[f]), call, f) if f in a else f == "lower.tail" for f in flags]
        arrays = [np.asarray(v, dtype=float) for v in values]
        with np.errstate(all="ignore"):
            r = compute(*arrays, *switches)
        missing = np.isnan(arrays[0]) | np.isnan(arrays[1]) | np.isnan(arrays[2])  # (R: NaN in, NaN out)
        return column_or_number(np.where(missing, np.nan, r), values)
    return apply


def _dnorm(x, m, s, log):
    z = (x - m) / s
    d = -0.5 * z * z - _LOG_SQRT_2PI - np.log(s)
    d = d if log else np.exp(d)
    point = np.where(x == m, np.inf, -np.inf if log else 0.0)  # (s = 0: all the mass at m)
    return np.where(s > 0, d, np.where(s == 0, point, np.nan))


def _pnorm(q, m, s, lower, log):
    z = (q - m) / s
    z = z if lower else -z
    p = special.log_ndtr(z) if log else special.ndtr(z)
    below = (q < m) if lower else (q >= m)  # (s = 0: a step at m)
    step = np.where(below, -np.inf if log else 0.0, 0.0 if log else 1.0)
    return np.where(s > 0, p, np.where(s == 0, step, np.nan))


def _qnorm(p, m, s, lower, log):
    z = special.ndtri_exp(p) if log else special.ndtri(p)
    z = z if lower else -z
    return np.where(s > 0, m + s * z, np.where(s == 0, m, np.nan))


def _dlogis(x, m, s, log):
    z = np.abs((x - m) / s)
    d = -z - 2.0 * np.log1p(np.exp(-z)) - np.log(s)
    return np.where(s > 0, d if log else np.exp(d), np.nan)


def _plogis(q, m, s, lower, log):
    z = (q - m) / s
    z = z if lower else -z
    return np.where(s > 0, special.log_expit(z) if log else special.expit(z), np.nan)


def _log1mexp(lp):
    """log(1 - e^lp) for lp <= 0, without cancellation (R's R_Log1_Exp): log(-expm1(lp)) near 0, log1p(-e^lp)
    below -log 2."""
    return np.where(lp > -math.log(2.0), np.log(-np.expm1(lp)), np.log1p(-np.exp(lp)))


def _qlogis(p, m, s, lower, log):
    # log(p / (1 - p)); from log p where log.p: log p - log(1 - p)
    z = p - _log1mexp(p) if log else special.logit(p)
    z = z if lower else -z
    return np.where(s > 0, m + s * z, np.where(s == 0, m, np.nan))


def _pole(x: np.ndarray) -> np.ndarray:
    """0 and the negative integers: the poles of the gamma function."""
    return (x <= 0) & (x == np.floor(x))


def _gamma(x):
    return np.where(_pole(x), np.nan, special.gamma(x))  # (R: NaN at a pole, not +-Inf)


#: below this R's lgamma is -log|x| (its "denormalized range"; scipy's gammaln overflows to Inf for subnormal x)
_TINY = 1e-306


def _lgamma(x):
    with np.errstate(divide="ignore"):
        tiny = -np.log(np.abs(x))
    return np.where(_pole(x), np.inf, np.where(np.abs(x) < _TINY, tiny, special.gammaln(x)))  # log |Gamma(x)|


def _lbeta(a, b):
    """R's lbeta of positive a and b: -Inf where one is infinite; where the smaller is below 1e-306, its
    lgamma (-log p, :func:`_lgamma`) plus lgamma(q) - lgamma(p + q), as R splits it (scipy's betaln: Inf)."""
    p, q = np.minimum(a, b), np.maximum(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        tiny = -np.log(p) + (special.gammaln(q) - special.gammaln(p + q))
        r = np.where(p < _TINY, tiny, special.betaln(a, b))
    return np.where(np.isinf(q), -np.inf, r)


def _beta(a, b):
    """R's beta of positive a and b: 0 where one is infinite (scipy's: NaN where both are)."""
    return np.where(np.isinf(a) | np.isinf(b), 0.0, special.beta(a, b))


def _digamma(x):
    return np.where(_pole(x), np.nan, special.psi(x))


def _trigamma(x):
    r = special.polygamma(1, x)
    # (R: Inf at a pole, NaN where 1/x^2 overflows off one, x < 1e-154)
    return np.where(_pole(x), np.inf, np.where(np.isinf(r), np.nan, r))


def _on_positive(fn: Callable[[np.ndarray, np.ndarray], Any]) -> Callable[[np.ndarray, np.ndarray], Any]:
    """``fn(a, b)`` (the beta function or its log) for positive arguments, R's values elsewhere: NaN for a
    negative argument, Inf where one is 0 (scipy continues B(a, b) to negative a and b)."""
    def apply(a, b):
        edge = np.where((a < 0) | (b < 0), np.nan, np.inf)
        return np.where((a > 0) & (b > 0), fn(a, b), np.where(np.isnan(a) | np.isnan(b), np.nan, edge))
    return apply


_NORMAL, _LOGISTIC = ("mean", "sd"), ("location", "scale")

#: name -> function, merged into the formula's functions (:data:`glmstat.formula.functions.BUILTINS`)
DISTRIBUTION_FUNCTIONS: dict[str, Builtin] = {
    "dnorm": _distribution(("x",) + _NORMAL, (0.0, 1.0), ("log",), _dnorm),
    "pnorm": _distribution(("q",) + _NORMAL, (0.0, 1.0), ("lower.tail", "log.p"), _pnorm),
    "qnorm": _distribution(("p",) + _NORMAL, (0.0, 1.0), ("lower.tail", "log.p"), _qnorm),
    "dlogis": _distribution(("x",) + _LOGISTIC, (0.0, 1.0), ("log",), _dlogis),
    "plogis": _distribution(("q",) + _LOGISTIC, (0.0, 1.0), ("lower.tail", "log.p"), _plogis),
    "qlogis": _distribution(("p",) + _LOGISTIC, (0.0, 1.0), ("lower.tail", "log.p"), _qlogis),
    "gamma": unary(_gamma), "lgamma": unary(_lgamma), "digamma": unary(_digamma),
    "trigamma": unary(_trigamma), "beta": binary(_on_positive(_beta), ("a", "b")),
    "lbeta": binary(_on_positive(_lbeta), ("a", "b")),
}
