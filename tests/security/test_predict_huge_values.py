"""New data far beyond the fitted range, values of 1e101 to 1e200: a spline basis extrapolated there, and an
interaction of such values, overflowed inside numpy, whose warnings ("overflow encountered in square", "invalid
value encountered in matmul") came out of ``predict()`` beside its result (under ``-W error``, tracebacks), and
``glm()``'s refusal of an interaction column of infinite values came after numpy's "overflow encountered in
multiply"; and the standard error of a finite design row whose products with the covariance overflowed came out NaN
(inf - inf inside x'V), where R's sum of squares of x' R^{-1} overflows to Inf.  The overflows are now silent (the
values are R's: Inf, and NaN where R's are), and such a row's standard error is computed on the row scaled by a
power of two (exact) and scaled back: Inf where its square overflows, as R's.

Reference numbers: R 4.2.2 (splines), ``f <- glm(fo, poisson, d)`` for each formula below on ``d`` as ``D`` here,
``predict(f, data.frame(x = c(1e101, -1e200, 1), z = 1.5), type = "link", se.fit = TRUE)`` and ``type = "terms"``
(digits = 16); R warns
"some 'x' values beyond boundary knots may cause ill-conditioned bases" for ``bs()``.  ``convergence="R"``: R's
iterations, whose last step R's standard errors are of.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"x": [0.6, 0.9, 1.1, 1.3, 1.6, 1.8, 2.1, 2.4, 2.7, 2.9, 1.0, 2.0],
                  "z": [1.1, 1.9, 1.4, 1.2, 1.8, 1.5, 1.3, 1.7, 1.6, 1.0, 1.2, 1.9],
                  "y": [1, 2, 2, 3, 2, 4, 5, 4, 6, 7, 2, 4]})
NEW = pd.DataFrame({"x": [1e101, -1e200, 1.0], "z": 1.5})
NAN, INF = float("nan"), float("inf")
R = {  # formula: (fit, se) of the three new rows, then the one term's (fit, se) of type = "terms"
    "y ~ x:z": ([4.758020138950479e+100, -4.758020138950479e+199, 8.690886225066401e-01],
                [2.092037667898220e+100, INF, 2.498841436769374e-01],
                [4.758020138950479e+100, -4.758020138950479e+199, -3.193160182140100e-01],
                [2.092037667898220e+100, INF, 1.403989723789472e-01]),
    "y ~ bs(x, 4)": ([1.492228955169258e+302, NAN, 6.799605793249714e-01], [INF, NAN, 0.3767044448706967],
                     [1.492228955169258e+302, NAN, -4.492122187509554e-01], [INF, NAN, 0.2961411581108502]),
    "y ~ ns(x, 3)": ([6.618039575026698e+100, -1.277641622202620e+200, 6.555878711570088e-01],
                     [8.392685036417276e+100, INF, 3.240489184523629e-01],
                     [6.618039575026698e+100, -1.277641622202620e+200, -4.754284100611446e-01],
                     [8.392685036417276e+100, INF, 2.156023475919021e-01]),
}


def _close(got, expected) -> None:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    assert np.array_equal(np.isnan(got), np.isnan(expected)), (got, expected)
    assert np.array_equal(np.isinf(got), np.isinf(expected)), (got, expected)
    finite = np.isfinite(expected)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-6, atol=0)


@pytest.mark.parametrize("formula", list(R))
def test_predictions_far_beyond_the_data_are_rs_without_numpy_warnings(formula):
    fit = gs.glm(formula, D, family=gs.Poisson(), convergence="R")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        link = fit.predict(NEW, type="link", se_fit=True)
        fit.predict(NEW, se_fit=True, interval="confidence")
        terms = fit.predict(NEW, type="terms", se_fit=True)
    _close(link["fit"], R[formula][0])
    _close(link["se"], R[formula][1])
    _close(terms.iloc[:, 0], R[formula][2])
    _close(terms.iloc[:, 1], R[formula][3])


def test_an_interaction_that_overflows_is_refused_without_numpy_warnings():
    data = D.assign(x=D["x"].where(D.index != 9, 1e200), z=D["z"].where(D.index != 9, 1e200))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(gs.DataError, match="'x:z' has infinite values"):
            gs.glm("y ~ x:z", data, family=gs.Poisson())
