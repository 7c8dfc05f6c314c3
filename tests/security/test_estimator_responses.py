"""A regressor's response is held to ``glm()``'s bound on a response, 1e100 in size, and refused naming it.

``GLMRegressor(family=Poisson()).fit(X, y)`` with y as large as 1e160 ended in scipy's raw ``ValueError: array
must not contain infs or NaNs`` (the squares of the working response overflowed); a Tweedie response of 1e150 did
too, a Gaussian's of 1e160 blamed the starting values, and an inverse Gaussian's of 1e100 came out as coefficients
0 and 0, silently (with its log link, y times 1e100 has the slopes of y).  ``glm()`` refuses a response beyond
1e100 ("rescale it so its square stays finite"); the estimators now do the same, before fitting.
"""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs

GLMRegressor = pytest.importorskip("glmstat.sklearn").GLMRegressor

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 2))
Y = RNG.poisson(3, 60).astype(float) + 1.0


@pytest.mark.parametrize("family", [gs.Poisson(), gs.Tweedie(var_power=1.5), gs.Gaussian(),
                                    gs.InverseGaussian(link="log"), gs.Gamma(link="log")],
                         ids=lambda f: f.name)
@pytest.mark.parametrize("scale", [1e160, 1e101])
def test_a_response_beyond_the_bound_is_refused(family, scale):
    with pytest.raises(gs.DataError, match=r"^y has values as large as [0-9.e+]+; rescale it so its square stays "
                                           r"finite"):
        GLMRegressor(family=family).fit(X, Y * scale)


def test_a_row_of_weight_zero_is_judged_too():
    # (as glm() judges every row; left to the fit, such a row made the starting values invalid: a FitError)
    y = Y.copy()
    y[0] = 1e200
    w = np.ones(60)
    w[0] = 0.0
    with pytest.raises(gs.DataError, match=r"^y has values as large as 1e\+200"):
        GLMRegressor(family=gs.Poisson()).fit(X, y, sample_weight=w)
