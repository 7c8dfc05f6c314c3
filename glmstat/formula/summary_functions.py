"""R's summaries of a whole column inside a formula: ``mean``, ``median``, ``sd``, ``var``, ``min``, ``max``,
``sum``, ``length``, ``quantile``, ``IQR`` and ``mad`` (``y ~ I(x - mean(x))``, ``I((x - mean(x)) / sd(x))``,
``offset(log(n / sum(n)))``).

As in R's ``model.frame``, a summary is taken over every row of the data, before the rows with a missing
value elsewhere (the response, another variable) are dropped, and a column read only inside a summary drops
no row (``I(z - mean(x, na.rm = TRUE))`` keeps the rows where x is missing, as R does).

Unlike R, a summary is a stateful transform, as ``scale()`` is: its value is learned once from the training
data and kept in the model, so ``predict(newdata)`` and every chunk of streamed data (a Parquet file read a
row group at a time, a dask DataFrame) use the training value.  R's ``predict`` evaluates ``mean(x)`` again on
the new rows, so that a one-row ``newdata`` is centred on itself.  On streamed data the summary is of all
the rows: each chunk gives mergeable quantities (:class:`Part`: counts, exact sums, the sum of squared
deviations about the chunk's mean, the extremes), combined by the parallel-variance formula of Chan, Golub
and LeVeque in exact rational arithmetic; ``median`` and a trimmed ``mean`` need the values themselves, which
are gathered within ``FormulaLimits.max_design_bytes``.

The numbers are R's: sums and means are computed exactly and rounded once (R accumulates in long double,
which gives the same double but where that loses digits: R's ``mean(c(1e20, 1, -1e20))`` is 0, glmstat's
1/3), ``var`` and ``sd`` divide by n - 1, ``median`` averages the two middle values of an even count, ``IQR`` is
the difference of the type-7 quartiles and ``mad`` 1.4826 times the median absolute deviation from the median.  A
missing value without ``na.rm = TRUE`` -- R's NA, on which R's ``glm`` stops with "0 (non-NA) cases" -- is
refused with a :class:`~glmstat.errors.DataError` naming the call, the column and the count of missing
values, and so is a summary that is not a finite number (an infinite value, too few values).  In a ``subset=``
condition such a summary is NA, as R's: R's three-valued logic keeps rows with it (``x > median(x) | g == "a"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import reduce
from typing import Any, Callable, Iterable, TYPE_CHECKING

import numpy as np

from ..errors import DataError, GLMStatError
from .call_arguments import bind, call_error, flag, levels_text, scalar_number
from .deparse import deparse
from .nodes import Call, Const, Node
from .values import R_INT_MAX, FactorVec, NumMat, NumVec, RInteger, Value, is_integer_value, r_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["MAX_ARGUMENTS", "Part", "SUMMARY_FUNCTIONS", "call_iqr", "call_length", "call_mad", "call_max",
           "call_mean", "call_median",
           "call_min", "call_quantile", "call_sd", "call_sum", "call_var", "exact_sum", "merge", "merge_all", "part_of",
           "rounded_squares", "type7_quantiles"]

#: the values ``min()``, ``max()`` and ``sum()`` take at most (R takes any number; each is a pass over the rows)
MAX_ARGUMENTS = 16
#: the summaries of columns one formula computes at most (each a pass over the rows, a median's a sort of them)
MAX_SUMMARIES = 64
#: what a summary needs of the values: their sum, the sum of squared deviations, the extremes, the values
TOTAL, SQUARES, RANGE, VALUES = "total", "squares", "range", "values"
_ZERO = Fraction(0)


@dataclass(frozen=True, eq=False)
class Part:
    """What some values (a chunk's rows of a column, a literal) tell about their summaries, merged by
    :func:`merge` into what all of them tell.  Sums are exact rationals; ``squares`` is the sum of squared
    deviations of the finite values about ``center`` (None when not needed); ``values`` are the values that
    are not missing, for a median (None when not needed)."""

    rows: int = 0  # every value, the missing ones too (R's length)
    missing: int = 0  # NA or NaN
    infinite: int = 0
    finite: int = 0
    total: Fraction = _ZERO  # the sum of the finite values
    low: float = math.inf  # the extremes of the values that are not missing
    high: float = -math.inf
    center: Fraction = _ZERO
    squares: Fraction | None = None
    values: np.ndarray | None = field(default=None, repr=False)

    @property
    def count(self) -> int:
        """The values that are not missing."""
        return self.finite + self.infinite

    @property
    def nbytes(self) -> int:
        """The memory of the values held (for the bound on what streamed data gathers)."""
        return 0 if self.values is None else int(self.values.nbytes)


def _pairwise_sum(x: np.ndarray) -> Fraction:
    """The sum of ``x`` to about 2^-100 of the sum of its magnitudes: halves added pairwise, each addition's
    rounding error kept by Knuth's TwoSum (s + e = a + b exactly) and the errors of each level summed apart
    (they are 2^-53 of the sums, so their own rounding is 2^-106), the whole added up as an exact rational."""
    errors: list[float] = []
    while x.size > 1:
        half = x.size // 2
        if x.size % 2:
            errors.append(float(x[-1]))  # (the odd one out, as it is)
        a, b = x[:half], x[half:2 * half]
        s = a + b
        bv = s - a
        e = a - (s - bv)
        e += b - bv
        errors.append(float(e.sum()))
        x = s
    return sum(map(Fraction, errors), Fraction(float(x[0])) if x.size else _ZERO)


def _scale_of(x: np.ndarray) -> int:
    """A power of two that brings ``x`` near 1 when it is far from it (0 otherwise): sums of huge values and
    squares of large ones stay finite, and products of tiny ones do not underflow."""
    big = float(np.max(np.abs(x))) if x.size else 0.0
    e = math.frexp(big)[1] if big > 0 else 0
    return e if abs(e) > 200 else 0


def exact_sum(x: np.ndarray) -> Fraction:
    """The sum of the finite values ``x`` (see :func:`_pairwise_sum`), without overflow."""
    e = _scale_of(x)
    return _pairwise_sum(np.ldexp(x, -e) if e else x) * Fraction(2) ** e


def rounded_squares(x: np.ndarray, center: float) -> Fraction:
    """R's sum of squared deviations: each ``(x - center)^2`` rounded to a double, as R's ``var`` computes it
    (``cov.c``), and the rounded squares summed exactly (R sums them in long double).  Values far from 1 are
    brought near it by a power of two first, which changes no rounding but keeps the squares finite."""
    e = _scale_of(x)
    if e:
        x, center = np.ldexp(x, -e), math.ldexp(center, -e)
    d = x - center
    return _pairwise_sum(d * d) * Fraction(4) ** e


def part_of(x: np.ndarray, needs: frozenset[str]) -> Part:
    """The :class:`Part` of the numbers ``x`` (NaN for missing) with what ``needs`` asks for."""
    missing = np.isnan(x)
    n_missing = int(np.count_nonzero(missing))
    present = x[~missing] if n_missing else x
    finite_mask = np.isfinite(present)
    n_finite = int(np.count_nonzero(finite_mask))
    finite = present if n_finite == present.size else present[finite_mask]
    kept = {}
    if RANGE in needs and present.size:
        kept.update(low=float(present.min()), high=float(present.max()))
    if (TOTAL in needs or SQUARES in needs) and n_finite:
        kept["total"] = exact_sum(finite)
    if SQUARES in needs:
        center = _as_float(kept["total"] / n_finite) if n_finite else 0.0
        kept.update(center=Fraction(center), squares=rounded_squares(finite, center) if n_finite else _ZERO)
    if VALUES in needs:  # (a copy: a view would hold the chunk's whole block of columns)
        kept["values"] = present.copy() if present is x else present
    return Part(rows=x.size, missing=n_missing, infinite=present.size - n_finite, finite=n_finite, **kept)


def _moved_squares(p: Part, center: Fraction) -> Fraction:
    """``p``'s sum of squared deviations about another ``center``: sum (x - c)^2 = sum (x - c_p)^2 +
    2 (c_p - c) sum (x - c_p) + n (c_p - c)^2, exactly (the parallel-variance formula)."""
    shift = p.center - center
    return p.squares + 2 * shift * (p.total - p.finite * p.center) + p.finite * shift * shift


def merge(a: Part, b: Part) -> Part:
    """The :class:`Part` of the values of ``a`` and ``b`` together: ``b``'s squared deviations moved to ``a``'s
    center (:func:`_moved_squares`)."""
    if a.finite == 0:
        center, squares = b.center, b.squares
    elif b.finite == 0 or a.squares is None or b.squares is None:
        center, squares = a.center, a.squares
    else:
        center, squares = a.center, a.squares + _moved_squares(b, a.center)
    values = a.values if b.values is None else b.values if a.values is None else np.concatenate([a.values,
                                                                                                 b.values])
    return Part(a.rows + b.rows, a.missing + b.missing, a.infinite + b.infinite, a.finite + b.finite,
                a.total + b.total, min(a.low, b.low), max(a.high, b.high), center, squares, values)


def merge_all(parts: Iterable[Part]) -> Part:
    """The :class:`Part` of every part's values together (their values concatenated once, not pairwise)."""
    parts = list(parts)
    merged = reduce(merge, (replace(p, values=None) for p in parts), Part())
    held = [p.values for p in parts if p.values is not None]
    return replace(merged, values=np.concatenate(held) if held else None)


def _as_float(q: Fraction) -> float:
    """An exact rational rounded once to a double (infinite beyond the doubles, as R's long double is)."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


@dataclass(frozen=True)
class _Summary:
    """One summary call: what it computes (``value``: a Part to a number) and what its messages say."""

    call: Call
    name: str  # the R function
    subject: str  # what is summarized, for messages: "x", "the values of x, z"
    several: bool  # arguments
    na_rm: bool
    needs: frozenset
    value: Callable[["_Summary", Part], float | tuple[float, ...]]
    trim: float = 0.0
    probs: tuple[float, ...] = ()  # quantile()'s
    #: a missing value without na.rm makes the summary NA, as R's, instead of refused (Evaluator.missing_summaries_na)
    missing_is_na: bool = False

    @property
    def placeholder(self) -> float | tuple[float, ...]:
        """A value of the summary's shape, standing for it while streamed data are collected (when a chunk alone
        has none): a number, or quantile()'s increasing values, one per probability."""
        return tuple(float(i) for i in range(len(self.probs))) if self.name == "quantile" else 1.0

    @property
    def text(self) -> str:
        return deparse(self.call)

    @property
    def has(self) -> str:
        return "have" if self.several else "has"

    @property
    def removing_na(self) -> str:
        """The call with ``na.rm = TRUE``, for the message that suggests it."""
        kwargs = tuple((k, v) for k, v in self.call.kwargs if k != "na.rm") + (("na.rm", Const("TRUE")),)
        return deparse(Call(self.call.func, self.call.args, kwargs))

    def fail(self, what: str) -> DataError:
        return DataError(f"{self.text}: {what}")

    def of(self, part: Part) -> float | tuple[float, ...]:
        """The summary of ``part``'s values, or the error saying why there is none R's glm could use."""
        if part.missing and not self.na_rm and self.name != "length":
            if self.missing_is_na and self.name != "quantile":  # (R's quantile() refuses them: so does glmstat)
                return math.nan
            raise self.fail(f"{self.subject} {self.has} {part.missing:,} missing value(s) (NA or NaN) among "
                            f"{part.rows:,}, so {self.text} is NA, as in R, and would make every row of the model "
                            f"missing (R's glm stops: '0 (non-NA) cases'); write {self.removing_na} for the "
                            f"{self.name} of the values present")
        v = self.value(self, part)
        if isinstance(v, tuple):
            bad = [u for u in v if not math.isfinite(u)]
            if not bad:
                return v
            v = bad[0]
        elif math.isfinite(v):
            return v
        if part.infinite:
            raise self.fail(f"{self.subject} {self.has} {part.infinite:,} infinite value(s), so the {self.name} is "
                            "not a finite number (R's is Inf or NaN), which no model can use")
        raise self.fail(f"the {self.name} of {self.subject} is {r_text(v)}, not a finite number, which no model can "
                        "use")

    def at_least(self, part: Part, k: int, finite: bool = False) -> None:
        """Refuse a summary of fewer than ``k`` values (finite ones: ``finite``), which R gives as NA or NaN."""
        have = part.finite if finite else part.count
        if have < k:
            kind = "finite " if finite and part.infinite else ""
            present = " that are not missing" if part.missing else ""
            raise self.fail(f"{self.subject} {self.has} {have:,} {kind}value(s){present}; {self.name}() needs at "
                            f"least {k} (R gives NA, NaN or an infinity)")


