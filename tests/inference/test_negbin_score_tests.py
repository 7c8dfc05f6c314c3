"""Score (Rao) tests of a negative binomial fit, theta held at its estimate, against R (fixtures/negbin_score_tests,
scripts/make_negbin_score_tests.R): the statistics of R's anova.glm and drop1.glm for the glm of family
negative.binomial(theta) at glm.nb's theta.  MASS's own anova.negbin makes LR tests only; R's drop1 divides the
statistic by a Pearson dispersion that glm.nb's summary holds at 1, as glmstat does (so the p-values differ)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "negbin_score_tests" / "ref.json").read_text())


def _fit() -> gs.GLMResults:
    q = pd.read_csv(FIXTURES / "data" / "quine.csv")
    return gs.glm(REF["formula"], q, family=gs.NegativeBinomial(), tol=1e-12)


def test_theta_is_glm_nb_s():
    assert_close([_fit().theta], [REF["theta"]], rtol=1e-7)


def test_sequential_score_tests_are_r_s():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # (tests made without re-estimating theta)
        table = _fit().anova(test="Rao").loc[REF["anova"]["terms"]]
    assert_close(table["deviance"], REF["anova"]["deviance"], rtol=1e-7)
    assert_close(table["rao"], REF["anova"]["rao"], rtol=1e-6)


def test_single_term_deletions_are_r_s_at_dispersion_one():
    table = _fit().drop1(test="Rao").loc[REF["drop1"]["terms"]]
    assert_close(table["deviance"], REF["drop1"]["deviance"], rtol=1e-7)
    assert_close(table["statistic"], np.array(REF["drop1"]["scaled_rao"]) * REF["dispersion"], rtol=1e-6)
