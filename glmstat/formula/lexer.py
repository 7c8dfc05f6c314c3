"""Tokens of an R formula.

The lexer reads the text once, left to right, without recursion and without regular expressions that could
backtrack.  It knows R's tokens -- names (``MPG.city``, Unicode letters, `` `any text` `` in backticks, a function
qualified by its package as ``splines::ns``),
numbers (``2``, ``.5``, ``1e-3``, ``5L``, ``0x1F``, ``0x1.8p1``), strings in single or double quotes with backslash
escapes, and operators -- plus the Python spellings users bring along: ``**`` (R's ``^``), ``//`` (``%/%``)
and a lone ``%`` (``%%``), and the brackets of a subscript (``levels(g)[1:2]``).  Anything else (``$``, ``{``, ``#``,
``;``, look-alike Unicode operators, control characters) is refused with its position.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import FormulaError

__all__ = ["CONSTANT_WORDS", "RESERVED_WORDS", "Token", "is_reserved", "reads_as_name", "tokenize", "tilde_positions"]

#: R's reserved words that are constants (``?Reserved``): written bare they are always the constant, never a
#: column; a column of that name is read in backticks (`` `Inf` ``)
CONSTANT_WORDS = frozenset({"TRUE", "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_",
                            "NA_character_", "NA_complex_"})
#: every reserved word of R: the constants, the keywords, and '...' (``..1``, ``..2``... too: :func:`is_reserved`)
RESERVED_WORDS = CONSTANT_WORDS | frozenset({"if", "else", "repeat", "while", "function", "for", "in", "next",
                                             "break", "..."})

# kinds: NUM STR NAME OP LPAREN RPAREN LBRACKET RBRACKET COMMA ASSIGN EOF


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: str  # the operator, the name, the unescaped string, or the number's text
    pos: int
    quoted: bool = False  # a backtick-quoted name


_TWO = {"**": "^", "//": "%/%", "==": "==", "!=": "!=", "<=": "<=", ">=": ">=", "&&": "&&", "||": "||"}
_ONE = set("+-*/^:~<>!&|")
#: R's one-character escapes (its parser refuses any other letter or sign after a backslash)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "a": "\a", "f": "\f", "v": "\v", " ": " ",
            "\\": "\\", "'": "'", '"': '"', "`": "`"}
_HEX = frozenset("0123456789abcdefABCDEF")
_SPECIAL = {"%in%": "%in%", "%%": "%%", "%/%": "%/%"}


def _show(ch: str) -> str:
    """A character for a message: by code point, with the character itself when it is printable (a
    look-alike such as U+2212 MINUS SIGN then shows what it imitates)."""
    code = f"U+{ord(ch):04X}"
    if ch.isascii() and ch.isprintable():
        return repr(ch)
    return f"{ch!r} ({code})" if ch.isprintable() and not ch.isspace() else code


def _error(text: str, pos: int, what: str) -> FormulaError:
    return FormulaError(f"cannot read the formula: {what} at position {pos + 1}", span=(pos, pos + 1), problem=what)


def _is_name_start(ch: str) -> bool:
    # (a letter number such as U+2168 ROMAN NUMERAL NINE starts a name, as in R, which writes it bare)
    return ch.isalpha() or ch == "_" or ch == "." or unicodedata.category(ch) == "Nl"


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch in "._" or unicodedata.category(ch) in ("Mn", "Mc")


def reads_as_name(text: str) -> bool:
    """Whether ``text`` without backticks is read as one name of that text (and not as a number, an operator
    or an unexpected character): what :func:`~glmstat.formula.deparse.r_name` may write bare."""
    if not text or not _is_name_start(text[0]) or not all(_is_name_char(ch) for ch in text[1:]):
        return False
    return not (text[0] == "." and len(text) > 1 and text[1].isdigit() and text[1].isascii())


def is_reserved(text: str) -> bool:
    """Whether ``text`` is one of R's reserved words, which R reads as a name only in backticks."""
    return text in RESERVED_WORDS or (text.startswith("..") and text[2:].isdigit() and text[2:].isascii())


