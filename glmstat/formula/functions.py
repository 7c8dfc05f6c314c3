"""The functions a formula may call: R's math, factor and transform functions, and numpy's math names.

Each function receives the evaluator and its call node and evaluates its own arguments, so that arguments
that are names of contrasts (``C(g, sum)``) are read as words, not looked up.  Every function checks what it
is given and refuses the rest with a :class:`~glmstat.errors.FormulaError` that names the call.  Nothing
here can reach a module, a file or a Python object: the arguments are numbers, strings and arrays.

Stateful transforms (``poly``, ``scale``, ``center``, ``bs``, ``ns``) learn their parameters from the data when a
model is fitted and keep them in the evaluator's ``state`` (keyed by the call) so that ``predict`` applies
the same transformation to new data, as R's ``makepredictcall`` does.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .._arguments import shown, shown_items
from ..errors import DataError, FormulaError, FormulaWarning
from .deparse import deparse
from .nodes import Call, Name, Node, Str
from .rounding import r_round
from .splines import bspline_basis, bs_knots, natural_spline_basis, ns_knots
from .contrasts import CONTRASTS
from .values import (DoubleLevels, FactorVec, NumMat, NumVec, Value, factor_from_labels, label_text, level_sort_key,
                     level_texts, levels_with_texts, number_level_key, reads_as_number)

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["BUILTINS", "CONSTANTS", "CONTRASTS", "LEVEL_CODE_CALLS", "RESERVED_VALUES", "FUNCTION_NAMES", "NAMESPACES",
           "unqualified"]

#: names that stand for a constant when no column or context= entry has that name (in R a column named T masks T)
CONSTANTS: dict[str, Any] = {
    "T": True, "F": False, "True": True, "False": False,
    "pi": math.pi, "np.pi": math.pi, "np.e": math.e, "np.inf": math.inf, "np.nan": math.nan,
}
#: the values of R's reserved constants (a :class:`~glmstat.formula.nodes.Const`): never a column's (NULL has no
#: value of one row or of every row, and is refused where a value is needed)
RESERVED_VALUES: dict[str, Any] = {
    "TRUE": True, "FALSE": False, "Inf": math.inf, "NaN": math.nan, "NA": math.nan, "NA_integer_": math.nan,
    "NA_real_": math.nan, "NA_character_": math.nan, "NA_complex_": math.nan,
}

def _err(where: Node, what: str) -> FormulaError:
    return FormulaError(f"{deparse(where)}: {what}")


def bind(call: Call, params: tuple[str, ...], required: int = 1, varargs: bool = False) -> dict[str, Node]:
    """Match the call's arguments to ``params`` as R does for exact names: positional in order, then by
    name.  Returns name -> argument node (unevaluated); ``"..."`` holds extra positionals when ``varargs``."""
    out: dict[str, Node] = {}
    extra: list[Node] = []
    names = [p for p in params]
    for key, node in call.kwargs:
        if key not in names:
            raise _err(call, f"unknown argument {shown(key)} (arguments: {', '.join(params)})")
        out[key] = node
    free = [p for p in names if p not in out]
    for node in call.args:
        if free:
            out[free.pop(0)] = node
        elif varargs:
            extra.append(node)
        else:
            raise _err(call, f"too many arguments (it takes {', '.join(params)})")
    missing = [p for p in names[:required] if p not in out]
    if missing:
        raise _err(call, f"the argument {shown(missing[0])} is missing")
    if varargs:
        out["..."] = extra  # type: ignore[assignment]
    return out


# -- conversions ---------------------------------------------------------------------------------------
def numeric(value: Value, call: Node, what: str = "argument") -> np.ndarray | float:
    """A numeric array or a float; factors, strings and matrices are refused."""
    if isinstance(value, NumVec):
        return value.values
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, FactorVec):
        raise _err(call, f"the {what} is a factor (with levels {_levels_text(value.levels)}); arithmetic is not "
                         "meaningful for factors")
    if isinstance(value, NumMat):
        raise _err(call, f"the {what} has several columns ({value.values.shape[1]}); use it as a term on its own")
    if isinstance(value, str):
        raise _err(call, f"the {what} is a string, not a number")
    raise _err(call, f"the {what} is not a number")


def scalar_number(value: Value, call: Call, what: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float)):
        raise _err(call, f"{what} must be a number")
    return float(value)


def whole_number(value: Value, call: Call, what: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` (an infinite or fractional one is refused, never converted)."""
    v = scalar_number(value, call, what)
    if not (math.isfinite(v) and v.is_integer() and low <= v <= high):
        raise _err(call, f"{what} must be a whole number from {low} to {high}")
    return int(v)