def _mean(s: _Summary, p: Part) -> float:
    if s.trim > 0 and p.count:
        return _trimmed_mean(s, p)
    s.at_least(p, 1)
    return math.nan if p.infinite else _as_float(p.total / p.finite)


def _trimmed_mean(s: _Summary, p: Part) -> float:
    """R's ``mean(x, trim)``: the median from trim 0.5, else the mean of the values from the floor(n trim) + 1-th
    smallest to as many from the largest."""
    if s.trim >= 0.5:
        return _median(s, p)
    n = p.count
    lo = math.floor(n * s.trim) + 1
    kept = np.partition(p.values, (lo - 1, n - lo))[lo - 1:n + 1 - lo]
    inner = part_of(kept, frozenset({TOTAL}))
    return math.nan if inner.infinite else _as_float(inner.total / inner.finite)


def _median(s: _Summary, p: Part) -> float:
    s.at_least(p, 1)
    n, v = p.count, p.values
    half = (n + 1) // 2
    if n % 2:
        return float(np.partition(v, half - 1)[half - 1])
    a, b = (float(u) for u in np.partition(v, (half - 1, half))[half - 1:half + 1])
    if not (math.isfinite(a) and math.isfinite(b)):
        return (a + b) / 2
    return _as_float((Fraction(a) + Fraction(b)) / 2)


