"""The syntax of R's regular expressions, read into a tree for :mod:`glmstat.formula.regex`'s automaton.

The tree's nodes are tuples: ``("set", _Set)`` (a character of a set: a literal, ``.``, a bracket expression, a
class escape), ``("cat", [...])``, ``("alt", [...])``, ``("rep", node, m, n or None)`` and ``("assert", name)``
(``bol``, ``eol``, ``eol_perl``, the word edges) and ``("group", number, node)`` (a capturing group, numbered
from 1 in the order of its ``(``).  What the syntax accepts, and how TRE and PCRE read it, is
described in :mod:`glmstat.formula.regex`; :func:`reversed_tree` gives the tree of the pattern that matches the
reversed texts.
"""

from __future__ import annotations

import functools
import string
import unicodedata
from dataclasses import dataclass

from .._arguments import shown
from ..errors import FormulaError

__all__ = ["parse_regex", "reversed_tree", "group_numbers", "word_character", "ascii_word_character", "MAX_REPEAT",
           "MAX_GROUPS"]

#: POSIX's RE_DUP_MAX: the largest count of a bounded repetition (TRE refuses a{256})
MAX_REPEAT = 255
_DIGITS = frozenset("0123456789")
#: The deepest nesting of groups: the parser, the automaton's construction and the reversed tree recurse once a
#: group, on top of the formula's own walk (a pattern of 5,000 nested groups, 10,000 characters of a formula's
#: string, raised Python's RecursionError, reported as the formula nesting too deeply)
MAX_GROUPS = 32

#: the escapes of control characters a pattern may write (``\\n``: a newline)
_CONTROLS = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
_SPACE = frozenset(" \t\n\r\f\v")
_PUNCT = frozenset(string.punctuation)


def simple_lower(c: str) -> str:
    """C's ``towlower``: the one character that is ``c``'s lower case, or ``c`` (U+0130's full lower case has two)."""
    low = c.lower()
    return low if len(low) == 1 else ("i" if c == "\u0130" else c)


def simple_upper(c: str) -> str:
    """C's ``towupper``: the one character that is ``c``'s upper case, or ``c`` (``"ß".upper()`` is ``"SS"``); a
    Greek letter with ypogegrammeni, whose full upper case has two characters (``"ᾳ".upper()`` is ``"ΑΙ"``), has
    its title case (``"ᾼ"``), as glibc's simple mapping has it."""
    up = c.upper()
    if len(up) == 1:
        return up
    title = c.title()
    return title if len(title) == 1 else c


def _is_upper(c: str) -> bool:
    """glibc's ``iswupper``: a character with a lower case, or of Unicode's Uppercase (a title case letter, ``ǅ``,
    is both upper and lower)."""
    return simple_lower(c) != c or c.isupper()


def _is_lower(c: str) -> bool:
    """glibc's ``iswlower``: a character with an upper case, or of Unicode's Lowercase (``ß``)."""
    return simple_upper(c) != c or c.islower()


def _is_alpha(c: str) -> bool:
    """glibc's ``iswalpha``, Unicode's Alphabetic and the digits beyond ASCII: letters, letter numbers (``ⅰ``),
    spacing vowel signs, circled letters and digits of other scripts (``٠``); a mark that does not space is taken as
    none (Unicode's data, which Python does not carry, makes some Alphabetic: U+0941)."""
    if c.isalpha():
        return True
    category = unicodedata.category(c)
    return category in ("Nl", "Mc") or (category == "Nd" and not c.isascii()) or "\u24b6" <= c <= "\u24e9"


def _is_space(c: str) -> bool:
    """glibc's ``iswspace``: the ASCII spaces, the separators of lines and paragraphs and the spaces but the no-break
    ones (U+3000 and U+2028 are spaces, U+00A0 and U+202F not)."""
    if c.isascii():
        return c in _SPACE
    category = unicodedata.category(c)
    return category in ("Zl", "Zp") or (category == "Zs" and not unicodedata.decomposition(c).startswith("<noBreak>"))


def _is_print(c: str) -> bool:
    """glibc's ``iswprint``: not a control, a separator of lines or paragraphs, a surrogate or unassigned (U+00A0,
    U+3000 and U+200B are printable)."""
    return unicodedata.category(c) not in ("Cc", "Cs", "Cn", "Zl", "Zp")


def _is_punct(c: str) -> bool:
    """glibc's ``iswpunct`` beyond ASCII: a graphic character (printable, not a space) that is no letter and no digit
    -- combining marks, U+00A0 and U+200B among them."""
    return _is_print(c) and not _is_space(c) and not _is_alpha(c)


def _counterpart(c: str) -> str | None:
    """The other case TRE adds for ``c`` in a bracket expression with ignore.case: the upper case of a lower case
    letter, else the lower case of an upper case one."""
    if _is_lower(c):
        return simple_upper(c)
    if _is_upper(c):
        return simple_lower(c)
    return None


