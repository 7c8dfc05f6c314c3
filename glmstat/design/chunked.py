"""A row source over data read chunk by chunk: every pass reads the chunks again and encodes each on its own.

The engine and every blockwise inference pass iterate ``blocks()``; here each block is a chunk of the data
(a Parquet row group, or a bounded batch of one) turned into the model's rows by the encoder the first pass
learned (:class:`~glmstat.formula.stream.ChunkEncoder`).  Only one chunk is in memory at a time, so memory is
bounded by the chunk size and the model's p x p sums, whatever the number of rows -- except that data small
enough for its encoded rows to take at most ``KEEP_BYTES`` (as the blocks store them: a wide factor's codes,
not its indicator columns) keeps them after the first full pass, and every later pass (IRLS steps, profile refits, tests) reads memory, not the
files.  Sub-models (the columns
of an analysis of deviance, the intercept-only null model) are the same chunks with a transformation of each
block (:meth:`ChunkSource.with_columns`).

Every pass must read the rows the fit was made from: the reader refuses a file changed since it was opened
(:class:`~glmstat.formula.readers.FileStamp`), and a pass that read another number of rows (in all, or used)
raises a :class:`~glmstat.errors.DataError` at its end, before its sums can be used.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Protocol

import numpy as np
import pandas as pd

from .._arguments import shown
from ..errors import DataError
from .sources import Block, FixColumn, SelectColumns, SequentialSource, WithGroups

__all__ = ["ChunkReader", "ChunkSource", "KEEP_BYTES"]

#: Encoded rows of at most this many bytes are kept in memory after the first pass (see the module docstring).
KEEP_BYTES = 64 * 2**20


class _KeptBlocks:
    """The encoded blocks of a source's first full pass (None until then, or when the rows are too many to
    keep); shared by the sources derived from it (sub-models, held coefficients), which transform the same
    blocks."""

    __slots__ = ("blocks",)

    def __init__(self) -> None:
        self.blocks: tuple[Block, ...] | None = None


class ChunkReader(Protocol):
    """Where chunks of raw data come from (a Parquet file, a directory of them...)."""

    columns: tuple[str, ...]
    n_rows: int  # every row of the data, as the fit read it

    def chunks(self, columns: tuple[str, ...]) -> Iterator:
        """Yield DataFrames holding ``columns``, in a fixed order, one chunk at a time."""
        ...


def _block_bytes(block: Block) -> int:
    """The memory a block holds: its design's store and its per-row arrays."""
    arrays = (block.y, block.weights, block.trials, block.offset, block.start_weights, block.groups)
    return block.X.nbytes + sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


@dataclass(frozen=True, eq=False)
class ChunkSource(SequentialSource):
    """Rows of a chunked reader, encoded block by block (see the module docstring).

    ``columns`` are the data columns to read; ``encode`` turns a chunk into a :class:`Block`; ``transforms``
    are applied to every block in order (column subsets).
    """

    reader: ChunkReader
    columns: tuple[str, ...]
    encode: Callable
    n_rows: int
    n_cols: int
    transforms: tuple[Callable[[Block], Block], ...] = field(default=())
    kept: Callable | None = None  # kept(chunk): the rows of a chunk the model uses (for with_groups)
    encoded: _KeptBlocks = field(default_factory=_KeptBlocks, compare=False, repr=False)

    def blocks(self) -> Iterator[Block]:
        """The chunks' blocks, each row labelled by its position in the data (counting every row read)."""
        if self.encoded.blocks is not None:
            for block in self.encoded.blocks:
                yield self._transformed(block)
            return
        keep: list[Block] | None = []
        kept_bytes = 0
        start = used = 0
        for chunk in self.reader.chunks(self.columns):
            m = len(chunk)
            chunk.index = pd.RangeIndex(start, start + m)  # (the reader's own frame: positions in the data)
            start += m
            block = self.encode(chunk)
            used += block.y.shape[0]
            if block.y.shape[0] == 0:
                continue  # every row of this chunk was dropped for missing values
            if keep is not None:
                kept_bytes += _block_bytes(block)
                if kept_bytes <= KEEP_BYTES:
                    keep.append(block)
                else:  # (too many to keep: let go of those kept)
                    keep = None
            yield self._transformed(block)
        # (a pass of other rows would have mixed them into every sum: refuse its result)
        if (start, used) != (self.reader.n_rows, self.n_rows):
            raise DataError(f"the data read now has {start} rows ({used} used), but the fit was made from "
                            f"{self.reader.n_rows} rows ({self.n_rows} used): the data changed since the fit; "
                            f"fit the model again")
        if keep is not None:  # (a pass read to the end: every block is here)
            self.encoded.blocks = tuple(keep)

    def _transformed(self, block: Block) -> Block:
        for t in self.transforms:
            block = t(block)
        return block

    def with_columns(self, cols: np.ndarray) -> "ChunkSource":
        """The same rows with only the design columns ``cols``."""
        cols = np.asarray(cols, dtype=np.intp)
        return replace(self, n_cols=int(cols.size), transforms=self.transforms + (SelectColumns(cols),))

    def with_groups(self, name: str) -> "ChunkSource":
        """The same blocks, each carrying the data column ``name`` of its rows (``Block.groups``)."""
        if name not in self.reader.columns:
            raise DataError(f"{shown(name)} names no column of the data")
        columns = self.columns if name in self.columns else self.columns + (name,)
        return replace(self, columns=columns, encode=WithGroups(self.encode, self.kept, name), encoded=_KeptBlocks())

    def with_transform(self, transform: Callable[[Block], Block]) -> "ChunkSource":
        """The same chunks with ``transform`` applied to every block (a row-wise change of the response,
        weights or offset that keeps the columns)."""
        return replace(self, transforms=self.transforms + (transform,))

    def with_fixed(self, col: int, value: float) -> "ChunkSource":
        """The same rows and columns with column ``col``'s coefficient held at ``value`` (offset + value x_col)."""
        return replace(self, transforms=self.transforms + (FixColumn(int(col), float(value)),))
