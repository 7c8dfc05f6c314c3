"""Predictions at new rows whose design holds an infinite value (``log(x)`` at x = 0 or Inf, z = Inf), as R's
``predict.glm(se.fit = TRUE)`` (tests/fixtures/predict_nonfinite, from make_predict_nonfinite.R).  R's standard
error is the norm of x' R^{-1} with R^{-1} upper triangular: NaN when an infinite value meets one of its zeros (in
any column but the first), Inf when the first column alone is infinite.  glmstat took x'Vx, whose infinities
cancel or not by the signs of V: Inf where R has NaN (``y ~ log(x) + z`` at x = 0), and numpy's warnings.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_values

HERE = FIXTURES / "predict_nonfinite"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
NEW = pd.read_csv(HERE / "newdata.csv")


def quiet_predict(fit: gs.GLMResults, scale: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no numpy warning reaches the user)
        return fit.predict(NEW, type=scale, se_fit=True, interval="confidence")


@pytest.mark.parametrize("ref", REF, ids=[r["formula"] for r in REF])
@pytest.mark.parametrize("scale", ["link", "response"])
def test_predictions_at_infinite_values_as_r(ref, scale):
    pred = quiet_predict(gs.glm(ref["formula"], DATA, family=gs.Poisson()), scale)
    for ours in ("fit", "se"):
        want, got = r_values(ref[f"{scale}_{ours}"]), pred[ours].to_numpy()
        assert np.array_equal(np.isnan(got), np.isnan(want)), (ours, got, want)
        assert_close(got, want, rtol=1e-8)  # (infinities equal, signs too)


@pytest.mark.parametrize("ref", REF, ids=[r["formula"] for r in REF])
def test_sandwich_predictions_at_infinite_values_follow_the_same_rule(ref):
    """The rule is the arithmetic of the triangular factor, whatever the covariance: a sandwich's too."""
    pred = quiet_predict(gs.glm(ref["formula"], DATA, family=gs.Poisson()).robust("HC0"), "link")
    want = r_values(ref["link_se"])
    special = ~np.isfinite(want)
    got = pred["se"].to_numpy()[special]
    assert np.array_equal(np.isnan(got), np.isnan(want[special])) and np.all(np.isnan(got) | np.isinf(got))


@pytest.mark.parametrize("robust", [False, True])
def test_factor_predictions_at_an_infinite_value_are_nan_without_warnings(robust):
    """Nearly collinear columns (log(year) + year: predictions from the covariance's factor): log(year) at year = 0
    is -Inf, its standard error NaN, as R's (Inf times the zeros of R^{-1}); numpy's warning stays inside."""
    here = FIXTURES / "predict_ill_conditioned"
    fit = gs.glm("yn ~ log(year) + year", pd.read_csv(here / "data.csv"), family=gs.Gaussian())
    fit = fit.robust("HC0") if robust else fit
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = fit.predict(pd.DataFrame({"year": [0.0, 2010.0]}), type="link", se_fit=True)
    assert np.isinf(p["fit"].iloc[0]) and np.isnan(p["se"].iloc[0]) and np.isfinite(p["se"].iloc[1])