@functools.cache
def _preimages() -> dict[str, str]:
    """Each character that is the counterpart (:func:`_counterpart`) of others, with them, as one string; the cased
    letters are below U+1F000 (built once, when ignore.case first meets a range)."""
    out: dict[str, list[str]] = {}
    for code in range(0x1F000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        other = _counterpart(c)
        if other is not None and other != c:
            out.setdefault(other, []).append(c)
    return {k: "".join(v) for k, v in out.items()}


def _posix_class(name: str, ascii_only: bool = False):
    """The test of a POSIX character class ``[:name:]``: R's default in a UTF-8 locale (``[:alpha:]`` takes ``é``),
    or ``ascii_only`` as PCRE's without Unicode properties (R's ``perl = TRUE``)."""
    tests = {
        "alpha": _is_alpha, "digit": lambda c: "0" <= c <= "9", "alnum": lambda c: _is_alpha(c) or "0" <= c <= "9",
        "upper": _is_upper, "lower": _is_lower, "space": _is_space,
        "blank": lambda c: c in " \t" or (not c.isascii() and _is_space(c) and unicodedata.category(c) == "Zs"),
        "punct": lambda c: c in _PUNCT or (not c.isascii() and _is_punct(c)),
        "cntrl": lambda c: unicodedata.category(c) in ("Cc", "Zl", "Zp"), "print": _is_print,
        "graph": lambda c: _is_print(c) and not _is_space(c), "xdigit": lambda c: c in string.hexdigits,
    }
    test = tests.get(name)
    return (lambda c: c.isascii() and test(c)) if ascii_only and test is not None else test


def word_character(c: str | None) -> bool:
    """A character of a word for ``\\w`` and the word edges, as TRE reads it in a UTF-8 locale: glibc's alphanumeric
    characters (:func:`_is_alpha`, the ASCII digits; not ``²`` nor ``₀``) and ``_``."""
    return c is not None and (_is_alpha(c) or "0" <= c <= "9" or c == "_")


def ascii_word_character(c: str | None) -> bool:
    """A character of a word as PCRE reads it without Unicode properties (R's ``perl = TRUE``): ASCII only."""
    return c is not None and c.isascii() and (c.isalnum() or c == "_")


@dataclass(frozen=True)
class _Set:
    """A set of characters: some characters, ranges of code points, class tests; complemented when ``negated``."""

    chars: frozenset = frozenset()
    ranges: tuple = ()
    tests: tuple = ()
    negated: bool = False
    fold: bool = False  # ignore.case with perl = TRUE: a character matches when either of its cases does
    #: ignore.case as TRE reads it (R's default): the ranges take their characters' counterparts (a lower case
    #: letter's upper case, an upper case one's lower case; the characters, already, in ``chars``) and a class a
    #: character whose lower or upper case it holds
    case_ranges: bool = False

    def _has(self, c: str) -> bool:
        return c in self.chars or any(lo <= c <= hi for lo, hi in self.ranges) or any(t(c) for t in self.tests)

    def _has_tre_fold(self, c: str) -> bool:
        if c in self.chars or any(lo <= c <= hi for lo, hi in self.ranges):
            return True
        if self.ranges and any(lo <= p <= hi for p in _preimages().get(c, "") for lo, hi in self.ranges):
            return True
        low, up = simple_lower(c), simple_upper(c)
        return any(t(low) or t(up) for t in self.tests)

    def has(self, c: str) -> bool:
        if self.case_ranges:
            return self._has_tre_fold(c) != self.negated
        inside = self._has(c) or (self.fold and any(len(v) == 1 and self._has(v) for v in (c.lower(), c.upper())))
        return inside != self.negated  # (a case of several characters, "ß".upper() == "SS", is no case of one)


_ANY = _Set(negated=True)
_ANY_BUT_NEWLINE = _Set(chars=frozenset("\n"), negated=True)
_CLASS_ESCAPES = {"d": "digit", "w": None, "s": "space"}


def _escape_set(letter: str, fold: bool, ascii_only: bool) -> _Set:
    """``\\d \\w \\s`` and, upper case, their complements (``ascii_only``: PCRE's)."""
    kind = letter.lower()
    word = ascii_word_character if ascii_only else word_character
    tests = (word,) if kind == "w" else (_posix_class(_CLASS_ESCAPES[kind], ascii_only),)
    return _Set(tests=tests, negated=letter.isupper(), fold=fold and ascii_only, case_ranges=fold and not ascii_only)


class _Parser:
    """Recursive descent over the pattern; the tree's nodes are tuples ``("set", _Set)``, ``("cat", [...])``,
    ``("alt", [...])``, ``("rep", node, m, n or None)``, ``("assert", name)``, ``("group", number, node)``."""

    def __init__(self, pattern: str, perl: bool, fold: bool) -> None:
        self.p, self.i, self.perl, self.fold = pattern, 0, perl, fold
        self.depth = 0  # groups open
        self.lazy = False  # a lazy quantifier seen (whether a text matches is the greedy one's; extents are not)
        self.groups = 0  # the capturing groups opened so far (numbered from 1 as their '(' come)
        self.repeated: set[int] = set()  # the groups inside a repetition

    def error(self, what: str) -> FormulaError:
        return FormulaError(f"the pattern {shown(self.p)} {what}")

    def peek(self) -> str | None:
        return self.p[self.i] if self.i < len(self.p) else None

    def parse(self):
        node = self.alternation()
        if self.i < len(self.p):
            raise self.error(f"has an unmatched ')' at position {self.i + 1}")
        return node

    def alternation(self):
        branches = [self.concatenation()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.concatenation())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def concatenation(self):
        items = []
        while self.peek() not in (None, "|", ")"):
            items.append(self.repetition())
        return ("cat", items)

    def repetition(self):
        if self.peek() in ("*", "+", "?") or (self.peek() == "{" and self._bound_at(self.i)):
            raise self.error(f"has a repetition with nothing to repeat at position {self.i + 1}")
        node = self.atom()
        while True:
            c = self.peek()
            if c in ("*", "+", "?"):
                self.i += 1
                node = ("rep", node, 1 if c == "+" else 0, 1 if c == "?" else None)
                self.repeated.update(group_numbers(node))
            elif c == "{" and self._bound_at(self.i):
                m, n = self._bound()
                node = ("rep", node, m, n)
                self.repeated.update(group_numbers(node))
            elif c == "{" and not self.perl:
                raise self.error(f"has a '{{' that opens no repetition at position {self.i + 1} (write [{{]"
                                 " for the character)")
            else:
                return node
            if self.peek() == "?":  # a lazy quantifier: the same match or none, for whether the text matches
                self.i += 1
                self.lazy = True
            elif self.peek() == "+" and self.perl:
                raise self.error("uses a possessive quantifier, which is not supported")
            elif self.peek() in ("*", "+"):  # (as TRE: a*{2} repeats the repetition, a** is refused)
                raise self.error(f"repeats a repetition at position {self.i + 1} (write a group: (a*)*)")

    def _bound_at(self, i: int) -> bool:
        j = i + 1
        while j < len(self.p) and (self.p[j] in _DIGITS or self.p[j] == ","):  # (ASCII digits: "٣" is no count)
            j += 1
        body = self.p[i + 1:j]
        return j < len(self.p) and self.p[j] == "}" and body[:1] in _DIGITS and body.count(",") <= 1

    def _bound(self) -> tuple[int, int | None]:
        end = self.p.index("}", self.i)
        lo, comma, hi = self.p[self.i + 1:end].partition(",")
        self.i = end + 1
        # (a count's digits beyond MAX_REPEAT's are refused unread: int() of 4,300 digits or more raised Python's
        # ValueError, from a pattern a{99...9})
        lo_digits, hi_digits = lo.lstrip("0") or "0", hi.lstrip("0") or ("0" if hi else "")
        too_long = any(len(d) > len(str(MAX_REPEAT)) for d in (lo_digits, hi_digits))
        m = MAX_REPEAT + 1 if too_long else int(lo_digits)
        n = m if not comma else (int(hi_digits) if hi and not too_long else None)
        if too_long or m > MAX_REPEAT or (n is not None and (n > MAX_REPEAT or n < m)):
            cut = [d if len(d) <= 10 else d[:8] + "..." for d in (lo, hi)]
            raise self.error(f"has the repetition {{{cut[0]}{comma}{cut[1]}}}: counts go from 0 to {MAX_REPEAT}, the "
                             "first no larger than the second")
        return m, n

    def atom(self):
        c = self.p[self.i]
        self.i += 1
        if c == "(":
            number = None
            self.depth += 1
            if self.depth > MAX_GROUPS:
                raise self.error(f"nests groups more than {MAX_GROUPS} deep at position {self.i}")
            if self.peek() == "?":
                if not (self.perl and self.p.startswith("?:", self.i)):
                    raise self.error("uses a (? group: look-around and options are not supported (perl = TRUE "
                                     "takes (?:...))")
                self.i += 2
            else:
                self.groups += 1
                number = self.groups
            node = self.alternation()
            if self.peek() != ")":
                raise self.error("has a '(' without its ')'")
            self.i += 1
            self.depth -= 1
            return node if number is None else ("group", number, node)
        if c == "[":
            return ("set", self.bracket())
        if c == ".":
            return ("set", _ANY_BUT_NEWLINE if self.perl else _ANY)
        if c == "^":
            return ("assert", "bol")
        if c == "$":
            return ("assert", "eol_perl" if self.perl else "eol")
        if c == "\\":
            return self.escape()
        return self.literal(c)

    def literal(self, c: str):
        if self.fold and not self.perl:  # (TRE: a letter's two cases -- a title case letter's, not itself)
            return ("set", _Set(chars=frozenset({simple_upper(c), simple_lower(c)}) if _is_upper(c) or _is_lower(c)
                                else frozenset(c)))
        return ("set", _Set(chars=frozenset(c), fold=self.fold))

    def escape(self):
        c = self.peek()
        if c is None:
            raise self.error("ends with a backslash")
        self.i += 1
        if c in "dDwWsS":
            return ("set", _escape_set(c, self.fold, self.perl))
        assertions = {"b": "word_edge", "B": "not_word_edge", "<": "word_start", ">": "word_end"}
        if c in assertions and not (self.perl and c in "<>"):
            return ("assert", assertions[c] + ("_perl" if self.perl and c in "bB" else ""))
        if c.isdigit():
            raise self.error(f"uses the back-reference \\{c}, which no finite automaton matches (not supported)")
        if c in _CONTROLS:
            return self.literal(_CONTROLS[c])
        if c.isalpha() and self.perl:
            raise self.error(f"uses the escape \\{c}, which is not supported")
        return self.literal(c)  # (TRE: an escaped sign, or an unknown letter, is the character itself)

    def bracket(self) -> _Set:
        negated = self.peek() == "^"
        self.i += negated
        chars, ranges, tests = set(), [], []
        first = True
        while True:
            c = self.peek()
            if c is None:
                raise self.error("has a '[' without its ']'")
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if self.p.startswith("[:", self.i):
                end = self.p.find(":]", self.i + 2)
                test = _posix_class(self.p[self.i + 2:end], self.perl) if end > 0 else None
                if test is None:
                    raise self.error(f"has an unknown character class at position {self.i + 1}")
                tests.append(test)
                self.i = end + 2
                continue
            if self.p.startswith(("[=", "[."), self.i):
                raise self.error("uses a collating element or equivalence class, which is not supported")
            lo = self._bracket_char(tests)
            if lo is None:
                continue
            if self.peek() == "-" and self.i + 1 < len(self.p) and self.p[self.i + 1] != "]":
                self.i += 1
                hi = self._bracket_char(tests)
                if hi is None or hi < lo:
                    raise self.error(f"has an invalid range ending at position {self.i}")
                ranges.append((lo, hi))
            else:
                chars.add(lo)
        if self.fold and not self.perl:  # (TRE: each character with its counterpart, the ranges' at matching)
            chars |= {o for o in map(_counterpart, chars) if o is not None}
            return _Set(frozenset(chars), tuple(ranges), tuple(tests), negated, case_ranges=True)
        return _Set(frozenset(chars), tuple(ranges), tuple(tests), negated, self.fold)

    def _bracket_char(self, tests: list) -> str | None:
        """One character of a bracket expression (None: a perl class escape, added to ``tests``)."""
        c = self.p[self.i]
        self.i += 1
        if c == "\\" and self.perl and self.i < len(self.p):
            e = self.p[self.i]
            self.i += 1
            if e in "dDwWsS":
                tests.append(_escape_set(e, False, True).has)
                return None
            return _CONTROLS.get(e, e)
        return c


def group_numbers(node) -> list[int]:
    """The numbers of the capturing groups in ``node``."""
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        tag = n[0]
        if tag == "group":
            out.append(n[1])
            stack.append(n[2])
        elif tag in ("cat", "alt"):
            stack.extend(n[1])
        elif tag == "rep":
            stack.append(n[1])
    return out


def reversed_tree(node):
    """The tree of the pattern matching the reversed texts: sequences reversed, ``^`` and ``$`` and the word
    start and end swapped."""
    tag = node[0]
    if tag == "set":
        return node
    if tag == "assert":
        return ("assert", {"bol": "eol", "eol": "bol", "word_start": "word_end", "word_end": "word_start"}.get(
            node[1], node[1]))
    if tag == "cat":
        return ("cat", [reversed_tree(item) for item in reversed(node[1])])
    if tag == "alt":
        return ("alt", [reversed_tree(b) for b in node[1]])
    if tag == "group":
        return ("group", node[1], reversed_tree(node[2]))
    return ("rep", reversed_tree(node[1]), node[2], node[3])


def parse_regex(pattern: str, perl: bool, ignore_case: bool) -> tuple[tuple, bool, int, frozenset[int]]:
    """The tree of ``pattern``, whether it uses a lazy quantifier, its number of capturing groups and those inside
    a repetition; a FormulaError naming what it cannot read."""
    parser = _Parser(pattern, perl, ignore_case)
    return parser.parse(), parser.lazy, parser.groups, frozenset(parser.repeated)
