"""A run-off whose covariance overflows is not an optimum (held-out random case s751_0318).

The Gaussian inverse-link fit of ``y ~ I(x2^2) - 1`` with x1's coefficient held at -8110.39 (a refit of the profile
of ``y ~ x1 + I(x2^2) - 1``), started at c = 0.00022986, runs off: c squares each step (-3.7e40, -6.1e80, -1.6e161)
and every mean goes to 0, the deviance to its limit sum y^2 (closed form).  The working weights mu^4 vanish, so
(X'WX)^{-1} overflows to inf: the loop read every step as small against that se and called the run-off polished
(an interior optimum), and numpy's "overflow encountered in matmul" reached the user.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES
from glmstat.design.dense import DenseDesign
from glmstat.design.sources import InMemorySource
from glmstat.engine.fit_state import Control
from glmstat.engine.irls import irls

DATA = pd.read_csv(FIXTURES / "random_held_out" / "data" / "s751_0318.csv")


def test_a_run_off_with_an_infinite_covariance_is_not_polished_and_warns_nothing_from_numpy():
    n = len(DATA)
    x2sq = DATA.x2.to_numpy() ** 2
    src = InMemorySource(DenseDesign(x2sq[:, None]), DATA.y.to_numpy(float), np.ones(n), np.ones(n),
                         -8110.39 * DATA.x1.to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (numpy's RuntimeWarning included)
        state = irls(src, gs.Gaussian(link="inverse"), Control(tol=1e-12, max_iter=100, damped=True),
                     np.array([0.00022986]), covariance=False)
    assert not state.polished
    assert abs(state.coef[0]) > 1e100  # ran off ...
    assert state.deviance == float(np.sum(DATA.y ** 2))  # ... to the limit: every mean 0 (to rounding below 1e-100)
