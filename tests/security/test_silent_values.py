"""Data and formulas from someone else that made glmstat compute another number than R's, silently: no refusal, a
fit that looked right.  Each case is the attack in its smallest form, checked against a closed form; the cases
against R's own values are in tests/formula (the module named with each).

* a text column holding "ß" and "SS": ``toupper()`` made them one level (Python's full case mapping), R two
  (test_case_mapping.py);
* a text column holding "True": ``t == TRUE`` matched it, R matches "TRUE" (test_text_versus_logical.py);
* a column holding 0 and -0: ``sprintf("%.1f", x)`` made one level, R two (test_sprintf.py);
* ``ifelse(x > 2, NA, "a")``: the level "NaN" where R has a missing value; ``g == NA``: a column of zeros where R
  has no row (test_literal_na.py);
* a number column at the ends of the doubles: ``signif(x, 3)`` of 1e-320 was NaN (a row dropped), of 1.7e308 Inf;
  ``x %% -1`` of 1e-300 was -1; ``x %/% 2`` of Inf was NaN (a row dropped, where R refuses)
  (test_number_extremes.py, test_r_arithmetic.py);
* a column holding NA and -1: ``x %in% c(1, NaN)`` was TRUE where x is NA, ``log(x) %in% NA`` TRUE where x is -1
  (R's match() keeps NA and NaN apart); ``paste(NA + 1)`` was "NaN", ``as.character(log(x))`` missing where R
  writes "NaN", ``paste(ifelse(x > 0, sqrt(-1), z * 0))`` "NA" where x > 0 and z is missing (R: "NaN"),
  ``!NA`` FALSE (R: NA), ``paste(choose(NaN, NA))`` "NaN" (R: "NA") (test_na_versus_nan.py);
* ``choose(0.5, 3e9)`` positive, ``choose(0.5, 1e9)`` 3.8e-6 relative from R's (test_choose_hard_pairs.py);
* ``d - seq(as.Date("2020-01-05"), by = 36, length.out = 1)``: dates near 1970 where R has the days between (seq()
  of a date lost its class, test_seq_dates.py);
* ``as.numeric(cut(d, <dates>))`` with two breaks in one day (``as.Date("2020-01-01") + 0.5``): a code per interval
  where R's cut.Date makes the intervals of one label one level (test_seq_dates.py);
* day numbers before year 1: ``format(as.Date(d))`` a day late (test_early_dates.py);
* a Parquet file of one-row row groups, or of row groups whose rows are alike: a ``context=`` rank or centring was
  another function on each chunk, a constant column (test_row_dependent_context.py).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import expression_value, expression_values

Y = [1.2, 0.7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3]


def _texts(data: pd.DataFrame, expr: str) -> list:
    v = expression_value(data, expr)
    return [None if c < 0 else str(v.levels[c]) for c in v.codes]


def test_upper_case_keeps_the_sharp_s_apart():
    data = pd.DataFrame({"s": ["straße", "STRASSE"] * 4, "y": Y})
    assert _texts(data, "toupper(s)")[:2] == ["STRAßE", "STRASSE"]
    assert len(gs.glm("y ~ toupper(s)", data).coef) == 2


def test_a_text_column_compared_with_true_matches_the_text_true():
    data = pd.DataFrame({"t": ["True", "TRUE", "true", "x"] * 2, "y": Y})
    np.testing.assert_array_equal(expression_values(data, "t == TRUE"), [0, 1, 0, 0] * 2)
    np.testing.assert_array_equal(expression_values(data, "t %in% TRUE"), [0, 1, 0, 0] * 2)


def test_zero_and_negative_zero_are_two_texts():
    data = pd.DataFrame({"x": [0.0, -0.0] * 4, "y": Y})
    assert _texts(data, 'sprintf("%.1f", x)')[:2] == ["0.0", "-0.0"]


def test_na_written_in_a_formula_is_missing():
    data = pd.DataFrame({"x": np.arange(8.0), "g": list("abababab"), "y": Y})
    assert _texts(data, 'ifelse(x > 2, NA, "a")') == ["a"] * 3 + [None] * 5
    with pytest.raises(gs.DataError, match="no complete rows"):
        gs.glm("y ~ g == NA", data)


def test_na_and_nan_are_kept_apart():
    data = pd.DataFrame({"x": [1.0, np.nan, -1.0, 2.0]})
    np.testing.assert_array_equal(expression_values(data, "x %in% c(1, NaN)"), [1, 0, 0, 0])
    np.testing.assert_array_equal(expression_values(data, "log(x) %in% NA"), [0, 1, 0, 0])
    assert expression_value(data, "paste(NA + 1)") == "NA"
    assert _texts(data, "as.character(log(x))")[1:3] == [None, "NaN"]
    # (z missing on both rows, read only where x <= 0: "NaN" where x > 0 whatever z, as R's; "NA" before)
    data["z"] = np.nan
    assert _texts(data, "paste(ifelse(x > 0, sqrt(-1), z * 0))")[::2] == ["NaN", "NA"]


@pytest.mark.parametrize("expr, value, want", [
    ("signif(x, 3)", 1e-320, lambda v: v == 1e-320),  # (a subnormal: R's fprec keeps it; NaN before)
    # (R's fprec floors far from 1, 1.6000000000000006e308, test_number_extremes.py; Inf before)
    ("signif(x, 2)", 1.7e308, lambda v: 1e308 < v < 1.8e308),
    ("x %% -1", 1e-300, lambda v: v == 0),             # (the divisor, -1, before)
    ("x %/% 2", np.inf, lambda v: v == np.inf),         # (NaN, a row dropped, before)
    ("x^Inf", -1.0, np.isnan),                         # (1 before)
    # (R's lgamma terms of 3e9 cancel: R -1.72e-15; scipy's gammasgn gave +, test_choose_hard_pairs.py)
    ("choose(x, 3e9)", 0.5, lambda v: -1.8e-15 < v < -1.6e-15),
])
def test_numbers_at_the_ends_of_the_doubles_are_r_s(expr, value, want):
    assert want(expression_values(pd.DataFrame({"x": [value]}), expr)[0])


def test_a_day_before_year_one_is_the_day_it_is():
    # (0000-01-01 is 719,528 days before 1970-01-01: 1970 years of 365 days and 478 leap days)
    assert _texts(pd.DataFrame({"d": [-719528.0, -719529.0]}), "format(as.Date(d))") == ["0-01-01", "-1-12-31"]


def test_not_of_a_missing_value_is_missing():
    # (R: !NA is NA, a missing value, so that the row is dropped; x == 0 of a NaN made it FALSE, a row kept)
    data = pd.DataFrame({"x": [1.0, 2.0]})
    assert math.isnan(expression_value(data, "!NA")) and math.isnan(expression_value(data, "!(0/0)"))


def test_days_between_a_date_and_a_sequence_of_dates_are_numbers():
    data = pd.DataFrame({"d": pd.to_datetime(["2020-01-05", "2020-02-10"]).date})
    v = expression_value(data, 'd - seq(as.Date("2020-01-05"), by = 36, length.out = 1)')
    assert not v.date and list(v.values) == [0.0, 36.0]


def test_intervals_of_dates_starting_on_one_day_are_one_level():
    # (breaks 2020-01-01 and 2020-01-01 + 0.5 both write "2020-01-01": R's cut.Date sets the levels to those texts,
    # and levels<- merges a duplicated one, so the later rows' code is 2, not 3)
    data = pd.DataFrame({"d": pd.to_datetime(["2019-12-31", "2020-01-01", "2020-01-02"]).date})
    breaks = 'c(as.Date("2019-12-31"), as.Date("2020-01-01"), as.Date("2020-01-01") + 0.5, as.Date("2020-01-05"))'
    np.testing.assert_array_equal(expression_values(data, f"as.numeric(cut(d, {breaks}))"), [1.0, 2.0, 2.0])


@pytest.mark.parametrize("rows", [[1.0], [5.0, 5.0]])
def test_a_row_dependent_function_on_streamed_chunks_is_refused(rows, tmp_path):
    # (chunks of one row, or of rows alike: a rank or a centring is the same on each chunk's halves)
    n = 8 * len(rows)
    data = pd.DataFrame({"x": np.repeat(np.arange(1.0, 9.0), len(rows)), "y": np.arange(n) % 5.0})
    path = tmp_path / "d.parquet"
    data.to_parquet(path, row_group_size=len(rows))  # (tests read each row group as a chunk)

    def centre(v):
        return v - v.mean()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        assert np.isfinite(gs.glm("y ~ f(x)", data, context={"f": centre}).coef).all()
    with pytest.raises(gs.FormulaError, match="on rows of several chunks together"):
        gs.glm("y ~ f(x)", str(path), context={"f": centre})
