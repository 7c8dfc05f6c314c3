"""R's ``seq()`` of dates (``seq.Date``): ``seq(as.Date("2020-01-01"), by = "month", length.out = 3)``, the dates a
model term compares with or cuts at (``d >= ...``, ``cut(d, seq(...))``, ``d %in% ...``).

R's rules (base R's seq.Date): ``from`` a date; exactly two of ``to`` (a date), ``by`` and ``length.out``.

* Without ``by``: R's ``seq.int(from, to, length.out = n)`` of their day numbers (fractional days kept).
* ``by`` a number of days, or ``"day"``, ``"week"`` (7 days) with an optional whole count (``"2 weeks"``,
  ``"-1 day"``; the unit R's pmatch completes: ``"d"``, ``"days"``): steps of days, from ``from`` by ``by`` for
  ``length.out`` values, or ``seq.int(0, to - from, by) + from``.
* ``"month"``, ``"quarter"`` (3 months), ``"year"`` with an optional count: the calendar's months or years from
  ``from``'s, its day of the month kept and carried past the month's end as R's POSIXlt does (2020-01-31 and a month
  is 2020-03-02), to ``to``'s month or year, or for ``length.out`` steps.
* With ``to``, the values beyond it dropped (R: "can overshoot").

Refused, naming the value: a ``from`` that is no date beside a date, ``by`` words R's pmatch reads as none or as
``"DSTday"`` (a date-time's unit), counts that are no whole number.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

from .._arguments import shown
from .calendar import civil_from_days, days_from_civil
from .call_arguments import call_error
from .nodes import Call
from .values import RDate

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["seq_dates"]

#: the units R's seq.Date completes ``by``'s last word to (pmatch), in its order
_UNITS = ("days", "weeks", "months", "quarters", "years", "DSTdays")

#: seq() of numbers: (evaluator, call, {"from": .., "to": .., "by": .., "length.out": ..}) -> tuple of floats
Numbers = Callable[["Evaluator", Call, dict], tuple]


def _unit(by: str, call: Call) -> tuple[str, int]:
    """``by``'s unit (one of :data:`_UNITS`, as R's pmatch completes the last word) and its count (1 unless given)."""
    words = by.split(" ")
    if not 1 <= len(words) <= 2:
        raise call_error(call, f"invalid 'by' string {shown(by)} (R's words)")
    word = words[-1]
    matches = [u for u in _UNITS if u == word] or [u for u in _UNITS if word and u.startswith(word)]
    if len(matches) != 1 or matches[0] == "DSTdays":
        raise call_error(call, f"invalid string for 'by': {shown(by)} (R's seq.Date takes \"day\", \"week\", "
                               "\"month\", \"quarter\" or \"year\", with a whole count before it: \"2 months\")")
    count = 1
    if len(words) == 2:
        digits = words[0].lstrip("+-")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
            raise call_error(call, f"the count {shown(words[0])} of 'by' = {shown(by)} must be a whole number")
        count = int(words[0])
    return matches[0], count


def _months_from(day: int, months: list[float]) -> tuple:
    """The dates ``day``'s day of the month in each of ``months`` months after its own (a month past the
    end carried into the next, as R's POSIXlt normalises 2020-02-31 to 2020-03-02)."""
    y, m, d = civil_from_days(day)
    out = []
    for k in months:
        total = (m - 1) + int(k)
        out.append(RDate(days_from_civil(y + total // 12, total % 12 + 1, 1) + d - 1))
    return tuple(out)


def seq_dates(ev: "Evaluator", call: Call, given: dict, numbers: Numbers) -> tuple:
    """R's ``seq.Date(from, to, by, length.out)`` of the values ``given`` (``from`` an :class:`RDate`): a tuple of
    dates (:class:`RDate`), the module's rules; ``numbers`` is seq() of numbers, for the steps of days."""
    start = given["from"]
    end = given.get("to")
    if end is not None and not isinstance(end, RDate):
        raise call_error(call, f"'to' must be a \"Date\" object (R's words), got {shown(end)}")
    if sum(k in given for k in ("to", "by", "length.out")) != 2:
        raise call_error(call, "exactly two of 'to', 'by' and 'length.out' must be specified (R's words)")
    for k, v in given.items():
        if not (isinstance(v, (int, float)) and not isinstance(v, bool) or k == "by" and isinstance(v, str)):
            raise call_error(call, f"'{k}' must be a date or a number, got {shown(v)}")
        if not isinstance(v, str) and not math.isfinite(v):
            raise call_error(call, f"'{k}' must be finite, got {shown(v)}")
    if "by" not in given:  # (seq.int of the day numbers, length.out of them)
        return tuple(map(RDate, numbers(ev, call, {"from": float(start), "to": float(end),
                                                   "length.out": given["length.out"]})))
    by = given["by"]
    unit, count = ("days", by) if not isinstance(by, str) else _unit(by, call)
    step = float(count) * (7 if unit == "weeks" else 1)
    if unit in ("days", "weeks"):
        if end is None:
            days = numbers(ev, call, {"from": float(start), "by": step, "length.out": given["length.out"]})
        else:
            days = tuple(v + float(start) for v in numbers(ev, call, {"from": 0.0, "to": float(end) - float(start),
                                                                      "by": step}))
        out = tuple(map(RDate, days))
    else:
        step = float(count) * (3 if unit == "quarters" else 1)
        z = math.floor(start)
        y0, m0, _ = civil_from_days(z)
        if end is None:
            ks = numbers(ev, call, {"from": 0.0, "by": step, "length.out": given["length.out"]})
        else:
            y1, m1, _ = civil_from_days(math.floor(end))
            span = (y1 - y0) if unit == "years" else 12 * (y1 - y0) + (m1 - m0)
            ks = numbers(ev, call, {"from": 0.0, "to": float(span), "by": step})
        out = _months_from(z, [k * (12 if unit == "years" else 1) for k in ks])
    if end is not None:  # (R: "can overshoot")
        out = tuple(v for v in out if (v <= end if step > 0 else v >= end))
    return out
