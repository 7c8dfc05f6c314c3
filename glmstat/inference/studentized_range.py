"""Tukey's adjustment of the k(k-1)/2 pairwise comparisons of k means: P(Q_{k,df} > sqrt(2) |t|), the upper
tail of the studentized range (:func:`glmstat.inference.emmeans.emmeans_pairs`), for many pairs at once.

scipy's ``studentized_range.sf`` integrates a double integral for each value (10 to 20 ms with finite df:
the 11,175 pairs of a 150-level factor took minutes, the 499,500 of 1,000 levels hours); here, above
:data:`EXACT_AT_MOST` distinct values, it is evaluated at a bounded number of points and interpolated between
them, the interpolant checked against it at requested points.  See :func:`tukey_p_values`.
"""

from __future__ import annotations

import math

import numpy as np

from .._scipy import stats
from ..distributions import normal_sf, t_sf
from ..errors import GLMStatError

__all__ = ["tukey_p_values", "EXACT_AT_MOST", "FLOOR", "RTOL", "MAX_EVALUATIONS", "UNION_BELOW"]

#: Up to this many distinct statistics (whose tail can reach UNION_BELOW) every tail is scipy's own.
EXACT_AT_MOST = 100
#: Below this the tail is k(k-1)/2 times the pair's own p-value (the union bound).
UNION_BELOW = 1e-10
#: The tolerance: |s_hat - s| <= RTOL (s + FLOOR) ...
RTOL = 1e-9
#: ... (a relative 1e-9 down to 1e-4, an absolute 1e-13 below: see :func:`tukey_p_values`).
FLOOR = 1e-4
#: At most this many evaluations of scipy's integral per call (interpolation nodes, checks and exact values).
MAX_EVALUATIONS = 1000

_FLAT = RTOL / 4  # statistics at or below one whose tail is at least 1 - _FLAT are given tail 1
_DEGREES = (4, 8, 16, 32)  # Chebyshev-Lobatto points of each degree contain those of the one before
_CHECKS = 2  # requested points per panel compared with scipy


def _lobatto(n: int) -> np.ndarray:
    return np.cos(np.pi * np.arange(n + 1) / n)  # (t_0 = 1, ..., t_n = -1)


def _coefficients(v: np.ndarray) -> np.ndarray:
    """Chebyshev coefficients of the polynomial through values ``v`` at t_j = cos(j pi / n), j = 0..n."""
    n = len(v) - 1
    j = np.arange(n + 1)
    w = np.ones(n + 1)
    w[0] = w[n] = 0.5
    c = (2.0 / n) * (np.cos(np.pi * np.outer(j, j) / n) @ (w * v))
    c[0] /= 2
    c[n] /= 2
    return c


