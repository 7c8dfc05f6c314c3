"""``simulate()`` bounds the draws ``nsim`` asks for (simulations x rows) before any is made.

``nsim`` was bounded only by 1,000,000 and by the memory of its table against ``max_design_bytes`` (4 GiB): a
web application passing on a user's ``nsim=400_000`` for a Poisson fit of 1,000 rows drew 400 million counts,
135 s and a 6.3 GB peak (numpy's generator takes 0.2 to 0.35 us a draw, and pandas copied the table), and
``nsim=1_000_000`` of a 10-row fit drew 10 million.  More than ``MAX_DRAWS`` (2^23, 64 MB, a few seconds) in one
call is now refused naming the size when ``nsim`` is more than 1; one simulation of a fit's rows, whatever their
number, is what its fitted values already hold, and is not refused.

In-process: the refusal is checked to come before the first draw (none is made), not timed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.inference import simulate as simulate_module

D = pd.DataFrame({"y": [1, 0, 2, 3, 1, 4, 2, 0, 1, 3], "x": np.arange(10.0)})


@pytest.fixture(scope="module")
def fit():
    return gs.glm("y ~ x", D, family=gs.Poisson())


def test_many_draws_are_refused_before_any(fit, monkeypatch):
    calls = []
    monkeypatch.setattr(simulate_module, "draw", lambda *a, **k: calls.append(1))
    with pytest.raises(gs.GLMStatError, match=r"^nsim=1,000,000 simulations of 10 rows ask for 10,000,000 draws, "
                                              r"more than 8,388,608"):
        fit.simulate(nsim=1_000_000)
    assert calls == []


def test_the_bound_counts_simulations_times_rows(fit, monkeypatch):
    monkeypatch.setattr(simulate_module, "MAX_DRAWS", 30)
    assert fit.simulate(nsim=3, seed=1).shape == (10, 3)
    with pytest.raises(gs.GLMStatError, match=r"^nsim=4 simulations of 10 rows ask for 40 draws, more than 30"):
        fit.simulate(nsim=4, seed=1)


def test_rows_of_weight_zero_count(monkeypatch):
    """The table has a row (NaN) for each row of weight 0 too: they count, though ``nobs`` leaves them out."""
    w = np.zeros(10)
    w[:4] = 1.0
    fit = gs.glm("y ~ x", D, family=gs.Poisson(), weights=w)
    monkeypatch.setattr(simulate_module, "MAX_DRAWS", 30)
    with pytest.raises(gs.GLMStatError, match=r"^nsim=4 simulations of 10 rows ask for 40 draws"):
        fit.simulate(nsim=4, seed=1)


def test_one_simulation_is_never_refused(fit, monkeypatch):
    monkeypatch.setattr(simulate_module, "MAX_DRAWS", 5)
    sims = fit.simulate(nsim=1, seed=1)
    assert sims.shape == (10, 1) and np.all(sims.to_numpy() >= 0)
