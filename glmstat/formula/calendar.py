"""R's calendar: dates as days since 1970-01-01 (R's Date) and the proleptic Gregorian dates they are, and how
``format.Date`` writes them.  Pure functions of whole numbers, shared by the date functions, ``factor()`` of dates
and their texts."""

from __future__ import annotations

import math

__all__ = ["MONTHS", "DAYS", "LAST_DAY", "days_from_civil", "civil_from_days", "leap_year", "month_days",
           "format_date", "date_text", "writable_date"]

#: the dates written, within 2**29 days of 1970 (years of at most 7 digits); further ones are written as NA, missing
#: (R's own bound is its POSIXlt year, an int: 2^31 years; a date of 1e300 days was a year of 300 digits here)
LAST_DAY = 2**29

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of the proleptic Gregorian date y-m-d (Hinnant's algorithm, whose C truncates its
    divisions: Python's ``//`` floors them already, so that the era of a year before 0 is ``y // 400``; C's
    correction, ``(y - 399) / 400``, floored again, put the dates before 0000-03-01 a day late)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int) -> tuple[int, int, int]:
    """(year, month, day) of the date ``z`` days after 1970-01-01 (the era of 400 years floored, as in
    :func:`days_from_civil`)."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


def leap_year(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def month_days(y: int, m: int) -> int:
    return (31, 29 if leap_year(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[m - 1]


def format_date(z: int, fmt: str, clock: int = 0) -> str:
    """The date ``z`` written in the format ``fmt`` (already checked), as R's ``format.Date`` writes it; ``clock``:
    the seconds into that day (a date-time's, for ``%H``, ``%M`` and ``%S``; a date is at midnight)."""
    y, m, d = civil_from_days(z)
    wday = (z + 4) % 7  # (1970-01-01 was a Thursday; 0 is Sunday)
    yday = z - days_from_civil(y, 1, 1)  # (from 0)
    codes = {  # (once a date: a format's every code is a lookup)
        "Y": str(y), "y": f"{y % 100:02d}", "m": f"{m:02d}", "d": f"{d:02d}", "e": f"{d:2d}",
        "j": f"{yday + 1:03d}", "H": f"{clock // 3600:02d}", "M": f"{clock // 60 % 60:02d}",
        "S": f"{clock % 60:02d}", "b": MONTHS[m - 1][:3],
        "h": MONTHS[m - 1][:3], "B": MONTHS[m - 1], "a": DAYS[wday][:3], "A": DAYS[wday],
        "u": str(wday or 7), "w": str(wday), "U": f"{(yday + 7 - wday) // 7:02d}",
        "W": f"{(yday + 7 - (wday + 6) % 7) // 7:02d}", "F": f"{y}-{m:02d}-{d:02d}",
        "D": f"{m:02d}/{d:02d}/{y % 100:02d}", "%": "%"}
    out, k = [], 0
    while k < len(fmt):
        if fmt[k] != "%":
            out.append(fmt[k])
            k += 1
            continue
        out.append(codes[fmt[k + 1]])
        k += 2
    return "".join(out)


def writable_date(z: float) -> bool:
    """Whether the date ``z`` (days) has a text: an infinite one, "Inf" or "-Inf", as R's; one within
    :data:`LAST_DAY` of 1970; not NaN."""
    return math.isinf(z) or abs(z) <= LAST_DAY


def date_text(z: float) -> str:
    """The date ``z`` (days, a fraction of a day is that day; :func:`writable_date`) as R's ``as.character`` of a
    Date writes it: "Inf" and "-Inf" for the infinite ones (``math.floor`` of them raised OverflowError)."""
    if math.isinf(z):
        return "Inf" if z > 0 else "-Inf"
    return format_date(math.floor(z), "%Y-%m-%d")
