"""Clustered HC2/HC3 sandwiches (sandwich::vcovCL) of a structured-size design with many clusters of uneven
sizes, against R (tests/fixtures/cluster_many, from make_cluster_many.R): 4,000 rows, a 60-level factor, 420
clusters of 1 to 290 rows -- clusters with fewer rows than the columns they reach and with more, a
well-conditioned covariance (Poisson) and one taken through its levels-first QR factor (a calendar year and
its square, binomial).  Each cluster's I - H_g is taken on the columns its rows reach, clusters read in
batches; with the batch budget made small the large clusters are read in chunks of rows, with the same
numbers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.design import base
from glmstat.inference import cluster_adjusted

HERE = FIXTURES / "cluster_many"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"poisson": gs.Poisson, "binomial": gs.Binomial}


@pytest.fixture(scope="module")
def fits():
    d = pd.read_csv(HERE / "data.csv")
    return {name: gs.glm(ref["formula"], d, family=FAMILIES[name](), tol=1e-12) for name, ref in REF.items()}


def _check(fit, ref, type):
    rob = fit.robust(type, cluster="cl")
    assert_close(rob.std_errors, ref["se"][type], rtol=1e-8)
    V = rob.vcov.to_numpy()[ref["rows"]]
    scale = np.sqrt(np.outer(np.diag(rob.vcov.to_numpy())[ref["rows"]], np.diag(rob.vcov.to_numpy())))
    assert np.max(np.abs(V - np.array(ref["vcov_rows"][type])) / scale) < 1e-8  # (on the correlations' scale)


@pytest.mark.parametrize("type", ["HC0", "HC2", "HC3"])
@pytest.mark.parametrize("name", list(REF))
def test_clustered_sandwich_of_many_clusters_as_r(fits, name, type):
    fit, ref = fits[name], REF[name]
    assert_close(fit.coef, ref["coefficients"], rtol=1e-9)
    _check(fit, ref, type)


def test_the_path_each_case_takes(fits):
    """(the cases cover what they are meant to: a structured design; the binomial's covariance taken through its
    levels-first factor, the Poisson's not)"""
    for name, fit in fits.items():
        assert type(fit.fit_data.source.X).__name__ == "StructuredDesign"
        assert (fit.factored_fit_data.cov_factor_levels is not None) == (name == "binomial")


@pytest.mark.parametrize("type", ["HC2", "HC3"])
@pytest.mark.parametrize("name", list(REF))
def test_clusters_read_in_chunks_give_the_same_numbers(fits, monkeypatch, name, type):
    """A budget of 2,000 cells: batches of a few clusters, and the clusters of more than 2,000 / 62 rows read
    in chunks of rows through the design interface."""
    chunked = []
    sums = cluster_adjusted.column_sums
    monkeypatch.setattr(base, "PRODUCT_CELLS", 2000)
    monkeypatch.setattr(cluster_adjusted, "column_sums", lambda *a: chunked.append(a[1].size) or sums(*a))
    _check(fits[name], REF[name], type)
    assert sorted(chunked) == [120] * 9 + [290]  # (the large clusters, alone)


def _closed_form_hc3(X: np.ndarray, a: np.ndarray, y: np.ndarray, beta: np.ndarray, cl: np.ndarray) -> np.ndarray:
    """HC3 clustered of a Poisson log-linear fit from the dense design: V = (n_ok / n)^2 C M C,
    M = sum_g s_g s_g', s_g = X_g' (I - H_g)^{-1} e_g, H_g = X_g C X_g' W_g, w = a mu, e = a (y - mu) for prior
    weights a."""
    mu = np.exp(X @ beta)
    w, e = a * mu, a * (y - mu)
    C = np.linalg.inv(X.T @ (w[:, None] * X))
    M = np.zeros((X.shape[1], X.shape[1]))
    for g in np.unique(cl):
        rows = np.flatnonzero(cl == g)
        Xg = X[rows]
        s = Xg.T @ np.linalg.solve(np.eye(rows.size) - Xg @ C @ Xg.T * w[rows], e[rows])
        M += np.outer(s, s)
    return (np.count_nonzero(a) / a.size) ** 2 * C @ M @ C


def test_clusters_of_few_rows_with_zero_weights_are_the_closed_form():
    """Clusters of 3 rows (each reaches about as many columns as it has rows: the rows' side, stacked) holding
    rows of prior weight 0, which get adjusted scores of their own."""
    d = pd.read_csv(FIXTURES / "cluster_zero_weights" / "data.csv")
    cl = np.arange(len(d)) // 3
    fit = gs.glm("count ~ g + x", d, family=gs.Poisson(), weights="w", tol=1e-12, max_iter=100)
    X = np.column_stack([np.ones(len(d)), d.g == "b", d.g == "c", d.x]).astype(float)
    want = _closed_form_hc3(X, d.w.to_numpy(float), d["count"].to_numpy(float), fit.coef.to_numpy(), cl)
    assert_close(fit.robust("HC3", cluster=cl).vcov, want, rtol=1e-9)


def test_clusters_reaching_most_of_many_columns_are_the_closed_form():
    """Clusters of 1 to 6 rows of 30 numeric columns, some of them 0/1 (a cluster reaches 20 to 31 columns: its
    block padded, and X_g C taken on every column, with the padding's columns left out)."""
    rng = np.random.default_rng(5)
    n, k = 900, 30
    Z = np.where(np.arange(k) % 3 == 0, rng.random((n, k)) < 0.3, rng.normal(size=(n, k))).astype(float)
    d = pd.DataFrame(Z, columns=[f"x{i}" for i in range(k)])
    d["y"] = rng.poisson(np.exp(0.2 + 0.1 * Z[:, 1]))
    cl = np.repeat(np.arange(n), rng.integers(1, 7, n))[:n]
    fit = gs.glm("y ~ " + " + ".join(d.columns[:k]), d, family=gs.Poisson(), tol=1e-12)
    X = np.column_stack([np.ones(n), Z])
    want = _closed_form_hc3(X, np.ones(n), d.y.to_numpy(float), fit.coef.to_numpy(), cl)
    assert_close(fit.robust("HC3", cluster=cl).vcov, want, rtol=1e-9)


@pytest.mark.parametrize("type", ["HC2", "HC3"])
@pytest.mark.parametrize("name", list(REF))
def test_clusters_of_more_rows_than_columns_are_stacked(fits, monkeypatch, name, type):
    """The clusters of 25, 120 and 290 rows reach fewer columns than they have rows: they are taken a stack at
    a time (padded to a few sizes, rows and columns), in the design's coordinates (Poisson) and in those of
    the covariance's factor (binomial), none one at a time, with R's numbers."""
    stacked, alone = [], []
    stack, single = cluster_adjusted._stacked_change, cluster_adjusted._from_column_sums
    monkeypatch.setattr(cluster_adjusted, "_stacked_change", lambda Z, *a: stacked.append(Z.shape) or stack(Z, *a))
    monkeypatch.setattr(cluster_adjusted, "_from_column_sums", lambda *a: alone.append(1) or single(*a))
    _check(fits[name], REF[name], type)
    d = pd.read_csv(HERE / "data.csv")
    by = d.groupby("cl")
    # a cluster's columns: the intercept, the numeric columns and the levels of f but the first that its rows hold
    reach = 1 + (len(fits[name].coef) - 60) + by.f.nunique() - by.f.agg(lambda f: (f == d.f.min()).any())
    assert sum(s[0] for s in stacked) == int((by.size() > reach).sum()) > 30 and not alone
    assert any(s[0] > 1 for s in stacked)


def test_stacked_clusters_of_many_rows_on_a_dense_design_are_the_closed_form():
    """Clusters of 5 to 40 rows on 4 columns (the columns' side, stacked and padded to a few sizes of rows),
    some rows of prior weight 0."""
    rng = np.random.default_rng(11)
    n = 2000
    d = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.random(n), "x3": rng.normal(size=n)})
    d["y"] = rng.poisson(np.exp(0.3 + 0.2 * d.x1 - 0.4 * d.x2))
    d["w"] = np.where(rng.random(n) < 0.05, 0.0, 1.0)
    cl = np.repeat(np.arange(n), rng.integers(5, 41, n))[:n]
    fit = gs.glm("y ~ x1 + x2 + x3", d, family=gs.Poisson(), weights="w", tol=1e-12)
    X = np.column_stack([np.ones(n), d.x1, d.x2, d.x3])
    want = _closed_form_hc3(X, d.w.to_numpy(), d.y.to_numpy(float), fit.coef.to_numpy(), cl)
    assert_close(fit.robust("HC3", cluster=cl).vcov, want, rtol=1e-9)
