"""Row sources: where the IRLS engine and every blockwise inference pass get their rows from.

The engine only ever iterates ``source.blocks()`` and reduces what it needs (X'WX, X'Wz, deviance) block by
block, so a source can hold arrays in memory, stream row groups from disk or map over dask partitions
without the engine knowing which.  A :class:`Block` carries the rows of one chunk: the design ``X`` (a
:class:`~glmstat.design.base.Design`), the response ``y`` (proportions for binomial), the total prior weights
``weights`` (prior weights times binomial trials, as R's ``glm.fit`` uses them), the binomial ``trials`` and
the ``offset``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator, Protocol, TypeVar

import numpy as np
import pandas as pd

from ..once import once
from .base import Design

T = TypeVar("T")

__all__ = ["Block", "DesignSource", "InMemorySource", "SequentialSource", "fold", "fold_lazy", "SelectColumns",
           "FixColumn", "StartFromTotalWeights", "WithGroups", "block_bytes", "transformed", "HeldBlocks"]


@dataclass(frozen=True)
class Block:
    """A contiguous chunk of rows: ``X`` (m x p), ``y``, ``weights``, ``trials``, ``offset`` (length m)."""

    X: Design
    y: np.ndarray
    weights: np.ndarray
    trials: np.ndarray
    offset: np.ndarray
    #: the labels of the rows in the caller's data, where per-row results are returned block by block (dask)
    index: pd.Index | None = None
    #: the values of a grouping column of the data for these rows (a cluster variable), when asked for
    groups: np.ndarray | None = None
    #: the weights of R's starting means where they differ from ``weights`` (the trials of a cbind() response
    #: with prior weights: binomial()$initialize starts from (n y + 0.5) / (n + 1)); None: ``weights``
    start_weights: np.ndarray | None = None

    @property
    def mustart_weights(self) -> np.ndarray:
        """The weights R's ``initialize`` gives the starting means."""
        return self.weights if self.start_weights is None else self.start_weights

    @once
    def n_positive(self) -> int:
        """Rows with a positive weight (weights are non-negative: non-zero means > 0)."""
        return int(np.count_nonzero(self.weights))

    @once
    def sum_weights(self) -> float:
        return float(self.weights.sum())

    @once
    def has_offset(self) -> bool:
        """Some row's offset is not 0 (else X beta is the linear predictor as it is)."""
        return bool(self.offset.any())


def block_bytes(block: Block) -> int:
    """The memory a block holds: its design's store and its per-row arrays."""
    arrays = (block.y, block.weights, block.trials, block.offset, block.start_weights, block.groups)
    return block.X.nbytes + sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


def transformed(block: Block, transforms: tuple) -> Block:
    """``block`` with ``transforms`` applied in order."""
    for t in transforms:
        block = t(block)
    return block


class HeldBlocks:
    """Blocks a source holds in memory once a pass has made them (None until then): a mutable slot in a frozen
    source, shared by the sources that ``dataclasses.replace`` derives from it unless they are given their own."""

    __slots__ = ("blocks",)

    def __init__(self) -> None:
        self.blocks: tuple[Block, ...] | None = None

    def made_from(self, blocks: tuple, transforms: tuple) -> tuple:
        """``blocks`` with ``transforms`` applied (a block without rows as it is), made at the first call and
        held for the next: a refit's passes select its columns or hold its coefficient once, not every pass."""
        if not transforms:
            return blocks
        if self.blocks is None:
            self.blocks = tuple(b if b.y.shape[0] == 0 else transformed(b, transforms) for b in blocks)
        return self.blocks


class DesignSource(Protocol):
    """What the engine needs from a data source."""

    n_rows: int
    n_cols: int

    def blocks(self) -> Iterator[Block]:
        """Yield the rows in a fixed order, one block at a time."""
        ...

    def map_reduce(self, part: Callable[[Block], T], merge: Callable[[T, T], T]) -> T | None:
        """merge(part(b_1), part(b_2), ...) over the blocks (None without rows); where the rows are (a dask
        cluster's workers) when the source can, so that only the parts travel."""
        ...


class SequentialSource:
    """:meth:`map_reduce` as a loop over :meth:`blocks` on this machine (sources whose rows are local)."""

    def blocks(self) -> Iterator[Block]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def map_reduce(self, part: Callable[[Block], T], merge: Callable[[T, T], T]) -> T | None:
        acc = None
        for b in self.blocks():
            value = part(b)
            acc = value if acc is None else merge(acc, value)
        return acc


def fold(source: DesignSource, part: Callable[[Block], T], merge: Callable[[T, T], T], empty: T) -> T:
    """``source.map_reduce(part, merge)``, or ``empty`` when the source has no rows."""
    out = source.map_reduce(part, merge)
    return empty if out is None else out


