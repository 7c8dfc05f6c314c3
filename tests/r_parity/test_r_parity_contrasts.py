"""Wide factors coded by sum, Helmert and polynomial contrasts against R (tests/fixtures/contrasts): a
300-level factor by ``C(g300, sum)`` (with prior weights; and interacting with a covariate that has missing
values, with an offset) and by ``C(g300, helmert)``, a 4-level sum-coded factor crossed with a 70-level
treatment-coded one (``C(f, sum) * g70``), and a 70-level factor by orthogonal polynomials (``C(g70, poly)``).

10,000 rows (``README.md`` there): the wide data of ``scripts/make_wide_data.py`` with a small factor added.
``scripts/make_reference.R --qr-tol=1e-11`` fitted them in R at the exact MLE and at R's default control;
``scripts/trim_large_refs.py`` kept per-row values at a sample of rows and every k-th row of the covariance
matrices.  Every quantity compares to 1e-6 relative; the default-control output to 1e-8 with R's iteration
count.

``inference2/`` (``scripts/make_inference2.R``): car::Anova type II/III (LR, Wald), car::linearHypothesis,
car::vif, average marginal effects and MASS::stepAIC for two sum-coded factors crossed, ``C(f, sum) *
C(g70, sum)``, where type III tests of the main effects differ from type II.
"""

from __future__ import annotations


import numpy as np
import pytest

from conftest import FIXTURES, assert_close
from inference2_refs import (ScriptReferences, assert_script_anova, assert_script_hypotheses, assert_script_step,
                            assert_script_vif, script_ame)
from glmstat.design.transformed import TransformedDesign
from trimmed_refs import TrimmedReferences

CONTRASTS = TrimmedReferences(FIXTURES / "contrasts")
IDS = CONTRASTS.ids


@pytest.mark.parametrize("case_id", IDS)
def test_contrasts_fit_matches_r(case_id):
    # the contrasts' terms are stored as codes, mapped by their contrast matrices (design/transformed.py)
    assert isinstance(CONTRASTS.fitted(case_id).model_frame.design, TransformedDesign)
    CONTRASTS.assert_fit_matches(case_id)


@pytest.mark.parametrize("case_id", IDS)
def test_contrasts_influence_sandwich_and_anova_match_r(case_id):
    CONTRASTS.assert_influence_sandwich_anova_match(case_id)


@pytest.mark.parametrize("case_id", IDS)
def test_contrasts_convergence_r_reproduces_r_s_default_output(case_id):
    CONTRASTS.assert_default_control_matches(case_id)


# -- inference beyond summary.glm (make_inference2.R's output) --

INFERENCE2 = ScriptReferences(FIXTURES / "contrasts" / "inference2", CONTRASTS.data)
INFERENCE2_IDS, inference2_ref, inference2_fit = INFERENCE2.ids, INFERENCE2.ref, INFERENCE2.fit


@pytest.mark.parametrize("case_id", INFERENCE2_IDS)
def test_contrasts_inference_fit_matches_r(case_id):
    assert_close(inference2_fit(case_id).coef, inference2_ref(case_id)["coefficients"])


@pytest.mark.parametrize("case_id", INFERENCE2_IDS)
def test_contrasts_anova_types_match_car(case_id):
    assert_script_anova(inference2_ref(case_id), inference2_fit(case_id))


@pytest.mark.parametrize("case_id", INFERENCE2_IDS)
def test_contrasts_hypotheses_and_vif_match_car(case_id):
    assert_script_hypotheses(inference2_ref(case_id), inference2_fit(case_id))
    assert_script_vif(inference2_ref(case_id), inference2_fit(case_id))


@pytest.mark.parametrize("case_id", INFERENCE2_IDS)
def test_contrasts_marginal_effects_match_r(case_id):
    want, got = script_ame(inference2_ref(case_id), inference2_fit(case_id))
    np.testing.assert_allclose(got["std_error"], [x["std_error"] for x in want], rtol=1e-5)


@pytest.mark.parametrize("case_id", [i for i in INFERENCE2_IDS if "step" in inference2_ref(i)])
def test_contrasts_step_matches_step_aic(case_id):
    assert_script_step(inference2_ref(case_id), inference2_fit(case_id))
