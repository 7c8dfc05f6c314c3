"""Predictions: fit and delta-method se against R's predict.glm, Wald intervals on the link scale, new-data
encoding (missing columns, unseen levels, missing values, offsets) and aliased coefficients."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glmstat as gs
from conftest import assert_close, load_data, load_ref
from inference_refs import REF_CASES, extra_fit, extra_ids, load_extra, ref_fit

PREDICTIONS = {  # reference field -> (type, column)
    "predict_link": ("link", "fit"),
    "predict_link_se": ("link", "se"),
    "predict_response": ("response", "fit"),
    "predict_response_se": ("response", "se"),
}


def _newdata(ref):
    return load_data(ref["data"]).iloc[[i - 1 for i in ref["predict_rows"]]]


@pytest.mark.parametrize("case_id", REF_CASES)
@pytest.mark.parametrize("field", list(PREDICTIONS))
def test_predict_matches_r(case_id, field):
    ref = load_ref(case_id)
    kind, col = PREDICTIONS[field]
    p = ref_fit(case_id).predict(_newdata(ref), type=kind, se_fit=True)
    assert list(p.columns) == ["fit", "se"]
    assert_close(p[col], ref[field])


@pytest.mark.parametrize("case_id", extra_ids())
def test_confidence_intervals_match_r(case_id):
    """R: link-scale fit -/+ z se, through the inverse link for the response scale."""
    ref = load_extra(case_id)
    fit = extra_fit(case_id)
    nd = _newdata(ref)
    p = fit.predict(nd, type="link", interval="confidence")
    assert list(p.columns) == ["fit", "se", "lower", "upper"]
    assert_close(p["fit"], ref["predict_link"])
    assert_close(p["lower"], ref["ci_link_lower"])
    assert_close(p["upper"], ref["ci_link_upper"])
    q = fit.predict(nd, interval="confidence", level=0.90)
    assert_close(q["fit"], ref["predict_response"])
    assert_close(q["se"], ref["predict_response_se"])
    assert_close(q["lower"], ref["ci90_response_lower"])
    assert_close(q["upper"], ref["ci90_response_upper"])


@pytest.mark.parametrize("case_id", extra_ids())
def test_predict_se_uses_the_robust_covariance(case_id):
    ref = load_extra(case_id)
    robust = extra_fit(case_id).robust(cluster=ref["clusters"][0]["column"])
    assert_close(robust.predict(_newdata(ref), type="link", se_fit=True)["se"], ref["predict_link_se_cluster"])


@pytest.mark.parametrize("case_id", REF_CASES + ["students_seed"])
def test_predict_without_newdata_gives_the_fitted_values(case_id):
    fit = ref_fit(case_id)
    resp, link = fit.predict(), fit.predict(type="link")
    assert isinstance(resp, pd.Series) and resp.index.equals(fit.rows_used)
    assert_close(resp, fit.fitted_values, rtol=1e-12)
    assert_close(link, fit.linear_predictor, rtol=1e-12)
    assert_close(fit.predict(type="link", se_fit=True)["fit"], fit.linear_predictor, rtol=1e-12)


@pytest.mark.parametrize("case_id", REF_CASES)
def test_predict_training_rows_as_newdata_gives_the_fitted_values(case_id):
    ref = load_ref(case_id)
    fit = ref_fit(case_id)
    d = load_data(ref["data"]).iloc[[i - 1 for i in ref["rows_used"]]]
    assert_close(fit.predict(d, type="link"), ref["linear_predictor"])


def test_unseen_level_is_a_data_error_naming_it():
    fit = ref_fit("warpbreaks_poisson")
    nd = pd.DataFrame({"wool": ["A", "C"], "tension": ["L", "M"]})
    with pytest.raises(gs.DataError, match=r"'wool'.*\bC\b"):
        fit.predict(nd)
    with pytest.raises(gs.DataError, match=r"'tension'.*\bXL\b"):
        fit.predict(nd.assign(wool=["A", "B"], tension=["L", "XL"]), se_fit=True)


def test_missing_column_is_a_data_error_naming_it():
    fit = ref_fit("warpbreaks_poisson")
    with pytest.raises(gs.DataError, match="tension"):
        fit.predict(pd.DataFrame({"wool": ["A", "B"]}))
    # offset variables are needed too
    with pytest.raises(gs.DataError, match="service"):
        ref_fit("ships_offset").predict(load_data("ships").drop(columns="service"))


@pytest.mark.parametrize("kind", ["pyarrow", "polars"])
def test_newdata_as_a_pyarrow_table_or_a_polars_frame_gives_r_predictions(kind, ships_array_offset):
    """glm() reads these as pandas; predict() does too: R's predictions of the same rows, and an offset=
    column of such new data."""
    ref = load_ref("ships_offset")
    nd = _newdata(ref).reset_index(drop=True)
    convert = {"pyarrow": lambda d: pytest.importorskip("pyarrow").Table.from_pandas(d, preserve_index=False),
               "polars": lambda d: pytest.importorskip("polars").from_pandas(d)}[kind]
    p = ref_fit("ships_offset").predict(convert(nd), type="link", se_fit=True)
    assert_close(p["fit"], ref["predict_link"])
    assert_close(p["se"], ref["predict_link_se"])
    q = ships_array_offset.predict(convert(nd.assign(logs=np.log(nd.service))), offset="logs")
    assert_close(q, ref["predict_response"])


def test_newdata_of_another_type_is_refused_naming_its_exact_type():
    fit = ref_fit("warpbreaks_poisson")
    with pytest.raises(gs.DataError, match=r"^newdata must be a pandas DataFrame .* got numpy\.ndarray$"):
        fit.predict(np.ones((2, 2)))
    with pytest.raises(gs.DataError, match=r"got pandas\.(core\.series\.)?Series$"):
        fit.predict(pd.Series(["A", "B"], name="wool"))


def test_rows_with_missing_values_give_nan_and_keep_their_index():
    fit = ref_fit("warpbreaks_poisson")
    nd = pd.DataFrame({"wool": ["A", None, "B", "B"], "tension": ["L", "M", np.nan, "H"]},
                      index=["r1", "r2", "r3", "r4"])
    p = fit.predict(nd, se_fit=True, interval="confidence")
    assert list(p.index) == ["r1", "r2", "r3", "r4"]
    assert p.loc[["r2", "r3"]].isna().all().all()
    assert p.loc[["r1", "r4"]].notna().all().all()
    full = fit.predict(nd.loc[["r1", "r4"]], se_fit=True, interval="confidence")
    pd.testing.assert_frame_equal(p.loc[["r1", "r4"]], full)
    s = fit.predict(nd)
    assert list(s.index) == ["r1", "r2", "r3", "r4"] and s.isna().tolist() == [False, True, True, False]


def test_new_data_of_no_rows_gives_no_predictions():
    """R: predict(m, newdata[0, ], se.fit = TRUE) is numeric(0) (fit and se), as a Parquet file of no rows gives
    here; it raised "newdata has no rows".  A column the model uses is still required."""
    fit = ref_fit("ships_offset")
    nd = load_data("ships").iloc[:0]
    s = fit.predict(nd)
    assert isinstance(s, pd.Series) and len(s) == 0 and s.index.equals(nd.index)
    p = fit.predict(nd, type="link", interval="confidence")
    assert list(p.columns) == ["fit", "se", "lower", "upper"] and len(p) == 0 and p.index.equals(nd.index)
    with pytest.raises(gs.DataError, match="lacks the column"):
        fit.predict(nd.drop(columns="service"))


def test_offsets_are_evaluated_on_the_new_data():
    """offset(log(service)): doubling the exposure adds log(2) to eta and doubles the mean."""
    ref = load_ref("ships_offset")
    fit = ref_fit("ships_offset")
    nd = load_data("ships").iloc[[i - 1 for i in ref["rows_used"][:6]]]
    base = fit.predict(nd, type="link")
    doubled = fit.predict(nd.assign(service=2 * nd.service), type="link")
    np.testing.assert_allclose(doubled - base, np.log(2), rtol=1e-12)
    np.testing.assert_allclose(fit.predict(nd.assign(service=2 * nd.service)), 2 * fit.predict(nd), rtol=1e-12)


def test_offset_argument_column_is_evaluated_on_the_new_data():
    d = load_data("ships")
    d = d[d.service > 0].assign(logs=lambda x: np.log(x.service))
    fit = gs.glm("incidents ~ type + period", d, family=gs.Poisson(), offset="logs")
    nd = d.head(4)
    np.testing.assert_allclose(fit.predict(nd.assign(logs=nd.logs + 1.0), type="link") - fit.predict(nd, type="link"),
                               1.0, rtol=1e-12)


def test_aliased_coefficients_count_as_zero_and_are_left_out_of_the_se():
    """A fit with an aliased column predicts (fit and se) exactly as the fit without that column."""
    rng = np.random.default_rng(7)
    d = pd.DataFrame({"x1": rng.normal(size=40), "x2": rng.normal(size=40)})
    d["x3"] = d.x1 + d.x2
    d["y"] = rng.poisson(np.exp(0.3 + 0.2 * d.x1 - 0.1 * d.x2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        aliased = gs.glm("y ~ x1 + x2 + x3", d, family=gs.Poisson(), tol=1e-12)
    assert aliased.aliased == ["x3"]
    plain = gs.glm("y ~ x1 + x2", d, family=gs.Poisson(), tol=1e-12)
    nd = pd.DataFrame({"x1": [0.5, -1.0], "x2": [2.0, 0.1], "x3": [99.0, -3.0]})  # x3 breaks the relation
    for kind in ("link", "response"):
        with pytest.warns(gs.AliasingWarning, match=r"2 row\(s\) of the new data are not estimable.*'x3'"):
            a = aliased.predict(nd, type=kind, se_fit=True, interval="confidence")
        b = plain.predict(nd, type=kind, se_fit=True, interval="confidence")
        pd.testing.assert_frame_equal(a, b, rtol=1e-9)


def _zero_weight_level():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"x": rng.normal(size=30), "g": np.repeat(["a", "b", "c"], 10)})
    d["x2"] = 2 * d.x
    d["y"] = rng.poisson(2.0, 30)
    d["w"] = np.where(d.g == "c", 0.0, 1.0)  # nothing is learnt about level c
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.AliasingWarning)
        return d, gs.glm("y ~ x + x2 + g", d, family=gs.Poisson(), weights="w")


def test_new_rows_that_break_the_aliasing_are_said_not_estimable():
    """R predicts a level whose rows all had weight 0 (and x2 off its relation x2 = 2 x) with the aliased
    coefficients set to 0, warning only that a rank-deficient fit "may be misleading": the same numbers here, and
    an AliasingWarning that names the rows and columns whose predictions the data do not determine."""
    d, f = _zero_weight_level()
    assert f.aliased == ["x2", "g[T.c]"]
    nd = pd.DataFrame({"x": [0.0, 0.0, 1.0, 1.0], "x2": [0.0, 0.0, 5.0, 2.0], "g": ["a", "c", "b", "b"]})
    with pytest.warns(gs.AliasingWarning, match=r"2 row\(s\).*'x2', 'g\[T.c\]'.*set to 0"):
        p = f.predict(nd, se_fit=True)
    # (the aliased coefficients count as 0: level c is predicted as level a, x2 = 5 as x2 = 2)
    assert p["fit"].iloc[1] == p["fit"].iloc[0] and p["fit"].iloc[2] == p["fit"].iloc[3]
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.AliasingWarning)
        f.predict(d[d.w > 0])  # the rows fitted, and new rows that keep the relations: estimable, no warning
        f.predict(pd.DataFrame({"x": [3.0, -1e3], "x2": [6.0, -2e3], "g": ["b", "a"]}))
    with pytest.warns(gs.AliasingWarning, match=r"10 row\(s\).*'g\[T.c\]'"):
        f.predict(d)  # (the rows of weight 0 of level c)


def test_decreasing_inverse_link_keeps_lower_below_upper():
    fit = ref_fit("clotting_gamma")  # inverse link: mu decreases in eta
    p = fit.predict(interval="confidence")
    assert (p["lower"] < p["fit"]).all() and (p["fit"] < p["upper"]).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"type": "partial"}, "prediction type"),
    ({"interval": "prediction"}, "interval"),
    ({"interval": "confidence", "level": 1.5}, "level"),
    ({"interval": "confidence", "level": 0}, "level"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(gs.GLMStatError, match=match):
        ref_fit("dobson_poisson").predict(**kwargs)


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(12))))
def test_predictions_follow_the_rows_of_newdata(perm):
    """Predicting reordered rows gives the same predictions, reordered, with their index."""
    fit = ref_fit("budworm_cbind")
    nd = load_data("budworm")
    base = fit.predict(nd, se_fit=True)
    pd.testing.assert_frame_equal(fit.predict(nd.iloc[perm], se_fit=True), base.iloc[perm], rtol=1e-12)


# -- an offset given as an array -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ships_array_offset():
    """ships_offset's model with its offset log(service) given as an array instead of an offset() term."""
    d = load_data("ships")
    return gs.glm("incidents ~ type + year + period", d, family=gs.Poisson(), offset=np.log(d.service.to_numpy()),
                  tol=1e-12)


