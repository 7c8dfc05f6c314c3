"""R's dates in formulas: ``as.Date()`` of text, ``format()``, ``months()``, ``weekdays()``, ``quarters()`` and
``julian()`` of dates, and the arithmetic and comparisons R's Date class allows.

A date is the number of days since 1970-01-01, R's Date: a column of them is a :class:`NumVec` marked ``date``,
one date an :class:`RDate`.  As a model term a date is that number, as R's model matrix takes it
(``y ~ as.Date(day)``); ``as.numeric()`` and ``julian()`` give it; ``date - date`` is a number of days, ``date
+ 3`` and ``date - 3`` dates, and other arithmetic is refused as R refuses it.  A date compared with a string
reads the string as a date (``as.Date(day) >= "2024-03-01"``, as R's).

``as.Date(x, format)`` reads each distinct text once, by R's ``strptime`` rules (:func:`parse_date`): numbers
of at most so many digits in range (``%d`` of ``"45"`` is missing, not the 4th), spaces before a number skipped,
white space in the format matching any, text after the format ignored, an impossible day (February 30) missing.
Without ``format`` R tries its ``tryFormats`` (``"%Y-%m-%d"`` then ``"%Y/%m/%d"`` by default) on the first text
and reads every text with the first that reads it, so that a column mixing two formats gets missing values wherever
it differs from its first row.  glmstat takes the first format, in order, that reads every text any of them reads,
learned once from the fit's rows (every chunk of streamed data and new data for ``predict()`` read with it), and
refuses a column that no format reads whole -- naming a text the first format misses -- rather than drop rows
silently (R's choice is glmstat's whenever a format reads every text).  ``optional = TRUE`` makes every value
missing where no format reads any text, as R's does, instead of the error.  A format without a year (``"%m-%d"``)
is refused: R takes the current year, so that the model would change with the day it is fitted.

A data column of date-times (``datetime64``, with or without a time zone: R's POSIXct) is reached by these
functions only (:class:`~glmstat.formula.values.DateTimes`): ``as.Date(t, tz =)`` is its date in UTC (R's default)
or on the clock of its own zone (``tz =`` that zone), refused without ``tz =`` for a column in another zone than
UTC, where R's default silently takes the day before for times after midnight; ``as.numeric(t)`` seconds since
1970-01-01 UTC; ``format(t, format)`` (``format =`` required: R's default drops the time when every row is at
midnight, so that new data could be written otherwise), ``months``, ``weekdays`` and ``quarters`` read that clock,
``julian(t)`` the days since 1970-01-01 UTC, fractional.  Anywhere else such a column is refused with these choices:
as a number it is R's seconds since 1970, a slope per second about an intercept at 1970.

Bounded as the text functions are: each distinct text read once (at most 20 times ``max_columns`` of them), a
format no longer than the formula; and the characters of texts and formats that the formula's date functions step
through in Python, together, by ``FormulaLimits.max_date_steps``, counted before each call reads or writes any
(:func:`~glmstat.formula.date_steps.count_steps`).
"""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from .._arguments import shown
from ..errors import FormulaError
from .calendar import (DAYS, LAST_DAY, MONTHS, civil_from_days, date_text, days_from_civil, format_date, leap_year,
                       month_days)
from .call_arguments import Builtin, bind, call_error, flag, numeric
from .date_steps import DATE_TEXT_FORMAT, count_steps, format_steps
from .date_time_columns import date_times_argument
from .deparse import deparse
from .limits import refuse
from .nodes import Call
from .text_functions import TEXTS_PER_COLUMN, distinct_texts, texts_factor
from .text_memory import hold_texts
from .value_codes import sorted_codes
from .values import DateTimes, FactorVec, NumVec, RDate, Value

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["DATE_FUNCTIONS", "is_date", "parse_date", "date_arith", "date_operand"]

#: R's strptime's numbers: code -> (smallest, largest, most digits)
_NUMBERS = {"Y": (0, 9999, 4), "y": (0, 99, 2), "m": (1, 12, 2), "d": (1, 31, 2), "e": (1, 31, 2),
            "j": (1, 366, 3), "H": (0, 23, 2), "M": (0, 59, 2), "S": (0, 61, 2)}