def _var(s: _Summary, p: Part) -> float:
    """R's ``var``: the squared deviations from the mean rounded to a double (not from the exact mean: where the
    values' spacing is near that rounding the two differ by 1e-8), over n - 1."""
    if p.infinite:
        return math.nan
    s.at_least(p, 2, finite=True)
    mean = Fraction(_as_float(p.total / p.finite))  # (the squares are about the first chunk's mean: moved here)
    return _as_float(_moved_squares(p, mean) / (p.finite - 1))


def _sd(s: _Summary, p: Part) -> float:
    return math.sqrt(_var(s, p))


def _sum(s: _Summary, p: Part) -> float:
    return math.nan if p.infinite else _as_float(p.total)


def _min(s: _Summary, p: Part) -> float:
    s.at_least(p, 1)
    return p.low


def _max(s: _Summary, p: Part) -> float:
    s.at_least(p, 1)
    return p.high


def _length(s: _Summary, p: Part) -> float:
    return float(p.rows)


def type7_quantiles(values: np.ndarray, probs: Iterable[float]) -> tuple[float, ...]:
    """R's ``quantile(x, probs)`` of type 7 (its default) of the n >= 1 numbers ``values`` (none missing): for
    h = 1 + (n - 1) p, the floor(h)-th smallest value, moved by f = h - floor(h) of the way to the ceiling(h)-th,
    ``(1 - f) x_lo + f x_hi`` as R computes it (to the last bit)."""
    probs = list(probs)
    n = values.shape[0]
    index = [1.0 + max(n - 1, 0) * q for q in probs]
    lo = [math.floor(i) for i in index]
    hi = [math.ceil(i) for i in index]
    order = np.partition(values, sorted({k - 1 for k in lo + hi}))
    out = []
    for i, a, b in zip(index, lo, hi):
        q = float(order[a - 1])
        high = float(order[b - 1])
        if i > a and high != q:
            f = i - a
            q = (1.0 - f) * q + f * high
        out.append(q)
    return tuple(out)


