"""R's ``as.numeric()`` of text: each distinct text read as R's parser of numbers (``R_strtod``) reads it.

Accepted, around optional white space (space, tab, newline, vertical tab, form feed, carriage return): a sign;
decimal digits with an optional point and an exponent whose digits may be missing (``"1e"`` and ``"1e+"`` are 1,
as in R); hexadecimal ``0x1A`` with an optional binary exponent ``p3``; ``Inf``, ``infinity`` and ``NaN`` in any
case.  ``"NA"`` is missing.  Anything else -- ``"1,5"``, ``"TRUE"``, ``""``, ``"1_000"``, digits of other scripts
(which Python's ``float`` reads, R does not) -- is missing too, and counted in a warning, as R's "NAs introduced
by coercion".  A hexadecimal number with a point and a binary exponent (``0x1.8p1``) is read as R's parser reads
the literal (:func:`hex_literal_value`; more than 64 significant bits refused); what else R reads as one by
R_strtod's quirks (``0x.8``, which R 4.2 reads as 8, the point left out without an exponent; ``0xp2``, 0) is
refused, naming it.
A hexadecimal number beyond the doubles is R's (:func:`_hex_number`).  A decimal one is the double nearest it,
where R's sums its digits in a long double: of 3,000 random texts, two of 17 to 25 digits differ from R's by an
ulp, and a mantissa of more than 4,932 digits is Inf in R (with an exponent bringing it back, NaN or Inf where
the number is an ordinary one, ``4.5e193`` written with 5,000 digits) -- not copied.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .._arguments import shown, shown_items
from ..errors import DataError, FormulaWarning, warn_user
from .na_values import R_NA
from .values import FactorVec, NumVec

__all__ = ["HEX_LITERAL_BITS", "hex_literal_value", "r_text_number", "text_as_numbers"]

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]*)?\Z")
_HEX = re.compile(r"([+-]?)0[xX]([0-9a-fA-F]+)(?:[pP]([+-]?[0-9]+))?\Z")
#: a hexadecimal number with a point and a binary exponent (``0x1.8p1``); without the exponent R 4.2 leaves the
#: point out (``0x1.8`` is 24), which is not copied: such a text is missing
_HEX_POINT = re.compile(r"([+-]?)0[xX]([0-9a-fA-F]*)\.([0-9a-fA-F]*)[pP]([+-]?[0-9]+)\Z")
#: what else R_strtod reads as a hexadecimal number (digits and points, a binary exponent with or without digits),
#: by rules glmstat does not copy
_HEX_QUIRK = re.compile(r"[+-]?0[xX][0-9a-fA-F.]+(?:[pP][+-]?[0-9]*)?\Z|[+-]?0[xX][pP][+-]?[0-9]*\Z")
_SPECIAL = {"inf": math.inf, "infinity": math.inf, "nan": math.nan}
_WHITE = " \t\n\v\f\r"
#: hexadecimal digits read as an integer at most (16^250 = 2^1000, below the largest double)
_HEX_DIGITS = 250


def r_text_number(text: str) -> float | None:
    """The number R's ``as.numeric`` reads in ``text`` (NaN for ``"NA"``), or None where R gives NA with its
    coercion warning."""
    t = text.strip(_WHITE)
    if t == "NA":
        return R_NA
    sign = -1.0 if t[:1] == "-" else 1.0
    word = t.lstrip("+-") if t[:1] in "+-" and t[1:2] not in "+-" else t
    if word.lower() in _SPECIAL:
        return sign * _SPECIAL[word.lower()]
    if _DECIMAL.match(t):
        mantissa, _, exponent = t.replace("E", "e").partition("e")
        return float(mantissa + ("e" + exponent if exponent.lstrip("+-") else ""))
    m = _HEX.match(t)
    if m:
        return _hex_number(m.group(1) == "-", m.group(2), m.group(3) or "0")
    m = _HEX_POINT.match(t)
    if m and (m.group(2) or m.group(3)):  # (a point and a binary exponent: R's parser's literal, read alike)
        value = hex_literal_value(m.group(2), m.group(3), m.group(4))
        if value is None:
            raise DataError(f"the text {shown(text)} is a hexadecimal number of more than {HEX_LITERAL_BITS} "
                            "significant bits, which R reads digit by digit in a long double (its rounding is not "
                            "reproduced here); write it with fewer digits")
        return -value if m.group(1) == "-" else value
    if _HEX_QUIRK.match(t):
        raise DataError(f"the text {shown(text)} is a hexadecimal number that R 4.2 reads by a quirk of R_strtod (a "
                        "point without a binary exponent left out, \"0x1.8\" read as 24; no digits read as 0; after "
                        "several points only the last counts), which glmstat does not copy; write it as 0x1.8p0 (1.5) "
                        "or 0x18 (24)")
    return None


def _long_double_rounds_up(m: int) -> bool:
    """Whether ``m``, of 16,384 bits, rounds to 2^16384 with a long double's 64 bits (to nearest, ties to even)."""
    drop = m.bit_length() - 64
    top, rest = m >> drop, m & ((1 << drop) - 1)
    half = 1 << (drop - 1)
    return top == (1 << 64) - 1 and (rest > half or (rest == half and top & 1 == 1))


