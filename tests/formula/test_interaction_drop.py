"""``interaction(a, b, drop = TRUE)`` of two 100-level factors whose rows take 300 of their 10,000 combinations,
against R (tests/fixtures/interaction_drop, scripts/make_interaction_drop.R): more combinations than a design may
have columns, but only those the rows take are levels, in R's order (lex.order too); fits, standard errors and
predictions as R's, the structured design, streamed data as in memory, new data's unseen combination refused, the
bound on the combinations the rows take, and (a property) the product's combinations with the unused dropped."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glmstat as gs
from conftest import FIXTURES, assert_close, expression_value, r_coef_name, structured_frame

REF = json.loads((FIXTURES / "interaction_drop" / "ref.json").read_text())


def _rows() -> pd.DataFrame:
    """The script's rows: row i is combination j = i mod 300, a = 7 j mod 100, b = (11 j + j // 100) mod 100."""
    i = np.arange(3000)
    j = i % 300
    return pd.DataFrame({"a": [f"a{k:03d}" for k in (7 * j) % 100],
                         "b": [f"b{k:03d}" for k in (11 * j + j // 100) % 100],
                         "x": np.cos(i), "y": (17 * i + i // 300) % 5})


DATA = _rows()


def _fit(formula: str, data=DATA, **kw) -> gs.GLMResults:
    return gs.glm(formula, data, family=gs.Poisson(), tol=1e-12, max_iter=100, **kw)


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_as_r(ref):
    fit = _fit(ref["formula"])
    assert [r_coef_name(n) for n in fit.coef.index] == ref["coef_names"]
    assert_close(fit.coef, ref["coef"], rtol=1e-7, atol=1e-9)
    assert_close(fit.std_errors, ref["se"], rtol=1e-6)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert fit.nobs == ref["nobs"]
    new = DATA.iloc[[4, 1233, 2998]]  # (R's rows 5, 1234 and 2999)
    assert_close(fit.predict(new), ref["predict"], rtol=1e-8)
    assert_close(pickle.loads(pickle.dumps(fit)).predict(new), ref["predict"], rtol=1e-8)


def test_the_product_of_the_levels_is_past_the_design_s_columns():
    with pytest.raises(gs.FormulaError, match=r"combines 100 x 100 levels, more combinations"):
        _fit("y ~ interaction(a, b) + x")
    assert structured_frame(REF["fits"][0]["formula"], DATA, gs.Poisson()) is not None


def test_the_combinations_the_rows_take_are_bounded():
    with pytest.raises(gs.FormulaError, match=r"the rows take 300 combinations of its arguments' levels, more "
                                              r"\(less one\) than the design may have columns.*max_columns is 100"):
        _fit(REF["fits"][0]["formula"], limits=gs.FormulaLimits(max_columns=100))


def test_new_data_with_a_combination_the_fit_did_not_see_is_refused():
    fit = _fit(REF["fits"][0]["formula"])
    unseen = pd.DataFrame({"a": ["a000"], "b": ["b050"], "x": [0.5], "y": [1]})
    assert not ((DATA.a == "a000") & (DATA.b == "b050")).any()
    with pytest.raises(gs.GLMStatError, match="a000.b050"):
        fit.predict(unseen)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
@pytest.mark.parametrize("ref", REF["fits"], ids=["first fastest", "lex.order"])
def test_streamed_fits_are_the_in_memory_fit(kind, ref, tmp_path):
    from streamed_cases import assert_streamed_is_in_memory

    # (chunks of 250 rows: each takes 250 of the combinations and its own levels, merged in R's order)
    assert_streamed_is_in_memory(ref["formula"], DATA, kind, tmp_path, rows=250, rtol=1e-7, family=gs.Poisson())


_LEVELS = st.lists(st.sampled_from(["p", "q", "r", "s", None]), min_size=1, max_size=30)


@settings(max_examples=60)
@given(a=_LEVELS, b=_LEVELS, c=_LEVELS, lex=st.booleans())
def test_drop_is_the_product_with_its_unused_combinations_dropped(a, b, c, lex):
    """The combinations the rows take, found without the product, are the product's with the others dropped
    (droplevels() of interaction(drop = FALSE)): the same levels in the same order and each row's code."""
    n = min(len(a), len(b), len(c))
    rows = pd.DataFrame({"a": a[:n], "b": b[:n], "c": [x if x is None else x.upper() for x in c[:n]]})
    lex_text = "TRUE" if lex else "FALSE"
    dropped = expression_value(rows, f"interaction(a, b, c, drop = TRUE, lex.order = {lex_text})")
    product = expression_value(rows, f"droplevels(interaction(a, b, c, lex.order = {lex_text}))")
    assert list(dropped.levels) == list(product.levels)
    np.testing.assert_array_equal(dropped.codes, product.codes)
