"""A profile limit where the refits warm-started from the estimate outwards follow a branch of optima that another,
lower branch undercuts beyond the point where they cross the cutoff.

Held-out random case s744_0145 (seed 744, tests/fixtures/random_held_out, make_reference_random.R): a negative
binomial fit (theta fixed at 1.5) with the identity link and prior weights, y ~ poly(x2, 2, raw = TRUE) + g1 +
sqrt(x3).  The deviance is not convex in the coefficients (a count of 0 adds theta log(1 + mu / theta), concave in
mu).  Along the upper profile of g1[T.omega] the refits follow an interior optimum that crosses the cutoff at
10.999038; there the optimum with one count of 0 fitted at the edge of the domain (a mean of 3e-14, the rounding
of its linear predictor) has deviance 44.837553 against 44.845581, z = 1.957915 (R: the lowest of 300 constrained
minimisations from random starts, fixtures/profile_lower_branch by make_profile_lower_branch.R), so the profile is
still inside and crosses the cutoff at R's 11.86157718 on that branch.  The refit at the reference's bracket point
beyond the limit (the estimate plus 4 standard errors), moved back to the limit, finds the lower branch, and the
search goes on along it.  (MASS's own profile finds no valid refit on that side: NA.)
"""

from __future__ import annotations

import json
import re
import warnings
from statistics import NormalDist

import numpy as np
import pytest

import glmstat as gs
from conftest import FIXTURES, held_out_case, r_array


@pytest.fixture(scope="module")
def case():
    ref, data = held_out_case("s744_0145")
    with pytest.warns(gs.DroppedRowsWarning):
        fit = gs.glm(ref["formula"], data, family=gs.NegativeBinomial(theta=1.5, link="identity"), weights="w",
                     tol=1e-12, max_iter=100)
    return ref, fit


def test_the_limit_beyond_the_branch_s_crossing_is_r_s(case):
    ref, fit = case
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-7)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", gs.ProfileWarning)
        ci = fit.conf_int(method="profile", parm=["g1[T.omega]"]).to_numpy()
    want = r_array(ref["confint_profile"])[4]
    assert abs(want[1] - 10.999038) > 0.8  # (the branch's crossing is not R's limit)
    np.testing.assert_allclose(ci[0], want, rtol=1e-6)
    # the limit's refit has a mean on the edge of the domain, which it approaches (an approximate limit), and
    # no other branch is left below it
    messages = [str(w.message) for w in said if issubclass(w.category, gs.ProfileWarning)]
    assert messages == ["upper profile limit of 'g1[T.omega]' is approximate: the refits there have their optimum on "
                        "the edge of the negative.binomial family's domain (a fitted mean at its bound, or a row of "
                        "prior weight 0 held inside it), which they only approach"]


def test_a_convex_deviance_pays_for_no_second_branch():
    # the check is for deviances not convex in the coefficients; these families and links have one optimum
    assert gs.NegativeBinomial(theta=1.5).convex_deviance and gs.Binomial(link="probit").convex_deviance
    assert gs.Poisson(link="sqrt").convex_deviance and gs.Tweedie(var_power=1.5, link_power=0).convex_deviance
    assert not gs.NegativeBinomial(theta=1.5, link="identity").convex_deviance
    assert not gs.Binomial(link="cauchit").convex_deviance and not gs.Gamma(link="identity").convex_deviance
    assert not gs.Tweedie(var_power=1.5, link_power=0.5).convex_deviance  # (mu = eta^2: -beta fits as beta)



def test_a_limit_still_undercut_by_a_lower_branch_is_not_given_silently(case, monkeypatch):
    # with no search along the lower branch allowed, the branch's crossing is reported with both deviances:
    # R's D_hat + q^2 and R's lowest deviance there (fixtures/profile_lower_branch, make_profile_lower_branch.R)
    from glmstat.inference import profile

    ref, fit = case
    lowest = json.loads((FIXTURES / "profile_lower_branch" / "s744_0145.json").read_text())
    monkeypatch.setattr(profile, "_MAX_BRANCHES", 0)
    with pytest.warns(gs.ProfileWarning, match=r"upper profile limit of 'g1\[T.omega\]' may be too near") as said:
        ci = fit.conf_int(method="profile", parm=["g1[T.omega]"]).to_numpy()
    assert abs(ci[0, 1] - lowest["at"][0]) < 1e-8 * lowest["at"][0]
    numbers = re.search(r"threshold \(deviance ([\d.]+)\) at ([\d.]+), but a refit from another start at ([\d.]+) "
                        r"has deviance ([\d.]+), below it", str(said[0].message))
    assert numbers is not None
    threshold, _, at, below = map(float, numbers.groups())
    np.testing.assert_allclose(threshold, ref["deviance"] + NormalDist().inv_cdf(0.975) ** 2, rtol=1e-9)
    np.testing.assert_allclose([at, below], [lowest["at"][0], lowest["lowest_deviance"][0]], rtol=1e-8)
