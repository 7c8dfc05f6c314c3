"""A profile that finds a better fit than the estimate: the estimate is a local optimum, and a limit found beyond
such refits belongs to no profile of it.

Held-out random case s766_0083 (seed 766, tests/fixtures/random_held_out): a Gaussian log-link fit with prior weights
of y ~ poly(x1, 3, raw = TRUE) + sqrt(x3) + poly(x2, 2, raw = TRUE) - 1, whose estimate (deviance 61144.18) R's glm
and glmstat both reach.  With the cubic coefficient held at 0.0005 R's refit reaches 52342.54, and R's glm started from
that refit converges to 50507.18 (fixtures/profile_local_optimum, by scripts/make_profile_local_optimum.R).  The cubic's
95% profile crosses the cutoff at -0.000411 before its refits dip below the estimate (the random test compares that
limit with R's walk); at 99% the cutoff (z = 2.58) is above the profile's hump (2.24), and the search stepped on into
those refits, where z was taken as 0, and reported 0.00158 silently.  MASS's confint stops there ("profiling has found
a better solution, so original fit had not converged"); glmstat now reports such a limit as NaN with a ProfileWarning
that names the better refit.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import glmstat as gs
from conftest import FIXTURES, held_out_case

REF = json.loads((FIXTURES / "profile_local_optimum" / "s766_0083.json").read_text())
CUBIC = "poly(x1, 3, raw = TRUE)[3]"


@pytest.fixture(scope="module")
def case():
    ref, data = held_out_case("s766_0083")
    with pytest.warns(gs.DroppedRowsWarning):
        fit = gs.glm(ref["formula"], data, family=gs.Gaussian(link="log"), weights="w", tol=1e-12, max_iter=100)
    return data, fit


def test_the_estimate_is_r_s_local_optimum(case):
    _, fit = case
    np.testing.assert_allclose(fit.deviance, REF["estimate_deviance"], rtol=1e-9)
    np.testing.assert_allclose(fit.coef, REF["estimate"], rtol=1e-6)
    assert REF["refit_converged"] and REF["refit_deviance"] < REF["estimate_deviance"]


def test_a_limit_beyond_a_better_refit_is_nan_with_a_warning_as_mass_refuses(case):
    _, fit = case
    assert REF["mass_confint_0.99"].startswith("profiling has found a better solution")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", gs.ProfileWarning)
        ci = fit.conf_int(level=0.99, method="profile", parm=[CUBIC]).loc[CUBIC]
    assert np.isfinite(ci["lower"]) and ci["lower"] < fit.coef[CUBIC] and np.isnan(ci["upper"])
    messages = [str(w.message) for w in said if issubclass(w.category, gs.ProfileWarning)]
    assert len(messages) == 1 and messages[0].startswith(f"upper profile limit of '{CUBIC}' not found: the refit at ")
    assert "so the estimate is a local optimum, not the maximum-likelihood estimate" in messages[0]
    # the refit it names is below the estimate's deviance, as R's at 0.0005 is
    named = float(messages[0].split("has deviance ")[1].split(",")[0])
    assert named < REF["estimate_deviance"] - 1000


def test_the_better_optimum_from_r_s_start_is_r_s(case):
    data, _ = case
    with pytest.warns(gs.DroppedRowsWarning):
        better = gs.glm("y ~ poly(x1, 3, raw = TRUE) + sqrt(x3) + poly(x2, 2, raw = TRUE) - 1", data,
                        family=gs.Gaussian(link="log"), weights="w", tol=1e-12, max_iter=100, start=REF["better"])
    assert REF["better_converged"] and better.converged
    np.testing.assert_allclose(better.deviance, REF["better_deviance"], rtol=1e-9)
    np.testing.assert_allclose(better.coef, REF["better"], rtol=1e-6)
