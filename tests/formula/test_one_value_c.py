"""R's ``c()`` of one value is that value, so an argument that asks for one number or text takes it:
``scale(x, center = c(2))``, ``log(z, c(10))``, ``round(x, c(1))``, ``poly(x, c(2))``, ``relevel(g, ref =
c("b"))``, ``C(g, base = c(2))``, ``ns(z, df = c(2))``, ``pmin(x, c(0))``, ``match(g, c("b"), nomatch = c(0))``.
glmstat's ``c()`` gave a vector of one value, which those arguments refused ("center must be a number").  Found
beside a randomized comparison of the formula coder with R (seed 1506).  Reference: R 4.2,
tests/fixtures/scripts/make_one_value_c.R."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name

REF = json.loads((FIXTURES / "one_value_c" / "one_value_c.json").read_text())
DATA = pd.DataFrame(REF["data"])


@pytest.mark.parametrize("case", REF["fits"], ids=lambda c: c["formula"][4:])
def test_c_of_one_value_is_the_value(case):
    fit = gs.glm(case["formula"], DATA)
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)
    assert fit.nobs == case["nobs"]
    if not case["formula"].startswith("y ~ C("):  # (R names the columns of C(g, base =) by position)
        assert [r_coef_name(c) for c in fit.column_names] == case["columns"]
