"""Wald tests with a covariance singular in the directions tested: a clustered sandwich over 4 clusters for 9
coefficients has rank 3.  car solves with it anyway (the type II test of g: a chi-square of 3e14) or refuses
('computationally singular'); glmstat gives NaN with a warning in the type II/III table, refuses in
wald_test, and matches car on every well-posed test.  R's numbers: tests/fixtures/singular_robust_wald
(make_singular_robust_wald.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "singular_robust_wald"
REF = json.loads((HERE / "ref.json").read_text())


@pytest.fixture(scope="module")
def robust():
    fit = gs.glm(REF["formula"], pd.read_csv(HERE / "data.csv"), family=gs.Poisson(), tol=1e-12, max_iter=100)
    assert_close(fit.coef.to_numpy(), REF["coefficients"])
    out = fit.robust("HC0", cluster=REF["cluster"])
    V = out.vcov.to_numpy()
    sd = np.sqrt(np.diag(V))
    assert np.linalg.matrix_rank(V / np.outer(sd, sd), tol=1e-10) == REF["vcov_rank"] < REF["n_coef"]
    return out


def test_type2_wald_test_in_the_null_space_is_nan_with_a_warning_and_the_others_are_cars(robust):
    want = REF["II_Wald"]
    assert want["Chisq"][0] > 1e12  # (what car makes of the test of g: a division by rounding)
    with pytest.warns(gs.GLMStatWarning, match=r"Wald tests of 'g' are NaN: .*HC0, clustered by cl, 4 clusters"):
        got = robust.anova(type=2, test="Wald")
    assert list(got.index) == want["terms"]
    assert np.isnan(got.loc["g", "statistic"]) and np.isnan(got.loc["g", "p_value"]) and got.loc["g", "df"] == 2
    assert_close(got["statistic"].to_numpy()[1:], want["Chisq"][1:])
    assert_close(got["p_value"].to_numpy()[1:], want["p"][1:])


def test_type3_wald_tests_are_well_posed_here_and_cars(robust):
    want = REF["III_Wald"]
    with pytest.warns(gs.ContrastsWarning):
        got = robust.anova(type=3, test="Wald")
    assert list(got.index) == want["terms"]
    assert_close(got["statistic"].to_numpy(), want["Chisq"])
    assert_close(got["df"].to_numpy(), want["Df"])


def test_wald_test_of_more_directions_than_the_covariance_has_is_refused(robust):
    assert "computationally singular" in REF["hypotheses_gh"]["result"]  # (car refuses too)
    with pytest.raises(gs.GLMStatError, match=r"singular \(the covariance \(HC0, clustered by cl, 4 clusters\) has a "
                                              r"lower rank.*number of clusters less one"):
        robust.wald_test(REF["hypotheses_gh"]["glmstat"])
    ok = robust.wald_test(REF["hypotheses_h"]["glmstat"])
    assert_close(ok.statistic, REF["hypotheses_h"]["result"]["Chisq"])
