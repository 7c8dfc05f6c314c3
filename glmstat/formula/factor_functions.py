"""The factor functions a formula may call: ``factor`` (``exclude =``), ``as.factor``, ``ordered``, ``as.ordered``,
``addNA``, ``C`` (contrasts), ``relevel``, and the level codes of a factor (``unclass``, ``as.numeric``,
``as.integer``), with
the level rules they share: levels sorted as R sorts them (texts, numbers), unused levels dropped, a level
named by a literal matched to the data's levels exactly, and the levels of streamed data merged over its
chunks."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from typing import Any, TYPE_CHECKING

import numpy as np

from .._arguments import shown, shown_items
from ..errors import DataError, FormulaError, FormulaWarning, warn_user
from .calendar import LAST_DAY, date_text
from .call_arguments import Builtin, bind, call_error, flag, levels_text, literal_numbers, numeric, whole_number
from .contrasts import (CONTRASTS, MAX_MATRIX_ENTRIES, ContrastMatrix, FirstColumns, Reference, coding_of,
                        contrast_matrix, poly_contrasts)
from .date_steps import DATE_TEXT_FORMAT, count_steps, format_steps
from .date_time_columns import date_times_argument
from .deparse import deparse
from .nodes import Call, Const, Name, Node, Str
from .text_memory import STR_BYTES, hold_texts
from .text_numbers import r_text_number, text_as_numbers
from .value_codes import sorted_codes
from .values import (NA_LEVEL, DoubleLevels, FactorVec, NALevel, NumVec, RDate, RInteger, Value, factor_from_labels,
                     integer_levels, label_text, level_sort_key, level_texts, levels_with_texts, number_level_key,
                     r_text, reads_as_number)

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["LEVEL_CODE_CALLS", "as_factor", "call_C", "call_add_na", "call_as_integer", "call_as_numeric",
           "call_relevel", "call_unclass", "drop_unused", "factor_call", "merge_chunk_levels", "merge_factor_levels",
           "on_levels", "refuse_inexact", "with_na_level"]


def refuse_inexact(value: Value, where: Node, what: str) -> None:
    """Refuse (:class:`DataError`) an operation that needs exact integers -- a factor, ``==``, ``%in%``, ``%%`` --
    on a column of integers beyond 2^53, which doubles merge (ids such as 9007199254740993): ``what`` says what
    would go wrong; the column made of strings keeps every value."""
    if isinstance(value, NumVec) and value.inexact is not None:
        raise DataError(f"{deparse(where)}: {value.inexact}, so {what}; make the column strings first "
                        "(data[column].astype(str)) to use it as a factor")


def as_factor(value: Value, call: Call, ev: "Evaluator") -> FactorVec:
    """R's ``factor(x)`` of a vector (levels sorted, unused dropped) or a factor unchanged; the sort of its distinct
    values priced by ``ev`` (:meth:`~glmstat.formula.evaluate.Evaluator.count_distinct`), and the texts of the
    levels of dates counted as the date functions' are (:func:`~glmstat.formula.date_steps.count_steps`)."""
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
        if value.date:  # (R's levels of dates are their texts, in time order; a fraction of a day is that day)
            ok &= np.isinf(v) | (np.abs(v) <= LAST_DAY)  # (a date too far to be written: R's NA)
            uniques, inv = sorted_codes(np.floor(v[ok]), partial(ev.count_distinct, call))
            # (each level's text written in Python, some microseconds a date: a million took 6 s, priced a pass; and
            # held, a str of 10 characters: 120,000 distinct dates of as many rows held 1.5 times their price)
            count_steps(ev, call, uniques.size * format_steps(DATE_TEXT_FORMAT, False))
            hold_texts(ev, call, uniques.size, uniques.size * len("2024-01-31"), STR_BYTES)
            codes = np.full(v.shape[0], -1, dtype=np.intp)
            codes[ok] = inv
            return FactorVec(codes, tuple(date_text(u) for u in uniques.tolist()))
        uniques, inv = sorted_codes(v[ok], partial(ev.count_distinct, call))
        if value.integer:  # (R's levels of integers: each written in full, "100000"; Python ints, so written)
            codes = np.full(v.shape[0], -1, dtype=np.intp)
            codes[ok] = inv
            return FactorVec(codes, integer_levels(uniques))
        # R's levels are the values' texts (as.character), so values alike to 15 digits (0.1 + 0.2 and 0.3) are
        # one level, the first (smallest) value standing for them -- not whole numbers that R writes in full
        first = _first_of_texts(uniques)
        if not first.all():
            inv = (np.cumsum(first) - 1)[inv]
            uniques = uniques[first]
        codes = np.full(v.shape[0], -1, dtype=np.intp)
        codes[ok] = inv
        return FactorVec(codes, tuple(uniques.tolist()))
    raise call_error(call, "needs a column or an expression of one value per row")


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


