"""The reference distributions of the tests and intervals -- standard normal, Student's t, chi-square and F --
as tail probabilities and quantiles.

They are scipy.special's ufuncs, the ones scipy.stats itself evaluates for these distributions (``ndtr``,
``ndtri``, ``stdtr``, ``stdtrit``, ``chdtrc``, ``fdtrc``), with scipy.stats' answers outside the support
(a negative chi-square or F statistic has upper tail 1) and for invalid degrees of freedom (NaN).  Calling
them directly spares a fresh process importing scipy.stats (over a second) for its first summary, anova
table or confidence interval; importing scipy.special costs a third of that, and a fit has usually paid it.

R computes the same functions (``pnorm``, ``qnorm``, ``pt``, ``qt``, ``pchisq``, ``pf``); the algorithms
differ, the values agree to the last few digits.
"""

from __future__ import annotations

import math

import numpy as np

from ._scipy import special

__all__ = ["normal_sf", "normal_cdf", "normal_quantile", "normal_pdf", "t_sf", "t_quantile", "interval_quantile",
           "chi2_sf", "f_sf"]

_SQRT_2PI = math.sqrt(2.0 * math.pi)


def normal_sf(x):
    """P(Z > x) for a standard normal Z (R's ``pnorm(x, lower.tail = FALSE)``): Phi(-x), accurate far into
    the upper tail."""
    return special.ndtr(np.negative(x, dtype=float))


def normal_cdf(x):
    """P(Z <= x) = Phi(x) (R's ``pnorm(x)``)."""
    return special.ndtr(np.asarray(x, dtype=float))


def normal_quantile(q):
    """Phi^{-1}(q) (R's ``qnorm(q)``): -inf at 0, inf at 1, NaN outside [0, 1]."""
    return special.ndtri(np.asarray(q, dtype=float))


def normal_pdf(x):
    """phi(x) = exp(-x^2 / 2) / sqrt(2 pi) (R's ``dnorm(x)``)."""
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * x * x) / _SQRT_2PI


def t_sf(x, df):
    """P(T > x) for Student's t with ``df`` = n > 0 degrees of freedom (R's ``pt(x, df, lower.tail = FALSE)``).

    scipy's ``stdtr``, except near 0 (x^2 < 1e-8 min(n, 1)), where it cancels (3e-9 relative error at x = 1e-8):
    there, as R's ``pt``, P(|T| > |x|) = 1 - I_{x^2/(n+x^2)}(1/2, n/2), I the regularized incomplete beta.  (Only
    that near: scipy 1.10's incomplete beta of a large n/2 is inaccurate, 4e-10 relative at n = 1e6, which made
    pt(0.3, 1e6) 6e-11 from R's; below |x| = 1e-4 it is 2e-14 from R's at n = 1e6.)
    """
    x, n = np.asarray(x, dtype=float), np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        x2 = x * x
        both = 1.0 - special.betainc(0.5, n / 2.0, x2 / (n + x2))
        near = np.where(x >= 0, 0.5 * both, 1.0 - 0.5 * both)
        return np.where((x2 < 1e-8 * np.minimum(n, 1.0)) & np.isfinite(n), near, special.stdtr(n, -x))[()]


def _t_density(x, n):
    """The density of Student's t with n degrees of freedom at x (for the Newton steps of :func:`t_quantile`)."""
    return np.exp(special.gammaln((n + 1.0) / 2.0) - special.gammaln(n / 2.0) - 0.5 * np.log(n * math.pi)
                  - (n + 1.0) / 2.0 * np.log1p(x * x / n))


def t_quantile(q, df):
    """The q quantile of Student's t with ``df`` > 0 degrees of freedom (R's ``qt(q, df)``): -inf at 0.

    scipy's ``stdtrit`` of the smaller tail (exact: 1 - q for q > 1/2), polished as R's ``qt`` polishes its
    approximation: Newton steps on :func:`t_sf` (R's ``pt``) until a step is below 1e-14 of the quantile
    (scipy 1.10's stdtrit alone was 2e-11 relative from R's).
    """
    q, n = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(df, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        tail = np.where(q > 0.5, 1.0 - q, q)
        t = -special.stdtrit(n, tail)  # (>= 0: the upper tail's quantile)
        polish = (tail > 0) & (tail < 0.5) & np.isfinite(t) & (t > 0) & np.isfinite(n) & (n > 0) & (n <= 1e20)
        for _ in range(10):
            if not polish.any():
                break
            y = _t_density(t, n)
            step = (t_sf(t, n) - tail) / y
            polish &= (y > 0) & np.isfinite(step) & (np.abs(step) > 1e-14 * np.abs(t))
            t = np.where(polish, t + step * (1.0 + step * t * (n + 1.0) / (2.0 * (t * t + n))), t)
        out = np.where(q > 0.5, t, -t)
        out = np.where(q == 0.5, 0.0, out)
    return np.where((q == 0.0) | (q == 1.0), np.where(n > 0, np.where(q == 0.0, -np.inf, np.inf), np.nan), out)[()]


def interval_quantile(level: float, df: float = math.inf) -> float:
    """The q of a two-sided ``level`` interval, estimate -/+ q se: the upper (1 - level) / 2 quantile of the
    standard normal, or of Student's t with ``df`` degrees of freedom (R's ``-qnorm((1 - level) / 2)``, as
    emmeans and ``confint.default``'s lower limit compute it).

    Taken from the lower tail, whose probability (1 - level) / 2 is exact: the upper one, 0.5 + level / 2,
    rounds to a multiple of 2^-53 near 1, so it lost the tail's digits as the level neared 1 (q 1.7e-3 too
    small at level 1 - 1e-15) and was 1, an infinite q, at the largest level below 1.
    """
    tail = (1.0 - level) / 2.0
    return float(-(normal_quantile(tail) if math.isinf(df) else t_quantile(tail, df)))


def chi2_sf(x, df):
    """P(X > x) for a chi-square with ``df`` > 0 degrees of freedom (R's ``pchisq(x, df, lower.tail =
    FALSE)``): 1 for x <= 0, NaN for df <= 0."""
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        p = special.chdtrc(df, np.maximum(np.asarray(x, dtype=float), 0.0))
        return np.where(df > 0, p, np.nan)[()]


def f_sf(x, dfn, dfd):
    """P(F > x) for an F distribution with ``dfn``, ``dfd`` > 0 degrees of freedom (R's ``pf(x, dfn, dfd,
    lower.tail = FALSE)``): 1 for x <= 0, NaN for a df <= 0."""
    dfn, dfd = np.asarray(dfn, dtype=float), np.asarray(dfd, dtype=float)
    with np.errstate(invalid="ignore"):
        p = special.fdtrc(dfn, dfd, np.maximum(np.asarray(x, dtype=float), 0.0))
        return np.where((dfn > 0) & (dfd > 0), p, np.nan)[()]
