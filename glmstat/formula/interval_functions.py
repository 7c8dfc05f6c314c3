"""R's ``cut()``: a number's intervals as a factor, as ``cut.default`` computes them -- the breaks (a count of
equal intervals over the range of x, or the numbers given), the labels ``"(a,b]"`` written by ``formatC``, and
each value's interval by ``.bincode``.

With a count the breaks are learned from the fit's rows (the range of x, over every chunk of streamed data) and
kept for new data, as ``poly()``'s coefficients are (:meth:`Evaluator.transform_state`); given breaks are the same
on any rows, so nothing is learned."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .._arguments import shown
from .call_arguments import bind, call_error, flag, levels_text, whole_number
from .date_functions import cut_dates, is_date
from .deparse import deparse
from .limits import refuse
from .nodes import Call, Const, Node
from .calendar import date_text
from .values import FactorVec, NumMat, NumVec, RDate, Value, r_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["call_cut", "cut_labels", "equal_breaks", "interval_codes"]

_PARAMS = ("x", "breaks", "labels", "include.lowest", "right", "dig.lab", "ordered_result")


def call_cut(ev: "Evaluator", call: Call) -> Value:
    """R's ``cut(x, breaks, labels = NULL, include.lowest = FALSE, right = TRUE, dig.lab = 3, ordered_result =
    FALSE)``: the factor of the interval between two breaks each value of x falls in (missing outside the breaks,
    a row then dropped as any missing value), its levels every interval, ``"(a,b]"`` (``"[a,b)"`` with ``right =
    FALSE``); ``labels = FALSE`` gives the intervals' numbers 1, 2, ... instead, ``labels = c(...)`` names them.

    ``breaks`` is a count k (at least 2) of equal intervals over the range of x, the outer breaks moved out by
    a thousandth of the range so that its ends fall inside, or the breaks themselves, ``c(0, 10, Inf)``.  A
    count's breaks are learned from the fit's rows and kept: new data, even one row, is cut at the fit's breaks.
    R's own ``predict()`` recomputes them from the new rows (their range: one row cannot be cut at all, and
    other rows fall in other intervals than the fit's), a known pitfall that glmstat does not reproduce.
    """
    a = bind(call, _PARAMS + ("start.on.monday",), required=2)
    value = ev.eval(a["x"])
    if is_date(value):  # (R's cut.Date)
        breaks = ev.eval(a["breaks"])
        if isinstance(breaks, tuple) and breaks and all(isinstance(b, RDate) for b in breaks):
            return _cut_at_dates(ev, call, a, value, breaks)
        return cut_dates(ev, call, a, value)
    if "start.on.monday" in a:
        raise call_error(call, "start.on.monday = is for dates (R's cut.Date)")
    x = _numbers(value, call)
    include_lowest = flag(ev.eval(a["include.lowest"]), call, "include.lowest") if "include.lowest" in a else False
    right = flag(ev.eval(a["right"]), call, "right") if "right" in a else True
    dig = whole_number(ev.eval(a["dig.lab"]), call, "dig.lab", 1, 12) if "dig.lab" in a else 3
    ordered = flag(ev.eval(a["ordered_result"]), call, "ordered_result") if "ordered_result" in a else False
    given = _breaks(ev.eval(a["breaks"]), call)
    labels = _labels_argument(ev, a.get("labels"), call)
    count = len(given) == 1
    intervals = int(given[0]) if count else len(given) - 1
    if intervals - 1 > ev.limits.max_columns:  # (a level per interval, before any label is written)
        raise refuse("max_columns", f"{deparse(call)} asks for more intervals (less one: its design columns) than "
                     "allowed", intervals - 1, ev.limits)
    if isinstance(labels, tuple) and len(labels) != intervals:
        raise call_error(call, f"labels has {len(labels)} values for {intervals} intervals (R: lengths of 'breaks' "
                         "and 'labels' differ)")
    if count:
        breaks = _learned_breaks(ev, call, x, intervals)
        if breaks is None:  # (a first pass over streamed data: the range is not known yet)
            return _placeholder(x, labels is False)
    else:
        breaks = given
    codes = interval_codes(x, np.asarray(breaks), right, include_lowest)
    if labels is False:
        return NumVec(np.where(codes >= 0, codes + 1.0, np.nan))
    if labels is None:
        return FactorVec(codes, cut_labels(breaks, right, include_lowest, dig), ordered)
    return _named(codes, labels, ordered)


def _numbers(value: Value, call: Call) -> np.ndarray:
    """``x``: a numeric column (R's ``cut`` refuses anything that is not numeric, a logical too; dates are cut by
    :func:`~glmstat.formula.date_functions.cut_dates`)."""
    if isinstance(value, NumVec) and not value.logical:
        return value.values
    if isinstance(value, FactorVec):
        what = f"a factor (with levels {levels_text(value.levels)})"
    elif isinstance(value, NumVec):
        what = "TRUE/FALSE values"
    elif isinstance(value, NumMat):
        what = f"a matrix of {value.values.shape[1]} columns"
    elif isinstance(value, (int, float, str, bool, tuple)):
        what = f"the constant {shown(value)}, not a column"
    else:  # pragma: no cover - every value is one of the above
        what = type(value).__name__
    raise call_error(call, f"x must be a numeric column (R: 'x' must be numeric), but it is {what}")


def _breaks(value: Value, call: Call) -> tuple[float, ...]:
    """``breaks``: one number, the count of intervals (R's ``as.integer(breaks + 1)`` breaks: a fraction is cut
    off), or the breaks, sorted; R refuses a count below 2 and breaks that repeat.  Infinite breaks are R's
    open ends (``c(-Inf, 0, Inf)``); NA is refused (R's ``sort`` would drop it silently)."""
    vals = value if isinstance(value, tuple) else (value,)
    if not vals or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        raise call_error(call, f"breaks must be a number of intervals or literal numbers c(...), got {shown(vals)}")
    if any(math.isnan(v) for v in vals):
        raise call_error(call, f"breaks must not be NA or NaN, got {shown(vals)}")
    if len(vals) == 1:
        k = float(vals[0])
        if not (k >= 2 and math.isfinite(k)):
            raise call_error(call, f"a number of intervals (breaks) must be finite and at least 2, got {r_text(k)} "
                             "(R: invalid number of intervals)")
        return (float(math.floor(k)),)
    breaks = tuple(sorted(float(v) for v in vals))
    repeated = [b for b, c in zip(breaks[1:], breaks[:-1]) if b == c]
    if repeated:
        raise call_error(call, f"breaks must be distinct, but {r_text(repeated[0])} repeats (R: 'breaks' are not "
                         "unique)")
    return breaks


def _labels_argument(ev: "Evaluator", node: Node | None, call: Call) -> tuple[str, ...] | bool | None:
    """``labels``: None (R's default, NULL: the intervals' own), False (their numbers) or the texts of the
    literal values given, one per interval (numbers as R's ``as.character`` writes them)."""
    if node is None or (isinstance(node, Const) and node.id == "NULL"):
        return None
    value = ev.eval(node)
    if value is False:
        return False
    vals = value if isinstance(value, tuple) else (value,)
    if not vals or not all(isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool)
                                                  and not math.isnan(v)) for v in vals):
        raise call_error(call, f"labels must be FALSE or literal values such as c(\"low\", \"high\") (not NA), got "
                         f"{shown(vals)}")
    return tuple(r_text(v) for v in vals)


