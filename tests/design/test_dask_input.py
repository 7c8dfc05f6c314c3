"""``glm(formula, dask_dataframe)`` on a real ``LocalCluster`` with two worker processes: the same numbers as
the in-memory fit (1e-8) for every case, with an empty partition, a partition whose rows are all dropped for
missing values and a factor level present in one partition only; per-row results come back as dask
collections indexed like the caller's rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from streamed_cases import (CASES, ESTIMATED, GROUP, N, TRANSFORM_VALUES, assert_same_estimated_fit,
                            assert_same_fit, assert_same_influence, assert_same_plots, close, computed, data, fit)

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data()


@pytest.fixture(scope="module")
def ddf(frame, client):
    """12 partitions of 200 rows: the 6th all missing x1, the last holding the only rows of level l99."""
    parts = dd.from_pandas(frame, npartitions=N // GROUP, sort=False)
    assert parts.npartitions == N // GROUP
    return parts


@pytest.mark.parametrize("case", list(CASES))
def test_dask_fit_equals_the_in_memory_fit(case, frame, ddf):
    formula, family, weights = CASES[case]
    mem = fit(formula, frame, family, weights)
    streamed = fit(formula, ddf, family, weights)
    assert_same_fit(streamed, mem, ddf, frame)
    assert streamed.rows_used.equals(mem.rows_used)


@pytest.mark.parametrize("case", ["negbin_theta", "firth_logit_aliased"])  # (the Parquet tests run all of them)
def test_estimated_theta_and_firth_on_the_cluster_equal_the_in_memory_fit(case, frame, ddf, monkeypatch):
    """Theta's Newton steps and Firth's leverages as map-reduces over the partitions (Firth's shifted start
    and the aliasing QR run on the workers): the in-memory numbers, and no partition's rows ever travel to
    this process."""
    from glmstat.design.dask import DaskSource

    def rows_here(self):
        raise AssertionError("a partition's rows were brought to the client")

    formula, family, weights, method = ESTIMATED[case]
    mem = fit(formula, frame, family, weights, method)
    monkeypatch.setattr(DaskSource, "blocks", rows_here)
    assert_same_estimated_fit(fit(formula, ddf, family, weights, method), mem)


@pytest.mark.parametrize("case", list(TRANSFORM_VALUES))
def test_an_expression_of_a_transform_equals_the_in_memory_fit(case, frame, ddf):
    """The partitions are summarized again with the transform's parameters, which travel to the workers."""
    formula, family = TRANSFORM_VALUES[case]
    assert_same_fit(fit(formula, ddf, family, None), fit(formula, frame, family, None), ddf, frame)


