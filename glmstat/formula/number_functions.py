"""R's functions of numbers that formulas call beyond the elementary ones: ``choose``, ``lchoose``,
``factorial``, ``lfactorial``, ``signif``, ``sinpi``, ``cospi``, ``tanpi``, ``findInterval``, ``xor``,
``as.logical``, ``atan2``, ``is.finite`` and ``is.infinite``.

Each gives R's value where R's is not the textbook formula's (R's nmath sources define them):

* ``choose(n, k)`` rounds k to a whole number; for k < 30 it is the product n (n - 1) ... (n - k + 1) / k!,
  rounded when n is whole (so ``choose(5, 2)`` is exactly 10); beyond, exp(-log(n + 1) - lbeta(n - k + 1, k + 1)),
  with choose(-n, k) = (-1)^k choose(n + k - 1, k); 0 for k < 0 or a whole n < k; for a fractional n below k - 1,
  exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)) signed as Gamma(n - k + 1), by R's own log-gamma
  (:mod:`~glmstat.formula.log_gamma`: the terms cancel).  ``lchoose`` is its log |.|.
* ``factorial(x)`` = gamma(x + 1), ``lfactorial(x)`` = lgamma(x + 1) (NaN, resp. Inf, at the poles).
* ``signif(x, digits)``: x rounded (half to even, on x 10^e) to ``digits`` significant digits, 1 to 22.
* ``sinpi(x)`` = sin(pi x), exactly 0, 1 or -1 at the multiples of 1/2 (``tanpi``: of 1/4), NaN for +-Inf.
* ``findInterval(x, vec)``: the number of ``vec``'s (sorted) values at or below x, as R's arguments
  ``rightmost.closed``, ``all.inside`` and ``left.open`` change it.
* ``xor(x, y)``, ``as.logical(x)``: logicals (NA where R's are), as comparisons are.
* ``atan2(y, x)``: the angle of the point (x, y), in (-pi, pi].
* ``is.finite(x)``, ``is.infinite(x)``: never missing (FALSE for NA and NaN), so that, as ``is.na()``, a column
  read only there drops no row; FALSE for every row of a factor, as R's.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, TYPE_CHECKING

import numpy as np

from .._scipy import special
from .arithmetic import BLOCK_ROWS, in_blocks
from .call_arguments import (Builtin, bind, binary, call_error, column_or_number, flag, literal_numbers, numeric,
                             unary)
from .._arguments import shown
from .deparse import deparse
from .limits import refuse
from .log_gamma import r_lgamma_sign
from .nodes import Call
from .value_codes import sorted_codes
from .values import FactorVec, NumVec, Value, label_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["NUMBER_FUNCTIONS"]

_K_SMALL = 30  # R's k_small_max: below it choose() multiplies, above it goes through lbeta
_MAX_DIGITS = 22  # signif(): more digits leave x as it is (R's MAX_DIGITS)
_MAX10E = 308  # R's (int) DBL_MAX_10_EXP


def _small_product(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """n (n - 1) ... (n - k + 1) / k! for whole 1 <= k < 30, multiplied in R's order (R's choose)."""
    r = n.copy()
    for j in range(2, _K_SMALL):
        r = np.where(j <= k, r * ((n - j + 1) / j), r)
    return r


def _choose_vec(n: np.ndarray, k: np.ndarray, count: Callable[[int], None] | None = None) -> np.ndarray:
    """R's choose on arrays: the k < 30 branch vectorized (symmetry, the product, rounding for a whole n),
    larger k one value at a time (:func:`_choose`)."""
    k = np.rint(k)
    whole = _is_int_vec(n)
    small = k < _K_SMALL
    k = np.where(small & (n - k < k) & (n >= 0) & whole, np.rint(n - k), k)
    with np.errstate(all="ignore"):
        r = _small_product(n, np.where(small & (k >= 1), k, 1.0))
    r = np.where(whole, np.rint(r), r)
    r = np.where(k < 0, 0.0, np.where(k == 0, 1.0, r))
    with np.errstate(all="ignore"):
        r = np.where(small, r, _choose_large_k(n, k, count))
    return np.where(np.isnan(n) | np.isnan(k), n + k, r)


def _choose_large_k(n: np.ndarray, k: np.ndarray, count: Callable[[int], None] | None = None) -> np.ndarray:
    """R's choose for k >= 30: choose(-n, k) = (-1)^k choose(n + k - 1, k); for a whole n, 0 below k, the product
    of the other side within 30 of k, else exp(lfastchoose) rounded; for a fractional n, exp(lfastchoose), signed
    by Gamma(n - k + 1) below k - 1."""
    sign = np.where((n < 0) & (np.fmod(k, 2) == 1), -1.0, 1.0)
    n = np.where(n < 0, -n + k - 1, n)
    whole = _is_int_vec(n)
    n = np.where(whole, np.rint(n), n)
    other_side = np.rint(n - k)  # (whole n within 30 of k: choose(n, n - k), a short product)
    near = np.rint(_small_product(n, np.where(other_side >= 1, other_side, 1.0)))
    near = np.where(other_side == 0, 1.0, near)
    far = np.exp(-np.log(n + 1.0) - special.betaln(n - k + 1.0, k + 1.0))
    whole_value = np.where(n < k, 0.0, np.where(n - k < _K_SMALL, near, np.rint(far)))
    # (only where k >= 30, whose rows this branch gives: no pair of R's log-gamma for the rows of the product)
    log_below, sign_below = _lfastchoose2_vec(n, k, ~whole & (n < k - 1) & (k >= _K_SMALL), count)
    below = sign_below * np.exp(log_below)
    below = np.where(np.isposinf(k) & np.isfinite(n), 0.0, below)  # (R: choose(0.5, Inf) is 0, its log -Inf)
    return sign * np.where(whole, whole_value, np.where(n < k - 1, below, far))


#: the work (rows x passes: a nanosecond each) priced for each distinct pair that :func:`_lfastchoose2_vec` computes
#: in Python, R's log-gamma three times: 4.7 us a pair of CPU time, where choose(x, 40) of a million distinct
#: fractional x took 4.7 s priced as 512 passes of its rows (0.5 s)
_PAIR_WORK = 4096


def _count_pairs(ev: "Evaluator", call: Call) -> Callable[[int], None]:
    """A counter of the distinct pairs ``call`` (choose() or lchoose()) is about to compute in Python, each
    :data:`_PAIR_WORK` added to the formula's work (``ev.work``), refusing the formula once it exceeds
    ``FormulaLimits.max_eval_work``, before they are computed."""
    def count(pairs: int) -> None:
        ev.work += pairs * _PAIR_WORK
        if ev.work > ev.limits.max_eval_work:
            raise refuse("max_eval_work", f"{shown(deparse(call))} computes R's log-gamma of {pairs:,} distinct pairs "
                         "(a fractional n below k - 1) one at a time, which with the formula's other work (rows x "
                         f"passes over them, {_PAIR_WORK:,} a pair) needs more than allowed", ev.work, ev.limits)
    return count


def _counted(fn: Callable[..., np.ndarray]) -> Builtin:
    """R's ``fn(n, k)`` (choose or lchoose), computed in blocks of rows (:func:`~glmstat.formula.arithmetic.in_blocks`:
    its branches are a score of masks and products the size of their rows, choose(x, 3) held 20 columns of rows on
    every row at once), the pairs each block computes in Python counted before (:func:`_count_pairs`)."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        count = _count_pairs(ev, call)
        return binary(lambda n, k: in_blocks(lambda nb, kb: fn(nb, kb, count), n, k), ("n", "k"))(ev, call)
    return apply


