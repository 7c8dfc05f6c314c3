"""CSV files read as R's ``read.csv`` reads them: only ``NA`` is missing, and each column of text typed as R's
``type.convert`` types it -- numbers as R's number reader (``R_strtod``) reads them (hexadecimal, empty
exponents, C white space), ``TRUE``/``FALSE``/``T``/``F`` as logical values, blanks as NA in a column of numbers
or logical values and as the level ``""`` in a column of text.  The command line reads its CSV files so.
"""

from __future__ import annotations

import math
import mmap
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ._arguments import shown
from .csv_rows import place
from .errors import DataError

__all__ = ["EXACT_FLOATS", "read_fields", "refuse_nul", "r_column_types", "r_number"]

#: pandas' options that read each number written as the double nearest to it, as R's ``R_strtod`` does (for many
#: digits it calls C's correctly rounded strtod): before pandas 3 the default parser is faster and not exact
#: ("0.69999999999999996" was read as 0.6999999999999998 at pandas 2.0, not 0.7); pandas 3 reads exactly and
#: deprecates the option
EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def read_fields(path: Path, after: tuple[list[str], int] | None, columns: list[str] | None) -> pd.DataFrame:
    """The rows of the CSV file ``path`` as pandas reads them with only ``NA`` and blanks missing, the columns of
    text that hold a missing value and those pandas read as logical read again as text (R keeps a blank of a
    text column as the level "", and R's logical values are not pandas'); ``after`` and ``columns`` as
    :func:`_read_csv`'s.  pandas' errors pass through."""
    data = _read_csv(path, after, columns, ["NA", ""])  # (numbers with blanks: parsed by pandas)
    again = _text_with_missing(data) + _pandas_logical(data)
    if again:
        text = _read_csv(path, after, again, ["NA"], as_text=True)
        for c in again:
            data.isetitem(data.columns.get_loc(c), text[c])
    _integers_with_missing(path, after, data)
    return data


#: R's integer field (type.convert): C white space, a sign, decimal digits (no point, exponent or "0x")
_R_INTEGER = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+[ \t\n\v\f\r]*", re.ASCII)


def _integers_with_missing(path: Path, after: tuple[list[str], int] | None, data: pd.DataFrame) -> None:
    """Make pandas' nullable integers (Int64) of the columns that R's ``read.csv`` reads as integers but pandas,
    for a missing value, as floats: every field a whole number written without a point or exponent, within R's
    integers, or missing.  R writes an integer in full (its levels, ``paste()``: "100000", a double's "1e+05")."""
    maybe = [c for c, dtype in data.dtypes.items() if dtype.kind == "f" and _whole_within_r_integers(data[c])]
    if not maybe:
        return
    text = _read_csv(path, after, maybe, ["NA", ""], as_text=True)
    for c in maybe:
        fields = text[c].dropna()
        if fields.str.fullmatch(_R_INTEGER).all():
            data.isetitem(data.columns.get_loc(c), data[c].astype("Int64"))


def _whole_within_r_integers(column: pd.Series) -> bool:
    """Whether a column of floats holds a missing value and whole numbers within R's integers only."""
    values = column.to_numpy()
    present = values[~np.isnan(values)]
    return bool(0 < present.size < values.size and np.all(np.abs(present) <= 2**31 - 1)
                and np.all(present == np.trunc(present)))


def refuse_nul(path: Path, data: pd.DataFrame) -> None:
    """Refuse a CSV file whose header or fields hold a NUL character: pandas keeps it inside the field, so a
    stray NUL made a column of numbers a factor (its every value a level) and a UTF-16 file's names unmatched,
    where R's ``read.csv`` warns and cuts the field at the NUL.  Said by position only (the content is not
    quoted, as for the other unreadable files)."""
    where = [f"the header (column {j + 1})" for j, name in enumerate(data.columns) if "\x00" in str(name)][:1]
    for j, dtype in enumerate(data.dtypes):
        if where:
            break
        if not _is_text(dtype):  # (before the column is taken: 200,000 columns of numbers took 25 s to take)
            continue
        column = data.iloc[:, j]
        # (an object column may hold Python ints: pandas' integers beyond 64 bits, which have no .str)
        if pd.api.types.infer_dtype(column, skipna=True) == "string":
            held = column.str.contains("\x00", regex=False, na=False).to_numpy(dtype=bool)
            if held.any():
                where.append(f"row {int(np.argmax(held)) + 1}, column {j + 1}")
    if not where:  # (pandas before 3 cuts a field at a NUL, as R does but silently: "2\x00" was read as 2)
        where = _nul_in_file(path)
    if where:
        raise DataError(f"cannot read {shown(str(path), 300)} as CSV: {where[0]} holds a NUL character (is it UTF-16 "
                        "text, or damaged?); save it as UTF-8 text")


