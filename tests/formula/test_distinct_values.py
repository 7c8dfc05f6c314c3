"""R's ``levels()`` and ``unique()`` in formulas against R 4.2 (tests/fixtures/distinct_values, made by
scripts/make_distinct_values.R): the values, the levels of the factors made with them and each row's level, fits
and predictions of the rows in reverse order; the values learned once (new data, streamed data, a pickled model);
what is refused."""

from __future__ import annotations

import json
import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_value
from glmstat.formula.values import label_text

HERE = FIXTURES / "distinct_values"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=[""])
DATA["cat"] = pd.Categorical(DATA["cat"], categories=["z", "y", "x", "w"])  # (w: a level no row takes, as in R)
FAMILIES = {"poisson": gs.Poisson(), "gaussian": gs.Gaussian()}


def _same(got: tuple, want: list) -> bool:
    return len(got) == len(want) and all(
        (w is None and isinstance(g, float) and math.isnan(g)) or (w is not None and label_text(g) == label_text(w))
        for g, w in zip(got, want))


def test_the_values_are_r_s():
    assert _same(expression_value(DATA, "unique(g)"), REF["values"]["unique_g"])
    assert _same(expression_value(DATA, "unique(k)"), REF["values"]["unique_k"])
    assert _same(expression_value(DATA, "levels(cat)"), REF["values"]["levels_cat"])
    assert expression_value(DATA, 'unique(c("b", "a", "b", NA, NA))')[:2] == ("b", "a")


@pytest.mark.parametrize("expr", list(REF["levels"]))
def test_levels_and_each_row_s_level_are_r_s(expr):
    want = REF["levels"][expr]
    f = expression_value(DATA, expr)
    used = sorted(set(int(c) for c in f.codes if c >= 0))  # (R's droplevels: the model frame drops unused levels)
    assert [label_text(f.levels[c]) for c in used] == want["levels"]
    at = {c: i + 1 for i, c in enumerate(used)}
    assert [None if c < 0 else at[int(c)] for c in f.codes] == want["codes"]


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_and_predictions_are_r_s(ref):
    fit = assert_fit_is_r_s(ref, DATA, FAMILIES[ref["family"]])
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    backwards = DATA.iloc[::-1]  # (other first appearances: the fit's values code these rows, as R's levels do)
    want = np.array([np.nan if v is None else v for v in ref["predicted"]], dtype=float)
    assert_close(fit.predict(backwards, type="response"), want, rtol=1e-9)
    again = pickle.loads(pickle.dumps(fit))
    assert_close(again.predict(backwards.head(1), type="response"), want[:1], rtol=1e-9)


def test_new_data_take_the_fit_s_values():
    """The values learned from the fit code new rows: one new row of elm, the last level the fit's rows take, keeps
    elm's column (unique() of that row alone would make elm the first level, the reference)."""
    fit = gs.glm("y ~ factor(g, levels = unique(g)) + x", DATA, family=gs.Poisson())
    X = fit.model_matrix(DATA[DATA["g"] == "elm"].head(1))
    assert X["factor(g, levels = unique(g))[T.elm]"].iloc[0] == 1.0
    assert X.iloc[0, 1:4].sum() == 1.0


@pytest.mark.parametrize("kind", ["parquet", "dask"])
@pytest.mark.parametrize("formula", [
    "y ~ factor(g, levels = unique(g)) + x",
    "y ~ factor(k, levels = rev(sort(unique(k)))) + factor(g, levels = rev(levels(g)))"])
def test_streamed_fits_are_the_in_memory_fit(kind, formula, tmp_path):
    from streamed_cases import assert_streamed_is_in_memory

    # (chunks of 7 rows: each has its own first appearances and levels, merged in the chunks' order)
    assert_streamed_is_in_memory(formula, DATA.drop(columns="cat"), kind, tmp_path, rows=7, rtol=1e-10)


@pytest.mark.parametrize("term, match", [
    ("levels(k)", "k is numbers, not a factor, and R's levels\\(\\) of it is NULL; write levels\\(factor\\(k\\)\\)"),
    ("factor(g, levels = levels(toupper(g)))", "toupper\\(g\\) is text, not a factor"),
    ("unique(poly(x, 2))", "the argument poly\\(x, 2\\) has several columns"),
])
def test_refusals(term, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        with pytest.raises(gs.FormulaError, match=match):
            gs.glm(f"y ~ {term}", DATA, family=gs.Poisson())


def test_the_values_a_model_keeps_are_bounded():
    many = pd.DataFrame({"u": np.arange(2_000.0), "y": np.ones(2_000)})
    with pytest.raises(gs.FormulaError, match="gives 2,000 values, more than 1,000"):
        gs.glm("y ~ I(u %in% unique(u))", many, limits=gs.FormulaLimits(max_columns=50))


@settings(max_examples=60)
@given(values=st.lists(st.one_of(st.sampled_from(["u", "v", "w"]), st.none()), min_size=1, max_size=25))
def test_levels_in_the_order_of_appearance_label_each_row_as_factor_does(values):
    """factor(x, levels = unique(x)) is factor(x) with its levels in the order the rows first take them: each row
    the same label (or missing), the levels those labels in order of first appearance (a column of NA alone has
    none: refused)."""
    assume(any(v is not None for v in values))
    rows = pd.DataFrame({"x": values})
    ordered = expression_value(rows, "factor(x, levels = unique(x))")
    plain = expression_value(rows, "factor(x)")
    labels = [None if c < 0 else label_text(ordered.levels[c]) for c in ordered.codes]
    assert labels == [None if c < 0 else label_text(plain.levels[c]) for c in plain.codes]
    assert [label_text(v) for v in ordered.levels] == list(dict.fromkeys(v for v in values if v is not None))
