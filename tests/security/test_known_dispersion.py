"""``summary(dispersion=)`` (and ``--dispersion``) whose variances leave double precision is refused.

A known dispersion multiplies the unscaled variances ``(X'WX)^-1``: at ``dispersion=5e-324`` (the smallest double)
the slope's variance underflowed to 0, and the summary printed a standard error of 0, a z value of Inf and a
p-value below 2e-16, silently; at ``1e-320`` the variances were subnormal, a few digits only (the slope's standard
error 2.073e-161 where sqrt(phi v) is 2.0712e-161, 0.1 % off; R 4.2.2's ``summary(f, dispersion = 1e-320)`` prints
the same numbers, ``2.073251e-161``).  A dispersion whose variances are not normal finite doubles is now refused
naming the coefficient, as a custom contrast below 1e-100 is in ``emmeans_contrasts()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [1, 0, 2, 1, 3, 2], "x": [1.0, 2, 3, 4, 5, 6]})


@pytest.fixture(scope="module")
def fit():
    return gs.glm("y ~ x", D, family=gs.Poisson())


@pytest.mark.parametrize("dispersion", [5e-324, 1e-320, 1e-310])
def test_variances_below_normal_doubles_are_refused(fit, dispersion):
    with pytest.raises(gs.GLMStatError, match=r"^dispersion=.*: the variance of 'Intercept', .* is not a normal "
                                              r"double"):
        fit.summary(dispersion=dispersion)


def test_variances_beyond_doubles_are_refused():
    fit = gs.glm("y ~ I(x / 1000)", D, family=gs.Poisson())  # (the slope's unscaled variance about 43,000)
    with pytest.raises(gs.GLMStatError, match=r"^dispersion=1e\+308: the variance of 'I\(x/1000\)', .* is not a "
                                              r"normal double"):
        fit.summary(dispersion=1e308)


def test_a_small_dispersion_within_doubles_scales_the_standard_errors(fit):
    base = fit.summary(dispersion=1.0).table["std_error"].to_numpy()
    small = fit.summary(dispersion=1e-300).table["std_error"].to_numpy()
    np.testing.assert_allclose(small, base * 1e-150, rtol=1e-14)
