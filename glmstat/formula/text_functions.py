"""R's text functions as a model reads them: ``as.character`` (the values' texts, which the model frame makes a
factor whose levels are sorted as text, ``"10"`` before ``"9"``, not as numbers as ``factor(x)`` sorts them),
``toupper``, ``tolower``, ``trimws``, ``substr``, ``substring``, ``strtoi``, ``nchar``, ``startsWith``, ``endsWith``
and ``grepl`` (a regular expression read by :mod:`glmstat.formula.regex`) of each distinct text (R's case mapping: C's
``towupper`` and ``towlower`` of each character, as R's in a UTF-8 locale), and
``paste(..., sep = " ")`` and ``paste0(...)``: each argument's values as R's
``as.character`` writes them (a factor's labels, numbers to 15 significant digits, ``TRUE``), joined row by
row, which the model frame makes a factor whose levels are sorted as text -- ``factor(paste(cyl, gear))``, a
group of two columns as one factor.

The texts are written for the combinations the rows take only, never a text a row: each argument is coded by
its distinct values (as ``factor()`` codes it), the codes are combined argument by argument and the
combinations no row takes pruned after each, as R's ``interaction(drop = TRUE)`` prunes them.  Their number
is bounded, as ``as.character()``'s distinct values are (the distinct values of every argument together), before
any text is written, and so is the memory of their texts joined by ``sep`` (``max_design_bytes``, as
``interaction()``'s); a text of values that are one each, which may be the ``sep`` of another paste(), is no longer
than the formula may be (``max_length``).  A missing value is R's
text for it, ``"NA"`` -- of a number too where a column it reads is missing, or R's NA is written in the formula
(:func:`na_rows`) -- and ``"NaN"`` for a number computed to be NaN (``log(-1)``); such a text is no missing value,
and keeps its row, as in R's model frame.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from .._arguments import shown
from ..errors import FormulaError
from .call_arguments import Builtin, bind, call_error, flag
from .deparse import deparse
from .factor_functions import as_factor, drop_unused
from .limits import FormulaLimits, refuse
from .na_values import R_NA, is_r_na, r_na_mask
from .nodes import Call, Node, is_na_constant, names_read
from .regex import Regex, compile_regex
from .regex_groups import GroupBudget
from .regex_syntax import simple_lower, simple_upper
from .text_memory import NUMBER_CHARS, STR_BYTES, chars_bytes, hold_texts
from .value_codes import sorted_codes
from .values import FactorVec, NumVec, RInteger, Value, missing_mask, r_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["TEXT_FUNCTIONS", "NUMBER_TEXT_CHARS", "count_text_read", "distinct_texts", "number_levels",
           "replacement_template", "texts_factor"]

#: the texts a function writes for one argument, or for the combinations of paste()'s, at most this many times
#: the design columns the limits allow (R's 15-digit text of a number takes microseconds: a million took 5 s)
TEXTS_PER_COLUMN = 20


#: What writing a number's text (R's 15 significant digits, :func:`glmstat.formula.values.number_text`: some
#: 20 microseconds) counts against ``FormulaLimits.max_text_chars``, in characters read (some nanoseconds each):
#: each call's distinct numbers are bounded, not the formula's, and ten ``as.character(x + k)`` of 100,000
#: distinct numbers took 27 s where a formula has room for hundreds
NUMBER_TEXT_CHARS = 4_000


def count_text_read(ev: "Evaluator", call: Call, chars: int) -> None:
    """Count ``chars`` characters (or their equivalent in work) that ``call`` reads or writes as text, refusing the
    formula once its text functions' together pass ``FormulaLimits.max_text_chars``."""
    ev.text_read += chars
    if ev.text_read > ev.limits.max_text_chars:
        raise refuse("max_text_chars", f"{shown(deparse(call))}: its texts, with those the formula's other text "
                     f"functions read, hold more than {ev.limits.max_text_chars:,} characters (a number's text "
                     f"counted as {NUMBER_TEXT_CHARS:,}, the work of writing it)", ev.text_read, ev.limits)


def number_levels(levels) -> int:
    """How many of a factor's ``levels`` are numbers, whose texts :func:`count_text_read` weighs."""
    return sum(isinstance(lv, (float, np.floating)) and not isinstance(lv, bool) for lv in levels)


