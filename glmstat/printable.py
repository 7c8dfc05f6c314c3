"""Text made safe to write to a terminal: the escapes of R's ``encodeString`` for the characters that are not.

A column name, a factor level or a file's header may come from someone else.  Written raw, a newline in one
fakes a line of output, an ESC starts a terminal control sequence (``\\x1b[2J`` clears the screen) and a
bidi override reorders what the reader sees.  Every message glmstat writes (errors and warnings, see
:mod:`glmstat.errors`) and every name in its reports (:func:`glmstat.report.rformat.encode_string`) passes
:func:`escape_unprintable`.
"""

from __future__ import annotations

import unicodedata
from typing import Sequence

__all__ = ["escape_unprintable", "writable_text", "first_unwritable"]

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


def escape_unprintable(text: str, *, backslash: bool = True) -> str:
    """``text`` with every control, format (bidi, zero-width), line/paragraph separator or surrogate character
    written as its escape: ``\\a \\b \\t \\n \\v \\f \\r``, other C0 controls and DEL in octal (``\\033``),
    the rest ``\\uXXXX``.

    Parameters
    ----------
    text : str
    backslash : bool
        Also double every backslash, so that the escapes read back unambiguously (R's ``encodeString``);
        ``False`` for text whose backslashes are escapes of their own (R source, a ``repr``).
    """
    if text.isprintable() and not (backslash and "\\" in text):  # the common case: nothing to escape
        return text
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\" if backslash else ch)
        elif unicodedata.category(ch) in _UNPRINTABLE:
            out.append(_escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def writable_text(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8: not a string holding a lone surrogate (what Python's JSON reader
    makes of ``"\\ud800"``, so any request body can carry one), on which pandas' Arrow-backed strings, files and
    terminals fail."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def first_unwritable(texts: Sequence[str]) -> str | None:
    """The first of ``texts`` that cannot be written as UTF-8 (:func:`writable_text`), or None.  All of them are
    encoded at once (a million levels or names: one encoding), and the culprit is looked for only then."""
    if writable_text("".join(texts)):
        return None
    return next(t for t in texts if not writable_text(t))
