"""Influence and residual diagnostics (leverage, Cook's distance, standardized and studentized residuals,
dfbeta, dfbetas) against R's influence.glm / cooks.distance.glm / rstandard / rstudent / dfbeta(s)."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, load_data, load_ref, r_array, traced_peak
from glmstat.inference.influence import influence
from inference_refs import (
    REF_CASES, extra_fit, extra_ids, extra_weights, load_extra, positive_weight_rows, ref_fit,
)

AUGMENT_COLUMNS = ["fitted", "linear_predictor", "resid_deviance", "resid_pearson", "resid_working",
                   "resid_response", "hat", "cooks_d", "std_resid", "student_resid"]
MEASURES = {  # reference field -> (augment column, rtol as the parity checker)
    "hat": ("hat", 1e-6),
    "cooks": ("cooks_d", 1e-6),
    "rstandard": ("std_resid", 1e-6),
    "rstudent": ("student_resid", 1e-5),
}


@pytest.mark.parametrize("case_id", REF_CASES)
@pytest.mark.parametrize("field", list(MEASURES))
def test_influence_matches_r(case_id, field):
    ref = load_ref(case_id)
    fit = ref_fit(case_id)
    col, rtol = MEASURES[field]
    pos = positive_weight_rows(ref, load_data(ref["data"]))
    assert_close(fit.augment()[col].to_numpy()[pos], ref[field], rtol=rtol)


@pytest.mark.parametrize("case_id", extra_ids())
@pytest.mark.parametrize("field", list(MEASURES) + ["rstandard_pearson", "dfbeta", "dfbetas"])
def test_influence_matches_r_extra_cases(case_id, field):
    """Including zero prior weights: R leaves those rows out, glmstat gives them NaN."""
    ref = load_extra(case_id)
    fit = extra_fit(case_id)
    d = load_data(ref["data"])
    pos = positive_weight_rows(ref, d, extra_weights(ref, d))
    if field in MEASURES:
        col, rtol = MEASURES[field]
        got = fit.augment()[col]
    else:
        rtol = 1e-6
        got = {"rstandard_pearson": lambda: fit.std_residuals("pearson"),
               "dfbeta": fit.dfbeta, "dfbetas": fit.dfbetas}[field]()
    got = got.to_numpy()
    assert_close(got[pos], ref[field], rtol=rtol)
    assert np.all(np.isnan(got[~pos]))


def test_zero_weight_rows_are_nan_but_kept():
    fit = extra_fit("budworm_prop_zero_weights")
    aug = fit.augment()
    zero = np.array([1, 7])  # rows 2 and 8 of the data (0-based 1 and 7)
    assert list(aug.index) == list(fit.rows_used)
    assert aug.iloc[zero][["hat", "cooks_d", "std_resid", "student_resid"]].isna().all().all()
    assert aug.iloc[zero]["fitted"].notna().all()
    assert fit.dfbeta().iloc[zero].isna().all().all()


@pytest.mark.parametrize("case_id", REF_CASES)
def test_augment_columns_and_index(case_id):
    ref = load_ref(case_id)
    fit = ref_fit(case_id)
    aug = fit.augment()
    assert list(aug.columns) == AUGMENT_COLUMNS
    assert aug.index.equals(fit.rows_used)
    assert list(aug.index) == [i - 1 for i in ref["rows_used"]]  # the CSV's default RangeIndex labels
    assert_close(aug["fitted"], ref["fitted"])
    assert_close(aug["linear_predictor"], ref["linear_predictor"])
    for kind in ("deviance", "pearson", "working", "response"):
        assert_close(aug[f"resid_{kind}"], ref[f"resid_{kind}"])


def test_leverages_sum_to_rank():
    """trace(H) = rank for the weighted projection (every reference case without zero weights)."""
    for case_id in REF_CASES:
        fit = ref_fit(case_id)
        assert fit.augment()["hat"].sum() == pytest.approx(fit.rank, rel=1e-9)


@pytest.mark.parametrize("case_id", REF_CASES)
def test_influence_summary_flags_r_rules_of_thumb(case_id):
    """The flagged rows and rules follow from R's numbers: Cook's D > 4/n, hat > 2p/n, |rstudent| > 2."""
    ref = load_ref(case_id)
    fit = ref_fit(case_id)
    n, p = ref["nobs"], ref["rank"]
    cooks, hat, rstud = r_array(ref["cooks"]), r_array(ref["hat"]), r_array(ref["rstudent"])
    with np.errstate(invalid="ignore"):
        rules = {"cooks_d > 4/n": cooks > 4 / n, "hat > 2p/n": hat > 2 * p / n,
                 "|student_resid| > 2": np.abs(rstud) > 2}
    labels = np.asarray(ref["rows_used"]) - 1
    # Leave out rows within 1e-6 of a threshold, where rounding may decide.
    near = (np.isclose(cooks, 4 / n, rtol=1e-6) | np.isclose(hat, 2 * p / n, rtol=1e-6)
            | np.isclose(np.abs(rstud), 2, rtol=1e-5))
    summary = fit.influence_summary()
    assert list(summary.columns) == ["cooks_d", "hat", "student_resid", "rules"]
    flagged = np.logical_or.reduce(list(rules.values()))
    want = {int(lab) for lab, f, x in zip(labels, flagged, near) if f and not x}
    got = {int(lab) for lab in summary.index}
    assert want <= got and got - want <= {int(lab) for lab in labels[near]}
    for lab in want:
        i = int(np.flatnonzero(labels == lab)[0])
        assert summary.loc[lab, "rules"] == "; ".join(r for r, f in rules.items() if f[i])


def test_influence_summary_empty_when_nothing_flagged():
    d = pd.DataFrame({"x": np.arange(10.0), "y": 2 * np.arange(10.0) + np.tile([0.1, -0.1], 5)})
    s = gs.glm("y ~ x", d).influence_summary()
    assert s.empty and list(s.columns) == ["cooks_d", "hat", "student_resid", "rules"]


def test_influence_is_cached_on_the_results():
    fit = ref_fit("dobson_poisson")
    assert fit._influence is fit._influence


@pytest.mark.parametrize("case_id", ["esoph_cbind", "quine_negbin", "airquality_gamma_na"])
def test_blockwise_computation_is_independent_of_block_size(case_id):
    """One pass over row blocks of any size gives the same per-row measures."""
    fit = ref_fit(case_id)
    whole = fit._influence
    fd = fit.fit_data
    small = replace(fd, source=replace(fd.source, block_rows=7))
    blocks = influence(small, coef_changes="dfbeta")
    for name in ("hat", "cooks_d", "std_resid_deviance", "student_resid", "sigma"):
        # rounding differs with the block size (X @ beta summed in another order): a few ulps, amplified
        # where y is close to mu
        np.testing.assert_allclose(getattr(blocks, name), getattr(whole, name), rtol=1e-10, atol=1e-14, equal_nan=True)
    np.testing.assert_allclose(blocks.dfbeta, fit.dfbeta().to_numpy()[:, fd.kept], rtol=1e-10, atol=1e-14)


def test_std_residuals_kind_is_checked():
    with pytest.raises(gs.GLMStatError, match="kind"):
        ref_fit("dobson_poisson").std_residuals("working")


def test_gaussian_identity_closed_forms():
    """For a Gaussian linear model the measures have textbook closed forms: h = diag(X (X'X)^-1 X'),
    Cook's D = e^2 h / (p s^2 (1-h)^2) and the externally studentized residual e / (s_(i) sqrt(1-h))."""
    rng = np.random.default_rng(3)
    n = 30
    d = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    d["y"] = 1 + d.x - 2 * d.z + rng.normal(size=n)
    fit = gs.glm("y ~ x + z", d)
    X = np.column_stack([np.ones(n), d.x, d.z])
    H = X @ np.linalg.inv(X.T @ X) @ X.T
    h = np.diag(H)
    e = d.y.to_numpy() - H @ d.y.to_numpy()
    p = 3
    s2 = e @ e / (n - p)
    s_i = np.sqrt((e @ e - e**2 / (1 - h)) / (n - p - 1))
    aug = fit.augment()
    np.testing.assert_allclose(aug.hat, h, rtol=1e-10)
    np.testing.assert_allclose(aug.cooks_d, e**2 * h / (p * s2 * (1 - h) ** 2), rtol=1e-10)
    np.testing.assert_allclose(aug.std_resid, e / np.sqrt(s2 * (1 - h)), rtol=1e-10)
    np.testing.assert_allclose(aug.student_resid, e / (s_i * np.sqrt(1 - h)), rtol=1e-10)
    # dfbeta: exact leave-one-out change for a linear model
    loo = np.array([np.linalg.lstsq(np.delete(X, i, 0), np.delete(d.y.to_numpy(), i), rcond=None)[0]
                    for i in range(n)])
    b = np.linalg.lstsq(X, d.y.to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(fit.dfbeta().to_numpy(), b - loo, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("case_id", ["esoph_cbind", "quine_negbin", "airquality_gamma_na", "ships_offset"])
def test_hat_values_and_cooks_distance_match_r(case_id):
    """The one-pass hatvalues() / cooks.distance() equal R's (and augment()'s)."""
    ref = load_ref(case_id)
    fit = ref_fit(case_id)
    assert_close(fit.hat_values(), ref["hat"])
    assert_close(fit.cooks_distance(), ref["cooks"])
    aug = fit.augment()
    np.testing.assert_allclose(fit.hat_values(), aug["hat"], rtol=1e-10)
    np.testing.assert_allclose(fit.cooks_distance(), aug["cooks_d"], rtol=1e-10)


def test_dfbeta_of_many_columns_holds_about_two_copies_of_its_table():
    """dfbeta() is an n x p table; computing it holds the blocks' pieces and the table, not dfbetas besides and
    two concatenated copies (it peaked at five times the table: 1.2 GB for 1e5 rows and a 300-level factor)."""
    rng = np.random.default_rng(4)
    n = 12000
    d = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice([f"l{i:03d}" for i in range(150)], n)})
    d["y"] = rng.poisson(np.exp(0.2 * d.x)).astype(float)
    fit = gs.glm("y ~ x + g", d, family=gs.Poisson())
    fit.hat_values()
    table = n * len(fit.column_names) * 8
    out, peak = traced_peak(fit.dfbetas)
    assert out.shape == (n, len(fit.column_names))
    assert peak < 2.6 * table, peak / table
    fd = fit.fit_data
    assert influence(fd, full=False, coef_changes="dfbeta").dfbetas is None


def test_rstudent_is_nan_where_the_leave_one_out_variance_is_negative():
    """lm.influence's leave-one-out sigma of a row, sqrt((sum(d^2) - d_i^2 / (1 - h_i)) / (n - p - 1)) of the
    deviance residuals, is the root of a negative number for row 3 of this inverse Gaussian fit: R's rstudent is
    NaN there, as glmstat's, when the data have no missing values.  With rows dropped for missing values R's
    lm.influence fills every NA of its sigma with the overall one (meant for the dropped rows), and row 3 gets a
    number: that is not copied, so glmstat's rstudent does not depend on other rows' missing values.
    (fixtures/rstudent_negative_loo, scripts/make_rstudent_negative_loo.R)"""
    r = json.loads((FIXTURES / "rstudent_negative_loo" / "r.json").read_text())
    d = pd.read_csv(FIXTURES / "rstudent_negative_loo" / "data.csv")
    nan = {"NaN": np.nan}
    want = np.array([nan.get(v, v) for v in r["rstudent"]], dtype=float)
    with_na = np.array([nan.get(v, v) for v in r["rstudent_na_omit"]], dtype=float)
    assert np.isnan(want[1]) and np.isfinite(with_na[1])  # (R's two answers for the same fit)
    for data in (d, d.dropna()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.DroppedRowsWarning)  # (the first: 4 rows have missing values)
            f = gs.glm(r["formula"], data, family=gs.InverseGaussian(link="inverse"), tol=1e-12)
        assert list(f.rows_used + 1) == r["rows_used"]  # (index labels: the same rows in both)
        aug = f.augment()
        np.testing.assert_allclose(aug["hat"], r["hat"], rtol=1e-8)
        np.testing.assert_allclose(aug["student_resid"], want, rtol=1e-6)


def test_rstudent_with_one_residual_degree_of_freedom_is_nan():
    """With one residual degree of freedom lm.influence's leave-one-out sigma divides by n - p - 1 = 0, and its
    numerator, sum(d^2) - d_i^2 / (1 - h_i), is exactly 0 for a constant-variance family: R's rstudent is 0 where
    the rounding of that numerator is positive (sigma Inf), NaN where it is not, and +-1 where rows were dropped for
    missing values (the NaN sigma filled with the overall one).  There is no leave-one-out dispersion to divide by:
    glmstat's studentized residuals are NaN, whatever the rounding.  The rest is R's.
    (fixtures/rstudent_one_residual_df, scripts/make_rstudent_one_residual_df.R)"""
    r = json.loads((FIXTURES / "rstudent_one_residual_df" / "r.json").read_text())
    d = pd.read_csv(FIXTURES / "rstudent_one_residual_df" / "data.csv")
    nan = {"NaN": np.nan}
    rstudent = np.array([nan.get(v, v) for v in r["rstudent"]], dtype=float)
    assert (rstudent == 0).any() and np.isnan(rstudent).any()  # (R's rounding decides between the two)
    for data in (d, d.dropna()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.DroppedRowsWarning)
            f = gs.glm(r["formula"], data, family=gs.Quasi(variance="constant", link="inverse"), tol=1e-12)
        assert f.df_residual == r["df_residual"] == 1
        aug = f.augment()
        np.testing.assert_allclose(aug["hat"], r["hat"], rtol=1e-8)
        np.testing.assert_allclose(aug["std_resid"], [nan.get(v, v) for v in r["rstandard"]], rtol=1e-6)
        assert aug["student_resid"].isna().all()