def _lfastchoose2_vec(n: np.ndarray, k: np.ndarray, on: np.ndarray,
                      count: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """R's lfastchoose2 where ``on`` (a fractional n below k - 1; NaN elsewhere): log |choose(n, k)| =
    lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1), and the sign of Gamma(n - k + 1), by R's log-gamma
    (:func:`~glmstat.formula.log_gamma.r_lgamma_sign`, a C loop's terms: their difference cancels to the last
    place), once for each distinct pair."""
    value, sign = np.full(n.shape, np.nan), np.ones(n.shape)
    on = on & np.isfinite(n) & np.isfinite(k)
    if not on.any():
        return value, sign
    pairs, inverse = np.unique(np.stack([n[on], k[on]], axis=1), axis=0, return_inverse=True)
    if count is not None:
        count(len(pairs))
    logs, signs = np.empty(len(pairs)), np.empty(len(pairs))
    for i, (a, b) in enumerate(pairs.tolist()):
        rest, signs[i] = r_lgamma_sign(a - b + 1.0)
        logs[i] = r_lgamma_sign(a + 1.0)[0] - r_lgamma_sign(b + 1.0)[0] - rest
    value[on], sign[on] = logs[inverse.reshape(-1)], signs[inverse.reshape(-1)]
    return value, sign


def _lchoose_vec(n: np.ndarray, k: np.ndarray, count: Callable[[int], None] | None = None) -> np.ndarray:
    """R's lchoose on arrays (see :func:`_lchoose`, its branches as masks)."""
    k = np.rint(k)
    with np.errstate(all="ignore"):
        low = np.where(k < 0, -np.inf, np.where(k == 0, 0.0, np.log(np.abs(n))))  # (k < 2)
        n = np.where((n < 0) & (k >= 2), -n + k - 1, n)  # (R: lchoose(-n + k - 1, k))
        whole = _is_int_vec(n)
        n = np.where(whole, np.rint(n), n)
        # a whole n: -Inf below k; n - k < 2 by symmetry (k' = n - k, 0 or 1); else lfastchoose
        sym = np.where(n - k == 0, 0.0, np.log(np.abs(n)))
        fast = _lfastchoose_vec(n, k)
        whole_value = np.where(n < k, -np.inf, np.where(n - k < 2, sym, fast))
        below = _lfastchoose2_vec(n, k, ~whole & (n < k - 1), count)[0]
        below = np.where(np.isposinf(k) & np.isfinite(n), -np.inf, below)  # (R: lchoose(0.5, Inf) is -Inf)
        other = np.where(n < k - 1, below, fast)
        r = np.where(k < 2, low, np.where(whole, whole_value, other))
    return np.where(np.isnan(n) | np.isnan(k), n + k, r)


def _lfastchoose_vec(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """:func:`_lfastchoose` on arrays: the sum of log((n - j + 1) / j) for a finite n and k < 30 (where every factor
    is positive), else -log(n + 1) - lbeta(n - k + 1, k + 1)."""
    summed = (k < _K_SMALL) & np.isfinite(n) & (n - k + 1 > 0)
    terms = np.zeros_like(n)
    for j in range(1, _K_SMALL):
        on = summed & (j <= k)
        terms = terms + np.log(np.where(on, (n - j + 1) / j, 1.0))
    return np.where(summed, terms, -np.log(n + 1.0) - special.betaln(n - k + 1.0, k + 1.0))


def _is_int_vec(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.abs(x - np.rint(x)) <= 1e-7 * np.maximum(1.0, np.abs(x))


def _pole(x: np.ndarray) -> np.ndarray:
    return (x <= 0) & (x == np.floor(x))


def _factorial(x: np.ndarray) -> np.ndarray:
    return np.where(_pole(x + 1.0), np.nan, special.gamma(x + 1.0))


def _lfactorial(x: np.ndarray) -> np.ndarray:
    return np.where(_pole(x + 1.0), np.inf, special.gammaln(x + 1.0))


def _pow_di(x: float, n: int) -> float:
    """R's R_pow_di: x^|n| by repeated squaring, rounding as R's does, and its reciprocal for a negative n (not
    the powers of 1/x: 10^-310 so was 4 units in the last place from R's)."""
    if n < 0:
        return 1.0 / _pow_di(x, -n)
    result = 1.0
    while n:
        if n & 1:
            result *= x
        n >>= 1
        if n:
            x *= x
    return result


#: The exponents whose R_pow_di(10, e) are tabled once (signif()'s are within +-360: dig - 1 - floor(log10 |x|))
_POW10_SPAN = 400


@functools.cache
def _pow10_table() -> np.ndarray:
    """R_pow_di(10, e) for e from -_POW10_SPAN to _POW10_SPAN."""
    return np.array([_pow_di(10.0, e) for e in range(-_POW10_SPAN, _POW10_SPAN + 1)])


def _powers(exponents: np.ndarray) -> np.ndarray:
    """10^e by R's R_pow_di for each of ``exponents``: from the table where every one is within its span (finding
    each block's distinct exponents by a sort cost a million numbers' signif() more than the rounding), else
    computed once per distinct exponent."""
    e = np.asarray(exponents, dtype=np.int64)
    if e.size == 0 or np.abs(e).max() <= _POW10_SPAN:
        return _pow10_table()[e + _POW10_SPAN]
    distinct, inverse = sorted_codes(exponents.reshape(-1), None)  # (signif()'s own price: PASSES)
    return np.array([_pow_di(10.0, int(e)) for e in distinct])[inverse.ravel()].reshape(exponents.shape)


def _signif_digits(x: np.ndarray, dig: int) -> np.ndarray:
    """R's fprec(x, dig) for whole 1 <= dig <= 22, on arrays (the powers of 10 are R_pow_di's)."""
    out = x.copy()  # (0, +-Inf and NaN stay as they are)
    with np.errstate(all="ignore"):
        l10 = np.log10(np.abs(x))
    done = np.isfinite(l10)
    if not done.any():
        return out
    v, l10 = np.abs(x[done]), l10[done]
    e10 = dig - 1 - np.floor(l10).astype(np.int64)
    ordinary = np.abs(l10) < _MAX10E - 2
    r = np.empty_like(v)
    # ordinary numbers: round x 10^e10 (scaled by p10 past 10^308), or x / 10^-e10, half to even
    up = ordinary & (e10 > 0)
    e = np.minimum(e10[up], _MAX10E)
    p10 = np.where(e10[up] > _MAX10E, _powers(np.maximum(e10[up] - _MAX10E, 0)), 1.0)
    pow10 = _powers(e)
    r[up] = (np.rint((v[up] * pow10) * p10) / pow10) / p10
    down = ordinary & (e10 <= 0)
    pow10 = _powers(-e10[down])
    r[down] = np.rint(v[down] / pow10) * pow10
    # beyond 10^+-306: R's scaled floor(x + 1/2), by 10^e10 in two factors, 10^(dig +- 22) first (the shift of
    # 1 or 6 that stood here overflowed 10^(e10 - e2) for x below 1e-315, NaN, and x 10^e2 for x above 1e306, Inf)
    far = ~ordinary
    if far.any():
        e2 = dig + np.where(e10[far] > 0, _MAX_DIGITS, -_MAX_DIGITS)
        p10, big_p10 = _powers(e2), _powers(e10[far] - e2)
        y = (v[far] * p10) * big_p10
        y = np.where(_MAX10E - l10[far] >= _pow_di(10.0, -dig), y + 0.5, y)
        r[far] = (np.floor(y) / p10) / big_p10
    out[done] = np.sign(x[done]) * r
    return out


def _signif(ev: "Evaluator", call: Call) -> Value:
    """R's ``signif(x, digits = 6)``: ``digits`` rounded as C's round(), below 1 taken as 1, above 22 leaving x as
    it is; each whole number of digits vectorized (:func:`_signif_digits`)."""
    a = bind(call, ("x", "digits"))
    x = numeric(ev.eval(a["x"]), call, "x")
    digits = numeric(ev.eval(a["digits"]), call, "digits") if "digits" in a else 6.0
    # (views, not copies: a number of digits is one value for every row)
    xs, ds = np.broadcast_arrays(np.atleast_1d(np.asarray(x, dtype=float)), np.atleast_1d(np.asarray(digits,
                                                                                                      dtype=float)))
    # (a block of rows at a time: on every row at once its masks and steps held 18 columns of rows, priced 3)
    result = in_blocks(_signif_block, xs, ds)
    return column_or_number(result.reshape(np.broadcast(np.asarray(x), np.asarray(digits)).shape), [x, digits])


def _signif_block(xs: np.ndarray, ds: np.ndarray) -> np.ndarray:
    """signif() of the numbers ``xs`` to the digits ``ds`` (of one length): each whole number of digits vectorized
    (:func:`_signif_digits`)."""
    with np.errstate(invalid="ignore"):
        dig = np.where(np.isposinf(ds), _MAX_DIGITS + 1, np.where(np.isneginf(ds), 1, np.sign(ds) * np.floor(
            np.abs(ds) + 0.5)))
    result = np.where(np.isnan(ds), xs + ds, xs)  # (NaN digits: NaN; more than 22: x)
    for d in np.unique(dig[~np.isnan(dig) & (dig <= _MAX_DIGITS)]):
        at = dig == d
        result[at] = _signif_digits(xs[at], max(int(d), 1))
    return result


def _libm(f, x: np.ndarray) -> np.ndarray:
    """C's ``f`` of each value, as R calls it: numpy's own sin, cos and tan are not the C library's on every
    version and machine (numpy 1.24's vectorized loops on AVX-512 differ from it in the last bit for a third of
    arguments, numpy 2's tan for some), and R's sinpi, cospi and tanpi are exact to the last bit."""
    x = np.asarray(x, dtype=float)
    flat, out = x.ravel(), np.empty(x.size)
    # (a block of rows at a time: every row's Python float and the list of them held 4 columns of rows beside it)
    for start in range(0, x.size, BLOCK_ROWS):
        block = flat[start:start + BLOCK_ROWS]
        out[start:start + block.size] = np.fromiter(map(f, block.tolist()), dtype=float, count=block.size)
    return out.reshape(x.shape)


def _sinpi(x: np.ndarray) -> np.ndarray:
    r = np.fmod(x, 2.0)
    r = np.where(r <= -1, r + 2.0, np.where(r > 1, r - 2.0, r))
    out = _libm(math.sin, np.where(np.isfinite(r), np.pi * r, 0.0))
    out = np.where((r == 0) | (r == 1), 0.0, np.where(r == 0.5, 1.0, np.where(r == -0.5, -1.0, out)))
    return np.where(np.isinf(x), np.nan, np.where(np.isnan(r), r, out))


def _cospi(x: np.ndarray) -> np.ndarray:
    r = np.fmod(np.abs(x), 2.0)
    out = _libm(math.cos, np.where(np.isfinite(r), np.pi * r, 0.0))
    out = np.where(np.fmod(r, 1.0) == 0.5, 0.0, np.where(r == 1, -1.0, np.where(r == 0, 1.0, out)))
    return np.where(np.isinf(x), np.nan, np.where(np.isnan(r), r, out))


def _tanpi(x: np.ndarray) -> np.ndarray:
    r = np.fmod(x, 1.0)
    r = np.where(r <= -0.5, r + 1.0, np.where(r > 0.5, r - 1.0, r))
    out = _libm(math.tan, np.where(np.isfinite(r) & (np.abs(r) != 0.5), np.pi * r, 0.0))
    out = np.where(r == 0, 0.0, np.where(r == 0.5, np.nan, np.where(r == 0.25, 1.0, np.where(
        r == -0.25, -1.0, out))))
    return np.where(np.isinf(x), np.nan, np.where(np.isnan(r), r, out))


def _find_interval(ev: "Evaluator", call: Call) -> Value:
    """R's ``findInterval(x, vec, rightmost.closed, all.inside, left.open)``: for each x the number of vec's
    values at or below it (below it, with left.open), NA where x is."""
    a = bind(call, ("x", "vec", "rightmost.closed", "all.inside", "left.open"), required=2)
    x = numeric(ev.eval(a["x"]), call, "x")
    vec = literal_numbers(ev.eval(a["vec"]), call, "vec")
    if np.isnan(vec).any() or np.any(np.diff(vec) < 0):
        raise call_error(call, "vec must be sorted non-decreasingly and not contain NAs")
    right, inside, left_open = (flag(ev.eval(a[f]), call, f) if f in a else False
                                for f in ("rightmost.closed", "all.inside", "left.open"))
    xs = np.asarray(x, dtype=float)
    n = vec.size
    i = np.searchsorted(vec, xs, side="left" if left_open else "right").astype(float)
    if right and n:
        if left_open:
            i = np.where(xs == vec[0], 1.0, i)
        else:
            i = np.where(xs == vec[-1], float(n - 1), i)
    if inside:
        i = np.clip(i, 1.0, max(n - 1, 1))
    return column_or_number(np.where(np.isnan(xs), np.nan, i), [x])


def _logical(value: Value, call: Call, what: str) -> np.ndarray | float:
    """A value as R's logical: numbers (0 is FALSE, any other number TRUE), logicals, and a factor's or a text's
    R spellings ("TRUE", "true", "T", "True"; "FALSE", ...), NA (NaN) otherwise."""
    if isinstance(value, FactorVec):
        table = np.array([_level_logical(lv) for lv in value.levels] + [np.nan], dtype=float)
        return table[value.codes]
    if isinstance(value, str):
        return _TEXT_LOGICAL.get(value, math.nan)
    x = numeric(value, call, what)
    return np.where(np.isnan(x), np.nan, (np.asarray(x) != 0).astype(float)) if isinstance(x, np.ndarray) \
        else (math.nan if math.isnan(x) else float(x != 0))


def _level_logical(level: Any) -> float:
    """A factor's level as R's logical: a text's spelling, a logical's own value; NaN for a number, whose text is
    no spelling of a logical and is not written (a million levels of factor(z) took 4 s)."""
    if isinstance(level, (bool, np.bool_, str)):
        return _TEXT_LOGICAL.get(label_text(level), math.nan)
    return math.nan


_TEXT_LOGICAL = {t: 1.0 for t in ("TRUE", "true", "T", "True")} | {t: 0.0 for t in ("FALSE", "false", "F", "False")}


def _as_logical(ev: "Evaluator", call: Call) -> Value:
    v = _logical(ev.eval(bind(call, ("x",))["x"]), call, "x")
    return NumVec(v, logical=True) if isinstance(v, np.ndarray) else (v if math.isnan(v) else bool(v))


def _xor(ev: "Evaluator", call: Call) -> Value:
    """R's ``xor(x, y)``: TRUE where exactly one is TRUE, NA where either is NA."""
    a = bind(call, ("x", "y"), required=2)
    x, y = (_logical(ev.eval(a[p]), call, p) for p in ("x", "y"))
    r = np.where(np.isnan(x) | np.isnan(y), np.nan, (np.asarray(x) != np.asarray(y)).astype(float))
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return NumVec(np.broadcast_to(r, np.broadcast(x, y).shape).astype(float), logical=True)
    return math.nan if math.isnan(float(r)) else bool(r)


#: name -> function, merged into the formula's functions (:data:`glmstat.formula.functions.BUILTINS`)
def _finiteness(infinite: bool) -> Builtin:
    """R's ``is.finite(x)`` (``infinite``: ``is.infinite(x)``)."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        with ev.whole_columns():  # (R's value is never NA: the rows missing x are kept)
            x = ev.eval(bind(call, ("x",))["x"])
        if isinstance(x, FactorVec):
            return NumVec(np.zeros(len(x.codes)), logical=True)
        v = np.asarray(numeric(x, call), dtype=float)
        r = np.isinf(v) if infinite else np.isfinite(v)
        return NumVec(r.astype(float), logical=True) if v.ndim else float(r)
    return apply


NUMBER_FUNCTIONS: dict[str, Builtin] = {
    "choose": _counted(_choose_vec), "lchoose": _counted(_lchoose_vec),
    "factorial": unary(_factorial), "lfactorial": unary(_lfactorial),
    "signif": _signif,
    "sinpi": unary(_sinpi), "cospi": unary(_cospi), "tanpi": unary(_tanpi),
    "findInterval": _find_interval, "xor": _xor, "as.logical": _as_logical,
    "atan2": binary(np.arctan2, ("y", "x")), "is.finite": _finiteness(False), "is.infinite": _finiteness(True),
}