def _quantile(s: _Summary, p: Part) -> tuple[float, ...]:
    s.at_least(p, 1)
    return type7_quantiles(p.values, s.probs)


def _iqr(s: _Summary, p: Part) -> float:
    """R's ``IQR(x)``: the third quartile less the first, both of type 7."""
    s.at_least(p, 1)
    q1, q3 = type7_quantiles(p.values, (0.25, 0.75))
    return q3 - q1


#: R's mad() constant, which makes the median absolute deviation estimate the normal's standard deviation
_MAD_CONSTANT = 1.4826


def _mad(s: _Summary, p: Part) -> float:
    """R's ``mad(x)``: 1.4826 times the median of |x - median(x)|."""
    center = _median(s, p)
    return _MAD_CONSTANT * _median(s, replace(p, values=np.abs(p.values - center)))


# -- the arguments ------------------------------------------------------------------------------------------
def _numbers(value: Value, call: Call, node: Node, name: str) -> tuple[np.ndarray, bool]:
    """The numbers an argument holds (NaN where missing) and whether they are a column (one per row) rather
    than literal values; a factor, text or a matrix is refused as R refuses them."""
    if isinstance(value, NumVec):
        return value.values, True
    if isinstance(value, tuple):
        if all(isinstance(v, (bool, int, float)) for v in value):
            return np.asarray(value, dtype=float), False
    elif isinstance(value, (bool, np.bool_, int, float)):
        return np.array([float(value)]), False
    what = deparse(node)
    if isinstance(value, FactorVec):
        raise call_error(call, f"{what} is a factor (levels {levels_text(value.levels)}); {name}() summarizes "
                               "numbers or logicals, as in R ('argument is not numeric or logical')")
    if isinstance(value, NumMat):
        raise call_error(call, f"{what} has {value.values.shape[1]} columns; {name}() summarizes one column")
    raise call_error(call, f"{what} is text, not numbers; {name}() summarizes numbers or logicals, as in R")


