"""R's dates in formulas against R 4.2 (tests/fixtures/dates, made by scripts/make_dates.R): as.Date() of text by
R's strptime rules on awkward texts (impossible days, trailing text, spaces, two-digit years, day of the year,
month names in any case, literal characters), format() codes, months(), weekdays(), quarters(), julian(), Date
arithmetic and comparisons with a string; fits, predictions and subsets that use them; the same on Parquet and
dask; what is refused, by name."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_value, expression_values

HERE = FIXTURES / "dates"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=[""])
FAMILIES = {"poisson": gs.Poisson(), "gaussian": gs.Gaussian()}
DAYS = pd.DataFrame({"s": ["2024-01-05", "2024-02-29", "1999-12-31", "2000-01-01", "2024-12-30", "1970-01-01",
                           "1969-12-28"], "k": [1, 2, 10, -5, 0, 0.5, 366]})


def _texts(data: pd.DataFrame, expr: str) -> list:
    v = expression_value(data, expr)
    return [None if k < 0 else v.levels[k] for k in v.codes]


def _numbers(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.mark.parametrize("name", list(REF["parsed"]))
def test_texts_read_as_r_reads_them(name):
    case = REF["parsed"][name]
    fmt = case["format"] or None
    expr = "as.numeric(as.Date(s))" if fmt is None else f'as.numeric(as.Date(s, format = "{fmt}"))'
    got = expression_values(pd.DataFrame({"s": case["texts"]}), expr.replace("\t", "\\t"))
    np.testing.assert_array_equal(got, _numbers(case["days"]))


@pytest.mark.parametrize("code", list(REF["written"]))
def test_format_codes_write_as_r_writes_them(code):
    assert _texts(DAYS, f'format(as.Date(s), "{code}")') == REF["written"][code]


@pytest.mark.parametrize("expr, key", [("months(as.Date(s))", "months"), ("weekdays(as.Date(s))", "weekdays"),
                                       ("months(as.Date(s), abbreviate = TRUE)", "months_short"),
                                       ("weekdays(as.Date(s), TRUE)", "weekdays_short"),
                                       ("quarters(as.Date(s))", "quarters")])
def test_names_of_dates_are_r_s(expr, key):
    assert _texts(DAYS, expr) == REF[key]


@pytest.mark.parametrize("expr, key", [
    ("as.numeric(as.Date(s))", "dates"), ("julian(as.Date(s))", "julian"),
    ('julian(as.Date(s), origin = as.Date("2000-01-01"))', "julian_2000"), ("as.numeric(as.Date(s) + 3)", "plus"),
    ("unclass(as.Date(s) - 10)", "minus"), ('as.Date(s) - as.Date("2024-01-01")', "between"),
    ('as.Date(s) > "2000-01-01"', "after"), ('as.Date(s) == "2024-02-29"', "same"),
    ('as.numeric(as.Date(k, origin = "2000-01-01"))', "from_number"),
])
def test_arithmetic_and_comparisons_are_r_s(expr, key):
    np.testing.assert_array_equal(expression_values(DAYS, expr), _numbers(REF[key]))


def _fit(ref: dict, data) -> gs.GLMResults:
    if not ref["subset"]:  # (R's NULL, written as {})
        return assert_fit_is_r_s(ref, data, FAMILIES[ref["family"]])
    fit = gs.glm(ref["formula"], data, family=FAMILIES[ref["family"]], subset=ref["subset"], tol=1e-12)
    assert fit.nobs == ref["nobs"]
    assert_close(fit.coef, ref["coef"], rtol=1e-7)
    return fit


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_and_predictions_are_r_s(ref):
    fit = _fit(ref, DATA)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    new = pd.DataFrame({"day": ["2024-04-01", "2024-02-14"], "dmy": ["01/04/2024", "14/02/2024"]})
    assert_close(fit.predict(new), ref["predict"], rtol=1e-9)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import as_streamed

    formula = 'count ~ as.numeric(as.Date(day) - as.Date("2024-01-01")) + weekdays(as.Date(day))'
    mem = gs.glm(formula, DATA, family=gs.Poisson())
    streamed = gs.glm(formula, as_streamed(DATA, kind, tmp_path, rows=7), family=gs.Poisson())
    assert streamed.column_names == mem.column_names
    np.testing.assert_allclose(streamed.coef.to_numpy(), mem.coef.to_numpy(), rtol=1e-10)


def test_the_format_is_learned_from_the_fit_and_kept_for_new_data():
    # (R decides from the first text of whatever it reads, so that one row of new data in the other spelling
    # is read in that spelling; glmstat reads new data as it read the fit's rows, and that row is missing)
    fit = gs.glm("y ~ as.Date(day)", DATA)
    got = fit.predict(pd.DataFrame({"day": ["2024-04-01", "2024/04/01"]}))
    assert_close(got[:1], [REF["fits"][1]["predict"][0]], rtol=1e-9)
    assert np.isnan(got[1])


@pytest.mark.parametrize("term, match", [
    ("I(as.Date(day) * 2)", 'not defined for "Date" objects'),
    ("I(-as.Date(day))", 'unary - is not defined'),
    ("I(1 - as.Date(day))", 'can only subtract from "Date" objects'),
    ("I(as.Date(day) + as.Date(day))", 'binary \\+ is not defined'),
    ('as.Date(day, "%m-%d")', "has no year"),
    ('format(as.Date(day), "%Q")', "'%Q' is not supported"),
    ('format(y, "%Y")', "must be a date"),
    ('as.Date(day, tryFormats = c("%m-%d"))', "has no year"),
    ('as.Date(day, tryFormats = day)', "tryFormats must be strings written in the formula"),
    ('as.Date(day, optional = 1)', "optional must be TRUE or FALSE"),
    ("as.Date(mixed)", "mix the formats '%Y-%m-%d' \\('2024-01-05'\\) and '%Y/%m/%d' \\('2024/01/06'\\)"),
    ("as.Date(junk)", "not in a standard unambiguous format"),
    ('I(as.Date(day) > "31.1.2024")', "reads as no date"),
    ('as.Date(y, origin = "someday")', "reads as no date"),
])
def test_refusals(term, match):
    # (as R: a string beside a date that reads as none is R's error, not a missing comparison)
    data = DATA.assign(mixed=["2024-01-05", "2024/01/06"] * 30, junk=["x", "y"] * 30)
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ {term}", data)
