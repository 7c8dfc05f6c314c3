"""Predictions at new rows with a missing offset, an offset of log(0), or a variable whose transformation is
infinite or undefined there, as R's ``predict.glm(se.fit = TRUE, na.action = na.pass)``
(tests/fixtures/predict_missing_offset, from make_predict_missing_offset.R).  A row whose only missing value is
its offset has, in R, the link-scale standard error of x'b (the offset does not enter it) and NA for the fit and
on the response scale; glmstat gave NaN for that standard error when the offset came from an ``offset()`` term or
an ``offset=`` column name (and R's number when it was passed as ``predict(offset=...)``).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_values

HERE = FIXTURES / "predict_missing_offset"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
NEW = pd.read_csv(HERE / "newdata.csv")


def fit_case(ref: dict) -> gs.GLMResults:
    return gs.glm(ref["formula"], DATA, family=gs.Poisson(), offset=ref["offset"])


def check(pred: pd.DataFrame, ref: dict, scale: str) -> None:
    for ours, r in (("fit", f"{scale}_fit"), ("se", f"{scale}_se")):
        want = r_values(ref[r])
        got = pred[ours].to_numpy()
        assert np.array_equal(np.isnan(got), np.isnan(want)), (ours, got, want)
        assert_close(got, want, rtol=1e-8)


@pytest.mark.parametrize("ref", REF, ids=[r["id"] for r in REF])
@pytest.mark.parametrize("scale", ["link", "response"])
def test_predictions_at_missing_and_infinite_values_as_r(ref, scale):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no numpy warning reaches the user)
        pred = fit_case(ref).predict(NEW, type=scale, se_fit=True, interval="confidence")
    check(pred, ref, scale)
    nan_fit = np.isnan(pred["fit"].to_numpy())
    assert np.isnan(pred.loc[nan_fit, ["lower", "upper"]].to_numpy()).all()  # no interval about a missing fit


def test_missing_offset_alike_from_a_term_a_column_and_predict_offset():
    """The three ways a model takes its offset predict a row with a missing offset alike (predict(offset=)
    refuses an infinite offset: the row of log(0) is left out)."""
    finite = NEW["t"].ne(0).to_numpy()
    by_term = fit_case(REF[0]).predict(NEW[finite], type="link", se_fit=True)
    by_array = gs.glm("y ~ log(x) + g", DATA, family=gs.Poisson(), offset=DATA["lt"].to_numpy()).predict(
        NEW[finite], type="link", se_fit=True, offset="lt")
    assert_close(by_array, by_term.to_numpy(), rtol=1e-12)
    assert_close(by_term["se"], r_values(REF[0]["link_se"])[finite], rtol=1e-8)
    assert np.isnan(by_term["fit"].to_numpy()[NEW["t"][finite].isna().to_numpy()]).all()


def test_missing_offset_in_streamed_new_data(tmp_path):
    path = tmp_path / "new.parquet"
    NEW.to_parquet(path, row_group_size=3)
    ref = REF[0]
    pred = fit_case(ref).predict(str(path), type="link", se_fit=True)
    check(pred.reset_index(drop=True), ref, "link")
