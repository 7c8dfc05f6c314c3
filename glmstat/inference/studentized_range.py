"""Tukey's adjustment of the k(k-1)/2 pairwise comparisons of k means: P(Q_{k,df} > sqrt(2) |t|), the upper
tail of the studentized range (:func:`glmstat.inference.emmeans.emmeans_pairs`), for many pairs at once.

The tail is computed here, for every statistic, as a positive integral (no "1 minus" a lower tail, so small
tails keep their relative accuracy) by trapezoid rules on uniform grids, whose error for these smooth, fast
decaying integrands falls exponentially with the number of nodes (see :func:`studentized_range_sf`).  The
nodes are shared by all statistics: the range's tail once for a set of nodes, the outer integral over the
studentizing chi a weighted sum of those, a block of statistics at a time (memory bounded by :data:`BLOCK`
numbers whatever the number of pairs).  scipy's ``studentized_range.sf`` (a double adaptive integral a value,
10 to 20 ms each) is not called: the 499,500 pairs of a 1,000-level factor take seconds.
"""

from __future__ import annotations

import math

import numpy as np

from .._scipy import special

__all__ = ["tukey_p_values", "studentized_range_sf", "studentized_range_quantile", "range_sf", "UNION_BELOW",
           "BLOCK", "QUANTILE_STEP", "QUANTILE_ITERATIONS"]

#: Below this the Tukey p-value is k(k-1)/2 times the pair's own p-value (the union bound).
UNION_BELOW = 1e-10
#: The largest number of float64 values in one of the blocks the integrals are summed in.
BLOCK = 1 << 18

_STEPS_PER_SD = 1.6  # steps of the rule in y = log(s) per scale of its integrand (see studentized_range_sf)
_W_CURVED = 18.0  # the range's tail beyond this w (below 1e-30 for k <= 1,000, 1e-24 for 1e6) is not resolved
_NEGLIGIBLE = 1e-30  # a node whose integrand is bounded by this is left out of a sum
_MASS = 1e-26  # the mass of the density of y left outside the rule's window
_ONE = 2.0**-52  # a tail within this of 1 is 1 (see tukey_p_values)
#: below this df, a tail at least _SUBTRACTED is 1 less the sum where the range's tail is below 1 (studentized_range_sf)
_SUBTRACTED_DF, _SUBTRACTED = 50.0, 0.05
_LOG_2PI = math.log(2.0 * math.pi)
#: R's qtukey stops its secant search once a step is below this ...
QUANTILE_STEP = 1e-4
#: ... or after this many steps (R's maxiter).
QUANTILE_ITERATIONS = 50


def _z_step(k: int) -> float:
    """The step of the trapezoid rule in z: 0.35 times the scale 1 / sqrt(2 log k) of the largest of k normals (the
    integrand's narrowest part), at most 0.12 (a relative error below 1e-13 against steps of 0.03)."""
    return min(0.12, 0.35 / math.sqrt(2.0 * math.log(max(k, 2))))


