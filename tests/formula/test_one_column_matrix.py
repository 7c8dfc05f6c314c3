"""A term whose value is a matrix of one column -- ``poly(x, 1)``, ``poly(x, 1, raw = TRUE)``, ``ns(z, df = 1)``,
``bs(z, df = 1, degree = 1)`` -- is named by the variable alone, as R's model.matrix names any one-column matrix
(``poly(x, 1)``, ``poly(x, 1):g``); glmstat named it ``poly(x, 1)[1]``, a name R's users could not find (nor a
hypothesis ``"poly(x, 1) = 0"``).  A randomized comparison of the formula coder with R (seed 1506) found it.
Reference: R 4.2, tests/fixtures/scripts/make_one_column_matrix.R."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name

REF = json.loads((FIXTURES / "one_column_matrix" / "one_column_matrix.json").read_text())
DATA = pd.DataFrame(REF["data"])


@pytest.mark.parametrize("case", REF["fits"], ids=lambda c: c["formula"][4:])
def test_a_one_column_matrix_is_named_as_r_names_it(case):
    fit = gs.glm(case["formula"], DATA)
    assert [r_coef_name(c) for c in fit.column_names] == case["columns"]
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)


def test_a_one_column_matrix_is_tested_and_predicted_by_its_name():
    case = REF["fits"][0]
    fit = gs.glm(case["formula"], DATA)
    assert list(fit.coef.index) == ["Intercept", "poly(x, 1)"]
    assert_close(fit.wald_test(["poly(x, 1) = 0"]).statistic, fit.statistic.iloc[1] ** 2, rtol=1e-9)
    assert_close(fit.predict(DATA.iloc[:5]), fit.fitted_values.iloc[:5], rtol=1e-12)
