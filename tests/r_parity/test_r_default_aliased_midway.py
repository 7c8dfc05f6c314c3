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
