"""The distinct values of a column of rows and each row's code into them, found in linear time by hashing.

``np.unique(v, return_inverse=True)`` sorts every row (an argsort of the column: 1.9 s of CPU time for ten million
rows of 50 numbers, the most of a ``factor(x)`` fit's 2.4 s); ``pandas.factorize`` puts each row in a hash table of
the distinct values and sorts only those (0.08 s), with the same sorted values and codes.  The formula layer codes
its columns of rows by their sorted distinct values here (:func:`sorted_codes`), and finds their first appearances
(R's ``unique()``) here too (:func:`first_rows`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

__all__ = ["first_rows", "sorted_codes"]


def _one_column(values: np.ndarray) -> np.ndarray:
    """``values`` as a 1-D array of numbers (the hash tables' keys), or a TypeError naming what it is instead."""
    values = np.asarray(values)
    if values.ndim != 1 or values.dtype.kind not in "biuf":
        raise TypeError(f"a 1-D array of numbers is coded by its distinct values, not {values.ndim}-D {values.dtype}")
    return values


def sorted_codes(values: np.ndarray, count: Callable[[int], None] | None) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of ``values`` and each row's code, its index into them.

    Parameters
    ----------
    values : numpy.ndarray
        One-dimensional numbers (integers, doubles, or int64 views of doubles' bits).
    count : callable or None
        Called with the number of distinct values once the rows are hashed, before they are sorted (a sort of ``k``
        values, ``k log k``: :meth:`glmstat.formula.evaluate.Evaluator.count_distinct` prices it, and may refuse);
        None where they are bounded otherwise.

    Returns
    -------
    distinct : numpy.ndarray
        ``u``, the distinct values in ascending order, of ``values``' dtype (NaN, all of them one value, last).
    codes : numpy.ndarray
        ``c`` (intp), each row's index: ``u[c] == values`` (NaN where the value is NaN).

    Notes
    -----
    The result is ``np.unique(values, return_inverse=True)``'s, from a hash table of the distinct values and a sort
    of those only (as ``pandas.factorize(values, sort=True)``): with ``d`` the distinct values in the order of their
    first rows and ``c`` the rows' codes into them, ``o = argsort(d)`` and ``r[o] = 0, ..., k - 1`` give ``u = d[o]``
    and each row's code ``r[c]`` -- linear time in the rows, ``k log k`` in the distinct values.  Doubles are equal
    as numbers are, so -0.0 and 0.0 are one value, written as the first row's of them (np.unique's is whichever its
    unstable sort put first); a caller that tells them apart hashes their bits (``values.view(np.int64)``), whose
    order is np.unique's of the same int64 view.  Integers are hashed as they are, exact beyond 2^53.
    """
    codes, distinct = pd.factorize(_one_column(values), use_na_sentinel=False)
    distinct = np.asarray(distinct)
    if count is not None:
        count(distinct.size)
    order = np.argsort(distinct)  # (NaN last, as np.unique's)
    rank = np.empty(distinct.size, dtype=np.intp)
    rank[order] = np.arange(distinct.size)
    return distinct[order], rank[codes]


def first_rows(values: np.ndarray) -> np.ndarray:
    """The row of each distinct value's first appearance in ``values``, in the rows' order.

    Parameters
    ----------
    values : numpy.ndarray
        One-dimensional numbers.

    Returns
    -------
    numpy.ndarray
        ``r`` (intp), ascending: ``values[r]`` are the distinct values in the order the rows first take them (R's
        ``unique(x)``; NaN, all of them one value, at its first row).

    Notes
    -----
    ``pandas.factorize`` numbers the distinct values in the order of their first rows, so the running maximum of
    the codes, ``m_i = max(c_0, ..., c_i)``, steps up by one exactly at a first appearance: the rows ``i`` where
    ``m_i > m_{i-1}`` (``m_{-1} = -1``), in linear time where ``np.unique(values, return_index=True)`` sorts the rows.
    """
    codes, _ = pd.factorize(_one_column(values), use_na_sentinel=False)
    return np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1)).astype(np.intp, copy=False)
