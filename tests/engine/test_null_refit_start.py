"""The null deviance of a model with an offset, where the null model's first step from the family's starting
means leaves the domain.

quasi(mu(1-mu), log), y ~ exp(x2/5) + b + offset(log(t)) (a random differential case, seed 6409): the model
fits, but its intercept-only refit from the starting means y steps to means above 1, and glmstat refused the
whole model ("no valid set of coefficients") where R fits it: R's glm starts that refit from the model's fitted
means (``mustart = fit$fitted.values``), whose first step stays inside.  glmstat now falls back to that start.
R's numbers: tests/fixtures/null_refit_start (make_null_refit_start.R), which also records that the null model
fitted alone from the starting means is refused in R too.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "null_refit_start"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
FAMILY = gs.Quasi(variance="mu(1-mu)", link="log")


@pytest.mark.parametrize("where", ["memory", "parquet"])
def test_null_deviance_refits_from_the_models_means_as_r(where, tmp_path):
    data = DATA
    if where == "parquet":
        pytest.importorskip("pyarrow")
        data = str(tmp_path / "d.parquet")
        DATA.to_parquet(data, row_group_size=10, index=False)
    fit = gs.glm(R["formula"], data, family=FAMILY, tol=1e-12, max_iter=100)
    assert fit.converged
    np.testing.assert_allclose(fit.coef, R["coefficients"], rtol=1e-8)
    np.testing.assert_allclose(fit.std_errors, R["std_errors"], rtol=1e-8)
    np.testing.assert_allclose([fit.deviance, fit.null_deviance, fit.dispersion],
                               [R["deviance"], R["null_deviance"], R["dispersion"]], rtol=1e-9)


def test_the_null_model_alone_is_refused_from_the_starting_means_as_in_r():
    assert R["null_alone"].startswith("no valid set of coefficients")
    with pytest.raises(gs.InvalidStartError):
        gs.glm("y ~ 1 + offset(log(t))", DATA, family=FAMILY, tol=1e-12, max_iter=100)
    start = gs.glm("y ~ 1 + offset(log(t))", DATA, family=FAMILY, tol=1e-12, max_iter=100,
                   start=[R["null_intercept"]])
    np.testing.assert_allclose([start.coef.iloc[0], start.deviance], [R["null_intercept"], R["null_deviance_refit"]],
                               rtol=1e-9)
