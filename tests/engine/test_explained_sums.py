"""``linalg.explained_sums``: u' G^- u for G = X'WX, u = X'Wz is the squared norm of the weighted projection
of z on X's columns, whether G is well conditioned (Cholesky path), nearly singular or singular (an aliased
column: least-squares path), for several right-hand sides at once."""

from __future__ import annotations

import numpy as np
import pytest

from glmstat.engine.linalg import explained_sums


def _projection(X: np.ndarray, w: np.ndarray, z: np.ndarray) -> float:
    """||P z||^2 in the W metric, from an orthonormal basis of W^(1/2) X's column space (SVD of the columns
    scaled to unit norm: the column space does not depend on their sizes)."""
    A = X * np.sqrt(w)[:, None]
    norms = np.linalg.norm(A, axis=0)
    A = A[:, norms > 0] / norms[norms > 0]
    U, s, _ = np.linalg.svd(A, full_matrices=False)
    Q = U[:, s > 1e-10 * s[0]]
    return float(np.sum((Q.T @ (np.sqrt(w) * z)) ** 2))


@pytest.mark.parametrize("kind", ["plain", "aliased", "scaled", "empty"])
def test_explained_sums_are_the_weighted_projections(kind):
    rng = np.random.default_rng(3)
    n = 200
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    if kind == "aliased":
        X = np.column_stack([X, X[:, 1] - 2 * X[:, 2]])
    if kind == "scaled":  # columns of very different sizes: equilibration keeps the Cholesky path
        X = X * np.array([1e-6, 1.0, 1e6])
    if kind == "empty":
        X = X[:, :0]
    w = rng.uniform(0.2, 3.0, n)
    Z = rng.normal(size=(n, 4)) + X[:, :1].sum(axis=1, keepdims=True) if X.shape[1] else rng.normal(size=(n, 4))
    G, U = X.T @ (X * w[:, None]), X.T @ (w[:, None] * Z)
    got = explained_sums(G, U)
    want = [_projection(X, w, Z[:, j]) if X.shape[1] else 0.0 for j in range(4)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    assert explained_sums(G, U[:, 0]) == pytest.approx(want[0], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("empty_level", [False, True])
@pytest.mark.parametrize("others", [0, 2])
def test_explained_sums_through_a_factors_diagonal_block(empty_level, others):
    """With the indicator columns of one factor named, G is solved through its diagonal block (or, where a
    level has no weight, as a whole): the same projections."""
    rng = np.random.default_rng(5)
    n, k = 400, 30
    level = rng.integers(0, k, n)
    w = rng.uniform(0.2, 3.0, n)
    if empty_level:
        w[level == 4] = 0.0
    X = np.zeros((n, others + k - 1))
    X[:, :others] = rng.normal(size=(n, others)) + 2.0
    rows = level > 0  # (level 0 the reference)
    X[np.flatnonzero(rows), others + level[rows] - 1] = 1.0
    if others:
        X[:, 0] = 1.0  # the intercept
    Z = rng.normal(size=(n, 3)) + level[:, None] / k
    G, U = X.T @ (X * w[:, None]), X.T @ (w[:, None] * Z)
    got = explained_sums(G, U, np.arange(others, others + k - 1))
    np.testing.assert_allclose(got, [_projection(X, w, Z[:, j]) for j in range(3)], rtol=1e-9)


def test_a_factor_with_an_aliased_covariate_is_solved_through_its_block_too():
    """A covariate that is a combination of the factor's indicators makes S singular, not D: the block
    path solves S by least squares, and gives the projections."""
    rng = np.random.default_rng(9)
    n, k = 300, 20
    level = rng.integers(0, k, n)
    X = np.zeros((n, k + 1))
    X[:, 0] = 1.0
    X[np.flatnonzero(level > 0), level[level > 0]] = 1.0
    X[:, k] = 2.0 * X[:, 3] - X[:, 5] + 0.5  # aliased with the intercept and two levels
    w = rng.uniform(0.2, 3.0, n)
    Z = rng.normal(size=(n, 2))
    G, U = X.T @ (X * w[:, None]), X.T @ (w[:, None] * Z)
    got = explained_sums(G, U, np.arange(1, k))
    np.testing.assert_allclose(got, [_projection(X, w, Z[:, j]) for j in range(2)], rtol=1e-9)