def _hex_number(negative: bool, digits: str, exponent: str) -> float:
    """``0x<digits>p<exponent>`` as R_strtod computes it: the digits in a long double (x87's, Inf from 2^16384), the
    binary exponent's digits read while it is below 9999 (its leading zeros count for nothing), 2^exponent
    computed as a double (Inf from 2^1024), and the one divided or multiplied by the other.  So beyond the doubles
    it is Inf, or 0 (``0x1p-1074`` is 0 in R, not the smallest subnormal), or NaN (Inf / Inf: a million digits and
    the exponent -1000000); a text of a thousand digits (or an exponent of five thousand, which Python's int()
    refuses to read) is a number all the same."""
    digits = digits.lstrip("0") or "0"
    sign = -1.0 if negative else 1.0
    if digits == "0":  # (R: "allow big exponents on 0")
        return sign * 0.0
    n = 0
    for d in exponent.lstrip("+-").lstrip("0")[:6]:  # (R's MAX_EXPONENT_PREFIX: digits are read while n < 9999)
        if n >= 9999:
            break
        n = n * 10 + int(d)
    bits = 4 * len(digits) - 4 + int(digits[0], 16).bit_length()  # (the mantissa is below 2^bits)
    mantissa_inf = bits > 16384 or (bits == 16384 and _long_double_rounds_up(int(digits, 16)))
    factor_inf = n >= 1024
    if exponent.startswith("-"):
        if factor_inf:
            return math.nan if mantissa_inf else sign * 0.0
        if mantissa_inf:
            return sign * math.inf
        e = -n
    else:
        if mantissa_inf or factor_inf:
            return sign * math.inf
        e = n
    if len(digits) > _HEX_DIGITS:  # (the leading digits carry every bit a double keeps)
        e, digits = e + 4 * (len(digits) - _HEX_DIGITS), digits[:_HEX_DIGITS]
    try:
        value = math.ldexp(float(int(digits, 16)), e)
    except OverflowError:
        value = math.inf
    return sign * value


#: the significant bits of a hexadecimal literal with a point or a binary exponent that glmstat reads: R's long
#: double holds them exactly (beyond, R rounds at each digit, which is not reproduced: such a literal is refused)
HEX_LITERAL_BITS = 64


def hex_literal_value(digits: str, fraction: str | None, exponent: str | None) -> float | None:
    """The value R's parser gives the hexadecimal literal ``0x<digits>.<fraction>p<exponent>`` (``0x1.8p1``,
    ``0xAp-2``; ``fraction`` None without a point, ``exponent`` None without ``p``, as R_strtod computes it), or
    None where its significant bits, from the first 1 to the last, are more than :data:`HEX_LITERAL_BITS`.

    R reads every digit into a long double, M (exact below 2^64), counts 4 bits a digit after the point, h, reads
    the binary exponent's digits while it is below 9999, e, and takes M 2^(e - h) with a factor 2^|.| computed as a
    double (Inf from 2^1024): M / 2^|e - h| (or M 2^(e - h)), rounded to a double once; where e - h is below -122,
    M / 2^h first and then the factor of e alone.  So ``0x1p-1074`` and ``0x1.8p-1074`` are 0 in R (their factor
    2^1074 is Inf), ``0x1.0000000000001p-1022`` the subnormal it names, ``0x1p1024`` Inf.
    """
    whole = (digits + (fraction or "")).lstrip("0")
    significant = whole.rstrip("0")  # (trailing zeros: 16 ans is exact in the long double, whatever their number)
    if len(significant) > HEX_LITERAL_BITS // 4 + 1:  # (each digit 4 bits: no int of a long text made)
        return None
    m = int(significant or "0", 16)
    if m == 0:  # (R: "allow big exponents on 0")
        return 0.0
    if m.bit_length() - ((m & -m).bit_length() - 1) > HEX_LITERAL_BITS:  # (its bits from the first 1 to the last)
        return None
    n = 0
    for d in (exponent or "").lstrip("+-").lstrip("0")[:6]:  # (R's MAX_EXPONENT_PREFIX, as _hex_number)
        if n >= 9999:
            break
        n = n * 10 + int(d)
    e = -n if (exponent or "").startswith("-") else n
    h = 4 * len(fraction or "")
    if h > 0 and e - h < -122:  # (R's PR#17199 branch: M / 2^h, then the factor of e alone)
        factor_inf, total = abs(e) >= 1024, e - h
        negative = e < 0
    else:
        total = e - h
        factor_inf, negative = abs(total) >= 1024, total < 0
    if factor_inf:
        return 0.0 if negative else math.inf
    total += 4 * (len(whole) - len(significant))  # (M is m 16^zeros)
    try:  # (Python's int true division and float() of an int round once, to nearest even, as the cast does)
        return m / (1 << -total) if total < 0 else float(m << total)
    except OverflowError:
        return math.inf


def text_as_numbers(f: FactorVec, what: str) -> NumVec:
    """``as.numeric`` of the text vector ``f``: each distinct text read once (:func:`r_text_number`), missing where
    it reads as no number, with R's warning naming how many and which (``what``: the call)."""
    try:
        read = [r_text_number(str(level)) for level in f.levels]
    except DataError as e:  # (a text read otherwise than R reads it: refused, naming the call)
        raise DataError(f"{what}: {e}") from None
    bad = [str(level) for level, v in zip(f.levels, read) if v is None]
    # (R's NA where a text reads as no number, or is missing; "NaN" is NaN: as.numeric's NA and NaN, apart)
    values = np.array([R_NA if v is None else v for v in read] + [R_NA], dtype=float)
    out = values[np.where(f.codes >= 0, f.codes, len(f.levels))]
    if bad:
        rows = int(np.isin(f.codes, [i for i, v in enumerate(read) if v is None]).sum())
        warn_user(f"{what}: {rows:,} value(s) read as no number and became NA, as R's 'NAs introduced by "
                  f"coercion' (the texts {shown_items(bad, 5)}); their rows are dropped as missing",
                  FormulaWarning)
    return NumVec(out, na_exact=True)
