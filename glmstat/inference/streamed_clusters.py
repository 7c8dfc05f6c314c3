"""The rows of each cluster of a streamed fit gathered together, some clusters at a time: the clustered HC2/HC3
sandwiches of a fit to a Parquet path or a dask DataFrame (:mod:`~glmstat.inference.cluster_adjusted` needs a
cluster's rows together, and row groups and partitions do not keep them so).

1. One pass counts the rows of each cluster value, the rows without one (the caller refuses them) and the
   bytes the blocks' rows take as they store them (a wide factor's codes, not its indicator columns).
2. The clusters, in the order of their values (sorted, as the in-memory codes), are cut into buckets of
   consecutive clusters whose rows take at most ``GATHER_BYTES``.
3. One pass per bucket: each block keeps only the bucket's rows, with their working weights and scores (on
   the workers for dask, so only those rows travel), and the parts are stacked into one design of the
   bucket's rows (:meth:`~glmstat.design.base.Design.stack`, in the design's own storage); their adjusted
   scores are then the in-memory ones, cluster by cluster.

Memory is a bucket's rows and the G cluster values and counts, whatever the number of rows; the passes are
about (the rows' bytes) / ``GATHER_BYTES``, plus one.  A cluster whose rows alone take more than the budget
is not gathered but summed, as the in-memory code takes a cluster too large to hold dense: a pass for the
columns J its rows reach (:func:`~glmstat.inference.cluster_adjusted.column_reach`), then a pass for the sums
Z'WZ, Z'Z, Z'e and Z'We of Z = X_gJ T, T T' = C_JJ (:func:`~glmstat.inference.cluster_adjusted.column_sums`,
each block's rows of the cluster a chunk at a time), from which its score follows (j x j, no m_g x m_g
matrix): two passes per such cluster, of which there are at most (the rows' bytes) / ``GATHER_BYTES``, and
memory bounded by p^2, as C's.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from .._arguments import shown
from ..design.base import rows_within
from ..design.sources import Block, DesignSource, fold
from ..errors import DataError
from ..formula.values import factorize_in_order
from .cluster_adjusted import (DesignCoordinates, FactorCoordinates, added, adjusted_cluster_scores, cluster_batches,
                               column_reach, column_sums, score_from_sums)

__all__ = ["GATHER_BYTES", "ClusterRows", "cluster_rows", "bucket_rows", "gathered_cluster_scores"]

#: The bytes of a bucket's gathered rows (design rows as stored, weights, scores and codes): 64 MB, as much as a
#: Parquet fit keeps of its encoded rows (:data:`glmstat.design.chunked.KEEP_BYTES`).
GATHER_BYTES = 64 * 2**20

#: The bytes per gathered row besides its design row: its working weight, score and cluster code.
_ROW_EXTRA = 24


@dataclass(frozen=True)
class ClusterRows:
    """The clusters of a streamed fit's rows used: their values (sorted where they sort) and row counts, the
    rows without a value (and the position among the rows used of the first), the bytes per gathered row,
    and the design's ``diagonal_columns``."""

    values: pd.Index
    sizes: np.ndarray
    missing: int
    first_missing: int
    row_bytes: float
    diagonal: np.ndarray | None


@dataclass
class _Counts:
    """Rows per cluster value over some blocks, the rows seen, those without a value (the first's position),
    the bytes their designs store, and the design's diagonal columns."""

    counts: pd.Series
    n: int = 0
    missing: int = 0
    first_missing: int = -1
    nbytes: int = 0
    diagonal: np.ndarray | None = None

    def merge(self, other: "_Counts") -> "_Counts":
        first = self.first_missing if self.first_missing >= 0 else (
            self.n + other.first_missing if other.first_missing >= 0 else -1)
        return _Counts(self.counts.add(other.counts, fill_value=0), self.n + other.n, self.missing + other.missing,
                       first, self.nbytes + other.nbytes, other.diagonal)


def _block_counts(b: Block) -> _Counts:
    """A block's rows per cluster value (its ``groups``)."""
    codes, values = factorize_in_order(b.groups)  # (pd.factorize, checked before pandas 3.1)
    missing = np.flatnonzero(codes < 0)
    counts = np.bincount(codes[codes >= 0], minlength=len(values))
    return _Counts(pd.Series(counts, index=pd.Index(values)), codes.shape[0], int(missing.size),
                   int(missing[0]) if missing.size else -1, b.X.nbytes, b.X.diagonal_columns())


def cluster_rows(source: DesignSource) -> ClusterRows:
    """The clusters of ``source`` (blocks carrying ``groups``: ``source.with_groups(name)``), in one pass."""
    total = fold(source, _block_counts, _Counts.merge, _Counts(pd.Series([], dtype=float)))
    counts = total.counts
    try:
        counts = counts.sort_index()
    except TypeError:  # (values that do not sort, such as numbers and text mixed: their order of appearance)
        pass
    row_bytes = total.nbytes / max(total.n, 1) + _ROW_EXTRA
    return ClusterRows(counts.index, counts.to_numpy().astype(np.int64), total.missing, total.first_missing,
                       row_bytes, total.diagonal)