#: the codes as.Date() reads and format() writes
_READ = set(_NUMBERS) | {"b", "B", "h", "a", "A", "%"}
_WRITTEN = {"Y", "y", "m", "d", "e", "j", "H", "M", "S", "b", "B", "h", "a", "A", "u", "w", "U", "W", "F", "D", "%"}
#: R's tryFormats of as.Date() for text
_TRY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")


def is_date(value: Value) -> bool:
    """Whether ``value`` is R's Date: a column of dates or one date."""
    return isinstance(value, RDate) or (isinstance(value, NumVec) and value.date)


def _dates(days):
    """Days as R's Date: a column or one date."""
    return NumVec(np.asarray(days, dtype=float), date=True) if isinstance(days, np.ndarray) else RDate(days)


def check_format(fmt: str, codes: set, call: Call, reading: bool) -> None:
    """Refuse a format with a code outside ``codes``, a lone ``%``, or (``reading``) no year."""
    k = 0
    while k < len(fmt):
        if fmt[k] == "%":
            if k + 1 == len(fmt) or fmt[k + 1] not in codes:
                code = fmt[k:k + 2]
                raise call_error(call, f"the format code {code!r} is not supported (glmstat "
                                 f"{'reads' if reading else 'writes'} %{', %'.join(sorted(codes - {'%'}))} and %%)")
            k += 2
        else:
            k += 1
    if reading and "%Y" not in fmt and "%y" not in fmt:
        raise call_error(call, f"the format {fmt!r} has no year (%Y or %y): R takes the current year, so that the "
                         "model would change with the day it is fitted; write the year in the format")


def _number(text: str, i: int, low: int, high: int, digits: int) -> tuple[int, int] | None:
    """R's strptime get_number: spaces skipped, then at most ``digits`` digits, their value in [low, high]."""
    n = len(text)
    while i < n and text[i] == " ":
        i += 1
    if i == n or not "0" <= text[i] <= "9":
        return None
    value, left = 0, digits
    while True:
        value = value * 10 + ord(text[i]) - 48
        i += 1
        left -= 1
        if not (left > 0 and i < n and "0" <= text[i] <= "9"):
            break
    return (value, i) if low <= value <= high else None


def _name(text: str, i: int, names: tuple[str, ...]) -> tuple[int, int] | None:
    """A month's or a weekday's name, whole or its first three letters, in any case: (its index, the end)."""
    low = text[i:i + 9].lower()
    for k, full in enumerate(names):
        for spelling in (full.lower(), full[:3].lower()):
            if low.startswith(spelling):
                return k, i + len(spelling)
    return None


def parse_date(text: str, fmt: str) -> int | None:
    """The date ``text`` writes in the format ``fmt`` (already checked), as R's ``strptime`` reads it for
    ``as.Date``; None where it reads none."""
    i, n, k = 0, len(text), 0
    year = month = day = yday = None
    while k < len(fmt):
        c = fmt[k]
        if c == "%":
            code = fmt[k + 1]
            k += 2
            if code == "%":
                if i < n and text[i] == "%":
                    i += 1
                    continue
                return None
            if code in _NUMBERS:
                got = _number(text, i, *_NUMBERS[code])
                if got is None:
                    return None
                value, i = got
                if code == "Y":
                    year = value
                elif code == "y":
                    year = value + (2000 if value < 69 else 1900)
                elif code == "m":
                    month = value
                elif code in "de":
                    day = value
                elif code == "j":
                    yday = value
                continue
            while i < n and text[i] == " ":
                i += 1
            got = _name(text, i, MONTHS if code in "bBh" else DAYS)
            if got is None:
                return None
            if code in "bBh":
                month = got[0] + 1
            i = got[1]
        elif c.isspace():
            while i < n and text[i].isspace():
                i += 1
            k += 1
        elif i < n and text[i] == c:
            i += 1
            k += 1
        else:
            return None
    if month is not None and day is not None:
        return days_from_civil(year, month, day) if day <= month_days(year, month) else None
    if yday is not None and month is None and day is None:
        return days_from_civil(year, 1, 1) + yday - 1 if yday <= 365 + leap_year(year) else None
    return None


