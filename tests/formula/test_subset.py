"""``glm(subset=)`` as R's ``subset``: variables evaluated on every row first (``scale()``, ``poly()`` and
``quantile()`` learn from all of them), the rows the condition keeps taken, unused levels dropped, rows with a
missing value -- the condition's among them -- dropped and counted; refits (anova, drop1, update) on the same
rows.  R's fits from tests/fixtures/subset (scripts/make_subset.R)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name

REF = json.loads((FIXTURES / "subset" / "ref.json").read_text())
_FILES = {"mt": "mtcars", "aq": "airquality", "wb": "warpbreaks", "es": "esoph", "cs": "cars", "is": "insectsprays"}
DATA = {k: pd.read_csv(FIXTURES / "data" / f"{f}.csv") for k, f in _FILES.items()}
FAMILIES = {"binomial()": gs.Binomial(), "poisson()": gs.Poisson(), 'Gamma(link = "log")': gs.Gamma(link="log"),
            "gaussian()": gs.Gaussian()}
IDS = [r["subset"] for r in REF]


def _fit(ref: dict, data=None, subset=None) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(ref["formula"], DATA[ref["data"]] if data is None else data, family=FAMILIES[ref["family"]],
                      subset=ref["subset"] if subset is None else subset, tol=1e-12, max_iter=100)


@pytest.mark.parametrize("ref", REF, ids=IDS)
def test_fits_are_r_s(ref):
    fit = _fit(ref)
    assert [r_coef_name(n) for n in fit.coef.index] == ref["coef_names"]
    assert (fit.nobs, fit.n_dropped) == (ref["nobs"], ref["n_dropped"])
    assert list(np.asarray(fit.rows_used) + 1) == ref["rows_used"]
    assert_close(fit.coef, ref["coef"], rtol=1e-7)
    assert_close(fit.std_errors, ref["se"], rtol=1e-6)
    assert_close([fit.null_deviance, fit.deviance, fit.aic], [ref["null_deviance"], ref["deviance"], ref["aic"]],
                 rtol=1e-9)
    assert fit.df_null == ref["df_null"]


@pytest.mark.parametrize("ref", REF, ids=IDS)
def test_refits_use_the_same_rows(ref):
    fit = _fit(ref)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        assert_close(fit.anova()["resid_dev"], ref["anova_resid_dev"], rtol=1e-8)
        assert_close(fit.drop1()["deviance"], ref["drop1_deviance"], rtol=1e-8)
        if "update_coef" in ref:
            assert_close(fit.update(". ~ . - 1").coef, ref["update_coef"], rtol=1e-6)


@pytest.mark.parametrize("ref", REF, ids=IDS)
def test_the_call_shows_the_condition_as_r_deparses_it(ref):
    # (then the fit's control, in glm()'s order of arguments: _fit's tol and max_iter, as R records them)
    text = f"subset = {ref['subset_deparsed']}, control = glm.control(epsilon = 1e-12, maxit = 100))"
    assert text in " ".join(str(_fit(ref).summary()).split())


def test_a_missing_condition_drops_the_row_and_counts_it():
    # R: a row where subset is NA becomes a row of NAs, which na.omit drops (Solar.R has 7 missing values)
    ref = next(r for r in REF if r["subset"] == "Solar.R > 150")
    fit = _fit(ref)
    assert fit.dropped_by == {"subset Solar.R > 150": 7}


def test_a_summary_of_missing_values_is_na_in_the_condition_only():
    # R: quantile() of a column with missing values stops whatever follows (median() is NA, see the fixture);
    # in a term of the formula glmstat refuses the NA median, which would make every row missing
    aq = DATA["aq"]
    with pytest.raises(gs.DataError, match=r"^quantile\(Ozone, 0.5\): Ozone has 37 missing value"):
        gs.glm("Wind ~ Temp", aq, subset="Ozone > quantile(Ozone, 0.5) | Month == 5")
    with pytest.raises(gs.DataError, match=r"^median\(Ozone\): Ozone has 37 missing value"):
        gs.glm("Wind ~ I(Temp - median(Ozone))", aq, subset="Ozone > median(Ozone) | Month == 5")


def test_values_are_the_condition():
    ref = next(r for r in REF if r["subset"] == "Solar.R > 150")
    aq = DATA["aq"]
    by_string = _fit(ref)
    mask = (aq["Solar.R"] > 150).astype("boolean").mask(aq["Solar.R"].isna())  # (NA where Solar.R is)
    for given in (mask, mask.to_numpy(dtype=object), list(mask)):
        fit = _fit(ref, subset=given)
        assert fit.rows_used.equals(by_string.rows_used) and fit.n_dropped == 7
        assert_close(fit.coef, by_string.coef.to_numpy(), rtol=1e-13)


def test_a_series_is_aligned_by_the_data_s_index():
    ref = REF[0]
    mt = DATA["mt"]
    keep = mt["cyl"] != 6
    fit = _fit(ref, subset=keep.iloc[::-1])  # (reversed: pandas aligns it, as weights= is)
    assert list(np.asarray(fit.rows_used) + 1) == ref["rows_used"]
    with pytest.raises(gs.DataError, match="index does not match"):
        _fit(ref, subset=keep.set_axis(range(100, 132)))


def test_rows_left_out_are_never_checked():
    # R: binomial()'s checks see the rows used only (a negative count outside the subset is no error)
    d = pd.DataFrame({"s": [1, 2, 3, 4, 5, 6.0], "f": [5, 4, 3, 2, -1, 0.0], "x": [1, 2, 3, 4, 5, 6.0]})
    fit = gs.glm("cbind(s, f) ~ x", d, family=gs.Binomial(), subset="x < 5")
    assert fit.nobs == 4 and fit.n_dropped == 0
    with pytest.raises(gs.DataError, match="non-negative"):
        gs.glm("cbind(s, f) ~ x", d, family=gs.Binomial())


def test_the_caller_s_data_is_untouched():
    mt = DATA["mt"]
    before = mt.copy()
    keep = np.asarray(mt["cyl"] != 6)
    kept = keep.copy()
    _fit(REF[0], subset=keep)
    pd.testing.assert_frame_equal(mt, before)
    assert (keep == kept).all()


@pytest.mark.parametrize("subset, match", [
    ("hp", "row numbers"),
    ("1:10", "row numbers"),
    ("factor(cyl)", "a factor"),
    ("hp > 1e9", "keeps no row of the data's 32"),
    ("hp >", "cannot read the subset condition"),
    ("nope > 1", "nope"),
    (True, "one flag"),
    ([1, 0] * 16, "row numbers"),
    (np.arange(32) % 2, "numbers"),
    (np.ones(31, dtype=bool), "31 values but the data has 32 rows"),
    ({"a": 1}, "condition"),
])
def test_refusals_name_the_problem(subset, match):
    with pytest.raises(gs.GLMStatError, match=match):
        gs.glm("am ~ hp", DATA["mt"], family=gs.Binomial(), subset=subset)


def test_no_complete_row_in_the_subset_says_so():
    with pytest.raises(gs.DataError, match="every row of the 5 rows subset 'Month == 5 & Day <= 5' keeps"):
        gs.glm("Ozone ~ Solar.R", DATA["aq"].assign(Ozone=np.nan), subset="Month == 5 & Day <= 5")


@pytest.mark.parametrize("kind", ["parquet", "dask"])
@pytest.mark.parametrize("ref", [r for r in REF if r["data"] == "aq"], ids=lambda r: r["subset"])
def test_streamed_fits_are_the_in_memory_fit(ref, kind, tmp_path):
    from streamed_cases import as_streamed

    mem = _fit(ref)
    streamed = _fit(ref, data=as_streamed(DATA["aq"], kind, tmp_path, rows=20))
    assert (streamed.nobs, streamed.n_dropped, streamed.dropped_by) == (mem.nobs, mem.n_dropped, mem.dropped_by)
    assert list(streamed.rows_used) == list(mem.rows_used)
    assert_close(streamed.coef, mem.coef.to_numpy(), rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        assert_close(streamed.drop1()["deviance"], ref["drop1_deviance"], rtol=1e-8)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_relevel_by_position_counts_the_rows_left_out(kind, tmp_path):
    # R: relevel(factor(cyl), ref = 2) on every row puts 6 first, which the subset then leaves unused (each
    # 16-row chunk holds the three levels: the chunks agree on them)
    from streamed_cases import as_streamed

    ref = next(r for r in REF if "relevel" in r["formula"])
    fit = _fit(ref, data=as_streamed(DATA["mt"], kind, tmp_path, rows=16))
    assert [r_coef_name(n) for n in fit.coef.index] == ref["coef_names"]
    assert list(np.asarray(fit.rows_used) + 1) == ref["rows_used"]
    assert_close(fit.coef, ref["coef"], rtol=1e-7)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_data_take_a_condition_only(kind, tmp_path):
    from streamed_cases import as_streamed

    with pytest.raises(gs.DataError, match="streamed data"):
        gs.glm("am ~ hp", as_streamed(DATA["mt"], kind, tmp_path, rows=8), family=gs.Binomial(),
               subset=np.ones(32, dtype=bool))


def test_update_to_other_data_evaluates_the_condition_there():
    mt = DATA["mt"]
    fit = gs.glm("mpg ~ wt", mt, subset="hp > 100")
    other = mt.assign(hp=mt["hp"][::-1].to_numpy())
    assert_close(fit.update(". ~ .", data=other).coef, gs.glm("mpg ~ wt", other, subset="hp > 100").coef.to_numpy(),
                 rtol=1e-13)
    by_values = gs.glm("mpg ~ wt", mt, subset=np.asarray(mt["hp"] > 100))
    with pytest.raises(gs.GLMStatError, match="subset given as values"):
        by_values.update(". ~ .", data=other)


def test_a_fit_with_a_subset_pickles_and_predicts(tmp_path):
    import pickle

    fit = _fit(REF[2])
    back = pickle.loads(pickle.dumps(fit))
    new = DATA["aq"].dropna().iloc[:5]
    assert_close(back.predict(new), fit.predict(new).to_numpy(), rtol=1e-15)


@pytest.mark.parametrize("name, subset", [("july", "Month >= 7"), ("none", None)])
def test_update_takes_another_subset_as_r_s_update(name, subset):
    # R: update(m, subset = Month >= 7), update(m, subset = NULL) (scripts/make_subset_update.R)
    want = json.loads((FIXTURES / "subset" / "update.json").read_text())[name]
    fit = _fit(next(r for r in REF if r["subset"] == "Month >= 6"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        new = fit.update(subset=subset)
    assert (new.nobs, new.n_dropped) == (want["nobs"], want["n_dropped"])
    assert_close(new.coef, want["coef"], rtol=1e-7)
    assert fit.update().rows_used.equals(fit.rows_used)  # (the default keeps the fit's subset)


def test_update_to_another_subset_needs_weights_for_every_row():
    mt = DATA["mt"]
    fit = gs.glm("am ~ hp", mt, family=gs.Binomial(), weights=np.ones(32) * 2, subset="cyl != 6")
    with pytest.raises(gs.GLMStatError, match="other rows need them too"):
        fit.update(subset="cyl != 4")