def _rows_of(value: Value) -> tuple[int, bool]:
    """R's ``length()`` of an argument, and whether it is a column (one value per row)."""
    if isinstance(value, (NumVec, FactorVec)):
        return (value.values.size if isinstance(value, NumVec) else value.codes.size), True
    if isinstance(value, NumMat):
        return value.values.size, True  # (R: a matrix's length is its rows times its columns)
    return (len(value) if isinstance(value, tuple) else 1), False


def _na_rm(ev: "Evaluator", node: Node | None, call: Call) -> bool:
    return False if node is None else flag(ev.eval(node), call, "na.rm")


#: the summaries whose value of R's integers is an integer (R's sum(), min(), max(), range())
_INTEGER_SUMMARIES = frozenset({"sum", "min", "max", "range"})


def _as_integer(value: Any, integer: bool) -> Any:
    """A summary's value (a number or a tuple of them) as R's integers (:class:`RInteger`) when ``integer`` and
    each is a whole number within R's integers (R's integer sum beyond them is NA, with a warning: here the
    double); else as it is."""
    if not integer:
        return value
    values = value if isinstance(value, tuple) else (value,)
    if not all(isinstance(v, float) and v.is_integer() and abs(v) <= R_INT_MAX for v in values):
        return value
    return tuple(map(RInteger, values)) if isinstance(value, tuple) else RInteger(value)


def _summarize(ev: "Evaluator", s: _Summary, nodes: list[Node]) -> float | tuple[float, ...]:
    """The value of the summary ``s`` of the arguments ``nodes``: computed at once from literal values; else
    learned from the column over every row (kept for new data and for each chunk of streamed data), or, while
    streamed data are gathered, recorded and this chunk's own value returned for the time being."""
    if s.call in ev.state and ev.mode != "collect":  # (the same call twice in a formula: one value)
        known = ev.state[s.call]
        # (a subset's NA, learned first, is no value for a term of the formula: computed again, it is refused)
        if ev.missing_summaries_na or ev.mode == "apply" or not (isinstance(known, float) and math.isnan(known)):
            return known
    if ev.missing_summaries_na:
        s = replace(s, missing_is_na=True)
    ev.count_summary(s.call, MAX_SUMMARIES)
    constant, columns, any_column = Part(), Part(), False
    integer = s.name in _INTEGER_SUMMARIES  # (R: of integers an integer, written in full; length() always one)
    with ev.whole_columns():  # (a summary's value for a row is not that row's: no missing value of it drops the row)
        for node in nodes:  # (one argument at a time: many arguments hold one column at most)
            value = ev.eval(node)
            integer = integer and is_integer_value(value)
            if s.name == "length":
                rows, is_column = _rows_of(value)
                part = Part(rows=rows)
            else:
                numbers, is_column = _numbers(value, s.call, node, s.name)
                part = part_of(numbers, s.needs)
            if is_column:
                columns, any_column = merge(columns, part), True
            else:
                constant = merge(constant, part)
    if s.name == "length":
        integer = True
    if not any_column:
        return _as_integer(s.of(constant), integer)

    def learn(records: np.ndarray) -> float | tuple[float, ...]:
        return _as_integer(s.of(merge_all([constant, *records])), integer)

    learned = ev.summary_state(s.call, columns, learn)
    if learned is not None:
        return learned
    if s.probs:  # (a chunk's own quantiles may tie where every row's do not: cut() would refuse them as breaks)
        return s.placeholder
    try:  # mode "collect": this chunk's own summary stands for the whole data's until every chunk is read
        return _as_integer(s.of(merge(constant, columns)), integer)
    except GLMStatError:
        return s.placeholder


