"""Prediction standard errors where the prior weights span 1e-12 to 1e12 and a 300-level factor is stored as codes.

A Gaussian fit y ~ x + g on 700 rows (the numerical-edge hunt's structured ``w_gauss``): the reference level's weight
is small, so the intercept's variance is huge and each level's coefficient nearly its negative, and a prediction's
variance x'Vx is a difference of terms up to 1e12 times itself.  The covariance of the columns other than the
factor's (intercept, x) is well conditioned, so the quadratic form was taken as accurate: standard errors up to 20%
off (0.0675 for R's 0.0746).  R's predict takes them from its QR; so does glmstat now (the covariance factor), to
R's and to the closed form phi (1 / W_g + (x - xbar_g)^2 / Sxx) of this one-way design.

R 4.2 (fixtures/predict_weight_span, made by fixtures/scripts/make_predict_weight_span.R).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, held_out_source

HERE = FIXTURES / "predict_weight_span"
R = json.loads((HERE / "r.json").read_text())


@pytest.mark.parametrize("path", ["memory", "parquet"])
def test_prediction_se_with_weights_from_1e_minus_12_to_1e12_is_r_s(path, tmp_path, monkeypatch):
    d = pd.read_csv(HERE / "data.csv.gz")
    assert R["max_rel_predict_vs_closed"] < 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm("y ~ x + g", held_out_source(d, path, tmp_path, monkeypatch), family=gs.Gaussian(),
                     weights="w", tol=1e-12, max_iter=100)
        p = fit.predict(d.iloc[R["rows"]], se_fit=True, type="link")
    assert_close([fit.dispersion], [R["dispersion"]], rtol=1e-8)
    # (R's predictions are its coefficients' sums, b0 + b_g: at a level whose standard error is 3.2e7 its -0.0583397639
    # is 8.7e-6 relative off the closed form, 8.7e-14 of that standard error; glmstat's within 2e-14 on every row)
    fit_r, se_r = np.array(R["fit"]), np.array(R["se_fit"])
    assert np.all(np.abs(p["fit"].to_numpy() - fit_r) <= 1e-8 * np.abs(fit_r) + 1e-12 * se_r)
    assert_close(p["se"], R["se_fit"], rtol=1e-6)
