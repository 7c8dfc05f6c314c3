"""The covariance of a wide factor's model whose other columns are nearly collinear (``f + log(yr) + yr``, f of
520 levels: the block solve through the factor's diagonal block), as R's summary.glm
(tests/fixtures/wide_factor_ill_conditioned, from make_wide_factor_ill_conditioned.R: rows made by exact
arithmetic, rebuilt here) and against the closed form from numpy's QR of the dense design built here:
(X'WX)^{-1} = R^{-1} R^{-T} for R the factor of sqrt(W) X, W the working weights at the estimate.  Forming the Schur
complement A - B D^{-1} B' of X'WX lost 5e-4 of the standard errors of the intercept, log(yr) and yr; the covariance now
comes from the QR of the rows there, as R's does."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "wide_factor_ill_conditioned" / "ref.json").read_text())


def _data(n: int, k: int, family: str) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(94)
    levels = np.array([f"L{i:03d}" for i in range(k)])
    codes = np.r_[np.arange(k), rng.integers(0, k, n - k)]
    d = pd.DataFrame({"f": levels[codes], "yr": 1990 + rng.uniform(0, 30, n)})
    eta = -0.3 + 0.02 * (d.yr.to_numpy() - 2005) + rng.normal(0, 0.3, k)[codes]
    d["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int) if family == "binomial" else rng.poisson(np.exp(eta))
    X = np.column_stack([np.ones(n), (codes[:, None] == np.arange(1, k)[None, :]).astype(float),
                         np.log(d.yr), d.yr])
    return d, X


@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_wide_factor_with_nearly_collinear_columns_has_the_qr_covariance(family):
    d, X = _data(6_000, 520, family)
    fit = gs.glm("y ~ f + log(yr) + yr", d, family=gs.Binomial() if family == "binomial" else gs.Poisson())
    X_design = fit.fit_data.source.X
    assert type(X_design).__name__ == "StructuredDesign" and X_design.diagonal_columns() is not None
    eta = X @ fit.coef.to_numpy()
    mu = 1 / (1 + np.exp(-eta)) if family == "binomial" else np.exp(eta)
    w = mu * (1 - mu) if family == "binomial" else mu
    R = np.linalg.qr(X * np.sqrt(w)[:, None], mode="r")
    Rinv = np.linalg.solve(R, np.eye(X.shape[1]))
    assert_close(fit.std_errors, np.linalg.norm(Rinv, axis=1), rtol=1e-7)
    assert_close(fit.vcov.to_numpy()[-3:, -3:], (Rinv @ Rinv.T)[-3:, -3:], rtol=1e-7)


def _r_rows() -> pd.DataFrame:
    """The fixture's rows: fractional parts of i times a constant (exact in R and numpy alike), y as R made it."""
    n, k = REF["n"], REF["levels"]
    i = np.arange(n, dtype=float)
    frac = lambda x: x - np.floor(x)  # noqa: E731
    code = np.r_[np.arange(k), np.floor(k * frac(i[k:] * 0.5698402909980532)).astype(int)]
    return pd.DataFrame({"f": [f"L{c:03d}" for c in code], "yr": 1990 + 30 * frac(i * 0.6180339887498949),
                         "y": [int(c) for c in REF["y"]]})


@pytest.mark.parametrize("convergence", ["exact", "R"])
def test_wide_factor_with_nearly_collinear_columns_as_r(convergence):
    """summary.glm's standard errors, of R's fit to 1e-14 (the exact MLE) and of its default stop."""
    fit = gs.glm("y ~ f + log(yr) + yr", _r_rows(), family=gs.Binomial(), convergence=convergence)
    suffix = "" if convergence == "exact" else "_r"
    assert_close(fit.coef, REF["coefficients" + suffix], rtol=1e-7)
    assert_close(fit.std_errors, REF["se" + suffix], rtol=1e-7)
