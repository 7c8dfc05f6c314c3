"""A profile limit where the refit from the estimate reaches a local optimum of higher deviance.

quasibinomial(cauchit), y ~ log(x3) + poly(x1, 3, raw = TRUE) (62 rows of a random differential case, seed
6409).  The likelihood is not concave: at the Wald upper limit of the cubic coefficient, 2.765e-4, the
refit started from the estimate stops at a local optimum of deviance 77.836 (z = 2.18), while the refits
warm-started from their neighbours follow the lower branch (76.806 there, z = 1.950, the global minimum of
400 random starts in R).  The search took the Wald limit as ``outside`` and bisected onto it, returning
it as the limit; it now refits that point from its neighbour and goes on beyond it.  R's interval
(make_reference_random.R's exact profile: warm-started refits, the lowest of several starts):
tests/fixtures/profile_branch.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES, r_array

HERE = FIXTURES / "profile_branch"


def test_the_cauchit_profile_limit_follows_the_lower_branch_as_r():
    ref = json.loads((HERE / "r" / "s6409_0267.json").read_text())
    data = pd.read_csv(HERE / "data" / "s6409_0267.csv")
    fit = gs.glm(ref["formula"], data, family=gs.QuasiBinomial(link="cauchit"), tol=1e-12, max_iter=100)
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-7)
    ci = fit.conf_int(method="profile").to_numpy()
    want = r_array(ref["confint_profile"])
    wald = fit.conf_int(method="wald").to_numpy()
    assert abs(want[4, 1] - wald[4, 1]) > 1e-3 * abs(wald[4, 1])  # (the limit is not the Wald limit)
    np.testing.assert_allclose(ci, want, rtol=1e-8)