def drop_unused(f: FactorVec) -> FactorVec:
    """``f`` without the levels no row takes (R's ``droplevels``), the codes renumbered."""
    used = np.zeros(len(f.levels), dtype=bool)
    used[f.codes[f.codes >= 0]] = True
    if used.all():
        return f
    remap = np.cumsum(used) - 1
    codes = np.where(f.codes >= 0, remap[np.maximum(f.codes, 0)], -1)
    return FactorVec(codes, tuple(lv for lv, u in zip(f.levels, used) if u), f.ordered, f.contrasts)


def call_droplevels(ev: "Evaluator", call: Call) -> FactorVec:
    """R's ``droplevels(f)``: the factor without the levels no row takes, in their order (on new data or a chunk
    of streamed data the training levels are kept, as ``factor()`` keeps them, and the spec aligns them)."""
    x = ev.eval(bind(call, ("x",))["x"])
    if not isinstance(x, FactorVec):
        raise call_error(call, "droplevels() takes a factor (or a column of text); this is not one")
    x = FactorVec(x.codes, x.levels, x.ordered)  # (R's droplevels() is factor(x): C()'s contrasts are not kept)
    return drop_unused(x) if ev.mode == "fit" else x


def _same_level(a: Any, b: Any) -> bool:
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return not set(level_texts(a)).isdisjoint(level_texts(b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):  # (one text in R: alike to 15 digits)
        return number_level_key(a) == number_level_key(b)
    return label_text(a) == label_text(b)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, (bool, np.bool_))


def _reorder(f: FactorVec, levels: tuple, call: Call, typed: bool = False) -> FactorVec:
    """``f`` with ``levels`` (given in a call) as its levels, in that order; other values become missing.

    Each given level is matched as :func:`_same_level` matches (numbers by value to 15 significant digits, as
    R matches their texts; anything else by its text) to the first old level it equals: the old levels that are
    not doubles through dictionaries, the doubles by value (:class:`DoubleLevels`), whose texts are written only
    for those near a given level -- linear in the number of old levels plus the given ones (a scan per level
    made ``relevel`` of a 100,000-level column take hours; a text for each of a million doubles, 17 s).

    ``typed`` (``factor(x, levels = )``): R matches the texts, so an integer and a double match only where R
    writes them alike -- ``factor(id, levels = c(1e5, 7))`` of integer ids leaves 100000 out ("1e+05" is not
    "100000").  Otherwise (new data coded by the fit's levels) numbers match by value.  A logical given in a call
    is matched by R's text of it, "TRUE" (a logical level has it among its texts; Python's "True" matched a text
    column's "True" where R matches its "TRUE")."""
    given_text = (lambda lv: r_text(lv) if isinstance(lv, (bool, np.bool_)) else label_text(lv)) if typed else \
        label_text
    if _distinct_texts(f.levels):  # (each old level its own only text: one dictionary, built at C speed)
        at = dict(zip(f.levels, range(len(f.levels))))
        return _remapped(f, [at.get(given_text(lv), -1) for lv in levels], levels)
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
            same = doubles.with_text(given_text(lv))
            hits = (by_text.get(given_text(lv)), int(same[0]) if same.size else None)
        found = [j for j in hits if j is not None]
        if typed and found and _is_number(lv):
            found = [j for j in found if _integer_typed(f.levels[j]) == _integer_typed(lv)
                     or label_text(f.levels[j]) == label_text(lv)]
        index.append(min(found) if found else -1)
    return _remapped(f, index, levels)


def _integer_typed(level: Any) -> bool:
    """Whether a level is of R's integer type (a Python int, an :class:`RInteger`), not a double."""
    return isinstance(level, (int, np.integer, RInteger)) and not isinstance(level, (bool, np.bool_))


def on_levels(f: FactorVec, levels: tuple, call: Call) -> FactorVec:
    """``f`` on ``levels`` (level values, in their order), as ``factor(f, levels = )``: each matched to the old level
    it is (:func:`_reorder`), the values of the other old levels missing."""
    return _reorder(f, levels, call)


def _remapped(f: FactorVec, index: list[int], levels: tuple) -> FactorVec:
    """``f`` on ``levels``, the old level ``index[k]`` of each (-1: none) becoming the level k, the values of the
    other old levels missing."""
    remap = np.full(len(f.levels) + 1, -1, dtype=np.intp)
    for new, old in enumerate(index):
        if old >= 0:
            remap[old] = new
    codes = np.where(f.codes >= 0, remap[f.codes], -1)
    # (a given double stands for an integer level it matches: R's levels are as.character(levels), and
    # factor(id, levels = c(1e5, 2e5)) of integer ids has the levels "1e+05", "2e+05")
    new_levels = tuple(f.levels[i] if i >= 0 and not _double_for_integer(lv, f.levels[i]) else lv
                       for i, lv in zip(index, levels))
    return FactorVec(codes, new_levels, f.ordered, f.contrasts)


