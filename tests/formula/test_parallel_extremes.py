"""pmax()/pmin() with na.rm = TRUE and is.element(): their values on columns with NA, NaN and +-Inf; fits that use
them and that fill missing values (the rows kept are R's na.omit's, by the terms' values), against R 4.2
(tests/fixtures/parallel_extremes, made by scripts/make_parallel_extremes.R)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_values, r_double

HERE = FIXTURES / "parallel_extremes"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=["NA", "NaN"])


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_values_are_r_s(expr):
    want = np.array([r_double(v) for v in REF["values"][expr]])
    got = expression_values(DATA, expr)
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got, want)
    assert np.array_equal(got[~np.isnan(want)], want[~np.isnan(want)])


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    # (R's na.omit of the model frame: a row missing w is kept where the term's value is known -- the
    # missing-indicator idiom, replace(), w > 3 | k > 2 where k > 2 -- and dropped where it is not)
    fit = assert_fit_is_r_s(ref, DATA, gs.Poisson())
    assert_close(fit.deviance, ref["deviance"], rtol=1e-9)


def test_rows_dropped_are_counted_under_the_column_missing_there():
    with pytest.warns(gs.DroppedRowsWarning, match=r"2 of 12 rows dropped for missing values \(w: 2\)"):
        fit = gs.glm("y ~ I(w > 3 | k > 2)", DATA, family=gs.Poisson())
    assert fit.dropped_by == {"w": 2}


def test_na_rm_must_be_true_or_false():
    with pytest.raises(gs.FormulaError, match="na.rm"):
        expression_values(DATA, "pmax(x, z, na.rm = w)")
    with pytest.raises(gs.FormulaError, match="na.rm"):
        expression_values(DATA, "pmax(x, z, narm = TRUE)")


@pytest.mark.parametrize("stream", ["parquet", "dask"])
@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_streamed_rows_are_the_same(ref, stream, tmp_path):
    # (each chunk of 5 rows decides its rows by the terms' values as the whole frame does)
    from streamed_cases import as_streamed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        mem = gs.glm(ref["formula"], DATA, family=gs.Poisson())
        streamed = gs.glm(ref["formula"], as_streamed(DATA, stream, tmp_path, rows=5), family=gs.Poisson())
    assert streamed.nobs == ref["nobs"] and streamed.dropped_by == mem.dropped_by
    assert_close(streamed.coef, ref["coef"], rtol=1e-7)