def flag(value: Value, call: Call, what: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise _err(call, f"{what} must be TRUE or FALSE")


def _levels_text(levels: tuple, k: int = 8) -> str:
    """The first ``k`` levels for a message, each quoted as any value (cut, its line breaks escaped)."""
    return shown_items(levels, k, lambda v: shown(label_text(v)))


def refuse_inexact(value: Value, where: Node, what: str) -> None:
    """Refuse (:class:`DataError`) an operation that needs exact integers -- a factor, ``==``, ``%in%``, ``%%`` --
    on a column of integers beyond 2^53, which doubles merge (ids such as 9007199254740993): ``what`` says what
    would go wrong; the column made of strings keeps every value."""
    if isinstance(value, NumVec) and value.inexact is not None:
        raise DataError(f"{deparse(where)}: {value.inexact}, so {what}; make the column strings first "
                        "(data[column].astype(str)) to use it as a factor")


def as_factor(value: Value, call: Call) -> FactorVec:
    """R's ``factor(x)`` of a vector (levels sorted, unused dropped) or a factor unchanged."""
    if isinstance(value, FactorVec):
        return value
    if isinstance(value, NumVec):
        refuse_inexact(value, call, "a factor of it would merge distinct values into one level")
        v = value.values
        miss = np.isnan(v)
        if value.logical:
            labels = np.array([False, True], dtype=object)[np.where(miss, 0, v).astype(np.intp)]
            return factor_from_labels(labels, miss)
        ok = ~miss
        uniques, inv = np.unique(v[ok], return_inverse=True)
        # R's levels are the values' texts (as.character), so values alike to 15 digits (0.1 + 0.2 and 0.3) are
        # one level, the first (smallest) value standing for them -- not whole numbers that R writes in full
        first = _first_of_texts(uniques)
        if not first.all():
            inv = (np.cumsum(first) - 1)[inv]
            uniques = uniques[first]
        codes = np.full(v.shape[0], -1, dtype=np.intp)
        codes[ok] = inv
        return FactorVec(codes, tuple(uniques.tolist()))
    raise _err(call, "needs a column or an expression of one value per row")


def _first_of_texts(uniques: np.ndarray) -> np.ndarray:
    """Which of the sorted distinct numbers ``uniques`` are the first of their level: not alike to the one
    before by :func:`number_level_key`.  Two numbers of one 15-digit text are less than 1e-14 of their size
    apart, so only neighbours that close are compared by their keys: a key for each of a million distinct
    values took a second, before ``factor(x)`` was refused for its million columns."""
    first = np.ones(uniques.size, dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.maximum(np.abs(uniques[1:]), np.abs(uniques[:-1]))
        near = np.flatnonzero(~(np.diff(uniques) > 1e-13 * scale))  # (infinite values are compared too)
    for i in near.tolist():
        first[i + 1] = number_level_key(uniques[i + 1]) != number_level_key(uniques[i])
    return first


def _drop_unused(f: FactorVec) -> FactorVec:
    used = np.zeros(len(f.levels), dtype=bool)
    used[f.codes[f.codes >= 0]] = True
    if used.all():
        return f
    remap = np.cumsum(used) - 1
    codes = np.where(f.codes >= 0, remap[np.maximum(f.codes, 0)], -1)
    return FactorVec(codes, tuple(lv for lv, u in zip(f.levels, used) if u), f.ordered, f.contrasts)


def _same_level(a: Any, b: Any) -> bool:
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return not set(level_texts(a)).isdisjoint(level_texts(b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):  # (one text in R: alike to 15 digits)
        return number_level_key(a) == number_level_key(b)
    return label_text(a) == label_text(b)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, (bool, np.bool_))


def _reorder(f: FactorVec, levels: tuple, call: Call) -> FactorVec:
    """``f`` with ``levels`` (given in a call) as its levels, in that order; other values become missing.

    Each given level is matched as :func:`_same_level` matches (numbers by value to 15 significant digits, as
    R matches their texts; anything else by its text) to the first old level it equals: the old levels that are
    not doubles through dictionaries, the doubles by value (:class:`DoubleLevels`), whose texts are written only
    for those near a given level -- linear in the number of old levels plus the given ones (a scan per level
    made ``relevel`` of a 100,000-level column take hours; a text for each of a million doubles, 17 s)."""
    if _distinct_texts(f.levels):  # (each old level its own only text: one dictionary, built at C speed)
        at = dict(zip(f.levels, range(len(f.levels))))
        return _remapped(f, [at.get(label_text(lv), -1) for lv in levels], levels)
    doubles = DoubleLevels.of(f.levels)
    by_value: dict[str, int] = {}  # the other numeric old levels by value to 15 significant digits
    by_text: dict[str, int] = {}  # the other old levels by their texts
    by_text_other: dict[str, int] = {}  # the old levels that are not numbers, by their text
    for i in doubles.others.tolist():
        old = f.levels[i]
        for text in level_texts(old):  # (a logical's R text, "TRUE", too)
            by_text.setdefault(text, i)
            if not _is_number(old):
                by_text_other.setdefault(text, i)
        if _is_number(old):
            by_value.setdefault(number_level_key(old), i)
    index = []
    for lv in levels:
        if _is_number(lv):
            same = doubles.with_key(lv)
            hits = (by_value.get(number_level_key(lv)), by_text_other.get(label_text(lv)),
                    int(same[0]) if same.size else None)
        else:
            same = doubles.with_text(label_text(lv))
            hits = (by_text.get(label_text(lv)), int(same[0]) if same.size else None)
        found = [j for j in hits if j is not None]
        index.append(min(found) if found else -1)
    return _remapped(f, index, levels)


def _remapped(f: FactorVec, index: list[int], levels: tuple) -> FactorVec:
    """``f`` on ``levels``, the old level ``index[k]`` of each (-1: none) becoming the level k, the values of the
    other old levels missing."""
    remap = np.full(len(f.levels) + 1, -1, dtype=np.intp)
    for new, old in enumerate(index):
        if old >= 0:
            remap[old] = new
    codes = np.where(f.codes >= 0, remap[f.codes], -1)
    new_levels = tuple(f.levels[i] if i >= 0 else lv for i, lv in zip(index, levels))
    return FactorVec(codes, new_levels, f.ordered, f.contrasts)


def _literal_levels(value: Value, call: Call, what: str) -> tuple:
    vals = value if isinstance(value, tuple) else (value,)
    if not vals or not all(isinstance(v, (str, int, float, bool)) for v in vals):
        raise _err(call, f"{what} must be literal values such as c(\"a\", \"b\") or c(4, 6, 8)")
    if len(set(map(label_text, vals))) != len(vals):
        raise _err(call, f"{what} has duplicate levels")
    return vals


# -- functions -----------------------------------------------------------------------------------------
Builtin = Callable[["Evaluator", Call], Value]


def _elementwise(fn: Callable[[Any], Any], logical: bool = False) -> Builtin:
    def apply(ev: "Evaluator", call: Call) -> Value:
        a = bind(call, ("x",))
        x = numeric(ev.eval(a["x"]), call)
        with np.errstate(all="ignore"):
            r = fn(x)
        return NumVec(np.asarray(r, dtype=float), logical) if isinstance(x, np.ndarray) else float(r)
    return apply


def _log(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x", "base"))
    x = numeric(ev.eval(a["x"]), call)
    with np.errstate(all="ignore"):
        r = np.log(x)
        if "base" in a:
            r = r / np.log(scalar_number(ev.eval(a["base"]), call, "the base"))
    return NumVec(np.asarray(r, dtype=float)) if isinstance(x, np.ndarray) else float(r)


def _round(ev: "Evaluator", call: Call) -> Value:
    """R's ``round(x, digits)``: the nearer of the two numbers of ``digits`` decimals around x (:func:`r_round`);
    any whole ``digits`` is R's (past 323 or below -308 R's answer no longer depends on it)."""
    a = bind(call, ("x", "digits"))
    x = numeric(ev.eval(a["x"]), call)
    d = whole_number(ev.eval(a["digits"]), call, "digits", -2**31 + 1, 2**31 - 1) if "digits" in a else 0
    r = r_round(x, d)
    return NumVec(r) if isinstance(x, np.ndarray) else float(r)


def _np_round(ev: "Evaluator", call: Call) -> Value:
    """numpy's ``np.round``, which rounds ``x * 10**digits`` (2.675 -> 2.68, where R's round gives 2.67): a
    formula that names numpy's function gets numpy's numbers."""
    a = bind(call, ("x", "digits"))
    x = numeric(ev.eval(a["x"]), call)
    d = whole_number(ev.eval(a["digits"]), call, "digits", -30, 30) if "digits" in a else 0
    r = np.round(x, d)
    return NumVec(np.asarray(r, dtype=float)) if isinstance(x, np.ndarray) else float(r)


def _binary_numeric(fn: Callable[[Any, Any], Any], params: tuple[str, str] = ("x", "y")) -> Builtin:
    def apply(ev: "Evaluator", call: Call) -> Value:
        a = bind(call, params, required=2)
        x, y = (numeric(ev.eval(a[p]), call) for p in params)
        with np.errstate(all="ignore"):
            r = fn(x, y)
        return NumVec(np.asarray(r, dtype=float)) if isinstance(r, np.ndarray) else float(r)
    return apply


def _pminmax(fn: Callable[[Any, Any], Any]) -> Builtin:
    def apply(ev: "Evaluator", call: Call) -> Value:
        if call.kwargs or not call.args:
            raise _err(call, "takes one or more numeric arguments (na.rm is not supported)")
        vals = [numeric(ev.eval(node), call) for node in call.args]
        r = vals[0]
        for v in vals[1:]:
            r = fn(r, v)
        return NumVec(np.asarray(r, dtype=float)) if isinstance(r, np.ndarray) else float(r)
    return apply


def _clip(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("a", "a_min", "a_max"), required=3)
    x, lo, hi = (numeric(ev.eval(a[p]), call) for p in ("a", "a_min", "a_max"))
    r = np.clip(x, lo, hi)
    return NumVec(np.asarray(r, dtype=float)) if isinstance(r, np.ndarray) else float(r)


def _ifelse(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("test", "yes", "no"), required=3)
    test = numeric(ev.eval(a["test"]), call, "test")
    yes, no = ev.eval(a["yes"]), ev.eval(a["no"])
    n = ev.n
    t = np.broadcast_to(np.asarray(test, dtype=float), (n,))
    miss = np.isnan(t)
    if isinstance(yes, str) and isinstance(no, str):
        # R's test is as.logical(): any non-zero number is TRUE, as in the numeric branch below
        labels = np.where(t != 0, yes, no).astype(object)
        return factor_from_labels(labels, miss)
    y_, n_ = numeric(yes, call, "yes value"), numeric(no, call, "no value")
    r = np.where(t != 0, y_, n_).astype(float)
    r[miss] = np.nan
    logical = all(isinstance(v, (bool, np.bool_)) or (isinstance(v, NumVec) and v.logical) for v in (yes, no))
    return NumVec(r, logical)


def _where(ev: "Evaluator", call: Call) -> Value:
    return _ifelse(ev, Call("ifelse", call.args, (), call.pos))


def _level_codes(ev: "Evaluator", call: Call, f: FactorVec) -> NumVec:
    """R's ``as.numeric(f)`` / ``unclass(f)`` of a factor in a formula: each row's level code 1..k (NaN where
    missing), the scores of a linear trend over an ordered factor (R's ``esoph`` example fits
    ``unclass(tobgp)``).  The levels are the factor's in the fit's data (a Categorical's unused categories too,
    which R's codes count), learned once, so that new data and every chunk of streamed data code a level as the
    fit does (R codes new data by its own levels); a level the fit did not see is refused.  Levels that all read
    as numbers warn: the codes are not those numbers (R's classic trap, as.numeric(factor(c(10, 20))) is 1, 2)."""
    # (in memory the fit's factor levels; a chunk of streamed data records its levels and the used ones, and
    # _merge_code_levels decides from every chunk's)
    levels = ev.learned_levels(call, f.levels, f.levels if ev.mode == "fit" else _drop_unused(f).levels,
                               _merge_code_levels)
    if levels is None:  # (a first pass over streamed data records the chunk's levels only)
        levels = f.levels
    g = f if ev.mode == "fit" else _reorder(f, levels, call)
    new = (g.codes < 0) & (f.codes >= 0)
    if new.any():
        raise _err(call, f"{shown(label_text(f.levels[f.codes[np.argmax(new)]]))} is not one of the levels the "
                         f"fit's rows take, whose codes 1..{len(levels)} this gives")
    if ev.mode == "fit" and levels and all(_is_number(lv) or reads_as_number(label_text(lv)) for lv in levels):
        warnings.warn(f"{deparse(call)} gives the factor's level codes 1..{len(levels)}, as R's does, not the "
                      "numbers its levels show; for those use the numeric column itself", FormulaWarning,
                      stacklevel=2)
    return NumVec(np.where(g.codes >= 0, g.codes + 1.0, np.nan))


#: The calls that give a factor's level codes (:func:`_level_codes`); the levels whose codes one takes are its
#: state in the model spec (none when its argument was no factor, a logical's 0/1 or numbers passing through)
LEVEL_CODE_CALLS = frozenset({"unclass", "as.numeric", "as.double", "as.integer"})


def _merge_code_levels(chunks: np.ndarray) -> tuple:
    """The levels of a factor whose codes a formula takes, from every chunk's record (levels, used levels): the
    chunks' own levels when they all agree (a Categorical's categories, unused ones too, as in memory), else
    :func:`merge_chunk_levels`' (sorted, as R's factor() of text, which has no unused level)."""
    records = list(chunks)
    if records and all(tuple(r[0]) == tuple(records[0][0]) for r in records):
        return tuple(records[0][0])
    return merge_chunk_levels(chunks)


def _unclass(ev: "Evaluator", call: Call) -> Value:
    """R's ``unclass``: a factor's level codes (:func:`_level_codes`); anything else itself."""
    a = bind(call, ("x",))
    v = ev.eval(a["x"])
    return _level_codes(ev, call, v) if isinstance(v, FactorVec) else v


def _as_numeric(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x",))
    v = ev.eval(a["x"])
    if isinstance(v, FactorVec):
        return _level_codes(ev, call, v)
    x = numeric(v, call)
    return NumVec(np.asarray(x, dtype=float)) if isinstance(x, np.ndarray) else float(x)


def _as_integer(ev: "Evaluator", call: Call) -> Value:
    """R's ``as.integer``: truncation toward zero, and NA (a missing value) for NA, NaN, +-Inf and whatever lies
    outside R's integer range (|x| >= 2^31), as R gives with its warning."""
    v = _as_numeric(ev, call)
    x = np.asarray(v.values if isinstance(v, NumVec) else v, dtype=float)
    with np.errstate(invalid="ignore"):
        r = np.where((x > -2.0**31) & (x < 2.0**31), np.trunc(x), np.nan)
    return NumVec(r) if isinstance(v, NumVec) else float(r)


def _identity(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x",))
    return ev.eval(a["x"])


def _c(ev: "Evaluator", call: Call) -> Value:
    if call.kwargs:
        raise _err(call, "c() takes values only")
    out = []
    for node in call.args:
        v = ev.eval(node)
        if isinstance(v, tuple):
            out.extend(v)
        elif isinstance(v, (str, bool, int, float)):
            out.append(v)
        else:
            raise _err(call, "c() combines literal values such as c(\"a\", \"b\") or c(1, 2); columns cannot be "
                             "combined")
    return tuple(out)


def _factor(ordered_default: bool, keep_factor: bool = False) -> Builtin:
    def apply(ev: "Evaluator", call: Call) -> Value:
        a = bind(call, ("x", "levels", "labels", "ordered"))
        x = ev.eval(a["x"])
        if keep_factor and isinstance(x, FactorVec) and "levels" not in a:
            f = x
        elif "levels" in a:
            f = _reorder(as_factor(x, call), _literal_levels(ev.eval(a["levels"]), call, "levels"), call)
        elif "labels" in a:
            f = _labelled_levels(ev, call, as_factor(x, call))
            if f is None:  # a first pass over streamed data: the chunk's own levels stand for them
                return _drop_unused(as_factor(x, call))
        else:
            # A chunk of streamed data (or new data) keeps the unused levels of a factor: they carry its order
            # (a categorical's) to the merge of every chunk's levels, which drops those no row uses
            # (formula.stream._merge_levels), as the model frame drops them in memory.
            f = as_factor(x, call)
            f = _drop_unused(f) if ev.mode == "fit" else f
        # (R's default is ordered = is.ordered(x): factor() of an ordered factor stays ordered)
        ordered = flag(ev.eval(a["ordered"]), call, "ordered") if "ordered" in a else (ordered_default or f.ordered)
        levels = f.levels
        if "labels" in a:
            labels = _literal_levels(ev.eval(a["labels"]), call, "labels")
            if len(labels) != len(levels):
                raise _err(call, f"labels has {len(labels)} values for {len(levels)} levels")
            levels = tuple(labels)
        return FactorVec(f.codes, levels, bool(ordered), f.contrasts)
    return apply


def _labelled_levels(ev: "Evaluator", call: Call, f: FactorVec) -> FactorVec | None:
    """``f`` on the levels that ``labels=`` name one by one: the levels the fit's rows take, in order, learned
    once -- new data or a chunk of streamed data may lack some (R's own predict() then fails: "invalid
    'labels'") or hold others, which would shift every label after them.  A value that is not one of them is
    refused.  None in a first pass over streamed data, which only records the chunk's levels."""
    used = _drop_unused(f)
    levels = ev.learned_levels(call, f.levels, used.levels, merge_chunk_levels)
    if levels is None or ev.mode == "fit":
        return None if levels is None else used
    g = _reorder(f, levels, call)
    new = (g.codes < 0) & (f.codes >= 0)
    if new.any():
        value = f.levels[f.codes[np.argmax(new)]]
        def level(v: Any) -> str:  # (numbers as R writes them: 15 significant digits)
            return label_text(v) if _is_number(v) else shown(v)
        raise _err(call, f"{level(value)} is not one of the levels the fit's rows take "
                         f"({shown_items(levels, each=level)}), which labels= name in order")
    return g


def merge_chunk_levels(chunks: np.ndarray) -> tuple:
    """The levels that ``factor(x, labels = ...)`` names, from every chunk's record (levels, used levels): the
    chunks' own order when they all agree (a categorical's categories), else sorted as R's ``factor()`` sorts;
    only the levels some row takes."""
    records = list(chunks)
    used = {label_text(lv) for _, u in records for lv in u}
    if records and all(full == records[0][0] for full, _ in records):
        order = records[0][0]
    else:
        by_text: dict[str, Any] = {}
        for _, u in records:
            for lv in u:
                by_text.setdefault(label_text(lv), lv)
        order = sorted(by_text.values(), key=level_sort_key)
    return tuple(lv for lv in order if label_text(lv) in used)


def _contrast_kind(node: Node, call: Call) -> str:
    key = node.id if isinstance(node, Name) else node.value if isinstance(node, Str) else None
    if key is None or key not in CONTRASTS:
        shown = deparse(node)
        raise _err(call, f"unknown contrasts {shown}; use one of treatment, sum, helmert, poly (or contr.treatment, "
                         "contr.sum, contr.helmert, contr.poly)")
    return CONTRASTS[key]


def _C(ev: "Evaluator", call: Call) -> Value:
    # (R's C(object, contr, how.many): a third argument is how.many, not glmstat's levels=, which is named)
    a = bind(call, ("object", "contr", "how.many", "levels"))
    if "how.many" in a:
        raise _err(call, "how.many (fewer contrast columns than levels - 1) is not supported; leave it out for all "
                         "the contrasts, or name levels = c(...) to reorder the levels")
    f = as_factor(ev.eval(a["object"]), call)
    if "levels" in a:
        f = _reorder(f, _literal_levels(ev.eval(a["levels"]), call, "levels"), call)
    kind = _contrast_kind(a["contr"], call) if "contr" in a else f.contrasts
    return FactorVec(f.codes, f.levels, f.ordered, kind)


def _relevel(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x", "ref"), required=2)
    f = as_factor(ev.eval(a["x"]), call)
    if f.ordered:
        raise _err(call, "relevel() is for unordered factors (as in R)")
    ref = ev.eval(a["ref"])
    if not isinstance(ref, (str, int, float)) or isinstance(ref, bool):
        raise _err(call, "ref must be a level, e.g. ref = \"b\"")
    L = len(f.levels)
    # A chunk of streamed data (or new data) may lack the reference level, and a position means nothing in its
    # own levels: its factor is left as it is, aligned to the model's levels by label afterwards, and the order
    # of the levels over every chunk is decided once (formula.stream._merge_levels).
    chunk = ev.mode != "fit"
    if isinstance(ref, str):
        match = levels_with_texts(f.levels, {ref})  # (the texts of the numbers near it only)
        if not match.any() and chunk:
            return f
        if not match.any():
            raise _err(call, f"ref = {deparse(a['ref'])} is not a level (levels: {_levels_text(f.levels)})")
        first = int(np.argmax(match))
    elif chunk and math.isfinite(ref) and float(ref).is_integer() and not 1 <= ref <= L:
        return f
    else:  # R's relevel: a number is the reference level's position, not its value
        if not (math.isfinite(ref) and float(ref).is_integer() and 1 <= ref <= L):
            same = _first_same_level(f.levels, ref)
            value = label_text(f.levels[same]) if same is not None else None
            hint = f"; for the level {value} write ref = \"{value}\"" if value is not None else ""
            raise _err(call, f"ref = {deparse(a['ref'])} must be a level's position from 1 to {L} (a number is a "
                             f"position, as in R) or a level in quotes{hint}")
        first = int(ref) - 1
    if _distinct_doubles(f.levels) or _distinct_texts(f.levels) or _distinct_integers(f.levels):
        return _move_first(f, first)
    order = [first] + [i for i in range(L) if i != first]
    return _reorder(f, tuple(f.levels[i] for i in order), call)


def _first_same_level(levels: tuple, v: float) -> int | None:
    """The position of the first of ``levels`` that is one level with the number ``v`` (:func:`_same_level`),
    or None; the doubles among them by value (:class:`DoubleLevels`), without a key for each."""
    doubles = DoubleLevels.of(levels)
    same = doubles.with_key(v)
    found = [int(same[0])] if same.size else []
    found += [i for i in doubles.others.tolist() if _same_level(levels[i], v)][:1]
    return min(found) if found else None


def _distinct_doubles(levels: tuple) -> bool:
    """Whether ``levels`` are doubles of which no two are one level in R (:func:`number_level_key`), as those
    of :func:`as_factor` are: a reordering of them is a permutation of the codes, with no matching by text."""
    if not set(map(type, levels)) <= {float}:
        return False
    values = np.sort(np.array(levels, dtype=float).reshape(-1))
    return bool(_first_of_texts(values).all())


def _distinct_texts(levels: tuple) -> bool:
    """Whether ``levels`` are strings of which no two are alike, as the categories of a pandas Categorical of
    strings are: each is its own only text, so a reordering of them is a permutation of the codes (matched
    level by level, relevel() of a Categorical of a million categories took 13 s)."""
    return set(map(type, levels)) <= {str} and len(set(levels)) == len(levels)


def _distinct_integers(levels: tuple) -> bool:
    """Whether ``levels`` are distinct Python integers below 2^53 in magnitude, as the categories of a pandas
    Categorical of integers are: R's texts of such integers are all different (every one of them is a double,
    written with all its digits), so a reordering of them is a permutation of the codes."""
    return set(map(type, levels)) <= {int} and len(set(levels)) == len(levels) and \
        max(map(abs, levels), default=0) < 2**53


def _move_first(f: FactorVec, first: int) -> FactorVec:
    """``f`` with its level ``first`` moved to the front (R's ``relevel``), the others in their order: levels
    of which no two are one (:func:`_distinct_doubles`), so the codes are permuted, in time linear in the rows
    and levels (matching each level by its text wrote a million texts for relevel() of a million numbers)."""
    codes = f.codes
    shifted = np.where(codes == first, 0, np.where((codes >= 0) & (codes < first), codes + 1, codes))
    levels = (f.levels[first],) + f.levels[:first] + f.levels[first + 1:]
    return FactorVec(shifted.astype(np.intp, copy=False), levels, f.ordered, f.contrasts)


def _poly(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x", "degree", "raw"), varargs=False)
    x = numeric(ev.eval(a["x"]), call)
    if not isinstance(x, np.ndarray):
        raise _err(call, "needs a column, not a constant")
    given = {p: ev.eval(a[p]) for p in ("degree", "raw") if p in a}
    if any(isinstance(v, (NumVec, FactorVec, NumMat)) for v in given.values()):
        # (R reads poly(x1, x2, ...) as polym(x1, x2, ...), a polynomial in several variables)
        raise _err(call, "a polynomial in several variables (R's polym) is not supported; use the polynomials of "
                         "each variable and their interaction, e.g. poly(x1, 2) * poly(x2, 2), or I() products")
    k = whole_number(given["degree"], call, "degree", 1, 2**31) if "degree" in given else 1
    raw = flag(given["raw"], call, "raw") if "raw" in given else False
    ev.reserve(call, k)  # before anything of n x k is computed
    names = tuple(str(j) for j in range(1, k + 1))
    if raw:
        # (as R: no test of the distinct values, which would refuse a one-row prediction or a row group of
        # streamed data; powers beyond them are aliased columns, reported as such)
        with np.errstate(all="ignore"):
            return NumMat(np.column_stack([x ** j for j in range(1, k + 1)]), names)

    def learn(finite: np.ndarray) -> tuple:
        distinct = np.unique(finite).size
        if k >= distinct:
            raise _err(call, f"degree ({k}) must be less than the number of distinct values ({distinct}), as in R")
        with np.errstate(all="ignore"):
            alpha, norm2, settled = _poly_coefs(finite, k)
        if not (all(np.isfinite(alpha)) and all(np.isfinite(norm2)) and min(norm2[1:]) > 0 and settled):
            raise _err(call, "the orthogonal polynomials cannot be computed in double precision (values too large or "
                             "too close together); rescale the variable")
        return alpha, norm2

    state = ev.transform_state(call, x, learn)
    if state is None:
        return _placeholder(x, names)
    with np.errstate(all="ignore"):
        return NumMat(_poly_predict(x, *state), names)


def _placeholder(x: np.ndarray, suffixes: tuple[str, ...]) -> Value:
    """A stateful transform's value before its parameters are known: the right shape, NaN where x is."""
    v = np.where(np.isfinite(x), 0.0, np.nan)
    return NumVec(v) if not suffixes else NumMat(np.repeat(v[:, None], len(suffixes), axis=1), suffixes)


_EPS = float(np.finfo(float).eps)


def _poly_coefs(x: np.ndarray, k: int) -> tuple[tuple[float, ...], tuple[float, ...], bool]:
    """R's ``poly()`` recurrence coefficients (alpha, norm2) of the polynomials orthogonal over the points ``x``,
    and whether every polynomial stands above rounding.

    The polynomials are p_0 = 1, p_1 = x - alpha_0 and
    p_{i+1} = (x - alpha_i) p_i - (norm2_{i+1} / norm2_i) p_{i-1}, with alpha_i = sum x p_i^2 / sum p_i^2 and
    norm2 = (1, sum p_0^2, sum p_1^2, ..., sum p_k^2), as R's ``poly`` stores them for ``predict``.  They are
    computed by that recurrence itself over the points (Stieltjes' procedure, on x - mean(x)), not from the QR of
    the matrix of powers [1, x - mean, (x - mean)^2, ...] as R computes them: that matrix's condition grows
    geometrically with the degree, and its QR's columns are 1e-7 from the exact polynomials at degree 25 on 2,000
    uniform points (the recurrence: 2e-15), its alpha and norm2 so far off at degree 60 that the recurrence's
    columns had norms of 5 instead of 1.  R refuses such degrees ("'degree' must be less than number of unique
    points", its QR's rank); the recurrence stays exact.  A polynomial is rounding noise when its norm is within
    64 eps of the norms of the two terms it is the difference of (its points are fewer than the degree in
    double precision): then ``settled`` is False.
    """
    xbar = float(np.mean(x))
    xc = x - xbar
    alpha: list[float] = []
    norm2 = [1.0, float(x.shape[0])]
    settled = True
    prev, cur = np.zeros_like(xc), np.ones_like(xc)
    for _ in range(k):
        a = float((xc * cur) @ cur) / norm2[-1]
        term, back = (xc - a) * cur, (norm2[-1] / norm2[-2]) * prev
        nxt = term - back
        size = float(nxt @ nxt)
        noise = 64 * _EPS * (math.sqrt(float(term @ term)) + math.sqrt(float(back @ back)))
        settled = settled and math.sqrt(size) > noise
        alpha.append(a + xbar)
        norm2.append(size)
        prev, cur = cur, nxt
    return tuple(alpha), tuple(norm2), settled


def _poly_predict(x: np.ndarray, alpha: tuple, norm2: tuple) -> np.ndarray:
    """R's ``predict`` of ``poly()``: the three-term recurrence with the fitted alpha and norm2."""
    k = len(alpha)
    Z = np.ones((x.shape[0], k + 1))
    Z[:, 1] = x - alpha[0]
    for i in range(1, k):
        Z[:, i + 1] = (x - alpha[i]) * Z[:, i] - (norm2[i + 1] / norm2[i]) * Z[:, i - 1]
    Z /= np.sqrt(np.asarray(norm2[1:]))
    return np.ascontiguousarray(Z[:, 1:])


def _scale(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x", "center", "scale"))
    x = numeric(ev.eval(a["x"]), call)
    if not isinstance(x, np.ndarray):
        raise _err(call, "needs a column, not a constant")
    c_arg = ev.eval(a["center"]) if "center" in a else True
    s_arg = ev.eval(a["scale"]) if "scale" in a else True

    def learn(ok: np.ndarray) -> tuple:
        center = (float(ok.mean()) if ok.size else 0.0) if c_arg is True else 0.0 if c_arg is False else \
            scalar_number(c_arg, call, "center")
        if s_arg is True:  # R: the root mean square after centring, with n - 1 (scaled to avoid overflow)
            dev = ok - center
            big = float(np.max(np.abs(dev))) if dev.size else 0.0
            big = big if np.isfinite(big) and big > 0 else 1.0
            scale = big * float(np.sqrt(np.sum((dev / big) ** 2) / max(1, ok.size - 1)))
        else:
            scale = 1.0 if s_arg is False else scalar_number(s_arg, call, "scale")
        return center, scale

    state = ev.transform_state(call, x, learn)
    if state is None:
        return _placeholder(x, ())
    center, scale = state
    with np.errstate(all="ignore"):
        return NumVec((x - center) / scale)


def _center(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x",))
    x = numeric(ev.eval(a["x"]), call)
    if not isinstance(x, np.ndarray):
        raise _err(call, "needs a column, not a constant")
    state = ev.transform_state(call, x, lambda ok: (float(ok.mean()) if ok.size else 0.0,))
    return _placeholder(x, ()) if state is None else NumVec(x - state[0])


def _bs(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x", "df", "knots", "degree", "intercept", "Boundary.knots"))
    x = numeric(ev.eval(a["x"]), call)
    if not isinstance(x, np.ndarray):
        raise _err(call, "needs a column, not a constant")
    degree = whole_number(ev.eval(a["degree"]), call, "degree", 1, 20) if "degree" in a else 3
    intercept = flag(ev.eval(a["intercept"]), call, "intercept") if "intercept" in a else False
    df = whole_number(ev.eval(a["df"]), call, "df", 1, 2**31) if "df" in a else None
    # the knots are checked as ns() checks its own (finite, strictly inside the boundary, a multiplicity that
    # keeps the spline continuous): scipy refuses NaN and Inf with its own ValueError
    knots = _finite_numbers(ev.eval(a["knots"]), call, "knots", "knots = c(10, 20)") if "knots" in a else None
    boundary = _boundary_knots(ev.eval(a["Boundary.knots"]), call) if "Boundary.knots" in a else None
    if boundary is not None and knots is not None:
        _check_inner_knots(knots, boundary, call, "knots", degree=degree)
    # the number of basis columns follows from the arguments alone: checked before any work
    n_inner = len(knots) if knots is not None else max(0, df - degree - 1 + (1 - int(intercept))) if df else 0
    n_basis = n_inner + degree + int(intercept)
    ev.reserve(call, n_basis)

    def learn(ok: np.ndarray) -> tuple:
        if ok.size == 0:
            raise _err(call, "has no finite values")
        distinct = np.unique(ok).size
        if (df is not None and df > distinct) or (knots is not None and len(knots) > distinct):
            raise _err(call, f"df (at most the number of distinct values) must be a whole number from 1 to {distinct}"
                       if df is not None else f"knots must be at most {distinct} numbers")
        state = bs_knots(ok, degree, intercept, df, knots, boundary)
        if knots is not None and boundary is None:  # (the boundary knots are the range of x)
            _check_inner_knots(knots, state[3], call, "knots", degree=degree)
        return state

    state = ev.transform_state(call, x, learn)
    names = tuple(str(j) for j in range(1, n_basis + 1))
    if state is None:
        return _placeholder(x, names)
    basis = bspline_basis(x, *state)
    return NumMat(basis, tuple(str(j) for j in range(1, basis.shape[1] + 1)))


def _finite_numbers(value: Value, call: Call, what: str, example: str) -> tuple[float, ...]:
    """Literal finite numbers (one or ``c(...)``); anything else is refused naming ``what``."""
    vals = value if isinstance(value, tuple) else (value,)
    if not vals or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                           for v in vals):
        raise _err(call, f"{what} must be finite numbers, e.g. {example}; got {_shown(vals)}")
    return tuple(float(v) for v in vals)


def _boundary_knots(value: Value, call: Call) -> tuple[float, float]:
    """``Boundary.knots`` of ``bs()`` and ``ns()``: two increasing finite numbers whose distance is finite too
    (the basis is computed from differences of knots)."""
    bv = _finite_numbers(value, call, "Boundary.knots", "c(0, 100)")
    if len(bv) != 2 or not bv[0] < bv[1]:
        raise _err(call, "Boundary.knots must be two increasing finite numbers, e.g. c(0, 100); got " + _shown(bv))
    if not math.isfinite(bv[1] - bv[0]):
        raise _err(call, f"Boundary.knots {_shown(bv)} are further apart than double precision holds; rescale x")
    return bv[0], bv[1]


def _shown(vals: tuple) -> str:
    return ", ".join(repr(v) for v in vals[:8]) + (", ..." if len(vals) > 8 else "")


def _ns(ev: "Evaluator", call: Call) -> Value:
    """R's ``splines::ns(x, df, knots, intercept, Boundary.knots)``: a natural cubic spline basis.

    The knots are learned once from all the training rows (the boundary knots ``range(x)``, the interior
    knots the quantiles of x at ``seq(0, 1, length = df - intercept + 1)``'s inner points) and kept for
    ``predict``, which continues the basis linearly beyond the boundary knots, as R's ``predict.ns``.
    """
    a = bind(call, ("x", "df", "knots", "intercept", "Boundary.knots"))
    x = numeric(ev.eval(a["x"]), call, "x")
    if not isinstance(x, np.ndarray):
        raise _err(call, "needs a column, not a constant")
    intercept = flag(ev.eval(a["intercept"]), call, "intercept") if "intercept" in a else False
    low_df = 1 + int(intercept)  # R silently raises a smaller df to this (with a warning): refused here
    df = whole_number(ev.eval(a["df"]), call, "df", low_df, 2**31) if "df" in a else None
    knots = _finite_numbers(ev.eval(a["knots"]), call, "knots", "knots = c(10, 20)") if "knots" in a else None
    boundary = _boundary_knots(ev.eval(a["Boundary.knots"]), call) if "Boundary.knots" in a else None
    if boundary is not None and knots is not None:
        _check_inner_knots(knots, boundary, call, "knots")
    # the number of columns follows from the arguments alone: checked before any work
    n_basis = (len(knots) if knots is not None else max(0, (df or low_df) - low_df)) + 1 + int(intercept)
    ev.reserve(call, n_basis)
    bad = np.isinf(x)
    if bad.any():  # (NaN is a missing value; an infinite one has no place on a spline)
        raise DataError(f"{deparse(call)}: x must be finite, but {int(bad.sum())} value(s) are infinite (the first "
                        f"is {shown(float(x[bad][0]))})")

    def learn(ok: np.ndarray) -> tuple:
        inside = ok if boundary is None else ok[(ok >= boundary[0]) & (ok <= boundary[1])]
        distinct = np.unique(inside).size
        # (R puts the boundary knots of a single value v at 7v/8 and 9v/8, an arbitrary spline: refused too)
        if distinct < 2 and (boundary is None or knots is None):
            where = "" if boundary is None else " inside Boundary.knots"
            raise _err(call, f"needs at least two distinct values of x{where} to place its knots (it has {distinct})")
        if df is not None and knots is None and df > distinct:
            raise _err(call, f"df (at most the number of distinct values) must be a whole number from {low_df} to "
                             f"{distinct}")
        state = ns_knots(ok, intercept, df, knots, boundary)
        # quantile knots of heavily tied x can fall on a boundary knot, where R's basis degenerates
        if knots is not None:
            _check_inner_knots(knots, state[2], call, "knots")
        else:
            _check_inner_knots(state[0][4:-4], state[2], call, "the quantile knots",
                               " (x has many tied values); give knots = or a smaller df")
        return state

    state = ev.transform_state(call, x, learn)
    names = tuple(str(j) for j in range(1, n_basis + 1))
    if state is None:
        return _placeholder(x, names)
    return NumMat(natural_spline_basis(x, *state), names)


def _check_inner_knots(knots: tuple, boundary: tuple[float, float], call: Call, what: str, hint: str = "",
                       degree: int = 3) -> None:
    """Interior knots strictly inside the boundary and repeated at most ``degree`` times (the spline stays
    continuous; a cubic's knots at most triple)."""
    lo, hi = boundary
    outside = [k for k in knots if not lo < k < hi]
    if outside:
        raise _err(call, f"{what} must lie strictly inside the boundary knots ({shown(lo)}, {shown(hi)}); got {shown(outside[0])}"
                   + hint)
    values, counts = np.unique(np.asarray(knots, dtype=float), return_counts=True)
    if counts.size and counts.max() > degree:
        spline = "the cubic" if degree == 3 else f"a spline of degree {degree}"
        raise _err(call, f"{what} repeat {shown(float(values[np.argmax(counts)]))} {int(counts.max())} times (at most "
                         f"{degree}, which keep {spline} continuous)" + hint)


_NP_UNARY = {
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "exp": np.exp, "exp2": np.exp2,
    "expm1": np.expm1, "sqrt": np.sqrt, "cbrt": np.cbrt, "abs": np.abs, "absolute": np.abs, "square": np.square,
    "sign": np.sign, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan, "sinh": np.sinh,
    "cosh": np.cosh, "tanh": np.tanh,
}
_R_UNARY = {
    "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "exp": np.exp, "expm1": np.expm1, "sqrt": np.sqrt,
    "abs": np.abs, "sign": np.sign, "floor": np.floor, "ceiling": np.ceil, "trunc": np.trunc, "sin": np.sin,
    "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh,
    "cosh": np.cosh, "tanh": np.tanh,
}

BUILTINS: dict[str, Builtin] = {
    **{name: _elementwise(fn) for name, fn in _R_UNARY.items()},
    **{f"np.{name}": _elementwise(fn) for name, fn in _NP_UNARY.items()},
    "log": _log, "round": _round, "np.round": _np_round,
    "np.isnan": _elementwise(lambda x: np.isnan(x), logical=True),
    "np.isfinite": _elementwise(lambda x: np.isfinite(x), logical=True),
    "np.power": _binary_numeric(np.power), "np.minimum": _binary_numeric(np.minimum),
    "np.maximum": _binary_numeric(np.maximum), "np.clip": _clip, "np.where": _where,
    "pmin": _pminmax(np.minimum), "pmax": _pminmax(np.maximum), "ifelse": _ifelse,
    "as.numeric": _as_numeric, "as.double": _as_numeric, "as.integer": _as_integer, "unclass": _unclass,
    "I": _identity, "c": _c,
    "factor": _factor(False), "as.factor": _factor(False, keep_factor=True), "ordered": _factor(True),
    "as.ordered": _factor(True, keep_factor=True), "C": _C, "relevel": _relevel,
    "poly": _poly, "scale": _scale, "center": _center, "bs": _bs, "ns": _ns,
}

#: every function name a formula may call without context= (for messages)
FUNCTION_NAMES = tuple(sorted(set(BUILTINS) | {"offset", "cbind"}))

#: R's packages of the R functions above, for a call qualified by its namespace (``splines::ns(x, 3)``, as a
#: script that does not attach splines writes it; ``stats::poly``, ``base::log``)
NAMESPACES: dict[str, frozenset[str]] = {
    "splines": frozenset({"ns", "bs"}),
    "stats": frozenset({"poly", "relevel", "C", "offset"}),
}
NAMESPACES["base"] = frozenset(n for n in FUNCTION_NAMES if not n.startswith("np.") and n != "center"
                               and not any(n in names for names in NAMESPACES.values()))


def unqualified(func: str) -> str:
    """The function a call names: ``ns`` for ``splines::ns`` (or ``splines:::ns``); ``func`` itself when it
    is not qualified.  A qualified name that is not one of glmstat's functions of that R package is refused."""
    pkg, sep, name = func.partition("::")
    if not sep:
        return func
    name = name.removeprefix(":")
    if name not in NAMESPACES.get(pkg, ()):
        known = ", ".join(f"{p}::" for p in sorted(NAMESPACES))
        raise FormulaError(f"the formula calls {func}(), which is not a function glmstat knows (it reads {known} "
                           f"calls of its own functions: {', '.join(sorted(NAMESPACES.get(pkg, ()))) or 'none'} "
                           f"from {pkg})")
    return name
