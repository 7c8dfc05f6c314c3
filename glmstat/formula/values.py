"""What a formula's expressions evaluate to: plain numbers and codes, never pandas or user objects.

* :class:`NumVec` -- a float64 vector (NaN = missing); ``logical`` when it holds R's TRUE/FALSE (a
  comparison, ``!``, ``&``, a boolean column), which a model codes as a two-level factor, as R does; ``integer``
  when it is R's integer type (a data column of integers within R's range, ``as.integer()``, ``nchar()``,
  integer arithmetic), whose numbers are the same doubles but written in full, as R writes an integer
  (``100000``, where the double is ``1e+05``): a factor of it has Python ints as its levels;
* :class:`FactorVec` -- integer codes (-1 = missing) into ``levels``, ``ordered`` as R's ordered factors,
  with the contrasts asked for by ``C()`` (None: R's default, treatment or polynomial);
* :class:`NumMat` -- several numeric columns from one expression (``poly(x, 2)``, ``bs(x, df = 4)``);
* scalars (``float``, ``str``, ``bool``) and tuples of them (``c(1, 2)``) for literals and arguments; R's integer
  literal ``5L`` (and ``1:3``, ``seq_len()``) is an :class:`RInteger`, a float written in full.

A data column of dates (Python's ``datetime.date``, Arrow's ``date32``) is a :class:`NumVec` marked ``date``, R's
Date.  A column of date-times (``datetime64``, with or without a time zone) is no value: only the date functions
reach it, as :class:`DateTimes` (:func:`date_times_of`).

A data column becomes a value through :func:`column_value`; nothing of the column object (a pandas Series,
an object with methods) survives into the formula's reach.
"""

from __future__ import annotations

import decimal
import fractions
from dataclasses import dataclass
from typing import Any, Union

import math
import re

import numpy as np
import pandas as pd

from .._arguments import real_type, shown
from ..errors import DataError
from ..printable import first_unwritable
from ..report.rformat import format_number
from .na_values import R_NA, is_r_na

__all__ = ["NumVec", "FactorVec", "NumMat", "Value", "Scalar", "column_value", "missing_mask", "take_rows",
           "NUMBER_TEXT", "reads_as_number",
           "label_text", "level_texts", "r_text", "factor_from_labels", "align_by_label", "check_number_types",
           "object_missing", "DoubleLevels", "levels_with_texts",
           "levels_positions", "DateTimes", "date_times_of", "NALevel", "NA_LEVEL",
           "RInteger", "R_INT_MAX", "integer_levels", "is_integer_value", "is_r_integer"]


@dataclass(frozen=True, eq=False)
class NumVec:
    values: np.ndarray  # float64, shape (n,)
    logical: bool = False
    #: a data column of integers some of which no double holds (beyond 2^53): what the column holds, for the
    #: refusal of a factor or a comparison of it, which would merge distinct integers (None: exact)
    inexact: str | None = None
    #: R's Date: days since 1970-01-01 (glmstat.formula.date_functions)
    date: bool = False
    #: R's integer type (a data column of integers within R's range, ``as.integer()``, ``nchar()``...): the values
    #: are the same doubles, only their text differs -- R writes an integer in full (``as.character(100000L)`` is
    #: "100000", a double 100000 "1e+05"), in factor levels, coefficient names, paste() and sprintf("%s")
    integer: bool = False
    #: whether a missing value's NaN payload says exactly whether it is R's NA or NaN (glmstat.formula.na_values): a
    #: data column of doubles, whose missing values are made R's NA, and arithmetic and ifelse() of such values
    #: and literals; otherwise a missing value is NA where a column the value reads is missing (its text "NA")
    na_exact: bool = False


@dataclass(frozen=True, eq=False)
class DateTimes:
    """A data column of date-times, R's POSIXct, as the date functions read it (``as.Date``, ``as.numeric``,
    ``format``, ``months``, ``weekdays``, ``quarters``, ``julian``): never a value of its own.

    ``seconds`` since 1970-01-01 00:00 UTC (a time without a zone taken as UTC, as R's ``tz = "UTC"``);
    ``days`` and ``clock``, the date (days since 1970-01-01) and the whole seconds into that day on the clock of
    the column's own time zone ``zone`` (None: none, UTC's clock); ``utc_days`` the date on UTC's clock.  NaN where
    the column is missing (NaT).
    """

    seconds: np.ndarray
    days: np.ndarray
    clock: np.ndarray
    utc_days: np.ndarray
    zone: str | None