def _number(text: str, i: int) -> tuple[str, int]:
    """The number literal starting at ``i`` (digits, or a dot followed by a digit)."""
    n = len(text)
    j = i
    if text.startswith(("0x", "0X"), i):
        j = _hex_number(text, i)
    else:
        while j < n and text[j].isdigit() and text[j].isascii():
            j += 1
        if j < n and text[j] == ".":
            j += 1
            while j < n and text[j].isdigit() and text[j].isascii():
                j += 1
        if j < n and text[j] in "eE":
            k = j + 1
            if k < n and text[k] in "+-":
                k += 1
            if k < n and text[k].isdigit() and text[k].isascii():
                while k < n and text[k].isdigit() and text[k].isascii():
                    k += 1
                j = k
            else:
                raise _error(text, j, "a number with an incomplete exponent")
    if j < n and text[j] == "L":
        j += 1
    if j < n and (_is_name_char(text[j]) and text[j] != "."):
        raise _error(text, j, f"the number {text[i:j]!r} is followed by {_show(text[j])}")
    return text[i:j], j


def _hex_digits(text: str, j: int) -> int:
    while j < len(text) and text[j] in "0123456789abcdefABCDEF":
        j += 1
    return j


def _hex_number(text: str, i: int) -> int:
    """The end of the hexadecimal literal at ``i`` (``0x1F``, ``0x1.8p1``, ``0xAp-2``), as R's lexer reads it:
    hexadecimal digits, a point and more (then a binary exponent is needed), ``p`` or ``P``, a sign and decimal
    digits."""
    n = len(text)
    j = _hex_digits(text, i + 2)
    digits = j - (i + 2)
    point = j < n and text[j] == "."
    if point:
        k = j + 1
        j = _hex_digits(text, k)
        digits += j - k
    if digits == 0:
        raise _error(text, i, "a hexadecimal number without digits")
    if j < n and text[j] in "pP":
        k = j + 1 + (j + 1 < n and text[j + 1] in "+-")
        end = k
        while end < n and text[end].isdigit() and text[end].isascii():
            end += 1
        if end == k:
            raise _error(text, j, "a hexadecimal number with an incomplete binary exponent (p)")
        return end
    if point:
        raise _error(text, i, f"the hexadecimal number {text[i:j]!r} has a point but no binary exponent (R reads "
                              "0x1.8p0, not 0x1.8)")
    return j


def _code_point(text: str, j: int, start: int, digits: int, base: int, braced: bool) -> tuple[str, int]:
    """The character of the up to ``digits`` digits at ``start`` (``\\101``, ``\\x41``, ``\\u00e9``,
    ``\\u{e9}``), and the position after them; ``j`` is the backslash's."""
    allowed = _HEX if base == 16 else frozenset("01234567")
    k = start + braced
    end = k
    while end < len(text) and end - k < digits and text[end] in allowed:
        end += 1
    if end == k or (braced and (end >= len(text) or text[end] != "}")):
        raise _error(text, j, f"'{text[j:start]}' used without {'hex ' if base == 16 else ''}digits")
    code = int(text[k:end], base)
    if code == 0:
        raise _error(text, j, "a nul character (R allows none in a string)")
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        raise _error(text, j, f"'{text[j:end + braced]}' is no character (a surrogate or beyond Unicode)")
    return chr(code), end + braced


def _escape(text: str, j: int) -> tuple[str, int]:
    """The character a backslash escape at ``j`` stands for, as R's parser reads it, and the position after it:
    ``\\n \\t \\r \\b \\a \\f \\v \\\\ \\' \\" \\` \\ `` (space), octal ``\\ooo``, ``\\xhh``,
    ``\\uXXXX`` and ``\\UXXXXXXXX`` (or braced).  Any other escape is refused, as R refuses it: a regular
    expression's ``\\d`` is written ``"\\\\d"`` in R (``"\\d"`` read as ``"d"`` would match another pattern)."""
    nxt = text[j + 1]
    if nxt in _ESCAPES:
        return _ESCAPES[nxt], j + 2
    if nxt in "01234567":
        return _code_point(text, j, j + 1, 3, 8, False)
    if nxt == "x":
        return _code_point(text, j, j + 2, 2, 16, False)
    if nxt in "uU":
        braced = j + 2 < len(text) and text[j + 2] == "{"
        return _code_point(text, j, j + 2, 4 if nxt == "u" else 8, 16, braced)
    raise _error(text, j, f"'\\{nxt}' is an unrecognized escape in a string (as in R; a backslash itself is "
                          f"written '\\\\', so a regular expression's \\{nxt} is \"\\\\{nxt}\")")


