"""X'WX solved through the diagonal block of a wide factor's indicator columns (``linalg._factor_blocked``).

A structured design stores a factor as codes, but the IRLS step solved its p x p Gram matrix by a dense
Cholesky factorisation: p^3 / 3 per iteration, and the covariance p^3 more.  A Poisson fit of 20,000 rows with a
5,000-level factor took 110 s (52 s in the factorisations, 55 s in inverses).  The indicators of one factor
never share a row, so their block of X'WX is diagonal and the Schur complement of the other m columns solves
it in O((k + m) m^2): 5.5 s.  The blocked and the dense solves are the same linear algebra: they agree to
rounding, and the large R references hold with the block path taken for every factor of 8 or more columns.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import glmstat as gs
import glmstat.design.structured as structured
from conftest import FIXTURES, assert_close
from glmstat.engine import linalg
from trimmed_refs import TrimmedReferences, matrix_rows


def _gram(rng, n=400, levels=30, order="factor-last"):
    """X'WX and X'Wr of [1, x, z, indicators of ``levels`` - 1 levels], and the indicator columns."""
    g = rng.integers(0, levels, n)
    dense = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    ind = (g[:, None] == np.arange(1, levels)[None, :]).astype(float)
    X = np.hstack([dense, ind]) if order == "factor-last" else np.hstack([dense[:, :1], ind, dense[:, 1:]])
    diagonal = np.arange(3, 3 + levels - 1) if order == "factor-last" else np.arange(1, levels)
    w, r = rng.uniform(0.2, 3.0, n), rng.normal(size=n)
    return X.T @ (X * w[:, None]), X.T @ (w * r), diagonal


@pytest.mark.parametrize("order", ["factor-last", "factor-between"])
@pytest.mark.parametrize("aliased", [(), (1, 7)], ids=["all-kept", "two-set-aside"])
def test_the_block_solve_is_the_dense_solve(order, aliased):
    G, u, diagonal = _gram(np.random.default_rng(4), order=order)
    kept = np.ones(G.shape[0], dtype=bool)
    kept[list(aliased)] = False
    dense = linalg.factor_gram(G, u, kept)
    blocked = linalg.factor_gram(G, u, kept, diagonal=diagonal)
    np.testing.assert_allclose(blocked.step, dense.step, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(blocked.inv, dense.inv, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(blocked.inv_diagonal(), np.diag(dense.inv), rtol=1e-10)
    assert np.array_equal(blocked.inv, blocked.inv.T)
    assert blocked.kept.tolist() == dense.kept.tolist()


def test_a_level_without_weight_is_left_to_the_qr_path():
    G, u, diagonal = _gram(np.random.default_rng(5))
    G[diagonal[4], :] = G[:, diagonal[4]] = 0.0  # (its rows' working weights are all 0)
    assert linalg.factor_gram(G, u, np.ones(G.shape[0], dtype=bool), diagonal=diagonal) is None


def test_a_column_the_indicators_span_is_left_to_the_qr_path():
    """The intercept beside indicators of every level is their sum: S_00 = A_00 - sum_l B_0l^2 / D_ll is 0
    in exact arithmetic, and here the rounding of a sum of weights (8 eps of A_00).  dposvx's equilibration
    scaled that noise to a unit diagonal and the block solve kept the aliased intercept (a seed-142 random
    structured cloglog fit then zeroed its coefficient a pass later, without compensation, and took 5
    iterations where R takes 4); refused as the dense solve refuses G, the QR reducer then sets a column aside."""
    rng = np.random.default_rng(1)
    n, k = 400, 12
    X = np.column_stack([np.ones(n), rng.normal(size=n), (np.arange(n)[:, None] % k == np.arange(k)).astype(float)])
    w = rng.uniform(0.2, 3.0, n)
    G, u = X.T @ (X * w[:, None]), X.T @ (w * rng.normal(size=n))
    G[0, 0] *= 1 + 8 * np.finfo(float).eps
    diagonal = np.arange(2, 2 + k)
    every = np.ones(k + 2, dtype=bool)
    assert linalg.factor_gram(G, u, every) is None
    assert linalg.factor_gram(G, u, every, diagonal=diagonal) is None
    one_aside = every.copy()
    one_aside[-1] = False  # (the last level set aside: the others no longer span the intercept)
    dense = linalg.factor_gram(G, u, one_aside)
    blocked = linalg.factor_gram(G, u, one_aside, diagonal=diagonal)
    np.testing.assert_allclose(blocked.step, dense.step, rtol=1e-10, atol=1e-12)


def test_a_fit_with_a_wide_factor_takes_the_block_path_and_equals_the_dense_one(monkeypatch):
    rng = np.random.default_rng(6)
    n = 6000
    d = pd.DataFrame({"x": rng.normal(size=n), "a": rng.integers(0, 600, n).astype(str)})
    d["y"] = rng.poisson(np.exp(0.5 + 0.3 * d["x"])).astype(float)
    calls = []
    original = linalg._factor_blocked
    monkeypatch.setattr(linalg, "_factor_blocked", lambda *a: calls.append(1) or original(*a))
    blocked = gs.glm("y ~ x + a", d, family=gs.Poisson())
    assert calls
    monkeypatch.setattr(structured, "DIAGONAL_SOLVE_COLUMNS", 10**9)
    dense = gs.glm("y ~ x + a", d, family=gs.Poisson())
    assert_close(blocked.coef, dense.coef, rtol=1e-10)
    assert_close(blocked.std_errors, dense.std_errors, rtol=1e-10)
    assert_close(blocked.vcov, dense.vcov, rtol=1e-9)
    assert_close([blocked.deviance], [dense.deviance], rtol=1e-12)


LARGE = TrimmedReferences(FIXTURES / "large")


@pytest.mark.parametrize("case_id", LARGE.ids)
def test_the_large_r_references_hold_with_every_factor_solved_by_blocks(case_id, monkeypatch):
    monkeypatch.setattr(structured, "DIAGONAL_SOLVE_COLUMNS", 8)  # the 40-level h (and the 8-level g)
    ref = LARGE.load(case_id)
    f = LARGE.fit_case(case_id)  # (not the cached fit: this one solves by blocks)
    assert list(np.isnan(f.coef.to_numpy())) == ref["aliased"]
    for got, key in ((f.coef, "coefficients"), (f.std_errors, "std_errors"),
                     (matrix_rows(f.vcov.to_numpy(), ref), "vcov")):
        assert_close(got, ref[key])
    assert_close([f.deviance], [ref["deviance"]])
