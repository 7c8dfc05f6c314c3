"""R's ``reorder(x, X, FUN = mean)`` in formulas against R 4.2 (tests/fixtures/reorder, made by
scripts/make_reorder.R): the levels in the order of each level's summary of X (FUN = mean, sum, min, max, length;
decreasing; ties in the factor's own order; a missing summary last) and each row's level, fits whose reference
level has the smallest summary, the order learned once for new data and streamed data, and what is refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_value
from glmstat.formula.limits import FormulaLimits
from glmstat.formula.values import label_text

HERE = FIXTURES / "reorder"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=[""])
FAMILIES = {"poisson": gs.Poisson(), "gaussian": gs.Gaussian()}


@pytest.mark.parametrize("expr", list(REF["levels"]))
def test_levels_and_each_row_s_level_are_r_s(expr):
    want = REF["levels"][expr]
    f = expression_value(DATA, expr)
    assert [label_text(lv) for lv in f.levels] == want["levels"]
    assert [None if c < 0 else int(c) + 1 for c in f.codes] == want["codes"]
    assert f.ordered == want["ordered"]


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    fit = assert_fit_is_r_s(ref, DATA, FAMILIES[ref["family"]])
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(fit.fitted_values, ref["fitted"], rtol=1e-9)


def test_new_data_takes_the_fit_s_order():
    # (R's predict() orders the levels again by the new rows' summaries; glmstat keeps the fit's, so that one new
    # row of "cat" is "cat", whatever its y)
    ref = REF["fits"][0]
    fit = gs.glm(ref["formula"], DATA)
    rows = DATA.dropna().iloc[:10]
    assert_close(fit.predict(rows), fit.fitted_values.loc[rows.index], rtol=1e-12)
    assert_close(fit.predict(rows.assign(y=-rows["y"])), fit.fitted_values.loc[rows.index], rtol=1e-12)
    assert np.isnan(fit.predict(rows.assign(g="yak"))).all()  # (a level the fit did not see)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
@pytest.mark.parametrize("i", [0, 1, 2])
def test_streamed_fits_are_the_in_memory_fit(kind, i, tmp_path):
    from streamed_cases import assert_streamed_is_in_memory

    ref = REF["fits"][i]
    # (chunks of 7 rows: each holds some levels only, their parts merged into the fit's order)
    assert_streamed_is_in_memory(ref["formula"], DATA, kind, tmp_path, rows=7, rtol=1e-10,
                                 family=FAMILIES[ref["family"]])


@pytest.mark.parametrize("term, match", [
    ("reorder(g, x, FUN = median)", "FUN must be one of"),
    ("reorder(g, x, FUN = \"mean\")", "FUN must be one of"),
    ("reorder(g, g)", "the X is a factor"),
    ("reorder(g)", "the argument 'X' is missing"),
    ("reorder(g, x, decreasing = 1)", "decreasing must be TRUE or FALSE"),
])
def test_refusals(term, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ {term}", DATA)


def test_its_levels_are_bounded():
    rows = pd.DataFrame({"g": [f"l{i}" for i in range(300)], "y": np.arange(300.0)})
    with pytest.raises(gs.FormulaError, match="x has 300 levels, more than 100"):
        gs.glm("y ~ reorder(g, y)", rows, limits=FormulaLimits(max_columns=5))
