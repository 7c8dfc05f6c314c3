"""Inference beyond summary.glm on what the other inference2 cases vary little, against R (fixtures/inference2/
more, made by scripts/make_inference2_more_cases.py and scripts/make_inference2_more.R): Gamma with the inverse
and identity links, inverse Gaussian with poly(), quasi-Poisson with a factor:factor interaction and an
offset, quasi-binomial proportions, cbind() probit with a factor:numeric interaction, cloglog where stepAIC
drops four terms, Poisson with the sqrt link, a factor nested in another, missing values in the variables --
car::Anova (II/III; LR, Wald, F), linearHypothesis, vif, emmeans, stepAIC, average marginal effects and the
Poisson against negative binomial LR test, as the project's shared checker compares them."""

from __future__ import annotations

import json
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, family_of
from inference2_refs import (assert_p, assert_script_anova, assert_script_emmeans, assert_script_hypotheses,
                             assert_script_step, assert_script_vif, script_ame)

HERE = FIXTURES / "inference2" / "more"
IDS = [c["id"] for c in json.loads((HERE / "cases.json").read_text()) if (HERE / f"{c['id']}.json").exists()]


def ref(case_id: str) -> dict:
    return json.loads((HERE / f"{case_id}.json").read_text())


@lru_cache(maxsize=None)
def data(name: str) -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / f"{name}.csv")


@lru_cache(maxsize=None)
def fit(case_id: str) -> gs.GLMResults:
    r = ref(case_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(r["formula"], data(r["data"]), family=family_of(r["family"]), tol=1e-12, max_iter=100)


def test_every_small_case_has_its_reference():
    assert len(IDS) == 12


@pytest.mark.parametrize("case_id", IDS)
def test_fit_and_rows_match_r(case_id):
    r, f = ref(case_id), fit(case_id)
    np.testing.assert_allclose(f.coef, r["coefficients"], rtol=1e-6)
    assert f.nobs == r["nobs_used"]


@pytest.mark.parametrize("case_id", IDS)
def test_anova_hypotheses_vif_match_car(case_id):
    r, f = ref(case_id), fit(case_id)
    assert_script_anova(r, f)
    if "hypothesis_chisq" in r:
        assert_script_hypotheses(r, f)
    if "vif" in r:
        assert_script_vif(r, f)


@pytest.mark.parametrize("case_id", IDS)
def test_emmeans_and_marginal_effects_match_r(case_id):
    r, f = ref(case_id), fit(case_id)
    assert_script_emmeans(r, f)
    want, got = script_ame(r, f)
    np.testing.assert_allclose(got["std_error"], [w["std_error"] for w in want], rtol=1e-5)


@pytest.mark.parametrize("case_id", [i for i in IDS if "step" in ref(i)])
def test_step_matches_step_aic(case_id):
    assert_script_step(ref(case_id), fit(case_id))


def test_poisson_against_negative_binomial():
    r = ref("m_negbin_step")
    pois = gs.glm(r["formula"], data(r["data"]), family=gs.Poisson(), tol=1e-12, max_iter=100)
    lr = gs.lrtest(pois, fit("m_negbin_step"))
    np.testing.assert_allclose(lr.statistic, r["poisson_vs_negbin"]["statistic"], rtol=1e-6)
    assert_p([lr.p_value], [r["poisson_vs_negbin"]["p_value"]])
