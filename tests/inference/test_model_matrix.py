"""fit.model_matrix(): the design as a DataFrame, against R's model.matrix (fixtures/model_matrix, made by
make_model_matrix.R), and refused where a wide factor's dense design would pass the design limit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close


def test_model_matrix_as_r():
    """fit.model_matrix() and model_matrix(newdata) against R's model.matrix of the fit and of new rows
    (fixtures/model_matrix, make_model_matrix.R): poly() made on every row before the row with a missing wt is
    dropped, as R's model.frame makes it, and a factor's interaction with a number."""
    ref = json.loads((FIXTURES / "model_matrix" / "ref.json").read_text())
    d = pd.read_csv(FIXTURES / "data" / "mtcars.csv")
    d.loc[4, "wt"] = np.nan
    fit = gs.glm(ref["formula"], d)
    X = fit.model_matrix()
    assert len(X.columns) == len(ref["columns"]) and list(X.index + 1) == ref["rows"]
    assert_close(X.to_numpy(), np.array(ref["X"]).T, rtol=1e-12, atol=1e-14)
    new = fit.model_matrix(d.iloc[[r - 1 for r in ref["new_rows"]]])
    assert_close(new.to_numpy(), np.array(ref["new_X"]).T, rtol=1e-12, atol=1e-14)


def test_a_wide_factor_s_model_matrix_is_refused_beyond_the_design_limit():
    """A 300-level factor over 10,000 rows fits as its codes (well within 10 MB); dense, its design would take
    24 MB (10,000 x 301 doubles), and model_matrix() says so instead of expanding it."""
    rng = np.random.default_rng(2)
    d = pd.DataFrame({"g": rng.integers(0, 300, 10_000).astype(str), "y": rng.normal(size=10_000)})
    fit = gs.glm("y ~ g", d, limits=gs.FormulaLimits(max_design_bytes=10 * 2**20))
    with pytest.raises(gs.GLMStatError, match=r"10,000 rows and 300 columns would take 23 MB dense"):
        fit.model_matrix()
    assert fit.model_matrix(d.head(5)).shape == (5, 300)