def _literal_formats(ev: "Evaluator", call: Call, node, what: str) -> tuple[str, ...]:
    value = ev.eval(node)
    values = value if isinstance(value, tuple) else (value,)
    if not values or not all(isinstance(v, str) for v in values):
        raise call_error(call, f"{what} must be strings written in the formula, e.g. \"%d/%m/%Y\"")
    return values


#: the formats tryFormats may list at most (each distinct text is read with each format)
MAX_TRY_FORMATS = 16


def _tried_steps(texts, formats: tuple[str, ...]) -> int:
    """The steps of reading ``texts`` with each of ``formats`` (:func:`count_steps`)."""
    return len(formats) * sum(map(len, texts)) + len(texts) * sum(format_steps(f, True) for f in formats)


def _learned_format(gathered, call: Call, limits, read=parse_date, formats: tuple[str, ...] = _TRY_FORMATS,
                    optional: bool = False) -> str | None:
    """:func:`_chosen_format` of the texts ``gathered`` from every chunk of streamed data (or from the rows in
    memory), each once, their steps bounded by ``limits.max_date_steps`` before any is read: each chunk's are
    counted as it is evaluated, but not the chunks' together, which the format is learned from (a million distinct
    texts in chunks of 83,000: 7 s)."""
    texts = list(dict.fromkeys(gathered))  # (every chunk's distinct texts: one text may come from several)
    steps = _tried_steps(texts, formats)
    if steps > limits.max_date_steps:
        raise refuse("max_date_steps", f"{shown(deparse(call))}: the distinct texts of every chunk of the data, "
                     f"{len(texts):,}, which the format is learned from, take more steps to read than allowed",
                     steps, limits)
    return _chosen_format(texts, call, read, formats, optional)


def _chosen_format(texts, call: Call, read=parse_date, formats: tuple[str, ...] = _TRY_FORMATS,
                   optional: bool = False) -> str | None:
    """The format of ``formats`` (R's tryFormats) that reads the distinct ``texts``: the first, in order, that
    reads every text any of them reads (see the module docstring); None (every value missing) when none reads any
    and ``optional``; ``read(text, format)`` as :func:`parse_date`.  The texts quoted are cut, as every value of
    the data a message shows."""
    readers = {f: [t for t in texts if read(t, f) is not None] for f in formats}
    read_by_any = {t for f in formats for t in readers[f]}
    if not read_by_any:
        if optional:  # (R's optional = TRUE: NA for every text, no error)
            return None
        example = next((t for t in texts), None)
        tried = " or ".join(f'"{f}"' for f in formats)
        raise call_error(call, f"the texts are not in a standard unambiguous format (R's words): none reads as "
                         f"{tried}{f', e.g. {shown(example)}' if example is not None else ''}; give format =")
    for f in formats:
        if len(readers[f]) == len(read_by_any):
            return f
    first = next(f for f in formats if readers[f])
    done = set(readers[first])
    missed = next(t for t in texts if t in read_by_any and t not in done)
    other = next(f for f in formats if missed in readers[f])
    raise call_error(call, f"the texts mix the formats {first!r} ({shown(readers[first][0])}) and {other!r} "
                     f"({shown(missed)}), and no format reads them all: R reads all with the first format that reads "
                     "the first text and makes the others missing; give format =")


#: What as.Date() holds for each distinct text it reads beside the text itself (the data's own): its (text, format)
#: key and day in the dict of those read, its day in a list and in the table of days, its place in the list and the
#: array of texts read; measured with tracemalloc, 280 bytes a text
_READ_BYTES = 320