def _is_missing_literal(v: Any) -> bool:
    """Whether a literal value is R's NA or NaN (a float NaN, as the formula's constants hold both; R's NA level,
    as ``levels()`` gives it)."""
    return isinstance(v, NALevel) or (isinstance(v, float) and math.isnan(v))


def _double_for_integer(given: Any, old: Any) -> bool:
    """Whether a level given as a double (``1e5``) matched an integer level (a Python int: R's integer)."""
    return type(given) is float and type(old) is int


def _literal_levels(value: Value, call: Call, what: str, na: str = "keep", distinct: bool = True) -> tuple:
    """Literal values given as ``what`` (``levels =``, ``labels =``), distinct unless ``distinct`` is False
    (labels, which R merges).  A missing value among them (NA, NaN) is kept as R's NA level (``na = "keep"``: a
    label, :data:`NA_LEVEL`, named ...NA as R names it), left out (``"drop"``: R's ``factor(x, levels = c(1, NA))``
    excludes it, its default ``exclude = NA``) or refused (``"refuse"``)."""
    vals = value if isinstance(value, tuple) else (value,)
    if not vals or not all(isinstance(v, (str, int, float, bool)) for v in vals):
        raise call_error(call, f"{what} must be literal values such as c(\"a\", \"b\") or c(4, 6, 8)")
    if na != "keep" and any(_is_missing_literal(v) for v in vals):
        if na == "refuse":
            raise call_error(call, f"{what} holds NA, which is no level here; leave it out (addNA() makes a level "
                                   "of the missing values)")
        vals = tuple(v for v in vals if not _is_missing_literal(v))
        if not vals:
            raise call_error(call, f"{what} holds NA alone, which factor() leaves out (R's exclude = NA): every "
                                   "value would be missing")
    vals = tuple(NA_LEVEL if _is_missing_literal(v) else v for v in vals)
    if distinct and len(set(map(label_text, vals))) != len(vals):
        raise call_error(call, f"{what} has duplicate levels")
    return vals


def _level_codes(ev: "Evaluator", call: Call, f: FactorVec) -> NumVec:
    """R's ``as.numeric(f)`` / ``unclass(f)`` of a factor in a formula: each row's level code 1..k (NaN where
    missing), the scores of a linear trend over an ordered factor (R's ``esoph`` example fits
    ``unclass(tobgp)``).  The levels are the factor's in the fit's data (a Categorical's unused categories too,
    which R's codes count), learned once, so that new data and every chunk of streamed data code a level as the
    fit does (R codes new data by its own levels); a level the fit did not see is refused.  Levels that all read
    as numbers warn: the codes are not those numbers (R's classic trap, as.numeric(factor(c(10, 20))) is 1, 2)."""
    # (in memory the fit's factor levels; a chunk of streamed data records its levels and the used ones, and
    # merge_factor_levels decides from every chunk's)
    levels = ev.learned_levels(call, f.levels, f.levels if ev.mode == "fit" else drop_unused(f).levels,
                               merge_factor_levels)
    if levels is None:  # (a first pass over streamed data records the chunk's levels only)
        levels = f.levels
    g = f if ev.mode == "fit" else _reorder(f, levels, call)
    new = (g.codes < 0) & (f.codes >= 0)
    if new.any():
        raise call_error(call, f"{shown(label_text(f.levels[f.codes[np.argmax(new)]]))} is not one of the levels the "
                         f"fit's rows take, whose codes 1..{len(levels)} this gives")
    if ev.mode == "fit" and levels and all(_is_number(lv) or reads_as_number(label_text(lv)) for lv in levels):
        warn_user(f"{deparse(call)} gives the factor's level codes 1..{len(levels)}, as R's does (a column of "
                  "text is a factor, as R's read.csv(stringsAsFactors = TRUE) reads it), not the numbers its "
                  "levels show; as.numeric(as.character(x)) reads those numbers, as in R", FormulaWarning)
    return NumVec(np.where(g.codes >= 0, g.codes + 1.0, np.nan))


#: The calls that give a factor's level codes (:func:`_level_codes`); the levels whose codes one takes are its
#: state in the model spec (none when its argument was no factor, a logical's 0/1 or numbers passing through)
LEVEL_CODE_CALLS = frozenset({"unclass", "as.numeric", "as.double", "as.integer"})


