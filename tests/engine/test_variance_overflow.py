"""A variance that overflows where the mean does not: R's glm.fit goes on, and so does glmstat.

R 4.2 (fixtures/variance_overflow, make_variance_overflow.R): an inverse Gaussian log-link model whose second
Fisher step, halved once after a non-finite deviance, has a mean of 1e107 whose variance mu^3 is Inf.  That
row's working weight is 0 and its working residual finite, so R's glm.fit takes the point and meets its
criterion 6 iterations on.  glmstat took an infinite variance for a point outside the domain and halved again:
``convergence="R"`` then left R's path and failed ("step-halving exhausted") where R returns its fit.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "variance_overflow"
R = json.loads((HERE / "r.json").read_text())


def fit(**kw) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.ConvergenceWarning)  # (R's default stops short of the optimum)
        return gs.glm(R["formula"], pd.read_csv(HERE / "data.csv"), family=gs.InverseGaussian(link="log"), **kw)


def test_the_fixture_overflows_the_variance_in_r():
    assert not R["second_step"]["variance_is_finite"] and R["second_step"]["max_eta"] < 700  # (exp(eta) finite)
    assert "step size truncated due to divergence" in R["warnings"]
    assert R["iter_from_optimum"] == 1 and R["optimum"]["deviance"] < R["r_default"]["deviance"]


def test_r_convergence_keeps_r_path_through_the_overflowing_variance():
    f = fit(convergence="R")
    want = R["r_default"]
    assert f.converged == want["converged"] and f.iterations == want["iter"]
    np.testing.assert_allclose(f.coef, want["coefficients"], rtol=1e-8)
    np.testing.assert_allclose(f.std_errors, want["std_errors"], rtol=1e-8)
    np.testing.assert_allclose([f.deviance, f.dispersion], [want["deviance"], want["dispersion"]], rtol=1e-8)


def test_exact_fit_reaches_the_optimum():
    f = fit()
    want = R["optimum"]
    assert f.converged
    np.testing.assert_allclose(f.coef, want["coefficients"], rtol=1e-8)
    np.testing.assert_allclose(f.std_errors, want["std_errors"], rtol=1e-8)
    np.testing.assert_allclose([f.deviance, f.dispersion], [want["deviance"], want["dispersion"]], rtol=1e-10)
