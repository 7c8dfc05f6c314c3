"""R's c() and as.vector() of one column, atan2, rowSums/rowMeans of cbind(), replace(), is.finite, is.infinite,
IQR, mad and casefold in formulas: their values on awkward columns (NA, +-Inf, 1e20 beside 1, ties) and fits that
use them -- the rows R's model frame keeps included -- against R 4.2 (tests/fixtures/more_functions, made by
scripts/make_more_functions.R); what is refused, by name."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_value, expression_values, r_double
from glmstat.rcsv import EXACT_FLOATS

HERE = FIXTURES / "more_functions"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=["NA"], **EXACT_FLOATS)  # (17 digits)
FIT_DATA = DATA.assign(y=REF["y"], n=REF["n"],
                       f=pd.Categorical(DATA["g"], categories=["c", "b", "a", "C", "A"]))
FAMILIES = {"poisson": gs.Poisson(), "gaussian": gs.Gaussian()}


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_values_are_r_s(expr):
    want = np.array([r_double(v) for v in REF["values"][expr]])
    got = expression_values(DATA, expr)
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got, want)
    infinite = np.isinf(want)
    assert np.array_equal(got[infinite], want[infinite])
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-14, atol=0)


@pytest.mark.parametrize("expr", [e for e in REF["values"] if e.startswith(("rowSums", "rowMeans", "replace"))])
def test_row_sums_and_replacements_are_bit_exact(expr):
    # (long double sums rounded once, as R's C code: 1e20 + 1 - 1e20 is 0 in both)
    want = np.array([r_double(v) for v in REF["values"][expr]])
    got = expression_values(DATA, expr)
    finite = np.isfinite(want)
    assert np.array_equal(got[finite], want[finite])


@pytest.mark.parametrize("expr", list(REF["texts"]))
def test_texts_are_r_s(expr):
    v = expression_value(FIT_DATA, expr)
    assert [v.levels[k] for k in v.codes] == REF["texts"][expr]


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_using_them_are_r_s(ref):
    fit = assert_fit_is_r_s(ref, FIT_DATA, FAMILIES[ref["family"]])
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)


@pytest.mark.parametrize("term, match", [
    ("rowSums(x)", "takes the columns as cbind"),
    ("rowSums(cbind(x, g))", "factor"),
    ("replace(t, t > 2, x)", "values must be one number"),
    ("replace(t, 1, 0)", "list must be a condition"),
    ("replace(t, z > 2, 0)", "the condition is missing in 3 rows"),
    ("as.vector(x, mode = 'list')", "only mode"),
    ("rowSums(cbind(" + ", ".join(["x"] * 17) + "))", "at most 16 columns"),
])
def test_refusals(term, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ {term}", FIT_DATA)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import as_streamed

    formula = "y ~ rowSums(cbind(t, u), na.rm = TRUE) + is.finite(z) + I(x / IQR(x)) + I(t / mad(t))"
    d = FIT_DATA.drop(columns="f")
    mem = gs.glm(formula, d)
    streamed = gs.glm(formula, as_streamed(d, kind, tmp_path, rows=4))
    assert streamed.nobs == mem.nobs == 16
    np.testing.assert_allclose(streamed.coef.to_numpy(), mem.coef.to_numpy(), rtol=1e-10)


def test_summaries_are_learned_once_for_new_data():
    fit = gs.glm("y ~ I(t / mad(t)) + I(x / IQR(x))", FIT_DATA)
    one = FIT_DATA.iloc[[3]]
    assert_close(fit.predict(one), fit.fitted_values.to_numpy()[[3]], rtol=1e-13)