def _quoted(text: str, i: int, quote: str) -> tuple[str, int]:
    """The unescaped content of a quoted string or backtick name starting at ``i`` (the opening quote)."""
    n = len(text)
    out: list[str] = []
    j = i + 1
    while j < n:
        ch = text[j]
        if ch == quote:
            return "".join(out), j + 1
        if ch == "\\":
            if j + 1 >= n:
                break
            char, j = _escape(text, j)
            out.append(char)
            continue
        out.append(ch)
        j += 1
    what = "backtick name" if quote == "`" else "string"
    raise _error(text, i, f"an unterminated {what} (no closing {quote})")


_SURROGATE = re.compile("[\ud800-\udfff]")


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``EOF`` token."""
    tokens: list[Token] = []
    n = len(text)
    if (lone := _SURROGATE.search(text)) is not None:  # (in a string or a backtick name too: no UTF-8 writes it,
        # and a level or label made of it failed in pandas' Arrow-backed strings with a raw UnicodeEncodeError)
        raise _error(text, lone.start(), f"the unexpected character {_show(lone.group())} (a lone surrogate, not text)")
    i = 0
    while i < n:
        ch = text[i]
        if ch in " \t\n\r\f":
            i += 1
            continue
        if ch.isdigit() and ch.isascii() or (ch == "." and i + 1 < n and text[i + 1].isdigit()
                                             and text[i + 1].isascii()):
            s, i2 = _number(text, i)
            tokens.append(Token("NUM", s, i))
            i = i2
            continue
        if _is_name_start(ch):
            j = i + 1
            while j < n and _is_name_char(text[j]):
                j += 1
            # a name qualified by its namespace, pkg::name or pkg:::name, is one name (R's '::' binds tighter
            # than any operator)
            colons = 3 if text.startswith(":::", j) else 2 if text.startswith("::", j) else 0
            if colons and j + colons < n and _is_name_start(text[j + colons]):
                k = j + colons + 1
                while k < n and _is_name_char(text[k]):
                    k += 1
                j = k
            tokens.append(Token("NAME", text[i:j], i))
            i = j
            continue
        if ch == "`":
            s, j = _quoted(text, i, "`")
            if not s:
                raise _error(text, i, "an empty backtick name")
            tokens.append(Token("NAME", s, i, quoted=True))
            i = j
            continue
        if ch in "'\"":
            s, j = _quoted(text, i, ch)
            tokens.append(Token("STR", s, i))
            i = j
            continue
        if ch == "(":
            tokens.append(Token("LPAREN", ch, i))
            i += 1
            continue
        if ch == ")":
            tokens.append(Token("RPAREN", ch, i))
            i += 1
            continue
        if ch in "[]":
            tokens.append(Token("LBRACKET" if ch == "[" else "RBRACKET", ch, i))
            i += 1
            continue
        if ch == ",":
            tokens.append(Token("COMMA", ch, i))
            i += 1
            continue
        if ch == "%":
            j = i + 1
            while j < n and text[j] != "%" and not text[j].isspace() and j - i < 40:
                j += 1
            if j < n and text[j] == "%":
                op = text[i:j + 1]
                if op not in _SPECIAL:
                    raise _error(text, i, f"the operator {op!r}, which glmstat does not support (it knows %in%, %% "
                                          "and %/%)")
                tokens.append(Token("OP", _SPECIAL[op], i))
                i = j + 1
            else:
                tokens.append(Token("OP", "%%", i))  # Python's modulo
                i += 1
            continue
        if text.startswith(("<<-", "->>"), i) or text.startswith(("<-", "->"), i):
            raise _error(text, i, "an assignment ('<-' or '->'), which a formula cannot hold (for a comparison "
                                  "with a negative number write x < -1 with a space)")
        two = text[i:i + 2]
        if two in _TWO:
            tokens.append(Token("OP", _TWO[two], i))
            i += 2
            continue
        if ch == "=":
            tokens.append(Token("ASSIGN", ch, i))
            i += 1
            continue
        if ch in _ONE:
            tokens.append(Token("OP", ch, i))
            i += 1
            continue
        if ch == "#":
            raise _error(text, i, "'#' (a comment would hide the rest of the line; remove it)")
        raise _error(text, i, f"the unexpected character {_show(ch)}")
    tokens.append(Token("EOF", "", n))
    return tokens


def tilde_positions(text: str) -> list[int]:
    """Where the formula ``text`` has its ``~`` operators: not a ``~`` inside a string or a backtick-quoted
    name (``y ~ I(g == '~')`` has one)."""
    return [t.pos for t in tokenize(text) if t.kind == "OP" and t.value == "~"]
