"""emmeans' contrast(emm, method) beyond pairs() -- the differences of two means revpairwise, trt.vs.ctrl (a
control by position or label), trt.vs.ctrlk, consec, and the linear eff, del.eff and poly -- under their default
adjustments (Tukey's, emmeans' "dunnettx", fdr, none) and others, with emmeans' simultaneous intervals, against R
(fixtures/emmeans_contrasts, scripts/make_emmeans_contrasts.R); the dunnettx p-value against its closed form and
qtukey against published tables; what is refused."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.inference.contrast_families import dunnettx_p_values

CASES = json.loads((FIXTURES / "emmeans_contrasts" / "ref.json").read_text())
FAMILIES = {"poisson": lambda: gs.Poisson(), "Gamma_log": lambda: gs.Gamma(link="log"),
            "binomial": lambda: gs.Binomial(), "binomial_probit": lambda: gs.Binomial(link="probit"),
            "gaussian": lambda: gs.Gaussian()}
#: the families whose comparisons are shown as ratios (R's are on the link scale: their logarithms)
RATIOS = {"poisson", "Gamma_log", "binomial"}
REQUESTS = [(c, i) for c in CASES for i in range(len(c["requests"]))]
REQUEST_IDS = [f"{c['id']}-{c['requests'][i]['method']}-{c['requests'][i]['adjust']}-{c['requests'][i]['ref']}"
               for c, i in REQUESTS]


def _fitted(case) -> gs.GLMResults:
    d = pd.read_csv(FIXTURES / "data" / f"{case['data']}.csv")
    if case["data"] == "quine":
        d["Days1"] = d["Days"] + 1
    if case["data"] == "birthwt":
        d["race"] = pd.Categorical(d["race"], categories=["white", "black", "other"])
    if case["data"] == "warpbreaks":
        d["tension"] = pd.Categorical(d["tension"], categories=["L", "M", "H"])
    return gs.glm(case["formula"], d, family=FAMILIES[case["family"]](), tol=1e-12)


def _method(fit: gs.GLMResults, case: dict, want: dict):
    """The request's method; "own": the script's contrasts of one's own for the k means of a group."""
    if want["method"] != "own":
        return want["method"]
    k = len(fit.emmeans(case["spec"]).index)
    return {"first_vs_rest": [1.0] + [-1.0 / (k - 1)] * (k - 1), "second_vs_third": [0.0, 1.0, -1.0] + [0.0] * (k - 3)}


