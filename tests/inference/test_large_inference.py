"""Inference beyond summary.glm on large structured designs against R (tests/fixtures/large/inference2):
car::Anova type II/III (LR, Wald, F), car::linearHypothesis, car::vif, emmeans, MASS::stepAIC and average
marginal effects, on 70,000 rows (two in-memory blocks) of the large data set.  Made by the project's
``scripts/make_inference2.R`` (from tests/fixtures, with the data decompressed into DIR):
``LC_ALL=C Rscript scripts/make_inference2.R large/inference2/cases.json DIR large/inference2``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from conftest import FIXTURES, assert_close
from inference2_refs import (ScriptReferences, assert_script_anova, assert_script_emmeans,
                            assert_script_hypotheses, assert_script_step, assert_script_vif, script_ame)
from glmstat.design.structured import StructuredDesign

LARGE = ScriptReferences(FIXTURES / "large" / "inference2",
                         lru_cache(maxsize=None)(lambda _: pd.read_csv(FIXTURES / "large" / "data" / "large.csv.gz")))
IDS, ref, fit = LARGE.ids, LARGE.ref, LARGE.fit


@pytest.mark.parametrize("case_id", IDS)
def test_large_inference_fit_is_structured(case_id):
    f = fit(case_id)
    assert isinstance(f.model_frame.design, StructuredDesign) and f.nobs > 65536
    assert_close(f.coef, ref(case_id)["coefficients"])


@pytest.mark.parametrize("case_id", IDS)
def test_large_anova_types_match_car(case_id):
    assert_script_anova(ref(case_id), fit(case_id))


@pytest.mark.parametrize("case_id", IDS)
def test_large_hypotheses_and_vif_match_car(case_id):
    assert_script_hypotheses(ref(case_id), fit(case_id))
    assert_script_vif(ref(case_id), fit(case_id))


@pytest.mark.parametrize("case_id", IDS)
def test_large_emmeans_and_marginal_effects_match_r(case_id):
    assert_script_emmeans(ref(case_id), fit(case_id))
    want, got = script_ame(ref(case_id), fit(case_id))
    np.testing.assert_allclose(got["std_error"], [x["std_error"] for x in want], rtol=1e-5)


@pytest.mark.parametrize("case_id", [i for i in IDS if "step" in ref(i)])
def test_large_step_matches_step_aic(case_id):
    assert_script_step(ref(case_id), fit(case_id))
