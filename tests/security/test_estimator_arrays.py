"""Feature arrays and weights beyond double precision's squares, given to ``glmstat.sklearn``'s estimators and
``glm_path`` (a web application may pass on a user's numbers).

``gs.glm`` refuses a design column whose values pass 1e100 in size (their squares, in X'WX, overflow): "the
design column 'x' has values as large as 2.7e+200; ... rescale it".  The estimators took such an array as it
came: numpy's overflow RuntimeWarnings, then scipy's raw ``ValueError: array must not contain infs or NaNs``
from the Cholesky factorization.  The same refusal now names the feature.  ``glm()`` refuses weights beyond 1e100
too ("rescale it so its square stays finite"); the estimators' ``sample_weight`` and ``class_weight`` of 1e308 made
``score()`` NaN with numpy's overflow warnings and ``fit()`` say it could find no valid starting values: they are
refused as ``glm()`` refuses them.  In-process: these inputs take no
time; the contract checked is the exception type, the message and the silence.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

pytest.importorskip("sklearn")
from glmstat.sklearn import GLMClassifier, GLMRegressor, glm_path  # noqa: E402

X = np.column_stack([np.linspace(-1.0, 1.0, 12), np.cos(np.arange(12.0))])
Y = np.array([0, 1, 0, 1, 1, 0, 2, 3, 1, 4, 2, 5])
HUGE = X * np.array([1.0, 3e200])  # (the second feature's values reach 3e200)


def _refused(call, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (numpy's RuntimeWarning, leaked, fails)
        with pytest.raises(gs.DataError, match=match):
            call()


@pytest.mark.parametrize("call", [
    lambda: GLMRegressor(family=gs.Poisson()).fit(HUGE, Y),
    lambda: GLMRegressor(family=gs.Poisson(), alpha=0.1).fit(HUGE, Y),
    lambda: GLMClassifier().fit(HUGE, Y > 1),
    lambda: glm_path(HUGE, Y, family=gs.Poisson(), n_alphas=3),
], ids=["regressor", "penalized", "classifier", "glm_path"])
def test_a_feature_beyond_the_squares_of_doubles_is_refused_naming_it(call):
    _refused(call, r"^feature 'x1' has values as large as 3e\+200; squares of such numbers overflow double "
                   r"precision -- rescale it \(e\.g\. divide by 1e200\)")


def test_a_named_feature_is_named():
    frame = pd.DataFrame(HUGE, columns=["dose", "income"])
    _refused(lambda: GLMRegressor(family=gs.Poisson()).fit(frame, Y), "^feature 'income' has values as large")


def test_features_within_the_bound_are_fitted():
    big = X * np.array([1.0, 1e90])
    fit = GLMRegressor(family=gs.Poisson()).fit(big, Y)
    ref = GLMRegressor(family=gs.Poisson()).fit(X, Y)
    np.testing.assert_allclose(fit.coef_ * np.array([1.0, 1e90]), ref.coef_, rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda: GLMRegressor(family=gs.Poisson()).fit(X, Y, sample_weight=np.full(12, 1e308)),
    lambda: GLMRegressor(family=gs.Poisson()).fit(X, Y).score(X, Y, sample_weight=np.full(12, 1e308)),
    lambda: GLMClassifier().fit(X, Y > 1).score(X, Y > 1, sample_weight=np.full(12, 1e200)),
    lambda: glm_path(X, Y, family=gs.Poisson(), sample_weight=1e101, n_alphas=3),
], ids=["fit", "score", "classifier-score", "glm_path"])
def test_a_sample_weight_beyond_the_squares_of_doubles_is_refused(call):
    _refused(call, r"^sample_weight must be None, a number or 12 finite non-negative numbers of at most 1e\+100")


def test_a_class_weight_beyond_the_squares_of_doubles_is_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(gs.FitError, match=r"^class_weight\[True\] must be a finite number >= 0 of at most 1e\+100"):
            GLMClassifier(class_weight={True: 1e308}).fit(X, Y > 1)


def test_large_weights_within_the_bound_are_fitted():
    fit = GLMRegressor(family=gs.Poisson()).fit(X, Y, sample_weight=np.full(12, 1e90))
    ref = GLMRegressor(family=gs.Poisson()).fit(X, Y)  # (the same weight for every row: the same estimates)
    np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=1e-6)
