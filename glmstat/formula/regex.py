"""R's regular expressions as ``grepl()``, ``sub()`` and ``gsub()`` read them, matched in time linear in the text
whatever the pattern.

A pattern from someone else must not be able to stall the fit: a backtracking engine (Python's ``re``, PCRE)
takes exponential time on ``(a+)+$`` against a run of ``a``.  Here a pattern is parsed into a tree, compiled to
a Thompson automaton (at most :data:`MAX_STATES` states), and a text is read once, character by character, with
the set of states the automaton can be in; the sets met are cached as the states of a deterministic automaton
(their size bounded by :data:`MAX_CACHED`), so that a text costs a dictionary lookup a character.  For ``sub``
and ``gsub`` the starts of matches are read in one pass of the reversed pattern over the reversed text, and each
match's longest extent from its start (POSIX's leftmost-longest match, as TRE's), the characters so read bounded
by :data:`MAX_SCANNED`.

Syntax: R's default, POSIX extended expressions as TRE reads them -- literals, ``.`` (any character, a newline
too), bracket expressions (``[a-z]``, ``[^...]``, ``]`` first taken literally, POSIX classes ``[:alpha:]`` and
the others, a backslash inside taken literally), ``^``, ``$``, groups, ``|``, ``* + ?``, ``{m}``, ``{m,}``,
``{m,n}`` (m, n <= 255), ``\\d \\w \\s`` and their complements, ``\\b \\B \\< \\>`` (word edges, as TRE
decides them: both ends of the text are edges for ``\\b`` and never inside a word for ``\\B``) and escaped
signs.  With ``perl = TRUE`` PCRE's readings where they differ: ``.`` no newline, ``$`` also before a final
newline, ``\\b`` between a word character and another (an end counting as none), escapes inside brackets (``[\\d.]``), ``(?:...)``; an unknown letter escape is an error.  Not
supported, refused by name: back-references (no finite automaton matches them), look-around, possessive
quantifiers, collating elements.  A lazy quantifier (``*?``) matches what the greedy one does: only whether the
text matches is asked.  Where TRE errs, the POSIX definition is followed: TRE misses matches that skip an anchor
or word edge inside an optional or repeated group or an alternative (in R ``grepl("[ab](^)?b", "ab")`` and
``grepl("\\\\>|c?", "")`` are FALSE, though ``(^)?`` and ``c?`` may match nothing); randomized comparisons with R
on 4,500 patterns differed only so.  Character classes follow R in a UTF-8 locale (``[:alpha:]`` takes accented letters,
``[:digit:]`` the ASCII digits).
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass

from ..errors import FormulaError

__all__ = ["Regex", "compile_regex", "MAX_STATES", "MAX_CACHED"]

#: Most automaton states a pattern may compile to (``a{255}`` is 256; a pattern beyond is refused)
MAX_STATES = 5_000
#: Most automaton states held in the cache's keys at once, summed over its transitions (some tens of MB; the
#: cache is emptied when full)
MAX_CACHED = 2_000_000
#: POSIX's RE_DUP_MAX: the largest count of a bounded repetition (TRE refuses a{256})
MAX_REPEAT = 255
#: Most characters the anchored runs of one sub()/gsub() may read, over all its texts (each match's longest
#: extent is read from its start: a pattern whose matches reach to the end of a long text reads it again for each)
MAX_SCANNED = 5_000_000
#: Most automaton states one pattern may visit outside the cache, over all the texts it reads (a few seconds):
#: a pattern whose state sets never repeat (thousands of states alive at every character) is refused midway
MAX_WORK = 5_000_000

_CHAR, _SPLIT, _EMPTY, _ASSERT, _MATCH = range(5)
_SPACE = frozenset(" \t\n\r\f\v")
_PUNCT = frozenset(string.punctuation)


def _posix_class(name: str):
    """The test of a POSIX character class ``[:name:]`` (R in a UTF-8 locale)."""
    tests = {
        "alpha": str.isalpha, "digit": lambda c: "0" <= c <= "9", "alnum": lambda c: c.isalpha() or "0" <= c <= "9",
        "upper": str.isupper, "lower": str.islower, "space": lambda c: c in _SPACE, "blank": lambda c: c in " \t",
        "punct": lambda c: c in _PUNCT or (not c.isascii() and unicodedata.category(c)[0] in "PS"),
        "cntrl": lambda c: unicodedata.category(c) == "Cc", "print": lambda c: c.isprintable(),
        "graph": lambda c: c.isprintable() and not c.isspace(), "xdigit": lambda c: c in string.hexdigits,
    }
    return tests.get(name)


def _word(c: str | None) -> bool:
    return c is not None and (c.isalnum() or c == "_")


@dataclass(frozen=True)
class _Set:
    """A set of characters: some characters, ranges of code points, class tests; complemented when ``negated``."""

    chars: frozenset = frozenset()
    ranges: tuple = ()
    tests: tuple = ()
    negated: bool = False
    fold: bool = False  # ignore.case: a character matches when either of its cases does

    def _has(self, c: str) -> bool:
        return c in self.chars or any(lo <= c <= hi for lo, hi in self.ranges) or any(t(c) for t in self.tests)

    def has(self, c: str) -> bool:
        inside = self._has(c) or (self.fold and (self._has(c.lower()) or self._has(c.upper())))
        return inside != self.negated


_ANY = _Set(negated=True)
_ANY_BUT_NEWLINE = _Set(chars=frozenset("\n"), negated=True)
_CLASS_ESCAPES = {"d": "digit", "w": None, "s": "space"}


def _escape_set(letter: str, fold: bool) -> _Set:
    """``\\d \\w \\s`` and, upper case, their complements."""
    kind = letter.lower()
    tests = (_word,) if kind == "w" else (_posix_class(_CLASS_ESCAPES[kind]),)
    return _Set(tests=tests, negated=letter.isupper(), fold=fold)


class _Parser:
    """Recursive descent over the pattern; the tree's nodes are tuples ``("set", _Set)``, ``("cat", [...])``,
    ``("alt", [...])``, ``("rep", node, m, n or None)``, ``("assert", name)``."""

    def __init__(self, pattern: str, perl: bool, fold: bool) -> None:
        self.p, self.i, self.perl, self.fold = pattern, 0, perl, fold
        self.lazy = False  # a lazy quantifier seen (whether a text matches is the greedy one's; extents are not)

    def error(self, what: str) -> FormulaError:
        return FormulaError(f"the pattern {self.p!r} {what}")

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
            elif c == "{" and self._bound_at(self.i):
                m, n = self._bound()
                node = ("rep", node, m, n)
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
        while j < len(self.p) and (self.p[j].isdigit() or self.p[j] == ","):
            j += 1
        body = self.p[i + 1:j]
        return j < len(self.p) and self.p[j] == "}" and body[:1].isdigit() and body.count(",") <= 1

    def _bound(self) -> tuple[int, int | None]:
        end = self.p.index("}", self.i)
        lo, comma, hi = self.p[self.i + 1:end].partition(",")
        self.i = end + 1
        m = int(lo)
        n = m if not comma else (int(hi) if hi else None)
        if m > MAX_REPEAT or (n is not None and (n > MAX_REPEAT or n < m)):
            raise self.error(f"has the repetition {{{lo}{comma}{hi}}}: counts go from 0 to {MAX_REPEAT}, the "
                             "first no larger than the second")
        return m, n

    def atom(self):
        c = self.p[self.i]
        self.i += 1
        if c == "(":
            if self.peek() == "?":
                if not (self.perl and self.p.startswith("?:", self.i)):
                    raise self.error("uses a (? group: look-around and options are not supported (perl = TRUE "
                                     "takes (?:...))")
                self.i += 2
            node = self.alternation()
            if self.peek() != ")":
                raise self.error("has a '(' without its ')'")
            self.i += 1
            return node
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
        return ("set", _Set(chars=frozenset(c), fold=self.fold))

    def escape(self):
        c = self.peek()
        if c is None:
            raise self.error("ends with a backslash")
        self.i += 1
        if c in "dDwWsS":
            return ("set", _escape_set(c, self.fold))
        assertions = {"b": "word_edge", "B": "not_word_edge", "<": "word_start", ">": "word_end"}
        if c in assertions and not (self.perl and c in "<>"):
            return ("assert", assertions[c] + ("_perl" if self.perl and c in "bB" else ""))
        if c.isdigit():
            raise self.error(f"uses the back-reference \\{c}, which no finite automaton matches (not supported)")
        controls = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
        if c in controls:
            return self.literal(controls[c])
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
                test = _posix_class(self.p[self.i + 2:end]) if end > 0 else None
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
        return _Set(frozenset(chars), tuple(ranges), tuple(tests), negated, self.fold)

    def _bracket_char(self, tests: list) -> str | None:
        """One character of a bracket expression (None: a perl class escape, added to ``tests``)."""
        c = self.p[self.i]
        self.i += 1
        if c == "\\" and self.perl and self.i < len(self.p):
            e = self.p[self.i]
            self.i += 1
            if e in "dDwWsS":
                tests.append(_escape_set(e, False).has)
                return None
            return {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}.get(e, e)
        return c


class _Builder:
    """Thompson's construction, right to left: ``build(node, next)`` returns the state that matches ``node``
    and goes on to ``next``."""

    def __init__(self, pattern: str) -> None:
        self.kind: list[int] = []
        self.arg: list = []
        self.out1: list[int] = []
        self.out2: list[int] = []
        self.pattern = pattern

    def state(self, kind: int, arg=None, out1: int = -1, out2: int = -1) -> int:
        if len(self.kind) >= MAX_STATES:
            raise FormulaError(f"the pattern {self.pattern!r} compiles to more than {MAX_STATES:,} automaton "
                               "states (its repetitions multiply); write a shorter pattern")
        self.kind.append(kind)
        self.arg.append(arg)
        self.out1.append(out1)
        self.out2.append(out2)
        return len(self.kind) - 1

    def build(self, node, nxt: int) -> int:
        tag = node[0]
        if tag == "set":
            return self.state(_CHAR, node[1], nxt)
        if tag == "assert":
            return self.state(_ASSERT, node[1], nxt)
        if tag == "cat":
            for item in reversed(node[1]):
                nxt = self.build(item, nxt)
            return nxt if node[1] else self.state(_EMPTY, None, nxt)
        if tag == "alt":
            starts = [self.build(b, nxt) for b in node[1]]
            s = starts[-1]
            for other in reversed(starts[:-1]):
                s = self.state(_SPLIT, None, other, s)
            return s
        _, body, m, n = node
        if n is None:  # body{m,}: m copies, then a loop
            loop = self.state(_SPLIT, None, -1, nxt)
            self.out1[loop] = self.build(body, loop)
            nxt = loop
        else:  # (n - m) optional copies
            for _ in range(n - m):
                nxt = self.state(_SPLIT, None, self.build(body, nxt), nxt)
        for _ in range(m):
            nxt = self.build(body, nxt)
        return nxt


class Regex:
    """A compiled pattern: :meth:`search` says whether it matches somewhere in a text, :meth:`replace` replaces
    its leftmost-longest matches (R's ``sub`` and ``gsub``)."""

    def __init__(self, pattern: str, perl: bool = False, ignore_case: bool = False) -> None:
        parser = _Parser(pattern, perl, ignore_case)
        self._build(pattern, parser.parse())
        self.perl, self.lazy = perl, parser.lazy

    def _build(self, pattern: str, tree) -> None:
        b = _Builder(pattern)
        match = b.state(_MATCH)
        self.tree, self.pattern = tree, pattern
        self.start = b.build(tree, match)
        self.kind, self.arg, self.out1, self.out2 = b.kind, b.arg, b.out1, b.out2
        self._cache: dict = {}
        self._cached = 0  # states held in the cache's keys
        self._work = 0
        self._scanned = 0  # characters read by the anchored runs of replace()
        self._backward: Regex | None = None

    def _holds(self, name: str, prev: str | None, nxt: str | None, final_newline: bool, notbol: bool) -> bool:
        if name == "bol":
            return prev is None and not notbol
        if name == "eol":
            return nxt is None
        if name == "eol_perl":
            return nxt is None or final_newline
        before, after = _word(prev), _word(nxt)
        if name == "word_edge":  # (TRE: the text's two ends are word edges whatever their characters)
            return prev is None or nxt is None or before != after
        if name == "not_word_edge":
            return prev is not None and nxt is not None and before == after
        return {"word_edge_perl": before != after, "not_word_edge_perl": before == after,
                "word_start": after and not before, "word_end": before and not after}[name]

    def _closure(self, states, prev, nxt, final_newline, notbol=False, whole=False) -> tuple[list[int], bool]:
        """The character-reading states reachable from ``states`` without reading (assertions decided at this
        position, ``notbol``: where ``^`` fails though no character precedes), and whether the match state is
        among them (found, the rest is not looked for unless ``whole``)."""
        kind, out1, out2, arg = self.kind, self.out1, self.out2, self.arg
        stack, seen, reading = list(states), set(), []
        self._work += len(stack)
        if self._work > MAX_WORK:
            raise FormulaError(f"the pattern {self.pattern!r} keeps too many automaton states alive at once to read "
                               f"these texts in bounded time ({MAX_WORK:,} state visits); simplify it")
        matched = False
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            k = kind[s]
            if k == _CHAR:
                reading.append(s)
            elif k == _MATCH:
                if not whole:
                    return reading, True
                matched = True
            elif k == _SPLIT:
                stack.append(out2[s])
                stack.append(out1[s])
            elif k == _EMPTY or (k == _ASSERT and self._holds(arg[s], prev, nxt, final_newline, notbol)):
                stack.append(out1[s])
        return reading, matched

    def _step(self, states: frozenset, prev, c: str, final_newline: bool, anchored: bool = False,
              notbol: bool = False, whole: bool = False) -> tuple[frozenset, bool]:
        """The states after reading ``c`` and whether a match ends before it; a search (not ``anchored``) may
        also start a match at the next character.  A match found ends the step at once (the states returned
        are then the ones given) unless ``whole`` or ``anchored``: the longest or every match goes on."""
        whole = whole or anchored
        reading, matched = self._closure(states, prev, c, final_newline, notbol, whole)
        if matched and not whole:
            return states, True
        arg, out1 = self.arg, self.out1
        nxt = {out1[s] for s in reading if arg[s].has(c)}
        self._work += len(reading)
        if not anchored:
            nxt.add(self.start)  # (a match may start at the next character: search, not match)
        return frozenset(nxt), matched

    def _cached_step(self, states: frozenset, prev: str, c: str, anchored: bool, whole: bool = False
                     ) -> tuple[frozenset, bool]:
        """:meth:`_step` at a position with a character on either side and no final newline, by the cache."""
        key = (states, _word(prev), c, anchored, whole)
        hit = self._cache.get(key)
        if hit is None:
            if self._cached >= MAX_CACHED:
                self._cache.clear()
                self._cached = 0
            hit = self._cache[key] = self._step(states, prev, c, False, anchored, False, whole)
            self._cached += len(states)
        return hit

    def _ends(self, text: str, every: bool) -> bool | list[bool]:
        """Whether a match ends somewhere in ``text`` (``every``: for each position 0..n, whether one ends there)."""
        states = frozenset((self.start,))
        n, prev = len(text), None
        ends = []
        for i, c in enumerate(text):
            final_newline = i == n - 1 and c == "\n"
            if prev is None or final_newline:  # (positions whose assertions the cache's key does not hold)
                states, matched = self._step(states, prev, c, final_newline, whole=every)
            else:
                states, matched = self._cached_step(states, prev, c, False, every)
            if matched and not every:
                return True
            ends.append(matched)
            prev = c
        last = self._closure(states, prev, None, False)[1]
        return ends + [last] if every else last

    def search(self, text: str) -> bool:
        """Whether the pattern matches somewhere in ``text`` (R's ``grepl``)."""
        return self._ends(text, every=False)

    def _starts(self, text: str) -> list[bool]:
        """For each position 0..n of ``text``, whether a match starts there: the reversed pattern's match ends,
        read over the reversed text."""
        if self._backward is None:
            self._backward = Regex.__new__(Regex)
            self._backward._build(self.pattern, _reversed(self.tree))
            self._backward.perl, self._backward.lazy = self.perl, self.lazy
        return self._backward._ends(text[::-1], every=True)[::-1]

    def _longest(self, text: str, s: int, restart: bool) -> int | None:
        """The end of the longest match starting at ``s`` (None: none); ``restart``: ``s`` read as a text's start
        where ``^`` fails, as R's gsub reads the text after a match (TRE's REG_NOTBOL)."""
        n = len(text)
        states, last = frozenset((self.start,)), None
        for j in range(s, n + 1):
            self._scanned += 1
            if self._scanned > MAX_SCANNED:
                raise FormulaError(f"the pattern {self.pattern!r} would read more than {MAX_SCANNED:,} characters "
                                   "to find the longest matches in these texts; simplify it")
            prev = None if restart and j == s else (text[j - 1] if j > 0 else None)
            if j == n:
                return j if self._closure(states, prev, None, False, restart and j == s)[1] else last
            c = text[j]
            if prev is None or (j == n - 1 and c == "\n"):
                states, matched = self._step(states, prev, c, j == n - 1 and c == "\n", True, restart and j == s)
            else:
                states, matched = self._cached_step(states, prev, c, True)
            if matched:
                last = j
            if not states:
                return last
        return last

    def replace(self, text: str, replacement: str, every: bool) -> str:
        """``text`` with its leftmost-longest match (``every``: each match, left to right, as R's ``gsub``)
        replaced.  After a match the text is searched again from its end (a match that matched nothing: after
        the next character, which is kept), that point read as a text's start where ``^`` fails; a match that
        matches nothing right where a non-empty one ended is passed over -- R's rules: ``gsub("b*", "-", "abc")``
        is ``"-a-c-"``."""
        starts = self._starts(text)
        n, out, pos, after_nonempty = len(text), [], 0, False
        while pos <= n:
            restart = pos > 0
            end = self._longest(text, pos, restart) if restart else None
            s = pos if end is not None else next((k for k in range(pos + restart, n + 1) if starts[k]), None)
            if s is None:
                break
            if end is None:
                end = self._longest(text, s, False)
                if end is None:  # (cannot happen: a match starts at s)
                    break
            if end == s and s == pos and after_nonempty:  # (an empty match where the last one ended: passed over)
                if s == n:
                    break
                out.append(text[s])
                pos, after_nonempty = s + 1, False
                continue
            out.append(text[pos:s])
            out.append(replacement)
            if not every:
                pos = end
                break
            if end == s:
                if s == n:
                    pos = n + 1
                    break
                out.append(text[s])
                pos, after_nonempty = s + 1, False
            else:
                pos, after_nonempty = end, True
        out.append(text[pos:] if pos <= n else "")
        return "".join(out)


def _reversed(node):
    """The tree of the pattern matching the reversed texts: sequences reversed, ``^`` and ``$`` and the word
    start and end swapped."""
    tag = node[0]
    if tag == "set":
        return node
    if tag == "assert":
        return ("assert", {"bol": "eol", "eol": "bol", "word_start": "word_end", "word_end": "word_start"}.get(
            node[1], node[1]))
    if tag == "cat":
        return ("cat", [_reversed(item) for item in reversed(node[1])])
    if tag == "alt":
        return ("alt", [_reversed(b) for b in node[1]])
    return ("rep", _reversed(node[1]), node[2], node[3])


def compile_regex(pattern: str, perl: bool = False, ignore_case: bool = False) -> Regex:
    """``pattern`` compiled (see the module docstring); a FormulaError naming what it cannot take."""
    return Regex(pattern, perl, ignore_case)
