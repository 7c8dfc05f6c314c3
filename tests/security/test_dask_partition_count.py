"""A dask DataFrame of many tiny partitions: every pass of a fit is a task a partition, some milliseconds each to
schedule whatever its rows, so 900 partitions of one row took 15 s to fit (2,700 a minute).  More partitions than
``FormulaLimits.max_partitions`` (10,000 by default) are refused from the DataFrame's metadata, before any
partition is computed, with a message saying how to merge them; a caller whose data is that large raises the
limit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

dd = pytest.importorskip("dask.dataframe")

D = pd.DataFrame({"y": [1.0, 0, 2, 3, 1, 4, 2, 5, 3, 2, 6, 4],
                  "x": [0.1, 0.4, 0.2, 0.9, 0.5, 1.3, 0.7, 1.6, 1.1, 0.8, 1.9, 1.2]})


def counted(frame: pd.DataFrame, npartitions: int, computed: list):
    def part(chunk: pd.DataFrame) -> pd.DataFrame:
        computed.append(len(chunk))
        return chunk

    return dd.from_pandas(frame, npartitions=npartitions, sort=False).map_partitions(part, meta=frame.iloc[:0])


def test_more_partitions_than_the_limit_are_refused_before_any_is_computed():
    computed: list = []
    ddf = counted(pd.concat([D] * 25, ignore_index=True), 300, computed)
    assert ddf.npartitions == 300
    with pytest.raises(gs.DataError, match=r"^the dask DataFrame has 300 partitions, more than the limit "
                                           r"max_partitions of 256: .*ddf\.repartition\(partition_size='100MB'\).*"
                                           r"FormulaLimits\(max_partitions=\.\.\.\)"):
        gs.glm("y ~ x", ddf, family=gs.Poisson(), limits=gs.FormulaLimits(max_partitions=256))
    assert computed == []


def test_the_default_limit_takes_a_cluster_s_data():
    # a billion rows in partitions of 100,000 (a cluster's data, read as dask reads Parquet) is not refused for
    # its size; only beyond that is the per-partition overhead hours of scheduling
    assert gs.FormulaLimits().max_partitions >= 10_000


def test_a_raised_limit_fits_as_in_memory():
    computed: list = []
    ddf = counted(D, 12, computed)
    with pytest.raises(gs.DataError, match="has 12 partitions, more than the limit max_partitions of 8"):
        gs.glm("y ~ x", ddf, family=gs.Poisson(), limits=gs.FormulaLimits(max_partitions=8))
    assert computed == []
    fit = gs.glm("y ~ x", ddf, family=gs.Poisson(), limits=gs.FormulaLimits(max_partitions=12))
    mem = gs.glm("y ~ x", D, family=gs.Poisson())
    np.testing.assert_allclose(fit.coef.to_numpy(), mem.coef.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fit.deviance, mem.deviance, rtol=1e-8)
    # its refits keep the fit's limits
    assert fit.update("~ . - x").rank == 1
