"""R's ``ave(x, g, ..., FUN = mean)`` in a formula: each row's x replaced by the summary of x over the rows of its
group (the combination of the grouping variables' values), R's idiom for group means and centring within groups
(``y ~ I(x - ave(x, g))``); and ``reorder(x, X, FUN = mean)``, which orders a factor's levels by the same
summaries of each level's rows (:func:`call_reorder`).

As R's ``model.frame`` evaluates it, the groups are taken over every row of the data, before rows with a missing
value elsewhere are dropped; a missing x makes its group's summary missing (R's ``mean`` without ``na.rm``), and a
row whose group is missing keeps its own x, as R's ``ave`` leaves it (so a missing grouping value drops no row).
``FUN`` is one of ``mean``, ``sum``, ``min``, ``max`` and ``length``.  At most 20 times ``max_columns`` groups,
whose summaries and texts the model keeps, and as many texts of the groups' values (a text a grouping variable a
group) for the formula's ``ave()`` calls together (:func:`_count_key_texts`).

Like glmstat's other summaries of columns (:mod:`glmstat.formula.summary_functions`), the groups' summaries are
learned once from the fit's rows -- on streamed data from every chunk's sums, counts and extremes -- and kept:
``predict(newdata)`` gives a row of a group the fit saw that group's training summary, and a group it did not see a
missing value (R computes ``ave`` again over the new rows, so that one new row is its own group).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from .call_arguments import bind, call_error, flag, numeric
from .factor_functions import as_factor, drop_unused, on_levels, refuse_inexact
from .nodes import Call, Name
from .summary_functions import MAX_ARGUMENTS, MAX_SUMMARIES
from .text_functions import NUMBER_TEXT_CHARS, TEXTS_PER_COLUMN, count_text_read, number_levels
from .text_memory import NUMBER_CHARS, TEXT_BYTES, chars_bytes, hold_texts
from .learners import RowsLearner
from .limits import LEVEL_BYTES
from .value_codes import sorted_codes
from .values import FactorVec, NumVec, Value, label_text, level_sort_key

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["GROUP_FUNCTIONS"]

#: the summaries FUN may name
_FUNS = ("mean", "sum", "min", "max", "length")


def _groups(ev: "Evaluator", call: Call, nodes: tuple) -> tuple[np.ndarray, list[tuple]]:
    """Each row's group (-1: a grouping value is missing) and the groups' keys, their levels' texts."""
    n = ev.n
    if not nodes:
        return np.zeros(n, dtype=np.intp), [()]
    codes, levels = [], []
    with ev.whole_columns():  # (a missing grouping value drops no row: the row keeps its x)
        for node in nodes:
            v = ev.eval(node)
            if isinstance(v, NumVec):  # (its distinct numbers, without a factor's level objects: counted first)
                refuse_inexact(v, call, "grouping by it would merge distinct values")
                seen = ~np.isnan(v.values)
                uniq, inverse = sorted_codes(v.values[seen], partial(ev.count_distinct, call))
                c = np.full(n, -1, dtype=np.intp)
                c[seen] = inverse.reshape(-1)
                codes.append(c)
                levels.append(uniq)
            else:
                f = as_factor(v, call, ev)
                codes.append(np.broadcast_to(f.codes, (n,)))
                levels.append(f.levels)
    stacked = np.stack(codes, axis=1)
    missing = (stacked < 0).any(axis=1)
    sizes = [max(len(lv), 1) for lv in levels]
    if float(np.prod(sizes, dtype=float)) < 2.0**62:  # (one integer a combination: a sort of numbers, not of rows)
        radix = np.cumprod([1] + sizes[:-1]).astype(np.int64)
        combined, first = sorted_codes(stacked[~missing].astype(np.int64) @ radix, partial(ev.count_distinct, call))
        unique = (combined[:, None] // radix) % np.asarray(sizes, dtype=np.int64)
        inverse = first
    else:
        unique, inverse = np.unique(stacked[~missing], axis=0, return_inverse=True)
    bound = TEXTS_PER_COLUMN * ev.limits.max_columns  # (the model keeps a summary and the texts of each group)
    if len(unique) > bound:
        raise call_error(call, f"it has {len(unique):,} groups, more than {bound:,} ({TEXTS_PER_COLUMN} times the "
                         "limit max_columns), whose summaries the model would keep; raise max_columns")
    _count_key_texts(ev, call, len(unique) * len(nodes), bound)
    # (the memory of each group's key, its texts, and its summary: 490 bytes a group measured on 100,000 groups, nine
    # times the columns of rows priced on as many rows)
    hold_texts(ev, call, len(unique), len(unique) * len(nodes) * NUMBER_CHARS, TEXT_BYTES + _ENTRY_BYTES)
    group = np.full(n, -1, dtype=np.intp)
    group[~missing] = inverse.reshape(-1)
    keys = [tuple(label_text(_level(lv[c])) for lv, c in zip(levels, row)) for row in unique]
    return group, keys


def _count_key_texts(ev: "Evaluator", call: Call, texts: int, bound: int) -> None:
    """Count the ``texts`` of the groups' keys (a text for each grouping variable of each group) that ``call`` is
    about to write, refusing once the formula's ``ave()`` calls together would write more than ``bound``, the bound
    on one call's groups (:data:`TEXTS_PER_COLUMN` times ``max_columns``): a text is a step of Python (a
    microsecond or two) a group, not a row, so that no pricing of the rows bounds it -- 100,000 groups of 16
    grouping variables wrote 1.6 million texts (4 s) on 100,000 rows, and a formula may call ave() 64 times."""
    ev.group_texts += texts
    if ev.group_texts > bound:
        raise call_error(call, f"the texts of its groups' values (a text for each grouping variable of each group), "
                         f"with those of the formula's other ave() calls, would be {ev.group_texts:,}, more than "
                         f"{bound:,} ({TEXTS_PER_COLUMN} times the limit max_columns), which the model would keep; "
                         "group by fewer variables (interaction() of them is one), or raise max_columns")


def _level(value):
    """A grouping level as a factor holds it (a number as a Python float)."""
    return float(value) if isinstance(value, np.floating) else value


#: the memory of a group's entry in a chunk's part beyond its key's texts: the dict's slot, the tuple of five
#: numbers and the numbers
_ENTRY_BYTES = 250


class _Part(dict):
    """A chunk's :func:`_part`, with its memory (``nbytes``) for the bound on what the chunks of streamed data
    gather to learn from (``max_design_bytes``, :func:`glmstat.formula.evaluate.gathered_bytes`): every chunk's
    part is held until the last is read, and a dict was counted as one level (32 bytes) whatever it held."""

    nbytes: int = 0


def _part(x: np.ndarray, group: np.ndarray, keys: list[tuple]) -> _Part:
    """What these rows tell about each group: key -> (sum, count, min, max, whether a value is missing)."""
    k = len(keys)
    present = group >= 0
    g, v = group[present], x[present]
    nan = np.isnan(v)
    total = np.bincount(g[~nan], weights=v[~nan], minlength=k)
    count = np.bincount(g, minlength=k)
    missing = np.bincount(g[nan], minlength=k) > 0
    low = np.full(k, np.inf)
    high = np.full(k, -np.inf)
    np.minimum.at(low, g[~nan], v[~nan])
    np.maximum.at(high, g[~nan], v[~nan])
    part = _Part((key, (total[i], int(count[i]), low[i], high[i], bool(missing[i]))) for i, key in enumerate(keys))
    part.nbytes = sum(_ENTRY_BYTES + LEVEL_BYTES * len(key) + sum(map(len, key)) for key in keys)
    return part


def _merged(parts, call: Call, bound: int) -> dict:
    """The parts (:func:`_part`) of every chunk merged: key -> (sum, count, min, max, whether a value is missing);
    refused as soon as the groups merged from them are more than ``bound`` (the bound on one chunk's): each chunk's
    groups are bounded, and streamed data of many chunks, each of other groups (ids), gave the model a table of a
    million groups, the formula's rows evaluated again and again with it (50 s)."""
    merged: dict = {}
    for part in parts:
        for key, (s, c, lo, hi, miss) in part.items():
            if key not in merged and len(merged) == bound:
                raise call_error(call, f"the chunks of the data hold more than {bound:,} groups together "
                                 f"({TEXTS_PER_COLUMN} times the limit max_columns), whose summaries the model "
                                 "would keep; raise max_columns")
            if key in merged:
                s0, c0, lo0, hi0, miss0 = merged[key]
                merged[key] = (s0 + s, c0 + c, min(lo0, lo), max(hi0, hi), miss0 or miss)
            else:
                merged[key] = (s, c, lo, hi, miss)
    return merged


def _summary(fun: str, s: float, c: int, lo: float, hi: float, miss: bool) -> float:
    """``fun`` of a group's values from its merged part (NA where a value is missing, as R's without na.rm)."""
    if fun == "length":
        return float(c)
    if miss:
        return np.nan
    return {"mean": s / c if c else np.nan, "sum": s, "min": lo, "max": hi}[fun]


def _learn(fun: str, call: Call, bound: int):
    def learn(parts: np.ndarray) -> dict:
        return {key: _summary(fun, *record) for key, record in _merged(parts, call, bound).items()}
    return learn


def _fun(call: Call, node) -> str:
    """``FUN =``: the name of one of :data:`_FUNS`."""
    if not (isinstance(node, Name) and node.id in _FUNS):
        raise call_error(call, f"FUN must be one of {', '.join(_FUNS)} (a function's name)")
    return node.id


def call_ave(ev: "Evaluator", call: Call) -> Value:
    """R's ``ave(x, ..., FUN = mean)``: see the module docstring."""
    named = dict(call.kwargs)
    if set(named) - {"FUN"} or not call.args:
        raise call_error(call, "takes x, the grouping variables and FUN = (mean, sum, min, max or length)")
    if len(call.args) > 1 + MAX_ARGUMENTS:
        raise call_error(call, f"takes at most {MAX_ARGUMENTS} grouping variables, got {len(call.args) - 1:,}")
    fun = _fun(call, named["FUN"]) if "FUN" in named else "mean"
    ev.count_summary(call, MAX_SUMMARIES)  # (a pass over the rows, as any summary of columns)
    x = np.broadcast_to(np.asarray(numeric(ev.eval(call.args[0]), call, "x"), dtype=float), (ev.n,))
    group, keys = _groups(ev, call, call.args[1:])
    # (a RowsLearner: the groups' summaries decide which rows are missing, which the placeholder below cannot say)
    table = ev.summary_state(call, _part(x, group, keys),
                             RowsLearner(_learn(fun, call, TEXTS_PER_COLUMN * ev.limits.max_columns)))
    if table is None:  # (collecting every chunk's parts first)
        return NumVec(np.full(ev.n, np.nan))
    values = np.array([table.get(key, np.nan) for key in keys] + [np.nan])
    out = values[np.where(group >= 0, group, len(keys))]
    return NumVec(np.where(group >= 0, out, x))


def _learn_order(fun: str, decreasing: bool, call: Call, bound: int):
    """The levels of ``reorder()`` from every chunk's record (its levels, their parts): the levels some row takes,
    ordered by ``fun`` of X over their rows (R's ``sort(scores, na.last = TRUE)``: ties in the factor's own order,
    a missing summary last).  The factor's own order is the chunks' when they agree (a Categorical's), else R's
    factor() order of the levels (sorted)."""
    def learn(records: np.ndarray) -> tuple:
        records = list(records)
        merged = _merged((part for _, part in records), call, bound)
        if records and all(levels == records[0][0] for levels, _ in records):
            order = list(records[0][0])
        else:
            by_text: dict = {}
            for levels, _ in records:
                for lv in levels:
                    by_text.setdefault(label_text(lv), lv)
            order = sorted(by_text.values(), key=level_sort_key)
        found = [(lv, merged.get(label_text(lv), (0, 0))) for lv in order]  # (each level's text written once)
        present = [lv for lv, part in found if part[1] > 0]
        scores = [_summary(fun, *part) for _, part in found if part[1] > 0]
        sign = -1.0 if decreasing else 1.0
        ranked = sorted(range(len(present)), key=lambda i: (scores[i] != scores[i], sign * scores[i]
                                                            if scores[i] == scores[i] else 0.0))
        return tuple(present[i] for i in ranked)
    return learn


def call_reorder(ev: "Evaluator", call: Call) -> Value:
    """R's ``reorder(x, X, FUN = mean, order = is.ordered(x), decreasing = FALSE)``: the factor x with its levels
    ordered by ``FUN`` (``mean``, ``sum``, ``min``, ``max`` or ``length``) of X over each level's rows -- so that the
    first level, a treatment contrast's reference, has the smallest summary.  As R's model frame evaluates it,
    the summaries are of every row of the data (a missing X makes its level's summary missing, which R sorts
    last; a missing X drops no row), and the order is learned once from the fit's rows -- on streamed data from
    every chunk's sums, counts and extremes -- and kept: new data and each chunk take the fit's levels in the
    fit's order (R computes the order again from the new rows), a level the fit did not see is missing.  At most
    20 times ``max_columns`` levels, whose summaries the model learns."""
    a = bind(call, ("x", "X", "FUN", "order", "decreasing"), required=2)
    fun = _fun(call, a["FUN"]) if "FUN" in a else "mean"
    decreasing = flag(ev.eval(a["decreasing"]), call, "decreasing") if "decreasing" in a else False
    ev.count_summary(call, MAX_SUMMARIES)  # (a pass over the rows, as any summary of columns)
    f = as_factor(ev.eval(a["x"]), call, ev)
    ordered = flag(ev.eval(a["order"]), call, "order") if "order" in a else f.ordered
    bound = TEXTS_PER_COLUMN * ev.limits.max_columns  # (the model learns a summary and the text of each level)
    if len(f.levels) > bound:
        raise call_error(call, f"x has {len(f.levels):,} levels, more than {bound:,} ({TEXTS_PER_COLUMN} times the "
                         "limit max_columns), whose summaries the model would learn; raise max_columns")
    with ev.whole_columns():  # (X is summarized over every row: a missing X drops no row)
        x = np.broadcast_to(np.asarray(numeric(ev.eval(a["X"]), call, "X"), dtype=float), (ev.n,))
    f = drop_unused(f)
    # (a level is some microseconds of Python, its key, summary and place in the order: a step counted as a number's
    # text; a number's text, some 20 microseconds, is written three times, its key here, its summary's when the order
    # is learned, and matching it to the order's level -- 100,000 levels of numbers took 4 s before the design's
    # bound on its columns refused them)
    count_text_read(ev, call, (len(f.levels) + 2 * number_levels(f.levels)) * NUMBER_TEXT_CHARS)
    keys = [label_text(lv) for lv in f.levels]
    # (and its memory: each key's text, the part's entry of its summary, its place in the order)
    hold_texts(ev, call, len(keys), chars_bytes(keys), TEXT_BYTES + _ENTRY_BYTES)
    record = (tuple(f.levels), _part(x, f.codes, keys))
    bound = TEXTS_PER_COLUMN * ev.limits.max_columns
    levels = ev.summary_state(call, record, _learn_order(fun, decreasing, call, bound))
    if levels is None:  # (collecting every chunk's parts first: the chunk's own factor stands for it)
        return f
    g = on_levels(f, levels, call)
    # (R's factor(x, levels = ) makes a new factor: contrasts set by C() are not kept)
    return FactorVec(g.codes, g.levels, bool(ordered))


#: name -> function, merged into the formula's functions (:data:`glmstat.formula.functions.BUILTINS`)
GROUP_FUNCTIONS = {"ave": call_ave, "reorder": call_reorder}
