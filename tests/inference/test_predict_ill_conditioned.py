"""Standard errors of predictions from nearly collinear columns (a calendar year with its log or its square), as R's
(tests/fixtures/predict_ill_conditioned, from make_predict_ill_conditioned.R).  R's predict.glm takes them from the
QR factor of sqrt(W) X, accurate to about 1e-9 there; glmstat took sqrt(x' V x) of the covariance, which loses
about eps times V's condition number to cancellation: 1.4e-6 of R's for year + I(year^2), 7.8e-5 for
log(year) + year, while the coefficients and their standard errors agreed to 1e-10.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "predict_ill_conditioned"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"gaussian": gs.Gaussian, "poisson": gs.Poisson}


@pytest.mark.parametrize("ref", REF, ids=[r["formula"] for r in REF])
def test_prediction_standard_errors_of_nearly_collinear_columns_as_r(ref):
    d, nd = pd.read_csv(HERE / "data.csv"), pd.read_csv(HERE / "newdata.csv")
    fit = gs.glm(ref["formula"], d, family=FAMILIES[ref["family"]](), convergence=ref["convergence"])
    p = fit.predict(nd, type="link", se_fit=True, interval="confidence")
    assert_close(p["fit"], ref["predict_link"], rtol=1e-8)
    assert_close(p["se"], ref["predict_link_se"], rtol=1e-8)
    z = 1.959963984540054  # qnorm(0.975)
    assert_close(p["upper"] - p["fit"], z * np.asarray(ref["predict_link_se"]), rtol=1e-8)


@pytest.mark.parametrize("ref", REF, ids=[r["formula"] for r in REF])
def test_leverages_of_nearly_collinear_columns_as_r(ref):
    """hatvalues (R's from its QR factor), cooks.distance and rstandard built on them, and dfbeta: w x'Cx and x'C
    lost 2e-6 to 3e-4 of them to the same cancellation."""
    d = pd.read_csv(HERE / "data.csv")
    fit = gs.glm(ref["formula"], d, family=FAMILIES[ref["family"]](), convergence=ref["convergence"])
    assert_close(fit.hat_values(), ref["hat"], rtol=1e-8)
    assert_close(fit.cooks_distance(), ref["cooks"], rtol=1e-7)
    # (a residual near 0 keeps the absolute accuracy of its fitted mean, not a relative one: 0.0062381578 was
    # off by 2e-10 on one machine's BLAS)
    assert_close(fit.std_residuals(), ref["rstandard"], rtol=1e-8, atol=1e-9)
    assert_close(fit.augment()["hat"], ref["hat"], rtol=1e-8)
    dfbeta = fit.dfbeta().to_numpy()[:20]
    assert_close(dfbeta, ref["dfbeta_rows_1_20"], rtol=1e-7, atol=2e-8 * np.abs(dfbeta).max())


def test_structured_design_predictions_use_the_qr_factor():
    """A 60-level factor with log(yr) + yr over 20,000 rows, new data of 5,000 rows (the structured design):
    Gaussian standard errors against the closed form s ||R^{-T} x|| from numpy's QR of the design built here."""
    rng = np.random.default_rng(83)
    n, m = 20_000, 5_000
    levels = np.array([f"L{i:02d}" for i in range(60)])

    def frame(k):
        return pd.DataFrame({"f": levels[rng.integers(0, 60, k)], "yr": 2000 + rng.uniform(0, 10, k)})

    d, nd = frame(n), frame(m)
    d["y"] = 0.3 * d.yr - 500 * np.log(d.yr) + rng.normal(size=n)

    def design(df):
        dummies = (df.f.to_numpy()[:, None] == levels[None, 1:]).astype(float)
        return np.column_stack([np.ones(len(df)), dummies, np.log(df.yr), df.yr])

    X, Xn = design(d), design(nd)
    Q, R = np.linalg.qr(X)
    resid = d.y.to_numpy() - Q @ (Q.T @ d.y.to_numpy())
    s = np.sqrt(resid @ resid / (n - X.shape[1]))
    want = s * np.linalg.norm(np.linalg.solve(R.T, Xn.T), axis=0)
    fit = gs.glm("y ~ f + log(yr) + yr", d, family=gs.Gaussian())
    assert_close(fit.predict(nd, se_fit=True)["se"], want, rtol=1e-8)


def test_a_pickled_dask_fit_keeps_the_qr_factor_for_its_predictions():
    """A dask fit loaded from a pickle has no rows to make the factor from: the pickle carries it (x'Vx lost
    1.4e-6 of R's standard errors for year + I(year^2))."""
    import pickle

    dd = pytest.importorskip("dask.dataframe")  # (an optional dependency: glmstat[dask])

    ref = next(r for r in REF if r["formula"] == "yn ~ year + I(year^2)")
    d, nd = pd.read_csv(HERE / "data.csv"), pd.read_csv(HERE / "newdata.csv")
    fit = gs.glm(ref["formula"], dd.from_pandas(d, npartitions=3), family=FAMILIES[ref["family"]]())
    loaded = pickle.loads(pickle.dumps(fit))
    assert loaded.covariance_factor is not None
    p = loaded.predict(nd, type="link", se_fit=True)
    assert_close(p["fit"], ref["predict_link"], rtol=1e-8)
    assert_close(p["se"], ref["predict_link_se"], rtol=1e-8)


@pytest.mark.parametrize("numeric", ["x", "log(yr) + yr"])
def test_a_wide_factor_alone_takes_no_factor_pass(numeric):
    """A 520-level factor makes C's 1-norm condition number pass 1e6 by itself, yet x'Cx loses nothing to it
    (its block of X'WX is diagonal): the covariance's factor is made only when the other columns are
    ill-conditioned (log(yr) + yr), and either way the leverages, prediction and HC0 standard errors are the
    closed forms from numpy's QR of the design built here (h = ||q_i||^2, se = s ||R^{-T} x||, and
    V = R^{-1} Q' diag(e^2) Q R^{-T})."""
    rng = np.random.default_rng(91)
    n, k = 3_000, 520
    levels = np.array([f"L{i:03d}" for i in range(k)])
    d = pd.DataFrame({"f": levels[np.r_[np.arange(k), rng.integers(0, k, n - k)]],
                      "x": rng.normal(size=n), "yr": 2000 + rng.uniform(0, 10, n)})
    d["y"] = 0.3 * d.yr - 500 * np.log(d.yr) + 0.2 * d.x + rng.normal(size=n)
    dummies = (d.f.to_numpy()[:, None] == levels[None, 1:]).astype(float)
    other = [d.x] if numeric == "x" else [np.log(d.yr), d.yr]
    X = np.column_stack([np.ones(n), dummies, *other])
    Q, R = np.linalg.qr(X)
    y = d.y.to_numpy()
    e = y - Q @ (Q.T @ y)
    s = np.sqrt(e @ e / (n - X.shape[1]))
    Rinv = np.linalg.solve(R, np.eye(X.shape[1]))
    B = Rinv @ (Q.T * e) @ (Q.T * e).T @ Rinv.T
    fit = gs.glm(f"y ~ f + {numeric}", d, family=gs.Gaussian())
    assert (type(fit.fit_data.source.X).__name__ == "StructuredDesign"
            and fit.fit_data.source.X.diagonal_columns() is not None)
    assert (fit.covariance_factor is None) == (numeric == "x")
    assert_close(fit.std_errors, s * np.linalg.norm(Rinv, axis=1), rtol=1e-8)
    assert_close(fit.hat_values(), np.sum(Q * Q, axis=1), rtol=1e-8)
    rows = X[:300]
    assert_close(fit.predict(d.iloc[:300], se_fit=True)["se"], s * np.linalg.norm(rows @ Rinv, axis=1), rtol=1e-8)
    assert_close(fit.robust("HC0").std_errors, np.sqrt(np.diag(B)), rtol=1e-8)