def merge_factor_levels(chunks: np.ndarray) -> tuple:
    """The levels of a factor over every chunk (whose codes a formula takes, or its ``levels()``), from every chunk's
    record (levels, used levels): the chunks' own levels when they all agree (a Categorical's categories, unused
    ones too, as in memory), else :func:`merge_chunk_levels`' (sorted, as R's factor() of text, which has no unused
    level)."""
    records = list(chunks)
    if records and all(tuple(r[0]) == tuple(records[0][0]) for r in records):
        return tuple(records[0][0])
    return merge_chunk_levels(chunks)


def call_unclass(ev: "Evaluator", call: Call) -> Value:
    """R's ``unclass``: a factor's level codes (:func:`_level_codes`), a date's days, a column of date-times'
    seconds since 1970-01-01 UTC; anything else itself."""
    a = bind(call, ("x",))
    times = date_times_argument(ev, call, a["x"])
    if times is not None:  # (R's POSIXct: seconds since 1970-01-01 UTC)
        return NumVec(times.seconds.copy())
    v = ev.eval(a["x"])
    if isinstance(v, NumVec) and v.date or isinstance(v, RDate):  # (a date's days)
        return NumVec(v.values) if isinstance(v, NumVec) else float(v)
    if isinstance(v, FactorVec) and not _reads_numbers(ev, call, v):  # (R's codes are integers)
        codes = _level_codes(ev, call, v)
        return NumVec(codes.values, integer=True)
    return v


def _reads_numbers(ev: "Evaluator", call: Call, v: FactorVec) -> bool:
    """Whether ``as.numeric(v)`` reads the texts as numbers (R's character vector) rather than giving level codes
    (a factor).  The fit decides from its own data (a column of text, or a text function's result, against a
    Categorical or ``factor()``); new data and the later chunks of streamed data follow the fit's choice, kept
    as the levels it learned (text given where the fit saw a factor is coded by those levels, and the reverse
    read as numbers)."""
    if ev.mode == "apply":
        return not isinstance(ev.state.get(call), tuple)
    return v.text


def call_as_numeric(ev: "Evaluator", call: Call) -> Value:
    """R's ``as.numeric``: a factor's level codes (:func:`_level_codes`), the numbers a text vector's texts read
    as (:func:`~glmstat.formula.text_numbers.text_as_numbers`: R's ``as.numeric(as.character(f))``), numbers
    themselves, a column of date-times' seconds since 1970-01-01 UTC (R's POSIXct)."""
    a = bind(call, ("x",))
    times = date_times_argument(ev, call, a["x"])
    if times is not None:
        return NumVec(times.seconds.copy())
    v = ev.eval(a["x"])
    if isinstance(v, FactorVec) and _reads_numbers(ev, call, v):
        return text_as_numbers(v, deparse(call))
    if isinstance(v, str):
        read = r_text_number(v)
        if read is None:
            raise call_error(call, f"{shown(v)} reads as no number")
        return read
    if isinstance(v, FactorVec):
        return _level_codes(ev, call, v)
    x = numeric(v, call)
    return NumVec(np.asarray(x, dtype=float)) if isinstance(x, np.ndarray) else float(x)


def call_as_integer(ev: "Evaluator", call: Call) -> Value:
    """R's ``as.integer``: truncation toward zero, and NA (a missing value) for NA, NaN, +-Inf and whatever lies
    outside R's integer range (|x| >= 2^31), as R gives with its warning."""
    v = call_as_numeric(ev, call)
    x = np.asarray(v.values if isinstance(v, NumVec) else v, dtype=float)
    with np.errstate(invalid="ignore"):
        r = np.where((x > -2.0**31) & (x < 2.0**31), np.trunc(x) + 0.0, np.nan)  # (+ 0: no -0, R's integer 0)
    # (R's integer type: written in full, as.character(as.integer(1e5)) is "100000")
    return NumVec(r, integer=True) if isinstance(v, NumVec) else RInteger(r)


def _exclude(ev: "Evaluator", call: Call, node: Node | None) -> tuple[set[str], bool]:
    """R's ``exclude =`` of factor(): the texts of the levels it names (numbers as R's as.character writes them,
    as R matches them) and whether it names NA (R's default, ``exclude = NA``).  ``exclude = NULL`` names none:
    NA is a level."""
    if node is None:
        return set(), True
    if isinstance(node, Const) and node.id == "NULL":
        return set(), False
    value = ev.eval(node)
    values = value if isinstance(value, tuple) else (value,)
    if not all(isinstance(v, (str, int, float, bool)) for v in values):
        raise call_error(call, "exclude must be literal values such as \"a\", c(\"a\", NA) or NULL")
    is_na = [isinstance(v, float) and math.isnan(v) for v in values]
    return {r_text(v) for v, na in zip(values, is_na) if not na}, any(is_na)