#: nanoseconds of pandas' date-time units
_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def date_times_of(raw: Any) -> DateTimes | None:
    """The date-times of a column's stored array (numpy ``datetime64``, pandas' with a time zone, Arrow's
    timestamps), or None for any other column."""
    dtype = getattr(raw, "dtype", None)
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        t = dtype.pyarrow_dtype
        if not pa.types.is_timestamp(t):
            return None
        import pyarrow.compute as pc

        # (the instants' integers through the Arrow protocol, a missing one as NaT's: pandas 2.0 cannot convert
        # Arrow's timestamps with a time zone to numpy's)
        ints = pc.fill_null(pc.cast(pa.array(raw), pa.int64()), np.iinfo(np.int64).min)
        raw = pd.array(np.asarray(ints.to_numpy(zero_copy_only=False), dtype=np.int64).view(f"M8[{t.unit}]"))
        if t.tz:  # (Arrow keeps UTC instants: localized to UTC, then shown on the zone's clock)
            raw = raw.tz_localize("UTC").tz_convert(t.tz)
    elif isinstance(raw, np.ndarray) and raw.dtype.kind == "M":
        raw = pd.array(raw)
    elif not isinstance(raw, pd.arrays.DatetimeArray):
        return None
    if raw.unit not in _UNIT_NS:  # (pandas 2 holds s, ms, us and ns only)
        return None
    per_second = 10**9 // _UNIT_NS[raw.unit]
    missing = np.asarray(raw.isna())
    instants = raw.asi8  # (UTC for a column with a time zone)
    wall = raw.tz_localize(None).asi8 if raw.tz is not None else instants
    per_day = 86400 * per_second
    days = (wall // per_day).astype(float)
    clock = ((wall % per_day) // per_second).astype(float)
    utc_days = (instants // per_day).astype(float)
    seconds = instants / per_second
    for a in (days, clock, utc_days, seconds):
        a[missing] = np.nan
    return DateTimes(seconds, days, clock, utc_days, None if raw.tz is None else str(raw.tz))


class RDate(float):
    """One date, days since 1970-01-01: R's Date of one element (a column of them is a NumVec marked ``date``)."""

    __slots__ = ()


@dataclass(frozen=True, eq=False)
class FactorVec:
    codes: np.ndarray  # intp, shape (n,), -1 = missing
    levels: tuple
    ordered: bool = False
    #: "treatment", "sum", "helmert", "poly", a Reference or a ContrastMatrix (glmstat.formula.contrasts); None: R's
    #: default for the kind
    contrasts: Any = None
    keep_unused: bool = False  # logicals keep both levels, as R's model.matrix codes them
    #: R's character vector rather than a factor: a text function's result (as.character, paste, substr, an
    #: ifelse() of strings...), whose as.numeric() reads each text as a number (a factor's gives its level
    #: codes).  A data column of strings is a factor, as R's read.csv(stringsAsFactors = TRUE) reads it.
    text: bool = False


@dataclass(frozen=True, eq=False)
class NumMat:
    values: np.ndarray  # float64, shape (n, k)
    suffixes: tuple[str, ...]


class NALevel(str):
    """R's NA as a factor's level (``addNA(x)``, ``factor(x, exclude = NULL)``): its text is ``"NA"``, as R writes
    it in coefficient names (``addNA(x)NA``), and it sorts after every other level, as R puts it last.  A str, so
    that what reads levels as texts reads it; its own type, so that the level order knows it from a text "NA"
    (which a factor holding it is refused beside: their coefficients would have one name)."""

    __slots__ = ()

    def __reduce__(self):  # (one value: the level of every model that holds it)
        return (NALevel, ("NA",))


#: the NA level (:class:`NALevel`)
NA_LEVEL = NALevel("NA")


Scalar = Union[float, str, bool]
Value = Union[NumVec, FactorVec, NumMat, float, str, bool, tuple]


def label_text(level: Any) -> str:
    """A level as text (R prints ``TRUE``/``FALSE`` for logicals; formulaic's names use ``True``); a double
    as R's ``as.character`` writes it (:func:`number_text`), an integer (a Python or numpy int, or
    :class:`RInteger`: R's integer type) in full, as R writes its integers (``100000``, where the double is
    ``1e+05``)."""
    if isinstance(level, (bool, np.bool_)):
        return str(bool(level))
    if isinstance(level, RInteger):
        return str(int(level)) if level == level else "NA"
    if isinstance(level, (float, np.floating)):
        return number_text(float(level))
    return str(level)


def r_text(value: Any) -> str:
    """A value as R's ``as.character`` writes it: ``TRUE``/``FALSE`` for a logical, a double to 15 significant
    digits (:func:`number_text`), an integer (a Python or numpy int, :class:`RInteger`) in full, a text as it
    is."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer, RInteger)):
        return label_text(value if isinstance(value, RInteger) else int(value))
    return value if isinstance(value, str) else label_text(float(value))


class RInteger(float):
    """One value of R's integer type (``5L``, a level of an integer column written by ``sprintf``): a float, so
    that every computation reads it as the number it is, written in full as R writes an integer
    (:func:`label_text`)."""

    __slots__ = ()

    def __reduce__(self):
        return (RInteger, (float(self),))


#: R's integers: -2147483647 to 2147483647 (-2^31 is R's NA_integer_)
R_INT_MAX = 2**31 - 1


def is_integer_value(v: Any) -> bool:
    """Whether ``v`` is of R's integer type: a NumVec marked ``integer`` or an :class:`RInteger`."""
    return isinstance(v, RInteger) or (isinstance(v, NumVec) and v.integer)


def integer_levels(uniques: np.ndarray) -> tuple:
    """The sorted distinct values (whole doubles within R's integers) of an integer-marked column as a factor's
    levels: Python ints, which :func:`label_text` writes in full, as R writes an integer's level."""
    return tuple(uniques.astype(np.int64).tolist())


def is_r_integer(values: np.ndarray) -> bool:
    """Whether the doubles ``values`` (NaN: missing) are all whole numbers within R's integers, as R's integer
    type holds them."""
    with np.errstate(invalid="ignore"):
        present = values[~np.isnan(values)]
        return bool(np.all(np.abs(present) <= R_INT_MAX)) and bool(np.all(present == np.trunc(present)))


def level_texts(level: Any) -> tuple[str, ...]:
    """The texts a string literal in a formula matches ``level`` by: its label, and for a logical also R's
    ``as.character`` of it (``"TRUE"``, ``"FALSE"``: ``b %in% "TRUE"``, ``factor(b, levels = c("TRUE",
    "FALSE"))`` and ``relevel(factor(b), ref = "TRUE")`` are R's, whose levels of a logical are those)."""
    if isinstance(level, (bool, np.bool_)):
        return (label_text(level), r_text(level))
    return (label_text(level),)


def number_text(v: float) -> str:
    """A double as R writes it in ``as.character`` and ``deparse`` (so in factor levels and term labels): 15
    significant digits, the fewest that keep its 15-digit value, in fixed notation unless scientific is narrower
    (``100000`` is ``1e+05``, ``0.1 + 0.2`` is ``0.3``, ``1e-04``)."""
    if v.is_integer() and abs(v) < 1e5:  # (fixed notation is the narrower: the common case, without formatting)
        return str(int(v))
    if math.isnan(v):  # (R's NA, of the formula's NA through arithmetic: "NA"; another NaN, computed: "NaN")
        return "NA" if is_r_na(v) else "NaN"
    return format_number(v, 15)


def number_level_key(v: float) -> str:
    """The key that tells apart the numbers R's ``factor()`` keeps apart: R's levels are texts
    (:func:`number_text`), so numbers alike to 15 significant digits are one level (0.1 + 0.2 and 0.3) -- unless
    R writes them in fixed notation with more digits, as it does whole numbers of 16 digits or more
    (1234567890123456 and 1234567890123457 are two levels; 1000000000000001 and 1e15 one, "1e+15").  Below 1e15
    fixed notation has at most 15 significant digits, and the 15-digit value (cheaper than the text) decides;
    above, the text's own rule, without formatting it."""
    v = float(v)
    digits15 = f"{v:.14e}"
    if not abs(v) >= 1e15 or math.isinf(v):  # (R's levels Inf and -Inf, and NaN: "inf", "nan" have no exponent)
        return digits15
    # R's formatReal: fixed notation (every integer digit, as "%.0f" writes them) when it is no wider than
    # scientific with the significant digits of the 15-digit value (number_text's rule, without its cost)
    mantissa, exponent = digits15.lstrip("-").split("e")
    nsig = len((mantissa[0] + mantissa[2:]).rstrip("0")) or 1
    power = int(exponent)
    sci_width = (nsig + 1 if nsig > 1 else 1) + (4 if power < 100 else 5)
    return f"{v:.0f}" if power + 1 <= sci_width else digits15


def _is_double(level: Any) -> bool:
    """Whether ``level`` is a double, whose text (:func:`number_text`) is the costly one to write (not R's
    integer, :class:`RInteger`, written in full)."""
    return isinstance(level, (float, np.floating)) and not isinstance(level, RInteger)


def _text_window(p: float) -> float:
    """How far from ``p`` (finite, not 0) a double may lie whose text (:func:`number_text`) reads as ``p``: its
    text is it rounded to 15 significant digits, less than half a unit of the 15th digit, 10^(e - 14) for ``p``
    of the decade e, away.  One decade more, so that ``log10`` rounding at a power of ten cannot narrow it, and
    at least a few of the smallest subnormals."""
    return max(10.0 ** (math.floor(math.log10(abs(p))) - 13), 2e-323)


@dataclass(frozen=True, eq=False)
class DoubleLevels:
    """A factor's levels, its doubles sorted by value, to find the levels whose text or 15-digit value is a given
    one by writing the texts of the few doubles near it only (``factor(x) == "1"`` on a million distinct doubles
    wrote a million texts, 10 s).  A text is its double rounded to 15 significant digits (or the whole number in
    full), so only doubles within :func:`_text_window` of the number the text reads as can be written as it.  The
    other levels (texts, logicals, integers: their texts cost nothing) are left to the caller: ``others``."""

    levels: tuple | np.ndarray  # (an array: distinct doubles, sorted -- of_sorted)
    values: np.ndarray  # float64: the doubles among the levels, sorted (NaN last)
    index: np.ndarray  # intp: the position in ``levels`` of each of ``values``
    others: np.ndarray  # intp: the positions of the levels that are not doubles, ascending

    @classmethod
    def of(cls, levels: tuple) -> "DoubleLevels":
        """The doubles among ``levels``, found and sorted without writing a level's text."""
        if set(map(type, levels)) <= {float}:  # (a factor of numbers: no Python loop over its levels)
            values = np.array(levels, dtype=float).reshape(-1)
            is_double = np.ones(values.shape[0], dtype=bool)
        else:
            is_double = np.fromiter(map(_is_double, levels), dtype=bool, count=len(levels))
            values = np.array([float(lv) if d else np.nan for lv, d in zip(levels, is_double)], dtype=float)
        index = np.flatnonzero(is_double)
        order = np.argsort(values[index], kind="stable")
        return cls(levels, values[index][order], index[order], np.flatnonzero(~is_double))

    @classmethod
    def of_sorted(cls, values: np.ndarray) -> "DoubleLevels":
        """Distinct doubles already sorted (NaN last), as :func:`~glmstat.formula.value_codes.sorted_codes` gives
        them, taken as levels as they are: no tuple of a Python float each, nor its sorted copies (``x %in% c("1.5")``
        of a million distinct doubles held 2.8 times its price with them, a float of 32 bytes a value)."""
        return cls(values, values, np.arange(values.shape[0]), np.empty(0, dtype=np.intp))

    def near(self, p: float) -> np.ndarray:
        """The positions (ascending) of the doubles within :func:`_text_window` of ``p`` (the NaNs for NaN): all
        that a text reading as ``p``, or a number alike to ``p`` to 15 significant digits, can be."""
        if math.isnan(p):
            found = self.index[np.isnan(self.values)]
        else:
            w = _text_window(p) if math.isfinite(p) and p != 0 else 0.0
            lo = np.searchsorted(self.values, p - w, side="left")
            hi = np.searchsorted(self.values, p + w, side="right")
            found = self.index[lo:hi]
        return np.sort(found)

    def with_text(self, text: str) -> np.ndarray:
        """The positions (ascending) of the doubles that R's ``as.character`` writes as ``text``: of those near
        the number ``text`` reads as, the texts written and compared (``" 1"`` reads as 1, and no text is it)."""
        if not self.index.size:
            return self.index
        try:
            p = float(text)
        except ValueError:  # (no double's text: "a")
            return np.empty(0, dtype=np.intp)
        near = self.near(p)
        keep = [number_text(float(self.levels[i])) == text for i in near.tolist()]
        return near[np.array(keep, dtype=bool)] if near.size else near

    def with_key(self, v: float) -> np.ndarray:
        """The positions (ascending) of the doubles that are one level with the number ``v`` in R
        (:func:`number_level_key`): of those near it, the keys compared."""
        if not self.index.size:
            return self.index
        key = number_level_key(v)
        near = self.near(float(v))
        keep = [number_level_key(self.levels[i]) == key for i in near.tolist()]
        return near[np.array(keep, dtype=bool)] if near.size else near


def levels_with_texts(levels: tuple, texts: set, texts_of: Any = None) -> np.ndarray:
    """Which of ``levels`` have one of ``texts`` among their texts (``texts_of``, :func:`level_texts` by
    default; a double's only text is :func:`number_text`'s), as a boolean array (:func:`levels_positions`)."""
    return ~np.isnan(levels_positions(levels, dict.fromkeys(texts, 1), texts_of))


def levels_positions(levels: tuple, first: dict[str, int], texts_of: Any = None) -> np.ndarray:
    """For each of ``levels``, the least position ``first[t]`` of its texts ``t`` (``texts_of``, :func:`level_texts`
    by default; a double's only text is :func:`number_text`'s), NaN where ``first`` has none of them (R's
    ``match()`` of the levels' texts in a table whose first value of each text is at ``first[text]``): the doubles
    among them found by :class:`DoubleLevels`, in time linear in the levels with the texts of a few written."""
    texts_of = level_texts if texts_of is None else texts_of
    kinds = set(map(type, levels)) if texts_of is level_texts else None
    written = None
    if kinds is not None and kinds <= {str}:  # (texts, each its own only text: hashed)
        written = levels
    elif kinds is not None and kinds <= {int} and levels and max(map(abs, levels)) < 2**63:
        # (integers, written by numpy as str() writes them: a million categories of a Categorical, 2 s one by one)
        written = np.array(levels, dtype=np.int64).astype(str)
    if written is not None:
        at = pd.Index(list(first), dtype=object).get_indexer(pd.Index(written, dtype=object))
        return np.append(np.array(list(first.values()), dtype=float), np.nan)[at]  # (-1, no such text: NaN)
    found = DoubleLevels.of(levels)
    pos = np.full(len(levels), np.nan)
    for i in found.others.tolist():
        pos[i] = min((first[t] for t in texts_of(levels[i]) if t in first), default=np.nan)
    for text, p in sorted(first.items(), key=lambda item: -item[1]):  # (the least position written last)
        pos[found.with_text(text)] = p
    return pos


def level_sort_key(v: Any) -> tuple:
    """The key of the level order: numbers by value first, then texts by code point, as R sorts them in the C
    locale (the one R's references are made in; in a UTF-8 locale R's ICU collation ignores case first)."""
    if isinstance(v, NALevel):  # (R's NA level: last)
        return (2, 0.0, "")
    return (0, float(v), "") if real_type(v) and not isinstance(v, bool) \
        else (1, 0.0, str(v))


#: Up to this many labels a factor's levels are found by a Python set and sort rather than pandas.factorize.
_FEW_LABELS = 32

#: pandas before 3.1 hashes Python strings as C strings, to their first NUL: its factorize made "" and "\x00"
#: (and "a\x00b", "a\x00c") one level, the first one's
_NUL_COLLAPSES = tuple(int(p) if p.isdigit() else 0 for p in pd.__version__.split(".")[:2]) < (3, 1)


def factorized_exactly(present: np.ndarray, codes: np.ndarray, uniques) -> bool:
    """Whether pandas' factorize of the Python strings ``present`` gave each its own value (see _NUL_COLLAPSES:
    one comparison a row, where pandas hashes them as C strings)."""
    if not _NUL_COLLAPSES:
        return True
    back = np.asarray(uniques, dtype=object)[np.asarray(codes)]
    try:
        return bool(np.all(back == np.asarray(present, dtype=object)))
    except (TypeError, ValueError):  # (values whose == is not a truth value: factorize's answer stands)
        return True


def factorize_in_order(values: Any) -> tuple[np.ndarray, Any]:
    """``pd.factorize(values, sort=False)`` (codes, -1 where missing, and the values in order of first
    appearance), also before pandas 3.1 for texts that differ only after a NUL (see _NUL_COLLAPSES): where its
    answer merged two, the codes are made again by a Python dict."""
    codes, uniques = pd.factorize(values, sort=False)
    if not _NUL_COLLAPSES or not (getattr(values, "dtype", None) == object
                                  or isinstance(getattr(values, "dtype", None), pd.StringDtype)):
        return codes, uniques
    texts = np.asarray(values.to_numpy(dtype=object) if hasattr(values, "to_numpy") else values, dtype=object)
    present = codes >= 0
    if factorized_exactly(texts[present], codes[present], uniques):
        return codes, uniques
    seen: dict = {}
    codes = np.array([seen.setdefault(v, len(seen)) if p else -1 for v, p in zip(texts.tolist(), present.tolist())],
                     dtype=np.intp)
    order = np.empty(len(seen), dtype=object)
    order[:] = list(seen)
    return codes, order


def factor_from_labels(labels: np.ndarray, missing: np.ndarray | None = None) -> FactorVec:
    """A factor of ``labels`` (an object or string array) with sorted levels, as R's ``factor()``."""
    if missing is None:
        missing = pd.isna(labels)
        missing = np.asarray(missing, dtype=bool)
    ok = ~missing
    codes = np.full(labels.shape[0], -1, dtype=np.intp)
    if ok.any():
        present = labels[ok]
        uniques = None
        if present.shape[0] > _FEW_LABELS:  # (for a few rows, as a one-row prediction, hashing costs more)
            try:
                c, uniques = pd.factorize(present, sort=True)
            except TypeError:  # mixed types
                uniques = None
            if uniques is not None and not factorized_exactly(present, c, uniques):
                uniques = None
        if uniques is None:  # numbers before texts, texts in code-point order (as factorize sorts them)
            uniques = sorted(set(present.tolist()), key=level_sort_key)
            index = {u: i for i, u in enumerate(uniques)}
            c = np.fromiter((index[v] for v in present), dtype=np.intp, count=present.shape[0])
        codes[ok] = c
        levels = tuple(u.item() if hasattr(u, "item") else u for u in uniques)
    else:
        levels = ()
    return FactorVec(codes, levels)


#: the numbers an object column may hold: converting one to a float runs no code of the data's
NUMBER_TYPES = frozenset({float, int, decimal.Decimal, fractions.Fraction})


def object_missing(what: str, values: np.ndarray) -> np.ndarray:
    """``pd.isna`` of an object array; a value that signals when compared with itself (pandas' test compares
    a ``Decimal("sNaN")`` with itself) is a :class:`DataError` naming ``what``.  (pandas 2.0's test swallows the
    signal -- it prints "Exception ignored" and calls the value present -- so Decimals are looked at first.)"""
    flat = values.ravel()
    try:
        if pd.api.types.infer_dtype(flat, skipna=False) in _MAY_HOLD_DECIMALS and any(
                isinstance(v, decimal.Decimal) and v.is_snan() for v in flat):
            raise ArithmeticError
        return np.asarray(pd.isna(values), dtype=bool)
    except ArithmeticError:
        raise DataError(f"{what} holds a value that cannot be compared with itself, a signalling NaN such as "
                        "Decimal('sNaN'); make it a missing value or convert it to floats") from None


#: pandas' kinds of an object array that may hold a Decimal
_MAY_HOLD_DECIMALS = frozenset({"decimal", "mixed", "mixed-integer"})


def _is_number_type(t: type) -> bool:
    """Whether values of the type ``t`` are Python's or numpy's own numbers (not a subclass, not a bool)."""
    return t in NUMBER_TYPES or (issubclass(t, np.number) and t.__module__ == "numpy")


def check_number_types(what: str, present: np.ndarray) -> None:
    """Refuse values of ``present`` (an object array without missing values) of another type than Python's and
    numpy's own numbers (a subclass of float, a string): converting them calls their ``__float__``, code that
    came with the data, whose result would replace the value.  ``what`` names them in the message."""
    for t in set(map(type, present)):
        if not _is_number_type(t):
            raise DataError(
                f"{what} holds values of the type {shown(t.__qualname__)}, which glmstat does not convert to "
                "numbers (a float subclass's conversion is code of its own, a string is text); convert them to "
                "floats first, e.g. with .astype(float)")


_EXACT = 2.0 ** 53  # every integer up to 2^53 in magnitude is a double; beyond, neighbours share one


def _integer_marks(name: str, ints: np.ndarray, values: np.ndarray) -> dict:
    """The marks of an integer column (``values``, ``ints`` converted): ``inexact`` (:func:`_inexact_integers`)
    and ``integer``, R's integer type, when every value lies within R's integers -- as R's ``read.csv`` reads
    whole numbers (2147483648 is a double in R, written so).  One pass finds the largest magnitude."""
    peak = float(np.abs(values).max()) if values.size else 0.0
    inexact = _inexact_integers(name, ints, values) if not peak < _EXACT else None
    return {"inexact": inexact, "integer": peak <= R_INT_MAX}


def _inexact_integers(name: str, ints: np.ndarray, values: np.ndarray) -> str | None:
    """What makes the integer column ``name`` inexact as doubles (``values``, ``ints`` converted): its first
    integer beyond 2^53 that no double holds (an id such as 9007199254740993 reads as 9007199254740992, one
    level with its neighbour), or None when every integer is held exactly.  ``ints`` is a numpy integer array,
    or an object array of Python ints (of any size)."""
    big = np.flatnonzero(np.abs(values) >= _EXACT)  # (2^53 itself may be 2^53 + 1 rounded)
    if not big.size:
        return None
    v, k = values[big], ints[big]
    if k.dtype == object:  # (Python compares an int with a float exactly)
        same = np.asarray(k == v.astype(object), dtype=bool)
    else:
        fits = v < float(np.iinfo(k.dtype).max)  # (that bound rounds up to 2^63 or 2^64, beyond every integer)
        same = np.zeros(big.size, dtype=bool)
        same[fits] = v[fits].astype(k.dtype) == k[fits]
    bad = np.flatnonzero(~same)
    if not bad.size:
        return None
    j = bad[0]
    return (f"the column {shown(name)} holds integers beyond 2^53 that a double cannot tell apart "
            f"({int(k[j])} reads as {int(v[j])})")


#: Significant digits of a decimal that its double always tells apart from any other such decimal (C's DBL_DIG)
_DECIMAL_DIGITS = 15


def _inexact_objects(name: str, present: np.ndarray, values: np.ndarray) -> str | None:
    """What makes the object column ``name`` of numbers (``present``, without its missing values; ``values`` their
    doubles) inexact as doubles, as :func:`_inexact_integers` says of integers: its first Python int beyond 2^53 or
    Decimal of more than 15 significant digits that no double holds (ids of ``decimal128(38, 0)``, 10^30 + 1 reading
    as 1e+30, one level with 10^30 + 2), or None.  Value by value, so that each chunk of streamed rows is judged
    alike; a decimal of at most 15 significant digits (an amount of money, 12.50) is told apart by its double."""
    for v, f in zip(present, values):
        t = type(v)
        if t is int:
            exact = not abs(f) >= _EXACT or int(f) == v
        elif t is decimal.Decimal and v.is_finite():
            digits = "".join(map(str, v.as_tuple().digits)).rstrip("0")
            exact = len(digits) <= _DECIMAL_DIGITS or decimal.Decimal(float(f)) == v
        else:
            continue
        if not exact:
            text = str(v)
            return (f"the column {shown(name)} holds numbers that a double cannot tell apart "
                    f"({text if len(text) <= 60 else text[:60] + '...'} reads as {float(f)!r})")
    return None


def _check_category_types(name: str, categories: list) -> None:
    """Refuse categories (of an object dtype) that are not text, logical values or Python's and numpy's own
    numbers, as an object column is refused: a level is written as text, and another object's text is code
    that came with the data (its ``__str__`` ran for every level); and integers beyond double precision,
    whose text Python refuses to write past 4,300 digits (a ValueError, not a refusal)."""
    what = f"the categories of the Categorical column {shown(name)}"
    for t in set(map(type, categories)):
        if not (t is str or t is bool or t is np.bool_ or _is_number_type(t)):
            raise DataError(f"{what} hold values of the type {shown(t.__qualname__)}; a factor's levels must be "
                            "text, numbers or logical values (convert them first)")
    for c in categories:
        if type(c) is int and not -_DOUBLE_MAX <= c <= _DOUBLE_MAX:
            raise DataError(f"{what} hold an integer too large for double precision (of {c.bit_length():,} bits)")


_DOUBLE_MAX = float(np.finfo(np.float64).max)
#: A column of pandas' strings of at least this many rows is factorized by its array (Arrow's hashing); a
#: shorter one, a one-row prediction's, by its labels (the same levels and codes).
ARRAY_FACTORIZE_ROWS = 1024


def _text_levels(name: str, f: FactorVec) -> FactorVec:
    """``f``, whose levels are a column's texts, or a :class:`DataError` naming the column when one is not valid
    text -- a lone surrogate, which Python's JSON reader makes of an escape such as ``"\\ud800"`` and a file
    name decoded with ``surrogateescape`` holds: no UTF-8 writes it, and the coefficient names and tables of
    pandas' Arrow-backed strings failed on it with a raw UnicodeEncodeError (R's strings cannot hold one)."""
    try:
        bad = first_unwritable(f.levels)  # (texts alone, the common case: no filter of a million levels)
    except TypeError:  # (a Categorical's numbers or logical values among them)
        bad = first_unwritable([v for v in f.levels if isinstance(v, str)])
    if bad is not None:
        raise DataError(f"column {shown(name)} holds a value that is not valid text (a lone surrogate): "
                        f"{shown(bad)}; replace or drop it")
    return f


#: the forms of a number written as text that the checks of levels reading as numbers recognise (no "1_000",
#: "0x1f", "inf", "nan"); ASCII digits and blanks only (\d matched Arabic-Indic digits, which pandas' to_numeric
#: then refused with a ValueError); every character has one way to match (\d+\.?\d* splits a run of digits two
#: ways at each digit: a level of 4,000 digits and a letter took 0.44 s to reject, quadratically more for longer
#: ones)
NUMBER_TEXT = r"^[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*$"
_NUMBER_RE = re.compile(NUMBER_TEXT)


def reads_as_number(text: str) -> bool:
    """Whether ``text`` is a number written as R writes one (:data:`NUMBER_TEXT`)."""
    return _NUMBER_RE.match(text) is not None


def _doubles(values: np.ndarray) -> NumVec:
    """A data column of doubles as a value: its missing values R's NA (a copy where there are any; the column is
    not changed), so that arithmetic carries them as R does, apart from the NaN computed from numbers."""
    missing = np.isnan(values)
    if missing.any():
        values = np.where(missing, R_NA, values)
    return NumVec(values, na_exact=True)


def column_value(name: str, raw: Any) -> NumVec | FactorVec:
    """The value of the data column ``name`` (its stored array: an ndarray or a pandas extension array)."""
    if isinstance(raw, pd.Categorical):
        cats = raw.categories
        # (Python scalars in one call: iterating a million Arrow-backed strings one by one took 2.5 s; an object
        # index may hold numpy scalars, made Python's as before)
        levels = cats.tolist()
        if not (cats.dtype.kind in "iufb" or isinstance(cats.dtype, pd.StringDtype)):
            if cats.dtype == object:  # (an interval, date or period dtype holds pandas' own values)
                _check_category_types(name, levels)
            levels = [c.item() if hasattr(c, "item") else c for c in levels]
        return _text_levels(name, FactorVec(np.asarray(raw.codes, dtype=np.intp), tuple(levels), bool(raw.ordered)))
    dtype = getattr(raw, "dtype", None)
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "iu":
        values = raw.astype(np.float64)
        return NumVec(values, **_integer_marks(name, raw, values))
    if isinstance(raw, np.ndarray) and raw.dtype.kind == "f":
        return _doubles(raw if raw.dtype == np.float64 else raw.astype(np.float64))
    if isinstance(raw, np.ndarray) and raw.dtype.kind == "b":
        return NumVec(raw.astype(np.float64), logical=True)
    if dtype is not None and pd.api.types.is_bool_dtype(dtype):
        return NumVec(np.asarray(raw.to_numpy(dtype=float, na_value=np.nan)), logical=True)
    if dtype is not None and pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        values = np.asarray(raw.to_numpy(dtype=float, na_value=np.nan))
        if pd.api.types.is_integer_dtype(dtype):  # (pandas' nullable Int64, UInt64...)
            present = ~np.isnan(values)
            ints = np.asarray(raw[present].to_numpy(dtype=dtype.numpy_dtype))
            return NumVec(values, **_integer_marks(name, ints, values[present]))
        return _doubles(values)
    if isinstance(dtype, pd.StringDtype):  # (text by its dtype, pandas' default for strings: nothing to infer)
        # (factorized by the array itself, Arrow's hashing and sort (code-point order, as factor_from_labels
        # sorts texts): a Python string made for each row took 70 bytes and 0.25 us a row -- 1.1 GB and 2.7 s
        # for new data of 10 million rows of a level the model never saw, before the level was refused)
        try:
            # (a few rows: the hashing's own setup, 0.1 ms, costs more; Python's strings before pandas 3.1: see
            # _NUL_COLLAPSES)
            if len(raw) < ARRAY_FACTORIZE_ROWS or (_NUL_COLLAPSES and dtype.storage == "python"):
                f = factor_from_labels(np.asarray(raw.to_numpy(dtype=object), dtype=object),
                                       np.asarray(raw.isna(), dtype=bool))
            else:
                codes, uniques = pd.factorize(raw, sort=True)
                f = FactorVec(np.asarray(codes, dtype=np.intp), tuple(uniques.tolist()))
        except Exception as e:  # (pyarrow's ArrowException: bytes that are not UTF-8, decoded only here)
            if not type(e).__module__.startswith("pyarrow"):
                raise
            raise DataError(f"column {shown(name)} holds bytes that are not UTF-8 text (damaged or forged data)"
                            ) from None
        return _text_levels(name, f)
    values = np.asarray(raw, dtype=object)
    missing = object_missing(f"column {shown(name)}", values)
    present = values[~missing]
    kind = pd.api.types.infer_dtype(present, skipna=False) if present.size else "empty"
    if kind in ("string", "empty"):
        return _text_levels(name, factor_from_labels(values, missing))
    if kind == "date":  # (Python's dates, Arrow's date32 read by pandas: R's Date, days since 1970-01-01)
        out = np.full(values.shape[0], np.nan)
        out[~missing] = present.astype("datetime64[D]").astype(np.int64)
        return NumVec(out, date=True)
    if kind == "boolean":
        out = np.full(values.shape[0], np.nan)
        out[~missing] = present.astype(bool)
        return NumVec(out, logical=True)
    # (pandas calls a column of Fractions, or of Decimals with floats or ints, "mixed": numbers all the same, as
    # they are in weights= and offset=)
    if kind in ("integer", "floating", "mixed-integer-float", "decimal") or (
            kind in ("mixed", "mixed-integer") and all(map(_is_number_type, set(map(type, present))))):
        check_number_types(f"column {shown(name)}", present)
        out = np.full(values.shape[0], np.nan)
        try:
            out[~missing] = present.astype(float)
        except (TypeError, ValueError, OverflowError, ArithmeticError) as e:  # (Decimal("sNaN") signals)
            raise DataError(f"column {shown(name)} holds numbers that are not usable as floats") from e
        if kind == "integer":  # (Python ints, of any size: exact, as an int64 column is)
            return NumVec(out, **_integer_marks(name, present, out[~missing]))
        return NumVec(out, inexact=None if kind == "floating" else _inexact_objects(name, present, out[~missing]))
    raise DataError(_unusable_objects(name, kind, present))


#: pandas' kinds of an object column of dates that are no R Date (Python's dates are) and of time spans
_DATE_KINDS = frozenset({"period"})
_SPAN_KINDS = frozenset({"timedelta", "timedelta64"})


def _unusable_objects(name: str, kind: str, present: np.ndarray) -> str:
    """Why an object column whose values are neither numbers, booleans nor strings is refused: dates and time
    spans as a column of their own dtype is (which unit?), complex numbers, one other type, or a mixture."""
    if kind in ("datetime", "datetime64"):  # (Python's datetimes, pandas' Timestamps in an object column)
        return (f"column {shown(name)} holds date-times as Python objects of the type {type(present[0]).__name__}; "
                "make it a datetime64 column (pd.to_datetime), which as.Date(), as.numeric(), format(), months() and "
                "weekdays() in the formula read")
    if kind in _DATE_KINDS or kind in _SPAN_KINDS:
        what = "dates" if kind in _DATE_KINDS else "time spans"
        return (f"column {shown(name)} holds {what} (Python objects of the type {type(present[0]).__name__}); "
                "convert them to numbers in a unit you choose (e.g. days since a reference date) or to strings "
                "for a factor" + ("; as strings, as.Date() in the formula reads them as R's dates" if what == "dates"
                                  else ""))
    if kind == "complex":
        return f"column {shown(name)} holds complex numbers; a GLM needs real numbers"
    kinds = sorted({type(v).__name__ for v in present[:1000].tolist()})
    held = (f"values of the type {kinds[0]}" if len(kinds) == 1
            else f"a mixture of values of the types {', '.join(kinds)}")
    return (f"column {shown(name)} holds {held}; a column must hold numbers, booleans or strings (convert it, e.g. "
            "with .astype(str) for a factor)")


def align_by_label(values: Any, index: pd.Index, what: str, aligned: str) -> Any:
    """``values`` (one value per row of the data whose row labels are ``index``) in the data's row order: a
    pandas Series is aligned by its labels, as pandas aligns it; anything else is used by position.

    A Series whose labels are not the data's (unique, same number, every one present) is refused with a
    :class:`DataError` naming ``what``: pairing its values with the rows by position would be silently wrong.
    ``aligned`` shows how to pass it aligned (``weights=s.reindex(data.index)``).
    """
    if not isinstance(values, pd.Series) or values.index.equals(index):
        return values
    if not (values.index.is_unique and len(values) == len(index) and values.index.isin(index).all()):
        raise DataError(
            f"{what} is a Series whose index does not match the data's index; align it first "
            f"(e.g. {aligned}) or pass its values (s.to_numpy()) to use them by position"
        )
    return values.reindex(index)


def missing_mask(value: Value, n: int) -> np.ndarray:
    """Rows where ``value`` is missing (NaN or a missing level)."""
    if isinstance(value, NumVec):
        return np.isnan(value.values)
    if isinstance(value, FactorVec):
        return value.codes < 0
    if isinstance(value, NumMat):
        return np.isnan(value.values).any(axis=1)
    return np.zeros(n, dtype=bool)


def fill_missing(value: Value) -> Value:
    """``value`` with its missing entries given a value: 0, or a factor's first level.  For a variable whose
    every design column is aliased (coefficient 0 in a prediction), whose values then do not matter."""
    if isinstance(value, NumVec) and np.isnan(value.values).any():
        return NumVec(np.nan_to_num(value.values, nan=0.0), value.logical, integer=value.integer)
    if isinstance(value, FactorVec) and (value.codes < 0).any():
        return FactorVec(np.maximum(value.codes, 0), value.levels, value.ordered, value.contrasts,
                         value.keep_unused, value.text)
    if isinstance(value, NumMat) and np.isnan(value.values).any():
        return NumMat(np.nan_to_num(value.values, nan=0.0), value.suffixes)
    return value


def take_rows(value: Value, rows: np.ndarray | None) -> Value:
    """``value`` on the rows ``rows`` (positions; None: all)."""
    if rows is None:
        return value
    if isinstance(value, NumVec):
        return NumVec(value.values[rows], value.logical, integer=value.integer)
    if isinstance(value, FactorVec):
        return FactorVec(value.codes[rows], value.levels, value.ordered, value.contrasts, value.keep_unused,
                         value.text)
    if isinstance(value, NumMat):
        return NumMat(value.values[rows], value.suffixes)
    return value
