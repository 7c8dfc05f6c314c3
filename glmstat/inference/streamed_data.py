"""The data a streamed fit was read from, for the features that must go back to it: refits with another
formula (``update``, ``add1``, ``step``) and summaries of raw columns over the rows used (the reference grid
of ``emmeans``, the variables of marginal effects).

A fit to a Parquet path keeps its :class:`~glmstat.formula.readers.ParquetReader` (the files found when it was
fitted: a glob or a directory is not searched again, so a refit reads the same files); a fit to a dask
DataFrame keeps that DataFrame in its row source.  A dask fit loaded from a pickle keeps neither (its source
is a :class:`~glmstat.design.dask.DetachedSource`): everything here refuses it, with the reason.

:func:`raw_fold` runs ``part`` on every chunk of raw data columns, restricted to the rows the model used (the
encoder's ``kept`` mask, the same rows the fit used), and merges the parts in the data's order: row group by
row group here for Parquet, one task per partition on the cluster for dask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import pandas as pd

from ..errors import DataError

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["data_reference", "data_columns", "raw_fold"]

T = TypeVar("T")


def _source(fit: "GLMResults") -> Any:
    return fit.fit_data.source


def data_reference(fit: "GLMResults") -> Any:
    """What ``glm()`` can read a streamed fit's data from again: its ParquetReader or its dask DataFrame.

    Raises
    ------
    DataError
        For a dask fit loaded from a pickle (it no longer holds the dask DataFrame).
    """
    from ..design.chunked import ChunkSource

    src = _source(fit)
    if isinstance(src, ChunkSource):
        return src.reader
    origin = getattr(src, "origin", ())
    if origin:
        return origin[0]
    raise DataError("this fit was loaded from a pickle and keeps no reference to the dask DataFrame it was fitted "
                    "to, so it cannot read the data again (to refit other models or summarize columns); fit it "
                    "again from the dask DataFrame, or call glmstat.glm() with the other formula")


def data_columns(fit: "GLMResults") -> tuple[str, ...]:
    """The column names of a streamed fit's data (as strings)."""
    ref = data_reference(fit)
    return tuple(c if isinstance(c, str) else str(c) for c in ref.columns)


def _kept_mask(fit: "GLMResults") -> Callable[[pd.DataFrame], Any]:
    src = _source(fit)
    return src.kept if getattr(src, "kept", None) is not None else src.origin[3]


def _model_columns(fit: "GLMResults") -> tuple[str, ...]:
    src = _source(fit)
    return tuple(src.columns) if hasattr(src, "reader") else tuple(src.origin[1])


@dataclass(frozen=True)
class _OnKeptRows:
    """``part`` of a chunk's rows the model used, with only ``columns`` (picklable: runs on dask workers)."""

    part: Callable
    kept: Callable
    columns: tuple

    def __call__(self, chunk: pd.DataFrame) -> Any:
        rows = chunk[self.kept(chunk)] if len(chunk) else chunk
        return self.part(rows[list(self.columns)])


def raw_fold(fit: "GLMResults", columns: tuple[str, ...], part: Callable[[pd.DataFrame], T],
             merge: Callable[[T, T], T], empty: T) -> T:
    """merge(part(c_1), part(c_2), ...) over the chunks of the data's ``columns`` restricted to the rows the fit
    used, in the data's order (``empty`` without rows).  A chunk with no rows used still gives a part (of a
    zero-row frame), so ``part`` must accept one."""
    ref = data_reference(fit)
    read = tuple(dict.fromkeys(_model_columns(fit) + tuple(columns)))  # kept() reads the model's columns
    one = _OnKeptRows(part, _kept_mask(fit), tuple(columns))
    if hasattr(ref, "files"):  # a ParquetReader: the row groups here, in file order
        acc = None
        for chunk in ref.chunks(read):
            value = one(chunk)
            acc = value if acc is None else merge(acc, value)
        return empty if acc is None else acc
    import dask

    from ..design.dask import reduce_delayed

    names = {str(c): c for c in ref.columns}
    tasks = [dask.delayed(one, pure=False)(p) for p in ref[[names[c] for c in read]].to_delayed()]
    root = reduce_delayed(tasks, merge)  # (merged on the workers, in the partitions' order: one value comes back)
    out = None if root is None else dask.compute(root)[0]
    return empty if out is None else out