def _without_levels(f: FactorVec, texts: set[str]) -> FactorVec:
    """``f`` without the levels of ``texts`` (R's ``exclude``): their values missing."""
    if not texts:
        return f
    hit = levels_with_texts(f.levels, texts) & np.array([not isinstance(lv, NALevel) for lv in f.levels], dtype=bool)
    if not hit.any():
        return f
    keep = ~hit
    remap = np.append(np.where(keep, np.cumsum(keep) - 1, -1), -1)
    return FactorVec(remap[f.codes], tuple(lv for lv, k in zip(f.levels, keep) if k), f.ordered, f.contrasts)


def with_na_level(f: FactorVec, call: Call, always: bool) -> FactorVec:
    """``f`` with R's NA level last (:data:`NA_LEVEL`), which the rows missing a value take: when some row is
    missing, or ``always`` (``addNA(x)``; a model drops it where no row takes it, as R's glm drops unused levels).
    A level already written "NA" is refused: R keeps the two apart, but names both coefficients ``xNA``."""
    if any(isinstance(lv, NALevel) for lv in f.levels):
        return f
    missing = f.codes < 0
    if not (always or missing.any()):
        return f
    if levels_with_texts(f.levels, {"NA"}).any():
        raise call_error(call, "x has a level written \"NA\", which R's NA level would share its name with (R names "
                         "both coefficients ...NA); rename that level first")
    codes = np.where(missing, len(f.levels), f.codes)
    return FactorVec(codes, f.levels + (NA_LEVEL,), f.ordered, f.contrasts)


def _reorder_with_na(f: FactorVec, levels: tuple, call: Call) -> FactorVec:
    """``f`` with ``levels`` given in a call that hold R's NA level (:data:`NA_LEVEL`) at its place, as R's
    ``factor(x, levels = c("a", NA), exclude = NULL)`` codes it (``match(x, levels)``): the rows missing x take the
    NA level, the values ``levels`` does not name are missing.  The other levels are matched as :func:`_reorder`
    matches them; NA matches only a missing value, never a text "NA" (which ``levels`` beside NA is refused as a
    duplicate)."""
    at = next(i for i, lv in enumerate(levels) if isinstance(lv, NALevel))
    g = _reorder(f, levels[:at] + levels[at + 1:], call, typed=True)
    codes = np.where(g.codes >= at, g.codes + 1, g.codes)
    return FactorVec(np.where(f.codes < 0, at, codes), levels, g.ordered, g.contrasts)


def factor_call(ordered_default: bool, keep_factor: bool = False) -> Builtin:
    def apply(ev: "Evaluator", call: Call) -> Value:
        a = bind(call, ("x", "levels", "labels", "exclude", "ordered"))
        if "exclude" in a and "labels" in a:
            raise call_error(call, "exclude = with labels = is not supported; exclude the levels first, "
                             "factor(factor(x, exclude = ...), labels = ...)")
        texts, exclude_na = _exclude(ev, call, a.get("exclude"))
        # (R's factor() leaves NA out of the levels = given where it excludes NA, its default; otherwise NA given
        # there is a level at its place, which the rows missing x take)
        given = _literal_levels(ev.eval(a["levels"]), call, "levels", "drop" if exclude_na else "keep") \
            if "levels" in a else None
        na_given = given is not None and any(isinstance(lv, NALevel) for lv in given)
        na_level = not exclude_na and given is None
        if na_level or na_given:  # (a missing x is a level, no missing value: it drops no row, as R's model frame)
            with ev.whole_columns():
                x = ev.eval(a["x"])
        else:
            x = ev.eval(a["x"])
        if keep_factor and isinstance(x, FactorVec) and given is None:
            f = x
        elif na_given:
            f = _reorder_with_na(as_factor(x, call, ev), given, call)
        elif given is not None:
            f = _reorder(as_factor(x, call, ev), given, call, typed=True)
        elif "labels" in a:
            f = _labelled_levels(ev, call, as_factor(x, call, ev))
            if f is None:  # a first pass over streamed data: the chunk's own levels stand for them
                return drop_unused(as_factor(x, call, ev))
        else:
            # A chunk of streamed data (or new data) keeps the unused levels of a factor: they carry its order
            # (a categorical's) to the merge of every chunk's levels, which drops those no row uses
            # (formula.stream._merge_levels), as the model frame drops them in memory.
            f = as_factor(x, call, ev)
            f = drop_unused(f) if ev.mode == "fit" else f
        if na_level:  # (the rows missing x; those of the levels excluded next are missing values)
            f = with_na_level(f, call, always=False)
        f = _without_levels(f, texts)
        # (R's default is ordered = is.ordered(x): factor() of an ordered factor stays ordered)
        ordered = flag(ev.eval(a["ordered"]), call, "ordered") if "ordered" in a else (ordered_default or f.ordered)
        levels = f.levels
        if "labels" in a:
            labels = _literal_levels(ev.eval(a["labels"]), call, "labels", distinct=False)
            if len(labels) == 1 and len(levels) > 1:  # (R: one label numbers the levels, paste0(labels, 1:n))
                labels = tuple(f"{label_text(labels[0])}{i}" for i in range(1, len(levels) + 1))
            if len(labels) != len(levels):
                raise call_error(call, f"labels has {len(labels)} values for {len(levels)} levels")
            return _merged_labels(f, labels, bool(ordered))
        # (R's factor() and ordered() make a new factor, without the contrasts C() set on x; as.factor() of a
        # factor and as.ordered() of an ordered factor return x as it is, contrasts and all)
        as_is = keep_factor and f is x and not texts and (bool(ordered) == x.ordered)
        return FactorVec(f.codes, levels, bool(ordered), f.contrasts if as_is else None)
    return apply