def _nul_in_file(path: Path) -> list[str]:
    """Where the file's first NUL byte is (as :func:`refuse_nul` says it), or nothing: found with one pass of
    memchr over the mapped file, placed by its rows' line ends and its row's commas outside quoted fields, counted
    in numpy (:func:`glmstat.csv_rows.place`; blank lines are no rows, as R's ``read.csv`` skips them)."""
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return []
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as text:
            at = text.find(b"\x00")
            if at < 0:
                return []
            row, column = place(text, at)
    return [f"the header (column {column + 1})" if row == 0 else f"row {row}, column {column + 1}"]


def _read_csv(path: Path, after: tuple[list[str], int] | None, columns: list[str] | None,
              missing: list[str], as_text: bool = False) -> pd.DataFrame:
    """pandas' rows of the CSV file ``path`` with only the fields ``missing`` missing, as R's ``read.csv`` reads
    ``NA`` (its ``na.strings``): pandas' defaults also read ``None``, ``null``, ``N/A``, ``NaN`` and ``nan`` as
    missing, so a factor level ``None`` (Cars93's AirBags, written by R's write.csv) lost its rows.  ``after``:
    the names of the columns and the byte offset of the rows after the header (None: pandas reads the header);
    ``columns``: those to read (None: every one); ``as_text``: every field read as text."""
    options = {"compression": None, "keep_default_na": False, "na_values": missing, "usecols": columns,
               **EXACT_FLOATS}
    if as_text:
        options["dtype"] = str
    if after is None:  # (no decompression: a small file stays small)
        return pd.read_csv(path, **options)
    with open(path, "rb") as fh:
        # (the rows after the header, named as read: pandas renamed repeats in quadratic time, and ``usecols``
        # names must be the ones given)
        fh.seek(after[1])
        return pd.read_csv(fh, header=None, names=after[0], **options)


def _is_text(dtype) -> bool:
    """Whether a column of this dtype holds text (pandas' object or string dtypes)."""
    return dtype.kind in "OU" or pd.api.types.is_string_dtype(dtype)


def _text_with_missing(data: pd.DataFrame) -> list:
    """The columns of text that hold a missing value (a blank or ``NA``)."""
    return [c for c, dtype in data.dtypes.items()
            if _is_text(dtype) and data[c].isna().any()]


def _pandas_logical(data: pd.DataFrame) -> list:
    """The columns pandas read as logical values: it reads ``True``, ``true`` and ``TRUE`` (and their
    ``False``) as one value, where R's ``type.convert`` reads only ``TRUE``, ``FALSE``, ``T`` and ``F`` as
    logical and keeps ``true`` and ``True`` as text (a column of ``TRUE`` and ``true`` has two levels)."""
    return [c for c, dtype in data.dtypes.items()
            if dtype.kind == "b" or (dtype.kind == "O" and _holds_bools(data[c]))]


def _holds_bools(column: pd.Series) -> bool:
    """Whether an object column holds Python or NumPy logical values (pandas' logical with missing values)."""
    values = column.dropna().to_numpy(dtype=object)
    return len(values) > 0 and pd.api.types.infer_dtype(values, skipna=True) == "boolean"


#: C's white space (isspace), which R's number reader skips before a number and allows after it (not Unicode's:
#: a no-break space or an em space makes a field text in R)
_C_SPACE = " \t\n\v\f\r"
#: R's decimal numbers (R_strtod): digits with an optional point, then an exponent whose digits may be absent
#: ("1e" and "1e+" are 1), or NaN, Inf or Infinity in any case, each with an optional sign.  (Digits after the
#: point only after a point: "[0-9]+\.?[0-9]*" can split a run of digits in as many ways as it is long, and a
#: field of 30,000 digits and a letter took 20 s to refuse.)
_R_DECIMAL = re.compile(r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?([0-9]*))?|nan|inf|infinity)",
                        re.IGNORECASE | re.ASCII)
#: R's hexadecimal numbers (R_strtod): "0x" then hex digits and points (each point restarts the count of
#: fraction digits, which only a binary exponent "p" uses), then an optional exponent whose digits may be absent
_R_HEX = re.compile(r"([+-]?)0[xX]([0-9a-fA-F.]*)(?:[pP]([+-]?[0-9]*))?", re.ASCII)
#: R's logical values (type.convert: "true" or "True" makes the column text)
_R_LOGICAL = {"TRUE": True, "FALSE": False, "T": True, "F": False}