def _learned_breaks(ev: "Evaluator", call: Call, x: np.ndarray, intervals: int) -> tuple[float, ...] | None:
    """The breaks of ``intervals`` equal intervals over the range of the fit's x: learned from its smallest and
    largest values only (of every chunk of streamed data: two numbers a chunk, not its values), kept for new
    data; None in a first pass over streamed data."""
    if ev.mode != "apply" and np.isinf(x).any():  # (R: its range is infinite, whose seq.int fails)
        raise call_error(call, f"x has infinite values ({r_text(float(x[np.isinf(x)][0]))}), whose range cannot be cut "
                         "into equal intervals; give the breaks, e.g. c(-Inf, 0, 10, Inf)")
    finite = x[np.isfinite(x)]
    extremes = np.array([finite.min(), finite.max()]) if finite.size else finite

    def learn(ends: np.ndarray) -> tuple[float, ...]:
        if not ends.size:
            raise call_error(call, "x has no finite values to take the range of")
        low, high = float(ends.min()), float(ends.max())
        breaks = equal_breaks(low, high, intervals)
        if any(a == b for a, b in zip(breaks, breaks[1:])):  # (as R: no row would fall between them)
            raise call_error(call, f"the range of x, {r_text(low)} to {r_text(high)}, is too narrow for {intervals:,} "
                             "equal intervals: their breaks repeat in double precision (R: 'breaks' are not unique); "
                             "give fewer intervals or the breaks")
        return breaks

    return ev.transform_state(call, extremes, learn)


