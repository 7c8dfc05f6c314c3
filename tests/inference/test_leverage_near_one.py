"""A leverage near 1 to R's accuracy: 1 - h_i = 1.7e-6 (fixtures/leverage_near_one, a random Poisson/sqrt case;
scripts/make_leverage_near_one.R).  Cook's distance, the standardized and studentized residuals and the HC2/HC3
sandwiches divide by 1 - h_i, so the quadratic form's absolute error in h_i (about eps cond(X'WX): 1.1e-12 here)
was 1.3e-6 of Cook's distance and of HC3.  R takes h_i from its QR, to a few eps; glmstat recomputes a leverage
within NEAR_ONE of 1 from the factor of the other rows (1 - h_i = 1 / (1 + w_i x_i' (X_(i)' W X_(i))^{-1} x_i))."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "leverage_near_one"


@pytest.fixture(scope="module")
def case():
    r = json.loads((HERE / "r.json").read_text())
    fit = gs.glm(r["formula"], pd.read_csv(HERE / "data.csv"), family=gs.Poisson(link="sqrt"), tol=1e-12)
    return r, fit


def test_one_minus_leverage_is_r_s_to_its_own_digits(case):
    r, fit = case
    h = fit.augment()["hat"].to_numpy()
    i = int(np.argmax(r["hat"]))
    assert 1 - r["hat"][i] < 2e-6
    np.testing.assert_allclose(1 - h[i], 1 - r["hat"][i], rtol=1e-9)
    np.testing.assert_allclose(fit.coef, r["coefficients"], rtol=1e-8)


@pytest.mark.parametrize("column, field", [("cooks_d", "cooks"), ("std_resid", "rstandard"),
                                           ("student_resid", "rstudent")])
def test_measures_that_divide_by_one_minus_leverage(case, column, field):
    r, fit = case
    np.testing.assert_allclose(fit.augment()[column], r[field], rtol=1e-8)


@pytest.mark.parametrize("type", ["HC2", "HC3"])
def test_sandwich_that_divides_by_one_minus_leverage(case, type):
    r, fit = case
    want = np.array(r[f"vcov_{type.lower()}"])
    scale = np.sqrt(np.outer(np.diag(want), np.diag(want)))
    assert np.max(np.abs(fit.robust(type).vcov.to_numpy() - want) / scale) < 1e-7


def test_streamed_rows_take_the_same_leverage(case, tmp_path):
    """Read from Parquet in row groups of 7 rows (the near-one row in the second), the leverage is recomputed
    against every group's rows, as in memory."""
    r, _ = case
    path = tmp_path / "data.parquet"
    pd.read_csv(HERE / "data.csv").to_parquet(path, row_group_size=7)
    fit = gs.glm(r["formula"], str(path), family=gs.Poisson(link="sqrt"), tol=1e-12)
    np.testing.assert_allclose(fit.augment()["cooks_d"], r["cooks"], rtol=1e-8)
    want = np.array(r["vcov_hc3"])
    scale = np.sqrt(np.outer(np.diag(want), np.diag(want)))
    assert np.max(np.abs(fit.robust("HC3").vcov.to_numpy() - want) / scale) < 1e-7
