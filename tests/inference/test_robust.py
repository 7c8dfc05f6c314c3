"""Sandwich covariances against R's sandwich::vcovHC and vcovCL, and their use downstream (std_errors,
statistic, p_values, Wald intervals, summary, predict)."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmstat as gs
from conftest import FIXTURES, assert_close, family_of, load_data, load_ref
from glmstat.inference.fitdata import Covariance
from glmstat.inference.robust import sandwich_vcov
from inference_refs import REF_CASES, extra_fit, extra_ids, load_extra, ref_fit

TYPES = ("HC0", "HC1", "HC2", "HC3")


@pytest.mark.parametrize("case_id", REF_CASES)
@pytest.mark.parametrize("hc", ["hc0", "hc1", "hc3"])
def test_vcovhc_matches_r(case_id, hc):
    assert_close(ref_fit(case_id).robust(hc.upper()).vcov, load_ref(case_id)[f"vcov_{hc}"])


@pytest.mark.parametrize("case_id", extra_ids())
def test_vcovhc_matches_r_extra_cases(case_id):
    """HC0-HC3, and HC0/HC1 with zero prior weights (R counts those rows in n)."""
    ref = load_extra(case_id)
    fit = extra_fit(case_id)
    assert set(ref["vcov_hc"]) == ({"HC0", "HC1"} if ref.get("zero_rows") else set(TYPES))
    for t, want in ref["vcov_hc"].items():
        assert_close(fit.robust(t).vcov, want)


CLUSTERED = [(c, cl["column"]) for c in extra_ids() for cl in load_extra(c)["clusters"]]


@pytest.mark.parametrize("case_id, column", CLUSTERED)
def test_vcovcl_matches_r(case_id, column):
    """vcovCL: the default (HC0 for a glm, with G/(G-1)) and each type; where R's HC2/HC3 are undefined
    (the cluster is a factor of the model, so I - H_g is singular) glmstat refuses them."""
    ref = load_extra(case_id)
    spec = next(c for c in ref["clusters"] if c["column"] == column)
    fit = extra_fit(case_id)
    robust = fit.robust(cluster=column)
    assert_close(robust.vcov, spec["default"])
    assert robust.covariance_type.startswith("HC0, clustered by " + column)
    for t in TYPES:
        if t in spec["types"]:
            assert_close(fit.robust(t, cluster=column).vcov, spec["types"][t])
        else:
            with pytest.raises(gs.GLMStatError, match=f"{t} sandwich is undefined"):
                fit.robust(t, cluster=column)


def test_default_types_are_r_defaults():
    fit = ref_fit("warpbreaks_poisson")
    pd.testing.assert_frame_equal(fit.robust().vcov, fit.robust("HC3").vcov)
    pd.testing.assert_frame_equal(fit.robust(cluster="tension").vcov, fit.robust("HC0", cluster="tension").vcov)
    assert fit.robust("hc1").covariance_type == "HC1"


def test_robust_results_feed_every_downstream_quantity():
    ref = load_ref("warpbreaks_quasipoisson")
    fit = ref_fit("warpbreaks_quasipoisson")
    rob = fit.robust("HC1")
    V = np.array(ref["vcov_hc1"])
    se = np.sqrt(np.diag(V))
    b = np.array(ref["coefficients"])
    assert_close(rob.coef, ref["coefficients"])
    assert_close(rob.std_errors, se)
    assert_close(rob.statistic, b / se)
    # a sandwich covariance is asymptotic: z tests, as lmtest::coeftest on a glm
    assert rob.statistic_kind == "z" and fit.statistic_kind == "t"
    assert_close(rob.p_values, 2 * stats.norm.sf(np.abs(b / se)))
    ci = rob.conf_int()
    z = stats.norm.ppf(0.975)
    assert_close(ci["lower"], b - z * se)
    assert_close(ci["upper"], b + z * se)
    tidy = rob.tidy()
    assert_close(tidy["std_error"], se)
    # predictions: se = sqrt(x' V x) with the sandwich V
    d = load_data("warpbreaks").head(3)
    X = fit.model_frame.X[:3]  # the design rows of d
    assert_close(rob.predict(d, type="link", se_fit=True)["se"], np.sqrt(np.einsum("ij,jk,ik->i", X, V, X)))
    # the summary says so, and shows the robust standard errors
    summary = rob.summary()
    assert "sandwich (HC1)" in str(summary)
    assert "sandwich" not in str(fit.summary())
    assert_close(summary.table["std_error"], se)
    assert_close(summary.table["p_value"], rob.p_values)
    assert "0.16429" in str(summary)  # wool[T.B]'s robust se, as printed


def test_profile_intervals_of_a_robust_result_are_refused():
    # they were the model-based profile intervals, which compare(ci=True, ci_method="profile") set beside the
    # robust p-values: an interval excluding 0 next to p = 0.28
    fit = ref_fit("warpbreaks_quasipoisson")
    for rob in (fit.robust("HC1"), fit.robust(cluster="tension")):
        with pytest.raises(gs.GLMStatError, match="would not be robust; use method='wald'"):
            rob.conf_int(method="profile")
        with pytest.raises(gs.GLMStatError, match="would not be robust"):
            gs.compare(rob, ci=True, ci_method="profile")
        assert rob.conf_int().shape == (len(fit.coef), 2)  # (Wald intervals from the sandwich stay)
    assert fit.conf_int(method="profile", parm=["wool[T.B]"]).shape == (1, 2)


def test_robust_leaves_the_original_results_unchanged():
    fit = ref_fit("dobson_poisson")
    before = fit.vcov.copy()
    rob = fit.robust("HC0", cluster="treatment")
    assert rob is not fit and fit.covariance_type == "model"
    pd.testing.assert_frame_equal(fit.vcov, before)
    assert_close(fit.vcov, load_ref("dobson_poisson")["vcov"])
    assert rob.deviance == fit.deviance and rob.coef.equals(fit.coef)
    with pytest.raises(AttributeError):
        rob.covariance_type = "model"


def test_aliased_columns_are_nan_in_the_sandwich():
    d = pd.DataFrame({"x": np.arange(20.0), "g": np.repeat(["a", "b"], 10)})
    d["z"] = 2 * d.x
    d["y"] = np.sin(d.x) + d.x
    with pytest.warns(gs.AliasingWarning):
        fit = gs.glm("y ~ x + z", d)
    V = fit.robust("HC0", cluster="g").vcov
    assert V.loc["z"].isna().all() and V["z"].isna().all()
    assert np.isfinite(V.loc[["Intercept", "x"], ["Intercept", "x"]].to_numpy()).all()


def test_cluster_given_as_column_series_or_array_agree():
    """airquality drops rows with missing values: the cluster is aligned on the rows used."""
    fit = ref_fit("airquality_gamma_na")
    d = load_data("airquality")
    want = fit.robust("HC1", cluster="Month").vcov
    used = fit.rows_used
    for cl in (d["Month"], d["Month"].sample(frac=1, random_state=1), d["Month"].to_numpy(),
               d["Month"].loc[used].to_numpy(), list(d["Month"].loc[used])):
        pd.testing.assert_frame_equal(fit.robust("HC1", cluster=cl).vcov, want)
    assert fit.robust("HC1", cluster=d["Month"]).covariance_type == "HC1, clustered by Month, 5 clusters"


def test_a_column_series_of_data_with_repeated_row_labels_is_a_cluster():
    """The fitted data's own column, its index with repeated labels (after a concat) and rows dropped for
    missing values: aligned by position, as the column's name is (it was refused: 111 values, 153 rows)."""
    fit = ref_fit("airquality_gamma_na")
    d = load_data("airquality")
    repeated = d.set_axis(np.arange(len(d)) // 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        again = gs.glm(fit.formula, repeated, family=fit.family)
    want = fit.robust("HC1", cluster="Month").vcov.to_numpy()
    np.testing.assert_allclose(again.robust("HC1", cluster=repeated["Month"]).vcov.to_numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(again.robust("HC1", cluster="Month").vcov.to_numpy(), want, rtol=1e-12)


@pytest.mark.parametrize("cluster, match", [
    ("nope", "'nope' names no column"),
    (np.arange(5), "5 values"),
    (np.ones(111), "at least 2"),
])
def test_bad_clusters_are_data_errors(cluster, match):
    with pytest.raises(gs.DataError, match=match):
        ref_fit("airquality_gamma_na").robust(cluster=cluster)


def test_missing_cluster_values_are_a_data_error():
    d = load_data("warpbreaks")
    g = d["tension"].where(d.index != 4)
    with pytest.raises(gs.DataError, match="missing for 1 of the rows used"):
        ref_fit("warpbreaks_poisson").robust(cluster=g)


def test_unknown_type_is_refused():
    with pytest.raises(gs.GLMStatError, match="HC6"):
        ref_fit("dobson_poisson").robust("HC6")


def test_leverage_one_makes_hc3_undefined():
    """A row fitted exactly (its own indicator column) has h = 1: HC2/HC3 divide 0 by 0.  R's vcovHC returns a
    matrix of NaN (with a warning naming observation 8); so does glmstat, with a warning naming the row."""
    d = pd.DataFrame({"x": np.arange(8.0), "y": [1.0, 3, 2, 5, 4, 6, 8, 7]})
    d["only_last"] = (d.index == 7).astype(float)
    fit = gs.glm("y ~ x + only_last", d)
    assert fit.augment()["hat"].iloc[7] == 1.0
    for t in ("HC2", "HC3"):
        with pytest.warns(gs.GLMStatWarning, match=f"the {t} sandwich is undefined: row number 8 .* leverage 1"):
            r = fit.robust(t)
        assert np.isnan(r.vcov.to_numpy()).all() and np.isnan(r.std_errors.to_numpy()).all()
    assert np.isfinite(fit.robust("HC0").vcov.to_numpy()).all()


def test_a_cluster_holding_a_row_of_leverage_1_is_refused_naming_that_cause():
    """Clustered HC2/HC3 are undefined where a cluster of several rows holds a row of leverage 1 (I - H_g has an
    eigenvalue 0); the error named only the other cause, "is the cluster variable a factor of the model?", for a
    cluster variable that is none (the audit's fit of a 300-level factor with a one-row level)."""
    d = pd.DataFrame({"x": np.arange(8.0), "y": [1.0, 3, 2, 5, 4, 6, 8, 7], "cl": list("aabbccdd")})
    d["only_last"] = (d.index == 7).astype(float)
    fit = gs.glm("y ~ x + only_last", d)
    for t in ("HC2", "HC3"):
        with pytest.raises(gs.GLMStatError, match=f"the {t} sandwich is undefined: the block of the hat matrix of "
                                                  r"cluster 'd' has an eigenvalue 1 \(does it hold a row of leverage "
                                                  r"1, or is the cluster variable a factor of the model\?\)"):
            fit.robust(t, cluster="cl")


@pytest.mark.parametrize("case_id, column", [("cars_invgauss", "speed"), ("budworm_cbind", "ldose"),
                                             ("airquality_gamma_na", "Month")])
@pytest.mark.parametrize("t", TYPES)
def test_sandwich_is_independent_of_block_size(case_id, column, t):
    fit = extra_fit(case_id)
    fd = fit.fit_data
    small = replace(fd, source=replace(fd.source, block_rows=5))
    from glmstat.inference.cluster_labels import cluster_codes

    for cl in (None, column):
        codes, values = (None, None) if cl is None else cluster_codes(cl, fit)[:2]
        G = None if cl is None else len(values)
        a, _ = sandwich_vcov(fd, t, codes, G)
        b, _ = sandwich_vcov(small, t, codes, G)
        np.testing.assert_allclose(b, a, rtol=1e-11, atol=1e-300)


def test_each_row_its_own_cluster_is_the_hc_sandwich_times_n_over_n_minus_1():
    """vcovCL with singleton clusters: HC0 gets G/(G-1) = n/(n-1); HC2/HC3 are exactly vcovHC's."""
    ref = load_ref("dobson_poisson")
    fit = ref_fit("dobson_poisson")
    n = ref["nobs"]
    ids = np.arange(n)
    assert_close(fit.robust("HC0", cluster=ids).vcov, np.array(ref["vcov_hc0"]) * n / (n - 1))
    assert_close(fit.robust("HC3", cluster=ids).vcov, ref["vcov_hc3"])


def test_a_sandwich_at_a_diverged_estimate_gives_nan_not_a_warning():
    # a quasi-completely separated fit (tests/fixtures/random, s1_0243): its estimates ran off towards
    # infinity, and the sandwich of the diverged columns can round to tiny negative variances (whether it
    # does depends on the BLAS's rounding, so a negative variance is also put in by hand)
    ref = json.loads((FIXTURES / "random" / "r" / "s1_0243.json").read_text())
    d = pd.read_csv(FIXTURES / "random" / "data" / f"{ref['data']}.csv")
    with pytest.warns(gs.SeparationWarning):
        fit = gs.glm(ref["formula"], d, family=family_of(ref["family"]), tol=1e-12, max_iter=100)
    for kind in ("HC0", "HC2"):
        cov = fit.robust(kind)
        diag = np.diag(cov.vcov.to_numpy())
        se = cov.std_errors.to_numpy()  # (a RuntimeWarning is an error in this suite)
        assert np.array_equal(np.isnan(se), ~(diag >= 0))
        assert_close(se[diag >= 0], np.sqrt(diag[diag >= 0]))
    V = np.diag([4.0, -1e-20, 9.0, 1.0, 1.0, 1.0])
    se = fit.with_covariance(Covariance("HC0", "HC0", V)).std_errors.to_numpy()
    assert_close(se, [2.0, np.nan, 3.0, 1.0, 1.0, 1.0])


@pytest.mark.parametrize("m, k, clustered", [(3, 40, False), (3, 40, True), (0, 25, False), (1, 9, True),
                                             (4, 300, True)])
def test_the_sandwich_through_a_diagonal_block_is_the_dense_product(m, k, clustered):
    """C M C from C = E + U P U' (C's inverse diagonal on one factor's indicators), for any meat."""
    from glmstat.engine.linalg import sandwich_product

    rng = np.random.default_rng(m * 100 + k)
    n, p = 8 * k, m + k
    X = np.zeros((n, p))
    X[:, :m] = rng.normal(size=(n, m)) + 3.0
    X[np.arange(n), m + rng.permutation(np.arange(n) % k)] = 1.0
    order = rng.permutation(p)  # (the factor's columns anywhere, not only last)
    X = X[:, order]
    diagonal = np.flatnonzero(order >= m)
    C = np.linalg.inv(X.T @ (X * rng.uniform(0.1, 2.0, n)[:, None]))
    u = X * rng.normal(size=n)[:, None]
    if clustered:  # a cluster holds rows of several levels: M's block on the factor is not diagonal
        S = np.zeros((7, p))
        np.add.at(S, rng.integers(0, 7, n), u)
        M = S.T @ S
    else:
        M = u.T @ u
    np.testing.assert_allclose(sandwich_product(C, M, diagonal), C @ M @ C, rtol=1e-9,
                               atol=1e-12 * np.abs(C @ M @ C).max())


def test_a_wide_factor_sandwich_equals_the_one_without_the_block_structure(monkeypatch, tmp_path):
    """HC0/HC1/HC3 and clustered HC0/HC1 of a 600-level fit (its factor's block solved as a diagonal, and a
    column aliased), in memory and from Parquet row groups, equal the plain C M C."""
    import glmstat.design.structured as structured
    from glmstat.engine import linalg
    from glmstat.inference import robust
    from streamed_cases import row_groups

    rng = np.random.default_rng(12)
    n = 6000
    d = pd.DataFrame({"x": rng.normal(size=n), "a": rng.integers(0, 600, n).astype(str),
                      "firm": rng.integers(0, 40, n)})
    d["x2"] = 2.0 * d["x"] - 1.0  # aliased with x and the intercept
    d["y"] = rng.poisson(np.exp(0.5 + 0.3 * d["x"])).astype(float)
    parquet = row_groups(d, tmp_path)
    calls = []
    monkeypatch.setattr(robust, "sandwich_product",
                        lambda C, M, diagonal: calls.append(diagonal is not None) or linalg.sandwich_product(C, M,
                                                                                                       diagonal))

    def sandwiches(source):
        with pytest.warns(gs.AliasingWarning):
            fit = gs.glm("y ~ x + a + x2", source, family=gs.Poisson())
        out = [fit.robust(t).vcov.to_numpy() for t in ("HC0", "HC1", "HC3")]
        return out + [fit.robust(t, cluster="firm").vcov.to_numpy() for t in ("HC0", "HC1")]

    blocked = sandwiches(d) + sandwiches(parquet)
    assert all(calls)
    calls.clear()
    monkeypatch.setattr(structured, "DIAGONAL_SOLVE_COLUMNS", 10**9)
    dense = sandwiches(d) + sandwiches(parquet)
    assert not any(calls)
    for a, b in zip(blocked, dense):
        assert np.isnan(a[-1]).all() and np.isnan(b[-1]).all()
        a, b = a[:-1, :-1], b[:-1, :-1]
        # (the two fits solve X'WX differently: C agrees to ~1e-12 of its largest entry)
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-11 * np.abs(b).max())
        np.testing.assert_allclose(np.diag(a), np.diag(b), rtol=1e-9)


@pytest.mark.parametrize("model", ["poisson", "gamma"])
def test_clustered_bias_reduced_sandwich_with_zero_weight_rows_matches_r(model):
    """vcovCL HC2/HC3 with rows of prior weight 0 in the clusters: such a row's column of H_g is 0 but its row
    is not, so it gets an adjusted score of its own.  HC2 took (I - H_g)^(-1/2) from the eigenvectors of the
    non-symmetric m x m matrix, which were (near) singular: wrong numbers (a standard error 0.235 for
    R's 0.106) or a raw LinAlgError.  tests/fixtures/cluster_zero_weights, from make_cluster_zero_weights.R."""
    here = FIXTURES / "cluster_zero_weights"
    ref = json.loads((here / "ref.json").read_text())[model]
    d = pd.read_csv(here / "data.csv")
    family = gs.Poisson() if model == "poisson" else gs.Gamma(link="log")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], d, family=family, weights="w", tol=1e-12, max_iter=100)
    assert_close(fit.coef, ref["coefficients"], rtol=1e-8)
    for t in TYPES:
        assert_close(fit.robust(t, cluster="cl").vcov, ref["vcov"][t], rtol=1e-7)