def _as_date(ev: "Evaluator", call: Call) -> Value:
    """R's ``as.Date(x, format, tryFormats, origin)`` of text (each distinct text read once), of a date, or of a
    number of days since ``origin`` (1970-01-01 by default, as R 4.3's)."""
    a = bind(call, ("x", "format", "tryFormats", "origin", "tz", "optional"))
    times = date_times_argument(ev, call, a["x"])
    if times is not None:
        return _dates_of_times(ev, call, a, times)
    x = ev.eval(a["x"])
    if is_date(x):
        return x
    # (new data of another kind than the fit's -- numbers where it read text, text where it read numbers -- would
    # be read as something else: days since 1970 for a text's date)
    learned = ev.state.get(call) if ev.mode == "apply" and "format" not in a else None
    if isinstance(x, (NumVec, int, float)) and not isinstance(x, bool):
        if isinstance(learned, str):
            raise call_error(call, "x held text when the model was fitted; new data must hold text too, not numbers")
        origin = _origin(ev, call, a)
        days = x.values if isinstance(x, NumVec) else float(x)
        return _dates(np.asarray(days, dtype=float) + origin if isinstance(days, np.ndarray) else days + origin)
    if not isinstance(x, (FactorVec, str)):
        raise call_error(call, "x must be text (or a factor of texts, or a number of days with origin =)")
    if ev.mode == "apply" and "format" not in a and not isinstance(learned, str):
        raise call_error(call, "x held numbers when the model was fitted; new data must hold numbers too, not text")
    codes, texts = distinct_texts(x, call, ev)
    present = texts if codes is None else texts[:-1]
    # (each distinct text's day, its key in the dict of those read and its places in the lists and the array of
    # the texts, priced before any is read: 60,000 distinct texts of 120,000 rows held 6.9 times the columns priced)
    hold_texts(ev, call, len(present), 0, _READ_BYTES)
    parsed: dict = {}  # (text, format) -> its day: the texts the chosen format read are not read again

    def read(text: str, fmt: str) -> int | None:
        if (text, fmt) not in parsed:
            parsed[text, fmt] = parse_date(text, fmt)
        return parsed[text, fmt]

    if "format" in a:  # (as R's, tryFormats and optional are for texts read without a format)
        formats = _literal_formats(ev, call, a["format"], "format")
        if len(formats) != 1:
            raise call_error(call, "format must be one string (one format for every row)")
        fmt = formats[0]
        check_format(fmt, _READ, call, reading=True)
        count_steps(ev, call, sum(map(len, present)) + len(present) * format_steps(fmt, True))
    else:  # (learned once, from every chunk: see the module docstring)
        formats = _TRY_FORMATS
        if "tryFormats" in a:
            formats = _literal_formats(ev, call, a["tryFormats"], "tryFormats")
            if len(formats) > MAX_TRY_FORMATS:
                raise call_error(call, f"tryFormats lists {len(formats):,} formats, more than {MAX_TRY_FORMATS} (each "
                                 "text is read with each)")
            for f in formats:
                check_format(f, _READ, call, reading=True)
        optional = flag(ev.eval(a["optional"]), call, "optional") if "optional" in a else False
        count_steps(ev, call, _tried_steps(present, formats))  # (each text read with each format)
        fmt = ev.text_state(call, np.array(present, dtype=object),
                            lambda t: _learned_format(t, call, ev.limits, read, formats, optional))
    days = [None if fmt is None else read(t, fmt) for t in present]
    if codes is None:
        return RDate(np.nan if days[0] is None else days[0])
    table = np.array([np.nan if v is None else float(v) for v in days] + [np.nan])
    return _dates(table[codes])


#: R's names of UTC, whose date as.Date.POSIXct takes by floor(seconds / 86400)
_UTC_NAMES = frozenset({"UTC", "GMT", "Etc/UTC", "Etc/GMT", "UTC0", "UTC+0", "UTC-0", "GMT0", "GMT+0", "GMT-0"})


