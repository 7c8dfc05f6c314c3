"""``glm(subset=)``: the rows a model is fitted to, chosen as R's ``subset`` argument chooses them.

R's ``model.frame`` evaluates every variable on all the rows of the data, keeps the rows where ``subset`` is
TRUE, then drops the rows with a missing value (``na.omit``).  So

* the parameters of ``scale()``, ``poly()``, ``quantile()`` and the other stateful transforms are learned from
  every row of the data, not only from the subset's (``predvars`` records them so);
* a factor keeps only the levels of the rows used (``drop.unused.levels``);
* a row outside the subset is neither used nor counted as dropped, and its values are never checked (a
  negative count there is no error);
* a row where the condition is NA becomes a row of missing values: dropped, and counted as dropped for a
  missing value;
* a summary of a column with missing values (``median(x)`` without ``na.rm``) is NA in a condition, as R's,
  where a term of the formula refuses it: ``x > median(x) | g == "a"`` keeps the rows where g is "a".

A subset is a condition written in R, ``"age > 30 & sex == 'F'"``, evaluated on the data by the formula's own
evaluator (never as Python: nothing in it can run code, and it is bounded by the same limits as a formula);
or one boolean per row, a numpy array or a pandas Series (aligned by the data's index, as ``weights=`` is).
Streamed data (a Parquet path, a dask DataFrame) take a condition only: it is evaluated on each chunk, where
an array could not be matched to the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._arguments import items_given, shown
from ..errors import DataError, FormulaError
from .deparse import deparse
from .evaluate import Evaluator
from .limits import FormulaLimits
from .nodes import Node, names_read
from .parser import parse_expression
from .values import FactorVec, NumMat, NumVec, align_by_label

__all__ = ["Subset", "subset_argument", "subset_rows"]


@dataclass(frozen=True, eq=False)
class Subset:
    """The ``subset=`` of a fit: a condition (``node``, its R text in ``text``) or one value per row of the data
    (``values``: 1 for a row kept, 0 for a row left out, NaN where the value is missing)."""

    node: Node | None = None
    values: np.ndarray | None = None

    @property
    def text(self) -> str | None:
        """The condition's R text (None for values)."""
        return None if self.node is None else deparse(self.node)

    @property
    def label(self) -> str:
        """What the rows dropped for a missing value of the subset are counted under."""
        return "subset" if self.node is None else f"subset {self.text}"

    def columns(self) -> set[str]:
        """The data columns the condition reads."""
        return set() if self.node is None else set(names_read(self.node))


#: what values of subset= may be given as (one per row)
_SEQUENCES = (np.ndarray, pd.Series, pd.api.extensions.ExtensionArray, list, tuple)


def subset_argument(subset: Any, limits: FormulaLimits, index: pd.Index | None) -> Subset | None:
    """``glm(subset=)`` checked: a condition is parsed (not evaluated); values, one per row of the data whose
    labels are ``index`` (None: streamed data, which take a condition only), are read as 1/0/NaN, a Series
    aligned by its labels.

    Numbers are refused, ``1:50`` as well as ``[0, 1, 1]``: R reads numbers as row numbers counted from 1,
    Python counts from 0, and a mask of 0/1 read as row numbers would take row 1 again and again."""
    if subset is None:
        return None
    if isinstance(subset, Subset):
        return subset
    if isinstance(subset, str):
        try:
            return Subset(node=parse_expression(subset, limits, what="subset"))
        except FormulaError as e:  # (the parser's messages speak of a formula)
            raise FormulaError(str(e).replace("cannot read the formula", "cannot read the subset condition", 1)) \
                from None
    if isinstance(subset, (bool, np.bool_)):
        raise DataError(f"subset={subset} is one flag: give a condition such as 'age > 30', or one True/False per "
                        "row")
    if not isinstance(subset, _SEQUENCES):
        raise DataError(f"subset= must be a condition such as 'age > 30', or one True/False per row; got a "
                        f"{type(subset).__name__}")
    if index is None:
        raise DataError("subset= must be a condition such as 'age > 30' for streamed data (a Parquet path or a dask "
                        "DataFrame): values cannot be matched to its rows")
    if isinstance(subset, np.ndarray) and subset.ndim != 1:  # (an (n, 1) array is one column, as weights= is)
        if subset.ndim == 0 or subset.shape[1:] != (1,) * (subset.ndim - 1):
            raise DataError(f"subset= must be one True/False per row, but it has shape {subset.shape}")
        subset = subset.reshape(-1)
    given = items_given(subset)  # (counted before they are read)
    n = len(index)
    if (given if given is not None else len(subset)) != n:
        raise DataError(f"subset= has {given if given is not None else len(subset):,} values but the data has "
                        f"{n:,} rows")
    aligned = align_by_label(subset, index, "subset=", "subset=s.reindex(data.index)")
    return Subset(values=_flags(aligned))


