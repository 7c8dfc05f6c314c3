"""R's ``factor(x, exclude = )`` and ``addNA(x, ifany = )`` in formulas against R 4.2 (tests/fixtures/na_levels, made
by scripts/make_na_levels.R): the levels (R's NA level last) and each row's level, fits in which the rows missing x
are a level of their own (named ...NA, as R names it; an NA level no row takes dropped, as R's glm drops unused
levels) with their predictions, streamed fits, and what is refused, by name."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_value
from glmstat.formula.values import NALevel, label_text

HERE = FIXTURES / "na_levels"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=[""])
FAMILIES = {"poisson": gs.Poisson(), "gaussian": gs.Gaussian()}


@pytest.mark.parametrize("expr", list(REF["levels"]))
def test_levels_and_each_row_s_level_are_r_s(expr):
    want = REF["levels"][expr]
    levels = [want["levels"]] if isinstance(want["levels"], str) else want["levels"]
    f = expression_value(DATA, expr)
    assert [None if isinstance(lv, NALevel) else label_text(lv) for lv in f.levels] == levels
    assert [None if c < 0 else int(c) + 1 for c in f.codes] == want["codes"]
    assert f.ordered == want["ordered"]


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    fit = assert_fit_is_r_s(ref, DATA, FAMILIES[ref["family"]])
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(fit.fitted_values, ref["fitted"], rtol=1e-9)
    want = np.array([np.nan if v is None else v for v in ref["predicted"]], dtype=float)
    if "exclude = \"a\"" in ref["formula"]:
        # (R's predict() reads the new rows' factor again with the fit's levels and exclude = NULL, so that a row of
        # the excluded level "a", missing in the fit, takes the NA level there; glmstat's is missing, as in the fit)
        excluded = (DATA["g"].iloc[:12] == "a").to_numpy()
        assert excluded.any()
        want[excluded] = np.nan
    if "labels = c(\"A\", NA" in ref["formula"]:
        # (the same rereading gives a row missing g, missing in the fit, the level labelled NA: glmstat's is missing)
        missing = DATA["g"].iloc[:12].isna().to_numpy()
        assert missing.any()
        want[missing] = np.nan
    assert_close(fit.predict(DATA.iloc[:12], type="response"), want, rtol=1e-9)
    again = pickle.loads(pickle.dumps(fit))  # (the NA level is one value in a model loaded elsewhere)
    assert_close(again.predict(DATA.iloc[:12], type="response"), want, rtol=1e-9)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
@pytest.mark.parametrize("formula", ["y ~ x + addNA(g)", "y ~ factor(g, exclude = \"a\") + k"])
def test_streamed_fits_are_the_in_memory_fit(kind, formula, tmp_path):
    from streamed_cases import assert_streamed_is_in_memory

    # (chunks of 7 rows: some hold no missing g, so their levels differ and are merged, the NA level last)
    assert_streamed_is_in_memory(formula, DATA, kind, tmp_path, rows=7, rtol=1e-10)


@pytest.mark.parametrize("term, match", [
    ("factor(g, exclude = x)", "exclude must be literal values"),
    ("factor(g, labels = c(\"A\", \"B\", \"C\"), exclude = \"a\")", "exclude = with labels = is not supported"),
    ("addNA(g, ifany = 1)", "ifany must be TRUE or FALSE"),
    ("factor(g, levels = NA)", "levels holds NA alone, which factor\\(\\) leaves out"),
])
def test_refusals(term, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ {term}", DATA)


def test_a_level_written_na_beside_r_s_na_level_is_refused():
    # (R keeps the text "NA" and NA apart as levels, but names both coefficients addNA(s)NA)
    rows = pd.DataFrame({"s": ["a", "NA", None, "b"] * 3, "y": np.arange(12.0)})
    with pytest.raises(gs.FormulaError, match="a level written \"NA\""):
        gs.glm("y ~ addNA(s)", rows)
