"""Multiplicity adjustments of a family of m p-values, as R's ``p.adjust`` and emmeans' ``adjust =`` compute them.

Each function takes the unadjusted p-values of one family (NaN for a comparison that is not estimable) and
returns the adjusted ones in the same order, NaN where the input is NaN.  As emmeans, a not-estimable
comparison still counts in the family's size m (it passes ``n`` = the number of comparisons to ``p.adjust``:
three pairs of which one is not estimable are adjusted for m = 3).  With p_(1) <= ... <= p_(l) the l finite
p-values in increasing order (l <= m):

* Bonferroni: min(1, m p).
* Holm (step-down): p~_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)).
* Hochberg (step-up): p~_(i) = min_{j >= i} min(1, (m - j + 1) p_(j)).
* Hommel: R's ``p.adjust(method = "hommel")`` algorithm, the family padded with m - l p-values of 1 for the
  ones that are not estimable (as R pads it).
* Benjamini-Hochberg ("BH", "fdr"): p~_(i) = min_{j >= i} min(1, m / j p_(j)).
* Benjamini-Yekutieli ("BY"): as BH times q = sum_{k=1}^{m} 1/k.
* Sidak: 1 - (1 - p)^m.
* Scheffe (emmeans' ``"scheffe"``, from the statistics t and the rank r of the family of contrasts):
  P(F_{r, df} > t^2 / r), or P(chi2_r > t^2) where df is infinite.
"""

from __future__ import annotations

import math

import numpy as np

from ..distributions import chi2_sf, f_sf

__all__ = ["p_adjust", "scheffe_p_values", "P_ADJUST_METHODS"]

# emmeans' names, lower-cased ("BH" and "fdr" are the same method in R's p.adjust)
P_ADJUST_METHODS = ("bonferroni", "holm", "hochberg", "hommel", "bh", "fdr", "by", "sidak", "none")


def _hommel(p: np.ndarray) -> np.ndarray:
    """R's ``p.adjust(p, "hommel")`` of finite p-values sorted increasingly (the same sorted order returned)."""
    n = len(p)
    i = np.arange(1, n + 1)
    q = np.full(n, np.min(n * p / i))
    pa = q.copy()
    for m in range(n - 1, 1, -1):
        i1 = np.arange(n - m + 1)  # (R's seq_len(n - m + 1), from 0 here)
        i2 = np.arange(n - m + 1, n)  # (R's (n - m + 2):n)
        q1 = np.min(m * p[i2] / np.arange(2, m + 1))
        q[i1] = np.minimum(m * p[i1], q1)
        q[i2] = q[n - m]
        pa = np.maximum(pa, q)
    return np.maximum(pa, p)


def p_adjust(p: np.ndarray, method: str) -> np.ndarray:
    """The p-values ``p`` of one family adjusted by ``method`` (one of :data:`P_ADJUST_METHODS`), as R's
    ``p.adjust(p, method, n = length(p))``; see the module docstring for the formulas."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    finite = ~np.isnan(p)
    out = np.full(m, np.nan)
    x = p[finite]
    n_finite = len(x)
    if method == "none" or m <= 1:
        return p.copy()
    if method == "bonferroni":
        out[finite] = np.minimum(1.0, m * x)
        return out
    if method == "sidak":
        out[finite] = 1.0 - (1.0 - x) ** m
        return out
    if n_finite == 0:
        return out
    up = np.argsort(x, kind="stable")  # increasing
    rank = np.arange(1, n_finite + 1)  # the position j of p_(j)
    if method == "holm":
        adjusted = np.maximum.accumulate(np.minimum(1.0, (m - rank + 1) * x[up]))
    elif method == "hochberg":
        adjusted = np.minimum.accumulate(np.minimum(1.0, (m - rank + 1) * x[up])[::-1])[::-1]
    elif method in ("bh", "fdr", "by"):
        q = float(np.sum(1.0 / np.arange(1, m + 1))) if method == "by" else 1.0
        adjusted = np.minimum.accumulate(np.minimum(1.0, q * m / rank * x[up])[::-1])[::-1]
    elif method == "hommel":  # (padded with 1s to m values; 1s sort after the finite ones, as in R's order())
        padded = np.concatenate([x, np.ones(m - n_finite)])
        order = np.argsort(padded, kind="stable")
        hommel = np.empty(m)
        hommel[order] = _hommel(padded[order])
        out[finite] = hommel[:n_finite]
        return out
    else:
        raise ValueError(f"unknown adjustment {method!r}")
    values = np.empty(n_finite)
    values[up] = adjusted
    out[finite] = values
    return out


def scheffe_p_values(t: np.ndarray, rank: int, df: float) -> np.ndarray:
    """Scheffe's p-values of statistics ``t`` in a family of contrasts of rank ``rank`` (k - 1 for the pairs of
    k means): P(F_{r, df} > t^2 / r), or P(chi2_r > t^2) for an infinite ``df`` (emmeans' ``"scheffe"``)."""
    t2 = np.asarray(t, dtype=float) ** 2
    if math.isinf(df):
        return np.asarray(chi2_sf(t2, rank), dtype=float)
    return np.asarray(f_sf(t2 / rank, rank, df), dtype=float)