def r_number(text: str) -> float | None:
    """The number R's ``type.convert`` reads in the field ``text``, or None when R reads it as text.

    R's reader (``R_strtod``) skips C white space on both sides and reads decimal numbers, NaN, Inf and
    Infinity in any case, an exponent without digits (``1e`` is 1) and hexadecimal numbers with an optional
    binary exponent (``0x1A`` is 26, ``0x1p3`` is 8); a field that starts with ``NA`` after the white space
    (``NAN``, `` NA``) is text, not NaN (R tests for ``NA`` before the sign).  Python's ``float()`` reads
    Unicode digits and spaces, and neither hexadecimal numbers nor empty exponents.
    """
    core = text.strip(_C_SPACE)
    if not core or core.startswith("NA"):
        return None
    lead = text.lstrip(_C_SPACE)
    unsigned = lead[1:] if lead[:1] in ("+", "-") else lead
    if len(unsigned) > 2 and unsigned[:2] in ("0x", "0X"):  # (R's test, trailing white space counted)
        return _r_hex(core)
    match = _R_DECIMAL.fullmatch(core)
    if match is None:
        return None
    if match.group(1) == "":  # (an exponent without digits: R reads it as e0)
        core = core + "0"
    return float(core)


def _r_hex(core: str) -> float | None:
    """The hexadecimal number ``core`` (sign, ``0x``, more than one character after it) as R's ``R_strtod``
    reads it, or None when R reads the field as text; too large a number is infinite, as in R."""
    match = _R_HEX.fullmatch(core)
    if match is None:
        return None
    sign, digits, power = match.groups()
    mantissa = int(digits.replace(".", "") or "0", 16)
    exponent = 0
    if power is not None:  # (R subtracts the fraction's bits only when there is a binary exponent: 0x1.8 is 24)
        exponent = _exponent(power) - (4 * len(digits.rpartition(".")[2]) if "." in digits else 0)
    try:
        value = math.ldexp(float(mantissa), exponent) if mantissa else 0.0
    except OverflowError:
        value = math.inf
    return -value if sign == "-" else value


def _exponent(text: str) -> int:
    """The exponent ``text`` (sign and digits, either may be absent: 0), held within +-10**6, beyond which
    every hexadecimal mantissa is infinite or zero (Python's int() refuses more than 4,300 digits)."""
    digits = text.lstrip("+-").lstrip("0")
    size = int(digits or "0") if len(digits) <= 7 else 10**7
    return -min(size, 10**6) if text.startswith("-") else min(size, 10**6)


def r_column_types(data: pd.DataFrame) -> pd.DataFrame:
    """The columns of text of a CSV file (read with only ``NA`` missing in them) typed as R's ``read.csv``
    types them (``type.convert``), :func:`_r_typed`."""
    for j, dtype in enumerate(data.dtypes):
        if _is_text(dtype):
            typed = _r_typed(data.iloc[:, j])
            if typed is not None:
                data.isetitem(j, typed)
    return data


def _r_typed(column: pd.Series) -> np.ndarray | None:
    """A column of text as R's ``type.convert`` reads it: numbers or blanks as floats (:func:`r_number`),
    R's logical values or blanks as logical values (an object array of True, False and NaN, as pandas holds a
    logical with missing values), or None: text, a blank the level ``""``.  A field of white space alone is
    blank, as R's ``isBlankString`` tests it."""
    values = column.to_numpy(dtype=object)
    missing = pd.isna(values)
    if pd.api.types.infer_dtype(values[~missing], skipna=False) != "string":
        return None
    # (pandas' string methods: a million fields stripped one by one in Python took 0.3 s)
    blank = missing | column.str.strip(_C_SPACE).eq("").fillna(False).to_numpy(dtype=bool)
    filled = values[~blank]
    if column[~blank].isin(list(_R_LOGICAL)).all():
        logical = np.array([_R_LOGICAL[v] for v in filled], dtype=bool)
        if not blank.any():
            return logical  # (as pandas holds a logical column without missing values)
        out = np.full(values.shape, np.nan, dtype=object)
        out[~blank] = logical
        return out
    # (each distinct text read once: a 10 MB file of two million rows "0x3" or "7e", which pandas leaves as text,
    # took 10 s read one by one in Python)
    codes, distinct = pd.factorize(filled)
    numbers = np.empty(len(distinct))
    for k, v in enumerate(distinct):
        number = r_number(v)
        if number is None:
            return None
        numbers[k] = number
    out = np.full(values.shape, np.nan)
    out[~blank] = numbers[codes]
    return out