def na_rows(ev: "Evaluator", node: Node, value: Value) -> np.ndarray | None:
    """Where a number ``value`` (of ``node``) that is missing is R's NA, not NaN: the rows where a data column it
    reads is missing (R's NA goes through arithmetic, ``k + 1``, ``log(k)``; a NaN computed from numbers,
    ``log(-1)``, is R's NaN), and those holding R's NA written in the formula (``NA_real_ * x``,
    ``ifelse(x > 0, NA, NaN)``: :func:`~glmstat.formula.na_values.r_na_mask`) -- only those where the value's
    payloads are exact (``NumVec.na_exact``: ``paste(ifelse(x > 0, sqrt(-1), z * 0))`` is "NaN" where x > 0
    whatever z); None for a value that is not numbers, or that reads no column and holds no NA."""
    if not isinstance(value, NumVec) or value.logical or value.integer:
        return None
    written = r_na_mask(value.values)
    if value.na_exact:  # (a data column's doubles, arithmetic and ifelse() of them: the payload says it)
        return written if written.any() else None
    read = [c for c in names_read(node) if c in ev.data]
    if not read:
        return written if written.any() else None
    out = written
    for c in read:
        out |= missing_mask(ev.data.value(c), ev.n)
    return out


def _texts(value: Value, call: Call, ev: "Evaluator", written: int = 0) -> tuple[np.ndarray | None, list[str]]:
    """An argument as (codes, texts): codes into texts for a column (the last text for a missing value: "NA" of a
    factor, logical or integer, "NaN" of a number -- which paste() writes "NA" where it is R's NA,
    :func:`na_rows`), or (None, [text]) for one value.  ``written`` texts of the call's other arguments count
    against the bound on the texts (:data:`TEXTS_PER_COLUMN` times ``max_columns``) too, and the characters of the
    texts against the formula's ``FormulaLimits.max_text_chars``, and the memory of the numbers' texts written
    (:func:`~glmstat.formula.text_memory.hold_texts`) against its ``max_design_bytes``."""
    if isinstance(value, (str, bool, np.bool_, int, float)):
        return None, [r_text(value)]
    bound = TEXTS_PER_COLUMN * ev.limits.max_columns
    if not isinstance(value, (FactorVec, NumVec)):
        raise call_error(call, "each argument must be a column, an expression of one value per row, or one value")
    # (an integer has no NaN: R's NA_integer_ is "NA")
    missing = "NaN" if isinstance(value, NumVec) and not value.logical and not value.integer else "NA"
    # (the levels no row takes -- a pandas Categorical's unused categories -- write no text a row reads, as R's
    # text functions read each row's text: new data declaring 20,000 of them were refused where R predicts)
    f = drop_unused(as_factor(value, call, ev))
    if written + len(f.levels) > bound:
        raise call_error(call, f"it would write the texts of {written + len(f.levels):,} distinct values"
                         f"{' (of its arguments together)' if written else ''}, more texts than "
                         f"{bound:,} ({TEXTS_PER_COLUMN} times the limit max_columns: a factor of so many levels "
                         "cannot be a model term); compare the values themselves, or raise max_columns")
    codes = np.where(f.codes >= 0, f.codes, len(f.levels))
    numbers = number_levels(f.levels)
    count_text_read(ev, call, numbers * NUMBER_TEXT_CHARS)  # (before any number's text is written)
    if numbers:  # (a number's text is a new str in the list of texts; a level that is text is its own)
        hold_texts(ev, call, numbers, numbers * NUMBER_CHARS, STR_BYTES)
    texts = [r_text(lv) for lv in f.levels] + [missing]
    count_text_read(ev, call, sum(map(len, texts)))
    return codes, texts


def distinct_texts(value: Value, call: Call, ev: "Evaluator") -> tuple[np.ndarray | None, list[str]]:
    """An argument's distinct texts, as R's as.character writes them, and each row's code into them (the last
    text for a missing value): (None, [text]) for one value, bounded as :func:`_texts` bounds them."""
    return _texts(value, call, ev)


def texts_factor(codes: np.ndarray, texts: list[str]) -> FactorVec:
    """R's character vector of a text for each row: ``texts[code]`` (the last code: missing), the texts that
    coincide made one level, sorted (their memory priced by the caller before they were written)."""
    return _levels_of(codes, texts[:-1])