def equal_breaks(low: float, high: float, intervals: int) -> tuple[float, ...]:
    """R's breaks for a count: ``seq.int(low, high, length.out = intervals + 1)`` with the outer ones moved out by
    a thousandth of the range ``high - low``; a range of 0 spread to a thousandth of ``|low|`` (of 1 at 0) on
    each side first.

    R 4.2's ``seq.int`` computes ``from + i * by`` with ``by = (to - from) / (n - 1)``, its last value ``to``
    itself: written so, the breaks are R's to the last bit.
    """
    dx = high - low
    if dx == 0:
        dx = abs(low) if low != 0 else 1.0
        return _seq(low - dx / 1000, high + dx / 1000, intervals + 1)
    breaks = list(_seq(low, high, intervals + 1))
    breaks[0], breaks[-1] = low - dx / 1000, high + dx / 1000
    return tuple(breaks)


def _seq(start: float, end: float, n: int) -> tuple[float, ...]:
    """R 4.2's ``seq.int(start, end, length.out = n)`` (n >= 2); a range beyond the doubles (-1e308 to 1e308)
    stepped in halves, where ``end - start`` is infinite and every break but the last was NaN."""
    by = (end - start) / (n - 1)
    if math.isinf(by):
        half = end / 2 / (n - 1) - start / 2 / (n - 1)
        return tuple(2 * (start / 2 + i * half) for i in range(n - 1)) + (end,)
    return tuple(start + i * by for i in range(n - 1)) + (end,)


def _cut_at_dates(ev: "Evaluator", call: Call, a: dict, value: Value, breaks: tuple) -> FactorVec:
    """R's ``cut.Date(x, breaks)`` of dates at dates (``seq(as.Date(...), by = "month", length.out = 4)``,
    ``c(as.Date(...), ...)``): the breaks sorted, each date's interval ``[a, b)`` (``(a, b]`` with ``right = TRUE``;
    ``include.lowest`` closes the outer end), labelled by its first break as R's as.character writes the date
    (``"2020-01-01"``), intervals whose first breaks are in one day one level (R's ``levels(res) <-`` of those
    texts merges a duplicated one: breaks at fractions of a day); a date outside them missing.  R refuses breaks
    that are not distinct; ``labels =``, ``dig.lab`` and ``ordered_result`` are refused here as for breaks of
    units."""
    for option in ("labels", "dig.lab", "ordered_result"):
        if option in a:
            raise call_error(call, f"{option} = is not supported for dates (R's cut.Date labels an interval by its "
                                   "first break)")
    if "start.on.monday" in a:
        raise call_error(call, "start.on.monday = is for breaks of weeks, not dates")
    edges = np.sort(np.asarray(breaks, dtype=float))
    if not np.isfinite(edges).all():
        raise call_error(call, f"breaks must be dates, not NA: {shown([date_text(b) for b in breaks])}")
    if edges.shape[0] < 2 or (np.diff(edges) == 0).any():
        raise call_error(call, f"'breaks' are not unique, or fewer than two (R's words): "
                               f"{shown([date_text(b) for b in edges.tolist()])}")
    if edges.shape[0] - 2 > ev.limits.max_columns:  # (a level per interval, before any label is written)
        raise refuse("max_columns", f"{deparse(call)} asks for more intervals (less one: its design columns) than "
                                    "allowed", edges.shape[0] - 2, ev.limits)
    right = flag(ev.eval(a["right"]), call, "right") if "right" in a else False
    lowest = flag(ev.eval(a["include.lowest"]), call, "include.lowest") if "include.lowest" in a else False
    x = np.asarray(value.values if isinstance(value, NumVec) else [float(value)], dtype=float)
    codes = interval_codes(x, edges, right, lowest)
    # (two breaks in one day write one text: R's levels<- makes their intervals one level, as labels = does)
    return _named(codes, tuple(date_text(b) for b in edges[:-1].tolist()), False)