def bucket_rows(clusters: ClusterRows, budget: int) -> int:
    """The rows a bucket of ``budget`` bytes holds (at least one)."""
    return max(1, int(budget // clusters.row_bytes))


@dataclass(frozen=True)
class _BucketRows:
    """A block's rows of the bucket's clusters ``values``: [(design rows, weights, scores, codes among
    ``values``)], or [] (picklable: runs on dask workers)."""

    values: pd.Index
    block_scores: Callable[[Block], tuple]

    def __call__(self, b: Block) -> list:
        local = self.values.get_indexer(b.groups)
        rows = np.flatnonzero(local >= 0)
        if not rows.size:
            return []
        w, e = self.block_scores(b)[:2]
        return [(b.X.take(rows), w[rows], e[rows], local[rows])]


@dataclass(frozen=True)
class _ClusterReach:
    """A block's (rows, |X_g|' 1 on the columns ``cols``) for its rows of the cluster ``value`` (picklable)."""

    value: pd.Index  # (the one value)
    cols: np.ndarray | None
    step: int

    def __call__(self, b: Block) -> tuple[int, np.ndarray]:
        rows = np.flatnonzero(self.value.get_indexer(b.groups) >= 0)
        return rows.size, column_reach(b.X, rows, self.cols, self.step)


@dataclass(frozen=True)
class _ClusterSums:
    """A block's :func:`~glmstat.inference.cluster_adjusted.column_sums` for its rows of the cluster ``value``
    on the design columns ``cols``, with the factor ``T`` (picklable)."""

    value: pd.Index
    cols: np.ndarray
    T: np.ndarray
    block_scores: Callable[[Block], tuple]
    step: int

    def none(self) -> tuple[np.ndarray, ...]:
        """The sums of no rows."""
        j = self.T.shape[1]
        return np.zeros((j, j)), np.zeros((j, j)), np.zeros(j), np.zeros(j)

    def __call__(self, b: Block) -> tuple[np.ndarray, ...]:
        rows = np.flatnonzero(self.value.get_indexer(b.groups) >= 0)
        if not rows.size:
            return self.none()
        w, e = self.block_scores(b)[:2]
        return column_sums(b.X, rows, self.cols, self.T, w[rows], e[rows], self.step)


def _changed(name: str, got: int, counted: int) -> DataError:
    """The error for a pass that read other rows of some clusters than the count did."""
    return DataError(f"the rows of clusters of {shown(name)} read now ({got}) are not those counted ({counted}): "
                     "the data changed; fit the model again")


def _summed_cluster(source: DesignSource, clusters: ClusterRows, g: int, name: str,
                    block_scores: Callable[[Block], tuple], cols: np.ndarray | None, power: float,
                    coords: DesignCoordinates | FactorCoordinates
                    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The score of cluster ``g``, too large to gather, from its sums (module docstring): two passes."""
    value = clusters.values[g:g + 1]
    width = coords.width if cols is None else cols.size  # (the kept columns)
    step = rows_within(width)
    got, reach = fold(source, _ClusterReach(value, cols, step), added, (0, np.zeros(width)))
    if got != clusters.sizes[g]:
        raise _changed(name, got, int(clusters.sizes[g]))
    J = np.flatnonzero(reach > 0)
    if J.size:
        T, lift = coords.root(J)
        part = _ClusterSums(value, J if cols is None else cols[J], T, block_scores, step)
        at, s, lam_max = score_from_sums(fold(source, part, added, part.none()), power, lift)
        yield np.array([g]), at, s[None], np.array([lam_max])


def gathered_cluster_scores(source: DesignSource, clusters: ClusterRows, name: str,
                            block_scores: Callable[[Block], tuple], cols: np.ndarray | None, power: float,
                            coords: DesignCoordinates | FactorCoordinates, budget: int | None = None
                            ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`~glmstat.inference.cluster_adjusted.adjusted_cluster_scores` of every cluster of ``source``, the
    clusters numbered as in ``clusters`` (0..G-1), one bucket of clusters' rows gathered at a time (a cluster
    too large for a bucket summed over the blocks instead).

    Parameters
    ----------
    source : DesignSource
        The rows, each block carrying its cluster values (``with_groups``).
    clusters : ClusterRows
        Their clusters (:func:`cluster_rows`; no missing value).
    name : str
        The cluster variable, for the error that refuses rows changed since the count.
    block_scores : callable
        A block's (working weights, scores, ...) (picklable, for dask).
    cols, power, coords
        As :func:`~glmstat.inference.cluster_adjusted.adjusted_cluster_scores`.
    budget : int, optional
        Bytes of a bucket's rows (default ``GATHER_BYTES``).
    """
    limit = bucket_rows(clusters, GATHER_BYTES if budget is None else budget)
    bounds = np.concatenate([[0], np.cumsum(clusters.sizes)])
    for g0, g1 in cluster_batches(bounds, limit, limit):
        counted = int(bounds[g1] - bounds[g0])
        if g1 == g0 + 1 and counted > limit:
            yield from _summed_cluster(source, clusters, g0, name, block_scores, cols, power, coords)
            continue
        pieces = fold(source, _BucketRows(clusters.values[g0:g1], block_scores), operator.add, [])
        got = sum(p[3].size for p in pieces)
        if got != counted:  # (a pass of other rows: the data changed since the count)
            raise _changed(name, got, counted)
        X = pieces[0][0].stack([p[0] for p in pieces[1:]])
        w, e, codes = (np.concatenate([p[k] for p in pieces]) for k in (1, 2, 3))
        for g, at, scores, lam_max in adjusted_cluster_scores(X, cols, w, e, codes.astype(np.intp), g1 - g0,
                                                              power, coords):
            yield g + g0, at, scores, lam_max
