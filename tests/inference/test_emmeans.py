"""Estimated marginal means (fit.emmeans) and their pairwise comparisons (fit.emmeans_pairs) against R's
emmeans with type = "response" and pairs() (fixtures/inference2)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, family_of
from inference2_refs import CASES, as_list, assert_p, fit, numbers, ref


def own_emmeans():
    return [pytest.param(cid, e, id=f"{cid}-{e['term']}") for cid in CASES for e in ref(cid).get("emmeans", [])]


def check_means(got, e):
    levels = [as_list(lv) for lv in e["levels"]]
    keys = levels[0] if len(levels) == 1 else list(zip(*levels))
    assert list(got.index) == keys
    for col in ("estimate", "std_error", "lower", "upper"):
        assert_close(got[col], numbers(e[col]), rtol=1e-6)
    df = numbers(e["df"])
    assert_close(got["df"], np.where(np.isnan(df), np.inf, df))


@pytest.mark.parametrize("cid, e", own_emmeans())
def test_means_match_emmeans(cid, e):
    check_means(fit(cid).emmeans(e["term"]), e)


@pytest.mark.parametrize("cid", ["warpbreaks_interaction", "anorexia_gauss"])
def test_shared_reference(cid):
    e = ref(cid)["emmeans"]
    check_means(fit(cid).emmeans(e["term"]), {**e, "levels": [e["levels"]]})


def own_pairs():
    return [pytest.param(cid, e["term"], p, id=f"{cid}-{e['term']}-{p['adjust']}") for cid in CASES
            for e in ref(cid).get("emmeans", []) for p in e.get("pairs", [])]


@pytest.mark.parametrize("cid, term, p", own_pairs())
def test_pairs_match_emmeans(cid, term, p):
    got = fit(cid).emmeans_pairs(term, adjust=p["adjust"])
    assert list(got.index) == as_list(p["contrast"])
    for col in ("estimate", "std_error", "statistic"):
        assert_close(got[col], numbers(p[col]), rtol=1e-6)
    df = numbers(p["df"])
    assert_close(got["df"], np.where(np.isnan(df), np.inf, df))
    want = numbers(p["p_value"])
    if p["adjust"] == "tukey":  # R's ptukey (and scipy's) keep no digits below about 1e-12
        tiny = want < 1e-10
        assert np.all(got["p_value"].to_numpy()[tiny] < 1e-10)
        assert_close(got["p_value"].to_numpy()[~tiny], want[~tiny], rtol=1e-5)
    else:
        assert_p(got["p_value"], want, rtol=1e-6)


def test_level_and_errors():
    f = fit("insectsprays_poisson")
    wide = f.emmeans("spray", level=0.99)
    narrow = f.emmeans("spray")
    assert np.all(wide["lower"] < narrow["lower"]) and np.all(wide["upper"] > narrow["upper"])
    with pytest.raises(gs.GLMStatError, match="not a variable"):
        f.emmeans("dose")
    with pytest.raises(gs.GLMStatError, match="unknown adjustment"):
        f.emmeans_pairs("spray", adjust="bogus")
    with pytest.raises(gs.GLMStatError, match="by simulation, whose p-values change from run to run: not offered"):
        f.emmeans_pairs("spray", adjust="mvt")
    assert "tukey" in f.emmeans_pairs("spray").attrs["heading"]


def test_aliased_columns_on_many_rows():
    """With an aliased column the means are checked for estimability against the null space of the design;
    that took the SVD of the n x p design with its n x n left vectors (80 GB here: a MemoryError).  Closed
    form: x is centred within each group, so with z = 2x aliased the mean of group g at the grid's x = 0 is
    the group's mean of y, and its standard error sigma / sqrt(n_g), sigma^2 = RSS / (n - 5) of the fit of y
    on the groups and the pooled within-group slope of x."""
    n = 100_000
    i = np.arange(n)
    g = np.array(["a", "b", "c", "d"])[i % 4]
    x = ((i // 4) % 50) - 24.5
    y = 1.0 + 0.3 * (i % 4) + 0.5 * x + ((i * 7919) % 1000) / 1000.0 - 0.5
    data = {"y": y, "g": g, "x": x, "z": 2.0 * x}
    means = np.array([y[g == k].mean() for k in "abcd"])
    slope = np.sum(x * y) / np.sum(x * x)
    rss = np.sum((y - means[i % 4] - slope * x) ** 2)
    with pytest.warns(gs.AliasingWarning):
        f = gs.glm("y ~ g + x + z", pd.DataFrame(data))
    got = f.emmeans("g")
    assert list(got.index) == list("abcd")
    assert_close(got["estimate"], means, rtol=1e-9)
    assert_close(got["std_error"], np.full(4, np.sqrt(rss / (n - 5) / (n / 4))), rtol=1e-9)


def test_logical_levels_are_labelled_as_r_writes_them():
    """emmeans labels a logical's levels FALSE and TRUE (R's as.character); glmstat wrote Python's False and
    True, so the means could not be looked up by R's labels (fixtures/inference2/more/emmeans_logical.json,
    scripts/make_emmeans_logical.R)."""
    r = json.loads((FIXTURES / "inference2" / "more" / "emmeans_logical.json").read_text())
    d = pd.read_csv(FIXTURES / "data" / "mtcars.csv")
    f = gs.glm(r["formula"][0], d.assign(manual=d["am"] == 1), tol=1e-12)
    got = f.emmeans("manual")
    assert list(got.index) == r["levels"]
    assert_close(got["estimate"], r["estimate"], rtol=1e-8)
    assert_close(got["std_error"], r["std_error"], rtol=1e-8)
    pairs = f.emmeans_pairs("manual", adjust="none")
    assert list(pairs.index) == r["contrast"]
    assert_close(pairs["estimate"], r["pair_estimate"], rtol=1e-8)
    assert_close(pairs["p_value"], r["pair_p_value"], rtol=1e-6)
    assert list(f.average_marginal_effects("manual")["contrast"]) == ["TRUE"]


def as_input(d: pd.DataFrame, kind: str, tmp_path, row_group_size: int, partitions: int = 4):
    """``d`` as a fit reads it: the DataFrame itself ("in-memory"), a Parquet file of row groups of
    ``row_group_size`` rows ("parquet", streamed) or a dask DataFrame of ``partitions`` partitions ("dask")."""
    if kind == "parquet":
        pytest.importorskip("pyarrow")
        d.to_parquet(tmp_path / "data.parquet", row_group_size=row_group_size, index=False)
        return str(tmp_path / "data.parquet")
    if kind == "dask":
        return pytest.importorskip("dask.dataframe").from_pandas(d, npartitions=partitions)
    return d


def more_cases(name: str, case_id) -> list:
    """The cases of ``fixtures/inference2/more/<name>.json`` as parameters, each named by ``case_id(case)``."""
    cases = json.loads((FIXTURES / "inference2" / "more" / f"{name}.json").read_text())
    return [pytest.param(case, id=case_id(case)) for case in cases]


@pytest.mark.parametrize("streamed", ["in-memory", "parquet"])
@pytest.mark.parametrize("case", more_cases("emmeans_computed", lambda c: c["variable"]))
def test_a_column_read_through_an_expression_has_its_own_values_as_levels(case, streamed, tmp_path):
    """cyl in factor(cyl > 4): emmeans' grid sets cyl to 4, 6 and 8 (fixtures/inference2/more/
    emmeans_computed.json, scripts/make_emmeans_computed.R).  Set to the expression's levels FALSE and TRUE
    instead, cyl > 4 was never true: every level had the same mean, and every marginal contrast was 0."""
    data = as_input(pd.read_csv(FIXTURES / "data" / "mtcars.csv"), streamed, tmp_path, row_group_size=10)
    family = {"gaussian": gs.Gaussian(), "poisson": gs.Poisson()}[case["family"]]
    f = gs.glm(case["formula"], data, family=family, tol=1e-12)
    got = f.emmeans(case["variable"])
    assert list(got.index) == case["levels"]
    assert_close(got["estimate"], case["estimate"], rtol=1e-7)
    assert_close(got["std_error"], case["std_error"], rtol=1e-6)
    if case["family"] == "gaussian":  # identity link: each level's contrast with 4 is the factor's coefficient
        ame = f.average_marginal_effects("cyl").set_index("contrast")
        assert list(ame.index) == ["6", "8"]
        assert_close(ame["estimate"], np.full(2, f.coef["factor(cyl > 4)[T.True]"]), rtol=1e-9)


@pytest.mark.parametrize("streamed", ["in-memory", "parquet", "dask"])
@pytest.mark.parametrize("case", more_cases("emmeans_nested", lambda c: f"{c['formula']}-{c['term']}"))
def test_nesting_found_in_the_data_is_averaged_within_the_parent(case, streamed, tmp_path):
    """a1-a3 occur only with b1 and a4 only with b2 (A in B): emmeans finds the nesting in the data and averages
    A within each level of B over the levels that occur there (fixtures/inference2/more/emmeans_nested.json,
    scripts/make_emmeans_nested.R).  glmstat averaged over the full crossing, and every mean of y ~ B + A + D was
    NaN (not estimable); a streamed fit still did, until the combinations that occur were gathered in one pass
    over its data (Parquet row groups of 25 rows, 4 dask partitions: no chunk holds every combination).  In
    y ~ factor(x > 0) + B + D one value of x occurs with both levels of B: nothing is nested, and the means are
    the full crossing's, as before."""
    data = as_input(pd.read_csv(FIXTURES / "inference2" / "more" / "emmeans_nested.csv"), streamed, tmp_path,
                    row_group_size=25, partitions=4)
    f = gs.glm(case["formula"], data, family=gs.Poisson(), tol=1e-12)
    got = f.emmeans(case["term"]).loc[case["levels"]]
    assert_close(got["estimate"], case["estimate"], rtol=1e-7)
    assert_close(got["std_error"], case["std_error"], rtol=1e-6)


