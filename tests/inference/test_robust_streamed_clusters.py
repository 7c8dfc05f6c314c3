"""Clustered HC2/HC3 sandwiches of fits to streamed data (a Parquet path in row groups, a dask DataFrame in
partitions), whose clusters' rows are spread over many blocks: the clusters are counted in one pass, then
gathered a bucket of clusters at a time (glmstat/inference/streamed_clusters.py).  Every number is the
in-memory fit's (1e-10), and R's sandwich::vcovCL on tests/fixtures/cluster_streamed (from
make_cluster_streamed.R)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.design.dense import DenseDesign
from glmstat.design.structured import StructuredDesign
from glmstat.inference import streamed_clusters

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")
pytest.importorskip("pyarrow")

TYPES = ("HC2", "HC3")


@pytest.fixture(autouse=True)
def _synchronous():
    """dask's synchronous scheduler: the partitions' tasks run here, one at a time (no cluster to start)."""
    with dask.config.set(scheduler="synchronous"):
        yield


def _parquet(frame: pd.DataFrame, tmp_path, group: int) -> str:
    path = tmp_path / "rows.parquet"
    frame.to_parquet(path, row_group_size=group, index=False)
    return str(path)


def _fit(formula: str, data, family) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.AliasingWarning)
        return gs.glm(formula, data, family=family, tol=1e-12, max_iter=100)


def _close(a, b, rtol: float) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.nanmax(np.abs(b)))


def _same_sandwiches(streamed: gs.GLMResults, mem: gs.GLMResults, cluster: str = "firm") -> None:
    """Clustered HC2 and HC3 of the streamed fit equal the in-memory fit's (covariance, SEs) to 1e-10."""
    for t in TYPES:
        a, b = streamed.robust(t, cluster=cluster), mem.robust(t, cluster=cluster)
        assert a.covariance_type == b.covariance_type and f"{t}, clustered by firm" in a.covariance_type
        _close(a.vcov, b.vcov, 1e-10)
        _close(a.std_errors, b.std_errors, 1e-10)


def _data(n: int, seed: int, levels: int = 60) -> pd.DataFrame:
    """n rows in random order of 40 firms (2 to ~3n/40 rows each), a ``levels``-level factor ``a``."""
    rng = np.random.default_rng(seed)
    firm = rng.choice(40, n, p=rng.dirichlet(np.full(40, 2.0)))
    firm[:80] = np.arange(80) % 40  # (every firm has rows)
    d = pd.DataFrame({"firm": firm[rng.permutation(n)], "x": rng.normal(size=n), "z": rng.normal(size=n),
                      "h": rng.choice(["p", "q", "r"], n), "a": [f"a{i:02d}" for i in rng.integers(0, levels, n)]})
    eta = 0.3 + 0.4 * d["x"] - 0.2 * d["z"] + 0.3 * (d["h"] == "q") + rng.normal(scale=0.3, size=40)[d["firm"]]
    d["y"] = rng.poisson(np.exp(eta)).astype(float)
    return d


@pytest.fixture(scope="module")
def reference() -> tuple[pd.DataFrame, dict]:
    here = FIXTURES / "cluster_streamed"
    return pd.read_csv(here / "data.csv"), json.loads((here / "ref.json").read_text())


@pytest.mark.parametrize("model", ["poisson", "logit"])
def test_streamed_clustered_hc2_hc3_match_r(model, reference, tmp_path):
    """vcovCL(fit, cluster = ~firm, type = "HC2"/"HC3") from the data written to Parquet in 9 row groups of 40
    rows and to a dask DataFrame of 6 partitions (each firm's rows spread over several): R's numbers, and the
    in-memory fit's."""
    d, ref = reference
    ref = ref[model]
    family = gs.Poisson() if model == "poisson" else gs.Binomial()
    mem = _fit(ref["formula"], d, family)
    sources = {"parquet": _parquet(d, tmp_path, 40), "dask": dd.from_pandas(d, npartitions=6, sort=False)}
    for where, source in sources.items():
        fit = _fit(ref["formula"], source, family)
        assert sum(1 for _ in fit.fit_data.source.blocks()) == (9 if where == "parquet" else 6)
        _close(fit.coef, ref["coefficients"], 1e-8)
        for t in TYPES:
            _close(fit.robust(t, cluster="firm").vcov, ref["vcov"][t], 1e-7)
        _same_sandwiches(fit, mem)


@pytest.fixture
def buckets(monkeypatch):
    """The buckets of clusters each streamed HC2/HC3 took (a list of their (g0, g1) per call)."""
    calls = []
    batches = streamed_clusters.cluster_batches
    monkeypatch.setattr(streamed_clusters, "cluster_batches", lambda *a: calls.append(list(batches(*a))) or calls[-1])
    return calls


@pytest.fixture
def summed(monkeypatch):
    """The clusters each streamed HC2/HC3 summed over the blocks, too large to gather (their values)."""
    calls = []
    summed_cluster = streamed_clusters._summed_cluster

    def recorded(source, clusters, g, *args):
        calls.append(clusters.values[g])
        return summed_cluster(source, clusters, g, *args)

    monkeypatch.setattr(streamed_clusters, "_summed_cluster", recorded)
    return calls


