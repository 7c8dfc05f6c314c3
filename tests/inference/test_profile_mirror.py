"""Profile limits of a Tweedie fit whose link is an even root (mu = eta^2), without an offset.

-beta gives the means beta gives, so the profile deviance is symmetric in every coefficient, D(-b) = D(b), and
so is the set {|z(b)| <= q}: where the interval of the estimate's branch holds 0 it overlaps its mirror image and
the interval runs from -m to m (closed form: lower = -upper).  Held-out random case s742_0205 (seed 742,
tests/fixtures/random_held_out, make_reference_random.R): the intercept's refits, warm-started along the
estimate's branch, crossed the cutoff at -8.877, where the mirror branch's deviance is 2.6 lower; R's reference
limits are -12.81159742 and 12.81159742.  An interval that does not hold 0 has its mirror image apart from it in the
set, which a ProfileWarning names.
"""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs
from conftest import held_out_case, r_array


@pytest.fixture(scope="module")
def case():
    ref, data = held_out_case("s742_0205")
    with pytest.warns(gs.DroppedRowsWarning):
        fit = gs.glm(ref["formula"], data, family=gs.Tweedie(var_power=1.5, link_power=0.5), tol=1e-12, max_iter=100)
    with pytest.warns(gs.ProfileWarning) as caught:
        ci = fit.conf_int(method="profile").to_numpy()
    return ref, fit, ci, [str(w.message) for w in caught if issubclass(w.category, gs.ProfileWarning)]


def test_the_intercept_limits_are_r_s(case):
    ref, fit, ci, _ = case
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-7)
    np.testing.assert_allclose(ci[0], r_array(ref["confint_profile"])[0], rtol=1e-6)


def test_an_interval_that_holds_zero_is_symmetric(case):
    _, _, ci, _ = case
    holds = (ci[:, 0] < 0) & (ci[:, 1] > 0)
    assert holds.sum() >= 5  # (every coefficient but the linear term of x1, whose interval is (-6.68, -2.63))
    np.testing.assert_allclose(ci[holds, 0], -ci[holds, 1], rtol=1e-8)


def test_an_interval_apart_from_zero_is_said_to_have_its_mirror_image_in_the_set(case):
    # the linear term of x1: R's limits (-6.68, -2.63); the set {|z| <= q} is that and, by D(-b) = D(b), (2.63, 6.68)
    ref, fit, ci, messages = case
    r_ci = r_array(ref["confint_profile"])
    j = fit.column_names.index("poly(x1, 3, raw = TRUE)[1]")
    np.testing.assert_allclose(ci[j], r_ci[j], rtol=1e-6)
    lower, upper = r_ci[j]
    mirror = [m for m in messages if "symmetric" in m]
    assert mirror == [
        f"the profile of 'poly(x1, 3, raw = TRUE)[1]' is symmetric (the link gives the same means at -beta, the "
        f"estimate's signs negated, with no offset: the model cannot tell the signs apart), so its confidence set is "
        f"[{lower:.6g}, {upper:.6g}] and [{-upper:.6g}, {-lower:.6g}]; the interval is the one of the estimate's sign"]