def _z_nodes(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nodes z of the rule for the range's tail where k phi(z) Phi(z)^(k-1) >= _NEGLIGIBLE, log Phi(z) there,
    and that density times the step."""
    h = _z_step(k)
    z = np.arange(-40.0, 40.0 + h / 2, h)
    log_phi = special.log_ndtr(z)
    log_m = math.log(k) - 0.5 * z * z - 0.5 * _LOG_2PI + (k - 1) * log_phi
    keep = log_m >= math.log(_NEGLIGIBLE)
    return z[keep], log_phi[keep], h * np.exp(log_m[keep])


def range_sf(w: np.ndarray, k: int) -> np.ndarray:
    r"""P(R_k > w): the upper tail of the range R_k of k independent standard normals, at ``w`` >= 0.

    Parameters
    ----------
    w : ndarray
        Values, at least 0 (1-D).
    k : int
        Number of normals, at least 2.

    Returns
    -------
    ndarray
        The tails, with a relative error of about 1e-14 (an absolute 1e-28 below).

    Notes
    -----
    With the largest of the k normals at z, the others within w below it:

    .. math::

        P(R_k > w) = k \int \phi(z) \Phi(z)^{k-1} \left[1 - (1 - \Phi(z - w) / \Phi(z))^{k-1}\right] dz,

    the bracket computed as ``-expm1((k - 1) log1p(-r))``: every term positive.  The sum is divided by the rule's
    sum of the density k phi Phi^(k-1) (1 to about 1e-15), so that a tail of 1 is 1.  The trapezoid rule with step
    0.1 in z, over the nodes where k phi Phi^(k-1) (a bound of the integrand, whose scale is the largest
    normal's, at least 0.19 for k <= 1e6) is at least 1e-30, and where in a block of w the integrand's
    other bound, k (k - 1) phi(z) Phi(z)^(k-2) Phi(z - min w), is too.
    """
    w = np.asarray(w, dtype=float)
    z, log_phi, m = _z_nodes(k)
    inverse_phi = np.exp(-log_phi)
    out = np.empty(len(w))
    step = max(1, BLOCK // max(len(z), 1))
    with np.errstate(divide="ignore", over="ignore", under="ignore"):
        for i in range(0, len(w), step):
            wb = w[i:i + step]
            bound = m * np.minimum(1.0, (k - 1) * special.ndtr(z - wb.min()) * inverse_phi)
            use = bound >= _NEGLIGIBLE * _z_step(k)
            r = special.ndtr(z[use] - wb[:, None]) * inverse_phi[use]  # Phi(z - w) / Phi(z), in [0, 1]
            f = r if k == 2 else -np.expm1((k - 1) * np.log1p(-np.minimum(r, 1.0)))
            out[i:i + step] = f @ m[use]
    return np.minimum(out / np.sum(m), 1.0)  # (over the rule's total of the density: exactly 1 where f is)


def _stirling(a: float) -> float:
    """lgamma(a) - ((a - 1/2) log a - a + log(2 pi) / 2), without the cancellation of computing it so."""
    if a < 10.0:
        return float(special.gammaln(a)) - ((a - 0.5) * math.log(a) - a + 0.5 * _LOG_2PI)
    b = 1.0 / (a * a)
    return (1 / 12 - b * (1 / 360 - b * (1 / 1260 - b * (1 / 1680 - b / 1188)))) / a


def _exp_less(u: np.ndarray, small: bool) -> np.ndarray:
    """e^u - 1 - u: its Taylor series if ``small`` (every |u| < 1/2), to a relative 1e-16; else expm1(u) - u,
    whose absolute error is about 1e-16 |u|."""
    if not small:
        return np.expm1(u) - u
    acc = np.full(u.shape, 1.0 / math.factorial(17))
    for n in range(16, 1, -1):
        acc *= u
        acc += 1.0 / math.factorial(n)
    return acc * u * u


def _log_density(y: np.ndarray, df: float) -> np.ndarray:
    """log of the density of y = log(s), s = sqrt(X / df), X chi-square on df: with a = df / 2,
    log(2 a^a / Gamma(a)) + 2 a y - a e^(2y), written as log(sqrt(2 a / pi)) - stirling(a) - a (e^(2y) - 1 - 2y)
    so that no large terms cancel (e^(2y) - 1 - 2y by its series where every |2y| < 1/2, as in the window of
    df >= 7,200: a relative error near 1e-16 of the density at df = 1e6)."""
    a, u = 0.5 * df, 2.0 * y
    small = bool(np.all(np.abs(u) < 0.5))  # (else a <= 3,600: a e^u's rounding, 4e-13 at most, is left)
    return 0.5 * math.log(2.0 * a / math.pi) - _stirling(a) - a * _exp_less(u, small)


def _window(df: float, h: float) -> tuple[float, float]:
    """[lo, hi] in y outside which the density of y holds less than _MASS (log-concave: the mass beyond a point
    is at most the density there over the slope of its log)."""
    sd = 1.0 / math.sqrt(2.0 * df)
    y = np.arange(-30.0 * sd, 30.0 * sd, h) if df >= 50.0 else np.arange(-40.0 * max(1.0, 2.0 / df), 10.0, h)
    log_g = _log_density(y, df)
    slope = np.abs(df * -np.expm1(2.0 * y))
    with np.errstate(divide="ignore"):
        inside = (log_g - np.log(slope) >= math.log(_MASS)) | (log_g >= math.log(_MASS))
    where = np.flatnonzero(inside)
    return float(y[where[0]] - h), float(y[where[-1]] + h)


def studentized_range_sf(q: np.ndarray, k: int, df: float) -> np.ndarray:
    r"""P(Q_{k,df} > q): the upper tail of the studentized range of k means on ``df`` degrees of freedom (R's
    ``ptukey(q, k, df, lower.tail = FALSE)``, scipy's ``studentized_range.sf``).

    Parameters
    ----------
    q : ndarray
        Values (1-D); NaN gives NaN, q <= 0 gives 1.
    k : int
        Number of means, at least 2.
    df : float
        Degrees of freedom, at least 1 (NaN below; R's ``ptukey`` gives NaN below 2); ``np.inf``: the range of k
        standard normals (:func:`range_sf`).

    Returns
    -------
    ndarray
        The tails, to a relative 1e-13 (checked against the closed form of k = 2, 2 P(T_df > q / sqrt 2), and
        against scipy; an absolute 1e-25 below).

    Notes
    -----
    With s = sqrt(X / df), X chi-square on df, and y = log(s) of density g:

    .. math::

        P(Q_{k,df} > q) = \int g(y)\, P(R_k > q e^y)\, dy = \int g(x - \log q)\, P(R_k > e^x)\, dx,

    a convolution in x = log w: the trapezoid rule with a step h in x puts the nodes on one grid x_j = j h for
    every q, so the range's tail (:func:`range_sf`, the costly part) is computed once a node and each q costs a
    weighted sum over the nodes of its window, where g holds all but 1e-26 of its mass, divided by the sum of
    the weights (1 to about 1e-15: the rounding of g's constant) so that a tail of 1 is 1.  g's scale is
    1 / sqrt(2 df) and the tail's, in x, at least 1 / w (-log of it grows as w^2 / 4), so
    h = min(1 / sqrt(2 df), 1 / 18) / 1.6 (the tail beyond w = 18 is below 1e-30 for k <= 1,000); the rule's
    error for an integrand of scale sigma falls as exp(-2 pi^2 (sigma / h)^2), here about 1e-22 (steps of 1 / 2.5
    and 1 / 1.3 of those scales give the same tails to 1e-14).  A statistic costs a sum over its window's nodes:
    about 40 for df of 100 or more, growing as 1 / df below (200 for df = 12, 1,800 for df = 1): one exponential a
    node (:func:`_window_density`).  The statistics are taken in increasing order, a block at a time, and a block
    reuses the range's tails at the nodes it shares with the block before (on few df, where a block holds few
    statistics and its window is wide, each block had computed them afresh: 300 blocks for 44,850 pairs on 1 df).
    On 1 or 2 df the window reaches far left, where s is small, the range's tail is 1 and g(y) is e^(c + df y) to
    double precision: the nodes there, the first of every window in a block, are summed as a geometric series
    (:func:`_flat_sum`; two thirds of the nodes on 1 df, where the log of the density is linear below y = -20).
    Below 50 df most of a window is where the range's tail is 1 (w = q e^y small), and a tail of at least 0.05
    is taken as 1 - sum g (1 - P(R_k > w)) / sum g, the first sum over the nodes where the range's tail is below 1
    only, the second the rule's sum over a whole window, the same number for every statistic's offset to double
    precision (the rule's error for the offset is below 1e-60, and the rounding of g's constant is common): an
    absolute error near 1e-14, a relative 2e-13 at 0.05 (by the closed form of k = 2 on 1 to 45 df), with about
    5 times fewer exponentials on 3 to 5 df; smaller tails are the positive sums above.  (Above 50 df the
    rounding of g's terms of size df, common to a statistic's nodes, no longer cancels in that difference: a
    relative 1e-10 at 1e-3 on 1,000 df.)
    """
    q = np.asarray(q, dtype=float)
    out = np.full(len(q), np.nan)
    out[q <= 0.0] = 1.0
    out[np.isposinf(q)] = 0.0
    todo = np.flatnonzero((q > 0.0) & np.isfinite(q))
    if not todo.size or not df >= 1.0:  # (R's ptukey: NaN below df = 2)
        out[todo] = np.nan
        return out
    if math.isinf(df):
        out[todo] = range_sf(q[todo], k)
        return out
    h = min(1.0 / math.sqrt(2.0 * df), 1.0 / _W_CURVED) / _STEPS_PER_SD
    lo, hi = _window(df, h)
    n = int(math.ceil((hi - lo) / h)) + 1  # nodes of each q's window
    order = todo[np.argsort(q[todo], kind="stable")]
    log_q = np.log(q[order])
    first = np.floor((log_q + lo) / h).astype(np.int64)  # each q's first node j (x_j = j h)
    step = max(1, BLOCK // n)
    offsets = np.arange(n)
    y_flat = 0.5 * math.log(2.0**-60 / (0.5 * df))  # (below, g(y) is e^(c + df y) to double precision)
    # (the rule's sum of the density over a whole window, the same for every statistic to 1e-15 below 50 df:
    # see Notes)
    total = float(np.sum(_window_density(np.array([lo]), n, h, df))) if df < _SUBTRACTED_DF else None
    cached_from, cached = 0, np.empty(0)  # (the last block's contiguous nodes: the first j and their tails)
    for i in range(0, len(order), step):
        j0 = first[i:i + step]
        rows = order[i:i + step]
        span = int(j0[-1] - j0[0]) + n
        if span <= 2 * len(j0) * n:  # (the nodes of the block, contiguous)
            start = int(j0[0])
            end = cached_from + len(cached)
            if cached_from <= start < end:  # (the statistics are sorted: the last block's nodes from start on)
                tail = np.concatenate([cached[start - cached_from:],
                                       range_sf(np.exp(np.arange(end, start + span) * h), k)])[:span]
            else:
                tail = range_sf(np.exp(np.arange(start, start + span) * h), k)
            cached_from, cached = start, tail
            y0 = j0 * h - log_q[i:i + step]
            ones = int(np.argmax(tail < 1.0)) if tail[-1] < 1.0 else len(tail)
            if total is not None:
                # 1 less the density's share where the range's tail is below 1, over the whole window's sum: the
                # nodes where the tail is 1 (most of a window on few df) need no density
                below = min(n, max(0, ones - int(j0[-1] - start)))
                shortfall = np.zeros(len(j0)) if below == n else np.einsum(
                    "ij,ij->i", _window_density(y0 + below * h, n - below, h, df),
                    1.0 - tail[(j0 - start)[:, None] + offsets[below:]])
                value = 1.0 - shortfall / total
                out[rows] = value
                small = np.flatnonzero(value < _SUBTRACTED)
                if not small.size:
                    continue
                j0, y0, rows = j0[small], y0[small], rows[small]
            # (the first `cut` nodes of every window in the block: the range's tail 1 and g(y) = e^(c + df y))
            cut = min(n - 1, ones - int(j0[-1] - start), int(math.floor((y_flat - float(y0.max())) / h)))
            cut = max(cut, 0)
            index = (j0 - start)[:, None] + offsets[cut:]
        else:  # (sparse statistics: only the nodes of their windows)
            nodes, index = np.unique(j0[:, None] + offsets, return_inverse=True)
            index = index.reshape(len(j0), n)
            tail = range_sf(np.exp(nodes * h), k)
            y0, cut = j0 * h - log_q[i:i + step], 0
        density = _window_density(y0 + cut * h, n - cut, h, df)
        flat = _flat_sum(y0, cut, h, df)
        out[rows] = (flat + np.einsum("ij,ij->i", density, tail[index])) / (flat + np.sum(density, axis=1))
    return np.minimum(out, 1.0)


def _flat_sum(y0: np.ndarray, cut: int, h: float, df: float) -> np.ndarray:
    """sum_{j < cut} g(y0_i + j h) for each y0_i, where every a e^(2y) < 2^-60 (a = df / 2), so that g(y) = e^(c + 2 a
    y) to double precision (:func:`_window_density`'s c): a geometric series, e^(c + 2 a y0) (e^(2 a h cut) - 1) /
    (e^(2 a h) - 1)."""
    if cut <= 0:
        return np.zeros(len(y0))
    a = 0.5 * df
    c = 0.5 * math.log(2.0 * a / math.pi) - _stirling(a) + a
    return np.exp(c + 2.0 * a * y0) * (math.expm1(2.0 * a * h * cut) / math.expm1(2.0 * a * h))


def _window_density(start: np.ndarray, n: int, h: float, df: float) -> np.ndarray:
    """The density of y = log(s) (:func:`_log_density`) at y = start_i + j h, j = 0..n-1, for each start_i: where
    every |2y| < 1/2 (df of 7,200 or more) by the series of :func:`_log_density`; else with e^(2y) = e^(2 start_i)
    e^(2 j h) -- log g = (c + a + 2 a start_i + 2 a j h) - a e^(2 start_i) e^(2 j h), c = log(sqrt(2 a / pi)) -
    stirling(a) --, an exponential a node instead of three (a relative 1e-12 of the density at most, as
    :func:`_log_density`'s own rounding of a e^(2y) for a <= 3,600)."""
    offsets = np.arange(n) * h
    if max(abs(float(start.min())), abs(float(start.max()) + offsets[-1])) < 0.25:
        return np.exp(_log_density(start[:, None] + offsets, df))
    a = 0.5 * df
    c = 0.5 * math.log(2.0 * a / math.pi) - _stirling(a) + a
    log_g = (c + 2.0 * a * start)[:, None] + (2.0 * a) * offsets
    log_g -= (a * np.exp(2.0 * start))[:, None] * np.exp(2.0 * offsets)
    return np.exp(log_g, out=log_g)


def _qinv(p: float, c: float, v: float) -> float:
    """The starting value of Algorithm AS 190 (Lund and Lund, 1983) for the p quantile of the range of c means
    on v degrees of freedom, as R's ``qinv`` (qtukey.c)."""
    p0, p1, p2, p3, p4 = 0.322232421088, -1.0, -0.342242088547, -0.204231210125, -0.453642210148e-04
    q0, q1, q2, q3, q4 = 0.993484626060e-01, 0.588581570495, 0.531103462366, 0.103537752850, 0.38560700634e-02
    ps = 0.5 - 0.5 * p
    yi = math.sqrt(math.log(1.0 / (ps * ps)))
    t = yi + ((((yi * p4 + p3) * yi + p2) * yi + p1) * yi + p0) / ((((yi * q4 + q3) * yi + q2) * yi + q1) * yi + q0)
    if v < 120.0:
        t += (t * t * t + t) / v / 4.0
    q = 0.8832 - 0.2368 * t
    if v < 120.0:
        q += -1.214 / v + 1.208 * t / v
    return t * (q * math.log(c - 1.0) + 1.4142)


def studentized_range_quantile(p: float, k: float, df: float) -> float:
    r"""The p quantile of the studentized range of k means on ``df`` degrees of freedom, as R's
    ``qtukey(p, k, df)`` computes it: secant steps from the approximation of Algorithm AS 190 until a step is below
    :data:`QUANTILE_STEP` (at most :data:`QUANTILE_ITERATIONS`), on glmstat's own tail
    (:func:`studentized_range_sf`).

    Parameters
    ----------
    p : float
        The lower-tail probability, in (0, 1).
    k : float
        Number of means, at least 2 (not necessarily whole: emmeans' Dunnett approximation takes (1 + sqrt(1 +
        8 m)) / 2).
    df : float
        Degrees of freedom, at least 1 (``np.inf``: the normal range); below, NaN.

    Returns
    -------
    float
        The quantile; NaN for p outside (0, 1) or df below 1.

    Notes
    -----
    Each step evaluates ``(1 - p) - P(Q > x)``, which is R's ``ptukey(x) - p`` computed from the upper tail
    (1 - p is exact in double precision for p >= 1/2).  The search is R's, step for step, so its answer is R's
    where R's ``ptukey`` is accurate (to 1e-8 relative for up to 10 means on 12 to 1,000 df, up to 100 on
    infinite df, and any number on 120 to 300 df: tests/inference/test_tukey_quantile.py) -- and, like R's,
    within about 1e-7 of the exact root, where its last step of at most 1e-4 leaves it.  Where R's quadrature is
    coarse (few df, many means: 3e-4 to 1e-2 off for two means on 2 df, by the closed form sqrt(2)
    qt((1 + p) / 2, df)) and beyond 25,000 df (which R takes as infinite: 4e-5 off for 1e5 df), the answer is the
    studentized range's own, as glmstat's p-values are; below 2 df, where R gives NaN, too.
    """
    if not (0.0 < p < 1.0 and df >= 1.0 and k >= 2.0):
        return math.nan
    upper = 1.0 - p

    def value(x: float) -> float:  # (R's ptukey(x, k, df) - p)
        return upper - float(studentized_range_sf(np.array([x]), k, df)[0]) if x > 0.0 else -p

    x0 = _qinv(p, k, df)
    f0 = value(x0)
    x1 = max(0.0, x0 - 1.0) if f0 > 0.0 else x0 + 1.0
    f1 = value(x1)
    ans = x1
    for _ in range(1, QUANTILE_ITERATIONS):
        if f1 == f0:  # (two equal values: no secant through them; R would divide by zero)
            break
        ans = max(0.0, x1 - f1 * (x1 - x0) / (f1 - f0))
        f0, x0 = f1, x1
        f1, x1 = value(ans), ans
        if abs(x1 - x0) < QUANTILE_STEP:
            break
    return ans


def tukey_p_values(t: np.ndarray, p: np.ndarray, k: int, df: float) -> np.ndarray:
    r"""Tukey-adjusted p-values of pairwise comparisons of k means: P(Q_{k,df} > sqrt(2) |t|), the tail s of
    the studentized range (:func:`studentized_range_sf`; R's ``ptukey(..., lower.tail = FALSE)``); below
    1e-10 k(k-1)/2 p, the first term of the union bound.

    Parameters
    ----------
    t : ndarray
        The pairs' t (or z) statistics; NaN gives NaN.
    p : ndarray
        Their unadjusted two-sided p-values, P(|T_df| > |t|).
    k : int
        Number of means.
    df : float
        Degrees of freedom of the statistics (``np.inf``: normal); below 1, NaN p-values.

    Returns
    -------
    ndarray
        s where s >= 1e-10, else min(1, k(k-1)/2 p).

    Notes
    -----
    s <= k(k-1)/2 p (the union bound), so s is computed only where that is at least 1e-10, once for each
    distinct statistic.  As s decreases in q = sqrt(2) |t|, the largest q whose s is within 2^-52 of 1 is found
    by bisection over the sorted statistics, and s is 1 up to it (for 1,000 means, every q below about 4.5)
    without its integral.  (R's ``ptukey`` is 1 minus a lower tail, so keeps no digits below about 1e-11, and
    its quadrature is coarse for many means or few or many df: a relative 1e-6 to 1e-3, more for df < 12; the
    closed form of k = 2 shows it: tests/inference/test_studentized_range.py.)
    """
    t, p = np.asarray(t, dtype=float), np.asarray(p, dtype=float)
    if not df >= 1.0:  # (no tail computed: not the union bound instead)
        return np.full(len(t), np.nan)
    union = k * (k - 1) / 2 * p
    q = math.sqrt(2.0) * np.abs(t)
    want = (union >= UNION_BELOW) & np.isfinite(q)
    s = np.full(len(q), np.nan)
    if want.any():
        values, inverse = np.unique(q[want], return_inverse=True)
        tail = np.full(len(values), np.nan)
        lo, hi = 0, len(values)  # (s is 1 at values[:lo], not known to be at values[hi:])
        while lo < hi:
            mid = (lo + hi) // 2
            tail[mid] = studentized_range_sf(values[mid:mid + 1], k, df)[0]
            if tail[mid] >= 1.0 - _ONE:
                lo = mid + 1
            else:
                hi = mid
        tail[:lo] = 1.0
        rest = lo + np.flatnonzero(np.isnan(tail[lo:]))
        tail[rest] = studentized_range_sf(values[rest], k, df)
        tail[tail < UNION_BELOW] = np.nan
        s[want] = tail[inverse]
    out = np.where(np.isnan(s), np.minimum(union, 1.0), s)
    return np.where(np.isnan(t), np.nan, out)
