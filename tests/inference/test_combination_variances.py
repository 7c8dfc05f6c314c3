"""diag(L V L') of sparse rows (glmstat/inference/covariance_factor.py, combination_variances): a row of few
non-zeros by the products of its non-zeros' pairs alone, a row of many by a dense row of L V, both equal to the
quadratic form itself, l' V l, row by row."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from glmstat.inference.covariance_factor import combination_variances, sparse_row_variances


def quadratic_forms(L: np.ndarray, V: np.ndarray) -> list[float]:
    return [float(row @ V @ row) for row in L]


def test_short_and_long_sparse_rows_are_the_quadratic_form():
    """Rows of 0, 1, 2 and 3 non-zeros (a pair of a factor's means, with a shared column that cancels to an
    explicit 0) and a dense row (a sum-coded level's), on a 50 x 50 covariance."""
    rng = np.random.default_rng(306)
    A = rng.normal(size=(50, 50))
    V = A @ A.T / 50
    dense = np.zeros((6, 50))
    dense[1, 7] = 2.0
    dense[2, [3, 9]] = [1.0, -1.0]
    dense[3, [0, 4, 40]] = [0.5, -1.5, 2.5]
    dense[4] = -1.0
    dense[5, :30] = rng.normal(size=30)
    L = sparse.csr_matrix(dense)
    L[2, 20] = 0.0  # (an explicit zero, as a difference of two rows leaves where they share a column)
    want = quadratic_forms(dense, V)
    assert np.allclose(combination_variances(L, V, None), want, rtol=1e-13, atol=0)
    assert np.allclose(combination_variances(dense, V, None), want, rtol=1e-13, atol=0)
    short = sparse.csr_matrix(dense[:4])
    assert np.allclose(sparse_row_variances(short, V), want[:4], rtol=1e-13, atol=0)
    assert combination_variances(L, V, None)[0] == 0.0
