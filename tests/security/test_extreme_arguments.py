"""Numbers at the edge of double precision given as the arguments of inference functions (a web application may
pass on a user's numbers): each is computed as R computes it or refused with glmstat's error naming the argument,
never numpy's RuntimeWarning and a NaN or a missing column.

* ``average_marginal_effects(at={"x": [1e200]})``: ``emmeans(at=)`` refuses a value beyond 1e100 in size (the
  data's bound: a standard error takes their squares), but the marginal effects took it, and came out as NaN
  estimates, standard errors and intervals with numpy's "invalid value encountered in matmul" warnings.

In-process: these inputs take no time; the contract checked is the exception type, the message and the silence.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [0, 1, 0, 2, 3, 0, 5, 1, 2, 4, 3, 6], "x": np.linspace(-1.0, 1.0, 12),
                  "g": list("abcabcabcabc")})


@pytest.fixture(scope="module")
def fit():
    return gs.glm("y ~ x + g", D, family=gs.Poisson())


def _refused(call, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (numpy's RuntimeWarning, leaked, fails)
        with pytest.raises(gs.GLMStatError, match=match):
            call()


@pytest.mark.parametrize("value", [1e200, -1e101, 1e308])
def test_marginal_effects_at_a_value_beyond_the_data_bound_are_refused(fit, value):
    _refused(lambda: fit.average_marginal_effects(at={"x": [0.5, value]}),
             rf"^at\[.x.\]: {re.escape(f'{value:g}')} is larger than 1e\+100 in size")
