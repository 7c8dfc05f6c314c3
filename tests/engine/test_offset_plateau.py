"""A fit whose start puts every mean of the rows without an offset on the link's clamp, a plateau of the deviance.

A complementary log-log fit, y ~ x + offset(o) + g, with offsets of -700, 0 and +700 (y = 0 and 1 where the offset
decides it).  R's start, the link of the starting means without the offset, makes the first step fit working
responses of -+700: every mean of the 40 offset-0 rows lands on the clamp mu = eps, 27 of them with y = 1, a deviance
of 27 * 2 log(1 / eps) = 1946.357 where the deviance is flat.  glmstat stopped there, converged, and so did its refit
of the null model y ~ offset(o); R's glm runs off from there ("converged" at 4253.15, the null model at 3892.71).
Both models contain the coefficients 0 (eta = offset, deviance 50.768), so a fit above that deviance went astray:
from there R and glmstat converge to the optimum, 45.5416 (null model 50.4465).

R 4.2 (fixtures/offset_plateau, made by fixtures/scripts/make_offset_plateau.R): R's glm from start = 0, refitted from
its own estimate until the coefficients stop moving.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd

import glmstat as gs
import pytest

from conftest import FIXTURES, assert_close, held_out_source

HERE = FIXTURES / "offset_plateau"
R = json.loads((HERE / "r.json").read_text())


@pytest.mark.parametrize("path", ["memory", "blocks", "parquet"])
def test_fit_from_r_s_start_on_a_plateau_of_clamped_means_reaches_r_s_optimum(path, tmp_path, monkeypatch):
    d = held_out_source(pd.read_csv(HERE / "data.csv"), path, tmp_path, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.BoundaryWarning)
        fit = gs.glm("y ~ x + offset(o) + g", d, family=gs.Binomial(link="cloglog"), tol=1e-12, max_iter=100)
    assert R["deviance"] < R["deviance_at_offset"] < R["r_default"]["deviance"]
    assert fit.converged
    assert_close(fit.coef, R["coefficients"], rtol=1e-6)
    assert_close(fit.std_errors, R["std_errors"], rtol=1e-6)
    assert_close([fit.deviance, fit.null_deviance], [R["deviance"], R["null_deviance"]], rtol=1e-8)


def test_null_model_on_the_plateau_reaches_r_s_optimum():
    d = pd.read_csv(HERE / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.BoundaryWarning)
        fit = gs.glm("y ~ offset(o)", d, family=gs.Binomial(link="cloglog"), tol=1e-12, max_iter=100)
    assert fit.converged
    assert_close(fit.coef, [R["null_model_intercept"]], rtol=1e-6)
    assert_close([fit.deviance, fit.null_deviance], [R["null_model_deviance"]] * 2, rtol=1e-8)
