"""``convergence="R"`` where R's least squares sets a column aside midway while the estimate still uses it
(tests/fixtures/rdefault_aliased_midway, made by ``scripts/make_rdefault_aliased_midway.R``).

``y ~ g``, cauchit link, level a all 1: the coefficients run off along (1, -1) until, at iteration 25, the
vanishing working weights of level a put gb below R's QR tolerance.  R gives gb coefficient NA and solves for the
intercept on the working response z = eta + r, whose eta still includes gb's -2e7: level b's own, 0.577 (deviance
5.44).  glmstat set gb's coefficient to 0 after a step solved for the change only, which left the intercept at 2e7
for both levels (deviance 36.19).  Found on the held-out random case s701_0174 (quasibinomial, prior weights).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, family_of

HERE = FIXTURES / "rdefault_aliased_midway"
REF = json.loads((HERE / "r.json").read_text())


@pytest.mark.parametrize("family", ["binomial", "quasibinomial"])
def test_the_column_aliased_midway_hands_its_share_to_the_others_as_in_r(family):
    ref = REF[family]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], pd.read_csv(HERE / "data.csv"), family=family_of(ref["family"]),
                     convergence="R")
    assert fit.iterations == ref["iterations"] and fit.converged == ref["converged"]
    assert fit.boundary == ref["boundary"]
    assert_close(fit.coef, ref["coefficients"], rtol=1e-8)
    assert_close(fit.std_errors, ref["std_errors"], rtol=1e-8)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-8)
    assert_close([fit.dispersion], [ref["dispersion"]], rtol=1e-8)


def test_the_trace_marks_a_column_by_the_least_squares_that_made_the_iterate_as_r():
    # R's fit stopped at maxit = k (the fixture's trace): gb is NA at iteration 25 only, whose QR pivoted it out.  The
    # trace marked it by the factor at each iterate instead -- NaN at 24 (whose gb, -2.3e7, made the means and the
    # deviance) and 0 at 25 -- and took the means and log-likelihood at 24 without it (-18.09 for R's -1.91).  Found
    # on random s759_0031 (Tweedie, identity link; R's default control), whose QR sets two columns aside at iteration 7.
    ref = REF["binomial"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], pd.read_csv(HERE / "data.csv"), family=family_of(ref["family"]),
                     convergence="R")
    trace, its = fit.trace, ref["trace"]
    assert len(trace) == len(its) == 25
    got = trace[["Intercept", "g[T.b]"]].to_numpy()
    want = np.array([[np.nan if v is None else v for v in it["coefficients"]] for it in its])
    assert np.array_equal(np.isnan(got), np.isnan(want)) and np.isnan(want).sum() == 1 and np.isnan(want[24, 1])
    # (the run-off's coefficients, 2.3e7 at iteration 24, come from solves under weights of 1e-22 and carry their
    # rounding: R's and glmstat's part by 1e-12 in the first iterations, 1.2e-5 at the 24th)
    assert_close(got, want, rtol=2e-5)
    assert_close(trace["deviance"], [it["deviance"] for it in its], rtol=1e-8)
    assert_close(trace["loglik"], [it["loglik"] for it in its], rtol=1e-8)
    assert_close(fit.trace_fitted.to_numpy().T, [it["fitted"] for it in its], rtol=1e-8)
