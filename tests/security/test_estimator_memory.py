"""The memory of the estimators' and ``glm_path``'s fits of features given as an array, which had no bound but the
machine's: ``GLMRegressor().fit(np.zeros((5, 10**7)), y)`` ended in numpy's raw MemoryError after 2 GB (or in
swapping), a lasso of 5 rows and 30,000 features asked numpy for a Gram of 6.7 GB, and a path of 10,000 penalties
keeps each one's coefficients.  They are refused before X is copied, by glm()'s bound on a fit's memory
(``FormulaLimits.max_design_bytes``), naming the shape and the memory; a wide fit within it goes on (a ridge of
more features than rows takes memory in proportion to rows x features, and a lasso of 100 x 3,000 a p x p model
of 72 MB)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import glmstat as gs

pytest.importorskip("sklearn")
from glmstat.sklearn import GLMClassifier, GLMRegressor, glm_path  # noqa: E402
import glmstat.sklearn._base as base  # noqa: E402

Y5 = np.array([0.0, 1.0, 1.0, 0.0, 1.0])


def refused_without_copies(call, match: str) -> gs.DataError:
    tracemalloc.start()
    try:
        with pytest.raises(gs.DataError, match=match) as e:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, peak  # (X's values are never copied: the shape alone is refused)
    return e.value


@pytest.mark.parametrize("make", [GLMRegressor, GLMClassifier], ids=["regressor", "classifier"])
def test_ten_million_features_are_refused_naming_the_shape_and_memory(make):
    X = np.broadcast_to(0.0, (5, 10**8))  # (800 MB of features held in 8 bytes)
    err = refused_without_copies(lambda: make().fit(X, Y5),
                                 r"^X of 5 rows and 100,000,000 features would need about [0-9,]+ MB to fit "
                                 r"\(copies of its rows\), more than the 4,096 MB glmstat allows a fit")
    assert "select fewer features" in str(err)


def test_a_wide_lasso_is_refused_naming_its_model():
    X = np.broadcast_to(0.5, (5, 30_000))
    err = refused_without_copies(lambda: GLMRegressor(alpha=1.0, l1_ratio=1.0).fit(X, Y5),
                                 r"^X of 5 rows and 30,000 features would need about [0-9,]+ MB to fit \(its "
                                 r"30,000 x 30,000 model\)")
    assert "l1_ratio=0" in str(err)


def test_a_list_of_rows_is_checked_once_read():
    with pytest.raises(gs.DataError, match="^X of 2 rows and 30,000 features would need"):
        GLMRegressor(alpha=1.0, l1_ratio=0.5).fit([[0.0] * 30_000, [1.0] * 30_000], [1.0, 2.0])


def test_a_path_of_many_penalties_is_refused_for_its_coefficients():
    X = np.broadcast_to(0.5, (5, 20_000))
    refused_without_copies(lambda: glm_path(X, Y5, l1_ratio=0.0, alphas=[1.0] * 10_000),
                           "^X of 5 rows and 20,000 features would need about [0-9,]+ MB to fit")


def test_the_machine_refusing_memory_is_glmstats_error(monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 76.3 MiB for an array with shape (10000000,) and data type float64")

    monkeypatch.setattr(base, "fit_penalized", no_memory)
    with pytest.raises(gs.DataError, match=r"^X of 4 rows and 2 features: this machine could not allocate the "
                                           r"memory its fit needs \(about 0 MB\)"):
        GLMRegressor().fit(np.eye(4)[:, :2], np.arange(4.0))


def test_a_wide_ridge_within_the_bound_is_fitted():
    # minimizing 1/(2n) |y - b0 - X b|^2 + alpha/2 |b|^2: with the columns centered, b = Xc' (Xc Xc' + n alpha I)^-1 yc
    rng = np.random.default_rng(3)
    n, p, alpha = 40, 3_000, 0.5
    X, y = rng.normal(size=(n, p)), rng.normal(size=n)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    b = Xc.T @ np.linalg.solve(Xc @ Xc.T + n * alpha * np.eye(n), yc)
    est = GLMRegressor(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(est.coef_, b, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, y.mean() - X.mean(axis=0) @ b, rtol=1e-7)


def test_a_wide_lasso_within_the_bound_is_fitted():
    # the lasso's optimality conditions: |X'(y - mu)/n| <= alpha where b_j = 0, = alpha sign(b_j) elsewhere
    rng = np.random.default_rng(4)
    n, p, alpha = 60, 1_500, 0.2
    X = rng.normal(size=(n, p))
    y = X[:, 0] * 2 + rng.normal(size=n)
    est = GLMRegressor(alpha=alpha, l1_ratio=1.0).fit(X, y)
    g = X.T @ (y - est.intercept_ - X @ est.coef_) / n
    on = est.coef_ != 0
    assert 0 < on.sum() < n
    np.testing.assert_allclose(g[on], alpha * np.sign(est.coef_[on]), atol=1e-8)
    assert np.all(np.abs(g[~on]) <= alpha + 1e-8)
