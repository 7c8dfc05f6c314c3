"""R's ``interaction()``: the combinations of factors' levels as one factor.

Its levels are every combination of its arguments' levels (each argument a factor as ``as.factor`` makes it),
so their number is the product of the arguments' level counts: it is bounded from those counts, before any
combination is built.  With ``drop = TRUE`` only the combinations the rows take are levels, found without the
product (their codes are folded in and ranked one argument at a time), and their number is bounded instead.  The
arguments' levels are learned from the fit's rows -- from every chunk of streamed data, merged as ``factor()``'s
are -- so that every chunk and new data combine them in the fit's order."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterable, TYPE_CHECKING

import numpy as np

from .._arguments import real_type, shown
from .call_arguments import call_error, flag
from .deparse import deparse
from .factor_functions import as_factor, drop_unused, merge_chunk_levels
from .limits import LEVEL_BYTES, FormulaLimits, refuse
from .nodes import Call, Node
from .value_codes import sorted_codes
from .values import FactorVec, Value, number_level_key, r_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["call_interaction", "UsedCombinations", "merge_used_combinations"]

_OPTIONS = ("sep", "drop", "lex.order")


def call_interaction(ev: "Evaluator", call: Call) -> Value:
    """R's ``interaction(f1, f2, ..., drop = FALSE, sep = ".", lex.order = FALSE)``: one factor whose levels are
    the combinations of the arguments' levels, their texts joined by ``sep`` (``"a.u"``), the first argument's
    level varying fastest (the last's with ``lex.order = TRUE``); missing where any argument is.  ``drop =
    TRUE`` keeps only the combinations the rows take (the model frame drops the others from a fit anyway).
    Combinations whose texts coincide (``"a.b" + "c"`` and ``"a" + "b.c"``) are one level, the first's, as in R.

    The combinations are bounded by the design's columns (``max_columns``), from the arguments' level counts
    before any is built: R builds them all, and two columns of 100,000 ids would make 10^10.  Each argument is
    folded into the combinations' codes as it is evaluated (:class:`_Fold`), never held beside the others:
    2,200 arguments of one level each held their codes at once, 2.3 GB on 100,000 rows.
    """
    nodes, sep, drop, lex_order = _arguments(ev, call)
    if drop:
        return _used_combinations(ev, call, nodes, sep, lex_order)
    # (new data: each argument on the fit's levels, stored before any argument is evaluated)
    learned = ev.learned_levels(call, (), (), None) if ev.mode == "apply" else None
    fold = _Fold(ev.n, lex_order)
    for i, node in enumerate(nodes):
        f = as_factor(ev.eval(node), call, ev)
        if drop:  # (R: each argument's unused levels dropped first, as.factor(x)[, drop = TRUE])
            f = drop_unused(f)
        fold.add(_onto(f, learned[i]) if learned is not None else f,
                 drop_unused(f).levels if ev.mode == "collect" else None, ev.limits)
    _check_combinations(call, map(len, fold.levels), ev.limits)
    if ev.mode == "collect":
        ev.learned_levels(call, tuple(fold.levels), tuple(fold.used),
                          partial(merge_argument_levels, call=call, limits=ev.limits))
        return FactorVec(np.where(fold.missing, -1, 0).astype(np.intp), ("",))  # (a placeholder, see _Fold)
    if ev.mode != "apply":
        ev.learned_levels(call, tuple(fold.levels), tuple(fold.levels), None)  # (the fit's: stored)
    return _combined(fold, sep, drop, lex_order, call, ev.limits)


class _Fold:
    """The arguments of ``interaction()`` folded in one by one: the codes of their combinations (R's order: the
    first argument's level varying fastest, or the last's with ``lex_order``), the rows where any is missing,
    and each argument's levels (and, for streamed data, the levels its rows take).  In a first pass over
    streamed data the value is a placeholder, missing where an argument is and one level elsewhere, until every
    chunk's levels are known."""

    def __init__(self, n: int, lex_order: bool) -> None:
        self.codes = np.zeros(n, dtype=np.int64)
        self.missing = np.zeros(n, dtype=bool)
        self.lex_order = lex_order
        self.stride = 1  # (the combinations so far: a Python integer, bounded before the codes use it)
        self.levels: list[tuple] = []
        self.used: list[tuple | None] = []

    def add(self, f: FactorVec, used: tuple | None, limits: FormulaLimits) -> None:
        """Fold in the argument ``f`` (``used``: the levels its rows take, for streamed data).  Past the combinations
        ``limits`` allow the codes are no longer folded (they could overflow): the combinations are refused once
        every argument's count is known, unless an argument is missing in every row, and then no row has one."""
        self.levels.append(f.levels)
        self.used.append(used)
        self.missing |= f.codes < 0
        self.stride *= len(f.levels)
        if not self.stride or self.stride - 1 > limits.max_columns:
            return
        if self.lex_order:  # (the last argument's level varying fastest)
            self.codes = self.codes * len(f.levels) + f.codes
        else:
            self.codes += self.stride // len(f.levels) * f.codes.astype(np.int64)


@dataclass(frozen=True, eq=False)
class UsedCombinations:
    """What ``interaction(..., drop = TRUE)`` learns from the fit's rows: each argument's levels, and the
    combinations the rows take (one row each: the position of each argument's level), in R's order."""

    levels: tuple[tuple, ...]
    combos: np.ndarray  # (m, arguments) positions in levels


class _UsedFold:
    """The arguments of ``interaction(..., drop = TRUE)`` folded in one by one, keeping only the combinations
    the rows take: after each argument the codes are those combinations' ranks in R's order, so they stay below
    the rows' count (never the product of the level counts), and ``combos`` holds each one's levels' positions."""

    def __init__(self, n: int, lex_order: bool, count: Callable[[int], None]) -> None:
        self.count = count  # (the sort of the combinations the rows take, priced: Evaluator.count_distinct)
        self.codes = np.zeros(n, dtype=np.int64)
        self.missing = np.zeros(n, dtype=bool)
        self.lex_order = lex_order
        self.levels: list[tuple] = []
        self.combos = np.zeros((1, 0), dtype=np.intp)

    def add(self, f: FactorVec) -> None:
        self.levels.append(f.levels)
        self.missing |= f.codes < 0
        kept = ~self.missing
        c = f.codes[kept].astype(np.int64)
        ranks, m = self.codes[kept], len(self.combos)
        # (the first argument's level varies fastest: the new one is the slowest, or the fastest with lex_order)
        keys = ranks * len(f.levels) + c if self.lex_order else c * m + ranks
        unique, inverse = sorted_codes(keys, self.count)
        before, level = (unique // len(f.levels), unique % len(f.levels)) if self.lex_order else (unique % m,
                                                                                                  unique // m)
        self.combos = np.column_stack([self.combos[before], level]).astype(np.intp)
        self.codes = np.zeros(self.codes.shape[0], dtype=np.int64)
        self.codes[kept] = inverse.reshape(-1)

    def texts(self) -> tuple[tuple[str, ...], ...]:
        """Each combination as its arguments' levels' texts (a chunk's record: positions differ by chunk)."""
        return tuple(tuple(r_text(self.levels[j][i]) for j, i in enumerate(row)) for row in self.combos.tolist())


def _used_combinations(ev: "Evaluator", call: Call, nodes: list[Node], sep: str, lex_order: bool) -> FactorVec:
    """``interaction(..., drop = TRUE)``: the combinations the rows take, in R's order (the first argument's
    level varying fastest, the last's with ``lex_order``), each argument's unused levels dropped first, as R's.
    Learned from the fit's rows (:class:`UsedCombinations`; from every chunk of streamed data, merged by
    :func:`merge_used_combinations`); new data take the fit's, a combination it did not see a level after them
    (refused by its text, as a factor's unseen level is).  Bounded by their number (``max_columns``), not by the
    product of the level counts: two columns of 100,000 ids whose rows take 3,000 pairs make 3,000 levels."""
    learned = ev.learned_levels(call, (), (), None) if ev.mode == "apply" else None
    fold = _UsedFold(ev.n, lex_order, partial(ev.count_distinct, call))
    full: list[tuple] = []  # (each argument's levels before its unused ones are dropped: a categorical's order)
    for i, node in enumerate(nodes):
        f = as_factor(ev.eval(node), call, ev)
        full.append(f.levels)
        f = drop_unused(f)
        fold.add(_onto(f, learned.levels[i]) if learned is not None else f)
    if ev.mode == "collect":
        ev.learned_levels(call, tuple(full), (tuple(fold.levels), fold.texts()),
                          partial(merge_used_combinations, call=call, limits=ev.limits, lex_order=lex_order))
        return FactorVec(np.where(fold.missing, -1, 0).astype(np.intp), ("",))  # (a placeholder, as _Fold's)
    if learned is None:
        _check_used(call, len(fold.combos), ev.limits)
        learned = UsedCombinations(tuple(fold.levels), fold.combos)
        ev.learned_levels(call, learned.levels, learned, None)  # (the fit's: stored)
        codes = fold.codes
    else:  # (new data: each combination the fit's, or a new one after them)
        at = {tuple(row): i for i, row in enumerate(learned.combos.tolist())}
        index = [at.setdefault(tuple(row), len(at)) for row in fold.combos.tolist()]
        codes = np.asarray(index, dtype=np.int64)[fold.codes] if index else fold.codes
        extra = fold.combos[[i for i, j in enumerate(index) if j >= len(learned.combos)]]
        # (fold.levels: each argument's fit's levels, then those new data bring: _onto)
        learned = UsedCombinations(tuple(fold.levels), np.vstack([learned.combos, extra]) if len(extra) else
                                   learned.combos)
    texts = [sep.join(r_text(learned.levels[j][i]) for j, i in enumerate(row)) for row in learned.combos.tolist()]
    levels = tuple(dict.fromkeys(texts))
    if len(levels) < len(texts):  # R merges a duplicated text into its first level
        first = {text: i for i, text in enumerate(levels)}
        codes = np.array([first[t] for t in texts], dtype=np.int64)[codes]
    return FactorVec(np.where(fold.missing, -1, codes).astype(np.intp), levels)


def _check_used(call: Call, count: int, limits: FormulaLimits) -> None:
    """Refuse more combinations the rows take than the design may have columns (each level but the first is one)."""
    if count - 1 > limits.max_columns:
        raise refuse("max_columns", f"{deparse(call)}: the rows take {count:,} combinations of its arguments' levels, "
                     "more (less one) than the design may have columns", count - 1, limits)


def merge_used_combinations(chunks: np.ndarray, call: Call, limits: FormulaLimits,
                            lex_order: bool) -> UsedCombinations:
    """What ``interaction(..., drop = TRUE)`` learns from every chunk of streamed data, from each chunk's record
    (its arguments' levels; their used levels and the combinations' texts): each argument's levels merged as
    ``factor()``'s are (:func:`merge_chunk_levels`), the combinations every chunk takes in R's order, bounded as
    in memory."""
    records = list(chunks)
    k = len(records[0][0]) if records else 0
    levels = tuple(merge_chunk_levels([(lv[i], used[i]) for lv, (used, _) in records]) for i in range(k))
    position = [{r_text(lv): i for i, lv in enumerate(arg)} for arg in levels]
    combos = {tuple(position[j][t] for j, t in enumerate(row)) for _, (_, texts) in records for row in texts}
    _check_used(call, len(combos), limits)
    order = sorted(combos) if lex_order else sorted(combos, key=lambda row: row[::-1])
    return UsedCombinations(levels, np.array(order, dtype=np.intp).reshape(len(order), k))


def _arguments(ev: "Evaluator", call: Call) -> tuple[list[Node], str, bool, bool]:
    """The factors (every positional argument) and the options ``sep``, ``drop`` and ``lex.order`` (named)."""
    options = dict(call.kwargs)
    unknown = [k for k in options if k not in _OPTIONS]
    if unknown:
        raise call_error(call, f"unknown argument {shown(unknown[0])}: the factors are given by position, the "
                         f"options by name ({', '.join(_OPTIONS)})")
    if not call.args:
        raise call_error(call, "no factors given (R: No factors specified)")
    sep = ev.eval(options["sep"]) if "sep" in options else "."
    if not isinstance(sep, str):
        raise call_error(call, f"sep must be a string, e.g. sep = \"_\", got {shown(sep)}")
    drop = flag(ev.eval(options["drop"]), call, "drop") if "drop" in options else False
    lex_order = flag(ev.eval(options["lex.order"]), call, "lex.order") if "lex.order" in options else False
    return list(call.args), sep, drop, lex_order


def _check_combinations(call: Call, counts: Iterable[int], limits: FormulaLimits) -> None:
    """Refuse, from the arguments' level ``counts``, more combinations than the design may have columns (each
    level but the first is one): they would all be built, as texts, before the model frame drops unused ones."""
    counts = list(counts)
    total = math.prod(counts)  # (a Python integer: exact, whatever the counts)
    if total - 1 > limits.max_columns:
        sizes = " x ".join(f"{c:,}" for c in counts)
        raise refuse("max_columns", f"{deparse(call)} combines {sizes} levels, more combinations (less one) than "
                     "the design may have columns; for the combinations the rows take write the interaction as a "
                     "term, a:b", total - 1, limits)


def merge_argument_levels(chunks: np.ndarray, call: Call, limits: FormulaLimits) -> tuple[tuple, ...]:
    """The arguments' levels over every chunk of streamed data, from each chunk's record (the arguments' levels,
    the levels their rows take): each argument's merged as ``factor()``'s are (:func:`merge_chunk_levels`), and
    their combinations bounded as in memory."""
    records = list(chunks)
    k = len(records[0][0]) if records else 0
    merged = tuple(merge_chunk_levels([(levels[i], used[i]) for levels, used in records]) for i in range(k))
    _check_combinations(call, [len(m) for m in merged], limits)
    return merged


def _is_number_level(level) -> bool:
    """Whether a factor's level is a number (an R integer or a double), not a logical or a text."""
    return real_type(level) and not isinstance(level, (bool, np.bool_))


def _onto(f: FactorVec, levels: tuple) -> FactorVec:
    """New data's factor ``f`` on the fit's ``levels`` (matched by their texts), its other levels after them:
    every chunk of streamed data then has the fit's combinations in the fit's order, and a combination the fit
    did not see is refused by its text, as a factor's unseen level is.  ``f``'s levels no row takes are dropped
    first, as R's ``model.frame`` drops a variable's unused levels before it matches them with the fit's: a pandas
    Categorical of new data declaring 5 million categories for two rows had each mapped by its texts (123 s) and
    then counted among the combinations (refused, where R predicts)."""
    f = drop_unused(f)
    position = {r_text(lv): i for i, lv in enumerate(levels)}
    unmatched = [lv for lv in f.levels if r_text(lv) not in position]
    if unmatched and any(map(_is_number_level, unmatched)):
        # (a number is the fit's level by value, R's integer or a double: new ids of float64 where the fit's were
        # int64 are the fit's levels, as factor()'s are in new data)
        by_value = {}
        for i, lv in enumerate(levels):
            if _is_number_level(lv):
                by_value.setdefault(number_level_key(lv), i)
        for lv in unmatched:
            if _is_number_level(lv) and number_level_key(lv) in by_value:
                position[r_text(lv)] = by_value[number_level_key(lv)]
    extra = [lv for lv in f.levels if r_text(lv) not in position]
    position.update({r_text(lv): len(levels) + i for i, lv in enumerate(extra)})
    remap = np.array([position[r_text(lv)] for lv in f.levels] + [-1], dtype=np.intp)
    return FactorVec(remap[f.codes], tuple(levels) + tuple(extra), f.ordered, f.contrasts)


def _check_texts(call: Call, texts: list[list[str]], sep: str, limits: FormulaLimits) -> None:
    """Refuse combinations whose ``texts`` (each argument's levels' texts) joined by ``sep`` would take more
    memory than the design may (``max_design_bytes``, a byte a character at least), counted before any is
    written: each argument's texts are repeated in every combination of the others' levels, and a long sep
    between arguments of one level each (a column of one value, ``cut(x, c(-Inf, Inf))``) multiplies no count
    -- ``interaction(id, one, one, ..., sep = "<10,000 characters>")`` made 15 MB levels, gigabytes in all."""
    counts = [len(t) for t in texts]
    total = math.prod(counts)
    if not total:
        return
    size = total * (LEVEL_BYTES + (len(texts) - 1) * len(sep))
    size += sum(sum(map(len, t)) * (total // c) for t, c in zip(texts, counts))
    if size > limits.max_design_bytes:
        raise refuse("max_design_bytes", f"{deparse(call)}'s {total:,} levels, its arguments' levels joined by "
                     "sep, need more memory than allowed (bytes)", size, limits)


def _combined(fold: _Fold, sep: str, drop: bool, lex_order: bool, call: Call, limits: FormulaLimits) -> FactorVec:
    """The factor of the combinations of the arguments folded into ``fold`` (R's order: the first argument's level
    varying fastest, or the last's with ``lex_order``), combinations of the same text merged into the first's
    level; their texts bounded first (:func:`_check_texts`)."""
    codes = np.where(fold.missing, -1, fold.codes)
    # (itertools.product varies its last iterable fastest)
    order = fold.levels[::-1] if not lex_order else fold.levels
    slowest_first = [[r_text(lv) for lv in levels] for levels in order]
    _check_texts(call, slowest_first, sep, limits)
    texts = [sep.join(t[::-1] if not lex_order else t) for t in itertools.product(*slowest_first)]
    levels = tuple(dict.fromkeys(texts))
    if len(levels) < len(texts):  # R merges a duplicated text into its first level
        first = {text: i for i, text in enumerate(levels)}
        codes = np.append(np.array([first[t] for t in texts], dtype=np.int64), -1)[codes]
    f = FactorVec(codes.astype(np.intp), levels)
    return drop_unused(f) if drop else f