def _dates_of_times(ev: "Evaluator", call: Call, args: dict, times: DateTimes) -> Value:
    """R's ``as.Date(t, tz = "UTC")`` of a column of date-times: the date on the clock of ``tz``, UTC by default.

    R's default is UTC whatever the column's own time zone, so that a time of 00:30 in Paris is the day before: for
    a column in another zone, ``as.Date(t)`` is refused and ``tz =`` asked for, ``"UTC"`` or the column's own zone
    (its clock's date, which ``format()``, ``months()`` and ``weekdays()`` of it read).  No other zone is looked up
    (a zone name from a formula is untrusted text)."""
    given = sorted(set(args) - {"x", "tz"})
    if given:
        raise call_error(call, f"as.Date() of date-times takes no {given[0]} = (only tz =)")
    own = times.zone is None or times.zone in _UTC_NAMES
    if "tz" not in args:
        if not own:
            raise call_error(call, f"the column's time zone is {times.zone!r}: R's as.Date() takes the date in UTC, "
                             f"the day before for a time just after midnight there; write tz = \"{times.zone}\" for "
                             "the date on the column's clock, or tz = \"UTC\" for R's default")
        return _dates(times.days.copy())
    tz = ev.eval(args["tz"])
    if isinstance(tz, str) and tz in _UTC_NAMES:
        return _dates(times.utc_days.copy())
    if isinstance(tz, str) and tz == times.zone:
        return _dates(times.days.copy())
    zone = "no time zone (UTC's clock)" if times.zone is None else f"the time zone {times.zone!r}"
    raise call_error(call, f"tz must be \"UTC\" or the column's own time zone: it has {zone}; convert the column "
                     "(.dt.tz_convert(...)) for another")


def _origin(ev: "Evaluator", call: Call, args: dict) -> float:
    """``origin =``: one date, as text (R's tryFormats) or as.Date(...); 1970-01-01 when not given."""
    if "origin" not in args:
        return 0.0
    given = date_operand(ev.eval(args["origin"]))
    if not isinstance(given, RDate) or given != given:
        raise call_error(call, "origin must be one date, e.g. \"1970-01-01\"")
    return float(given)


def _date_argument(ev: "Evaluator", call: Call, node, which: str | None = None) -> Value | DateTimes:
    """A date (R's Date) or a data column of date-times: ``x``, or the argument ``which`` of a call of several
    (each remembering on its own whether it read date-times, :func:`date_times_argument`), where a text is refused:
    R reads it as a date-time on the session's clock."""
    times = date_times_argument(ev, call, node, which)
    if times is not None:
        return times
    x = ev.eval(node)
    if which is not None and isinstance(x, str):
        raise call_error(call, f"{which} is text, which R reads as a date-time on the session's clock; write "
                               f"as.Date({deparse(node)}) for a date")
    if not is_date(x):
        raise call_error(call, f"{which or 'x'} must be a date (as.Date(...)) or a column of date-times: "
                         f"{call.func}() of other values is not supported")
    return x


def _days(x: Value | DateTimes) -> Value:
    """The dates of ``x``: a date's days, a date-time's date on its column's clock."""
    return NumVec(x.days) if isinstance(x, DateTimes) else x


#: the longest text one code of a format writes ("September", "Wednesday"; a year of 9 digits)
_CODE_WIDTH = 9
#: the dates written (:data:`glmstat.formula.calendar.LAST_DAY`); further ones are written as NA
_LAST_DAY = LAST_DAY


def _written(ev: "Evaluator", call: Call, x: Value, write, fmt: str, last: int = _LAST_DAY) -> Value:
    """``write(key)`` of each distinct whole key of ``x`` (a date's day, or a date-time's second on its clock), as
    text (R's character vector; missing where x is), ``fmt`` the format it writes (at most :data:`_CODE_WIDTH`
    characters a character of it): the distinct keys bounded as the text functions' texts, their texts' total by
    ``max_design_bytes`` and the steps of writing them by ``FormulaLimits.max_date_steps`` (:func:`count_steps`),
    before any is written; keys beyond ``last`` are written as missing."""
    width = _CODE_WIDTH * max(len(fmt), 1)
    if isinstance(x, RDate):
        count_steps(ev, call, format_steps(fmt, False))
        return write(math.floor(x)) if abs(x) <= last else float("nan")
    days = x.values
    present = np.abs(days) <= last  # (as.Date(Inf) is a date R writes as NA)
    # (a fraction of a day: that day)
    unique, inverse = sorted_codes(np.floor(days[present]), partial(ev.count_distinct, call))
    bound = TEXTS_PER_COLUMN * ev.limits.max_columns
    if len(unique) > bound:
        what = "dates" if last == _LAST_DAY else "date-times"
        raise call_error(call, f"it would write the texts of {len(unique):,} distinct {what}, more than {bound:,} "
                         f"({TEXTS_PER_COLUMN} times the limit max_columns); raise max_columns")
    hold_texts(ev, call, len(unique), width * len(unique))  # (texts of up to width characters, and their levels)
    count_steps(ev, call, len(unique) * format_steps(fmt, False))
    codes = np.full(days.shape[0], len(unique), dtype=np.intp)
    codes[present] = inverse
    return texts_factor(codes, [write(int(u)) for u in unique] + ["NA"])


