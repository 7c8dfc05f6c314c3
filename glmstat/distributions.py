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
    x, n = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(df, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.asarray(special.stdtr(n, -x), dtype=float)
        x2 = x * x
        at = (x2 < 1e-8 * np.minimum(n, 1.0)) & np.isfinite(n)
        if at.any():  # (the incomplete beta only there: it costs as much as stdtr)
            xa, na, x2a = x[at], n[at], x2[at]
            both = 1.0 - special.betainc(0.5, na / 2.0, x2a / (na + x2a))
            out[at] = np.where(xa >= 0, 0.5 * both, 1.0 - 0.5 * both)
        return out[()]


def _t_log_density(x, n):
    """The log density of Student's t with n degrees of freedom at x (for the Newton steps of :func:`t_quantile`:
    far out, at t = 1e100, the density itself underflows)."""
    return special.gammaln((n + 1.0) / 2.0) - special.gammaln(n / 2.0) - 0.5 * np.log(n * math.pi) \
        - (n + 1.0) / 2.0 * np.log1p(x * x / n)


def t_quantile(q, df):
    """The q quantile of Student's t with ``df`` > 0 degrees of freedom (R's ``qt(q, df)``): -inf at 0.

    scipy's ``stdtrit`` of the smaller tail (exact: 1 - q for q > 1/2), polished as R's ``qt`` polishes its
    approximation, by Newton steps on :func:`t_sf` (R's ``pt``) until a step is below 1e-14 of the quantile:
    scipy 1.10's stdtrit alone was 2e-11 relative from R's.  Far out, where stdtrit fails (scipy 1.10 stops
    near 1e100, scipy 1.17 gives +inf, the wrong end, for stdtrit(3, 1e-300)), the start is the tail's power
    law instead; the steps are taken on log t against log pt, which near the root is Newton's step and far out
    is exact for a power law (the density there, 1e-400, underflows).
    """
    q, n = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(df, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        tail = np.where(q > 0.5, 1.0 - q, q)
        inside = (tail > 0) & (tail < 0.5) & np.isfinite(n) & (n > 0) & (n <= 1e20)
        t = -special.stdtrit(n, tail)  # (>= 0: the upper tail's quantile)
        if inside.any():
            far = np.exp((special.gammaln((n + 1.0) / 2.0) - special.gammaln(n / 2.0) - 0.5 * np.log(n * math.pi)
                          + (n - 1.0) / 2.0 * np.log(n) - np.log(tail)) / n)
            t = np.where(inside & (_miss(t, tail, n) > _miss(far, tail, n)), far, t)
        polish = inside & np.isfinite(t) & (t > 0)
        for _ in range(20):
            if not polish.any():
                break
            sf = t_sf(t, n)
            step = np.log(sf / tail) * np.exp(np.log(sf) - np.log(t) - _t_log_density(t, n))  # (in log t)
            new = t * np.exp(step)
            polish &= np.isfinite(new) & (new > 0)
            moved = np.abs(new - t)
            t = np.where(polish, new, t)
            polish &= moved > 1e-14 * t
        out = np.where(q > 0.5, t, -t)
        out = np.where(q == 0.5, 0.0, out)
    return np.where((q == 0.0) | (q == 1.0), np.where(n > 0, np.where(q == 0.0, -np.inf, np.inf), np.nan), out)[()]


def _miss(t, tail, n):
    """How far t_sf(t, n) is from ``tail``, as |log(t_sf / tail)| (inf for a t that is no start)."""
    ok = np.isfinite(t) & (t > 0)
    miss = np.abs(np.log(t_sf(np.where(ok, t, 1.0), n) / tail))
    return np.where(ok & np.isfinite(miss), miss, np.inf)


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