@pytest.fixture(scope="module")
def own_order(frame, client):
    """The rows with g also as a categorical of its own level order (an unused level second): only the last
    partition holds l99, its first level."""
    levels = ["l99", "unused"] + [f"l{i:02d}" for i in range(7, -1, -1)]
    rows = frame.assign(gr=pd.Categorical(frame["g"], categories=levels))
    return rows, dd.from_pandas(rows, npartitions=N // GROUP, sort=False)


@pytest.mark.parametrize("formula", ["count ~ x1 + factor(gr)", 'count ~ x1 + relevel(factor(gr), ref = "l03")',
                                     "count ~ x1 + relevel(factor(gr), ref = 1)"])
def test_factor_of_a_categorical_keeps_its_order_when_partitions_lack_levels(formula, own_order):
    """factor() of a categorical drops its unused levels, in the categorical's order: each partition keeps them
    all, and the merge drops those no row uses (a partition's levels differed, and were sorted)."""
    rows, parts = own_order
    mem = fit(formula, rows, gs.Poisson(), None)
    assert mem.column_names[-1].endswith("[T.l00]")  # the categorical's order (sorted, l99 would be last)
    assert_same_fit(fit(formula, parts, gs.Poisson(), None), mem, parts, rows)


def test_relevel_to_a_position_counting_an_unused_level_is_refused(own_order):
    # (in memory factor(gr) has no level 'unused', and position 2 is l07; a partition cannot know that)
    with pytest.raises(gs.DataError, match="some levels it counts are used by no row"):
        fit("count ~ x1 + relevel(factor(gr), ref = 2)", own_order[1], gs.Poisson(), None)


def test_an_empty_partition_is_skipped(frame, ddf):
    emptied = ddf.map_partitions(lambda d: d[d.index >= GROUP])  # the first partition now has no rows
    assert len(emptied.partitions[0].compute()) == 0
    mem = fit("count ~ x1 + g + offset(log(expo))", frame.iloc[GROUP:], gs.Poisson(), None)
    f = fit("count ~ x1 + g + offset(log(expo))", emptied, gs.Poisson(), None)
    close(f.coef, mem.coef)
    close(f.std_errors, mem.std_errors)
    close(f.hat_values(), mem.hat_values())


def test_a_level_in_one_partition_only_and_a_partition_all_dropped(frame, ddf):
    f = fit("count ~ x1 + g", ddf, gs.Poisson(), None)
    assert "g[T.l99]" in f.column_names
    assert f.dropped_by["x1"] == GROUP
    parts = f.fitted_values.to_delayed()
    assert len(parts) == ddf.npartitions
    assert len(parts[5].compute()) == 0  # the partition whose x1 is all missing: no rows used


def test_per_row_results_are_dask_collections_indexed_like_the_data(frame, ddf):
    f = fit("count ~ x1 + h + offset(log(expo))", ddf, gs.Poisson(), None)
    mem = fit("count ~ x1 + h + offset(log(expo))", frame, gs.Poisson(), None)
    for lazy, eager in ((f.fitted_values, mem.fitted_values), (f.residuals("deviance"), mem.residuals("deviance")),
                        (f.hat_values(), mem.hat_values()), (f.cooks_distance(), mem.cooks_distance())):
        assert isinstance(lazy, dd.Series)
        got = lazy.compute()
        assert got.index.equals(eager.index)
        close(got, eager)
    aug = f.augment()
    assert isinstance(aug, dd.DataFrame)
    assert list(aug.columns) == list(mem.augment().columns)
    p = f.predict(ddf, se_fit=True)
    assert isinstance(p, dd.DataFrame)
    close(p["se"], mem.predict(frame, se_fit=True)["se"])


@pytest.mark.parametrize("below", [0, 1, "half a group"])
def test_influence_measures_of_a_dask_fit_on_both_sides_of_the_block_size(below, frame, ddf, monkeypatch):
    """std_residuals, influence_summary, dfbeta and dfbetas of a dask fit (pandas objects: the rows come to the
    client) with the rows in one influence block, over it by one, and every partition cut in two: the in-memory
    measures."""
    from glmstat.inference import influence

    formula = "count ~ x1 + g + h + offset(log(expo))"
    mem = fit(formula, frame, gs.Poisson(), None)
    n = mem.fit_data.source.n_rows
    monkeypatch.setattr(influence, "BLOCK_ROWS", GROUP // 2 if below == "half a group" else n - below)
    assert_same_influence(fit(formula, ddf, gs.Poisson(), None), mem)


def test_profile_interval_and_rao_scores_on_the_cluster(frame, ddf):
    mem = fit("count ~ x1 + h + offset(log(expo))", frame, gs.Poisson(), None)
    f = fit("count ~ x1 + h + offset(log(expo))", ddf, gs.Poisson(), None)
    close(f.conf_int(method="profile", parm=["x1"]), mem.conf_int(method="profile", parm=["x1"]))
    close(f.anova(test="Rao")["rao"].iloc[1:], mem.anova(test="Rao")["rao"].iloc[1:])
    close(f.drop1(test="Rao")["statistic"].iloc[1:], mem.drop1(test="Rao")["statistic"].iloc[1:])


def test_a_fit_outlives_its_cluster(frame):
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster):
        f = fit("count ~ x1 + h", dd.from_pandas(frame, npartitions=4), gs.Poisson(), None)
    mem = fit("count ~ x1 + h", frame, gs.Poisson(), None)
    close(f.aic, mem.aic)  # computed after the cluster closed: from the data's graph
    close(computed(f.hat_values()), mem.hat_values())


def test_what_travels_per_iteration_is_small(ddf):
    """Each partition's share of an IRLS pass is a reducer of p x p and p numbers, never rows."""
    from functools import partial

    from glmstat.engine.scoring_pass import pass_block
    from glmstat.engine.kernel import kernel_for

    f = fit("count ~ x1 + g + h", ddf, gs.Poisson(), None)
    src = f.fit_data.source
    p = src.n_cols
    part = partial(pass_block, f.family, kernel_for(f.family), f.fit_data.beta, False, None, p)
    import pickle

    shares = [pickle.dumps(part(b)) for b in src.blocks()]
    assert max(len(s) for s in shares) < 8 * (p * p + p) + 2000


def test_cluster_robust_covariance_on_the_cluster(frame, ddf, monkeypatch):
    """Clustered HC0 to HC3 on worker processes (what runs there pickles); with an 8 kB bucket of rows the
    clusters of ~250 rows are summed over the partitions and l99's 40 rows gathered."""
    from glmstat.inference import streamed_clusters

    mem = fit("count ~ x1 + h + offset(log(expo))", frame, gs.Poisson(), None)
    f = fit("count ~ x1 + h + offset(log(expo))", ddf, gs.Poisson(), None)
    for kind in ("HC0", "HC1", "HC2", "HC3"):
        close(f.robust(kind, cluster="g").std_errors, mem.robust(kind, cluster="g").std_errors)
    monkeypatch.setattr(streamed_clusters, "GATHER_BYTES", 8000)
    for kind in ("HC2", "HC3"):
        close(f.robust(kind, cluster="g").vcov, mem.robust(kind, cluster="g").vcov)


def test_augment_written_from_the_workers(frame, ddf, tmp_path):
    mem = fit("count ~ x1 + h", frame, gs.Poisson(), None)
    f = fit("count ~ x1 + h", ddf, gs.Poisson(), None)
    written = pd.read_parquet(f.augment(path=str(tmp_path / "aug")))  # (its files in the order of their names)
    expected = mem.augment()
    close(written.set_index("row").loc[expected.index, "cooks_d"], expected["cooks_d"])


def test_a_pickled_dask_fit_keeps_the_model_not_the_rows(frame, ddf):
    import pickle

    f = fit("count ~ x1 + h + offset(log(expo))", ddf, gs.Poisson(), None)
    g = pickle.loads(pickle.dumps(f))
    close(g.coef, f.coef)
    close(g.std_errors, f.std_errors)
    close(g.aic, f.aic)
    close(g.predict(frame.head(50)), f.predict(frame.head(50)))
    assert "Residual deviance" in str(g.summary()) and "Residual deviance" in g.summary()._repr_html_()
    with pytest.raises(gs.DataError, match="its rows stayed on the dask cluster"):
        g.hat_values()
    with pytest.raises(gs.DataError, match="loaded from a pickle"):  # (was an AttributeError)
        g.robust("HC0", cluster="h")


@pytest.fixture(scope="module")
def poisson(frame, ddf):
    """(in memory, on the cluster): one Poisson fit with an offset, for the features that refit or re-read."""
    formula = "count ~ x1 + h + offset(log(expo))"
    return fit(formula, frame, gs.Poisson(), None), fit(formula, ddf, gs.Poisson(), None)


def test_update_and_add1_refit_from_the_same_dask_dataframe(poisson):
    """(step refits through the same function as add1: tested on a Parquet fit)"""
    mem, f = poisson
    up_m, up_s = mem.update("~ . - h"), f.update("~ . - h")
    assert up_s.formula == up_m.formula and not up_s.model_frame.in_memory
    close(up_s.coef, up_m.coef, what="update")
    a, b = f.add1("~ . + x1:h", test="Chisq"), mem.add1("~ . + x1:h", test="Chisq")
    close(a[["deviance", "aic"]], b[["deviance", "aic"]], what="add1")
    close(a["p_value"].iloc[1:], b["p_value"].iloc[1:], what="add1 p")


def test_a_pickled_dask_fit_cannot_refit_from_its_data(poisson):
    import pickle

    g = pickle.loads(pickle.dumps(poisson[1]))
    with pytest.raises(gs.DataError, match="keeps no reference to the dask DataFrame"):
        g.update("~ . - h")
    with pytest.raises(gs.DataError, match="keeps no reference to the dask DataFrame"):
        g.add1("~ . + g")


def test_emmeans_on_the_cluster(poisson):
    mem, f = poisson
    close(f.emmeans("h"), mem.emmeans("h"))
    close(f.emmeans_pairs("h")["p_value"], mem.emmeans_pairs("h")["p_value"])


def test_quantile_residuals_on_the_cluster(frame, ddf, poisson):
    from scipy import special

    formula = "pos ~ x1 + x2 + h"  # continuous: no draws, the in-memory residuals
    mem, f = fit(formula, frame, gs.Gamma(link="log"), "w"), fit(formula, ddf, gs.Gamma(link="log"), "w")
    close(f.residuals("quantile", seed=1), mem.residuals("quantile", seed=1))
    mem, f = poisson  # discrete: each partition draws from its own stream
    r = f.residuals("quantile", seed=7)
    assert isinstance(r, dd.Series)
    got = r.compute()
    assert got.index.equals(mem.rows_used)
    np.testing.assert_array_equal(got, f.residuals("quantile", seed=7).compute())  # reproducible from the seed
    assert not np.allclose(got, f.residuals("quantile", seed=8).compute())
    y, mu = frame.loc[mem.rows_used, "count"].to_numpy(), mem.fitted_values.to_numpy()
    lo, hi = gs.Poisson().cdf(y, mu, np.ones_like(y), 1.0)  # each u = Phi(r) lies in [F(y-), F(y)]
    u = special.ndtr(got.to_numpy())
    assert np.all(u >= lo - 1e-9) and np.all(u <= hi + 1e-9)


def test_average_marginal_effects_on_the_cluster(frame, ddf):
    formula = "yes ~ scale(x1) + g + h"
    mem, f = fit(formula, frame, gs.Binomial(), None), fit(formula, ddf, gs.Binomial(), None)
    a, b = f.average_marginal_effects(), mem.average_marginal_effects()
    assert list(a["contrast"]) == list(b["contrast"])
    close(a[["estimate", "std_error"]], b[["estimate", "std_error"]])
    a, b = f.average_marginal_effects("x1", at={"h": "c"}), mem.average_marginal_effects("x1", at={"h": "c"})
    close(a[["estimate", "std_error"]], b[["estimate", "std_error"]])


def test_emmeans_and_marginal_effects_of_a_categorical_of_numbers(frame):
    """A categorical of integers is a factor: the reference grid and the rows set to each level keep it one
    (as plain values, which each partition's rows were turned into, 33, 2 and 10 read as numbers and were
    refused as 'numeric in the new data'), also when a partition's categories are only its own levels."""
    rng = np.random.default_rng(3)
    k = rng.choice([10, 2, 33], N)
    k[:GROUP] = 2  # the first partition holds one level
    rows = frame.assign(k=pd.Categorical(k, categories=[33, 2, 10, 7]))
    known = dd.from_pandas(rows, npartitions=N // GROUP, sort=False)
    own = dd.from_pandas(rows.assign(k=k), npartitions=N // GROUP, sort=False)
    own["k"] = own["k"].astype("category")  # categories unknown: each partition's are its own values
    formula = "count ~ x1 + k + h:k + offset(log(expo))"
    mem = fit(formula, rows, gs.Poisson(), None)
    for parts, ref in ((known, mem), (own, fit(formula, rows.assign(k=pd.Categorical(k)), gs.Poisson(), None))):
        f = fit(formula, parts, gs.Poisson(), None)
        a, b = f.emmeans("k"), ref.emmeans("k")
        assert list(a.index) == list(b.index)
        close(a[["estimate", "std_error"]], b[["estimate", "std_error"]])
        for at in (None, {"k": 33}):
            a, b = f.average_marginal_effects(at=at), ref.average_marginal_effects(at=at)
            assert list(a["contrast"]) == list(b["contrast"])
            close(a[["estimate", "std_error"]], b[["estimate", "std_error"]])


def test_plots_on_the_cluster(poisson):
    """Effects from one pass of column summaries on the workers, diagnostics from one pass of augment(); the
    half-normal envelope, which would refit 20 times, is refused."""
    pytest.importorskip("matplotlib").use("Agg")
    mem, f = poisson
    assert_same_plots(f, mem, ("x1", "h"))
    with pytest.raises(gs.GLMStatError, match="Parquet path or a dask DataFrame"):
        f.plot("halfnormal", nsim=5)
