"""Dates before 0000-03-01 against R 4.2 (tests/fixtures/early_dates, made by scripts/make_early_dates.R).

The calendar (glmstat.formula.calendar) is Hinnant's algorithm, whose C truncates its divisions and corrects the
era of a negative year or day number by hand; in Python, whose ``//`` already floors, the correction counted it
twice, and every date before 0000-03-01 was written a day late (``format(as.Date(-719528))`` was "0-01-02" where
R writes "0-01-01", a %j of "000"), with the months and quarters that follow from it.  And infinite dates, "Inf" and
"-Inf" in R's texts (math.floor of them raised a raw OverflowError), and dates too far to be written, R's NA.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import FIXTURES, expression_value, expression_values
from glmstat.formula.calendar import civil_from_days, days_from_civil

REF = json.loads((FIXTURES / "early_dates" / "ref.json").read_text())
DAYS = pd.DataFrame({"z": np.array(REF["days"], dtype=float)})


def _texts(expr: str) -> list:
    v = expression_value(DAYS, expr)
    return [None if k < 0 else v.levels[k] for k in v.codes]


def test_format_writes_r_s_dates():
    fmt = REF["format"][0]
    assert _texts(f'format(as.Date(z), "{fmt}")') == REF["written"]


def test_months_weekdays_and_quarters_are_r_s():
    assert _texts("months(as.Date(z))") == REF["months"]
    assert _texts("weekdays(as.Date(z))") == REF["weekdays"]
    assert _texts("quarters(as.Date(z))") == REF["quarters"]


def test_texts_and_origins_in_year_zero_read_as_r_reads_them():
    got = expression_values(pd.DataFrame({"s": REF["texts"]}), "as.numeric(as.Date(s))")
    np.testing.assert_array_equal(got, REF["read"])
    got = expression_values(pd.DataFrame({"k": [1.0, 40, 400]}), 'as.numeric(as.Date(k, origin = "0000-02-10"))')
    np.testing.assert_array_equal(got, REF["origin"])


def test_the_calendar_goes_back_and_forth_over_eras():
    # (the closed form: a day's date is the date whose day it is, across many eras of 400 years each way)
    for z in range(-3_000_000, 3_000_000, 997):
        assert days_from_civil(*civil_from_days(z)) == z
    assert civil_from_days(-719528) == (0, 1, 1) and days_from_civil(-1, 12, 31) == -719529


@pytest.mark.parametrize("expr", list(REF["far"]))
def test_infinite_and_far_dates_are_written_as_r_writes_them(expr):
    # (math.floor of an infinite date raised OverflowError in factor(), as.character(), paste(), sprintf() and
    # interaction(): R writes "Inf" and "-Inf"; a date of 1e300 days was a year of 300 digits, R's NA)
    v = expression_value(pd.DataFrame({"x": np.arange(1.0, 9.0)}), expr)
    assert [None if c < 0 else str(v.levels[c]) for c in v.codes] == REF["far"][expr]