def _format(ev: "Evaluator", call: Call) -> Value:
    """R's ``format(x, format = "%Y-%m-%d")`` of dates, and ``format(x, format)`` of date-times (their clock)."""
    a = bind(call, ("x", "format"))
    x = _date_argument(ev, call, a["x"])
    if isinstance(x, DateTimes) and "format" not in a:
        raise call_error(call, "format() of date-times needs format = (e.g. \"%Y-%m-%d %H:%M\"): R's default "
                         "drops the time when every row is at midnight, so that other rows would be written otherwise")
    fmt = _literal_formats(ev, call, a["format"], "format")[0] if "format" in a else "%Y-%m-%d"
    check_format(fmt, _WRITTEN, call, reading=False)
    codes = {c[0] for c in fmt.replace("%%", "").split("%")[1:] if c}  # (the codes the format writes)
    if isinstance(x, DateTimes) and codes & {"H", "M", "S"}:
        # (each distinct value the format writes read once: the second, minute or hour on the clock, of the day
        # when the format writes a date -- format(t, "%H") of a million distinct instants reads 24 hours)
        step = 1.0 if "S" in codes else 60.0 if "M" in codes else 3600.0
        day = 86400.0 if codes - {"H", "M", "S"} else 0.0
        keys = np.floor(x.clock / step) * step + (x.days * day if day else 0.0)
        return _written(ev, call, NumVec(keys), lambda t: format_date(t // 86400, fmt, t % 86400), fmt,
                        _LAST_DAY * 86400)
    return _written(ev, call, _days(x), lambda z: format_date(z, fmt), fmt)


def _named(fmt: str, abbreviated: str) -> Builtin:
    """R's ``months(x, abbreviate = FALSE)`` and ``weekdays(x, abbreviate = FALSE)``."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        a = bind(call, ("x", "abbreviate"))
        x = _date_argument(ev, call, a["x"])
        short = ev.eval(a["abbreviate"]) if "abbreviate" in a else False
        if not isinstance(short, (bool, np.bool_)):
            raise call_error(call, "abbreviate must be TRUE or FALSE")
        written = abbreviated if short else fmt
        return _written(ev, call, _days(x), lambda z: format_date(z, written), written)
    return apply


def _quarters(ev: "Evaluator", call: Call) -> Value:
    """R's ``quarters(x)``: "Q1" to "Q4" (missing where x is: R writes "QNA")."""
    x = _date_argument(ev, call, bind(call, ("x", "abbreviate"))["x"])
    return _written(ev, call, _days(x), lambda z: f"Q{(civil_from_days(z)[1] - 1) // 3 + 1}", "Q%m")


def _julian(ev: "Evaluator", call: Call) -> Value:
    """R's ``julian(x)``: days since 1970-01-01 (``origin =`` another date); of date-times, the days since
    1970-01-01 00:00 UTC, fractional (R's ``julian.POSIXt``)."""
    a = bind(call, ("x", "origin"))
    x = _date_argument(ev, call, a["x"])
    if isinstance(x, DateTimes):
        if "origin" in a:  # (R reads a text origin on the clock of the session's time zone)
            raise call_error(call, "julian() of date-times takes no origin =: it counts days from 1970-01-01 00:00 "
                             "UTC; subtract a number of days for another origin")
        return NumVec(x.seconds / 86400.0)
    origin = _origin(ev, call, a)
    return NumVec(x.values - origin) if isinstance(x, NumVec) else float(x) - origin


#: seconds of difftime()'s units
_DIFFTIME_UNITS = {"secs": 1.0, "mins": 60.0, "hours": 3600.0, "days": 86400.0, "weeks": 604800.0}


def _seconds(x: Value | DateTimes) -> Value:
    """Seconds since 1970-01-01 00:00 UTC: of date-times, or of dates at their midnight in UTC (R's
    ``as.POSIXct`` of a Date)."""
    if isinstance(x, DateTimes):
        return NumVec(x.seconds)
    return NumVec(x.values * 86400.0) if isinstance(x, NumVec) else float(x) * 86400.0


def _difftime(ev: "Evaluator", call: Call) -> Value:
    """R's ``difftime(time1, time2, units = )`` of dates and columns of date-times: time1 - time2 in ``units``
    (``"secs"``, ``"mins"``, ``"hours"``, ``"days"``, ``"weeks"``), a number per row.  R's default ``units =
    "auto"`` chooses the units from the smallest difference among the rows -- seconds where two dates are the same
    day, days otherwise -- so that other rows (new data, a chunk of streamed data) could be counted in other
    units: refused, with the units to name.  A text is refused as an argument too: R reads it as a date-time on
    the session's clock, hours off a Date's UTC midnight elsewhere than in UTC."""
    a = bind(call, ("time1", "time2", "tz", "units"), required=2)
    if "tz" in a:
        raise call_error(call, "tz = is not supported: give dates (as.Date(...)) or a column of date-times")
    units = ev.eval(a["units"]) if "units" in a else "auto"
    if not isinstance(units, str) or units not in _DIFFTIME_UNITS:
        why = ("R's default units = \"auto\" picks them from the smallest difference among the rows, which other "
               "rows could make other units; name them" if units == "auto" else f"unknown units {shown(units)}")
        raise call_error(call, f"{why}: units = one of {', '.join(repr(u) for u in _DIFFTIME_UNITS)}")
    first, second = (_seconds(_date_argument(ev, call, a[name], name)) for name in ("time1", "time2"))
    diff = numeric(first, call) - numeric(second, call)
    scaled = diff / _DIFFTIME_UNITS[units]
    return NumVec(np.asarray(scaled, dtype=float)) if isinstance(scaled, np.ndarray) else float(scaled)


#: cut.Date's units of breaks, by the word R's pmatch completes
_CUT_UNITS = ("days", "weeks", "months", "years", "quarters")


def _interval_start(z: int, unit: str, monday: bool) -> int:
    """The first day of the interval of ``unit`` holding the day ``z``, as R's ``cut.Date`` lays its breaks: the
    day; the Monday (or Sunday) on or before it; the first of its month, of its year, of its quarter."""
    if unit == "days":
        return z
    if unit == "weeks":
        wday = (z + 4) % 7  # (1970-01-01 was a Thursday; 0 is Sunday)
        return z - ((wday + 6) % 7 if monday else wday)
    y, m, _ = civil_from_days(z)
    if unit == "years":
        return days_from_civil(y, 1, 1)
    return days_from_civil(y, m if unit == "months" else 3 * ((m - 1) // 3) + 1, 1)


def cut_dates(ev: "Evaluator", call: Call, args: dict, x: Value) -> FactorVec:
    """R's ``cut.Date(x, breaks, start.on.monday = TRUE)`` of dates with ``breaks`` one of ``"day"``, ``"week"``,
    ``"month"``, ``"quarter"``, ``"year"`` (R's pmatch of the unit's name): the factor of each date's interval,
    labelled by its first day (``"2024-03-01"``), its levels in the order of the dates (R's intervals between the
    data's first and last dates; the model frame drops those no row takes).  Each row's interval is its own date's,
    whatever the other rows.  Refused, with the reason: a count of units (``"2 months"``: R lays the intervals from
    the data's first date, so that another row changes every row's), breaks given as dates, ``labels =`` (R counts
    the intervals between the data's first and last dates), ``right = TRUE`` and R's options of numbers."""
    given = ev.eval(args["breaks"])
    words = given.split(" ") if isinstance(given, str) else []
    units = [u for u in _CUT_UNITS if len(words) == 1 and words[0] and u.startswith(words[0])]
    if len(words) == 2 and any(u.startswith(words[1]) for u in _CUT_UNITS if words[1]):
        raise call_error(call, f"breaks = {shown(given)}: R lays a count of units from the data's first date, so that "
                               "another row moves every row's interval; cut by one unit, or write the intervals as "
                               "numbers of days")
    if len(units) != 1:
        raise call_error(call, "of dates takes breaks = \"day\", \"week\", \"month\", \"quarter\" or \"year\" "
                               f"(R's cut.Date), got {shown(given)}")
    for option in ("labels", "include.lowest", "dig.lab", "ordered_result"):
        if option in args:
            raise call_error(call, f"{option} = is not supported for dates (R's cut.Date labels an interval by its "
                                   "first day, counted from the data's first date)")
    if "right" in args and flag(ev.eval(args["right"]), call, "right"):
        raise call_error(call, "right = TRUE is not supported for dates: cut.Date's intervals hold their first day")
    monday = flag(ev.eval(args["start.on.monday"]), call, "start.on.monday") if "start.on.monday" in args else True
    days = np.asarray(x.values if isinstance(x, NumVec) else [float(x)], dtype=float)
    finite = np.isfinite(days)
    distinct, inverse = sorted_codes(np.floor(days[finite]).astype(np.int64), partial(ev.count_distinct, call))
    count_steps(ev, call, len(distinct) * format_steps(DATE_TEXT_FORMAT, False))
    starts = np.array([_interval_start(z, units[0], monday) for z in distinct.tolist()], dtype=np.int64)
    levels, where = sorted_codes(starts, None)  # (one of each distinct date)
    codes = np.full(days.shape[0], -1, dtype=np.intp)
    codes[finite] = where.reshape(-1)[inverse.reshape(-1)]
    return FactorVec(codes, tuple(date_text(float(z)) for z in levels.tolist()))


def date_operand(value: Value) -> Value:
    """A string beside a date, read as R's Ops.Date reads it (as.Date with R's tryFormats; a FormulaError where
    it reads as none, as R's error); anything else itself."""
    if isinstance(value, str):
        for f in _TRY_FORMATS:
            days = parse_date(value, f)
            if days is not None:
                return RDate(days)
        raise FormulaError(f"the string {shown(value)} beside a date reads as no date (R: character string is not "
                           "in a standard unambiguous format); write it as \"2024-01-31\"")
    return value


def date_arith(op: str, a: Value, b: Value, node) -> Value:
    """``a op b`` where either is a date, as R's Date class takes it: date +- days a date, date - date the days
    between (a number); any other operation refused in R's words."""
    da, db = is_date(a), is_date(b)
    if not (op == "+" and da != db or op == "-" and da):
        why = ('can only subtract from "Date" objects' if op == "-" else
               'binary + is not defined for "Date" objects' if op == "+" else f'{op} not defined for "Date" objects')
        raise FormulaError(f"{deparse(node)}: {why} (R's words)")
    x, y = numeric(a, node, f"left side of '{op}'"), numeric(b, node, f"right side of '{op}'")
    r = x + y if op == "+" else x - y
    if da and db:
        return NumVec(np.asarray(r, dtype=float)) if isinstance(r, np.ndarray) else float(r)
    return _dates(r if isinstance(r, np.ndarray) else float(r))


#: name -> function, merged into the formula's functions (:data:`glmstat.formula.functions.BUILTINS`)
DATE_FUNCTIONS: dict[str, Builtin] = {
    "as.Date": _as_date, "format": _format, "months": _named("%B", "%b"), "weekdays": _named("%A", "%a"),
    "quarters": _quarters, "julian": _julian, "difftime": _difftime,
}
