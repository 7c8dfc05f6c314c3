"""The data's columns as a formula reads them: each by name, turned into a value on first use (R's lookup of a
variable in ``data``), and why a name is not among them when the frame's columns are a MultiIndex."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .._arguments import shown
from .validation import check_column_types
from .values import DateTimes, FactorVec, NumVec, column_value, date_times_of

__all__ = ["DataColumns", "multiindex_hint"]


class DataColumns:
    """The data's columns by name, each turned into a value on first use (and remembered).

    ``names`` are the column labels as strings; a label that is not a string (``0``, ``("a", 1)``) is
    reachable by its text in backticks.  ``raw`` reads the stored array of a column.  ``known`` are the names
    an unknown name is matched against for a suggestion: every column of the data when ``df`` holds only the
    columns a model reads (a chunk of streamed data), else ``names``.
    """

    def __init__(self, df: pd.DataFrame, names: tuple[str, ...], positions: Mapping[str, int],
                 known: Sequence[str] | None = None) -> None:
        self.df = df
        self.names = names
        self.known = names if known is None else tuple(known)
        self.positions = positions
        self.n = len(df)
        self._values: dict[Any, Any] = {}
        self.used: list[str] = []
        #: False while a summary of whole columns is evaluated (``mean(x)``): its value for a row is not that
        #: row's, so a missing value of a column it reads drops no row (R's na.omit sees the term's values)
        self.recording = True
        self._recorded: set[str] = set()

    def raw(self, name: str) -> Any:
        pos = self.positions[name]
        try:
            return self.df._get_column_array(pos)
        except AttributeError:  # pandas without this accessor
            return self.df.iloc[:, pos].array

    def __contains__(self, name: str) -> bool:
        return name in self.positions

    def date_times(self, name: str) -> DateTimes | None:
        """The column ``name``'s date-times when it holds them (R's POSIXct), for the date functions; else None.
        Not counted among the columns read for missing values: the function's result is (a missing date-time
        gives a missing date, text or number)."""
        key = ("date-times", name)
        if key not in self._values:
            self._values[key] = date_times_of(self.raw(name))
        return self._values[key]

    def value(self, name: str) -> NumVec | FactorVec:
        v = self._values.get(name)
        if v is None:
            raw = self.raw(name)
            if not (isinstance(raw, np.ndarray) and raw.dtype.kind in "fiub"):  # (numbers and booleans pass)
                check_column_types(self.df, [name], {name: getattr(raw, "dtype", None)})
            v = self._values[name] = column_value(name, raw)
        if self.recording and name not in self._recorded:
            self._recorded.add(name)
            self.used.append(name)
        return v


def multiindex_hint(df: pd.DataFrame) -> str:
    """Why no name is a column of a frame whose columns are a MultiIndex (``df.groupby(g).agg(["mean", "sum"])``):
    each column's name is the text of a tuple, ``('x', 'mean')``, which a formula reaches only in backticks."""
    columns = df.columns
    if not isinstance(columns, pd.MultiIndex):
        return ""
    return (f"; the data's columns are a MultiIndex, whose names are tuples such as {shown(str(columns[0]))}: "
            "flatten them first, e.g. data.columns = ['_'.join(map(str, c)) for c in data.columns]")