@pytest.mark.parametrize("case, i", REQUESTS, ids=REQUEST_IDS)
def test_contrasts_as_emmeans(case, i):
    want = case["requests"][i]
    fit = _fitted(case)
    got = fit.emmeans_contrasts(case["spec"], _method(fit, case, want), want["adjust"], by=case["by"],
                                ref=want["ref"])
    # (R's contrasts on the link scale are written a - b; glmstat shows the log link's ratios a / b, same tests)
    labels = [c for *_, c in got.index] if case["by"] else list(got.index)
    assert [c.replace(" / ", " - ") for c in labels] == want["contrast"]
    scale = np.log if case["family"] in RATIOS else np.asarray
    assert_close(scale(got["estimate"].to_numpy()), want["estimate"], rtol=1e-7)
    assert_close(got["statistic"].to_numpy(), want["statistic"], rtol=1e-7)
    # (R's dunnettx p-value is 1 less lower tails: below 1e-12 it keeps no digits; glmstat sums upper tails)
    assert_close(got["p_value"].to_numpy(), want["p_value"], rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("case, i", REQUESTS, ids=REQUEST_IDS)
def test_simultaneous_intervals_as_emmeans_confint(case, i):
    """emmeans' confint() at level 0.9: R's qtukey (a secant search to 1e-4), .qdunnx (uniroot to 5e-4: R's own
    steps, or the multiplier would be 1e-4 off), Sidak's, Scheffe's of the family's rank, Bonferroni's for Holm."""
    want = case["requests"][i]
    fit = _fitted(case)
    got = fit.emmeans_contrasts(case["spec"], _method(fit, case, want), want["adjust"], by=case["by"],
                                ref=want["ref"], level=0.9)
    scale = np.log if case["family"] in RATIOS else np.asarray
    assert_close(scale(got["lower"].to_numpy()), want["lower"], rtol=1e-7)
    assert_close(scale(got["upper"].to_numpy()), want["upper"], rtol=1e-7)


def test_poly_coefficients_are_the_classical_whole_numbers():
    """Orthogonal polynomial coefficients of a published table (e.g. Fisher and Yates, table XXIII): k = 4 and 6."""
    from glmstat.inference.contrast_families import FAMILIES

    assert FAMILIES["poly"].combine(np.eye(4)).tolist() == [[-3, -1, 1, 3], [1, -1, -1, 1], [-1, 3, -3, 1]]
    assert FAMILIES["poly"].combine(np.eye(6)).tolist() == [[-5, -3, -1, 1, 3, 5], [5, -1, -4, -4, -1, 5],
                                                         [-5, 7, 4, -4, -7, 5], [1, -3, 2, 2, -3, 1],
                                                         [-1, 5, -10, 10, -5, 1]]


def test_qtukey_is_the_studentized_range_quantile():
    """The upper 5% and 1% points of the studentized range in the published tables (3.877 for 3 means on 10 df,
    4.232 for 5 on 20, 4.403 at 1% for 4 on infinite df), and scipy's quantile to the 1e-7 that R's secant search
    (steps down to 1e-4) reaches."""
    from glmstat.inference.critical_values import qtukey

    for p, k, df, table in [(0.95, 3, 10.0, 3.877), (0.95, 5, 20.0, 4.232), (0.99, 4, math.inf, 4.403)]:
        q = qtukey(p, k, df)
        assert abs(q - table) < 5e-4
        assert_close([q], [stats.studentized_range.ppf(p, k, df)], rtol=1e-7)


def test_pairs_intervals_are_the_pairwise_family_s():
    fit = _fitted(CASES[0])
    pd.testing.assert_frame_equal(fit.emmeans_pairs("spray", level=0.9),
                                  fit.emmeans_contrasts("spray", "pairwise", "tukey", level=0.9))
    assert "Conf-level adjustment: tukey" in fit.emmeans_pairs("spray", level=0.9).attrs["heading"]


def test_dunnettx_is_the_mixture_of_tukey_and_sidak():
    """For m comparisons, w = (m - 1)/m and c = (1 + sqrt(1 + 8m))/2 means (c(c - 1)/2 = m pairs): p = w
    P(Q_{c,df} > sqrt(2)|t|) + (1 - w)(1 - (1 - p_t)^m) (emmeans' .pdunnx), here with scipy's studentized range."""
    t = np.array([0.3, 1.7, 2.9, -3.4])
    for df in (12.0, math.inf):
        p = 2 * (stats.norm.sf(np.abs(t)) if math.isinf(df) else stats.t.sf(np.abs(t), df))
        m, c = 4, (1 + math.sqrt(33)) / 2
        want = 0.75 * stats.studentized_range.sf(math.sqrt(2) * np.abs(t), c, df) + 0.25 * (1 - (1 - p) ** m)
        assert_close(dunnettx_p_values(t, p, df), want, rtol=1e-9)


def test_the_heading_names_the_control_and_the_adjustment():
    fit = _fitted(CASES[0])
    assert fit.emmeans_contrasts("spray", "trt.vs.ctrl", ref="C").attrs["heading"].startswith(
        "Comparisons with a control (C) of estimated marginal means")
    # (emmeans' note: "P value adjustment: dunnettx method for 5 tests", tests/fixtures/emmeans_notes)
    assert "P value adjustment: dunnettx method for 5 tests" in fit.emmeans_contrasts("spray", "trt.vs.ctrl").attrs[
        "heading"]
    assert "tukey changed to sidak" in fit.emmeans_contrasts("spray", "consec", "tukey").attrs["heading"]
    by_label = fit.emmeans_contrasts("spray", "trt.vs.ctrl", ref="C")
    by_position = fit.emmeans_contrasts("spray", "trt.vs.ctrl", ref=3)
    pd.testing.assert_frame_equal(by_label, by_position)
    pd.testing.assert_frame_equal(fit.emmeans_contrasts("spray"), fit.emmeans_pairs("spray"))


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_compare_as_in_memory(kind, tmp_path):
    from streamed_cases import as_streamed

    case = CASES[2]
    d = pd.read_csv(FIXTURES / "data" / "quine.csv")
    d["Days1"] = d["Days"] + 1
    streamed = gs.glm(case["formula"], as_streamed(d, kind, tmp_path, rows=40), family=gs.Gamma(link="log"), tol=1e-12)
    for method in ("trt.vs.ctrl", "revpairwise"):
        want = _fitted(case).emmeans_contrasts("Age", method, by="Eth")
        got = streamed.emmeans_contrasts("Age", method, by="Eth")
        assert list(got.index) == list(want.index)
        assert_close(got["p_value"].to_numpy(), want["p_value"].to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("kw, match", [
    ({"method": "consec"}, "emmeans' default for consec comparisons, \"mvt\" integrates the multivariate t "
                           "distribution by simulation"),
    ({"method": "mean_change"}, "unknown comparisons 'mean_change'"),
    ({"method": {"x": [1, -1]}}, "the contrast 'x' must be 6 finite numbers, one per mean"),
    ({"method": {"x": [1, 1, 0, 0, 0, 0]}}, "the contrast 'x''s coefficients must sum to 0"),
    ({"method": {"x": [1, -1, 0, 0, 0, float("nan")]}}, "must be 6 finite numbers"),
    ({"method": {3: [1, -1, 0, 0, 0, 0]}}, "contrasts of one's own are named by texts"),
    ({"method": {}}, "give 1 to 1000 of them, got 0"),
    ({"method": {"x": [1, -1, 0, 0, 0, 0]}, "ref": 2}, "ref= is for method=\"trt.vs.ctrl\""),
    ({"method": "trt.vs.ctrl", "ref": 7}, "ref must be a mean's position from 1 to 6 or its label"),
    ({"method": "trt.vs.ctrl", "ref": "Z"}, "ref = 'Z' is not one of the means' labels"),
    ({"method": "pairwise", "ref": 2}, "ref= is for method=\"trt.vs.ctrl\""),
    ({"method": "trt.vs.ctrl", "adjust": "bogus"}, "unknown adjustment 'bogus'"),
])
def test_refusals(kw, match):
    with pytest.raises(gs.GLMStatError, match=match):
        _fitted(CASES[0]).emmeans_contrasts("spray", **kw)
