"""A design wider than its rows, of the shape of the formula fuzz's seed 1509 (4,680 columns on 200 rows, whose fit
was slow): ``f1 * f2 * f3 + poly(x, 3):f1`` (168 columns on 60 rows, most cells without a row) and ``f1:f2:f3 + x -
1``, with weights, kept as codes (a structured design).  R's model.matrix (names, order and values of the columns)
and glm (aliased columns, rank, coefficients, deviance, fitted values).  Reference: R 4.2,
tests/fixtures/scripts/make_wide_interactions.R."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name
from glmstat.design.structured import StructuredDesign

REF = json.loads((FIXTURES / "wide_interactions" / "wide_interactions.json").read_text())
DATA = pd.DataFrame(REF["data"])


@pytest.mark.parametrize("case", REF["fits"], ids=lambda c: c["formula"])
def test_wide_design_and_fit_are_r_s(case):
    fit = gs.glm(case["formula"], DATA, weights="w")
    assert isinstance(fit.model_frame.design, StructuredDesign)
    assert [r_coef_name(c) for c in fit.column_names] == case["columns"]
    X = np.asarray(case["X"]).reshape(len(case["columns"]), -1).T
    np.testing.assert_allclose(fit.model_frame.X, X, rtol=1e-12, atol=1e-14)
    r_coef = np.array([np.nan if c is None else c for c in case["coefficients"]])
    assert np.isnan(fit.coef.to_numpy()).tolist() == np.isnan(r_coef).tolist()
    assert fit.rank == case["rank"]
    assert_close(fit.coef, r_coef, rtol=1e-6)
    assert_close(fit.deviance, case["deviance"], rtol=1e-6)
    assert_close(fit.fitted_values, case["fitted"], rtol=1e-8)