@pytest.mark.parametrize("budget", [None, 40_000])  # (the default: one bucket; 40 kB: several)
@pytest.mark.parametrize("formula, n, in_memory", [
    ("y ~ x * z + h", 1500, DenseDesign),       # a dense design, streamed and in memory
    ("y ~ x + a + h", 800, DenseDesign),        # a 60-level factor: below policy.DENSE_BELOW in memory
    ("y ~ x + a + h", 3000, StructuredDesign),  # ... and above it (streamed blocks are structured both ways)
    ("y ~ x + z + a + I(2 * x)", 3000, StructuredDesign),  # an aliased column
])
def test_streamed_clustered_hc2_hc3_equal_the_in_memory_ones(formula, n, in_memory, budget, buckets, tmp_path,
                                                             monkeypatch):
    if budget is not None:
        monkeypatch.setattr(streamed_clusters, "GATHER_BYTES", budget)
    d = _data(n, seed=n)
    mem = _fit(formula, d, gs.Poisson())
    assert type(mem.fit_data.source.X) is in_memory
    assert np.isnan(mem.coef).any() == ("I(2 * x)" in formula)
    parquet = _fit(formula, _parquet(d, tmp_path, 200), gs.Poisson())
    streamed = type(next(parquet.fit_data.source.blocks()).X)
    assert streamed is (DenseDesign if "x * z" in formula else StructuredDesign)
    _same_sandwiches(parquet, mem)
    _same_sandwiches(_fit(formula, dd.from_pandas(d, npartitions=7, sort=False), gs.Poisson()), mem)
    assert len(buckets) == 4 and all((len(b) == 1) == (budget is None) for b in buckets)
    assert all(b[0][0] == 0 and b[-1][1] == 40 for b in buckets)


def _ill_conditioned(levels: int, n: int) -> pd.DataFrame:
    """log(yr) + yr over 1990..2020 (nearly collinear: C too ill-conditioned for quadratic forms), a
    ``levels``-level factor f, 30 firms."""
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"yr": 1990 + rng.uniform(0, 30, n), "x": rng.normal(size=n), "firm": rng.integers(0, 30, n),
                      "f": [f"L{i:02d}" for i in np.r_[np.arange(levels), rng.integers(0, levels, n - levels)]]})
    d["y"] = rng.poisson(np.exp(-0.3 + 0.02 * (d["yr"] - 2005) + 0.3 * d["x"])).astype(float)
    return d


