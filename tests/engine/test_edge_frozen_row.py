"""A row that scoring carries to within ulps of its edge, where the optimum has its mean inside.

A Tweedie fit (var_power 1, link_power 1: quasi-Poisson variance, identity link) with an offset, from the start
R's full fit gives (random case s1_0199, its indicators spelled out): a step of scoring overshot the edge 0 for
row 7 (y = 0) and was shortened back to a mean of 2e-15, where the row's Fisher weight w / mu (1e15) froze it;
polishing then stopped there, deviance 77.70035, with the warning that the estimate is on the boundary.  The
others pull that row back inside (its multiplier on the edge does not pull across it), and the deviance of this
problem is convex: the Newton step that frees it now goes on to the optimum, row 7's mean 0.3518.

R 4.2 (fixtures/edge_frozen_row, made by fixtures/scripts/make_edge_frozen_row.R): the lowest deviance of glm over 40
starts, polished by Newton steps on the score.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "edge_frozen_row"
R = json.loads((HERE / "r.json").read_text())
FORMULA = "y ~ x1 + I(x1**2) + I(x1**3) + bF + bT + gs - 1 + offset(-4.95604315 * z)"


@pytest.mark.parametrize("scale", [1.0, 1.1])
def test_the_fit_leaves_the_edge_for_the_optimum(scale):
    data = pd.read_csv(HERE / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no boundary warning: the optimum is inside)
        fit = gs.glm(FORMULA, data, family=gs.Tweedie(var_power=1.0, link_power=1.0), weights="w",
                     start=np.asarray(R["start"]) * scale)
    assert fit.converged
    assert fit.deviance <= R["lowest_glm_deviance"] * (1 + 1e-12)
    np.testing.assert_allclose(fit.deviance, R["deviance"], rtol=1e-10)
    np.testing.assert_allclose(fit.coef.to_numpy(), R["coefficients"], rtol=1e-7)
    np.testing.assert_allclose(np.asarray(fit.fitted_values)[6], R["row7_mean"], rtol=1e-7)


@pytest.mark.parametrize("reading", ["in_memory", "row_groups", "runs"])
def test_the_profile_limit_is_r_s(reading, tmp_path, monkeypatch):
    # the profile's damped refits near g1[T.zeta]'s upper limit froze that row the same way when the rows came from
    # a Parquet file (row groups of 16, read together as one run, the reader's default): limit -4.96354662
    data = pd.read_csv(HERE / "data.csv")
    source = data
    if reading != "in_memory":
        pytest.importorskip("pyarrow")
        from glmstat.formula import readers

        if reading == "runs":
            monkeypatch.setattr(readers, "RUN_ROWS", readers.BATCH_ROWS)  # (conftest reads one group at a time)
        source = str(tmp_path / "rows.parquet")
        data.to_parquet(source, row_group_size=16, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the full fit is on the boundary: not what is tested here)
        fit = gs.glm("y ~ poly(x1, 3, raw = TRUE) + b + g1 - 1", source,
                     family=gs.Tweedie(var_power=1.0, link_power=1.0), weights="w", tol=1e-12, max_iter=100)
        ci = fit.conf_int(method="profile", parm=["g1[T.zeta]"])
    np.testing.assert_allclose(ci.loc["g1[T.zeta]", "upper"], R["g1zeta_profile_upper"], rtol=1e-7)
