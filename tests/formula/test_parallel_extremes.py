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


def test_a_column_filled_by_its_term_counts_no_dropped_row():
    # rows 0-2 miss x, rows 1-4 miss z, which ifelse() fills: the rows dropped are x's (R's na.omit keeps the
    # others), and z is not named for rows 1 and 2, which it did not drop
    d = pd.DataFrame({"y": np.arange(10.0) % 4, "x": [np.nan] * 3 + [float(v) for v in range(1, 8)],
                      "z": [1.0] + [np.nan] * 4 + [float(v) for v in range(2, 7)]})
    with pytest.warns(gs.DroppedRowsWarning, match=r"3 of 10 rows dropped for missing values \(x: 3\)$"):
        fit = gs.glm("y ~ ifelse(is.na(z), 0, z) + x", d)
    assert fit.dropped_by == {"x": 3} and list(fit.rows_used) == list(range(3, 10))
    with pytest.warns(gs.DroppedRowsWarning, match=r"5 of 10 rows dropped for missing values \(x: 3, z: 4\)$"):
        assert gs.glm("y ~ z + x", d).dropped_by == {"x": 3, "z": 4}