def test_an_offset_array_is_not_dropped_silently(ships_array_offset):
    nd = _newdata(load_ref("ships_offset"))
    with pytest.raises(gs.DataError, match=r"offset= an array.*predict\(newdata, offset="):
        ships_array_offset.predict(nd)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_an_offset_array_is_not_dropped_silently_from_streamed_new_data(ships_array_offset, kind, tmp_path):
    """Streamed new data cannot take the offset either: it predicted as if the offset were 0."""
    nd = _newdata(load_ref("ships_offset"))
    if kind == "parquet":
        pytest.importorskip("pyarrow")
        nd.to_parquet(tmp_path / "new.parquet")
        new = str(tmp_path / "new.parquet")
    else:
        new = pytest.importorskip("dask.dataframe").from_pandas(nd, npartitions=2)
    with pytest.raises(gs.DataError, match=r"offset= an array.*streamed new data.*refit with offset="):
        ships_array_offset.predict(new)


def test_the_offset_array_of_new_rows_gives_r_predictions(ships_array_offset):
    ref = load_ref("ships_offset")  # R: the same model with offset(log(service)), predicted on the same rows
    nd = _newdata(ref)
    for offset, data in ((np.log(nd.service.to_numpy()), nd), ("logs", nd.assign(logs=np.log(nd.service))),
                         (pd.Series(np.log(nd.service.to_numpy()), index=nd.index), nd),
                         (list(np.log(nd.service)), nd)):
        p = ships_array_offset.predict(data, type="link", se_fit=True, offset=offset)
        assert_close(p["fit"], ref["predict_link"])
        assert_close(p["se"], ref["predict_link_se"])
    response = ships_array_offset.predict(nd, offset=np.log(nd.service.to_numpy()))
    assert_close(response, ref["predict_response"])