def test_cluster_values_that_differ_after_a_nul_are_distinct_clusters():
    # (pandas before 3.1 hashes texts to their first NUL: "" and "\x00", "a\x00b" and "a\x00c" were one cluster)
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"y": rng.normal(size=60), "x": rng.normal(size=60),
                       "cl": np.array(["", "\x00", "a\x00b", "a\x00c", "z", "q"] * 10, dtype=object)})
    plain = df.assign(cl=df["cl"].map({"": "e", "\x00": "n", "a\x00b": "ab", "a\x00c": "ac", "z": "z", "q": "q"}))
    fit, same = gs.glm("y ~ x", df), gs.glm("y ~ x", plain)
    np.testing.assert_array_equal(fit.robust(type="HC0", cluster="cl").std_errors,
                                  same.robust(type="HC0", cluster="cl").std_errors)


def test_streamed_cluster_values_that_differ_after_a_nul_are_distinct_clusters(tmp_path):
    # (the streamed fit's clusters are counted and summed block by block: the same check of pandas' factorize)
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"y": rng.normal(size=60), "x": rng.normal(size=60),
                       "cl": np.array(["", "\x00", "a\x00b", "a\x00c", "z", "q"] * 10, dtype=object)})
    path = tmp_path / "rows.parquet"
    df.to_parquet(path, row_group_size=7, index=False)
    np.testing.assert_allclose(gs.glm("y ~ x", str(path)).robust(type="HC0", cluster="cl").std_errors,
                               gs.glm("y ~ x", df).robust(type="HC0", cluster="cl").std_errors, rtol=1e-12)
