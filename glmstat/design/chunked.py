"""A row source over data read chunk by chunk: every pass reads the chunks again and encodes each on its own.

The engine and every blockwise inference pass iterate ``blocks()``; here each block is a chunk of the data
(a Parquet row group, or a bounded batch of one) turned into the model's rows by the encoder the first pass
learned (:class:`~glmstat.formula.stream.ChunkEncoder`).  Only one chunk is in memory at a time, so memory is
bounded by the chunk size and the model's p x p sums, whatever the number of rows -- except that data small
enough for its encoded rows to take at most ``KEEP_BYTES`` (as the blocks store them: a wide factor's codes,
not its indicator columns) keeps them after the first full pass, and every later pass (IRLS steps, profile
refits, tests) reads memory, not the files.  Sub-models (the columns of an analysis of deviance, the
intercept-only null model) and refits with a coefficient held (profile intervals) are the same chunks with a
transformation of each block (:meth:`ChunkSource.with_columns`, :meth:`~ChunkSource.with_fixed`); of kept
blocks, a derived source keeps its transformed copy while it lives (its refit's passes transform them once).

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
from .sources import Block, FixColumn, SelectColumns, SequentialSource, WithGroups, HeldBlocks, block_bytes, transformed

__all__ = ["ChunkReader", "ChunkSource", "KEEP_BYTES"]

#: Encoded rows of at most this many bytes are kept in memory after the first pass (see the module docstring).
KEEP_BYTES = 64 * 2**20


class ChunkReader(Protocol):
    """Where chunks of raw data come from (a Parquet file, a directory of them...)."""

    columns: tuple[str, ...]
    n_rows: int  # every row of the data, as the fit read it

    def chunks(self, columns: tuple[str, ...]) -> Iterator:
        """Yield DataFrames holding ``columns``, in a fixed order, one chunk at a time."""
        ...


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
    #: the encoded blocks of the first full pass (None until then, or when the rows are too many to keep), shared
    #: by the sources derived from it (sub-models, held coefficients), which transform the same blocks
    encoded: HeldBlocks = field(default_factory=HeldBlocks, compare=False, repr=False)
    #: the kept blocks with ``transforms`` applied, made at this source's first pass over them (a refit's later
    #: passes do not select its columns or hold its coefficient again: a fifth of a profile interval's time); a
    #: source of its own for each derived source (:meth:`_with`)
    prepared: HeldBlocks = field(default_factory=HeldBlocks, compare=False, repr=False)

    def blocks(self) -> Iterator[Block]:
        """The chunks' blocks, each row labelled by its position in the data (counting every row read)."""
        if self.encoded.blocks is not None:
            yield from self.prepared.made_from(self.encoded.blocks, self.transforms)
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
                kept_bytes += block_bytes(block)
                if kept_bytes <= KEEP_BYTES:
                    keep.append(block)
                else:  # (too many to keep: let go of those kept)
                    keep = None
            yield transformed(block, self.transforms)
        # (a pass of other rows would have mixed them into every sum: refuse its result)
        if (start, used) != (self.reader.n_rows, self.n_rows):
            raise DataError(f"the data read now has {start} rows ({used} used), but the fit was made from "
                            f"{self.reader.n_rows} rows ({self.n_rows} used): the data changed since the fit; "
                            f"fit the model again")
        if keep is not None:  # (a pass read to the end: every block is here)
            self.encoded.blocks = tuple(keep)

    def with_columns(self, cols: np.ndarray) -> "ChunkSource":
        """The same rows with only the design columns ``cols``."""
        cols = np.asarray(cols, dtype=np.intp)
        return replace(self._with(SelectColumns(cols)), n_cols=int(cols.size))

    def with_groups(self, name: str) -> "ChunkSource":
        """The same blocks, each carrying the data column ``name`` of its rows (``Block.groups``)."""
        if name not in self.reader.columns:
            raise DataError(f"{shown(name)} names no column of the data")
        columns = self.columns if name in self.columns else self.columns + (name,)
        return replace(self, columns=columns, encode=WithGroups(self.encode, self.kept, name), encoded=HeldBlocks(),
                       prepared=HeldBlocks())

    def with_transform(self, transform: Callable[[Block], Block]) -> "ChunkSource":
        """The same chunks with ``transform`` applied to every block (a row-wise change of the response,
        weights or offset that keeps the columns)."""
        return self._with(transform)

    def with_fixed(self, col: int, value: float) -> "ChunkSource":
        """The same rows and columns with column ``col``'s coefficient held at ``value`` (offset + value x_col)."""
        return self._with(FixColumn(int(col), float(value)))

    def _with(self, transform: Callable[[Block], Block]) -> "ChunkSource":
        return replace(self, transforms=self.transforms + (transform,), prepared=HeldBlocks())
