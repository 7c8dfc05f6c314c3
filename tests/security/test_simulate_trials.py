"""``simulate()`` of a binomial fit whose prior weights (its trials) are positive but below a half is refused.

A weight of 1e-20 is within ``glm()``'s bounds, and ``simulate()``'s test of whole trials let it pass (1e-20 is
within its 1e-8 rounding tolerance of 0 trials): each row drew 0 successes of 0 trials, 0 / 0, and the simulated
responses came out as NaN after numpy's "invalid value encountered in divide".  R refuses such weights
(``binomial()$simulate``: "cannot simulate from non-integer prior.weights", R 4.2.2 with ``weights =
rep(1e-20, 5)``); a positive weight that rounds to no trial is now refused as a non-integer one is.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [0.0, 1, 1, 0, 1, 0, 1, 1, 0, 0], "x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]})


@pytest.mark.parametrize("weight", [1e-20, 1e-9, 0.4])
def test_trials_that_round_to_none_are_refused(weight):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("y ~ x", D, family=gs.Binomial(), weights=np.full(10, weight))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(gs.FamilyError, match=r"^cannot simulate binomial responses from non-integer trials"):
            fit.simulate(nsim=2, seed=1)


def test_rows_of_weight_zero_are_left_out_as_before():
    w = np.array([0.0, 1, 1, 1, 1, 1, 1, 1, 1, 0])
    fit = gs.glm("y ~ x", D, family=gs.Binomial(), weights=w)
    sims = fit.simulate(nsim=3, seed=1)
    values = sims.to_numpy()
    assert sims.shape == (10, 3) and np.isnan(values[[0, 9]]).all()  # (NaN where the weight is 0, as R's 0 / 0)
    assert np.isin(values[1:9], [0.0, 1.0]).all()