def _merged_labels(f: FactorVec, labels: tuple, ordered: bool) -> FactorVec:
    """``f`` with its levels named by ``labels`` (one a level, in order); levels that share a label are merged into
    one, the merged levels in the order of the labels' first appearance, as R's ``factor()`` merges them since R
    3.4.0 (?factor: "Duplicated values in labels can be used to map different values of x to the same factor
    level")."""
    first: dict[str, int] = {}
    index = np.array([first.setdefault(label_text(lv), len(first)) for lv in labels] + [-1], dtype=np.intp)
    if len(first) == len(labels):  # (a new factor all the same: C()'s contrasts on x are not kept, as in R)
        return FactorVec(f.codes, tuple(labels), ordered)
    seen: set[str] = set()
    merged = tuple(lv for lv in labels if not (label_text(lv) in seen or seen.add(label_text(lv))))
    return FactorVec(index[f.codes], merged, ordered)


def call_add_na(ev: "Evaluator", call: Call) -> Value:
    """R's ``addNA(x, ifany = FALSE)``: the factor of x (its levels, or R's factor() of a vector) with NA as its
    last level, which the rows missing x take (a missing x drops no row); with ``ifany = TRUE`` only where some row
    is missing.  R's glm drops the NA level where no row takes it (its model frame drops unused levels), and so
    does glmstat's model."""
    a = bind(call, ("x", "ifany"))
    ifany = flag(ev.eval(a["ifany"]), call, "ifany") if "ifany" in a else False
    with ev.whole_columns():
        x = ev.eval(a["x"])
    f = x if isinstance(x, FactorVec) else as_factor(x, call, ev)
    if ifany and not (f.codes < 0).any():  # (R returns the factor as it is, contrasts set by C() and all)
        return f
    # (R's factor(x, levels = , exclude = NULL) makes a new factor: contrasts set by C() are not kept)
    return with_na_level(FactorVec(f.codes, f.levels, f.ordered), call, always=not ifany)


