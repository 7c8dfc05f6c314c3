"""An array fit of very many features: ``results_``'s formula (a term per feature, tens of microseconds each to
name) is written on first use, not by ``fit()``, which ran past 40 s on it for 3 million features whether or not
``results_`` was ever read.  Checked by the naming function itself: ``fit()`` never calls it, ``results_`` does,
and ``results_`` still reads the rows as they were at fit time."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
import glmstat.sklearn._base as base  # noqa: E402
from glmstat.sklearn import GLMRegressor  # noqa: E402


@pytest.fixture
def counted_names(monkeypatch):
    calls = []

    def reads_as_name(name):
        calls.append(name)
        return True

    monkeypatch.setattr(base, "reads_as_name", reads_as_name)
    return calls


def test_fit_of_many_features_writes_no_formula(counted_names):
    X = np.random.default_rng(0).normal(size=(3, 100_000))
    est = GLMRegressor().fit(X, np.array([1.0, 2.0, 4.0]))
    assert est.coef_.shape == (100_000,) and counted_names == []


def test_results_writes_the_formula_from_the_rows_at_fit_time(counted_names):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 2)), rng.normal(size=30)
    est = GLMRegressor().fit(X, y)
    assert counted_names == []
    X[:] = 0.0  # (the caller's array changed after fitting)
    res = est.results_
    assert counted_names == ["x0", "x1"]
    # the unpenalized Gaussian fit is least squares: (X'X)^{-1} X'y with the intercept, on the rows as fitted
    X = np.random.default_rng(1).normal(size=(30, 2))
    A = np.column_stack([np.ones(30), X])
    np.testing.assert_allclose(np.asarray(res.coef), np.linalg.lstsq(A, y, rcond=None)[0], rtol=1e-10)
