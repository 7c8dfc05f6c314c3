"""Tables of a row per used row and a column per coefficient are bounded as the design is.

A wide factor is fitted as its codes (a structured design), so a fit of 300,000 rows and a 3,000-level factor --
a CSV file of a few megabytes from someone else -- takes megabytes and is within every ``FormulaLimits``.  Its
``dfbeta()``, ``dfbetas()`` and ``influence_measures()`` are rows x coefficients tables of numbers, 7 GB for
that fit: each was allocated whatever its size (a raw ``MemoryError``, or the machine's memory), where
``model_matrix()``, the same size, is refused beyond ``max_design_bytes``.  They are now refused as it is,
before anything of that size is allocated.  Here the limit is lowered so that the refusal shows on a small fit;
the peak of the memory numpy allocates (traced) stays far below the table's size.
"""

from __future__ import annotations

import re
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

ROWS, LEVELS = 30_000, 200
COLUMNS = LEVELS + 1  # intercept and 199 level columns, and x
TABLE_MB = 8 * ROWS * COLUMNS / 2**20  # 46 MB


def wide_factor_data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.DataFrame({"y": rng.poisson(3, ROWS).astype(float), "x": rng.normal(size=ROWS),
                         "id": [f"L{k:03d}" for k in rng.integers(0, LEVELS, ROWS)]})


def fitted(limit_mb: float) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gs.glm("y ~ x + id", wide_factor_data(), family=gs.Poisson(),
                      limits=gs.FormulaLimits(max_design_bytes=int(limit_mb * 2**20)))


@pytest.fixture(scope="module")
def small_limit() -> gs.GLMResults:
    return fitted(20)  # the fit itself is within it: the design is the factor's codes


@pytest.mark.parametrize("method, what, columns", [("dfbeta", "the dfbeta table", COLUMNS),
                                                   ("dfbetas", "the dfbetas table", COLUMNS),
                                                   ("influence_measures", "the influence measures table", COLUMNS + 4),
                                                   ("model_matrix", "the design matrix", COLUMNS)])
def test_rows_by_coefficients_tables_are_refused_beyond_the_limit(small_limit, method, what, columns):
    assert small_limit.rank == COLUMNS
    tracemalloc.start()
    try:
        with pytest.raises(gs.GLMStatError) as info:
            getattr(small_limit, method)()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert message.startswith(what), message
    assert f"{ROWS:,} rows and {columns:,} columns" in message and "max_design_bytes of 20 MB" in message
    assert "\n" not in message
    assert peak < TABLE_MB * 2**20 / 4, f"{peak / 2**20:.0f} MB allocated before the refusal"


def test_within_the_limit_the_tables_are_computed():
    data = wide_factor_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("y ~ id", data, limits=gs.FormulaLimits(max_design_bytes=60 * 2**20))
    table = fit.dfbeta()
    assert table.shape == (ROWS, LEVELS) and list(table.columns) == list(fit.coef.index)
    # closed form (a Gaussian fit of one factor, treatment-coded): leaving out row i of level j moves that
    # level's mean, its coefficient, by (y_i - mean_j) / (n_j - 1), and no other coefficient
    level = data["id"] == "L001"
    y = data.loc[level, "y"].to_numpy()
    expected = (y - y.mean()) / (len(y) - 1)
    np.testing.assert_allclose(table.loc[level, "id[T.L001]"].to_numpy(), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(table.loc[level, "Intercept"].to_numpy(), 0.0, atol=1e-12)
    measures = fit.influence_measures()
    assert measures.shape == (ROWS, LEVELS + 4 + 2) and measures.columns[0] == "dfb_Intercept"


# -- clustered sandwiches: the clusters' sums of scores are G x p ----------------------------------------------
def traced_refusal(call) -> tuple[str, float]:
    """The message of the GLMStatError ``call()`` raises, and the peak of the memory traced until then."""
    tracemalloc.start()
    try:
        with pytest.raises(gs.GLMStatError) as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return str(info.value), peak


def with_row_ids(data: pd.DataFrame) -> pd.DataFrame:
    return data.assign(row=[f"r{i}" for i in range(len(data))])


@pytest.mark.parametrize("type", ["HC0", "HC1"])
def test_clusters_whose_sums_exceed_the_limit_are_refused(small_limit, type):
    """Clustered by a row id, HC0/HC1 summed the scores of 30,000 clusters into a dense G x p array."""
    data = with_row_ids(wide_factor_data())
    message, peak = traced_refusal(lambda: small_limit.robust(type, cluster=data["row"]))
    assert message.startswith("cluster='row': the sums of 30,000 clusters over 201 coefficients"), message
    assert "max_design_bytes of 20 MB" in message and "\n" not in message
    assert peak < TABLE_MB * 2**20 / 4, f"{peak / 2**20:.0f} MB allocated before the refusal"


def test_sparse_clustered_scores_are_still_computed(small_limit):
    """HC3's clusters' scores are sparse (a row reaches its level's column): not refused."""
    se = small_limit.robust("HC3", cluster=with_row_ids(wide_factor_data())["row"]).std_errors
    assert np.isfinite(se.to_numpy()).all()


def test_a_parquet_fit_refuses_them_in_its_pass(tmp_path):
    path = tmp_path / "rows.parquet"
    with_row_ids(wide_factor_data()).to_parquet(path, row_group_size=4096)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("y ~ x + id", str(path), family=gs.Poisson(),
                     limits=gs.FormulaLimits(max_design_bytes=20 * 2**20))
    with pytest.raises(gs.GLMStatError) as info:
        fit.robust("HC0", cluster="row")
    # (counted as the rows are read: the clusters of the rows read when the sums outgrew the limit; the
    # reading of a block itself takes more memory than the sums, so no peak is asserted here)
    assert re.match(r"cluster='row': the sums of at least [\d,]+ clusters over 201 coefficients", str(info.value))


def test_a_dask_fit_refuses_them_as_partitions_are_added():
    """Each partition's sums are within the limit; their union is counted before it is made."""
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    data = with_row_ids(wide_factor_data())
    with dask.config.set(scheduler="synchronous"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("y ~ x + id", dd.from_pandas(data, npartitions=8), family=gs.Poisson(),
                     limits=gs.FormulaLimits(max_design_bytes=20 * 2**20))
        with pytest.raises(gs.GLMStatError, match=r"^cluster='row': the sums of at least [\d,]+ clusters over 201 "):
            fit.robust("HC0", cluster="row")


def test_within_the_limit_one_cluster_per_row_is_hc0_times_g_over_g_minus_1():
    """Closed form: with every row its own cluster, vcovCL's meat is G/(G-1) times vcovHC's HC0 meat."""
    data = with_row_ids(wide_factor_data())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("y ~ x + id", data, family=gs.Poisson(), limits=gs.FormulaLimits(max_design_bytes=60 * 2**20))
    clustered = fit.robust("HC0", cluster=data["row"]).vcov.to_numpy()
    plain = fit.robust("HC0").vcov.to_numpy()
    np.testing.assert_allclose(clustered, plain * ROWS / (ROWS - 1), rtol=1e-9, atol=1e-14)
