"""R's regular expressions as ``grepl()``, ``sub()`` and ``gsub()`` read them, matched in time linear in the text
whatever the pattern.

A pattern from someone else must not be able to stall the fit: a backtracking engine (Python's ``re``, PCRE) takes
exponential time on ``(a+)+$`` against a run of ``a``. Here a pattern is parsed into a tree
(:mod:`glmstat.formula.regex_syntax`), compiled to a Thompson automaton (at most :data:`MAX_STATES` states), and a
text is read once, character by character, with the set of states the automaton can be in; the sets met are cached
as the states of a deterministic automaton (their size bounded by :data:`MAX_CACHED`), so that a text costs a
dictionary lookup a character. For ``sub`` and ``gsub`` the starts of matches are read in one pass of the reversed
pattern over the reversed text, and each match's longest extent from its start (POSIX's leftmost-longest match, as
TRE's), the characters so read bounded by :data:`MAX_SCANNED`.

Syntax: R's default, POSIX extended expressions as TRE reads them -- literals, ``.`` (any character, a newline
too), bracket expressions (``[a-z]``, ``[^...]``, ``]`` first taken literally, POSIX classes ``[:alpha:]`` and the
others, a backslash inside taken literally), ``^``, ``$``, groups, ``|``, ``* + ?``, ``{m}``, ``{m,}``, ``{m,n}``
(m, n <= 255), ``\\d \\w \\s`` and their complements, ``\\b \\B \\< \\>`` (word edges, as TRE decides them: both
ends of the text are edges for ``\\b`` and never inside a word for ``\\B``) and escaped signs. With ``perl =
TRUE`` PCRE's readings where they differ: ``.`` no newline, ``$`` also before a final newline, ``\\b`` between a
word character and another (an end counting as none), escapes inside brackets (``[\\d.]``), ``(?:...)``; an
unknown letter escape is an error. Not supported, refused by name: back-references in a pattern (no finite
automaton matches them; a replacement's ``\\1`` to ``\\9`` are found by :mod:`glmstat.formula.regex_groups`),
look-around, possessive quantifiers, collating elements. A lazy quantifier (``*?``) matches what the greedy one
does in ``grepl``, which asks only whether the text matches (``sub`` and ``gsub`` refuse it). Where TRE errs,
the POSIX definition is followed: TRE misses matches that skip an anchor or word edge inside an optional or
repeated group or an alternative (in R ``grepl("[ab](^)?b", "ab")`` and ``grepl("\\\\>|c?", "")`` are FALSE,
though ``(^)?`` and ``c?`` may match nothing), and a negated class repeated takes letters
(``grepl("[^[:alpha:]]{2,}1", "xx1")`` is TRUE); randomized comparisons with R on 9,000 patterns differed only so.
A counted repetition of a group whose optional group holds a count matches more iterations in TRE than it counts
(``grepl("^(a|(d{2,}1)?d){2}$", "dda")`` is TRUE in R: two iterations make two characters there); not copied either.
Character classes follow R in a UTF-8 locale (``[:alpha:]`` takes accented letters, ``[:digit:]`` the ASCII
digits); with ``perl = TRUE`` they, ``\\w`` and the word edges are ASCII, as PCRE's without Unicode properties.
``ignore.case`` is TRE's: a letter of the pattern matches its two cases (C's one-character ``towlower`` and
``towupper``: ``İ`` matches ``i``, ``I`` not ``ı``, a title case ``ǅ`` ``ǆ`` and ``Ǆ`` but not itself), a bracket
expression's characters and ranges their counterparts, a class a character whose lower or upper case it holds.
The classes, ``\\w``, ``\\s`` and the word edges are glibc's (a title case letter is upper and lower; letter
numbers, spacing vowel signs, circled letters and other scripts' digits are letters, ``²`` and ``₀`` no word
characters; U+3000 and U+2028 spaces, U+00A0 and U+202F not; marks, U+00A0 and U+200B punctuation).  Not copied:
the marks that do not space yet are Unicode's Alphabetic (U+0941: Python does not carry the property), and TRE's
negated bracket expressions with ``ignore.case`` whose ranges hold both cases (R's ``grepl("[^I-z]", "m",
ignore.case = TRUE)`` is TRUE).
"""