def interval_codes(x: np.ndarray, breaks: np.ndarray, right: bool, include_lowest: bool) -> np.ndarray:
    """R's ``.bincode``: each value's interval 0..k-1 between the sorted ``breaks`` (-1 outside them, and NaN),
    the intervals ``(a,b]`` (``[a,b)`` when not ``right``), the first closed at its lower end too
    (``include_lowest``; the last at its upper end when not ``right``)."""
    side = "left" if right else "right"  # (the first break above x, or at or above it)
    codes = np.searchsorted(breaks, x, side=side).astype(np.intp) - 1
    last = breaks.shape[0] - 1
    if include_lowest:
        edge = x == (breaks[0] if right else breaks[-1])
        codes[edge] = 0 if right else last - 1
    codes[(codes < 0) | (codes >= last) | np.isnan(x)] = -1
    return codes


def cut_labels(breaks: tuple[float, ...], right: bool, include_lowest: bool, dig: int) -> tuple[str, ...]:
    """R's labels of the intervals: ``"(a,b]"`` (``"[a,b)"``) of the breaks written by ``formatC(breaks, digits =
    d, width = 1)``, the C library's ``%.<d>g``, for the first d from ``dig`` up to 12 that writes every two
    neighbouring breaks differently (else ``Range_1``, ``Range_2`` ...); with ``include_lowest`` the first is
    ``"[a,b]"`` (the last, when not ``right``)."""
    texts: list[str] = []
    for d in range(dig, max(12, dig) + 1):
        texts = _format_breaks(breaks, d)
        if all(a != b for a, b in zip(texts, texts[1:])):
            break
    else:
        return tuple(f"Range_{i}" for i in range(1, len(breaks)))
    opening, closing = ("(", "]") if right else ("[", ")")
    labels = [f"{opening}{a},{b}{closing}" for a, b in zip(texts, texts[1:])]
    if include_lowest and right:
        labels[0] = "[" + labels[0][1:]
    elif include_lowest:
        labels[-1] = labels[-1][:-1] + "]"
    return tuple(labels)


def _format_breaks(breaks: tuple[float, ...], digits: int) -> list[str]:
    """R's ``formatC(0 + breaks, digits = digits, width = 1)``: ``%.<digits>g`` (Python's is C's), -0 written as
    0; infinite breaks as ``Inf`` and ``-Inf``, padded on the left to the widest of them (formatC formats its
    non-finite values together: ``" Inf"`` beside ``"-Inf"``)."""
    special = [("Inf" if b > 0 else "-Inf") for b in breaks if math.isinf(b)]
    width = max(map(len, special), default=0)
    return [("Inf" if b > 0 else "-Inf").rjust(width) if math.isinf(b) else "%.*g" % (digits, b + 0.0)
            for b in breaks]


def _named(codes: np.ndarray, labels: tuple[str, ...], ordered: bool) -> FactorVec:
    """The intervals' factor on the levels ``labels`` names, one per interval; intervals of the same label are
    one level (R's ``factor(code, seq_along(labels), labels)`` merges duplicated labels, the first one's place)."""
    levels = tuple(dict.fromkeys(labels))
    if len(levels) == len(labels):
        return FactorVec(codes, labels, ordered)
    position = {lv: i for i, lv in enumerate(levels)}
    remap = np.array([position[lv] for lv in labels] + [-1], dtype=np.intp)
    return FactorVec(remap[codes], levels, ordered)


def _placeholder(x: np.ndarray, codes_only: bool) -> Value:
    """``cut``'s value before its breaks are learned: missing where x is, one interval elsewhere (a first pass
    over streamed data summarizes its chunks again once the breaks are known)."""
    missing = ~np.isfinite(x)
    if codes_only:
        return NumVec(np.where(missing, np.nan, 1.0))
    return FactorVec(np.where(missing, -1, 0).astype(np.intp), ("",))
