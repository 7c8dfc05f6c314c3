"""Predictions at new rows missing a variable that enters aliased columns only, as R's ``predict.glm`` gives them
(tests/fixtures/predict_aliased_missing, from make_predict_aliased_missing.R): R keeps the row (``na.pass``) and
multiplies its kept columns only, so the row has a fit and a standard error; a row missing a variable of a kept
column has none.  glmstat gave NaN for both kinds.  The same from a few rows (a dense design), from many (a
structured one) and from a Parquet file of new data read a chunk at a time."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_values

HERE = FIXTURES / "predict_aliased_missing"
REF = json.loads((HERE / "r.json").read_text())
FAMILIES = {"gaussian": gs.Gaussian(), "binomial": gs.Binomial()}


def fit_case(ref: dict) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.AliasingWarning)
        return gs.glm(ref["formula"], pd.DataFrame(ref["data"]), family=FAMILIES[ref["family"]], tol=1e-12)


def new_rows(ref: dict, repeat: int = 1) -> pd.DataFrame:
    new = pd.DataFrame(ref["new"]).fillna(np.nan)
    return pd.concat([new] * repeat, ignore_index=True) if repeat > 1 else new


def check(pred: pd.DataFrame, ref: dict, scale: str, repeat: int = 1) -> None:
    for ours, r in (("fit", scale), ("se", f"{scale}_se")):
        want = np.tile(r_values(ref[r]), repeat)
        got = pred[ours].to_numpy()
        assert np.array_equal(np.isnan(got), np.isnan(want)), (ours, got, want)
        assert_close(got, want, rtol=1e-8)


@pytest.mark.parametrize("case", sorted(REF))
def test_the_aliased_columns_are_r_s(case):
    ref = REF[case]
    fit = fit_case(ref)
    aliased = np.isnan(fit.coef.to_numpy())
    assert aliased.sum() == len(ref["aliased"])
    assert_close(fit.coef.to_numpy()[~aliased], r_values(ref["coefficients"])[~aliased], rtol=1e-8)


@pytest.mark.parametrize("scale", ["link", "response"])
@pytest.mark.parametrize("repeat", [1, 20_000], ids=["dense", "structured"])
@pytest.mark.parametrize("case", sorted(REF))
def test_a_row_missing_only_an_aliased_variable_is_predicted_as_r(case, repeat, scale):
    ref = REF[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.AliasingWarning)
        pred = fit_case(ref).predict(new_rows(ref, repeat), type=scale, se_fit=True)
    check(pred, ref, scale, repeat)


@pytest.mark.parametrize("case", sorted(REF))
def test_from_a_parquet_file_of_new_rows(case, tmp_path):
    pytest.importorskip("pyarrow")
    ref = REF[case]
    path = tmp_path / "new.parquet"
    new_rows(ref, 50).to_parquet(path, row_group_size=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.AliasingWarning)
        pred = fit_case(ref).predict(str(path), type="response", se_fit=True)
    check(pred, ref, "response", 50)


@pytest.mark.parametrize("case", sorted(REF))
def test_the_row_is_said_to_be_not_estimable(case):
    """Its prediction sets the aliased coefficients to 0, which the data do not determine: said as for a row
    whose aliased columns break their relation."""
    ref = REF[case]
    with pytest.warns(gs.AliasingWarning, match="missing or not the combination"):
        fit_case(ref).predict(new_rows(ref))
