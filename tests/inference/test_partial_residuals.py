"""Partial residuals, ``fit.residuals("partial")``: the working residuals plus ``predict(type="terms")``, a column
per term, against R's ``residuals(type = "partial")`` (fixtures/partial_residuals, make_partial_residuals.R): a
Poisson fit with a factor, a number, a poly() term and an offset, and a binomial fit of proportions with prior
weights (one of them 0) and a row dropped for a missing value; in memory, from Parquet and on dask."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from streamed_cases import as_streamed

HERE = FIXTURES / "partial_residuals"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"y ~ g + x + poly(t, 2) + offset(log(t))": (gs.Poisson(), None), "s / k ~ x2 + g": (gs.Binomial(), "w")}


def fitted(ref: dict, data) -> gs.GLMResults:
    family, weights = FAMILIES[ref["formula"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        return gs.glm(ref["formula"], data, family=family, weights=weights, tol=1e-12)


@pytest.mark.parametrize("ref", REF, ids=["poisson", "binomial"])
def test_partial_residuals_as_r(ref):
    d = pd.read_csv(HERE / "data.csv")
    part = fitted(ref, d).residuals("partial")
    assert list(part.columns) == ref["terms"]
    assert list(part.index) == [r - 1 for r in ref["rows"]]  # (row 9 of the binomial's data has no x2)
    for term, values in zip(ref["terms"], ref["partial"]):
        assert_close(part[term].to_numpy(), values, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_partial_residuals_streamed_equal_in_memory(kind, tmp_path):
    ref = REF[0]
    d = pd.read_csv(HERE / "data.csv")
    data = as_streamed(d, kind, tmp_path)
    streamed = fitted(ref, data).residuals("partial")
    streamed = streamed.compute() if kind == "dask" else streamed
    in_memory = fitted(ref, d).residuals("partial")
    assert list(streamed.columns) == ref["terms"]
    np.testing.assert_allclose(np.asarray(streamed, dtype=float), np.asarray(in_memory, dtype=float), rtol=1e-10)


def test_partial_is_named_among_the_kinds():
    fit = gs.glm("y ~ x", pd.DataFrame({"y": [1.0, 2.5, 2.9, 4.2], "x": [1.0, 2, 3, 4]}))
    with pytest.raises(gs.GLMStatError, match="use one of deviance, pearson, working, response, partial, quantile"):
        fit.residuals("partials")
