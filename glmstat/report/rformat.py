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

from ..formula.rounding import r_round
from ..printable import escape_unprintable

__all__ = ["format_r", "format_number", "format_pval", "zapsmall", "encode_string", "display_width", "pad_left",
           "pad_right", "cut_label", "MAX_TABLE_LABEL", "abbreviate"]

#: The most characters of a label a padded table (the text, Markdown and LaTeX of a summary or of compare()) writes:
#: every row is padded to the longest label, so a level of a million characters among 1,000 made a summary of a
#: gigabyte (a MemoryError past 3 GB) from a 2 MB file.
MAX_TABLE_LABEL = 1000


def cut_label(label: object, limit: int = MAX_TABLE_LABEL) -> str:
    """``label`` as text of at most ``limit`` characters and ``...``: a longer one cut there (see
    :data:`MAX_TABLE_LABEL`).

    Parameters
    ----------
    label : object
        A row or column label (its ``str()``).
    limit : int
        The characters kept.

    Returns
    -------
    str
    """
    text = label if isinstance(label, str) else str(label)
    return text if len(text) <= limit else text[:limit] + "..."


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
    return escape_unprintable(str(text), backslash=backslash)


def _char_width(ch: str) -> int:
    """The columns one character takes on a terminal, as R's ``Ri18n_wcwidth``: 0 for combining marks (and the
    Hangul medial vowels and final consonants, which join the syllable before them), 2 for East Asian wide and
    full-width characters, 1 for the rest."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me") or "\u1160" <= ch <= "\u11ff":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """The columns ``text`` takes on a terminal, as R's ``nchar(text, type = "width")``, by which R's print pads
    names and cells: ``"温度"`` takes 4, ``"cafe\u0301"`` 4 (``len`` counts 2 and 5, and columns padded by it
    no longer line up)."""
    if text.isascii():  # the common case: one column a character
        return len(text)
    return sum(_char_width(ch) for ch in text)


def pad_left(text: str, width: int) -> str:
    """``text`` right-justified in ``width`` terminal columns (:func:`display_width`), as ``str.rjust`` pads
    ASCII."""
    return " " * max(0, width - display_width(text)) + text


def pad_right(text: str, width: int) -> str:
    """``text`` left-justified in ``width`` terminal columns (:func:`display_width`), as ``str.ljust`` pads
    ASCII."""
    return text + " " * max(0, width - display_width(text))


_KP_MAX = 22  # R's table of powers of ten in format.c


def _scientific(x: float, digits: int) -> tuple[int, int, int, bool]:
    """R's ``scientific()`` (format.c) for one finite x: (is negative, decimal exponent, significant digits
    needed, rounding widens), with |x| rounded to ``digits`` significant digits.  "Rounding widens" when
    that rounding carries into a new power of ten that fixed notation, with its decimals, does not reach
    (9996 at 3 digits is 1e+04, but 9996 in fixed notation)."""
    if x == 0:
        return 0, 0, 1, False
    r = abs(x)
    mant, exp = f"{r:.{digits - 1}e}".split("e")
    kpower = int(exp)
    nsig = max(1, len(mant.replace(".", "").rstrip("0")))
    rgt = min(max(digits - kpower, 0), _KP_MAX)
    widens = 0 < kpower <= _KP_MAX and r < 10.0 ** kpower - 0.5 / 10.0 ** rgt
    return int(x < 0), kpower, nsig, widens


def format_r(values: Sequence[float], digits: int = 7, na: str = "NA", nsmall: int = 0,
             scientific: bool = True) -> list[str]:
    """R's ``format(x, digits = digits, nsmall = nsmall)`` for a numeric vector: one common layout,
    right-justified.

    R's ``formatReal``: every element needs ``digits`` significant digits at most; fixed notation with the
    most decimals any element needs, unless scientific notation (with the most significant digits any
    element needs) is narrower.  The fixed width counts each element's own sign (``sleft``), the scientific
    width one sign for the vector.  Fixed notation shows at least ``nsmall`` decimals (chosen after the
    comparison, as R).  NaN prints as ``na`` (R's NA), infinities as ``Inf``/``-Inf``.  ``scientific=False`` is
    R's ``format(x, scientific = FALSE)``: fixed notation however wide.
    """
    vals = [float(v) + 0.0 for v in values]  # + 0.0 turns -0.0 into 0.0, as R prints it
    if not vals:
        return []
    finite = [v for v in vals if math.isfinite(v)]
    special = [na if math.isnan(v) else ("Inf" if v > 0 else "-Inf") for v in vals if not math.isfinite(v)]
    width = max((len(t) for t in special), default=0)
    if not finite:
        return [t.rjust(width) for t in special]
    neg = rgt = mxsl = mxns = 0
    mxl = mxe = -(10 ** 9)
    mne = 10 ** 9
    for v in finite:
        neg_i, kpower, nsig, widens = _scientific(v, digits)
        left = kpower + 1 - widens
        neg |= neg_i
        rgt = max(rgt, nsig - left)  # digits right of the point
        mxl, mxsl = max(mxl, left), max(mxsl, neg_i + max(left, 1))
        mxns, mxe, mne = max(mxns, nsig), max(mxe, kpower), min(mne, kpower)
    if mxl < 0:
        mxsl = 1 + neg
    w_fixed = mxsl + rgt + (rgt != 0)
    e = 2 if mxe >= 100 or mne <= -100 else 1  # a three-digit exponent (R 4.2: 1e-99 has two)
    d = mxns - 1
    w_sci = neg + (d > 0) + d + 4 + e
    fixed = w_fixed <= w_sci or not scientific
    if fixed and nsmall > rgt:
        rgt = nsmall
        w_fixed = mxsl + rgt + 1
    body = iter(f"{v:.{rgt}f}" if fixed else f"{v:.{d}e}" for v in finite)
    specials = iter(special)
    out = [next(body) if math.isfinite(v) else next(specials) for v in vals]
    width = max(width, w_fixed if fixed else w_sci)
    return [t.rjust(width) for t in out]


def format_number(value: float, digits: int = 7) -> str:
    """R's ``format(x, digits = digits)`` of one number, without padding: :func:`format_r`'s layout of a vector of
    one element, computed directly (the vector's bookkeeping cost 30 us a number, and a level's text is written
    this way: a factor of a million numbers took 30 s to name its levels)."""
    v = float(value) + 0.0  # (-0.0 prints as 0, as R)
    if not math.isfinite(v):
        return "NA" if math.isnan(v) else ("Inf" if v > 0 else "-Inf")
    neg, kpower, nsig, widens = _scientific(v, digits)
    left = kpower + 1 - widens
    rgt = max(0, nsig - left)  # digits right of the point
    w_fixed = (1 + neg if left < 0 else neg + max(left, 1)) + rgt + (rgt != 0)
    d = nsig - 1
    w_sci = neg + (d > 0) + d + 4 + (2 if kpower >= 100 or kpower <= -100 else 1)
    return f"{v:.{rgt}f}" if w_fixed <= w_sci else f"{v:.{d}e}"


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
    return r_round(x, d)  # (R's round, not np.round: 0.35 to 1 decimal is 0.3)


def _stripchars(name: str, minlength: int) -> str:
    """R's C ``stripchars`` (``abbreviate``'s one name, ``use.classes = TRUE``): drop, from the end, the lower-case
    vowels that end a word, then the other lower-case vowels but a word's first letter, then the lower-case letters
    that end a word, then the others, then any character but a word's first, until at most ``minlength``
    characters are left besides the spaces between words, which go last."""
    b = list(name.lstrip(" \t\n\r\f\v")) + ["\0"]

    def length() -> int:
        return b.index("\0")

    def space(i: int) -> bool:
        return b[i] in " \t\n\r\f\v"

    def remove(i: int) -> None:
        del b[i]
        b.append("\0")

    def first(i: int) -> bool:
        return space(i - 1)

    def last(i: int) -> bool:
        return not space(i - 1) and (b[i + 1] == "\0" or space(i + 1))

    def vowel(i: int) -> bool:
        return b[i] in "aeiou"

    def lower(i: int) -> bool:
        return "a" <= b[i] <= "z"

    nspace = 0
    if length() >= minlength:
        trailing, done = True, False
        for i in range(length() - 1, 0, -1):
            if space(i):
                if trailing:
                    b[i] = "\0"
                else:
                    nspace += 1
            else:
                trailing = False
            if length() - nspace <= minlength:
                done = True
                break
        rules = (lambda i: vowel(i) and last(i), lambda i: vowel(i) and not first(i),
                 lambda i: lower(i) and last(i), lambda i: lower(i) and not first(i),
                 lambda i: not first(i) and not space(i))
        for rule in rules if not done else ():
            for i in range(length() - 1, 0, -1):
                if rule(i):
                    remove(i)
                if length() - nspace <= minlength:
                    done = True
                    break
            if done:
                break
    if length() > minlength:
        for i in range(length() - 1, 0, -1):
            if space(i):
                remove(i)
    return "".join(b[:length()])


def abbreviate(names: Sequence[str], minlength: int = 4) -> list[str]:
    """R's ``abbreviate(names, minlength)`` (``method = "left.kept"``, ``use.classes = TRUE``; ASCII names):
    each name longer than ``minlength`` shortened by R's rules (:func:`_stripchars`), and names whose
    abbreviations coincide abbreviated again with one character more, until none do (``weights`` and
    ``weighted``: ``wghts``, ``wghtd``).  ``influence.measures`` names its columns ``dfb.`` and these."""
    given = [n.strip(" ") for n in names]
    unique = list(dict.fromkeys(given))
    out = list(unique)
    redo = [True] * len(unique)
    length = minlength
    while True:
        for k, name in enumerate(unique):
            if redo[k]:
                out[k] = _stripchars(name, length) if len(name) > length else name
        seen: set[str] = set()
        dup = []
        for x in out:
            dup.append(x in seen)
            seen.add(x)
        if not any(dup):
            break
        length += 1
        again = {x for x, d in zip(out, dup) if d}
        redo = [d or x in again for x, d in zip(out, dup)]
    shortened = dict(zip(unique, out))
    return [shortened[n] for n in given]

