"""A column whose range, or the squares of whose deviations, overflow double precision (values of +-1.7e308) in the
stateful transforms that compute from them: refused naming the call, where glmstat made a silently degenerate fit.

R 4.2.2 (``tests/fixtures/scripts/overflowing_ranges.R``, its output in the comments there): ``ns(x, 3)`` and
``poly(x, 2)`` stop ("NA/NaN/Inf in foreign function call"); ``bs(x, 3)`` makes 9 of the 10 rows NaN, dropped as
missing, and fits the intercept of the one left; ``scale(x)`` divides by its root mean square, Inf, so every value is
0 and its coefficient NA (``sd(x)`` is Inf too, which glmstat refuses).  glmstat's ``ns()`` and ``bs()`` dropped the
same 9 rows "for missing values" (``bs()`` after numpy's "overflow encountered in subtract"), and its ``scale()``,
computed without overflow, fitted a slope where R has none.  Each is now refused as ``poly()`` is; ``cut(x, 3)``
still gives R's intervals and coefficients.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

X = [-1.7e308, 1.7e308, -1e308, 1e308, 0.0, 5e307, -5e307, 1.2e308, -1.3e308, 3e307]
DATA = pd.DataFrame({"x": X, "z": np.arange(1.0, 11.0), "y": [1.2, 0.7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3, 2.2, 1.9]})


@pytest.mark.parametrize("formula, match", [
    ("y ~ ns(x, 3)", r"^ns\(x, 3\): the range of x, -1\.7e\+308 to 1\.7e\+308, is wider than double precision"),
    ("y ~ bs(x, 3)", r"^bs\(x, 3\): the range of x, -1\.7e\+308 to 1\.7e\+308, is wider than double precision"),
    ("y ~ ns(x, df = 4) + z", r"^ns\(x, df = 4\): the range of x"),
    ("y ~ scale(x)", r"^scale\(x\): the root mean square of x's deviations .* overflows double precision"),
    ("y ~ scale(x, center = FALSE):z", r"^scale\(x, center = FALSE\): the root mean square"),
    ("y ~ poly(x, 2)", r"^poly\(x, 2\): the orthogonal polynomials cannot be computed in double precision"),
])
def test_refused_naming_the_call_without_numpy_warnings(formula, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(gs.FormulaError, match=match):
            gs.glm(formula, DATA)


def test_cut_gives_r_intervals():
    fit = gs.glm("y ~ cut(x, 3)", DATA)  # R: coef 2.1, 1, -0.06666667 (overflowing_ranges.R)
    np.testing.assert_allclose(fit.coef.to_numpy(), [2.1, 1.0, -0.06666667], rtol=1e-6)
    assert fit.nobs == 10


def test_ranges_within_double_precision_are_fitted():
    half = DATA.assign(x=DATA.x / 4)  # (range 8.5e307: finite, as are the squares' sum of scale()'s deviations / 1e154)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert gs.glm("y ~ ns(x, 3)", half).nobs == 10
        assert gs.glm("y ~ bs(x, 3)", half).nobs == 10
        assert gs.glm("y ~ scale(x)", DATA.assign(x=DATA.x / 1e160)).nobs == 10