def _summary(call: Call, name: str, nodes: list[Node], na_rm: bool, value: Callable, needs: frozenset,
             trim: float = 0.0, probs: tuple[float, ...] = ()) -> _Summary:
    subject = deparse(nodes[0]) if len(nodes) == 1 else f"the values of {', '.join(deparse(n) for n in nodes)}"
    return _Summary(call, name, subject, len(nodes) > 1, na_rm, needs, value, trim, probs)


def _one_column(name: str, value: Callable, needs: frozenset) -> Callable[["Evaluator", Call], float]:
    """``median(x, na.rm)`` and ``sd(x, na.rm)``: one argument to summarize."""
    def apply(ev: "Evaluator", call: Call) -> float:
        a = bind(call, ("x", "na.rm"))
        s = _summary(call, name, [a["x"]], _na_rm(ev, a.get("na.rm"), call), value, needs)
        return _summarize(ev, s, [a["x"]])
    return apply


def call_mean(ev: "Evaluator", call: Call) -> float:
    """R's ``mean(x, trim = 0, na.rm = FALSE)``: the exact mean rounded once (R's two-pass long double mean
    gives the same double); with ``trim`` in (0, 0.5) the mean of the values left when floor(n trim) are
    dropped from each end, from 0.5 the median, as R's ``mean.default``.  Learned from the training rows and
    kept: ``predict(newdata)`` centres new rows on the training mean, where R's recomputes it from them."""
    a = bind(call, ("x", "trim", "na.rm"))
    trim = 0.0
    if "trim" in a:
        given = ev.eval(a["trim"])
        if isinstance(given, (NumVec, FactorVec, NumMat, tuple)):
            raise call_error(call, f"trim must be one number, not {deparse(a['trim'])} (mean() summarizes one "
                                   "column; its second argument is trim)")
        trim = scalar_number(given, call, "trim")
        if math.isnan(trim):
            raise call_error(call, "trim must be a number, not NA")
    needs = frozenset({TOTAL, VALUES} if trim > 0 else {TOTAL})
    s = _summary(call, "mean", [a["x"]], _na_rm(ev, a.get("na.rm"), call), _mean, needs, trim)
    return _summarize(ev, s, [a["x"]])


def call_var(ev: "Evaluator", call: Call) -> float:
    """R's ``var(x, na.rm = FALSE)`` of one column: the sum of squared deviations from the mean over n - 1."""
    a = bind(call, ("x", "y", "na.rm", "use"))
    if "y" in a or "use" in a:
        raise call_error(call, "only var(x) and var(x, na.rm = TRUE) are supported (not a covariance var(x, y), "
                               "nor use =)")
    s = _summary(call, "var", [a["x"]], _na_rm(ev, a.get("na.rm"), call), _var, frozenset({TOTAL, SQUARES}))
    return _summarize(ev, s, [a["x"]])