from __future__ import annotations

from dataclasses import dataclass

from .._arguments import shown
from ..errors import FormulaError
from .limits import DEFAULT_LIMITS, FormulaLimits, refuse
from .regex_groups import GroupBudget, group_spans
from .regex_syntax import ascii_word_character, parse_regex, reversed_tree, word_character

__all__ = ["Regex", "RegexBudget", "compile_regex", "MAX_STATES", "MAX_CACHED", "MAX_SCANNED", "MAX_WORK",
           "MAX_COMPILED", "MATCH_CHARS", "FILL_CHARS", "GROUP_CHARS"]

#: Most automaton states a pattern may compile to (``a{255}`` is 256; a pattern beyond is refused)
MAX_STATES = 5_000
#: Most automaton states held in the cache's keys at once, summed over its transitions (some tens of MB; the
#: cache is emptied when full)
MAX_CACHED = 2_000_000
#: Most characters the anchored runs of one formula's sub() and gsub() may read, over all their texts (each match's
#: longest extent is read from its start: a pattern whose matches reach to the end of a long text reads it again
#: for each)
MAX_SCANNED = 5_000_000
#: Most automaton states one formula's patterns may visit outside their caches, over all the texts they read (a
#: second or two, a microsecond a visit): a pattern whose state sets never repeat (thousands of states alive at
#: every character) is refused midway
MAX_WORK = 2_000_000
#: Most automaton states one formula's patterns may compile to together (a millisecond a thousand): each pattern
#: is bounded by MAX_STATES, and 300 patterns of 4,846 states each in one formula were compiled
MAX_COMPILED = 100_000
# (the characters of distinct texts one formula's grepl(), sub() and gsub() may search together, and those its sub()
# and gsub() may write: the limits' max_regex_chars and max_regex_written, which the data's size drives)


@dataclass
class RegexBudget:
    """What the regular expressions of one formula have done so far, every call's together (an evaluator holds
    one): automaton states compiled (:data:`MAX_COMPILED`) and visited outside the caches (:data:`MAX_WORK`),
    characters read by the anchored runs (:data:`MAX_SCANNED`), characters of texts searched
    (``FormulaLimits.max_regex_chars``) and written (``max_regex_written``), and the steps finding
    back-references' groups (:data:`glmstat.formula.regex_groups.MAX_GROUP_WORK`)."""

    limits: FormulaLimits = DEFAULT_LIMITS
    compiled: int = 0
    work: int = 0
    scanned: int = 0
    searched: int = 0
    written: int = 0
    group_work: int = 0  # (steps finding the groups of back-references: glmstat.formula.regex_groups)

    def compile(self, pattern: str, states: int) -> None:
        """Count the ``states`` of an automaton ``pattern`` compiled to, refusing past the bound."""
        self.compiled += states
        if self.compiled > MAX_COMPILED:
            raise FormulaError(f"the pattern {shown(pattern)}, with the formula's other patterns, compiles to more "
                               f"than {MAX_COMPILED:,} automaton states; write fewer or shorter patterns")

    def search(self, what: str, chars: int) -> None:
        """Count ``chars`` characters about to be searched by ``what`` (a call), refusing past the bound."""
        self.searched += chars
        if self.searched > self.limits.max_regex_chars:
            raise refuse("max_regex_chars", f"{what}: its distinct texts, with those the formula's other grepl(), "
                         f"sub() and gsub() calls search, hold more than {self.limits.max_regex_chars:,} characters "
                         "to search", self.searched, self.limits)

    def matched(self, pattern: str, scanned: int, groups: int, matches: int = 1) -> None:
        """Count a match of ``pattern`` that sub() or gsub() is about to replace with the characters searched
        (``max_regex_chars``): the ``scanned`` characters read to find its extent, :data:`MATCH_CHARS` for the match,
        and, for a replacement of back-references, :data:`FILL_CHARS` and :data:`GROUP_CHARS` for each of the
        pattern's ``groups`` (``matches``: 0 for the characters read after the last match); refusing past the bound.
        (Each costs about what a character searched does, half a microsecond of CPU time: ``gsub("(((((.)))))",
        "\\5", g)`` read 100,000 texts of 9 characters in 8 s, counted as 900,000 characters of the 4 million
        allowed.)"""
        self.searched += scanned + matches * (MATCH_CHARS + (FILL_CHARS + GROUP_CHARS * groups if groups else 0))
        if self.searched > self.limits.max_regex_chars:
            raise refuse("max_regex_chars", f"the matches of the pattern {shown(pattern)}, with the texts the "
                         f"formula's grepl(), sub() and gsub() calls search, take more than "
                         f"{self.limits.max_regex_chars:,} characters' work to find and replace (the characters read "
                         f"for each match's extent, {MATCH_CHARS} a match, {FILL_CHARS} and {GROUP_CHARS} a group of "
                         "its back-references)", self.searched, self.limits)

    def write(self, pattern: str, chars: int) -> None:
        """Count ``chars`` characters about to be written for the matches of ``pattern``, refusing past the bound."""
        self.written += chars
        if self.written > self.limits.max_regex_written:
            raise refuse("max_regex_written", f"the replacements of the pattern {shown(pattern)}, with the formula's "
                         f"other sub() and gsub() calls, would write more than {self.limits.max_regex_written:,} "
                         "characters", self.written, self.limits)


