"""Summaries of raw data columns over the rows a streamed fit used, in one pass over the data: what the
reference grid of ``emmeans`` and the variables of marginal effects need without the rows in memory.

For a column and a chunk of rows, :func:`summarize_chunk` records whether the column is numeric (not boolean),
the number of values n, their mean and their sum of squared deviations M2 = sum (x - mean)^2, the distinct
values while there are at most ``LEVELS_KEPT`` (emmeans' "at most two values" covariates, and the levels of a
numeric column read only through a factor of an expression of it, such as ``cl`` in ``factor(cl > 20)``), the smallest
and largest values (the range an effects plot draws over), and for a non-numeric column its distinct values
and how many rows hold each (the mean of a factor's level codes, where emmeans holds a factor read through
``unclass(f)``).
Chunks merge exactly as Chan, Golub and LeVeque's pairwise update (:meth:`ColumnSummary.merge`):

    n = n_a + n_b,   delta = mean_b - mean_a,   mean = mean_a + delta n_b / n,
    M2 = M2_a + M2_b + delta^2 n_a n_b / n,

so the standard deviation sqrt(M2 / (n - 1)) is accurate whatever the order of magnitude of the values (no
sum of squares minus a square).  The summary also keeps the first row used (``first``): a template of the
data's columns and their kinds for building a reference grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from .streamed_data import raw_fold

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["ColumnSummary", "ChunkColumns", "LEVELS_KEPT", "summarize_chunk", "merge_chunks", "column_summaries"]

#: A numeric column's distinct values are kept up to this many: the most a column read through an expression
#: (``factor(cl > 20)``) may have to be set to each of them (emmeans' reference grid, marginal contrasts)
LEVELS_KEPT = 1000


@dataclass(frozen=True)
class ColumnSummary:
    """One column over some rows (see the module docstring); ``distinct`` is None past ``LEVELS_KEPT`` values."""

    numeric: bool
    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    distinct: frozenset | None = frozenset()
    values: frozenset = frozenset()  # the distinct values of a non-numeric column
    counts: Mapping = field(default_factory=dict)  # a non-numeric column's rows per distinct value
    minimum: float = float("nan")  # of a numeric column (NaN without values)
    maximum: float = float("nan")

    @property
    def sd(self) -> float:
        """sqrt(M2 / (n - 1)) (NaN for fewer than two values), as ``np.std(x, ddof=1)``."""
        return float(np.sqrt(self.m2 / (self.n - 1))) if self.n > 1 else float("nan")

    def merge(self, other: "ColumnSummary") -> "ColumnSummary":
        """The summary of both chunks' rows (Chan et al.'s update; see the module docstring)."""
        n = self.n + other.n
        if n == 0:
            return ColumnSummary(self.numeric and other.numeric)
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
        distinct = None if self.distinct is None or other.distinct is None else self.distinct | other.distinct
        if distinct is not None and len(distinct) > LEVELS_KEPT:
            distinct = None
        # (fmin/fmax: a chunk without values has NaN extremes, which must not hide the other chunk's)
        counts = dict(self.counts)
        for value, k in other.counts.items():
            counts[value] = counts.get(value, 0) + k
        return ColumnSummary(self.numeric and other.numeric, n, mean, m2, distinct, self.values | other.values,
                             counts, float(np.fmin(self.minimum, other.minimum)),
                             float(np.fmax(self.maximum, other.maximum)))


def _summary(values: pd.Series) -> ColumnSummary:
    numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
    if not numeric:
        counts = values.value_counts(dropna=True, sort=False)
        counts = counts[counts > 0]  # (a categorical counts its unused categories too)
        return ColumnSummary(False, len(values), values=frozenset(pd.unique(values.dropna())),
                             counts=dict(zip(counts.index.tolist(), counts.to_numpy().tolist())))
    x = values.to_numpy(dtype=float)
    if x.size == 0:
        return ColumnSummary(True)
    mean = float(np.mean(x))
    distinct = np.unique(x)
    return ColumnSummary(True, x.size, mean, float(np.sum((x - mean) ** 2)),
                         frozenset(distinct.tolist()) if distinct.size <= LEVELS_KEPT else None,
                         minimum=float(distinct[0]), maximum=float(distinct[-1]))


@dataclass(frozen=True)
class ChunkColumns:
    """The summaries of a chunk's columns, and its first row (a one-row frame; None without rows)."""

    columns: Mapping[str, ColumnSummary]
    first: pd.DataFrame | None = field(default=None, repr=False)


def summarize_chunk(chunk: pd.DataFrame) -> ChunkColumns:
    """Every column of ``chunk`` summarized, and its first row kept."""
    return ChunkColumns({str(c): _summary(chunk[c]) for c in chunk.columns},
                        chunk.iloc[:1].copy() if len(chunk) else None)


def merge_chunks(a: ChunkColumns, b: ChunkColumns) -> ChunkColumns:
    """Both chunks' summaries merged; the first row of the earlier chunk that has one."""
    return ChunkColumns({k: a.columns[k].merge(b.columns[k]) for k in a.columns},
                        a.first if a.first is not None else b.first)


def column_summaries(fit: "GLMResults", columns: tuple[str, ...]) -> ChunkColumns:
    """The data ``columns`` summarized over the rows a streamed ``fit`` used, in one pass over its data."""
    return raw_fold(fit, tuple(columns), summarize_chunk, merge_chunks, ChunkColumns({}))