def _flags(values: Any) -> np.ndarray:
    """One True/False/missing per row as 1/0/NaN."""
    dtype = getattr(values, "dtype", None)
    if dtype is not None and pd.api.types.is_bool_dtype(dtype):
        return np.asarray(pd.array(values, dtype="boolean").to_numpy(dtype=float, na_value=np.nan))
    if dtype is not None and getattr(dtype, "kind", "O") in "iufc":
        raise DataError(f"subset= must be True or False for each row; it holds {dtype} numbers (numbers would be "
                        "row numbers in R, counted from 1: pass a condition, or a boolean mask such as "
                        "data.index.isin(rows))")
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise DataError(f"subset= must be one True/False per row, but it has shape {arr.shape}")
    out = np.empty(arr.shape, dtype=float)
    for i, v in enumerate(arr):
        if isinstance(v, (bool, np.bool_)):
            out[i] = float(v)
        elif v is None or v is pd.NA or type(v) in (float, np.float64) and np.isnan(v):
            # (only Python's and numpy's own floats are asked: np.isnan of a float subclass ran its __float__)
            out[i] = np.nan
        else:
            raise DataError(f"subset= must be True or False for each row; value {i} is {shown(v)} (numbers would be "
                            "row numbers in R, counted from 1: pass a condition, or a boolean mask such as "
                            "data.index.isin(rows))")
    return out


def subset_rows(subset: Subset, ev: Evaluator, index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """(``outside``, ``unknown``): the rows of a chunk (labelled ``index``) the subset leaves out, and those where
    its value is missing.  The condition's columns are read as a summary's are (``ev.whole_columns``): their
    missing values drop no row by themselves, only through the condition's value."""
    n = len(index)
    if subset.node is None:
        values = subset.values
        if len(values) != n:  # (a Subset of the fitted data's rows, given again with other data)
            raise DataError(f"subset= has {len(values):,} values but the data has {n:,} rows")
    else:
        values = _condition(subset, ev, n)
    unknown = np.isnan(values)
    return (values == 0), unknown


def _condition(subset: Subset, ev: Evaluator, n: int) -> np.ndarray:
    """The condition's value on every row, as 1/0/NaN."""
    try:
        with ev.whole_columns(), ev.missing_summaries_are_na():  # (R's NA: x > median(x) | g == "a" keeps rows)
            v = ev.eval(subset.node)
    except FormulaError as e:
        raise FormulaError(f"in subset {shown(subset.text)}: {e}") from e.__cause__
    if isinstance(v, (bool, np.bool_)):  # (TRUE: every row, as R recycles it)
        return np.full(n, float(v))
    if isinstance(v, NumVec) and v.logical:
        return v.values
    what = ("numbers (R would read them as row numbers)" if isinstance(v, (NumVec, NumMat, tuple, int, float))
            else "a factor" if isinstance(v, FactorVec) else f"a {type(v).__name__}")
    raise DataError(f"subset {shown(subset.text)} must be TRUE or FALSE for each row (a condition such as "
                    f"'age > 30'), but it gives {what}")