#: what a match of sub() and gsub() counts as beside the characters read for its extent, in characters searched
#: (``FormulaLimits.max_regex_chars``, :meth:`RegexBudget.matched`): a character searched took 0.5 us of CPU time, a
#: character read for a match's extent and the match's own steps about 1 us, a replacement's back-references 3.6 us a
#: match of one group and 6.2 of five
MATCH_CHARS = 2
FILL_CHARS = 8
GROUP_CHARS = 2

_CHAR, _SPLIT, _EMPTY, _ASSERT, _MATCH = range(5)


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
            raise FormulaError(f"the pattern {shown(self.pattern)} compiles to more than {MAX_STATES:,} automaton "
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
        if tag == "group":  # (the automaton keeps no groups: see glmstat.formula.regex_groups)
            return self.build(node[2], nxt)
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

    def __init__(self, pattern: str, perl: bool = False, ignore_case: bool = False,
                 budget: RegexBudget | None = None) -> None:
        tree, lazy, groups, repeated = parse_regex(pattern, perl, ignore_case)
        self._build(pattern, tree, perl, RegexBudget() if budget is None else budget)
        self.lazy = lazy
        #: the number of capturing groups, which a replacement's ``\\1`` to ``\\9`` name
        self.groups = groups
        #: the groups inside a repetition (``(ab)*``, ``(a|b)+``, ``(x)?``, ``(ab){2}``)
        self.repeated_groups = repeated

    def _build(self, pattern: str, tree, perl: bool, budget: RegexBudget) -> None:
        b = _Builder(pattern)
        match = b.state(_MATCH)
        self.tree, self.pattern, self.perl = tree, pattern, perl
        #: a word's characters for the word edges and the cache's key: PCRE's ASCII ones with perl = TRUE
        self._word = ascii_word_character if perl else word_character
        self.start = b.build(tree, match)
        budget.compile(pattern, len(b.kind))
        self.kind, self.arg, self.out1, self.out2 = b.kind, b.arg, b.out1, b.out2
        self._cache: dict = {}
        self._cached = 0  # states held in the cache's keys
        self.budget = budget  # (the work of every pattern of the formula)
        self._backward: Regex | None = None

    def _holds(self, name: str, prev: str | None, nxt: str | None, final_newline: bool, notbol: bool) -> bool:
        if name == "bol":
            return prev is None and not notbol
        if name == "eol":
            return nxt is None
        if name == "eol_perl":
            return nxt is None or final_newline
        before, after = self._word(prev), self._word(nxt)
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
        budget = self.budget
        budget.work += len(stack)
        if budget.work > MAX_WORK:
            raise FormulaError(f"the pattern {shown(self.pattern)} keeps too many automaton states alive at once to "
                               f"read these texts, with the formula's other patterns, in bounded time ({MAX_WORK:,} "
                               "state visits); simplify it")
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
        self.budget.work += len(reading)
        if not anchored:
            nxt.add(self.start)  # (a match may start at the next character: search, not match)
        return frozenset(nxt), matched

    def _cached_step(self, states: frozenset, prev: str | None, c: str | None, final_newline: bool = False,
                     anchored: bool = False, notbol: bool = False, whole: bool = False) -> tuple[frozenset, bool]:
        """:meth:`_step` by the cache (``c`` None: the end of the text, whose value is whether a match ends there).
        The key holds what the assertions read of the position -- whether a character precedes and whether it is
        a word's, the next character, a final newline, ``^`` failing -- so that every position is cached."""
        key = (states, None if prev is None else self._word(prev), c, final_newline, anchored, notbol, whole)
        hit = self._cache.get(key)
        if hit is None:
            if self._cached >= MAX_CACHED:
                self._cache.clear()
                self._cached = 0
            if c is None:
                hit = (states, self._closure(states, prev, None, False, notbol)[1])
            else:
                hit = self._step(states, prev, c, final_newline, anchored, notbol, whole)
            self._cache[key] = hit
            self._cached += len(states)
        return hit

    def _ends(self, text: str, every: bool) -> bool | list[bool]:
        """Whether a match ends somewhere in ``text`` (``every``: for each position 0..n, whether one ends there)."""
        states = frozenset((self.start,))
        n, prev = len(text), None
        ends = []
        step = self._cached_step
        for i, c in enumerate(text):
            states, matched = step(states, prev, c, i == n - 1 and c == "\n", False, False, every)
            if matched and not every:
                return True
            ends.append(matched)
            prev = c
        last = step(states, prev, None)[1]
        return ends + [last] if every else last

    def search(self, text: str) -> bool:
        """Whether the pattern matches somewhere in ``text`` (R's ``grepl``)."""
        return self._ends(text, every=False)

    def _starts(self, text: str) -> list[bool]:
        """For each position 0..n of ``text``, whether a match starts there: the reversed pattern's match ends,
        read over the reversed text."""
        if self._backward is None:
            self._backward = Regex.__new__(Regex)
            self._backward._build(self.pattern, reversed_tree(self.tree), self.perl, self.budget)
            self._backward.lazy, self._backward.groups, self._backward.repeated_groups = (
                self.lazy, self.groups, self.repeated_groups)
        return self._backward._ends(text[::-1], every=True)[::-1]

    def _longest(self, text: str, s: int, restart: bool) -> int | None:
        """The end of the longest match starting at ``s`` (None: none); ``restart``: ``s`` read as a text's start
        where ``^`` fails, as R's gsub reads the text after a match (TRE's REG_NOTBOL)."""
        n = len(text)
        states, last = frozenset((self.start,)), None
        budget = self.budget
        for j in range(s, n + 1):
            budget.scanned += 1
            if budget.scanned > MAX_SCANNED:
                raise FormulaError(f"the pattern {shown(self.pattern)}, with the formula's other patterns, would read "
                                   f"more than {MAX_SCANNED:,} characters to find the longest matches in these texts; "
                                   "simplify it")
            first = restart and j == s
            prev = None if first else (text[j - 1] if j > 0 else None)
            if j == n:
                return j if self._cached_step(states, prev, None, False, False, first)[1] else last
            c = text[j]
            states, matched = self._cached_step(states, prev, c, j == n - 1 and c == "\n", True, first)
            if matched:
                last = j
            if not states:
                return last
        return last

    def replace(self, text: str, replacement: str | tuple, every: bool, budget: GroupBudget | None = None) -> str:
        """``text`` with its leftmost-longest match (``every``: each match, left to right, as R's ``gsub``)
        replaced.  After a match the text is searched again from its end (a match that matched nothing: after
        the next character, which is kept), that point read as a text's start where ``^`` fails; a match that
        matches nothing right where a non-empty one ended is passed over -- R's rules: ``gsub("b*", "-", "abc")``
        is ``"-a-c-"``.  ``replacement``: a text, or a template of texts and group numbers (the back-references
        ``\\1`` to ``\\9``: each the text its group took in the match, empty where it took no part), whose
        groups count their work against ``budget`` (see :mod:`glmstat.formula.regex_groups`)."""
        if not isinstance(replacement, str):
            self.check_template(replacement)
        starts = self._starts(text)
        n, out, pos, after_nonempty = len(text), [], 0, False
        groups = 0 if isinstance(replacement, str) else self.groups
        scanned = self.budget.scanned  # (the characters read for the extents, counted with each match)
        while pos <= n:
            restart = pos > 0
            end = self._longest(text, pos, restart) if restart else None
            s = pos if end is not None else next((k for k in range(pos + restart, n + 1) if starts[k]), None)
            if s is None:
                break
            notbol_at = s if end is not None else -1  # (the restart's position, read as a text's start)
            if end is None:
                end = self._longest(text, s, False)
                if end is None:  # (cannot happen: a match starts at s)
                    break
            self.budget.matched(self.pattern, self.budget.scanned - scanned, groups)
            scanned = self.budget.scanned
            if end == s and s == pos and after_nonempty:  # (an empty match where the last one ended: passed over)
                if s == n:
                    break
                out.append(text[s])
                pos, after_nonempty = s + 1, False
                continue
            filled = replacement if isinstance(replacement, str) else self._filled(
                replacement, text, s, end, notbol_at, budget or GroupBudget(self.pattern, self.budget))
            self.budget.write(self.pattern, s - pos + len(filled))
            out.append(text[pos:s])
            out.append(filled)
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
        self.budget.matched(self.pattern, self.budget.scanned - scanned, groups, matches=0)  # (the last run's)
        out.append(text[pos:] if pos <= n else "")
        return "".join(out)

    def check_template(self, template: tuple) -> None:
        """Refuse back-references (a FormulaError) where a group of the pattern is repeated: see
        :mod:`glmstat.formula.regex_groups`."""
        if self.repeated_groups:
            first = min(self.repeated_groups)
            raise FormulaError(
                f"the replacement has back-references, and the pattern {self.pattern!r} repeats its group {first}: "
                "which characters R gives each group then follows rules of R's regular expression library that "
                "glmstat does not reproduce (back-references are taken where no group is repeated)")

    def _filled(self, template: tuple, text: str, s: int, e: int, notbol_at: int, budget: GroupBudget) -> str:
        """The template's texts and the groups it names, of the match [s, e) of ``text``."""
        n = len(text)

        def holds(name: str, i: int) -> bool:  # (as the search that found the match read position i)
            first = i == notbol_at
            prev = None if first or i == 0 else text[i - 1]
            nxt = text[i] if i < n else None
            return self._holds(name, prev, nxt, nxt == "\n" and i == n - 1, first)

        spans = group_spans(self.tree, text, s, e, holds, budget)
        return "".join(part if isinstance(part, str) else text[slice(*spans[part])] if part in spans else ""
                       for part in template)


def compile_regex(pattern: str, perl: bool = False, ignore_case: bool = False,
                  budget: RegexBudget | None = None) -> Regex:
    """``pattern`` compiled (see the module docstring); a FormulaError naming what it cannot take.  ``budget``: the
    work of the formula's patterns so far, which this one's adds to (a new one, alone)."""
    return Regex(pattern, perl, ignore_case, budget)
