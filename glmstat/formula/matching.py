"""R's ``match(x, table)`` of a formula value in literal values, the positions ``%in%`` and ``is.element()`` test.

The position of a value is that of the first value of ``table`` equal to it, as R compares them: a factor by its
labels (a number of ``table`` by its text), numbers by value, and, with a text among ``table``'s values, every value
as its text (``as.character``: a double's 15 significant digits, an integer in full, a logical ``TRUE``/``FALSE``,
NaN ``"NaN"``).  R's match() matches NA to NA and NaN to NaN only: a missing value of ``x`` is at the position of
``table``'s first NA where it is R's NA -- a column read is missing, or the formula's NA reaches it
(:func:`~glmstat.formula.text_functions.na_rows`) -- and at its first other NaN where it is NaN (``log(x)`` of a
negative x).  The rows are coded by their sorted distinct values once, whatever the table's length.
"""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ..errors import FormulaError
from .call_arguments import numeric
from .deparse import deparse
from .factor_functions import refuse_inexact
from .na_values import is_r_na
from .nodes import Node
from .text_functions import na_rows
from .value_codes import sorted_codes
from .values import DoubleLevels, FactorVec, NumVec, RInteger, Value, label_text, levels_positions, r_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["match_positions"]


def _is_nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _first_texts(items: tuple, text_of: Callable[[Any], str]) -> dict[str, int]:
    """The 1-based position of each text's first value among ``items`` (R's NA, no value's text, left out; another
    NaN is the text "NaN")."""
    first: dict[str, int] = {}
    for k, v in enumerate(items, start=1):
        if not (_is_nan(v) and is_r_na(v)):
            first.setdefault("NaN" if _is_nan(v) else text_of(v), k)
    return first


def _na_mask(ev: "Evaluator", node: Node, a: Value, x: np.ndarray | float) -> np.ndarray | bool:
    """Where the missing numbers ``x`` (of ``node``'s value ``a``) are R's NA rather than NaN: a logical's or an
    integer's missing value always (neither has a NaN), a double's where
    :func:`~glmstat.formula.text_functions.na_rows` finds a column read missing or the formula's NA."""
    if not isinstance(x, np.ndarray):
        return not (x == x) and (is_r_na(x) or isinstance(a, (bool, np.bool_, RInteger)))
    if isinstance(a, NumVec) and (a.logical or a.integer):
        return np.ones(x.shape, dtype=bool)
    na = na_rows(ev, node, a)
    return np.zeros(x.shape, dtype=bool) if na is None else na


def _text_positions(ev: "Evaluator", a: Value, flat: np.ndarray, first: dict[str, int], logical: bool,
                    call: Node) -> np.ndarray:
    """The positions of numbers matched as their texts: each distinct value's text written once."""
    values, inverse = sorted_codes(flat, partial(ev.count_distinct, call))
    pos = np.full(values.shape[0], np.nan)
    present = ~np.isnan(values)
    if logical:
        pos[present] = [first.get(r_text(bool(v)), np.nan) for v in values[present].tolist()]
    elif isinstance(a, RInteger) or (isinstance(a, NumVec) and a.integer):  # (R's integers: in full)
        pos[present] = levels_positions(tuple(values[present].astype(np.int64).tolist()), first)
    else:  # (the texts of the values near a text's number only: a million values wrote a million texts)
        found = DoubleLevels.of_sorted(values)
        for text, p in sorted(first.items(), key=lambda item: -item[1]):  # (the least position written last)
            pos[found.with_text(text)] = p
        pos[~present] = np.nan
    return pos[inverse]


def _number_positions(flat: np.ndarray, items: tuple) -> np.ndarray:
    """The positions of numbers among numbers (a logical one 0 or 1), by value: a search of the table's sorted
    distinct values."""
    keys = [(float(v), k) for k, v in enumerate(items, start=1) if not _is_nan(v)]
    if not keys:
        return np.full(flat.shape[0], np.nan)
    values, at = np.unique(np.array([v for v, _ in keys]), return_index=True)  # (at: each value's first index)
    positions = np.array([k for _, k in keys], dtype=float)[at]
    j = np.minimum(np.searchsorted(values, flat), values.shape[0] - 1)
    return np.where(values[j] == flat, positions[j], np.nan)


def match_positions(ev: "Evaluator", a: Value, table: Value, x_node: Node, call: Node,
                    names: tuple[str, str, str]) -> Any:
    """R's ``match(a, table)``: the 1-based position in ``table`` of each value of ``a`` (a float array of a's
    rows, or one float for one value), NaN where ``table`` has no value equal to it.

    ``x_node`` is the expression of ``a`` (where a missing value is R's NA, :func:`_na_mask`); ``call`` the call
    or operation, named in refusals with ``names``: the operation, what ``a`` and what ``table`` are there
    (``("%in%", "left side of %in%", "the right side of %in%")``).
    """
    operation, x_name, table_name = names
    refuse_inexact(a, call, f"{operation} cannot tell them apart")
    items = table if isinstance(table, tuple) else (table,)
    if not all(isinstance(v, (str, int, float, bool)) for v in items):
        raise FormulaError(f"{deparse(call)}: {table_name} must be literal values, e.g. c(1, 2)")
    na_pos = next((k for k, v in enumerate(items, start=1) if _is_nan(v) and is_r_na(v)), np.nan)
    if isinstance(a, FactorVec):  # (R matches a factor's labels: a NaN of the table is the text "NaN")
        first = _first_texts(items, lambda v: r_text(v) if isinstance(v, bool) else label_text(v))
        return np.append(levels_positions(a.levels, first), na_pos)[a.codes]
    x = numeric(a, call, x_name)
    logical = isinstance(a, (bool, np.bool_)) or (isinstance(a, NumVec) and a.logical)
    flat = np.atleast_1d(np.asarray(x, dtype=float)).reshape(-1)
    if any(isinstance(v, str) for v in items):
        # as R: with a text among the items every value is matched as text (c(1, "5") is c("1", "5"))
        first = _first_texts(items, r_text)
        nan_pos = first.get("NaN", np.nan)
        pos = _text_positions(ev, a, flat, first, logical, call)
    else:
        nan_pos = next((k for k, v in enumerate(items, start=1) if _is_nan(v) and not is_r_na(v)), np.nan)
        pos = _number_positions(flat, items)
    if logical:
        nan_pos = np.nan  # (a logical has no NaN: its missing value is NA)
    pos = pos.reshape(np.shape(x))
    if not (math.isnan(na_pos) and math.isnan(nan_pos)):
        missing = np.isnan(x)
        na = np.asarray(_na_mask(ev, x_node, a, x), dtype=bool)
        pos = np.where(missing & na, na_pos, np.where(missing & ~na, nan_pos, pos))
    return pos if isinstance(x, np.ndarray) else float(pos)
