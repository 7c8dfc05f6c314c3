"""R's poly() of several variables (polym): poly(hp, wt, degree = 2) and its raw form -- their columns, fits,
the model matrix of new rows and predictions with standard errors against R 4.2 (tests/fixtures/polym, made by
scripts/make_polym.R); the same fit from Parquet row groups; what is refused, and before what."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, load_data

REF = json.loads((FIXTURES / "polym" / "ref.json").read_text())
NEW = pd.DataFrame(REF["new"])
FAMILIES = {"gaussian": gs.Gaussian(), "Gamma_log": gs.Gamma(link="log"), "poisson": gs.Poisson(),
            "binomial": gs.Binomial()}
CASES = {c["formula"]: c for c in REF["cases"]}


@pytest.fixture(scope="module")
def mtcars() -> pd.DataFrame:
    return load_data("mtcars")


def _new_rows(case: dict) -> pd.DataFrame:
    return NEW.assign(am=[0, 1, 1]) if "factor(am)" in case["formula"] else NEW


@pytest.mark.parametrize("formula", list(CASES))
def test_fit_is_r_s(formula, mtcars):
    case = CASES[formula]
    fit = assert_fit_is_r_s(case, mtcars, FAMILIES[case["family"]])
    assert_close(fit.deviance, case["deviance"], rtol=1e-8)
    assert_close(fit.model_matrix().to_numpy().T, case["X"], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("formula", list(CASES))
def test_new_rows_are_r_s(formula, mtcars):
    # (each variable's polynomials keep the coefficients learned from the fit's rows, as R's makepredictcall)
    case = CASES[formula]
    fit = gs.glm(formula, mtcars, family=FAMILIES[case["family"]], tol=1e-12, max_iter=100)
    new = _new_rows(case)
    assert_close(fit.model_matrix(new).to_numpy().T, case["new_X"], rtol=1e-10, atol=1e-13)
    pred = fit.predict(new, type="link", se_fit=True)
    assert_close(pred["fit"], case["predict"], rtol=1e-7)
    assert_close(pred["se"], case["predict_se"], rtol=1e-6)


def test_columns_are_named_by_their_exponents(mtcars):
    fit = gs.glm("mpg ~ poly(hp, wt, disp, degree = 2)", mtcars)
    want = ["1.0.0", "2.0.0", "0.1.0", "1.1.0", "0.2.0", "0.0.1", "1.0.1", "0.1.1", "0.0.2"]  # R's, above
    assert list(fit.coef.index[1:]) == [f"poly(hp, wt, disp, degree = 2)[{e}]" for e in want]


def test_streamed_rows_give_the_same_fit(mtcars, tmp_path):
    # the polynomials learned from every row group's values together, as from the whole column
    path = tmp_path / "mtcars.parquet"
    mtcars.to_parquet(path, row_group_size=5, index=False)
    formula = "mpg ~ poly(hp, wt, degree = 3) + factor(am)"
    case = CASES[formula]
    fit = gs.glm(formula, str(path), family=gs.Gamma(link="log"), tol=1e-12, max_iter=100)
    assert_close(fit.coef, case["coef"], rtol=1e-7)
    assert_close(fit.predict(_new_rows(case), type="link"), case["predict"], rtol=1e-7)


def test_missing_values_drop_their_rows(mtcars):
    # a row missing one variable has no value of the surface: dropped (and counted), as any missing value
    d = mtcars.assign(wt=mtcars["wt"].mask(mtcars.index == 4))
    with pytest.warns(gs.DroppedRowsWarning, match="1 of 32 rows"):
        fit = gs.glm("mpg ~ poly(hp, wt, degree = 2, raw = TRUE)", d)
    assert fit.nobs == 31
    raw = gs.glm("mpg ~ hp + I(hp^2) + wt + I(hp*wt) + I(wt^2)", d.drop(index=4))
    assert_close(fit.deviance, raw.deviance, rtol=1e-10)


@pytest.mark.parametrize("formula, message", [
    ("mpg ~ poly(hp, cyl, degree = 3)", r"distinct values of cyl \(3\)"),
    ("mpg ~ poly(hp, factor(cyl), degree = 2)", "factor"),
    ("mpg ~ poly(hp, wt, degree = wt)", "constants, not columns"),
    ("mpg ~ poly(hp, wt, coefs = 2)", "unknown argument"),
])
def test_refusals_name_the_problem(formula, message, mtcars):
    with pytest.raises(gs.FormulaError, match=message):
        gs.glm(formula, mtcars)


def test_too_many_columns_are_refused_before_any_is_made():
    # C(40, 10) - 1 = 847,660,527 columns of ten variables to degree 30: refused from the count, at once
    d = pd.DataFrame({f"x{i}": np.arange(50.0) ** (1 + i / 10) for i in range(10)}).assign(y=np.arange(50.0))
    formula = "y ~ poly(" + ", ".join(d.columns[:10]) + ", degree = 30)"
    started = time.process_time()
    with pytest.raises(gs.FormulaError, match="max_basis"):
        gs.glm(formula, d)
    assert time.process_time() - started < 5.0  # (a generous bound: the grid of 31^10 exponents would never end)


def test_its_work_is_priced_by_its_columns():
    # (the formula's work is read from its text before anything is evaluated: five columns of two variables)
    from glmstat.formula.evaluation_prices import evaluation_passes
    from glmstat.formula.parser import parse_expression

    assert evaluation_passes(parse_expression("poly(x, z, degree = 2)")) == 2 * evaluation_passes(
        parse_expression("poly(x, 5)"))
