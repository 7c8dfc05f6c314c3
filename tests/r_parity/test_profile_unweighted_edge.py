"""Profile limits where a row of prior weight 0 holds the refits on the edge of the domain
(tests/fixtures/profile_unweighted_edge, made by ``scripts/make_profile_unweighted_edge.R``).

Gamma with the inverse link, a raw cubic in a covariate of size 2000 and one row of weight 0: profiling the
x1^2 coefficient downwards, the other coefficients' optimum on the weighted rows takes that row's linear
predictor below 0, which the engine (as R's ``glm.fit``) does not allow.  The warm starts put it outside, and
the fallback starts were solved from normal equations with a condition number of 1e26 (the raw cubic's
columns unscaled) and checked on the weighted rows only, so no refit was found: the 95% limit was NaN.  R's
reference is computed independently: each profile deviance by ``glm.fit`` on the weighted rows, or with the
weight-0 row held at eta = 0 where that is the constrained optimum.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "profile_unweighted_edge"
REF = json.loads((HERE / "r.json").read_text())
NAME = "poly(x1, 3, raw = TRUE)[2]"


@pytest.fixture(scope="module")
def fit():
    data = pd.read_csv(HERE / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(REF["formula"], data, family=gs.Gamma(link="inverse"), weights=REF["weights"], tol=1e-12,
                      max_iter=100)


def _lower(fit, level: float) -> tuple[float, list[str]]:
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", gs.GLMStatWarning)
        ci = fit.conf_int(level=level, method="profile", parm=[NAME])
    return float(ci.loc[NAME, "lower"]), [str(w.message) for w in said]


def _ref(level: float) -> dict:
    return next(r for r in REF["limits"] if r["level"] == level)


def test_the_fit_is_r_s(fit):
    assert fit.coef[NAME] == pytest.approx(REF["estimate"], rel=1e-8)
    assert fit.deviance == pytest.approx(REF["deviance"], rel=1e-9)
    assert fit.dispersion == pytest.approx(REF["dispersion"], rel=1e-8)


def test_an_interior_limit_is_exact(fit):
    """At 85% the refits' optimum keeps the weight-0 row inside: an ordinary limit, no warning."""
    ref = _ref(0.85)
    assert not ref["held_on_edge"]
    got, said = _lower(fit, 0.85)
    assert got == pytest.approx(ref["limit"], rel=1e-6)
    assert not said


def test_a_limit_held_by_a_row_of_weight_0_is_found_and_called_approximate(fit):
    """At 95% the constrained optimum has the weight-0 row on the edge (eta = 0), which the damped refits only
    creep towards, stopping at a higher deviance: the limit is found (it was NaN, "cannot be refitted beyond
    -1.40295e-09"), said to be approximate, and lies between the estimate and R's exact constrained limit."""
    ref = _ref(0.95)
    assert ref["held_on_edge"]
    got, said = _lower(fit, 0.95)
    assert np.isfinite(got)
    assert ref["limit"] < got < REF["estimate"]
    assert any(f"lower profile limit of '{NAME}' is approximate" in m and "prior weight 0" in m for m in said)