def _interpolate(t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The polynomial through values ``v`` at t_j = cos(j pi / n), at t in [-1, 1]: the barycentric formula,
    weights (-1)^j halved at the ends (stable for any t; a node gives its value)."""
    n = len(v) - 1
    nodes = _lobatto(n)
    num, den = np.zeros(len(t)), np.zeros(len(t))
    hit = np.full(len(t), -1)
    for j in range(n + 1):
        d = t - nodes[j]
        on = d == 0
        hit[on] = j
        w = (-1.0) ** j * (0.5 if j in (0, n) else 1.0) / np.where(on, 1.0, d)
        num += w * v[j]
        den += w
    out = num / den
    exact = hit >= 0
    out[exact] = v[hit[exact]]
    return out


class _Tail:
    """scipy's s(q) = P(Q_{k,df} > q), counted against MAX_EVALUATIONS; values at x = log(1 + q) already
    evaluated are kept (neighbouring panels share their ends, nested degrees their nodes)."""

    def __init__(self, k: int, df: float) -> None:
        self.k, self.df, self.used, self.known = k, df, 0, {}

    def sf(self, q: np.ndarray) -> np.ndarray:
        if self.used + len(q) > MAX_EVALUATIONS:
            raise GLMStatError(
                f"Tukey's p-values for {self.k} means on {self.df:g} df: the studentized range's tail could not "
                f"be interpolated to {RTOL:g} within {MAX_EVALUATIONS} evaluations of its integral; use "
                "adjust='sidak' or 'bonferroni', or compare fewer means")
        self.used += len(q)
        return np.clip(np.asarray(stats.studentized_range.sf(q, self.k, self.df), dtype=float), 0.0, 1.0)

    def at(self, x: np.ndarray) -> np.ndarray:
        todo = [z for z in dict.fromkeys(x.tolist()) if z not in self.known]
        if todo:
            self.known.update(zip(todo, self.sf(np.expm1(np.array(todo))).tolist()))
        return np.array([self.known[z] for z in x.tolist()])


def _reference(x: np.ndarray, k: int, df: float) -> np.ndarray:
    """d = log(-m log(1 - p)) at q = e^x - 1: -log(1 - s) if the m = k(k-1)/2 pairs, each of two-sided tail
    p = P(|T_df| > q / sqrt(2)), were independent (Sidak)."""
    t = np.expm1(x) / math.sqrt(2.0)
    p = 2.0 * (normal_sf(t) if math.isinf(df) else t_sf(t, df))
    with np.errstate(divide="ignore"):
        return np.log(-(k * (k - 1) / 2) * np.log1p(-p))


# A panel is interpolated in one of two representations of s (value, inverse, derivative in s), the first
# resolved: e = log(-log(1 - s)) - d, which varies slowly (from about -4 to 0) but magnifies the rounding of s
# where 1 - s is tiny; log(s), which keeps it as small as the tolerance there (log(s) = -(1 - s) near 1).
_REPRESENTATIONS = {  # (value, inverse, derivative in s)
    "cloglog": (lambda s, d: np.log(-np.log1p(-s)) - d,
                lambda e, d: -np.expm1(-np.exp(e + d)),
                lambda s: 1.0 / ((1.0 - s) * -np.log1p(-s))),
    "log": (lambda s, d: np.log(s),
            lambda h, d: np.exp(h),
            lambda s: 1.0 / s),
}
_ROUNDING = 2.0**-53  # (of scipy's s = 1 - cdf near 1; its quadrature errors add to it)


def _represent(v: np.ndarray, d: np.ndarray) -> tuple[str | None, float | np.ndarray, float]:
    """(representation, values at the nodes, 0) of the first representation resolved by the nodes' values
    ``v`` (0 < v <= 1): its last three Chebyshev coefficients at most a tenth of the tolerance RTOL (s + FLOOR)
    at every node, in its units; or (None, the smallest ratio of the coefficients to that, the smallest ratio
    of the rounding of s, carried to the other nodes, to it)."""
    ratio = noise = np.inf
    for kind, (value, _, slope) in _REPRESENTATIONS.items():
        if kind == "cloglog" and np.any(v >= 1.0):
            continue
        h, J = value(v, d), slope(v)
        if not np.all(np.isfinite(h)):
            continue
        tenth = 0.1 * np.min(RTOL * (v + FLOOR) * J)
        r = np.max(np.abs(_coefficients(h)[-3:])) / tenth
        if r <= 1.0:
            return kind, h, 0.0
        ratio, noise = min(ratio, r), min(noise, _ROUNDING * np.max(J) / tenth)
    return None, ratio, noise


def _check_points(t: np.ndarray, n: int) -> np.ndarray:
    """Positions (into ``t``, a panel's requested points on [-1, 1]) of up to _CHECKS points farthest from the
    degree-n nodes in the angle arccos(t), where the nodes are equally spaced: one from each half."""
    angle = np.arccos(t) * n / np.pi
    gap = np.abs(angle - np.round(angle))
    picks = [where[np.argmax(gap[where])] for half in (t < 0, t >= 0)
             if (where := np.flatnonzero(half & (gap > 0))).size]
    return np.array(picks[:_CHECKS], dtype=np.intp)


def _range_tail(q: np.ndarray, k: int, df: float) -> np.ndarray:
    """P(Q_{k,df} > q) at sorted distinct finite q >= 0 (more than EXACT_AT_MOST), where it is at least
    UNION_BELOW; NaN where it is below (see tukey_p_values)."""
    tail = _Tail(k, df)
    x = np.log1p(q)
    s = np.full(len(q), -1.0)  # (-1: not yet known; NaN: below UNION_BELOW)
    panels = [(x[0], x[-1])]
    while panels:
        a, b = panels.pop()
        inside = np.flatnonzero((x >= a) & (x <= b) & (s == -1.0))
        if inside.size == 0:
            continue
        if inside.size <= 2 * _DEGREES[1]:  # (no more evaluations than interpolating would make)
            s[inside] = tail.sf(q[inside])
            continue
        kind = before = None
        for n in _DEGREES:
            nodes = 0.5 * (a + b) + 0.5 * (b - a) * _lobatto(n)
            nodes[0], nodes[-1] = b, a
            v = tail.at(nodes)
            # (monotone: s(q) >= s(c) below c, s(q) <= s(c) above)
            c_flat = nodes[v >= 1.0 - _FLAT].max(initial=-np.inf)
            c_low = nodes[v < UNION_BELOW].min(initial=np.inf)
            a2, b2 = max(a, c_flat), min(b, c_low)
            if b2 - a2 < 0.9 * (b - a) or np.any(v <= 0.0):  # (a cut of a tenth or more, or a tail of 0)
                s[inside[x[inside] <= c_flat]] = 1.0
                s[inside[x[inside] >= c_low]] = np.nan
                if (a2, b2) == (a, b):  # (only at an end: halved)
                    m = 0.5 * (a + b)
                    panels += [(m, b), (a, m)]
                elif a2 < b2:
                    panels.append((a2, b2))
                break
            kind, values, noise = _represent(v, _reference(nodes, k, df))
            if kind is not None:
                break
            # (halved now if more nodes cannot resolve it: the rounding of s at one node, carried to another
            # where the tolerance is smaller, exceeds it; or the coefficients' decay from the degree before,
            # ratio^(n/2), over the next n degrees is not expected to bring them under it)
            if n == _DEGREES[-1] or noise > 1.0 or (n > _DEGREES[0] and values * (values / before) ** 2 > 1.0):
                m = 0.5 * (a + b)
                panels += [(m, b), (a, m)]
                break
            before = values
        if kind is None:
            continue
        t = np.clip((2.0 * x[inside] - (a + b)) / (b - a), -1.0, 1.0)
        s_hat = np.clip(_REPRESENTATIONS[kind][1](_interpolate(t, values), _reference(x[inside], k, df)), 0.0, 1.0)
        check = _check_points(t, len(values) - 1)
        exact = tail.sf(q[inside[check]])
        if np.any(np.abs(s_hat[check] - exact) > RTOL / 2 * (exact + FLOOR)):
            m = 0.5 * (a + b)
            panels += [(m, b), (a, m)]
            continue
        s_hat[check] = exact
        s[inside] = s_hat
    s[s < UNION_BELOW] = np.nan
    return s


def tukey_p_values(t: np.ndarray, p: np.ndarray, k: int, df: float) -> np.ndarray:
    r"""Tukey-adjusted p-values of pairwise comparisons of k means: P(Q_{k,df} > sqrt(2) |t|), the tail s of
    the studentized range (scipy's ``studentized_range.sf``, R's ``ptukey(..., lower.tail = FALSE)``); below
    1e-10, where its integral loses its digits, k(k-1)/2 p, the first term of the union bound.

    Parameters
    ----------
    t : ndarray
        The pairs' t (or z) statistics; NaN gives NaN.
    p : ndarray
        Their unadjusted two-sided p-values, P(|T_df| > |t|).
    k : int
        Number of means.
    df : float
        Degrees of freedom of the statistics (``np.inf``: normal).

    Returns
    -------
    ndarray
        s where s >= 1e-10, else min(1, k(k-1)/2 p).

    Notes
    -----
    s <= k(k-1)/2 p (the union bound), so s is needed only where that is at least 1e-10.  With at most
    :data:`EXACT_AT_MOST` distinct such statistics each s is scipy's value.  With more, s is interpolated in
    x = log(1 + q), q = sqrt(2) |t|, over [min x, max x] of those statistics, piecewise, in one of two
    representations: with m = k(k-1)/2,

    .. math::

        e(x) = \log(-\log(1 - s)) - \log(-m \log(1 - p)),

    the complementary log-log of s less its value were the pairs independent (Sidak), a slowly varying
    function (from about -4 to 0), or log(s) (where 1 - s is tiny, whose rounding e magnifies).  On each
    panel the polynomial through scipy's values at the Chebyshev-Lobatto points of degree 4, 8, 16 or 32
    (nested: each degree reuses the nodes of the one before) is taken at the first degree where, in one
    representation, the last three Chebyshev coefficients are at most a tenth of the tolerance below (in
    that representation's units, at every node); the panel is halved instead when that is not reached at
    degree 32, is not expected at the next degree from the coefficients' decay, or cannot be reached because
    the rounding of s at one node (2^-53), magnified, exceeds it.  A panel holding at most 16 statistics gets
    scipy's values.  As s decreases in q, statistics up to a node where s >= 1 - RTOL / 4 get s = 1, and
    those from a node where s < 1e-10 the union bound, as scipy's values would give them.  Then scipy is
    evaluated at two statistics of each panel, one in each half, the farthest from its nodes (in
    arccos of the panel's coordinate, where the nodes are equally spaced), and a panel whose interpolant
    misses one of them by more than half the tolerance is halved and interpolated again; statistics
    evaluated get scipy's value.  The tolerance, met at every statistic checked and, by the decay of the
    coefficients, at every other, is

    .. math::

        |\hat s - s| \le \mathrm{RTOL}\,(s + F), \qquad \mathrm{RTOL} = 10^{-9},\ F = 10^{-4}:

    a relative 1e-9 where s >= 1e-4 and an absolute 1e-13 below (measured against scipy at sampled pairs of
    factors of 60 to 300 levels: at most 2.3e-10 (s + F)).  No tighter tolerance holds against scipy
    there: its s is 1 minus an integral computed to an absolute 1e-11, whose values scatter about the
    smooth function by up to 5e-14 near s = 1e-4 (k = 1,000) and by the rounding of numbers near 1, 1.1e-16
    (a relative 1e-6 at s = 1e-10).  (So statistics whose s is within the tolerance of 1e-10 may be given
    either s or the union bound.)  At most :data:`MAX_EVALUATIONS` evaluations of scipy's integral are made
    (40 to 250 in practice, whatever the number of pairs); more is refused with :class:`GLMStatError`.
    """
    t, p = np.asarray(t, dtype=float), np.asarray(p, dtype=float)
    union = k * (k - 1) / 2 * p
    q = math.sqrt(2.0) * np.abs(t)
    want = (union >= UNION_BELOW) & np.isfinite(q)
    s = np.full(len(q), np.nan)
    if want.any():
        values, inverse = np.unique(q[want], return_inverse=True)
        if len(values) <= EXACT_AT_MOST:
            tail = _Tail(k, df).sf(values)
            tail[tail < UNION_BELOW] = np.nan
        else:
            tail = _range_tail(values, k, df)
        s[want] = tail[inverse]
    out = np.where(np.isnan(s), np.minimum(union, 1.0), s)
    return np.where(np.isnan(t), np.nan, out)
