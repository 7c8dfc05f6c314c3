"""Linear combinations of the coefficients of nearly collinear columns (a calendar year and its square):
emmeans, their pairs, car's type II Wald tests and a linear hypothesis, as R's on the same model with the year
centred (tests/fixtures/inference_ill_conditioned, from make_inference_ill_conditioned.R), with the model's
covariance and with a sandwich.  L V L' formed from V lost 1e-6 of the emmeans' standard errors and 2.4e-6 of
the type II Wald chi-square of g; they now come from the covariance's factor, (L F)(L F)'.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "inference_ill_conditioned" / "ref.json").read_text())


@pytest.fixture(scope="module")
def fit():
    d = pd.read_csv(FIXTURES / "predict_ill_conditioned" / "data.csv")
    return gs.glm(REF["formula"], d, family=gs.Poisson())


@pytest.mark.parametrize("cov", ["model", "HC0"])
def test_linear_combinations_of_nearly_collinear_columns_as_r(fit, cov):
    ref = REF[cov]
    f = fit if cov == "model" else fit.robust("HC0")
    assert f.covariance_factor is not None
    em = f.emmeans("g")  # (on the response scale: a log link's standard error is the mean times the link's)
    assert_close(em["std_error"] / em["estimate"], ref["emmeans_se"], rtol=1e-8)
    pairs = f.emmeans_pairs("g")  # (a ratio: its standard error is the ratio times that of the difference)
    assert_close(pairs["std_error"] / pairs["estimate"], [ref["pairs_se"]], rtol=1e-8)
    # (the type II test of g combines coefficients of 2010^2 times each other's size: L b keeps about 1e-8)
    assert_close(f.anova(test="Wald", type=2)["statistic"], ref["anova2_wald"], rtol=1e-7)
    assert_close(f.wald_test("gb = 0").statistic, ref["hypothesis_chisq"], rtol=1e-8)