def fold_lazy(source: DesignSource, part: Callable[[Block], T], merge: Callable[[T, T], T],
              empty: Callable[[], T]) -> T:
    """As :func:`fold`, with the value for no rows made (``empty()``) only when the source has none: for one
    that costs to build on every fit (a dataclass of p-vectors)."""
    out = source.map_reduce(part, merge)
    return empty() if out is None else out


@dataclass(frozen=True)
class InMemorySource(SequentialSource):
    """All rows held in memory; ``block_rows`` bounds the rows per block so temporaries stay small.

    Blocks are row views of the design and the arrays, never copies.
    """

    X: Design
    y: np.ndarray
    weights: np.ndarray
    trials: np.ndarray
    offset: np.ndarray
    block_rows: int = 65536
    start_weights: np.ndarray | None = None  # as Block.start_weights

    @property
    def n_rows(self) -> int:
        return self.X.n_rows

    @property
    def n_cols(self) -> int:
        return self.X.n_cols

    def blocks(self) -> Iterator[Block]:
        n, step = self.n_rows, max(1, int(self.block_rows))
        if n <= step:  # one block: the same object every pass (small fits iterate cheaply)
            yield self._whole
            return
        for start in range(0, n, step):
            s = slice(start, min(n, start + step))
            yield Block(self.X.rows(s.start, s.stop), self.y[s], self.weights[s], self.trials[s], self.offset[s],
                        start_weights=None if self.start_weights is None else self.start_weights[s])

    @once
    def _whole(self) -> Block:
        # (the same arrays every pass: the kernels' cached sums recognise them by identity)
        return Block(self.X, self.y, self.weights, self.trials, self.offset, start_weights=self.start_weights)

    def map_reduce(self, part: Callable[[Block], T], merge: Callable[[T, T], T]) -> T | None:
        if 0 < self.n_rows <= self.block_rows:  # one block (most fits): no generator to run
            return part(self._whole)
        return super().map_reduce(part, merge)

    def with_columns(self, cols: np.ndarray) -> "InMemorySource":
        """The same rows with only the design columns ``cols`` (submodels, the null model)."""
        return replace(self, X=self.X.select(cols))

    def with_fixed(self, col: int, value: float) -> "InMemorySource":
        """The same rows and columns with column ``col``'s coefficient held at ``value`` (offset + value x_col)."""
        return replace(self, offset=self.offset + value * self.X.column(col))

    def with_offset(self, offset: np.ndarray) -> "InMemorySource":
        """The same rows and columns with another offset (profile refits)."""
        return replace(self, offset=offset)

    def with_transform(self, transform: Callable[[Block], Block]) -> "InMemorySource":
        """The rows as ``transform`` makes them of a block (a row-wise change of the response, weights or
        offset, the columns kept, such as Firth's shifted start), applied once to all the rows."""
        b = transform(self._whole)
        return replace(self, X=b.X, y=b.y, weights=b.weights, trials=b.trials, offset=b.offset,
                       start_weights=b.start_weights)


@dataclass(frozen=True)
class SelectColumns:
    """A block with only the design columns ``cols`` (a picklable block transform)."""

    cols: np.ndarray

    def __call__(self, block: Block) -> Block:
        return replace(block, X=block.X.select(self.cols))


@dataclass(frozen=True)
class StartFromTotalWeights:
    """A block whose starting means are R's ``glm.fit(x, object$y, object$prior.weights)``'s: from the total prior
    weights (prior weights times a cbind() response's trials), as ``anova.glm``, ``drop1.glm`` and ``add1.glm``
    refit submodels, not from the trials alone as ``glm()`` starts a cbind() response (a picklable transform)."""

    def __call__(self, block: Block) -> Block:
        return block if block.start_weights is None else replace(block, start_weights=None)


@dataclass(frozen=True)
class FixColumn:
    """A block whose design column ``col`` has its coefficient held at ``value``: offset + value x_col (the
    column itself stays; select the others after this)."""

    col: int
    value: float

    def __call__(self, block: Block) -> Block:
        return replace(block, offset=block.offset + self.value * block.X.column(self.col))


@dataclass(frozen=True)
class WithGroups:
    """An encoder of data chunks whose blocks also carry the column ``name`` of the rows used (``kept(chunk)``
    marks them), for per-cluster sums of streamed data."""

    encode: Callable
    kept: Callable
    name: str

    def __call__(self, chunk: pd.DataFrame) -> Block:
        block = self.encode(chunk)
        column = chunk[self.name]
        if block.y.shape[0] != column.shape[0]:
            # (the rows used taken before the conversion: pandas converts a nullable integer column that holds a
            # missing value to float64, which merged ids beyond 2^53 -- distinct clusters -- into one; the rows
            # used have no missing value, or the sandwich is refused, and convert to int64)
            column = column[self.kept(chunk)]
        return replace(block, groups=column.to_numpy())
