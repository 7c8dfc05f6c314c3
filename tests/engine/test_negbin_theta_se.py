"""SE(theta) of a negative binomial fit with theta estimated is MASS::glm.nb's ``SE.theta``.

``theta.ml`` (which glm.nb calls last at the final means) runs Newton's iterations from the moment start
while a step exceeds eps^(1/4) = 1.2e-4, and returns 1 / sqrt of the information at the iterate *before*
the last step.  1 / sqrt(I) at the estimate itself differs from it by up to ~1e-4 relative: 3.0e-6 on
``quine_negbin``, 1.6e-5 on ``quine_negbin_estimated_interaction``, 1.05e-4 (past the 1e-4 that the shared
checker allows) on 10,000 counts with a 510-level factor.  R's numbers: ``fixtures/r`` and
``fixtures/extra/r`` (make_reference.R and make_reference_extra.R: glm.nb refitted to the exact MLE, its
``SE.theta``).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, family_of

CASES = [("r", "data", "quine_negbin"), ("extra/r", "extra/data", "quine_negbin_estimated_interaction")]


@pytest.mark.parametrize("refs, data, case_id", CASES)
def test_theta_se_is_glm_nb_s(refs, data, case_id):
    ref = json.loads((FIXTURES / refs / f"{case_id}.json").read_text())
    d = pd.read_csv(FIXTURES / data / f"{ref['data']}.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], d, family=family_of(ref["family"]), tol=1e-12, max_iter=100)
    np.testing.assert_allclose(fit.theta, ref["theta"], rtol=1e-8)
    np.testing.assert_allclose(fit.theta_se, ref["theta_se"], rtol=1e-9)
