"""A profile limit where the refits warm-started along the profile follow a branch of higher deviance than the
refit from the estimate itself.

binomial(cauchit), y ~ poly(x1, 3, raw = TRUE) + I(x2^2) + g2 + x2 + g2/x1 (53 rows of a random differential
case, seed 736 case 269; x1 of size 1e3, its cube 1e9).  The likelihood is not concave.  For the lower limit of
g2[L1]:x1 the refits started from their neighbours (and from the estimate moved along the profile's slope)
follow a branch on which z reaches -1.96 at -0.0038693; there the refit started from the estimate's own other
coefficients reaches a lower optimum (deviance 54.104 against the branch's 54.952, the threshold), so the profile
-- the lowest constrained deviance -- is still inside, and crosses the threshold only at -0.0056222.  The search
now refits every point from the estimate too, as make_reference_random.R's profile does (the last refit and the
estimate, both moved along the slope, and the estimate itself: the lowest wins).  R's interval:
tests/fixtures/profile_lowest_branch (made by make_reference_random.R); R's upper limit of the linear coefficient
is NA there (its root check failed), where the lowest refit at glmstat's limit 0.0122319 is at the threshold.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES, r_array

HERE = FIXTURES / "profile_lowest_branch"


def test_the_cauchit_profile_limit_is_where_the_lowest_refit_crosses_as_r():
    ref = json.loads((HERE / "r" / "s736_0269.json").read_text())
    data = pd.read_csv(HERE / "data" / "s736_0269.csv")
    fit = gs.glm(ref["formula"], data, family=gs.Binomial(link="cauchit"), tol=1e-12, max_iter=100)
    np.testing.assert_allclose(fit.coef.dropna(), r_array(ref["coefficients"])[~np.array(ref["aliased"])],
                               rtol=1e-7)
    ci = fit.conf_int(method="profile").to_numpy()
    want = r_array(ref["confint_profile"])
    known = ~np.isnan(want)
    assert np.isnan(want[1, 1]) and np.isfinite(ci[1, 1])  # (R's root check failed there; see the docstring)
    np.testing.assert_allclose(ci[known], want[known], rtol=1e-8)
    assert abs(ci[7, 0] - want[7, 0]) < 1e-8 * abs(want[7, 0])  # g2[L1]:x1's lower limit, on the lower branch
