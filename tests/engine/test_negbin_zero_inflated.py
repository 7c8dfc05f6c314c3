"""NegativeBinomial() on counts with many zeros: theta is the maximum of the likelihood, not a point on its flat
tail towards infinity.

Half of the counts 0 and the others about 25: the log-likelihood in theta peaks near 0.21 and, above, flattens
out convexly towards its Poisson value.  MASS's moment start (0.91) lies on that slope, where the information is
negative and Newton's step points away from the maximum; glm.nb runs theta up to 2e5 and warns "iteration limit
reached" (2 x log-lik -743.7 against -221.5 at the maximum), and glmstat used to follow the same steps until the
score vanished in rounding, at theta = 1.2e7, and report that as converged, without a warning.

R 4.2 (fixtures/negbin_zero_inflated, make_negbin_zero_inflated.R): theta solves theta.ml's score equation
(uniroot), alternated with glm() at fixed theta to the joint maximum; SE(theta) = 1 / sqrt(information).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.engine.negbin import theta_ml

HERE = FIXTURES / "negbin_zero_inflated"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


def data(case):
    return DATA[DATA["case"] == case].drop(columns="case").reset_index(drop=True)


def fit(case, rows=None):
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.GLMStatWarning)  # a maximum inside: nothing to warn about
        return gs.glm(R[case]["formula"], data(case) if rows is None else rows, family=gs.NegativeBinomial())


def test_the_fixture_is_where_glm_nb_fails():
    for ref in R.values():
        assert "iteration limit reached" in ref["glm_nb"]["warnings"] and ref["glm_nb"]["theta"] > 1e5
        assert ref["glm_nb"]["twologlik"] < ref["twologlik"] - 100
        assert ref["theta"] < 1


@pytest.mark.parametrize("case", sorted(R))
def test_theta_and_the_fit_at_the_maximum(case):
    ref, m = R[case], fit(case)
    assert m.converged
    np.testing.assert_allclose(m.theta, ref["theta"], rtol=1e-8)
    np.testing.assert_allclose(m.theta_se, ref["theta_se"], rtol=1e-6)
    np.testing.assert_allclose(m.coef.to_numpy(), np.atleast_1d(ref["coefficients"]), rtol=1e-7)
    np.testing.assert_allclose(m.std_errors.to_numpy(), np.atleast_1d(ref["std_errors"]), rtol=1e-6)
    np.testing.assert_allclose(2 * m.loglik, ref["twologlik"], rtol=1e-9)
    np.testing.assert_allclose(m.aic, ref["aic"], rtol=1e-9)
    np.testing.assert_allclose(m.deviance, ref["deviance"], rtol=1e-7)


def test_theta_ml_from_the_moment_start_on_the_convex_slope():
    y = data("intercept")["y"].to_numpy(float)
    mu = np.full(y.size, y.mean())  # the intercept-only mean at every theta
    moment = y.size / np.sum((y / mu - 1) ** 2)
    assert moment > 4 * R["intercept"]["theta"]  # the start lies well above the maximum, on the convex slope
    th, se = theta_ml(y, mu, np.ones(y.size))
    np.testing.assert_allclose([th, se], [R["intercept"]["theta"], R["intercept"]["theta_se"]], rtol=1e-8)


def test_a_parquet_file_gives_the_same_theta(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "counts.parquet"
    data("offset_slope").to_parquet(path, row_group_size=15, index=False)
    m = fit("offset_slope", rows=str(path))
    np.testing.assert_allclose(m.theta, R["offset_slope"]["theta"], rtol=1e-8)
    np.testing.assert_allclose(2 * m.loglik, R["offset_slope"]["twologlik"], rtol=1e-9)