@pytest.mark.parametrize("levels, n, levels_first", [(3, 1200, False), (60, 6000, True)])
def test_an_ill_conditioned_streamed_fit_takes_the_scores_in_the_factors_coordinates(levels, n, levels_first,
                                                                                     tmp_path, monkeypatch):
    """Nearly collinear columns: the adjusted scores in the coordinates of C's triangular factor (with a
    60-level factor, the factor with the levels first: test_robust_levels_first.py), streamed as in memory,
    a bucket at a time."""
    from glmstat.inference.covariance_factor import with_cov_factor

    monkeypatch.setattr(streamed_clusters, "GATHER_BYTES", 40_000)
    d = _ill_conditioned(levels, n)
    formula = "y ~ f + x + log(yr) + yr"
    mem = _fit(formula, d, gs.Poisson())
    fd = with_cov_factor(mem.factored_fit_data)
    assert fd.cov_factor is not None and (fd.cov_factor_levels is not None) == levels_first
    _same_sandwiches(_fit(formula, _parquet(d, tmp_path, n // 10), gs.Poisson()), mem)
    _same_sandwiches(_fit(formula, dd.from_pandas(d, npartitions=5, sort=False), gs.Poisson()), mem)


def test_the_rows_of_a_bucket_are_gathered_on_the_workers(monkeypatch):
    """A dask fit's passes are map-reduces: no partition's rows are brought to this process (only the bucket's
    rows, as the tasks' results)."""
    from glmstat.design.dask import DaskSource

    d = _data(1000, seed=3)
    ddf = dd.from_pandas(d, npartitions=5, sort=False)
    fit = _fit("y ~ x + a", ddf, gs.Poisson())

    def rows_here(self):
        raise AssertionError("a partition's rows were brought to the client")

    monkeypatch.setattr(DaskSource, "blocks", rows_here)
    monkeypatch.setattr(streamed_clusters, "GATHER_BYTES", 30_000)
    _same_sandwiches(fit, _fit("y ~ x + a", d, gs.Poisson()))


def _message(fit, type: str, cluster: str) -> str:
    with pytest.raises(gs.GLMStatError) as info:
        fit.robust(type, cluster=cluster)
    return str(info.value)


@pytest.mark.parametrize("budget", [None, 3_000])  # (one bucket; several, clusters of ~40 rows summed)
@pytest.mark.parametrize("type", TYPES)
def test_errors_are_worded_as_in_memory(type, budget, tmp_path, monkeypatch):
    """A cluster variable that is a factor of the model (I - H_g singular), a missing cluster value and a
    one-row cluster of leverage 1: the in-memory fit's errors, word for word, naming the same cluster (the
    first by value) however the clusters are split into buckets."""
    if budget is not None:
        monkeypatch.setattr(streamed_clusters, "GATHER_BYTES", budget)
    d = _data(600, seed=9)
    d["firm"] = d["firm"].map(lambda i: f"f{i:02d}")
    sources = lambda frame: {"memory": frame, "parquet": _parquet(frame, tmp_path, 100),  # noqa: E731
                             "dask": dd.from_pandas(frame, npartitions=4, sort=False)}
    messages = {k: _message(_fit("y ~ x + firm", s, gs.Poisson()), type, "firm") for k, s in sources(d).items()}
    assert ("cluster 'f00' has an eigenvalue 1 (does it hold a row of leverage 1, or is the cluster variable a factor "
            "of the model?)") in messages["memory"]
    assert messages["parquet"] == messages["dask"] == messages["memory"]
    holes = d.copy()
    holes["firm"] = holes["firm"].where(holes.index % 97 != 5)  # (rows 5, 102, ... without a firm)
    messages = {k: _message(_fit("y ~ x", s, gs.Poisson()), type, "firm") for k, s in sources(holes).items()}
    assert "cluster 'firm' is missing for 7 of the rows used (first: row 5)" in messages["memory"]
    assert messages["parquet"] == messages["dask"] == messages["memory"]
    alone = d.copy()
    alone.loc[17, "firm"] = "solo"
    alone["solo"] = (alone["firm"] == "solo").astype(float)  # (row 17 fitted exactly)
    messages = {k: _message(_fit("y ~ x + solo", s, gs.Poisson()), type, "firm") for k, s in sources(alone).items()}
    assert "the one-row cluster 'solo' has leverage 1" in messages["memory"]
    assert messages["parquet"] == messages["dask"] == messages["memory"]


@pytest.mark.parametrize("formula", ["y ~ x + h", "y ~ x + a + h", "y ~ x + I(x^2) + h"])
def test_a_cluster_too_large_to_gather_is_summed_over_the_blocks(formula, summed, tmp_path, monkeypatch):
    """A budget of 6 kB (about 100 rows): the two firms of 300 and 250 rows are not gathered but summed over
    the blocks, a pass for the columns their rows reach (firm 98's reach 10 of a's 60 levels) and one for the
    sums of their products; the others gathered in buckets.  The in-memory numbers, on a dense, a structured
    and an ill-conditioned design (x + I(x^2), scores in C's factor's coordinates)."""
    d = _data(1600, seed=4)
    d.loc[d.index < 300, "firm"] = 99
    d.loc[(d.index >= 1000) & (d.index < 1250), "firm"] = 98
    d.loc[d["firm"] == 98, "a"] = [f"a{i:02d}" for i in np.arange(250) % 10]
    if "I(x^2)" in formula:
        d["x"] = 50 + 10 * np.abs(d["x"]) / d["x"].abs().max()
    mem = _fit(formula, d, gs.Poisson())
    parquet = _fit(formula, _parquet(d, tmp_path, 100), gs.Poisson())
    ddf = _fit(formula, dd.from_pandas(d, npartitions=6, sort=False), gs.Poisson())
    monkeypatch.setattr(streamed_clusters, "GATHER_BYTES", 6_000)
    _same_sandwiches(parquet, mem)
    _same_sandwiches(ddf, mem)
    assert summed == [98, 99] * 4
    from glmstat.inference.covariance_factor import with_cov_factor

    assert (with_cov_factor(mem.factored_fit_data).cov_factor is not None) == ("I(x^2)" in formula)


@pytest.mark.parametrize("formula, kind", [("y ~ x * z + h", "DenseDesign"),
                                           ("y ~ x + a + a:z + h", "StructuredDesign"),
                                           ("y ~ x + C(a, sum)", "TransformedDesign")])
def test_designs_stack_their_rows_in_their_own_storage(formula, kind):
    """Design.stack: the rows of several blocks of one source as one design of the same kind, whose entries
    are the blocks' stacked (a dense block, a factor's codes and values, a contrast map's store); a design of
    another kind or other columns is refused."""
    d = _data(1200, seed=1, levels=70)
    X = _fit(formula, d, gs.Poisson()).fit_data.source.X
    assert type(X).__name__ == kind
    parts = [X.take(np.arange(0, 400)), X.take(np.arange(400, 900)), X.take(np.arange(900, 1200))]
    stacked = parts[0].stack(parts[1:])
    assert type(stacked) is type(X) and stacked.shape == X.shape
    np.testing.assert_array_equal(stacked.toarray(), X.toarray())
    w = np.linspace(0.5, 2.0, 1200)
    np.testing.assert_allclose(stacked.gram(w), X.gram(w), rtol=1e-12, atol=1e-12 * np.abs(X.gram(w)).max())
    with pytest.raises(ValueError, match="cannot stack"):
        parts[0].stack([X.select(np.arange(X.n_cols - 1))])
