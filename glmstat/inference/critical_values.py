"""The multiplier q of simultaneous intervals estimate -/+ q se for a family of m comparisons, as emmeans'
``confint()`` of a contrast computes it (``.adj.critval``), at ``level`` and ``df`` degrees of freedom:

* ``"none"``: R's ``qt((1 + level) / 2, df)``;
* ``"sidak"``: ``qt((1 + level^(1/m)) / 2, df)``; ``"bonferroni"``: ``qt(1 - (1 - level) / (2 m), df)`` -- and so
  for R's other ``p.adjust`` methods (Holm's, ``"fdr"``, ...), which adjust p-values only, as emmeans does;
* ``"scheffe"``: ``sqrt(r qf(level, r, df))`` for a family of rank r;
* ``"tukey"``: ``qtukey(level, k, df) / sqrt(2)`` for the pairs of k means;
* ``"dunnettx"``: emmeans' ``.qdunnx``: the root of its approximate Dunnett probability (Tukey's for c = (1 +
  sqrt(1 + 8 m)) / 2 means and Sidak's, mixed) between Tukey's and Sidak's multipliers, by R's ``uniroot`` to
  emmeans' tolerance of 5e-4 -- within about 1e-4 of the exact root, so the zero finder is R's own (Brent's, as
  R's ``zeroin.c``), step for step, to give R's multiplier; where the two multipliers are within 5e-4 Tukey's.

R's ``qtukey`` is itself a zero finder (the secant method from the approximation of Algorithm AS 190, stopping
once a step is below 1e-4), reproduced step for step on glmstat's own studentized range for R's ``ptukey``
(:func:`~glmstat.inference.studentized_range.studentized_range_quantile`; scipy's ``studentized_range``, a double
adaptive integral a value, is not called).  A family of one
comparison takes ``"none"`` (but Scheffe's), as emmeans' does.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .._scipy import stats
from ..distributions import interval_quantile
from .studentized_range import studentized_range_quantile, studentized_range_sf

__all__ = ["critical_value", "INTERVAL_ADJUSTMENTS", "qtukey"]

#: the adjustments an interval takes; R's other p.adjust methods become "bonferroni" there, as in emmeans
INTERVAL_ADJUSTMENTS = ("sidak", "tukey", "scheffe", "dunnettx", "bonferroni", "none")

_EPS = 2.0**-52


def _ptukey(q: float, k: float, df: float) -> float:
    """R's ``ptukey(q, k, df)``: 1 minus glmstat's upper tail (:func:`studentized_range_sf`)."""
    return 1.0 - float(studentized_range_sf(np.array([q]), k, df)[0]) if q > 0 else 0.0


def qtukey(p: float, k: float, df: float) -> float:
    """R's ``qtukey(p, k, df)``: secant steps from AS 190's start until a step is below 1e-4 (at most 50), on
    glmstat's own studentized range (:func:`studentized_range_quantile`)."""
    return studentized_range_quantile(p, k, df)


def _zeroin(f: Callable[[float], float], a: float, b: float, fa: float, fb: float, tol: float,
            max_iter: int = 1000) -> float:
    """R's ``uniroot``: Brent's zero finder (R's ``R_zeroin2``) on [a, b] with f(a), f(b) of opposite signs."""
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    c, fc = a, fa
    for _ in range(max_iter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):  # (b the best approximation so far)
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):  # (interpolation may be tried)
            cb = c - b
            if a == c:  # (two distinct points: the secant)
                t1 = fb / fa
                p, q = cb * t1, 1.0 - t1
            else:  # (inverse quadratic interpolation)
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            if p < 0.75 * cb * q - abs(tol_act * q) / 2.0 and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0.0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0.0 and fc > 0.0) or (fb < 0.0 and fc < 0.0):
            c, fc = a, fa
    return b


def _pdunnx(x: float, m: int, df: float) -> float:
    """emmeans' ``.pdunnx``: w P(Q_c <= sqrt(2) x) + (1 - w) P(F_{1,df} <= x^2)^m, w = (m - 1)/m."""
    w = (m - 1) / m
    c = (1.0 + math.sqrt(1.0 + 8.0 * m)) / 2.0
    sidak = (stats.chi2.cdf(x * x, 1) if math.isinf(df) else stats.f.cdf(x * x, 1, df)) ** m
    return w * _ptukey(math.sqrt(2.0) * x, c, df) + (1.0 - w) * float(sidak)


def _qdunnx(level: float, m: int, df: float) -> float:
    """emmeans' ``.qdunnx``: the root of ``_pdunnx(x) = level`` between Tukey's and Sidak's multipliers."""
    c = (1.0 + math.sqrt(1.0 + 8.0 * m)) / 2.0
    x_tukey = qtukey(level, c, df) / math.sqrt(2.0)
    power = level ** (1.0 / m)
    x_sidak = math.sqrt(float(stats.chi2.ppf(power, 1) if math.isinf(df) else stats.f.ppf(power, 1, df)))
    if abs(x_sidak - x_tukey) < 5e-4:
        return x_tukey
    f_lo, f_hi = _pdunnx(x_tukey, m, df) - level, _pdunnx(x_sidak, m, df) - level
    if not x_tukey < x_sidak or f_lo * f_hi > 0:  # (R's uniroot refuses; emmeans then takes Tukey's)
        return x_tukey
    return _zeroin(lambda x: _pdunnx(x, m, df) - level, x_tukey, x_sidak, f_lo, f_hi, 5e-4)


def critical_value(adjust: str, level: float, m: int, k: int, rank: int, df: float) -> float:
    """The multiplier of ``level`` simultaneous intervals of a family of ``m`` comparisons adjusted by ``adjust``
    (one of :data:`INTERVAL_ADJUSTMENTS`; ``k`` the means whose pairs Tukey's counts, ``rank`` Scheffe's)."""
    if m == 1 and adjust != "scheffe":
        adjust = "none"
    # (interval_quantile(c, df) is R's -qt((1 - c) / 2, df), the normal's for infinite df)
    if adjust == "none":
        return interval_quantile(level, df)
    if adjust == "sidak":
        return interval_quantile(level ** (1.0 / m), df)
    if adjust == "bonferroni":
        return interval_quantile(1.0 - (1.0 - level) / m, df)
    if adjust == "scheffe":
        return math.sqrt(rank * float(stats.chi2.ppf(level, rank) / rank if math.isinf(df)
                                      else stats.f.ppf(level, rank, df)))
    if adjust == "tukey":
        return qtukey(level, k, df) / math.sqrt(2.0)
    if adjust == "dunnettx":
        return _qdunnx(level, m, df)
    raise ValueError(f"no interval adjustment {adjust!r}")