def _labelled_levels(ev: "Evaluator", call: Call, f: FactorVec) -> FactorVec | None:
    """``f`` on the levels that ``labels=`` name one by one: the levels the fit's rows take, in order, learned
    once -- new data or a chunk of streamed data may lack some (R's own predict() then fails: "invalid
    'labels'") or hold others, which would shift every label after them.  A value that is not one of them is
    refused.  None in a first pass over streamed data, which only records the chunk's levels."""
    used = drop_unused(f)
    levels = ev.learned_levels(call, f.levels, used.levels, merge_chunk_levels)
    if levels is None or ev.mode == "fit":
        return None if levels is None else used
    g = _reorder(f, levels, call)
    new = (g.codes < 0) & (f.codes >= 0)
    if new.any():
        value = f.levels[f.codes[np.argmax(new)]]
        def level(v: Any) -> str:  # (numbers as R writes them: 15 significant digits)
            return label_text(v) if _is_number(v) else shown(v)
        raise call_error(call, f"{level(value)} is not one of the levels the fit's rows take "
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


#: R's contrast functions a formula may call for a matrix of n levels: C(g, contr.treatment(4, base = 2))
_CONTRAST_CALLS = ("contr.treatment", "contr.SAS", "contr.sum", "contr.helmert", "contr.poly")
_CONTRAST_HINT = ("use one of treatment, sum, helmert, poly, SAS (or contr.treatment, contr.sum, contr.helmert, "
                  "contr.poly, contr.SAS), contr.treatment with base =, or a matrix: cbind(c(...), c(...)) or "
                  "matrix(c(...), nrow)")


def _treatment_base(ev: "Evaluator", base: Node, call: Call) -> Any:
    """Treatment contrasts against the level at position ``base``: R's ``contr.treatment(n, base = b)``."""
    b = whole_number(ev.eval(base), call, "base", 1, MAX_MATRIX_ENTRIES)
    return "treatment" if b == 1 else Reference(b)  # (the first level: R's default, stored as codes)


def _contrast_kind(ev: "Evaluator", node: Node, call: Call, base: Node | None) -> Any:
    """The contrasts ``C(object, contr)`` names (and its ``base =``, for treatment contrasts): a name of
    :data:`CONTRASTS`, a :class:`~glmstat.formula.contrasts.Reference`, or a matrix -- R's contrast functions
    of a number of levels, ``cbind()`` of columns (named by its argument names) or ``matrix()`` -- as a
    :class:`~glmstat.formula.contrasts.ContrastMatrix` (its numbers literal: evaluated, never called)."""
    key = node.id if isinstance(node, Name) else node.value if isinstance(node, Str) else None
    if key is not None and (key in CONTRASTS or key in ("SAS", "contr.SAS")):
        kind = Reference(0) if key in ("SAS", "contr.SAS") else CONTRASTS[key]
        if base is None:
            return kind
        if kind != "treatment":
            raise call_error(call, "base = is for treatment contrasts (contr.treatment)")
        return _treatment_base(ev, base, call)
    if base is not None:
        raise call_error(call, "base = is for treatment contrasts: C(g, contr.treatment, base = 2)")
    if isinstance(node, Call) and node.func in _CONTRAST_CALLS:
        return _contrast_call(ev, node, call)
    if isinstance(node, Call) and node.func == "cbind":
        columns = [(None, arg) for arg in node.args] + list(node.kwargs)
        values = [literal_numbers(ev.eval(arg), call, "each column of the contrast matrix") for _, arg in columns]
        if len({len(v) for v in values}) != 1:
            raise call_error(call, "the columns of the contrast matrix differ in length")
        named = [name for name, _ in columns]
        names = None if not any(named) else [n if n else str(j + 1) for j, n in enumerate(named)]
        return contrast_matrix(np.array(values).T, names, deparse(call))
    if isinstance(node, Call) and node.func == "matrix":
        a = bind(node, ("data", "nrow", "ncol", "byrow"))
        data = literal_numbers(ev.eval(a["data"]), call, "the data of the contrast matrix")
        nrow = whole_number(ev.eval(a["nrow"]), call, "nrow", 1, MAX_MATRIX_ENTRIES) if "nrow" in a else None
        ncol = whole_number(ev.eval(a["ncol"]), call, "ncol", 1, MAX_MATRIX_ENTRIES) if "ncol" in a else None
        nrow = nrow or (len(data) // ncol if ncol else len(data))
        ncol = ncol or len(data) // nrow
        if nrow * ncol != len(data):
            raise call_error(call, f"the contrast matrix's {len(data)} values do not fill {nrow} x {ncol} (R would "
                             "recycle them: write each value)")
        byrow = flag(ev.eval(a["byrow"]), call, "byrow") if "byrow" in a else False
        M = np.array(data).reshape((nrow, ncol)) if byrow else np.array(data).reshape((ncol, nrow)).T
        return contrast_matrix(M, None, deparse(call))
    raise call_error(call, f"unknown contrasts {deparse(node)}; {_CONTRAST_HINT}")


def _contrast_call(ev: "Evaluator", node: Call, call: Call) -> ContrastMatrix:
    """R's ``contr.treatment(n, base = 1)``, ``contr.SAS(n)``, ``contr.sum(n)``, ``contr.helmert(n)`` and
    ``contr.poly(n)`` of a number of levels or of the levels themselves (``contr.treatment(c("a", "b", "c"))``;
    ``contr.poly(c(1, 2, 4))`` is ``contr.poly(3)``, whose scores are ``scores =``): the matrix, its columns named
    as R names them (the levels kept for treatment, as R's ``as.character`` writes them, or their positions when
    n is a number; 1..n - 1 for sum and Helmert; .L, .Q... for polynomials)."""
    params = {"contr.treatment": ("n", "base"), "contr.poly": ("n", "scores")}.get(node.func, ("n",))
    a = bind(node, params)
    n_value = ev.eval(a["n"])
    # (R: a number of length one is a count; anything else is the levels, n = its length)
    given = _literal_levels(n_value, call, "n (the levels)", na="refuse") \
        if isinstance(n_value, tuple) or isinstance(n_value, str) else None
    n = len(given) if given is not None else whole_number(n_value, call, "n (the number of levels)", 1,
                                                           MAX_MATRIX_ENTRIES)
    if n < 2 or n * n > MAX_MATRIX_ENTRIES or (node.func == "contr.poly" and n > 95):
        raise call_error(call, f"{node.func}() takes from 2 to {95 if node.func == 'contr.poly' else 500} levels")
    if node.func in ("contr.treatment", "contr.SAS"):
        base = a.get("base")
        b = n if node.func == "contr.SAS" else 1 if base is None else whole_number(ev.eval(base), call, "base", 1,
                                                                                  MAX_MATRIX_ENTRIES)
        if b > n:
            raise call_error(call, f"base = {b} is no level's position (of {n})")
        keep = [j for j in range(n) if j != b - 1]
        names = [str(j + 1) if given is None else r_text(given[j]) for j in keep]
        return contrast_matrix(np.eye(n)[:, keep], names, deparse(call))
    if node.func == "contr.poly" and "scores" in a:  # (R's make.poly(n, scores): polynomials in those scores)
        scores = _scores(ev.eval(a["scores"]), call)
        try:
            M = poly_contrasts(n, scores)
        except FormulaError as e:
            raise call_error(call, str(e).removeprefix("contr.poly(): ")) from None
        return contrast_matrix(M, list(coding_of(tuple(range(n)), "poly").suffixes), deparse(call))
    kind = {"contr.sum": "sum", "contr.helmert": "helmert", "contr.poly": "poly"}[node.func]
    coding = coding_of(tuple(range(n)), kind)
    names = list(coding.suffixes) if kind == "poly" else None
    return contrast_matrix(coding.matrix, names, deparse(call))


def _scores(value: Value, call: Call) -> tuple:
    """``contr.poly``'s ``scores =``: numbers written in the formula (checked by
    :func:`~glmstat.formula.contrasts.poly_contrasts`); a logical vector is passed on (refused there, as R
    refuses it), a column or text refused here."""
    if isinstance(value, tuple) and all(isinstance(v, (bool, np.bool_)) for v in value):
        return value
    if isinstance(value, (bool, np.bool_)):
        return (value,)
    try:
        return tuple(literal_numbers(value, call, "scores").tolist())
    except FormulaError:
        raise call_error(call, f"scores = {shown(value) if isinstance(value, (str, tuple)) else 'a column'} must be "
                         "numbers written in the formula, one per level, such as c(1, 2, 4, 8) (R: 'scores' must "
                         "all be different numbers)") from None


def call_C(ev: "Evaluator", call: Call) -> Value:
    # (R's C(object, contr, how.many): a third argument is how.many, not glmstat's levels=, which is named; base =
    # goes to treatment contrasts, as R passes C's ... to the contrast function)
    a = bind(call, ("object", "contr", "how.many", "levels", "base"))
    f = as_factor(ev.eval(a["object"]), call, ev)
    if "levels" in a:
        f = _reorder(f, _literal_levels(ev.eval(a["levels"]), call, "levels", "refuse"), call, typed=True)
    if "contr" not in a and "base" in a:
        # (R passes base = to the default contrasts of its options: contr.treatment for an unordered factor,
        # contr.poly for an ordered one, which takes no base)
        if f.ordered:
            raise call_error(call, "base = is for treatment contrasts, and an ordered factor's default contrasts are "
                             "polynomials (R: unused argument); write C(g, contr.treatment, base = 2)")
        kind = _treatment_base(ev, a["base"], call)
    else:
        kind = _contrast_kind(ev, a["contr"], call, a.get("base")) if "contr" in a else f.contrasts
    if isinstance(kind, ContrastMatrix):  # (R's C() completes fewer than L - 1 columns, once the levels are known)
        kind = replace(kind, fill=True)
    if "how.many" in a:  # (the first how.many columns: resolved once the levels are known)
        k = whole_number(ev.eval(a["how.many"]), call, "how.many", 1, MAX_MATRIX_ENTRIES)
        # (without contr, R takes the default contrasts of its options, not the factor's own)
        kind = FirstColumns(kind if "contr" in a else "poly" if f.ordered else "treatment", k)
    return FactorVec(f.codes, f.levels, f.ordered, kind)


def call_relevel(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x", "ref"), required=2)
    f = as_factor(ev.eval(a["x"]), call, ev)
    if f.ordered:
        raise call_error(call, "relevel() is for unordered factors (as in R)")
    f = FactorVec(f.codes, f.levels, f.ordered)  # (R's relevel() is factor(x, levels = ): no C() contrasts kept)
    ref = ev.eval(a["ref"])
    if not isinstance(ref, (str, int, float)) or isinstance(ref, bool):
        raise call_error(call, "ref must be a level, e.g. ref = \"b\"")
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
            raise call_error(call, f"ref = {deparse(a['ref'])} is not a level (levels: {levels_text(f.levels)})")
        first = int(np.argmax(match))
    elif chunk and math.isfinite(ref) and float(ref).is_integer() and not 1 <= ref <= L:
        return f
    else:  # R's relevel: a number is the reference level's position, not its value
        if not (math.isfinite(ref) and float(ref).is_integer() and 1 <= ref <= L):
            same = _first_same_level(f.levels, ref)
            value = label_text(f.levels[same]) if same is not None else None
            hint = f"; for the level {value} write ref = \"{value}\"" if value is not None else ""
            raise call_error(call, f"ref = {deparse(a['ref'])} must be a level's position from 1 to {L} (a number is a "
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
