"""wald_test() takes R's names of a logical predictor's columns (tests/fixtures/logical_names,
``make_logical_names.R``): R names them ``bTRUE``, ``bTRUE:x``, ``bFALSE``, glmstat ``b[T.True]``, ``b[T.True]:x``,
``b[False]``.  R's names of a factor's columns (``tensionL``) were accepted, a logical's were refused as
"not a column of the model" (only ``bTrue``, no name of R's, was).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "logical_names" / "r.json").read_text())
DATA = pd.DataFrame({"y": REF["y"], "x": REF["x"], "b": REF["b"]})


@pytest.fixture(scope="module")
def fit() -> gs.GLMResults:
    # (convergence="R": linearHypothesis uses glm's covariance, from the weights of its last iteration)
    return gs.glm("y ~ b * x", DATA, family=gs.Poisson(), convergence="R")


def test_the_columns_are_r_s_in_glmstat_s_names(fit):
    assert REF["names"] == ["(Intercept)", "bTRUE", "x", "bTRUE:x"]
    assert list(fit.coef.index) == ["Intercept", "b[T.True]", "x", "b[T.True]:x"]


@pytest.mark.parametrize("hypotheses,ref", [(["bTRUE = 0"], "b_true"), (["bTRUE:x = 0", "bTRUE = 0.1"], "two")])
def test_r_s_names_of_a_logical_s_columns(fit, hypotheses, ref):
    got = fit.wald_test(hypotheses)
    want = REF[ref]
    assert_close([got.statistic, got.df, got.p_value], [want["chisq"], want["df"], want["p"]], rtol=1e-8)
    same = fit.wald_test([h.replace("bTRUE", "b[T.True]") for h in hypotheses])
    assert_close([same.statistic], [got.statistic], rtol=1e-14)


def test_r_s_names_without_an_intercept():
    fit = gs.glm("y ~ 0 + b", DATA, family=gs.Poisson())
    assert REF["names_no_intercept"] == ["bFALSE", "bTRUE"]
    got = fit.wald_test(["bTRUE = bFALSE"])
    want = REF["true_equals_false"]
    assert_close([got.statistic, got.p_value], [want["chisq"], want["p"]], rtol=1e-8)