@pytest.mark.parametrize("streamed", ["in-memory", "parquet"])
@pytest.mark.parametrize("case", more_cases("emmeans_logical_expression", lambda c: c["family"]))
def test_a_column_read_through_a_logical_expression_stays_numeric(case, streamed, tmp_path):
    """wt in I(wt > 3) (a logical, not a factor in R): emmeans' grid holds wt at its mean and its marginal effect
    is a dydx (fixtures/inference2/more/emmeans_logical_expression.json, scripts/
    make_emmeans_logical_expression.R).  glmstat made wt a factor of its 29 distinct values: the Gamma means
    were 20.4316 and 18.5200 for R's 19.4574 and 17.6369, and wt's effects were 28 contrasts, no dydx."""
    data = as_input(pd.read_csv(FIXTURES / "data" / "mtcars.csv"), streamed, tmp_path, row_group_size=10)
    family = gs.Gamma(link="log") if case["family"] == "Gamma" else gs.Gaussian()
    f = gs.glm(case["formula"], data, family=family, tol=1e-12, max_iter=100)
    got = f.emmeans("am")
    assert list(got.index) == case["levels"]
    assert_close(got["estimate"], case["estimate"], rtol=1e-7)
    assert_close(got["std_error"], case["std_error"], rtol=1e-6)
    ame = f.average_marginal_effects("wt")
    assert list(ame["contrast"]) == ["dydx"]
    assert_close(ame["estimate"], [case["ame_wt"]], rtol=1e-5, atol=1e-10)
    assert_close(ame["std_error"], [case["ame_wt_se"]], rtol=1e-5, atol=1e-10)


