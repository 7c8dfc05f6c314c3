"""Sandwich covariances of a factor's model whose other columns are nearly collinear (``f + x + log(yr) + yr``,
f of 60 levels on 12,000 rows: 756,000 cells, past the 2^16 below which a design is fitted dense, so a
structured design, and the covariance too ill-conditioned for quadratic forms: the whitened meat), against closed forms
from numpy's QR of the dense design built here: with R the factor of sqrt(W) X and z_i = R^{-T} x_i, V = R^{-1} A R^{-T}
for A = sum_i f_i z_i z_i' (HC0: f_i = e_i^2; HC1 times n / (n - k); HC3: e_i^2 / (1 - h_i)^2, h_i = w_i ||z_i||^2;
clustered: G/(G-1) sum_g (sum_{i in g} e_i z_i)(...)', and bias-reduced HC3: sum_g t_g t_g' for
t_g = Z_g' (I - H_g)^{-1} e_g, H_g = Z_g Z_g' W_g), and a prediction's standard error ||A^(1/2) z||.
The meat is taken in the coordinates of the QR factor with the factor's levels first, O(n m^2) for the m other
columns (the dense whitened form was O(n p^2)); it must be that closed form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close

N, LEVELS, CLUSTERS = 12_000, 60, 40


def _case(family: str):
    rng = np.random.default_rng(9401)
    codes = np.r_[np.arange(LEVELS), rng.integers(0, LEVELS, N - LEVELS)]
    yr = 1990 + rng.uniform(0, 30, N)
    d = pd.DataFrame({"f": np.array([f"L{i:02d}" for i in range(LEVELS)])[codes], "x": rng.normal(size=N),
                      "yr": yr, "g": rng.integers(0, CLUSTERS, N)})
    eta = -0.3 + 0.02 * (yr - 2005) + 0.3 * d.x.to_numpy() + rng.normal(0, 0.3, LEVELS)[codes]
    d["y"] = (rng.random(N) < 1 / (1 + np.exp(-eta))).astype(int) if family == "binomial" else rng.poisson(np.exp(eta))
    X = np.column_stack([np.ones(N), (codes[:, None] == np.arange(1, LEVELS)[None, :]).astype(float), d.x,
                         np.log(yr), yr])
    return d, X


def _closed_forms(fit, d: pd.DataFrame, X: np.ndarray, family: str) -> dict:
    """The sandwiches of the module docstring, as (Rinv, A) with V = Rinv A Rinv', from numpy's QR of the dense
    design."""
    eta = X @ fit.coef.to_numpy()[~np.isnan(fit.coef.to_numpy())]
    mu = 1 / (1 + np.exp(-eta)) if family == "binomial" else np.exp(eta)
    w = mu * (1 - mu) if family == "binomial" else mu
    R = np.linalg.qr(X * np.sqrt(w)[:, None], mode="r")
    Rinv = np.linalg.solve(R, np.eye(X.shape[1]))
    Z = X @ Rinv
    e = d.y.to_numpy() - mu  # (the score's factor: working weight times working residual, canonical links)
    h = w * np.sum(Z * Z, axis=1)
    n, k = X.shape
    sums = np.zeros((CLUSTERS, k))
    np.add.at(sums, d.g.to_numpy(), Z * e[:, None])
    meats = {"HC0": (Z * e[:, None] ** 2).T @ Z, "HC3": (Z * (e / (1 - h))[:, None] ** 2).T @ Z,
             "CL": sums.T @ sums * CLUSTERS / (CLUSTERS - 1)}
    meats["HC1"] = meats["HC0"] * n / (n - k)
    adjusted = np.zeros((CLUSTERS, k))  # (bias-reduced, CR3: t_g = Z_g' (I - H_g)^{-1} e_g, H_g = Z_g Z_g' W_g)
    for g in range(CLUSTERS):
        rows = np.flatnonzero(d.g.to_numpy() == g)
        Zg = Z[rows]
        adjusted[g] = Zg.T @ np.linalg.solve(np.eye(rows.size) - (Zg @ Zg.T) * w[rows], e[rows])
    meats["CL_HC3"] = adjusted.T @ adjusted
    return {key: (Rinv, A) for key, A in meats.items()}


@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_levels_first_sandwich_is_the_dense_whitened_closed_form(family):
    d, X = _case(family)
    fit = gs.glm("y ~ f + x + log(yr) + yr", d, family=gs.Binomial() if family == "binomial" else gs.Poisson())
    fd = fit.factored_fit_data
    assert type(fit.fit_data.source.X).__name__ == "StructuredDesign"
    assert fd.cov_factor is not None and fd.cov_factor_levels is not None  # (the levels-first path is taken)
    forms = _closed_forms(fit, d, X, family)
    new = d.iloc[:200]
    for key, rob in [("HC0", fit.robust("HC0")), ("HC1", fit.robust("HC1")), ("HC3", fit.robust("HC3")),
                     ("CL", fit.robust(cluster="g")), ("CL_HC3", fit.robust("HC3", cluster="g"))]:
        Rinv, A = forms[key]
        V = Rinv @ A @ Rinv.T
        se = np.sqrt(np.diag(V))
        assert_close(rob.std_errors, se, rtol=1e-9)
        assert np.max(np.abs(rob.vcov.to_numpy() - V) / np.outer(se, se)) < 1e-9  # (on the correlations' scale)
        Zr = X[:200] @ Rinv
        lam, U = np.linalg.eigh(A)
        want = np.linalg.norm(Zr @ (U * np.sqrt(np.clip(lam, 0, None))), axis=1)
        assert_close(rob.predict(new, type="link", se_fit=True)["se"], want, rtol=1e-9)
    Rinv, _ = forms["HC0"]
    assert_close(fit.hat_values(), _hat(fit, X, Rinv, family), rtol=1e-9)


def _hat(fit, X, Rinv, family):
    eta = X @ fit.coef.to_numpy()
    mu = 1 / (1 + np.exp(-eta)) if family == "binomial" else np.exp(eta)
    w = mu * (1 - mu) if family == "binomial" else mu
    Z = X @ Rinv
    return w * np.sum(Z * Z, axis=1)


@pytest.mark.parametrize("key", ["HC0", "CL"])
def test_levels_first_sandwich_from_dask_is_the_closed_form(key):
    """The same meat reduced over partitions: the levels-first factor is shipped to the workers."""
    dd = pytest.importorskip("dask.dataframe")  # (an optional dependency: glmstat[dask])
    d, X = _case("binomial")
    fit = gs.glm("y ~ f + x + log(yr) + yr", dd.from_pandas(d, npartitions=3), family=gs.Binomial())
    assert fit.factored_fit_data.cov_factor_levels is not None
    Rinv, A = _closed_forms(fit, d, X, "binomial")[key]
    rob = fit.robust("HC0") if key == "HC0" else fit.robust(cluster="g")
    assert_close(rob.std_errors, np.sqrt(np.diag(Rinv @ A @ Rinv.T)), rtol=1e-9)


def test_levels_first_sandwich_with_an_aliased_column():
    """An aliased column (2x after x) is left out of the factor (NaN in the covariance, as R's), and the others'
    sandwich is the closed form of the design without it."""
    d, X = _case("poisson")
    d["x2"] = 2 * d.x
    with pytest.warns(gs.AliasingWarning):
        fit = gs.glm("y ~ f + x + x2 + log(yr) + yr", d, family=gs.Poisson())
    assert list(fit.coef.index[fit.coef.isna()]) == ["x2"]
    assert fit.factored_fit_data.cov_factor_levels is not None
    Rinv, A = _closed_forms(fit, d, X, "poisson")["HC3"]
    rob = fit.robust("HC3")
    assert np.isnan(rob.std_errors["x2"])
    assert_close(rob.std_errors.drop("x2"), np.sqrt(np.diag(Rinv @ A @ Rinv.T)), rtol=1e-9)
