"""R's normal and logistic distribution functions (d/p/q norm and logis, with their location, scale,
lower.tail, log.p and log arguments), gamma, lgamma, digamma, trigamma, beta, lbeta, asinh, acosh, atanh and
is.na() in formulas: their values on awkward columns (poles, far tails, log-probabilities, scales of 0 and
below, NA) and fits that use them, against R 4.2 (tests/fixtures/distribution_functions, made by
scripts/make_distribution_functions.R)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_values, r_double

HERE = FIXTURES / "distribution_functions"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
FAMILIES = {"binomial": gs.Binomial(), "poisson": gs.Poisson(), "gaussian": gs.Gaussian()}


def _values(expr: str) -> np.ndarray:
    return expression_values(DATA, expr)


#: R 4.2's qnorm(lp, log.p = TRUE) far in the tail is accurate to about five digits only (R 4.3.0's NEWS: "qnorm(<very
#: large negative>, log.p=TRUE) is now fully accurate (instead of to "only" minimally five digits)"): at lp = -1e4
#: R 4.2 gives -141.379837998, whose log Phi is -9999.99974; glmstat's -141.379839873 inverts pnorm to 4e-14
_R_INEXACT_QNORM = {"qnorm(lp, log.p = TRUE)": 0, "qnorm(lp, lower.tail = FALSE, log.p = TRUE)": 0}


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_values_are_r_s(expr):
    want = np.array([r_double(v) for v in REF["values"][expr]])
    got = _values(expr)
    if expr in _R_INEXACT_QNORM:
        i = _R_INEXACT_QNORM[expr]
        lp, sign = DATA["lp"].iloc[i], (1.0 if "lower.tail = FALSE" not in expr else -1.0)
        assert _values(f"pnorm({float(sign * got[i])!r}, log.p = TRUE) + 0 * lp")[i] == pytest.approx(lp, rel=1e-13)
        assert got[i] == pytest.approx(want[i], rel=1e-7)
        want[i] = got[i]
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got, want)
    finite = np.isfinite(want)
    assert np.array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])  # (+-Inf where R's)
    # (scipy's lbeta(200, 2.5) is 2e-13 from R's, which is 1 ulp from the exact value)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_using_them_are_r_s(ref):
    data = pd.read_csv(FIXTURES / "data" / {"mt": "mtcars.csv", "aq": "airquality.csv"}[ref["data"]])
    fit = assert_fit_is_r_s(ref, data, FAMILIES[ref["family"]])
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)


def test_a_column_read_only_by_is_na_drops_no_row():
    # R's model frame holds is.na(x), which is never NA: the rows missing x stay (y ~ x drops them)
    d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0, 4.0, 6.0], "x": [0.5, np.nan, 1.5, np.nan, 2.0, 3.0]})
    fit = gs.glm("y ~ is.na(x)", d)
    assert fit.nobs == 6 and fit.n_dropped == 0
    assert_close(fit.coef, [np.mean([1.0, 3.0, 4.0, 6.0]), 3.5 - np.mean([1.0, 3.0, 4.0, 6.0])], rtol=1e-12)
    with pytest.warns(gs.DroppedRowsWarning):
        assert gs.glm("y ~ x + is.na(x)", d.assign(y=[1.0, 2.0, 3.0, 5.0, 4.0, 6.5]), family=gs.Gaussian()).nobs == 4


def test_is_na_of_a_factor_reads_its_missing_level():
    d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0, 4.0, 6.0], "g": ["a", None, "b", "a", None, "b"]})
    fit = gs.glm("y ~ is.na(g)", d)
    assert fit.nobs == 6
    assert_close(fit.coef.iloc[1], np.mean([2.0, 4.0]) - np.mean([1.0, 3.0, 5.0, 6.0]), rtol=1e-12)


@pytest.mark.parametrize("formula, message", [
    ("y ~ pnorm(x, lower.tail = 1)", "lower.tail must be TRUE or FALSE"),
    ("y ~ qnorm(x, log.p = 'yes')", "log.p must be TRUE or FALSE"),
    ("y ~ pnorm(x, sd = g)", "sd is a factor"),
    ("y ~ dnorm(x, lower.tail = TRUE)", "lower.tail"),
    ("y ~ beta(x)", "beta"),
])
def test_arguments_r_would_not_take_are_refused(formula, message):
    d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0], "x": [0.1, 0.2, 0.3, 0.4], "g": ["a", "b", "a", "b"]})
    with pytest.raises(gs.FormulaError, match=re.escape(message)):
        gs.glm(formula, d)


def test_predict_evaluates_them_on_new_rows():
    mt = pd.read_csv(FIXTURES / "data" / "mtcars.csv")
    fit = gs.glm("mpg ~ pnorm(hp, 150, 50) + asinh(wt)", mt)
    new = pd.DataFrame({"hp": [150.0], "wt": [0.0]})  # pnorm at its mean 0.5, asinh(0) = 0
    assert_close(fit.predict(new, type="link"), [fit.coef.iloc[0] + 0.5 * fit.coef.iloc[1]], rtol=1e-12)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import as_streamed

    rng = np.random.default_rng(1)
    d = pd.DataFrame({"y": rng.poisson(3, 300).astype(float), "z": rng.uniform(0.01, 0.99, 300),
                      "x": np.where(rng.random(300) < 0.3, np.nan, rng.normal(size=300))})
    formula = "y ~ is.na(x) + qlogis(z) + pnorm(z, 0.5, 0.2, lower.tail = FALSE) + lgamma(y + 1)"
    mem = gs.glm(formula, d, family=gs.Poisson())
    streamed = gs.glm(formula, as_streamed(d, kind, tmp_path, rows=37), family=gs.Poisson())
    assert streamed.nobs == mem.nobs == 300
    assert_close(streamed.coef, mem.coef.to_numpy(), rtol=1e-10)
