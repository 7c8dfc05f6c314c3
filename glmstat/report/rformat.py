"""Number formatting as R prints it (``format``, ``format.pval``, ``zapsmall``), for R-like summaries, and
names made printable as R's ``encodeString`` makes them (every name written into text output passes it).

The display rules built on these (significance codes, table cells, digits per kind of table) live in
:mod:`glmstat.report.display`.

R formats a vector with a *common* layout: the fewest significant digits (at most ``digits``) that show
every element to ``digits`` significant digits, in fixed notation unless scientific notation is narrower.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Sequence

import numpy as np

__all__ = ["format_r", "format_pval", "zapsmall", "encode_string"]

_C_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r"}
#: characters that move the cursor, start a terminal escape sequence, reorder text (bidi) or are invisible
#: (zero-width, BOM): control, format, line/paragraph separator, lone surrogate
_UNPRINTABLE = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))


def _escape_char(ch: str) -> str:
    if ch in _C_ESCAPES:
        return _C_ESCAPES[ch]
    k = ord(ch)
    if k < 0x80:  # the rest of C0, and DEL: R's octal
        return f"\\{k:03o}"
    return f"\\u{k:04x}" if k <= 0xFFFF else f"\\U{k:08x}"


def encode_string(text: object, *, backslash: bool = True) -> str:
    """``text`` as R's ``encodeString(x, quote = "")`` prints it: safe to write to a terminal.

    ``\\a \\b \\t \\n \\v \\f \\r`` become those escapes, the other C0 controls and DEL three-digit octal
    (``\\033``), C1 controls ``\\u0085`` (R in a UTF-8 locale); bidi and other format characters (U+200B-U+200F,
    U+202A-U+202E, U+2066-U+2069, U+FEFF...), line and paragraph separators and lone surrogates ``\\uXXXX``
    too (R prints those raw; escaped here so a name cannot reorder or hide text).

    Parameters
    ----------
    text : the name, level or label (``str()`` of anything else).
    backslash : escape ``\\`` as ``\\\\``, as ``encodeString`` does, so every escape reads back unambiguously.
        ``False`` for text that is already R source or already escaped (a deparsed call, a message quoting
        names with ``repr``), whose backslashes are escapes of their own.

    Returns
    -------
    str
        The text with every such character replaced by its escape (unchanged when it has none).
    """
    s = str(text)
    if s.isprintable() and not (backslash and "\\" in s):  # the common case: nothing to escape
        return s
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\" if backslash else ch)
        elif unicodedata.category(ch) in _UNPRINTABLE:
            out.append(_escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def _sig(x: float, digits: int) -> tuple[int, int]:
    """(significant digits needed, decimal exponent) of |x| rounded to ``digits`` significant digits."""
    if x == 0:
        return 1, 0
    s = f"{abs(x):.{digits - 1}e}"
    mant, exp = s.split("e")
    mant = mant.replace(".", "").rstrip("0")
    return max(1, len(mant)), int(exp)


def format_r(values: Sequence[float], digits: int = 7, na: str = "NA") -> list[str]:
    """R's ``format(x, digits=digits)`` for a numeric vector (common width, right-justified)."""
    vals = [float(v) + 0.0 for v in values]  # + 0.0 turns -0.0 into 0.0, as R prints it
    if not vals:
        return []
    finite = [v for v in vals if math.isfinite(v)]
    if not finite:
        out = [na if math.isnan(v) else ("Inf" if v > 0 else "-Inf") for v in vals]
        w = max(len(s) for s in out)
        return [s.rjust(w) for s in out]
    info = [_sig(v, digits) for v in finite]
    neg = any(v < 0 for v in finite)
    # fixed notation
    left = max(max(e + 1, 1) for _, e in info)
    rgt = max(max(ns - e - 1, 0) for ns, e in info)
    w_fixed = neg + left + (rgt > 0) + rgt
    # scientific notation
    mxns = max(ns for ns, _ in info)
    big_exp = any(abs(e) >= 100 for _, e in info)
    w_sci = neg + (mxns + 1 if mxns > 1 else mxns) + (5 if big_exp else 4)
    if w_fixed <= w_sci:
        body = [f"{v:.{rgt}f}" if math.isfinite(v) else None for v in vals]
    else:
        body = []
        for v in vals:
            if not math.isfinite(v):
                body.append(None)
                continue
            m, e = f"{v:.{mxns - 1}e}".split("e")
            body.append(f"{m}e{int(e):+03d}")
    out = [b if b is not None else (na if math.isnan(v) else ("Inf" if v > 0 else "-Inf")) for b, v in zip(body, vals)]
    w = max(len(s) for s in out)
    return [s.rjust(w) for s in out]


def format_pval(pv: Sequence[float], digits: int = 3, eps: float = np.finfo(float).eps) -> list[str]:
    """R's ``format.pval``: values below ``eps`` print as ``<2e-16``."""
    pv = [float(p) for p in pv]
    out = [""] * len(pv)
    ok = [i for i, p in enumerate(pv) if not math.isnan(p)]
    tiny = [i for i in ok if pv[i] < eps]
    rest = [i for i in ok if pv[i] >= eps]
    def expo(p: float) -> int:
        return math.floor(math.log10(p if p > 0 else 1e-50))

    fixp = [i for i in rest if expo(pv[i]) >= -3 or (expo(pv[i]) == -4 and digits > 1)]
    sci = [i for i in rest if i not in fixp]
    for group in (fixp, sci):
        if group:
            for i, s in zip(group, format_r([pv[i] for i in group], digits)):
                out[i] = s
    if tiny:
        d = max(1, digits - 2)
        if rest:
            nc = max(len(out[i]) for i in rest)
            if d > 1 and d + 6 > nc:
                d = max(1, nc - 7)
            sep = "" if d == 1 and nc <= 6 else " "
        else:
            sep = "" if d == 1 else " "
        e = format_r([eps], d)[0].strip()
        for i in tiny:
            out[i] = f"<{sep}{e}"
    for i, p in enumerate(pv):
        if math.isnan(p):
            out[i] = "NA"
    return out


def zapsmall(x: np.ndarray, digits: int) -> np.ndarray:
    """R's ``zapsmall``: round so that values tiny next to the largest become 0."""
    x = np.asarray(x, dtype=float)
    fin = np.abs(x[np.isfinite(x)])
    mx = fin.max() if fin.size else 0.0
    # R 4.2: round(x, digits - log10(mx)), and round() takes floor(digits + 0.5) decimals
    d = max(0, int(math.floor(digits - math.log10(mx) + 0.5))) if mx > 0 else digits
    return np.round(x, d)