def _of_all(name: str, value: Callable, needs: frozenset) -> Callable[["Evaluator", Call], float]:
    """``min``, ``max`` and ``sum`` of all their arguments' values together (``max(x, z)``, ``sum(x, 10)``), as
    R's; ``na.rm`` by name."""
    def apply(ev: "Evaluator", call: Call) -> float:
        named = dict(call.kwargs)
        if set(named) - {"na.rm"}:
            raise call_error(call, f"{name}() takes values and na.rm = TRUE or FALSE; the named argument "
                                   f"{sorted(set(named) - {'na.rm'})[0]} is not supported")
        if not call.args:
            raise call_error(call, f"{name}() needs at least one value")
        if len(call.args) > MAX_ARGUMENTS:  # (each a pass over the rows: a formula's text holds thousands)
            raise call_error(call, f"{name}() takes at most {MAX_ARGUMENTS} values (columns, numbers or c(...)), "
                                   f"got {len(call.args):,}")
        nodes = list(call.args)
        s = _summary(call, name, nodes, _na_rm(ev, named.get("na.rm"), call), value, needs)
        return _summarize(ev, s, nodes)
    return apply


#: quantile()'s default probabilities (R's seq(0, 1, 0.25)); at most as many as a formula may have characters
_QUARTILES = (0.0, 0.25, 0.5, 0.75, 1.0)


def call_quantile(ev: "Evaluator", call: Call) -> tuple[float, ...]:
    """R's ``quantile(x, probs = seq(0, 1, 0.25), na.rm = FALSE, names = TRUE, type = 7)`` of one column: the
    values at ``probs`` (type 7, R's default), as literal values -- the breaks of ``cut(x, quantile(x, c(0,
    1/3, 2/3, 1)), include.lowest = TRUE)``.  Learned from the training rows and kept, as ``mean()`` is
    (R's ``predict`` computes them again from the new rows, where one row gives one break)."""
    a = bind(call, ("x", "probs", "na.rm", "names", "type"))
    probs = _QUARTILES
    if "probs" in a:
        given = ev.eval(a["probs"])
        values = given if isinstance(given, tuple) else (given,)
        if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise call_error(call, f"probs must be literal numbers in [0, 1], e.g. c(0, 0.5, 1) or seq(0, 1, 0.25); "
                                   f"got {deparse(a['probs'])}")
        eps = 100 * np.finfo(float).eps
        if not all(-eps <= v <= 1 + eps for v in values):  # (NaN too)
            raise call_error(call, f"probs must lie in [0, 1] (R: 'probs' outside [0,1]); got {deparse(a['probs'])}")
        probs = tuple(min(1.0, max(0.0, float(v))) for v in values)
    if "names" in a:
        flag(ev.eval(a["names"]), call, "names")  # (the values' names print only)
    if "type" in a and ev.eval(a["type"]) != 7:
        raise call_error(call, "only R's default type = 7 is supported")
    s = _summary(call, "quantile", [a["x"]], _na_rm(ev, a.get("na.rm"), call), _quantile, frozenset({VALUES}),
                 probs=probs)
    return _summarize(ev, s, [a["x"]])


def call_length(ev: "Evaluator", call: Call) -> float:
    """R's ``length(x)``: the number of rows of the data (missing values too), or of literal values."""
    a = bind(call, ("x",))
    return _summarize(ev, _summary(call, "length", [a["x"]], False, _length, frozenset()), [a["x"]])


call_median = _one_column("median", _median, frozenset({VALUES}))
call_iqr = _one_column("IQR", _iqr, frozenset({VALUES}))
call_mad = _one_column("mad", _mad, frozenset({VALUES}))
call_sd = _one_column("sd", _sd, frozenset({TOTAL, SQUARES}))
call_min = _of_all("min", _min, frozenset({RANGE}))
call_max = _of_all("max", _max, frozenset({RANGE}))
call_sum = _of_all("sum", _sum, frozenset({TOTAL}))

#: R's summary functions by name, for the registry of :mod:`glmstat.formula.functions`
SUMMARY_FUNCTIONS: dict[str, Callable[["Evaluator", Call], float]] = {
    "mean": call_mean, "median": call_median, "sd": call_sd, "var": call_var, "min": call_min, "max": call_max,
    "sum": call_sum, "length": call_length, "quantile": call_quantile, "IQR": call_iqr, "mad": call_mad,
}
