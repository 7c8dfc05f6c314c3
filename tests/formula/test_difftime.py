"""R's ``difftime()`` of dates and date-times with its units named, against R (tests/fixtures/difftime, made by
scripts/make_difftime.R): the values and fits; R's default ``units = "auto"`` (chosen from the rows' smallest
difference) and text arguments (read on the session's clock) refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, expression_values, r_double

REF = json.loads((FIXTURES / "difftime" / "ref.json").read_text())


def _rows() -> pd.DataFrame:
    i = np.arange(30)
    return pd.DataFrame({"day": (pd.Timestamp("2020-01-01") + pd.to_timedelta(5 * i, unit="D")).strftime("%Y-%m-%d"),
                         "y": i % 7, "when": pd.Timestamp("2020-01-01 06:00") + pd.to_timedelta(13 * i, unit="h")})


DATA = _rows()


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_values_are_r_s(expr):
    np.testing.assert_array_equal(expression_values(DATA, expr), [r_double(t) for t in REF["values"][expr]])


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    fit = gs.glm(ref["formula"], DATA, family=gs.Poisson(), tol=1e-12, max_iter=100)
    np.testing.assert_allclose(fit.coef, [r_double(t) for t in ref["coef"]], rtol=1e-9)
    np.testing.assert_allclose(fit.deviance, r_double(ref["deviance"]), rtol=1e-10)
    # (new data: each argument read as the fit read it, a column of date-times or a date)
    np.testing.assert_allclose(fit.predict(DATA.iloc[[3, 17]]), fit.fitted_values.iloc[[3, 17]], rtol=1e-12)


@pytest.mark.parametrize("term, match", [
    ('difftime(as.Date(day), as.Date("2020-01-01"))', "R's default units = \"auto\" picks them from the smallest "
                                                      "difference among the rows"),
    ('difftime(as.Date(day), as.Date("2020-01-01"), units = "months")', "unknown units 'months'"),
    ('difftime(as.Date(day), "2020-01-01", units = "days")', "time2 is text, which R reads as a date-time"),
    ('difftime(y, as.Date("2020-01-01"), units = "days")', "time1 must be a date"),
    ('difftime(when, as.Date("2020-01-01"), tz = "UTC", units = "days")', "tz = is not supported"),
])
def test_refusals(term, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ {term}", DATA, family=gs.Poisson())


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import assert_streamed_is_in_memory

    assert_streamed_is_in_memory(REF["fits"][2]["formula"], DATA, kind, tmp_path, rows=7, rtol=1e-10,
                                 family=gs.Poisson())
