"""What ``data=`` may be, and the model frame and row source ``glm()`` makes of each.

* In memory -- a pandas DataFrame (never modified), a dict of columns, a pyarrow Table or a polars DataFrame
  (converted to pandas once): the front end evaluates the formula on every row
  (:func:`glmstat.formula.frame.build_model_frame`) and the engine reads the arrays in blocks
  (:class:`~glmstat.design.sources.InMemorySource`).
* Out of core -- a path to a Parquet file, a directory of Parquet files or a glob: a first pass over the row
  groups learns the model spec (:func:`glmstat.formula.stream.learn_spec`: factor levels over *every* row
  group, rows dropped for missing values, the parameters of ``poly()``/``scale()``/``bs()``), then every pass
  of the engine reads the row groups again and encodes each on its own
  (:class:`~glmstat.design.chunked.ChunkSource`): memory holds one row group (at most
  :data:`~glmstat.formula.readers.BATCH_ROWS` rows) and the model's p x p sums, whatever the number of rows.
* On a dask cluster -- a dask DataFrame: the first pass summarizes each partition on its worker, every
  partition is encoded once where it lives, and each pass is a map-reduce whose parts are p x p arrays
  (:class:`~glmstat.design.dask.DaskSource`).

The streamed model frame (:class:`~glmstat.formula.stream.StreamedFrame`) has the names, terms, spec and
counts of an in-memory one, but not the rows.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial, reduce
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ._arguments import counted, is_one_of, shown
from .design.chunked import ChunkSource
from .design.policy import block_rows, for_fitting
from .design.sources import DesignSource, InMemorySource
from .errors import DataError, DataWarning, MissingDependencyError, warn_user
from .families import Family
from .formula.deparse import r_name
from .formula.frame import ModelFrame, build_model_frame, columns_read
from .formula.limits import DEFAULT_LIMITS, FormulaLimits
from .formula.nodes import Name
from .formula.data_paths import is_path
from .formula.arrow_tables import arrow_schema, in_memory_frame, is_table, numeric_categoricals
from .formula.readers import ParquetReader, is_dask
from .formula.rows import missing_detail
from .formula.spec import ModelSpec
from .formula.stream import ChunkSummary, StreamedFrame, StreamModel, learn_spec

__all__ = ["model_frame_and_source"]


def model_frame_and_source(formula: str, data: Any, family: Family, *, weights: Any, offset: Any, na_action: str,
                           context: Mapping[str, Any] | None,
                           limits: FormulaLimits, contrasts: Mapping[str, str] | None = None, subset: Any = None
                           ) -> tuple[ModelFrame | StreamedFrame, DesignSource]:
    """The model frame of ``formula`` on ``data`` and the row source the engine fits from (see the module
    docstring for what ``data`` may be)."""
    schema, table, read = None, None, None
    if not isinstance(data, pd.DataFrame):  # (a pandas DataFrame is used as it is: no path, reader, dask)
        schema = arrow_schema(data)
        checked = limits if isinstance(limits, FormulaLimits) else DEFAULT_LIMITS
        if is_table(data):  # (only the columns the model reads: 200,000 columns took 6.9 s to convert)
            table, read = data, columns_read(formula, weights, offset, subset, checked)
        data = in_memory_frame(data, checked, columns=read)
        if is_path(data) or is_dask(data) or isinstance(data, ParquetReader):
            return _streamed(formula, data, family, weights, offset, na_action, context, limits, contrasts, subset)
    frame = build_model_frame(formula, data, family, weights=weights, offset=offset, na_action=na_action,
                              context=context, limits=limits, contrasts=contrasts, subset=subset)
    if read is not None:  # (the table's other columns are converted when a method asks for them)
        frame = replace(frame, given_data=table)
    if schema is not None:  # (an Arrow table read from a Parquet file: a Categorical of numbers is numbers)
        _warn_numeric_categoricals(frame.spec, lambda columns: numeric_categoricals(schema, columns))
    design = for_fitting(frame.design)
    source = InMemorySource(design, frame.y, frame.total_weights, frame.trials, frame.offset,
                            block_rows=block_rows(design), start_weights=frame.start_weights)
    return frame, source


def _streamed(formula, data, family, weights, offset, na_action, context, limits, contrasts, subset):
    """The streamed frame and the source of a Parquet path, an open reader (a streamed fit's refit reads the
    same files) or a dask DataFrame."""
    if not is_one_of(na_action, ("drop", "raise")):
        raise DataError(f"na_action must be 'drop' or 'raise', got {shown(na_action)}")
    if is_dask(data):
        frame, source = _dask(formula, data, family, weights, offset, context, limits, contrasts, subset)
    else:
        reader = data if isinstance(data, ParquetReader) else ParquetReader.open(data, limits=limits)
        reader = replace(reader, max_read_bytes=limits.max_design_bytes)  # (a chunk read is the design's memory)
        frame, source = _parquet(formula, reader, family, weights, offset, context, limits, contrasts, subset)
    if frame.n_dropped and na_action == "raise":
        detail = missing_detail(frame.dropped_by)
        raise DataError(f"{counted(frame.n_dropped, 'row')} {'has' if frame.n_dropped == 1 else 'have'} missing values "
                        f"({detail}) and na_action='raise'")
    return frame, source


# -- Parquet ------------------------------------------------------------------------------------------


def _summaries_here(reader: ParquetReader) -> Callable:
    def read(columns: tuple, summarize: Callable[[pd.DataFrame], ChunkSummary],
             merge: Callable[[ChunkSummary, ChunkSummary], ChunkSummary]) -> ChunkSummary:
        reader.refuse_unusable(columns)  # (the model's columns: the file may hold others of any type)
        # (folded as the chunks are read, from an empty summary: each chunk's checked as it is merged)
        return reduce(merge, (summarize(chunk) for chunk in reader.chunks(columns)), ChunkSummary())
    return read


def _parquet(formula, reader: ParquetReader, family, weights, offset, context, limits, contrasts, subset):
    model = learn_spec(formula, reader.columns, _summaries_here(reader), family, weights=weights, offset=offset,
                       context=context, limits=limits, contrasts=contrasts, subset=subset)
    source = ChunkSource(reader, model.columns, model.encoder.encode, model.n_rows,
                         len(model.spec.plan.column_names), kept=model.encoder.kept)
    _warn_numeric_categoricals(model.spec, reader.numeric_categoricals)
    return StreamedFrame.of(model, partial(_parquet_rows, reader, model)), source


def _warn_numeric_categoricals(spec: ModelSpec, categoricals: Callable[[tuple], Sequence[str]]) -> None:
    """Warn of a variable the model uses as a number that was a pandas Categorical when the file was written
    (Parquet keeps only its values; ``categoricals(columns)`` finds them): fitted from the DataFrame it was a
    factor, so the two fits would differ without a word.  ``factor(x)`` in the formula is the factor and says
    nothing."""
    bare = {v.id for v in spec.terms.variables if isinstance(v, Name)} - set(spec.levels)
    for c in categoricals(tuple(c for c in spec.columns if c in bare)):
        warn_user(
            f"column {shown(c)} was a pandas Categorical when the Parquet file was written, but Parquet keeps a "
            f"Categorical of numbers as plain numbers (pd.read_parquet reads numbers too): the model uses it as a "
            f"number; write {shown('factor(' + r_name(c) + ')')} in the formula to fit it as a factor", DataWarning)


def _parquet_rows(reader: ParquetReader, model: StreamModel) -> pd.Index:
    """The positions in the file(s) of the rows used (0-based, counting every row of every file)."""
    if model.n_dropped == 0 and model.encoder.subset is None:
        return pd.RangeIndex(model.n_rows)
    parts, start = [], 0
    for chunk in reader.chunks(model.columns):
        parts.append(start + np.flatnonzero(model.encoder.kept(chunk)))
        start += len(chunk)
    return pd.Index(np.concatenate(parts))


# -- dask ---------------------------------------------------------------------------------------------


#: the start of dask's ValueError when a partition, computed, lacks (or adds) columns its metadata names
_DASK_COLUMNS_MISMATCH = "The columns in the computed data do not match the columns in the provided metadata"


def _summaries_on_workers(ddf) -> Callable:
    def read(columns: tuple, summarize: Callable[[pd.DataFrame], ChunkSummary],
             merge: Callable[[ChunkSummary, ChunkSummary], ChunkSummary]) -> ChunkSummary | None:
        """Each partition summarized where it lives, and the summaries merged on the workers in the merge tree of
        every pass (:func:`~glmstat.design.dask.reduce_delayed`): the client receives the root, one summary (it
        gathered every partition's before)."""
        import dask

        from .design.dask import partition_failure, reduce_delayed

        parts = ddf[list(columns)].to_delayed()
        root = reduce_delayed([dask.delayed(summarize)(p) for p in parts], merge)
        if root is None:
            return None
        try:
            return dask.compute(root)[0]
        except Exception as e:
            # a partition whose columns are not the DataFrame's (dd.read_csv of files of which one lacks a
            # column): dask's own check raised a raw ValueError from the first pass, listing the columns whole
            if isinstance(e, ValueError) and not isinstance(e, DataError) and str(e).startswith(
                    _DASK_COLUMNS_MISMATCH):
                raise DataError(f"a partition of the dask DataFrame does not have the columns the DataFrame names "
                                f"(dask: {shown(str(e), 300)}); make every partition hold the same columns") from e
            failure = partition_failure(e)  # (one that could not be computed: a malformed file, a raising function)
            if failure is None:
                raise
            raise failure from e
    return read


def _dask(formula, ddf, family, weights, offset, context, limits, contrasts, subset):
    try:
        from .design.dask import DaskSource
    except ImportError as e:  # pragma: no cover - dask itself made the DataFrame
        raise MissingDependencyError("fitting a dask DataFrame needs dask: pip install 'glmstat[dask]'") from e
    _refuse_partitions(ddf.npartitions, limits)
    names = tuple(c if isinstance(c, str) else str(c) for c in ddf.columns)
    if len(set(names)) != len(names):
        raise DataError("the dask DataFrame has duplicate column names; rename them so each is unique")
    ddf = _named_by_strings(ddf, names)
    model = learn_spec(formula, names, _summaries_on_workers(ddf), family, weights=weights, offset=offset,
                       context=context, limits=limits, contrasts=contrasts, subset=subset)
    source = DaskSource.from_dataframe(ddf, model.columns, model.encoder.encode, model.encoder.kept, model.n_rows,
                                       len(model.spec.plan.column_names))
    return StreamedFrame.of(model, partial(_dask_rows, source)), source


def _refuse_partitions(count: int, limits: FormulaLimits) -> None:
    """Refuse a dask DataFrame of more than ``limits.max_partitions`` partitions (``count``, its metadata's),
    before any is computed: each pass of a fit is a task a partition, some milliseconds each whatever its rows
    (900 partitions of one row took 15 s to fit, 2,700 a minute).

    Parameters
    ----------
    count : int
        The DataFrame's number of partitions.
    limits : FormulaLimits
        The fit's limits.

    Raises
    ------
    DataError
        Naming the count, the limit, how to merge the partitions and how to raise the limit.
    """
    if count > limits.max_partitions:
        raise DataError(
            f"the dask DataFrame has {count:,} partitions, more than the limit max_partitions of "
            f"{limits.max_partitions:,}: each pass of the fit is a task a partition, some milliseconds each whatever "
            "its rows; merge small partitions first (ddf.repartition(partition_size='100MB') or "
            "ddf.repartition(npartitions=...)), or, for data this large, raise the limit with "
            "glm(..., limits=glmstat.FormulaLimits(max_partitions=...))"
        )


def _named_by_strings(ddf, names: tuple[str, ...]):
    """``ddf`` with its columns labelled ``names``, the labels as strings (a label 0 is "0", which the formula
    writes `0`, as the in-memory front end reads a DataFrame's labels): every later selection of its columns
    -- the first pass, the encoding, a cluster column, a refit, a summary of raw columns -- is by these names,
    and selecting "0" from columns labelled 0 raised pandas' KeyError."""
    if all(isinstance(c, str) for c in ddf.columns):
        return ddf
    return ddf.rename(columns=dict(zip(ddf.columns, names)))


def _dask_rows(source) -> pd.Index:
    """The labels of the rows used, merged on the workers in the merge tree of every pass: one Index comes to
    the client (:meth:`~glmstat.design.dask.DaskSource.row_labels`)."""
    return source.row_labels()
