"""R's ``interaction()``: the combinations of factors' levels as one factor.

Its levels are every combination of its arguments' levels (each argument a factor as ``as.factor`` makes it),
so their number is the product of the arguments' level counts: it is bounded from those counts, before any
combination is built.  The arguments' levels are learned from the fit's rows -- from every chunk of streamed
data, merged as ``factor()``'s are -- so that every chunk and new data combine them in the fit's order."""

from __future__ import annotations

import itertools
import math
from functools import partial
from typing import Iterable, TYPE_CHECKING

import numpy as np

from .._arguments import shown
from .call_arguments import call_error, flag
from .deparse import deparse
from .factor_functions import as_factor, drop_unused, merge_chunk_levels
from .limits import LEVEL_BYTES, FormulaLimits, refuse
from .nodes import Call, Node
from .values import FactorVec, Value, number_level_key, r_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["call_interaction"]

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
    # (new data: each argument on the fit's levels, stored before any argument is evaluated)
    learned = ev.learned_levels(call, (), (), None) if ev.mode == "apply" else None
    fold = _Fold(ev.n, lex_order)
    for i, node in enumerate(nodes):
        f = as_factor(ev.eval(node), call)
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
    return isinstance(level, (int, float, np.integer, np.floating)) and not isinstance(level, (bool, np.bool_))


def _onto(f: FactorVec, levels: tuple) -> FactorVec:
    """New data's factor ``f`` on the fit's ``levels`` (matched by their texts), its other levels after them:
    every chunk of streamed data then has the fit's combinations in the fit's order, and a combination the fit
    did not see is refused by its text, as a factor's unseen level is."""
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