@pytest.mark.parametrize("streamed", ["in-memory", "parquet"])
def test_a_column_read_through_an_expression_with_too_many_values_is_refused(streamed, tmp_path, monkeypatch):
    """Setting hp to each of its 22 values is 22 evaluations of the model (per cell of the grid): past the
    bound (lowered here) the variable is refused by name, whether asked for or only part of the grid; the
    others' effects still come."""
    pytest.importorskip("pyarrow")
    from glmstat.inference import variables

    monkeypatch.setattr(variables, "LEVELS_KEPT", 21)
    if streamed == "parquet":
        from glmstat.inference import column_summaries

        monkeypatch.setattr(column_summaries, "LEVELS_KEPT", 21)
    data = as_input(pd.read_csv(FIXTURES / "data" / "mtcars.csv"), streamed, tmp_path, row_group_size=10)
    f = gs.glm("carb ~ factor(hp > 150) + wt", data, family=gs.Poisson())
    many = "more than 21" if streamed == "parquet" else "22 \\(more than 21\\)"
    refused = f"'hp' is read only through the factor 'factor\\(hp > 150\\)'.* it has {many} distinct values"
    for ask in (lambda: f.emmeans("hp"), lambda: f.emmeans("wt"), lambda: f.average_marginal_effects()):
        with pytest.raises(gs.GLMStatError, match=refused):
            ask()
    assert list(f.average_marginal_effects("wt")["contrast"]) == ["dydx"]


def nonestimable():
    r = json.loads((FIXTURES / "inference2" / "more" / "emmeans_nonestimable.json").read_text())
    d = pd.read_csv(FIXTURES / "data" / "birthwt.csv")
    d["race"] = pd.Categorical(d["race"], categories=["white", "black", "other"])
    with pytest.warns(gs.AliasingWarning):
        f = gs.glm(r["formula"][0], d, tol=1e-12)
    return r, f


def assert_nan_where_r_is_na(got, want):
    want = np.array([np.nan if w is None else w for w in want], dtype=float)
    got = np.asarray(got, dtype=float)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert_close(got[~np.isnan(want)], want[~np.isnan(want)], rtol=1e-7)


