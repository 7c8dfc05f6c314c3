"""Per-row results of streamed data: dask collections for a dask fit, pandas objects read chunk by chunk
otherwise.

A per-row quantity (fitted values, residuals, leverages, predictions) is a function of one block of rows
and a few small arrays of the fit, so it is computed block by block.  For a fit on a dask cluster the blocks
stay where they are and the result is a lazy dask Series or DataFrame, one partition per block, indexed by
the rows' labels in the caller's data (``.compute()`` brings it back, ``.to_parquet()`` writes it from the
workers).  For rows in memory or in Parquet files the blocks' results are concatenated into one pandas object
indexed like :attr:`GLMResults.rows_used`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import pandas as pd

from ..formula.limits import DEFAULT_LIMITS, FormulaLimits, refuse_dense
from ..formula.data_paths import refuse_data_file, refuse_filled_directory
from ..formula.readers import ParquetReader, is_dask, pyarrow_parquet

__all__ = ["per_row", "per_chunk", "write_rows"]


def _empty(columns: tuple[str, ...] | str) -> pd.Series | pd.DataFrame:
    """A zero-row result with the columns (a tuple) or the Series name (a string), all float."""
    if isinstance(columns, str):
        return pd.Series([], dtype=float, name=columns)
    return pd.DataFrame({c: pd.Series([], dtype=float) for c in columns})


def _concat(parts: list) -> pd.Series | pd.DataFrame:
    return parts[0] if len(parts) == 1 else pd.concat(parts)


def refuse_in_memory(rows: int, columns: tuple[str, ...] | str, limit: float) -> None:
    """Refuse a per-row result of streamed rows that would take more than ``limit`` bytes (the formula limits'
    ``max_design_bytes``) in memory, 8 bytes a value and a row label, before any block is read: a Parquet file
    of 200 million rows of zeros takes 1.7 MB and is fitted in bounded memory, but its ``augment()`` held 16 GB
    of rows.  Written to a file (``augment(path=...)``) or left on a dask cluster, they are never held."""
    width = 1 if isinstance(columns, str) else len(columns)
    what = columns if isinstance(columns, str) else columns[0] if width == 1 else f"{width} columns"
    refuse_dense(f"the {rows:,} rows' results ({what})", 8 * rows * (width + 1), limit,
                 "write them to a Parquet file block by block with fit.augment(path=...), fit a dask DataFrame (its "
                 "results stay on the cluster), or raise the limit "
                 "(glm(..., limits=FormulaLimits(max_design_bytes=...)))",
                 held=" in memory")


def per_row(source: Any, fn: Callable, columns: tuple[str, ...] | str, numbered: bool = False,
            max_bytes: float = float("inf")) -> Any:
    """``fn(block)`` (a pandas Series or DataFrame indexed by the block's row labels) over the rows of a
    streamed ``source``: a dask collection when the source is on a cluster, else one pandas object, the
    blocks taken in order, refused beyond ``max_bytes`` (:func:`refuse_in_memory`).  With ``numbered``,
    ``fn(block, k=k)``, k the block's (partition's) number."""
    if hasattr(source, "map_blocks"):
        import dask.dataframe as dd

        meta = _empty(columns)
        return dd.from_delayed(source.map_blocks(fn, lambda: meta, numbered), meta=meta, verify_meta=False)
    refuse_in_memory(source.n_rows, columns, max_bytes)
    parts = [fn(b, k=k) if numbered else fn(b) for k, b in enumerate(source.blocks())]
    return _concat(parts) if parts else _empty(columns)


def write_rows(source: Any, fn: Callable, columns: tuple[str, ...], path: Any) -> Any:
    """``fn(block)`` (a DataFrame) over the rows of ``source``, written to the Parquet ``path`` block by block
    (one row group each; the row labels in the column ``row``) without holding them all; a dask fit writes a
    directory of files from its workers (into a new or empty directory only; ``pd.read_parquet`` reads its
    files in the order of their names, part.10 before part.2: sort by ``row``, or read it with dask).  A
    ``path`` that is one of the files the rows are read from is refused before anything is written.  Returns
    ``path``."""
    if hasattr(source, "map_blocks"):
        refuse_filled_directory(path)
        # (the labels as the column "row", as the files below have them; written as dask's index they were a
        # column "__null_dask_index__" that pandas reads back as the index)
        import dask.dataframe as dd

        meta = _empty(columns)
        meta.insert(0, "row", pd.Series([], dtype=source.origin[0].index.dtype))
        rows = dd.from_delayed(source.map_blocks(_labels_as_row_column(fn), lambda: meta), meta=meta,
                               verify_meta=False)
        rows.to_parquet(path, write_index=False)
        return path
    refuse_data_file(path, getattr(getattr(source, "reader", None), "files", ()))
    import pyarrow as pa

    pq = pyarrow_parquet("writing a Parquet file")
    writer = None
    try:
        for b in source.blocks():
            table = pa.Table.from_pandas(fn(b).rename_axis("row").reset_index(), preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path


@dataclass(frozen=True)
class _labels_as_row_column:
    """``fn(block)`` (a DataFrame) with its row labels as a first column ``row`` (picklable: runs on the
    workers)."""

    fn: Callable

    def __call__(self, block: Any) -> pd.DataFrame:
        return self.fn(block).rename_axis("row").reset_index()


class _Once:
    """``fn`` with a token of its own: dask names a task by hashing its function, and a fit's function holds
    objects (families, model specs) that do not hash deterministically; each call of ``predict`` is new."""

    def __init__(self, fn: Callable) -> None:
        self.fn = fn
        self.token = uuid.uuid4().hex

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def __dask_tokenize__(self) -> str:
        return self.token


def per_chunk(data: Any, fn: Callable, columns: tuple[str, ...] | str, reads: Sequence[str] | None = None,
              limits: FormulaLimits = DEFAULT_LIMITS) -> Any:
    """``fn(chunk)`` over the chunks of new streamed data: ``map_partitions`` of a dask DataFrame (lazy), or
    the row groups of a Parquet path concatenated (rows numbered from 0 across the files).

    ``reads``: the only columns of a Parquet file ``fn`` needs (those the file has are read; None: every
    column), checked as a fit's first pass checks them (no lists, structs or bytes; no row group beyond
    ``limits.max_design_bytes`` when read): a column new data holds but the model does not use is never read.  A
    directory or glob lists at most ``limits.max_listed`` entries; rows whose results would take more than
    ``limits.max_design_bytes`` in memory are refused from the files' metadata (:func:`refuse_in_memory`)."""
    if is_dask(data):
        return data.map_partitions(_Once(fn), meta=_empty(columns))
    reader = ParquetReader.open(data, limits=limits, what="newdata")
    refuse_in_memory(reader.n_rows, columns, limits.max_design_bytes)
    wanted = reader.columns
    if reads is not None:
        needed = set(reads)
        wanted = tuple(c for c in reader.columns if c in needed)
        reader.refuse_unusable(wanted)
        reader = replace(reader, max_read_bytes=limits.max_design_bytes)
    parts = [fn(chunk) for chunk in reader.chunks(wanted)]
    out = _concat(parts)
    out.index = pd.RangeIndex(len(out))
    return out
