"""drop1(scope=) against R's drop1.glm (fixtures/drop1_scope, scripts/make_drop1_scope.R): the terms named are
dropped even under an interaction, and a term that is not in the model is refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

CASES = json.loads((FIXTURES / "drop1_scope" / "drop1_scope.json").read_text())
COLUMNS = {"Df": "df", "Deviance": "deviance", "AIC": "aic", "LRT": "statistic", "Rao score": "statistic",
           "scaled Rao sc.": "statistic", "F value": "statistic", "Pr(>Chi)": "p_value", "Pr(>F)": "p_value"}


def fitted(case):
    d = pd.read_csv(FIXTURES / "data" / "birthwt.csv")
    family = gs.Binomial() if case["family"] == "binomial" else gs.Gaussian()
    return gs.glm(case["formula"], d, family=family, tol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['family']}-{c['test']}-{c['scope']}" for c in CASES])
def test_drop1_scope_matches_r(case):
    got = fitted(case).drop1(test=case["test"], scope=case["scope"])
    want = case["table"]
    assert list(got.index) == want["terms"]
    for column, values in zip(want["columns"], want["values"]):
        values = np.array([np.nan if v is None else v for v in values], dtype=float)
        g = got[COLUMNS[column]].to_numpy()
        assert np.array_equal(np.isnan(g), np.isnan(values)), column
        ok = ~np.isnan(values)
        assert_close(g[ok], values[ok], rtol=1e-7)


def test_a_term_outside_the_model_is_refused():
    fit = fitted(CASES[0])
    with pytest.raises(gs.GLMStatError, match="scope is not a subset .*'ptl'"):
        fit.drop1(scope="~ age + ptl")
    # an interaction is found whatever the order of its variables
    assert list(fit.drop1(scope=["smoke:age"]).index) == ["<none>", "age:smoke"]
