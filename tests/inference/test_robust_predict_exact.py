"""Standard errors of predictions with a sandwich covariance of nearly collinear columns (``log(year) + year``
over 2000..2020: the model covariance's condition number is 2e17), against the sandwich computed in exact
rational arithmetic from the same doubles (``fractions``: a closed form, no rounding), HC0 to HC3, clustered,
from Parquet.  x'Vx of C M C loses all of them there (standard errors 6 times too large, or 0); the covariance's
factor keeps them to 1e-7.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "predict_ill_conditioned"
DATA = pd.read_csv(HERE / "data.csv")
NEW = pd.read_csv(HERE / "newdata.csv")


def _design(df: pd.DataFrame) -> list[list[Fraction]]:
    return [[Fraction(1), Fraction(float(np.log(v))), Fraction(float(v))] for v in df["year"]]


def _inverse(A: list[list[Fraction]]) -> list[list[Fraction]]:
    n = len(A)
    M = [row[:] + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(A)]
    for c in range(n):
        pivot = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[pivot] = M[pivot], M[c]
        M[c] = [v / M[c][c] for v in M[c]]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c]
                M[r] = [a - f * b for a, b in zip(M[r], M[c])]
    return [row[n:] for row in M]


def _quad(x, A, y) -> Fraction:
    return sum(x[i] * A[i][j] * y[j] for i in range(len(x)) for j in range(len(y)))


def _outer_sum(vectors, weights) -> list[list[Fraction]]:
    p = len(vectors[0])
    return [[sum(w * v[i] * v[j] for v, w in zip(vectors, weights)) for j in range(p)] for i in range(p)]


def exact_sandwich_se(type: str, cluster: str | None = None) -> np.ndarray:
    """sqrt(x' C M C x) for the new rows, in exact arithmetic (Gaussian, identity link: working weights 1)."""
    X, y = _design(DATA), [Fraction(float(v)) for v in DATA["yn"]]
    n, p = len(X), 3
    C = _inverse(_outer_sum(X, [Fraction(1)] * n))
    b = [sum(C[i][j] * sum(r[j] * v for r, v in zip(X, y)) for j in range(p)) for i in range(p)]
    e = [v - sum(r[j] * b[j] for j in range(p)) for r, v in zip(X, y)]
    if cluster is None:
        h = [_quad(r, C, r) for r in X]
        f = {"HC0": [ei * ei for ei in e], "HC1": [ei * ei * Fraction(n, n - p) for ei in e],
             "HC2": [ei * ei / (1 - hi) for ei, hi in zip(e, h)],
             "HC3": [ei * ei / (1 - hi) ** 2 for ei, hi in zip(e, h)]}[type]
        M = _outer_sum(X, f)
    else:
        groups = {}
        for r, ei, g in zip(X, e, DATA[cluster]):
            s = groups.setdefault(g, [Fraction(0)] * p)
            for j in range(p):
                s[j] += ei * r[j]
        G = len(groups)
        adjust = Fraction(G, G - 1) * (Fraction(n - 1, n - p) if type == "HC1" else 1)
        M = _outer_sum(list(groups.values()), [adjust] * G)
    Cx = [[sum(C[i][k] * r[k] for k in range(p)) for i in range(p)] for r in _design(NEW)]
    return np.sqrt([float(_quad(v, M, v)) for v in Cx])


@pytest.mark.parametrize("type", ["HC0", "HC1", "HC2", "HC3"])
def test_sandwich_prediction_se_of_nearly_collinear_columns(type):
    fit = gs.glm("yn ~ log(year) + year", DATA, family=gs.Gaussian()).robust(type)
    p = fit.predict(NEW, type="link", se_fit=True, interval="confidence")
    want = exact_sandwich_se(type)
    assert_close(p["se"], want, rtol=1e-7)
    assert_close(p["upper"] - p["fit"], 1.959963984540054 * want, rtol=1e-7)


@pytest.mark.parametrize("type", ["HC0", "HC1"])
def test_clustered_sandwich_prediction_se_of_nearly_collinear_columns(type):
    fit = gs.glm("yn ~ log(year) + year", DATA, family=gs.Gaussian()).robust(type, cluster="g")
    assert_close(fit.predict(NEW, type="link", se_fit=True)["se"], exact_sandwich_se(type, "g"), rtol=1e-7)


@pytest.mark.parametrize("type, cluster", [("HC3", None), ("HC1", "g")])
def test_streamed_sandwich_prediction_se_of_nearly_collinear_columns(tmp_path, type, cluster):
    path = tmp_path / "data.parquet"
    DATA.to_parquet(path, row_group_size=50)
    fit = gs.glm("yn ~ log(year) + year", str(path), family=gs.Gaussian()).robust(type, cluster=cluster)
    assert_close(fit.predict(NEW, type="link", se_fit=True)["se"], exact_sandwich_se(type, cluster), rtol=1e-7)


@pytest.mark.parametrize("type, cluster", [("HC0", None), ("HC1", None), ("HC2", None), ("HC3", None),
                                           ("HC0", "g"), ("HC1", "g")])
def test_sandwich_factor_is_the_sandwich_with_zero_weights(type, cluster):
    """The factor is the covariance robust() reports (V = F_s F_s' to 1e-8), zero prior weights (n_ok < n) and
    leverages included, on a model whose covariance is ill-conditioned enough for a factor (x + I(x^2) over
    50..60, condition number 1e9)."""

    rng = np.random.default_rng(87)
    n = 200
    d = pd.DataFrame({"x": rng.uniform(50, 60, n), "g": rng.choice(list("abcd"), n), "w": rng.choice([0, 1, 2], n)})
    d["y"] = rng.poisson(np.exp(0.02 * d["x"]))
    fit = gs.glm("y ~ x + I(x^2) + g", d, family=gs.Poisson(), weights="w").robust(type, cluster=cluster)
    F = fit.covariance_factor
    V = fit.vcov.to_numpy()
    assert F is not None
    assert_close(F @ F.T, V, rtol=0, atol=1e-8 * np.abs(V).max())