def test_a_mean_and_comparisons_that_are_not_estimable():
    """birthwt has no row with race = other, smoke = 1 and ht = 1: the mean of 'other' is nonEst in emmeans,
    and so are both comparisons with it -- estimate, SE, df, t and p all NA under every adjustment
    (fixtures/inference2/more/emmeans_nonestimable.json, scripts/make_emmeans_nonestimable.R).  The
    comparisons had a standard error (sqrt(D V D') over the kept columns) and the mean a df."""
    r, f = nonestimable()
    got = f.emmeans("race")
    assert list(got.index) == r["levels"]
    for col in ("estimate", "std_error", "df", "lower", "upper"):
        assert_nan_where_r_is_na(got[col], r[col])
    for p in r["pairs"]:
        got = f.emmeans_pairs("race", adjust=p["adjust"][0])
        assert list(got.index) == p["contrast"]
        for col in ("estimate", "std_error", "df", "statistic", "p_value"):
            assert_nan_where_r_is_na(got[col], p[col])


def test_a_comparison_whose_nonestimable_parts_cancel_is_reported():
    """y ~ g * h + k with the cell (g = c, h = 2) empty: the means of the cells of g:k, averaged over h, are
    not estimable for g = c, but those of (c, u) and (c, v) carry the missing cell with the same weight, so
    their difference is estimable: it is the k effect, -b[k[T.v]] with that coefficient's standard error."""
    rng = np.random.default_rng(3)
    n = 240
    g = np.array(list("abc"))[np.arange(n) % 3]
    h = np.array(["1", "2"])[(np.arange(n) // 3) % 2]
    k = np.array(["u", "v"])[(np.arange(n) // 6) % 2]
    keep = ~((g == "c") & (h == "2"))
    d = pd.DataFrame({"y": rng.normal(size=n), "g": g, "h": h, "k": k})[keep]
    with pytest.warns(gs.AliasingWarning):
        f = gs.glm("y ~ g * h + k", d)
    got = f.emmeans_pairs("g:k", adjust="none")
    assert got.loc["c u - c v", "estimate"] == pytest.approx(-f.coef["k[T.v]"], rel=1e-9)
    assert got.loc["c u - c v", "std_error"] == pytest.approx(f.std_errors["k[T.v]"], rel=1e-9)
    assert np.isnan(got.loc["a u - c v", "std_error"]) and np.isnan(got.loc["a u - c v", "df"])
    assert np.isnan(f.emmeans("g:k").loc[("c", "u"), "std_error"])


def test_a_model_of_more_variables_than_numpy_has_axes():
    """Every variable was an axis of the reference grid, of one value for a numeric variable at its mean:
    past 64 variables numpy raised its ValueError (maximum supported dimension).  Axes of one value are
    left out; the means are those of a grid of the factor alone, the numeric variables at their means."""
    rng = np.random.default_rng(5)
    n = 120
    d = pd.DataFrame({f"c{i}": rng.normal(size=n) for i in range(70)})
    d["g"] = np.array(list("abc"))[np.arange(n) % 3]
    d["y"] = rng.normal(size=n) + (d["g"] == "b")
    f = gs.glm("y ~ g + " + " + ".join(f"c{i}" for i in range(70)), d)
    got = f.emmeans("g")
    X = np.zeros((3, len(f.coef)))
    X[:, 0] = 1.0
    X[1, 1] = X[2, 2] = 1.0  # g[T.b], g[T.c]
    X[:, 3:] = d[[f"c{i}" for i in range(70)]].mean().to_numpy()
    assert list(got.index) == ["a", "b", "c"]
    assert_close(got["estimate"], X @ f.coef.to_numpy(), rtol=1e-9)
    both = f.emmeans("c3:g")  # (a numeric variable at its mean, and the factor)
    assert_close(both["estimate"], got["estimate"], rtol=1e-12)
    assert list(both.index.names) == ["c3", "g"] and both.index.get_level_values("g").tolist() == ["a", "b", "c"]


def signal_fit(k: int, seed: int, reps: int = 3):
    """A Gaussian fit of y on a k-level factor whose level effects (sd 3, errors sd 1) spread the Tukey
    p-values of its pairs from 1 to far below 1e-10."""
    rng = np.random.default_rng(seed)
    effects = rng.normal(scale=3.0, size=k)
    d = pd.DataFrame({"y": np.tile(effects, reps) + rng.normal(size=reps * k),
                      "a": [f"L{i:03d}" for i in range(k)] * reps})
    return gs.glm("y ~ a", d)


def scipy_tukey(t: np.ndarray, k: int, df: float) -> np.ndarray:
    """Tukey's p-values from scipy, one integral per pair: P(Q_{k,df} > sqrt(2)|t|), below 1e-10 k(k-1)/2 p."""
    from scipy import stats

    s = stats.studentized_range.sf(np.sqrt(2.0) * np.abs(t), k, df)
    return np.where(s < 1e-10, np.minimum(k * (k - 1) / 2 * 2 * stats.t.sf(np.abs(t), df), 1.0), s)


@pytest.mark.parametrize("k, seed", [(60, 1), (200, 2)])
def test_tukey_p_values_of_many_pairs_are_scipys(k, seed):
    """Every pair's tail is its own integral, for all pairs at once (glmstat/inference/studentized_range.py;
    scipy's integral, one a pair, took 8 ms, minutes for a 150-level factor).  Against scipy per pair, at pairs
    spread over the range of the p-values: a relative 1e-10 and an absolute 5e-13 (scipy's own values, 1 minus
    an integral, are off by up to about 2e-13: tests/inference/test_studentized_range.py); the union bound below
    1e-10."""
    got = signal_fit(k, seed).emmeans_pairs("a")
    assert len(got) == k * (k - 1) // 2
    df = got["df"].iloc[0]
    t = got["statistic"].to_numpy()
    order = np.argsort(np.abs(t))
    rng = np.random.default_rng(seed)
    sample = np.union1d(order[np.linspace(0, len(t) - 1, 30).astype(int)], rng.choice(len(t), 10, replace=False))
    want = scipy_tukey(t[sample], k, df)
    p = got["p_value"].to_numpy()[sample]
    assert want.max() > 0.5 and want.min() < 1e-10 and np.sum((want > 1e-10) & (want < 1e-4)) >= 5
    assert np.all(np.abs(p - want) <= 1e-10 * want + 5e-13)


def test_tukey_p_values_of_many_pairs_match_r():
    """A Gaussian fit of a 40-level factor, 780 pairs (interpolated: more than 100 distinct statistics), against
    emmeans(m, pairwise ~ a, adjust = "tukey") (fixtures/inference2/more/emmeans_many_levels.json and .csv,
    scripts/make_emmeans_many_levels.R).  R's ptukey is good to about 5e-7 relative, 3e-11 absolute in the tail
    (it differs from scipy by as much), and gives 0 or about 1e-11 below 1e-10."""
    r = json.loads((FIXTURES / "inference2" / "more" / "emmeans_many_levels.json").read_text())
    d = pd.read_csv(FIXTURES / "inference2" / "more" / "emmeans_many_levels.csv")
    got = gs.glm(r["formula"], d).emmeans_pairs(r["term"])
    assert list(got.index) == r["contrast"]
    assert_close(got["df"], np.full(len(got), r["df"]))
    assert_close(got["statistic"], r["statistic"], rtol=1e-9)
    want, p = np.array(r["p_value"]), got["p_value"].to_numpy()
    tiny = want < 1e-10
    assert 0 < tiny.sum() and np.sum(want < 1e-4) > 50
    assert np.all(p[tiny] < 1e-10)
    assert np.all(np.abs(p[~tiny] - want[~tiny]) <= 1e-6 * want[~tiny] + 5e-11)


def test_a_grid_under_emmeans_row_limit_is_never_refused():
    """A Poisson fit of y ~ g + g:x1 + f (a 300-level g, a 30-level f: 629 columns, structured) whose reference
    grid has 9,000 rows, under emmeans' rg.limit of 10,000, and 5.7 million cells, past the 2**22 that bound
    a grid of more rows: the means over g and over f, against emmeans(m, ~ g / ~ f, type = "response")
    (fixtures/inference2/more/emmeans_wide_grid.json and .csv.gz, scripts/make_emmeans_wide_grid.R)."""
    from glmstat.design.structured import StructuredDesign
    from glmstat.inference.reference_grid import GRID_CELLS, GRID_ROWS

    r = json.loads((FIXTURES / "inference2" / "more" / "emmeans_wide_grid.json").read_text())
    fit = gs.glm(r["formula"], pd.read_csv(FIXTURES / "inference2" / "more" / "emmeans_wide_grid.csv.gz"),
                 family=gs.Poisson(), tol=1e-12)
    assert isinstance(fit.model_frame.design, StructuredDesign) and len(fit.coef) == r["columns"] == 629
    assert 300 * 30 <= GRID_ROWS and 300 * 30 * 629 > GRID_CELLS
    for term in ("g", "f"):
        got = fit.emmeans(term)
        assert list(got.index) == r[term]["levels"]
        for col in ("estimate", "std_error", "lower", "upper"):
            assert_close(got[col], r[term][col], rtol=1e-6)


def test_tukey_p_values_of_many_pairs_call_no_scipy_integral(monkeypatch):
    """The 44,850 pairs of a 300-level factor (Gaussian: t-based, scipy's integral 8 to 20 ms each) make no call
    of scipy's studentized range: the tails are glmstat's own quadrature, for all pairs at once."""
    from scipy import stats

    calls = []
    sf = stats.studentized_range.sf
    monkeypatch.setattr(stats.studentized_range, "sf", lambda q, *a, **kw: calls.append(np.size(q)) or sf(q, *a, **kw))
    got = signal_fit(300, 3, reps=2).emmeans_pairs("a")
    assert len(got) == 44_850 and got["p_value"].notna().all()
    assert calls == []


def test_tukey_p_values_of_few_pairs_are_scipys():
    """A few pairs (normal-based: a Poisson fit) get scipy's values to a relative 1e-10 (its own error, up to
    about 2e-13 absolute, allowed)."""
    from scipy import stats

    rng = np.random.default_rng(4)
    d = pd.DataFrame({"y": rng.poisson(5.0, size=140), "a": [f"L{i:02d}" for i in range(14)] * 10})
    got = gs.glm("y ~ a", d, family=gs.Poisson()).emmeans_pairs("a")
    t = got["statistic"].to_numpy()
    s = stats.studentized_range.sf(np.sqrt(2.0) * np.abs(t), 14, np.inf)
    assert len(got) == 91 and np.all(s >= 1e-10)
    assert np.all(np.abs(got["p_value"].to_numpy() - s) <= 1e-10 * s + 5e-13)


def test_standard_error_keeps_the_small_entries_beside_a_large_one():
    """A Gamma log-link fit with a raw cubic in a covariate of mean ~800: a level's row of the reference grid
    holds x^3 ~ 5.6e8 beside the 1/4 that average over k.  The standard error is sqrt(L V L') of that whole row
    (R's matrix product); emmeans' summary takes it from the entries of L that zapsmall() leaves non-zero, so
    its SE leaves k out and is 35% too large (kept in the fixture to show the two differ: glmstat does not
    copy it).  (fixtures/inference2/more/emmeans_large_entry.json and .csv, scripts/make_emmeans_large_entry.R)"""
    r = json.loads((FIXTURES / "inference2" / "more" / "emmeans_large_entry.json").read_text())
    d = pd.read_csv(FIXTURES / "inference2" / "more" / "emmeans_large_entry.csv")
    got = gs.glm(r["formula"], d, family=gs.Gamma(link="log"), tol=1e-12).emmeans(r["term"])
    assert list(got.index) == r["levels"] and r["largest_entry"] > 1e8
    for col in ("estimate", "std_error", "lower", "upper", "df"):
        assert_close(got[col], r[col], rtol=1e-8)
    assert np.all(np.asarray(r["emmeans_std_error"]) > 1.3 * got["std_error"].to_numpy())


@pytest.mark.parametrize("key, term", [("logit", "race"), ("gaussian", "smoke")])
def test_a_level_whose_rows_all_have_weight_0_has_no_estimable_mean(key, term):
    """Every row of race = other has prior weight 0: its column is aliased, and emmeans (reading estimability
    off the fit's QR of sqrt(w) X) reports its mean and the comparisons with it as nonEst, and in
    race * smoke the means of smoke too, which average over race.  glmstat read estimability off the design
    with the zero-weight rows, and reported 'other' with the reference level's mean (the aliased coefficient
    taken as 0), and black / other as an odds ratio of 1 with standard error 0.
    (fixtures/inference2/more/emmeans_zero_weight_level.json, scripts/make_emmeans_zero_weight_level.R)"""
    r = json.loads((FIXTURES / "inference2" / "more" / "emmeans_zero_weight_level.json").read_text())[key]
    d = pd.read_csv(FIXTURES / "data" / "birthwt.csv").assign(w=lambda df: (df["race"] != "other") * 1.0)
    with pytest.warns(gs.AliasingWarning):
        f = gs.glm(r["formula"][0], d, family=gs.Binomial() if key == "logit" else gs.Gaussian(), weights="w",
                   tol=1e-12)
    assert_nan_where_r_is_na(f.coef, r["coefficients"])
    got = f.emmeans(term)
    assert list(got.index) == r["levels"]
    assert_nan_where_r_is_na(got["estimate"], r["estimate"])
    assert_nan_where_r_is_na(got["std_error"], r["std_error"])
    pairs = f.emmeans_pairs(term)
    assert list(pairs.index) == r["contrast"]
    assert_nan_where_r_is_na(pairs["estimate"], r["pair_estimate"])
    assert_nan_where_r_is_na(pairs["std_error"], r["pair_std_error"])
    assert_nan_where_r_is_na(pairs["p_value"], r["pair_p_value"])


@pytest.mark.parametrize("streamed", ["in-memory", "parquet"])
@pytest.mark.parametrize("case", more_cases("emmeans_by", lambda c: f"{c['id']}-{c['term']}-by-{'-'.join(c['by'])}"))
def test_means_and_pairs_by_groups_match_emmeans(case, streamed, tmp_path):
    """emmeans(m, ~ term | by) and pairs() within each group, each group's p-values adjusted for its own
    comparisons (fixtures/inference2/more/emmeans_by.json, scripts/make_emmeans_by.R): ratios (Poisson), odds
    ratios by two variables (binomial), t-based differences with numeric-looking levels (gaussian, dose0.5 -
    dose1), and groups of one comparison, where no adjustment changes anything."""
    here = FIXTURES / "inference2" / "more"
    path = (here / f"{case['data']}.csv" if (here / f"{case['data']}.csv").exists()
            else FIXTURES / "data" / f"{case['data']}.csv")
    family = {"poisson": gs.Poisson(), "gaussian": gs.Gaussian(), "binomial": gs.Binomial()}[case["family"]]
    f = gs.glm(case["formula"], as_input(pd.read_csv(path), streamed, tmp_path, row_group_size=25), family=family,
               tol=1e-12)
    term, by = case["term"], case["by"] if len(case["by"]) > 1 else case["by"][0]
    means = f.emmeans(term, by=by)
    want = case["means"]
    assert list(means.index) == list(zip(*want["levels"]))
    for col in ("estimate", "std_error", "lower", "upper"):
        assert_close(means[col], want[col], rtol=1e-7)
    assert means.attrs["heading"].startswith(f"Estimated marginal means by {', '.join(case['by'])}")
    for adjust, p in case["pairs"].items():
        got = f.emmeans_pairs(term, adjust=adjust, by=by)
        assert list(got.index) == list(zip(*p["by"], p["contrast"]))
        for col in ("estimate", "std_error", "statistic"):
            assert_close(got[col], p[col], rtol=1e-7)
        df = numbers(p["df"])
        assert_close(got["df"], np.where(np.isnan(df), np.inf, df))
        assert_close(got["p_value"], p["p_value"], rtol=1e-5, atol=1e-12)


def test_by_may_not_name_a_variable_of_the_term():
    d = pd.read_csv(FIXTURES / "data" / "warpbreaks.csv")
    f = gs.glm("breaks ~ wool * tension", d, family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match="names the variable 'tension' more than once"):
        f.emmeans("tension", by="tension")
    with pytest.raises(gs.GLMStatError, match="by must be a variable name"):
        f.emmeans_pairs("tension", by=3)
    tg = pd.DataFrame({"len": np.arange(12.0) + 1, "dose": np.tile([0.5, 1.0, 2.0], 4),
                       "supp": np.repeat(["OJ", "VC"], 6)})
    g = gs.glm("len ~ supp * factor(dose)", tg)
    with pytest.raises(gs.GLMStatError, match="'dose' is named more than once"):
        g.emmeans("dose", by="factor(dose)")


@pytest.mark.parametrize("streamed", ["in-memory", "parquet"])
@pytest.mark.parametrize("case", more_cases("emmeans_covariate_label", lambda c: f"{c['formula']}-{c['term']}"))
def test_a_covariate_at_its_mean_is_labelled_as_r_writes_it(case, streamed, tmp_path):
    """A numeric variable held at its mean on the grid (the term, or by=) is labelled as R's as.character
    writes the value (fixtures/inference2/more/emmeans_covariate_label.json, scripts/
    make_emmeans_covariate_label.R): glmstat wrote 6 significant digits, 146.688 for R's 146.6875 (mtcars hp),
    so the means could not be looked up by R's labels."""
    data = as_input(pd.read_csv(FIXTURES / "data" / "mtcars.csv"), streamed, tmp_path, row_group_size=10)
    f = gs.glm(case["formula"], data, family=family_of({"name": case["family"], "link": case["link"]}), tol=1e-12,
               max_iter=100)
    got = f.emmeans(case["term"], by=case["by"])
    want = case["levels"] if case["by"] is None else list(zip(case["levels"], case["by_levels"]))
    assert list(got.index) == want
    assert_close(got["estimate"], case["estimate"], rtol=1e-7)
    assert_close(got["std_error"], case["std_error"], rtol=1e-6)


def _esoph_rows(rows: str) -> pd.DataFrame:
    """R's esoph (fixtures/level_codes, its factors ordered as in R), all rows or those of tobgp's levels
    ``tob12`` (0-9g/day, 10-19) or ``tob13`` (0-9g/day, 20-29; its categories kept, as R keeps the factor's levels);
    ``text``: all rows, the factors as text (read as factors of sorted levels, as R's read.csv makes them)."""
    here = FIXTURES / "level_codes"
    levels = json.loads((here / "ref.json").read_text())["levels"]
    d = pd.read_csv(here / "esoph.csv")
    if rows == "text":
        return d
    for col, lv in levels.items():
        d[col] = pd.Categorical(d[col], categories=lv, ordered=True)
    keep = {"all": levels["tobgp"], "tob12": ["0-9g/day", "10-19"], "tob13": ["0-9g/day", "20-29"]}
    return d[d.tobgp.isin(keep[rows])].reset_index(drop=True)


_UNCLASS = json.loads((FIXTURES / "inference2" / "more" / "emmeans_unclass.json").read_text())


@pytest.mark.parametrize("streamed", ["in-memory", "parquet", "dask"])
@pytest.mark.parametrize("case", _UNCLASS["cases"],
                         ids=lambda c: f"{c['formula'].split('~ ')[1]}-{c['rows']}-{c['term']}")
def test_a_factor_read_through_its_level_codes_is_a_covariate_at_the_mean_code(case, streamed, tmp_path):
    """R's ?esoph model, glm(cbind(ncases, ncontrols) ~ agegp + unclass(tobgp) + unclass(alcgp), binomial):
    emmeans' ref_grid holds tobgp and alcgp as covariates at the mean of their codes over the rows used (2.409091,
    2.454545; as.integer(alcgp) is then 2), or at the levels taken when there are at most two
    (fixtures/inference2/more/emmeans_unclass.json, scripts/make_emmeans_unclass.R).  glmstat averaged over
    tobgp's levels, as holding its code at 2.5: 0.014185 for agegp 25-34 where R has 0.012999.  With two levels
    taken and an unused one between them (tob13: codes 1 and 3) R's emmeans codes its grid 1 and 2; the reference
    there is the mean of R's predict() over the grid, which codes 20-29 as 3 (R's emmeans gives 0.2613 for
    20-29, the model 0.3007).  Read as text, the factors' levels are sorted and their codes others (R: 0.010839
    for 25-34)."""
    data = as_input(_esoph_rows(case["rows"]), streamed, tmp_path, row_group_size=13)
    f = gs.glm(case["formula"], data, family=gs.Binomial(), tol=1e-12, max_iter=100)
    got = f.emmeans(case["term"])
    assert list(got.index.map(str)) == case["levels"]
    assert_close(got["estimate"], case["estimate"], rtol=1e-7)
    assert_close(np.log(got["estimate"] / (1 - got["estimate"])), case["emmean"], rtol=1e-7)
    assert_close(got["std_error"], case["std_error"], rtol=1e-6)
    assert_close(got["lower"], case["lower"], rtol=1e-6)
    assert_close(got["upper"], case["upper"], rtol=1e-6)
    if case.get("contrast") is not None:  # (pairs(): odds ratios, Tukey-adjusted)
        pairs = f.emmeans_pairs(case["term"])
        assert list(pairs.index) == case["contrast"]
        assert_close(pairs["estimate"], case["pair_estimate"], rtol=1e-7)
        assert_close(pairs["std_error"], case["pair_se"], rtol=1e-6)
        assert_close(pairs["p_value"], case["pair_p_value"], rtol=1e-6)


@pytest.mark.parametrize("streamed", ["in-memory", "parquet"])
def test_a_factor_read_both_as_a_factor_and_through_its_codes_is_refused(streamed, tmp_path):
    """tobgp + unclass(tobgp) with tobgp taking four levels: R's emmeans holds tobgp at the mean of its codes, no
    level of the factor, and stops ("contrasts apply only to factors", fixtures/inference2/more/
    emmeans_unclass.json); glmstat refuses, saying why, instead of averaging over the levels."""
    mixed = _UNCLASS["mixed"]
    assert "contrasts apply only to factors" in mixed["error"]
    data = as_input(_esoph_rows("all"), streamed, tmp_path, row_group_size=13)
    f = gs.glm(mixed["formula"], data, family=gs.Binomial())
    with pytest.raises(gs.GLMStatError, match=r"'tobgp' is read both through its level codes \('unclass\(tobgp\)'\) "
                                              r"and otherwise \('tobgp'\)"):
        f.emmeans(mixed["term"])
