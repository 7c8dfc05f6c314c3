"""R's ``cut.Date`` in formulas against R 4.2 (tests/fixtures/cut_dates, made by scripts/make_cut_dates.R): each
date's interval of a day, week (from Monday or Sunday), month, quarter or year, labelled by its first day, the
levels in the order of the dates; fits; streamed data and new rows; what is refused (a count of units, labels =,
right = TRUE: R's intervals then depend on the data's first date)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, expression_value, r_coef_name

REF = json.loads((FIXTURES / "cut_dates" / "ref.json").read_text())


def _rows() -> pd.DataFrame:
    i = np.arange(60)
    day = (pd.Timestamp("2019-12-25") + pd.to_timedelta(9 * i, unit="D")).strftime("%Y-%m-%d").to_numpy(object)
    day[i % 17 == 5] = None
    return pd.DataFrame({"day": day, "y": (13 * i) % 7 + 1})


DATA = _rows()


@pytest.mark.parametrize("expr", list(REF["levels"]))
def test_levels_and_each_row_s_level_are_r_s(expr):
    want = REF["levels"][expr]
    f = expression_value(DATA, expr)
    assert list(f.levels) == want["levels"]
    assert [None if c < 0 else int(c) + 1 for c in f.codes] == want["codes"]


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    fit = gs.glm(ref["formula"], DATA, family=gs.Poisson(), tol=1e-12, max_iter=100)
    assert [r_coef_name(n) for n in fit.coef.index] == ref["coef_names"]
    assert fit.nobs == ref["nobs"]
    assert_close(fit.coef, ref["coef"], rtol=1e-8, atol=1e-10)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9, atol=1e-10)
    # (a row's interval is its own date's: one new row takes the fit's level for its month)
    rows = DATA.dropna().iloc[[3, 40]]
    assert_close(fit.predict(rows), fit.predict(DATA.dropna()).iloc[[3, 40]], rtol=1e-12)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import as_streamed

    formula = REF["fits"][0]["formula"]  # (chunks of 7 rows: each holds its own months, merged in date order)
    mem = gs.glm(formula, DATA, family=gs.Poisson())
    streamed = gs.glm(formula, as_streamed(DATA, kind, tmp_path, rows=7), family=gs.Poisson())
    assert list(streamed.coef.index) == list(mem.coef.index)
    assert_close(streamed.coef, mem.coef.to_numpy(), rtol=1e-9, atol=1e-12)  # (the intercept is 0: log(1))


@pytest.mark.parametrize("term, match", [
    ('cut(as.Date(day), "2 months")', "R lays a count of units from the data's first date"),
    ('cut(as.Date(day), "fortnight")', "of dates takes breaks = \"day\", \"week\""),
    ('cut(as.Date(day), "month", labels = c("a", "b"))', "labels = is not supported for dates"),
    ('cut(as.Date(day), "month", right = TRUE)', "right = TRUE is not supported for dates"),
    ('cut(y, 3, start.on.monday = FALSE)', "start.on.monday = is for dates"),
])
def test_refusals(term, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ {term}", DATA, family=gs.Poisson())
