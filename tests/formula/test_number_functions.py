"""R's choose, lchoose, factorial, lfactorial, signif, sinpi, cospi, tanpi, findInterval, xor, as.logical and
droplevels in formulas: their values on awkward columns (whole and fractional n, negative n and k, poles, halves
and quarters of pi, numbers near the ends of double precision, NA) and fits that use them, against R 4.2
(tests/fixtures/number_functions, made by scripts/make_number_functions.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_values, r_double
from glmstat.rcsv import EXACT_FLOATS

HERE = FIXTURES / "number_functions"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=["NA"], **EXACT_FLOATS)  # (17 digits)
FAMILIES = {"binomial": gs.Binomial(), "poisson": gs.Poisson(), "gaussian": gs.Gaussian()}


def _values(expr: str) -> np.ndarray:
    return expression_values(DATA, expr)


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_values_are_r_s(expr):
    want = np.array([r_double(v) for v in REF["values"][expr]])
    got = _values(expr)
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got, want)
    infinite = np.isinf(want)
    assert np.array_equal(got[infinite], want[infinite])  # (+-Inf where R's)
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("expr", [e for e in REF["values"] if e.startswith(("signif", "choose(n, 2)", "sinpi",
                                                                             "cospi", "tanpi", "findInterval"))])
def test_exact_functions_are_bit_exact(expr):
    # rounding, whole-number products and exact multiples of pi/4: R's doubles to the last bit
    want = np.array([r_double(v) for v in REF["values"][expr]])
    got = _values(expr)
    finite = np.isfinite(want)
    assert np.array_equal(got[finite], want[finite])


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_using_them_are_r_s(ref):
    data = pd.read_csv(FIXTURES / "data" / {"mt": "mtcars.csv", "wb": "warpbreaks.csv"}[ref["data"]])
    fit = assert_fit_is_r_s(ref, data, FAMILIES[ref["family"]])
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)


@pytest.mark.parametrize("formula, match", [
    ("mpg ~ findInterval(hp, c(200, 100))", "sorted non-decreasingly"),
    ("mpg ~ findInterval(hp, wt)", "numbers written in the formula"),
    ("mpg ~ droplevels(hp)", "takes a factor"),
])
def test_refusals(formula, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(formula, pd.read_csv(FIXTURES / "data" / "mtcars.csv"))


def test_droplevels_predicts_new_data_at_the_training_levels():
    wb = pd.read_csv(FIXTURES / "data" / "warpbreaks.csv")
    fit = gs.glm(REF["fits"][3]["formula"], wb, family=gs.Poisson())
    new = wb.iloc[[0, 20, 40]]
    assert_close(fit.predict(new), np.exp(fit.linear_predictor.to_numpy()[[0, 20, 40]]), rtol=1e-13)
