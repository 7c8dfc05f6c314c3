"""R's ``levels(f)`` and ``unique(x)`` inside a formula: a factor's levels, a column's distinct values in the order
the rows first take them, as literal values -- ``factor(g, levels = rev(levels(g)))``, ``factor(x, levels =
unique(x))`` (the levels in the order of the data).

As R's ``model.frame`` they are taken over every row of the data, before the rows with a missing value elsewhere
are dropped, and the column they read drops no row.  As glmstat's summaries (``mean(x)``,
:mod:`glmstat.formula.summary_functions`) their values are learned once from the training rows and kept in the
model: ``predict(newdata)`` and every chunk of streamed data use the training values, where R's ``predict()``
computes them again from the new rows (for ``factor(x, levels = unique(x))`` R then codes the new rows by the fit's
levels anyway; for other uses, ``x %in% unique(z)``, the values would differ).  On streamed data ``unique()`` is of
all the rows in their order (the chunks' own first appearances, in the chunks' order) and ``levels()`` of a factor is
the chunks' own levels where they all agree (a categorical's categories), else the levels of every chunk sorted, as
R's ``factor()`` sorts them.  At most ``TEXTS_PER_COLUMN`` times ``max_columns`` values, which the model keeps.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .call_arguments import bind, call_error
from .deparse import deparse
from .factor_functions import drop_unused, merge_factor_levels
from .nodes import Call
from .summary_functions import MAX_SUMMARIES
from .text_functions import TEXTS_PER_COLUMN
from .value_codes import first_rows
from .values import FactorVec, NALevel, NumMat, NumVec, RInteger, Value, label_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["DISTINCT_FUNCTIONS", "call_levels", "call_unique"]


def _level_values(levels: tuple) -> tuple:
    """Levels as R's ``levels()`` gives them: texts (R's NA level as :class:`NALevel`, which ``factor(levels =)``
    leaves out as R's ``exclude = NA`` does)."""
    return tuple(lv if isinstance(lv, NALevel) else label_text(lv) for lv in levels)


def _bounded(ev: "Evaluator", call: Call, values: tuple) -> tuple:
    bound = TEXTS_PER_COLUMN * ev.limits.max_columns
    if len(values) > bound:
        raise call_error(call, f"gives {len(values):,} values, more than {bound:,} ({TEXTS_PER_COLUMN} times the "
                               "limit max_columns), which the model would keep; raise max_columns")
    return values


def call_levels(ev: "Evaluator", call: Call) -> tuple:
    """R's ``levels(f)`` of a factor (a column of texts or a categorical, ``factor(x)``, ``interaction()``...): its
    levels as texts, in order, learned from the training rows.  R's ``levels()`` of a character vector (a text
    function's result) or of numbers is NULL: refused, with ``levels(factor(x))`` to write instead."""
    a = bind(call, ("x",))
    with ev.whole_columns():  # (the factor is read for its levels: a row missing it is not dropped for that)
        f = ev.eval(a["x"])
    if not isinstance(f, FactorVec) or f.text:
        kind = "text" if isinstance(f, FactorVec) else "numbers"
        raise call_error(call, f"{deparse(a['x'])} is {kind}, not a factor, and R's levels() of it is NULL; write "
                               f"levels(factor({deparse(a['x'])}))")
    ev.count_summary(call, MAX_SUMMARIES)
    if ev.mode == "collect":  # (each chunk's levels and used levels recorded; merge_factor_levels decides)
        ev.learned_levels(call, f.levels, drop_unused(f).levels,
                          lambda chunks: _bounded(ev, call, _level_values(merge_factor_levels(chunks))))
        return _level_values(f.levels)
    own = _bounded(ev, call, _level_values(f.levels)) if ev.mode == "fit" else ()
    return ev.learned_levels(call, f.levels, own, None)  # (learned in a fit, the stored ones after)


def _first_appearances(x: Value, call: Call) -> tuple:
    """The distinct values of ``x`` in the order its rows first take them, as literal values (NA once, where it
    first appears, as R's ``unique()`` keeps it)."""
    if isinstance(x, FactorVec):
        codes = x.codes
        order = codes[first_rows(codes)]
        levels = _level_values(x.levels)
        return tuple(math.nan if c < 0 else levels[c] for c in order.tolist())
    if isinstance(x, NumVec):
        if x.date:
            raise call_error(call, "unique() of dates is not supported; write the dates as texts, "
                                   "c(\"2024-01-31\", ...)")
        v = x.values
        nan = np.isnan(v)  # (NA and NaN: R's NA, once)
        present = np.flatnonzero(~nan)
        rows = present[first_rows(v[present])].tolist() + ([int(np.argmax(nan))] if nan.any() else [])
        rows.sort()
        # (R's unique() of integers is integers, of logicals logicals)
        kind = bool if x.logical else RInteger if x.integer else float
        return tuple(math.nan if nan[r] else kind(v[r]) for r in rows)
    return _distinct_in_order(x if isinstance(x, tuple) else (x,))  # (literal values: R's unique() of them)


def _distinct_in_order(values) -> tuple:
    """The distinct ``values`` in their order, R's NA (a float NaN) once, a number and a text of one value apart."""
    out: dict = {}
    for value in values:
        out.setdefault(("NA",) if isinstance(value, float) and math.isnan(value) else (type(value), value), value)
    return tuple(out.values())


def _merge_appearances(chunks: np.ndarray) -> tuple:
    """``unique()`` of every chunk's rows, in their order, from each chunk's own first appearances."""
    return _distinct_in_order(value for record in chunks for value in record)


def call_unique(ev: "Evaluator", call: Call) -> tuple:
    """R's ``unique(x)``: the distinct values of x in the order of its rows' first appearance (a factor's as its
    levels' texts, R's NA once), learned from the training rows -- ``factor(x, levels = unique(x))``."""
    a = bind(call, ("x",))
    with ev.whole_columns():
        x = ev.eval(a["x"])
    if not isinstance(x, (FactorVec, NumVec, NumMat)):  # (literal values: nothing to learn)
        return _first_appearances(x, call)
    ev.count_summary(call, MAX_SUMMARIES)
    own = () if ev.mode == "apply" else _bounded(ev, call, _first_appearances(x, call))  # (applied: the fit's)
    learned = ev.summary_state(call, own, lambda records: _bounded(ev, call, _merge_appearances(records)))
    return own if learned is None else learned


#: the functions of this module by name, for the registry of :mod:`glmstat.formula.functions`
DISTINCT_FUNCTIONS = {"levels": call_levels, "unique": call_unique}
