"""A source derived from a fit's rows (a refit's columns selected, a coefficient held) transforms the blocks held
in memory once, not on each of its passes -- a dask DataFrame's partitions on a local scheduler while they take at
most ``PREPARE_BYTES``, a Parquet fit's kept blocks while they take at most ``KEEP_BYTES`` -- and every block on
every pass beyond those sizes.  On both sides the passes see the same rows: the sums below are closed forms of
the data (sum of the doubled prior weights, sum of y over the rows)."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.design import chunked
from glmstat.design.sources import fold

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("pyarrow")

N_PASSES = 3


class _Doubling:
    """A block transform that doubles the prior weights and counts the blocks it was applied to."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, block):
        self.calls += 1
        return replace(block, weights=2.0 * block.weights)


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-0.5 * x))).astype(float)
    w = rng.integers(1, 4, n).astype(float)
    return pd.DataFrame({"y": y, "x": x, "w": w})


def _passes(source, transform: _Doubling) -> list[tuple[float, float]]:
    derived = source.with_transform(transform)
    return [fold(derived, lambda b: (float(b.weights.sum()), float(b.y.sum())),
                 lambda a, b: (a[0] + b[0], a[1] + b[1]), (0.0, 0.0)) for _ in range(N_PASSES)]


def _fit(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm("y ~ x", data, family=gs.Binomial(), weights="w")


@pytest.mark.parametrize("prepare_bytes, calls_per_block", [(None, 1), (0, N_PASSES)])
def test_dask_blocks_held_here_are_transformed_once_below_the_bound(monkeypatch, prepare_bytes, calls_per_block):
    from glmstat.design import dask as dask_source

    if prepare_bytes is not None:
        monkeypatch.setattr(dask_source, "PREPARE_BYTES", prepare_bytes)
    df = _frame()
    with dask.config.set(scheduler="synchronous"):
        source = _fit(dd.from_pandas(df, npartitions=4)).fit_data.source
        assert source.here is not None
        transform = _Doubling()
        sums = _passes(source, transform)
    assert sums == [(2.0 * df.w.sum(), df.y.sum())] * N_PASSES
    assert transform.calls == 4 * calls_per_block


@pytest.mark.parametrize("keep_bytes, calls_per_block", [(None, 1), (0, N_PASSES)])
def test_parquet_kept_blocks_are_transformed_once_below_the_bound(tmp_path, monkeypatch, keep_bytes,
                                                                  calls_per_block):
    if keep_bytes is not None:
        monkeypatch.setattr(chunked, "KEEP_BYTES", keep_bytes)
    df = _frame()
    path = tmp_path / "rows.parquet"
    df.to_parquet(path, row_group_size=1000)
    source = _fit(str(path)).fit_data.source
    assert isinstance(source, chunked.ChunkSource)
    n_blocks = sum(1 for _ in source.blocks())
    assert (source.encoded.blocks is not None) == (keep_bytes is None)
    transform = _Doubling()
    sums = _passes(source, transform)
    assert sums == [(2.0 * df.w.sum(), df.y.sum())] * N_PASSES
    assert transform.calls == n_blocks * calls_per_block