def test_the_fitted_rows_keep_their_offset(ships_array_offset):
    ref = load_ref("ships_offset")
    assert_close(ships_array_offset.predict(type="link"), ref["linear_predictor"])
    with pytest.raises(gs.DataError, match="offset= goes with newdata"):
        ships_array_offset.predict(offset=np.zeros(34))


def test_an_offset_array_on_top_of_offset_terms_is_asked_for_too():
    ref = load_ref("ships_offset")
    d = load_data("ships")
    half = np.full(len(d), 0.5)
    fit = gs.glm("incidents ~ type + year + period + offset(log(service) - 0.5)", d, family=gs.Poisson(),
                 offset=half, tol=1e-12)
    nd = _newdata(ref)
    with pytest.raises(gs.DataError, match="offset= an array"):
        fit.predict(nd)
    assert_close(fit.predict(nd, type="link", offset=half[:len(nd)]), ref["predict_link"])


def test_offset_is_refused_where_the_model_reads_its_offset_from_new_data(ships_array_offset):
    nd = _newdata(load_ref("ships_offset"))
    with pytest.raises(gs.DataError, match="offset\\(\\) terms"):
        ref_fit("ships_offset").predict(nd, offset=np.zeros(len(nd)))
    d = load_data("ships").assign(logs=lambda x: np.log(x.service))
    by_column = gs.glm("incidents ~ type + period", d, family=gs.Poisson(), offset="logs")
    with pytest.raises(gs.DataError, match="column 'logs'"):
        by_column.predict(d.head(3), offset=np.zeros(3))
    with pytest.raises(gs.DataError, match="has no offset"):
        ref_fit("warpbreaks_poisson").predict(load_data("warpbreaks").head(2), offset=[0.0, 0.0])


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_offset_is_refused_alike_for_streamed_new_data(kind, tmp_path):
    """Streamed new data gave another reason (refit with offset= a column name) to a model that already reads
    its offset from a column, or has none: the refusal is the in-memory one."""
    d = load_data("ships").assign(logs=lambda x: np.log(x.service))
    if kind == "parquet":
        pytest.importorskip("pyarrow")
        d.head(6).to_parquet(tmp_path / "new.parquet")
        new = str(tmp_path / "new.parquet")
    else:
        new = pytest.importorskip("dask.dataframe").from_pandas(d.head(6), npartitions=2)
    by_column = gs.glm("incidents ~ type + period", d, family=gs.Poisson(), offset="logs")
    with pytest.raises(gs.DataError, match="takes its offset from the column 'logs'"):
        by_column.predict(new, offset="logs")
    with pytest.raises(gs.DataError, match="has no offset"):
        gs.glm("incidents ~ type + period", d, family=gs.Poisson()).predict(new, offset="logs")
    got = by_column.predict(new)
    got = got.compute() if kind == "dask" else got  # (a dask collection for dask new data)
    assert_close(got.to_numpy(), by_column.predict(d.head(6)).to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("offset, match", [
    (np.zeros(3), "has 3 values but the new data has 5 rows"),
    ("nope", "names no column"),
    ("type", "must be numeric"),
    (np.array([0, 1, 0, 1, 0], dtype=bool), "numbers only"),
    (["a"] * 5, "numbers only"),
    (np.array([0.0, np.inf, 0, 0, 0]), "infinite"),
    (1.5, "one number per row"),
    (pd.Series(np.zeros(5), index=list("abcde")), "index does not match"),
])
def test_bad_offsets_are_refused(ships_array_offset, offset, match):
    with pytest.raises(gs.DataError, match=match):
        ships_array_offset.predict(_newdata(load_ref("ships_offset")), offset=offset)


def test_a_missing_offset_value_gives_a_missing_prediction(ships_array_offset):
    nd = _newdata(load_ref("ships_offset"))
    off = np.log(nd.service.to_numpy())
    off[1] = np.nan
    p = ships_array_offset.predict(nd, offset=off)
    assert p.isna().tolist() == [False, True, False, False, False]


@pytest.mark.parametrize("family", [gs.Gaussian(), gs.Gamma(link="log")], ids=["gaussian", "gamma-log"])
def test_no_residual_df_gives_nan_standard_errors(family):
    # R: predict(glm(y ~ x + z, family, d), newdata, se.fit = TRUE) -> fit 2 (Gaussian), se.fit NaN; the
    # dispersion cannot be estimated, so no standard error is 0 and no interval has zero width
    d = pd.DataFrame({"y": [1.0, 3.0, 2.0], "x": [0.1, 0.5, 0.9], "z": [2.0, 1.0, 5.0]})
    with pytest.warns(gs.PerfectFitWarning):
        fit = gs.glm("y ~ x + z", d, family=family)
    new = fit.predict(pd.DataFrame({"x": [0.3], "z": [1.5]}), type="link", se_fit=True, interval="confidence")
    if isinstance(family, gs.Gaussian):
        assert new["fit"].iloc[0] == pytest.approx(2.0)
    old = fit.predict(type="response", se_fit=True, interval="confidence")
    np.testing.assert_allclose(old["fit"], d["y"])
    for table in (new, old):
        assert table[["se", "lower", "upper"]].isna().all().all()


@pytest.mark.parametrize("family", [gs.Poisson(), gs.Gaussian()], ids=["poisson", "gaussian"])
def test_intercept_only_model_predicts_every_row_of_a_parquet_path(family, tmp_path):
    """A model of the intercept alone reads no column of new data: its predictions of a Parquet path are one a
    row of the files (two files of several row groups), each the mean of y (the MLE of a constant mean, a closed
    form), where the read of no columns lost the rows and predicted none."""
    y = np.arange(10) % 3
    d = pd.DataFrame({"y": y, "x": np.arange(10.0)})
    (tmp_path / "new").mkdir()
    d.iloc[:7].to_parquet(tmp_path / "new" / "a.parquet", row_group_size=3)
    d.iloc[7:].to_parquet(tmp_path / "new" / "b.parquet", row_group_size=2)
    fit = gs.glm("y ~ 1", d, family=family)
    got = fit.predict(str(tmp_path / "new"), type="response")
    assert len(got) == 10
    np.testing.assert_allclose(np.asarray(got), np.full(10, y.mean()), rtol=1e-12)
    with_se = fit.predict(str(tmp_path / "new"), se_fit=True)
    in_memory = fit.predict(d, se_fit=True)
    assert with_se.shape == in_memory.shape
    np.testing.assert_allclose(np.asarray(with_se, dtype=float), np.asarray(in_memory, dtype=float), rtol=1e-12)