def _paste(sep_default: str | None) -> Builtin:
    def apply(ev: "Evaluator", call: Call) -> Value:
        options = dict(call.kwargs)
        unknown = [k for k in options if k not in ("sep", "collapse") or (k == "sep" and sep_default is None)]
        if unknown:
            raise call_error(call, f"unknown argument {shown(unknown[0])}: the values are given by position"
                             + ("" if sep_default is None else ", sep = by name"))
        if "collapse" in options:  # (one text of all the rows: no value a row)
            raise call_error(call, "collapse = makes one text of every row, which is no variable of a model")
        sep = ev.eval(options["sep"]) if "sep" in options else (sep_default or "")
        if not isinstance(sep, str):
            raise call_error(call, f"sep must be a string, e.g. sep = \"_\", got {_given(sep)}")
        if not call.args:
            raise call_error(call, "no values given")
        combined, columns = _combinations(ev, call)
        if combined is None:  # (every argument one value)
            return _one_text([texts[0] for _, texts in columns], sep, call, ev.limits)
        _check_texts(columns, sep, call, ev)
        joined = [sep.join(t) for t in zip(*(np.asarray(texts, dtype=object)[index] for index, texts in columns))]
        levels = tuple(sorted(set(joined)))  # (code-point order, as R's in the C locale; alike texts one level)
        position = {t: k for k, t in enumerate(levels)}
        remap = np.array([position[t] for t in joined], dtype=np.intp)
        return FactorVec(remap[combined], levels, text=True)
    return apply


def _is_na_value(value: Value, node: Node) -> bool:
    """Whether ``value`` (of ``node``) is R's NA: written in the formula (:func:`is_na_constant`), or computed from
    it (``NA + 1``, whose NaN carries R's NA: :func:`~glmstat.formula.na_values.is_r_na`)."""
    return isinstance(value, float) and value != value and (is_na_constant(node) or is_r_na(value))


def _one_text(texts: list[str], sep: str, call: Call, limits: FormulaLimits) -> str:
    """paste() of values that are one each: their texts joined by ``sep``, at most as long as the formula may be
    (``max_length``), measured before it is written -- such a text is the ``sep`` of a paste() around it, whose
    own values it is repeated between: ``paste("", "", ..., sep = paste("", "", ..., sep = "aaaa"))`` multiplied
    its length by its values' count at each nesting, 270 MB from a formula of 3 KB."""
    size = sum(map(len, texts)) + (len(texts) - 1) * len(sep)
    if size > limits.max_length:
        raise refuse("max_length", f"{deparse(call)} writes one text longer than the formula may be (characters)",
                     size, limits)
    return sep.join(texts)


