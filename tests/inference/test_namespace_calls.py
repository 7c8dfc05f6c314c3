"""Formulas calling a function through its package, as an R script that does not attach splines must write
them (``splines::ns(hp, df = 3)``, ``splines::bs``, ``stats::poly``): the same columns, term labels and
inference as R (fixtures/inference2/namespace, made by scripts/make_inference2.R from tests/fixtures:
``LC_ALL=C Rscript scripts/make_inference2.R inference2/namespace/cases.json data inference2/namespace``).
glmstat could not read them: "a term is expected at position 16 (near ':')"."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, family_of
from glmstat.errors import FormulaError
from inference2_refs import (assert_script_anova, assert_script_emmeans, assert_script_hypotheses,
                             assert_script_step, assert_script_vif, script_ame)

HERE = FIXTURES / "inference2" / "namespace"
IDS = [c["id"] for c in json.loads((HERE / "cases.json").read_text())]


def ref(case_id):
    return json.loads((HERE / f"{case_id}.json").read_text())


def fit(case_id):
    r = ref(case_id)
    d = pd.read_csv(FIXTURES / "data" / f"{r['data']}.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(r["formula"], d, family=family_of(r["family"]), tol=1e-12, max_iter=100)


@pytest.mark.parametrize("case_id", IDS)
def test_namespace_qualified_calls_match_r(case_id):
    r, f = ref(case_id), fit(case_id)
    np.testing.assert_allclose(f.coef, r["coefficients"], rtol=1e-6)
    assert [t for t in f.anova(type=2).index] == r["anova_type2_lr"]["terms"]
    assert_script_anova(r, f)
    assert_script_hypotheses(r, f)
    assert_script_vif(r, f)
    assert_script_emmeans(r, f)
    assert_script_step(r, f)
    want, got = script_ame(r, f)
    np.testing.assert_allclose(got["std_error"], [w["std_error"] for w in want], rtol=1e-5)


@pytest.mark.parametrize("formula, message", [
    ("mpg ~ stats::ns(hp, 3)", "stats::ns()"),          # ns is splines', not stats'
    ("mpg ~ foo::log(hp)", "foo::log()"),
    ("mpg ~ datasets::mtcars", "names an object of a package"),
])
def test_unknown_namespace_calls_are_refused(formula, message):
    d = pd.read_csv(FIXTURES / "data" / "mtcars.csv")
    with pytest.raises(FormulaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        gs.glm(formula, d)