def _combinations(ev: "Evaluator", call: Call) -> tuple[np.ndarray | None, list[tuple[np.ndarray, list[str]]]]:
    """The combinations of paste()'s arguments that the rows take: each row's combination (None when every
    argument is one value), and for each argument (index into its texts of each combination, its texts,
    :func:`_texts`).  Each argument is evaluated, coded and combined with the ones before it in turn, the
    combinations no row takes pruned (:func:`~glmstat.formula.value_codes.sorted_codes`), so that no two
    arguments' codes are held at once; each combination records the one before it and its argument's text, never a
    tuple of its texts: those tuples, copied and extended at each argument, took time in the square of the arguments
    (x of 100 values and 9,000 arguments 1: 7 s).  The texts of every argument's distinct values count together
    against the bound on one's (500 arguments of 100,000 values: a MemoryError after 22 s)."""
    bound = TEXTS_PER_COLUMN * ev.limits.max_columns
    combined = np.zeros(ev.n, dtype=np.int64)
    count, written, columnar, steps = 1, 0, False, []
    for node in call.args:
        value = ev.eval(node)
        # (R's NA written in the formula is "NA", as R's paste writes it; NaN "NaN", which the numbers hold both as)
        codes, texts = (None, ["NA"]) if _is_na_value(value, node) else _texts(value, call, ev, written)
        na = na_rows(ev, node, value) if codes is not None else None
        if na is not None:  # (a missing number R's NA there, its text "NA"; elsewhere NaN, computed: "NaN")
            codes = np.where((codes == len(texts) - 1) & na, len(texts), codes)
            texts = texts + ["NA"]
        if codes is None:  # (one value: the same text in every combination)
            steps.append((np.arange(count), np.zeros(count, dtype=np.int64), texts))
            continue
        columnar, written = True, written + len(texts) - 1
        present, combined = sorted_codes(combined * len(texts) + codes, partial(ev.count_distinct, call))
        if present.size > bound:
            raise call_error(call, f"its arguments take {present.size:,} combinations, more texts than {bound:,} "
                             f"({TEXTS_PER_COLUMN} times the limit max_columns); raise max_columns")
        combined, count = combined.reshape(-1), present.size
        steps.append((present // len(texts), present % len(texts), texts))
    columns, at = [], np.arange(count)
    for before, index, texts in reversed(steps):  # (from the last argument's text back to the first's)
        columns.append((index[at], texts))
        at = before[at]
    return combined if columnar else None, columns[::-1]


def _check_texts(columns: list[tuple[np.ndarray, list[str]]], sep: str, call: Call, ev: "Evaluator") -> None:
    """Price paste()'s texts (each argument's texts, :func:`_combinations`' columns, joined by ``sep``) before any is
    written (:func:`~glmstat.formula.text_memory.hold_texts`): their characters and, for each argument, the place of
    its text while they are joined (``max_design_bytes``) -- a long sep between many arguments multiplies no count of
    combinations: ``paste(x, x, ..., x, sep = "<10,000 characters>")`` of 4,000 arguments made texts of 40 MB for
    each value of x (100 values: a MemoryError after 12 s; 900 arguments, within the bound on their values, 9 MB
    each), as interaction()'s texts are bounded."""
    count = columns[0][0].size
    size = count * ((len(columns) - 1) * chars_bytes((sep,)) + 8 * len(columns))
    for index, texts in columns:
        size += int(np.array([chars_bytes((t,)) for t in texts], dtype=np.int64)[index].sum())
    hold_texts(ev, call, count, size)


def _value_texts(ev: "Evaluator", node: Node, value: Value, call: Call) -> tuple[np.ndarray | None, list[str]]:
    """:func:`_texts` of ``value`` (``node``'s) as R's character vector holds it: a number's NaN is the text "NaN"
    (R's ``as.character(0/0)``, no missing value: ``toupper()`` of it is "NAN") and only R's NA is missing
    (:func:`na_rows`: where a column read is missing, or the formula's NA reaches) -- the last code, as for a
    factor.  (``_texts`` writes each missing number "NaN", as paste() does before it tells NA apart.)"""
    codes, texts = _texts(value, call, ev)
    if codes is None or not isinstance(value, NumVec) or texts[-1] != "NaN":
        return codes, texts
    missing = codes == len(texts) - 1
    na = na_rows(ev, node, value)
    if na is not None and not (missing & ~na).any():  # (no NaN: every missing number is NA, no text "NaN")
        return codes, texts
    if na is not None:
        codes = np.where(missing & na, len(texts), codes)
    return codes, texts + ["NA"]


def _recoded(node: Node, call: Call, ev: "Evaluator", fn) -> Value:
    """``fn`` applied to each distinct text of ``node``'s value (a column's, as R's as.character writes them,
    bounded as paste()'s: :func:`_value_texts`), the results that coincide made one level, sorted as text; one
    value gives one text, and R's NA (``as.character(NA + 1)``) stays missing."""
    value = ev.eval(node)
    codes, texts = _value_texts(ev, node, value, call)
    if codes is None and texts == ["NA"] and _is_na_value(value, node):
        return R_NA
    return _recoded_texts((codes, texts), fn, ev, call)


def _recoded_texts(coded: tuple[np.ndarray | None, list[str]], fn, ev: "Evaluator", call: Call) -> Value:
    """:func:`_recoded` of an argument's (codes, texts), as :func:`_texts` gives them: ``call``'s texts, priced
    before ``fn`` writes them (:func:`~glmstat.formula.text_memory.hold_texts`) as many as the texts and as long
    (``toupper()``, ``substr()``, ``trimws()`` write no longer ones; what ``gsub()`` writes beyond is bounded by
    ``max_regex_written``)."""
    codes, texts = coded
    if codes is None:
        return fn(texts[0])
    hold_texts(ev, call, len(texts) - 1, chars_bytes(texts[:-1]))
    return _levels_of(codes, [fn(t) for t in texts[:-1]])


def _levels_of(codes: np.ndarray, out: list[str]) -> FactorVec:
    """The factor of the texts ``out[code]`` (the code ``len(out)``: missing), those that coincide one level, sorted."""
    levels = tuple(sorted(set(out)))
    position = {t: k for k, t in enumerate(levels)}
    remap = np.array([position[t] for t in out] + [-1], dtype=np.intp)
    return FactorVec(remap[codes], levels, text=True)


def r_upper(text: str) -> str:
    """R's ``toupper`` of a text: C's ``towupper`` of each character, one for one (``"stra\u00dfe"`` is
    ``"STRA\u00dfE"``: Python's full case mapping makes ``"\u00df"`` ``"SS"``, so that R's two levels "\u00df" and
    "SS" were one)."""
    up = text.upper()
    return up if len(up) == len(text) else "".join(map(simple_upper, text))


def r_lower(text: str) -> str:
    """R's ``tolower`` of a text: C's ``towlower`` of each character, one for one (Python writes a capital sigma
    at the end of a word as the final sigma, and U+0130 as two characters)."""
    low = text.lower()
    return low if len(low) == len(text) and "\u03a3" not in text else "".join(map(simple_lower, text))


def _each_text(fn) -> Builtin:
    """R's ``f(x)`` of text: ``fn`` of each distinct text of x (:func:`_recoded`)."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        return _recoded(bind(call, ("x",))["x"], call, ev, fn)
    return apply


_WHICH = {"both": str.strip, "left": str.lstrip, "right": str.rstrip}


def _trimws(ev: "Evaluator", call: Call) -> Value:
    """R's ``trimws(x, which = "both")``: white space (space, tab, newline, carriage return) trimmed."""
    kw = dict(call.kwargs)
    if len(call.args) != 1 or set(kw) - {"which"}:
        raise call_error(call, "takes x and which = \"both\", \"left\" or \"right\"")
    which = ev.eval(kw["which"]) if "which" in kw else "both"
    if which not in _WHICH:
        raise call_error(call, f"which must be \"both\", \"left\" or \"right\", got {shown(which)}")
    strip = _WHICH[which]
    return _recoded(call.args[0], call, ev, lambda t: strip(t, " \t\n\r"))


def _substr(ev: "Evaluator", call: Call) -> Value:
    """R's ``substr(x, start, stop)``: characters start to stop (counted from 1; start below 1 read as 1), of
    numbers written in the formula."""
    args = bind(call, ("x", "start", "stop"), required=3)
    bounds = []
    for what in ("start", "stop"):
        v = ev.eval(args[what])
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise call_error(call, f"{what} must be a finite number written in the formula")
        bounds.append(int(max(min(v, 2.0**31), -2.0**31)))  # (R truncates them to integers)
    start, stop = max(bounds[0], 1), bounds[1]
    return _recoded(args["x"], call, ev, lambda t: t[start - 1:stop] if stop >= start else "")


def _position(value: Value, call: Call, what: str) -> float | np.ndarray:
    """A substring() position as R's ``as.integer`` makes it: a number truncated toward zero, NaN (R's NA) for
    a missing one or one beyond R's integers; a column one a row.  Literal vectors (``c(1, 3)``, which R recycles
    along the rows) are refused."""
    if isinstance(value, NumVec) and not value.date:
        v = value.values
    elif isinstance(value, (int, float)) and not isinstance(value, (bool, np.bool_)):
        v = np.array([float(value)])
    else:
        raise call_error(call, f"{what} must be a number, or a column of numbers (one position a row); R "
                         "recycles a vector of positions along the rows, which glmstat does not")
    with np.errstate(invalid="ignore"):
        r = np.where(np.abs(v) < 2.0**31, np.trunc(v), np.nan)
    return r if isinstance(value, NumVec) else float(r[0])


def _substring(ev: "Evaluator", call: Call) -> Value:
    """R's ``substring(text, first, last = 1000000L)``: characters first to last of each text (counted from 1;
    first below 1 read as 1; empty where last < first), NA where the text or a position is.  A position may be a
    column (``substring(id, nchar(id) - 1)``), as R's vector of one a row: the texts are cut for each distinct
    (text, first, last) the rows take, their number bounded as paste()'s combinations."""
    args = bind(call, ("text", "first", "last"), required=2)
    first = _position(ev.eval(args["first"]), call, "first")
    last = _position(ev.eval(args["last"]), call, "last") if "last" in args else 1000000.0
    codes, texts = _value_texts(ev, args["text"], ev.eval(args["text"]), call)

    def cut(t: str, start: float, stop: float) -> str | None:
        if start != start or stop != stop:
            return None
        start = max(int(start), 1)
        return t[start - 1:int(stop)] if stop >= start else ""

    if not isinstance(first, np.ndarray) and not isinstance(last, np.ndarray):
        if first != first or last != last:  # (R: NA for every text)
            return float("nan") if codes is None else FactorVec(np.full(codes.shape[0], -1, dtype=np.intp), (),
                                                                text=True)
        return _recoded_texts((codes, texts), lambda t: cut(t, first, last), ev, call)
    n = ev.n
    text_codes = np.zeros(n, dtype=np.int64) if codes is None else codes.astype(np.int64)
    if codes is None:  # (one text: the missing one is never taken)
        texts = texts + ["NA"]
    missing_text = len(texts) - 1
    columns = [text_codes]
    values = []
    for p in (first, last):
        arr = np.broadcast_to(np.asarray(p, dtype=float), (n,))
        uniq, inverse = sorted_codes(np.nan_to_num(arr, nan=2.0**31), partial(ev.count_distinct, call))
        values.append(np.where(uniq == 2.0**31, np.nan, uniq))
        columns.append(inverse.reshape(-1).astype(np.int64))
    sizes = [len(texts), values[0].size, values[1].size]
    key = (columns[0] * sizes[1] + columns[1]) * sizes[2] + columns[2]
    present, inverse = sorted_codes(key, partial(ev.count_distinct, call))
    bound = TEXTS_PER_COLUMN * ev.limits.max_columns
    if present.size > bound:
        raise call_error(call, f"its text and positions take {present.size:,} combinations, more texts than "
                         f"{bound:,} ({TEXTS_PER_COLUMN} times the limit max_columns); raise max_columns")
    t_code, rest = present // (sizes[1] * sizes[2]), present % (sizes[1] * sizes[2])
    hold_texts(ev, call, present.size, int(np.array([chars_bytes((t,)) for t in texts], dtype=np.int64)[t_code].sum()))
    out = [None if t == missing_text else cut(texts[t], values[0][f], values[1][s])
           for t, f, s in zip(t_code.tolist(), (rest // sizes[2]).tolist(), (rest % sizes[2]).tolist())]
    levels = tuple(sorted({t for t in out if t is not None}))
    position = {t: k for k, t in enumerate(levels)}
    remap = np.array([-1 if t is None else position[t] for t in out], dtype=np.intp)
    return FactorVec(remap[inverse.reshape(-1)], levels, text=True)


_SPACES = " \t\n\v\f\r"  # (C's isspace in the C locale: what strtol skips)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
#: the characters that are digits below each base (ASCII, either case), as C's strtol reads them
_BASE_DIGITS = {b: frozenset(_DIGITS[:b] + _DIGITS[10:b].upper()) for b in range(2, 37)}


def strtoi_text(text: str, base: int) -> float:
    """R's ``strtoi(text, base)``: C's strtol of the text -- white space skipped, a sign, a ``0x`` or ``0X``
    prefix for base 16 (base 0: hexadecimal after ``0x``, octal after ``0``, else decimal), ASCII digits and
    letters below the base -- NaN (R's NA) for an empty text, any character left over, or a value beyond R's
    integers (|v| > 2^31 - 1).  The digits are checked as a set and read by Python's int() only when there are few
    enough for R's integers (a text of ten million digits is read at C speed, not a character at a time)."""
    n, i = len(text), 0
    while i < n and text[i] in _SPACES:
        i += 1
    negative = i < n and text[i] == "-"
    if i < n and text[i] in "+-":
        i += 1
    if base in (0, 16) and text[i:i + 2] in ("0x", "0X") and text[i + 2:i + 3] in _BASE_DIGITS[16] and i + 2 < n:
        i, base = i + 2, 16
    elif base == 0:
        base = 8 if text[i:i + 1] == "0" else 10
    digits = text[i:]
    if not digits or not _BASE_DIGITS[base].issuperset(digits):
        return np.nan
    significant = digits.lstrip("0")
    if len(significant) > 32:  # (2^32 or more in any base from 2: beyond R's integers)
        return np.nan
    value = int(significant or "0", base)
    if value > 2**31 - 1:
        return np.nan
    return float(-value if negative else value)


def _strtoi(ev: "Evaluator", call: Call) -> Value:
    """R's ``strtoi(x, base = 0L)`` of each distinct text of x (:func:`strtoi_text`); base 2 to 36, or 0 (R 4.2's
    default: the base read from each text, C's rules)."""
    args = bind(call, ("x", "base"))
    base = 0
    if "base" in args:
        b = ev.eval(args["base"])
        if isinstance(b, (bool, np.bool_)) or not isinstance(b, (int, float)) or not np.isfinite(b) or \
                not (int(b) == 0 or 2 <= int(b) <= 36):
            raise call_error(call, "invalid 'base' argument (R's words): base must be one number from 2 to 36, or 0")
        base = int(b)  # (R's as.integer: 10.7 is 10)
    codes, texts = _texts(ev.eval(args["x"]), call, ev)
    if codes is None:  # (R's integers, written in full)
        return RInteger(strtoi_text(texts[0], base))
    values = np.array([strtoi_text(t, base) for t in texts[:-1]] + [np.nan], dtype=float)
    return NumVec(values[codes], integer=True)


def _nchar(ev: "Evaluator", call: Call) -> Value:
    """R's ``nchar(x)``: the number of characters of each value's text (NA where it is missing)."""
    value = ev.eval(bind(call, ("x",))["x"])
    codes, texts = _texts(value, call, ev)
    if codes is None:  # (R's integers, written in full)
        return RInteger(len(texts[0]))
    lengths = np.array([len(t) for t in texts[:-1]] + [np.nan], dtype=float)
    return NumVec(lengths[codes], integer=True)


def _flag(ev: "Evaluator", call: Call, args: dict, name: str) -> bool:
    if name not in args:
        return False
    v = ev.eval(args[name])
    if not isinstance(v, (bool, np.bool_)):
        raise call_error(call, f"{name} must be TRUE or FALSE, got {shown(v)}")
    return bool(v)


def _given(value: Value) -> str:
    """An argument that should have been one string, for a message (a column is no value to quote)."""
    return "a value per row" if isinstance(value, (FactorVec, NumVec)) else shown(value)


def _one_string(ev: "Evaluator", call: Call, node, what: str, example: str = '"^a"') -> str:
    value = ev.eval(node)
    if not isinstance(value, str):
        raise call_error(call, f"the {what} must be one string written in the formula, e.g. {example}, got "
                         f"{_given(value)}")
    return value


def _logical_of_texts(coded: tuple[np.ndarray | None, list[str]], test, missing: float) -> Value:
    """``test`` of each distinct text of an argument's (codes, texts) (:func:`_texts`), as R's logical vector:
    ``missing`` where the argument is missing (FALSE for grepl, NA for startsWith)."""
    codes, texts = coded
    if codes is None:
        return bool(test(texts[0]))
    found = np.array([test(t) for t in texts[:-1]] + [missing], dtype=float)
    return NumVec(found[codes], logical=True)


def _pattern(ev: "Evaluator", call: Call, args: dict) -> tuple[str, bool, bool, bool]:
    """The pattern and its ``ignore.case``, ``perl`` and ``fixed``, checked as grepl(), sub() and gsub() take them."""
    pattern = _one_string(ev, call, args["pattern"], "pattern")
    ignore_case, perl, fixed = (_flag(ev, call, args, k) for k in ("ignore.case", "perl", "fixed"))
    if _flag(ev, call, args, "useBytes"):
        raise call_error(call, "useBytes = TRUE is not supported (the texts are matched as characters)")
    if fixed and (ignore_case or perl):
        raise call_error(call, "fixed = TRUE matches the pattern's characters exactly: it takes neither "
                         "ignore.case = TRUE nor perl = TRUE (R ignores them with a warning)")
    return pattern, ignore_case, perl, fixed


def _compiled(ev: "Evaluator", call: Call, pattern: str, perl: bool, ignore_case: bool) -> Regex:
    try:
        return compile_regex(pattern, perl, ignore_case, ev.regex_budget)
    except FormulaError as e:
        raise call_error(call, str(e)) from None


def _searched_texts(ev: "Evaluator", call: Call, node) -> tuple[np.ndarray | None, list[str]]:
    """The distinct texts of an argument (:func:`_texts`), their characters counted before any is searched, with
    those of the formula's other calls (``FormulaLimits.max_regex_chars``; the argument evaluated once)."""
    codes, texts = _value_texts(ev, node, ev.eval(node), call)
    ev.regex_budget.search(shown(deparse(call)), sum(map(len, texts)))
    return codes, texts


def _grepl(ev: "Evaluator", call: Call) -> Value:
    """R's ``grepl(pattern, x, ignore.case = FALSE, perl = FALSE, fixed = FALSE)``: whether each value's text
    holds a match of the pattern (a regular expression read by :mod:`glmstat.formula.regex`, in time linear in
    the text; or, ``fixed``, the text itself), FALSE where x is missing, as R's."""
    args = bind(call, ("pattern", "x", "ignore.case", "perl", "fixed", "useBytes"), required=2)
    pattern, ignore_case, perl, fixed = _pattern(ev, call, args)
    match = (lambda t: pattern in t) if fixed else _compiled(ev, call, pattern, perl, ignore_case).search
    return _logical_of_texts(_searched_texts(ev, call, args["x"]), match, 0.0)


def replacement_template(text: str) -> str | tuple[str | int, ...]:
    """R's replacement text of a regular expression (TRE's reading): ``\\1`` to ``\\9`` are back-references to the
    pattern's groups, any other escaped character is that character (``\\0`` is ``0``).  The text, or where it has
    back-references a template: texts and group numbers, in order."""
    parts: list[str | int] = []
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            if text[i + 1] in "123456789":
                parts += ["".join(out), int(text[i + 1])]
                out = []
            else:
                out.append(text[i + 1])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out) if not parts else tuple(parts + ["".join(out)])


def _casefold(ev: "Evaluator", call: Call) -> Value:
    """R's ``casefold(x, upper = FALSE)``: ``tolower(x)``, or ``toupper(x)``."""
    a = bind(call, ("x", "upper"))
    upper = flag(ev.eval(a["upper"]), call, "upper") if "upper" in a else False
    return TEXT_FUNCTIONS["toupper" if upper else "tolower"](ev, Call("casefold", (a["x"],), (), call.pos))


def _sub(every: bool) -> Builtin:
    """R's ``sub(pattern, replacement, x)`` (``every``: ``gsub``): the leftmost-longest match of each distinct
    text replaced (every match, left to right), with ``ignore.case`` and ``fixed`` (a literal pattern and
    replacement); NA where x is missing.  ``\\1`` to ``\\9`` in the replacement are the texts of the pattern's
    groups, as R's TRE finds them (:mod:`glmstat.formula.regex_groups`; a group inside a repetition is refused with
    them).  ``perl = TRUE`` (PCRE's leftmost-first matches) and lazy quantifiers (their matches are shorter) are
    refused, and so is an empty pattern (R's result for it follows no rule: ``gsub("", "-", "a")`` is ``"-a-"``, of
    ``"abc"`` ``"-a-b-c"``)."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        args = bind(call, ("pattern", "replacement", "x", "ignore.case", "perl", "fixed", "useBytes"), required=3)
        pattern, ignore_case, perl, fixed = _pattern(ev, call, args)
        replacement = _one_string(ev, call, args["replacement"], "replacement")
        if not pattern:
            raise call_error(call, "the pattern is empty (R refuses it with fixed = TRUE and gives irregular "
                             "results without)")
        if fixed:
            count = -1 if every else 1

            def edit(t: str) -> str:
                found = t.count(pattern) if every else int(pattern in t)
                ev.regex_budget.write(pattern, found * len(replacement))
                return t.replace(pattern, replacement, count)
        else:
            if perl:
                raise call_error(call, "perl = TRUE is not supported here: PCRE replaces the leftmost-first match, "
                                 "R's default (used here) the leftmost-longest")
            rx = _compiled(ev, call, pattern, False, ignore_case)
            if rx.lazy:
                raise call_error(call, "a lazy quantifier (*?, +?, ??) is not supported here: it changes which "
                                 "characters a match replaces")
            text, budget = replacement_template(replacement), GroupBudget(pattern, ev.regex_budget)
            if not isinstance(text, str):
                try:
                    rx.check_template(text)  # (before any text: refused whatever the data)
                except FormulaError as e:
                    raise call_error(call, str(e)) from None
            edit = lambda t: rx.replace(t, text, every, budget)  # noqa: E731
        return _recoded_texts(_searched_texts(ev, call, args["x"]), edit, ev, call)
    return apply


def _affix(which: str) -> Builtin:
    """R's ``startsWith(x, prefix)`` / ``endsWith(x, suffix)``: NA where x is missing; numbers refused, as R
    refuses them."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        name = "prefix" if which == "start" else "suffix"
        args = bind(call, ("x", name), required=2)
        affix = _one_string(ev, call, args[name], name, '"a"')
        value = ev.eval(args["x"])
        if isinstance(value, NumVec) or not isinstance(value, (FactorVec, str)):
            raise call_error(call, "x must be text (as in R; as.character(x) writes numbers as text)")
        test = str.startswith if which == "start" else str.endswith
        coded = _texts(value, call, ev)
        return _logical_of_texts(coded, lambda t: test(t, affix), np.nan)
    return apply


#: name -> function, merged into the formula's functions (:data:`glmstat.formula.functions.BUILTINS`)
TEXT_FUNCTIONS: dict[str, Builtin] = {
    "as.character": _each_text(lambda t: t), "paste": _paste(" "), "paste0": _paste(None),
    "toupper": _each_text(r_upper), "tolower": _each_text(r_lower), "casefold": _casefold,
    "trimws": _trimws, "substr": _substr, "substring": _substring, "strtoi": _strtoi, "nchar": _nchar,
    "grepl": _grepl, "sub": _sub(False), "gsub": _sub(True), "startsWith": _affix("start"), "endsWith": _affix("end"),
}
