"""The parenthesized groups of a match, for the back-references ``\\1`` to ``\\9`` of ``sub()``/``gsub()``'s
replacement, by POSIX's rules as TRE (R's default engine) reads them.

The automaton of :mod:`glmstat.formula.regex` finds a match's extent, [s, e); which characters each group took is
then decided on that span alone, without backtracking.  For a node of the pattern's tree and a position i, the set
of positions where the node's matches from i can end is computed once (a bit set, memoized).  POSIX asks each part
of a sequence, from left to right, to take the longest text that lets the whole match be what it is, and leaves
open how a sequence of three parts or more is grouped (the AT&T regex tests' "unknownassoc" cases).  TRE groups it
from the left, as ``((a b) c)``: the parts before the last together take the longest text, so the last part the
shortest, and so on inwards (``sub("(a|ab)(c|bcd)(d*)", ...)`` on ``"abcd"`` gives ``a``, ``bcd`` and an empty
third group, the tests' "leftassoc" answer).  An alternation takes its first branch that matches the span.  A group
that takes no part is an empty text in the replacement, as in R.

A group inside a repetition (``(ab)*``, ``(a|b)+``, ``(x)?``) is not taken: TRE's choice of its iteration follows
rules of its own (a bounded repetition's last iteration the shortest, an unbounded one's the longest, and a
repeated group beside other parts taking more than its share), which :class:`~glmstat.formula.regex.Regex` refuses
to guess.  Randomized comparisons with R on 6,000 patterns of unrepeated groups (``regex_differential_fuzz.py
--groups``, seeds 22 to 24) found no group that differs where the matches agree.

The work is bounded: the sets computed and the positions tried, each weighed by the machine words of a set, count
against :data:`MAX_GROUP_WORK` over all the texts of a formula's ``sub()`` and ``gsub()`` calls together (a long
text matched whole by a pattern of many parts is quadratic in its length); the memo's memory is so bounded by some
tens of MB.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .._arguments import shown
from ..errors import FormulaError

if TYPE_CHECKING:
    from .regex import RegexBudget

__all__ = ["GroupBudget", "group_spans", "MAX_GROUP_WORK"]

#: Most (node, position) sets and positions tried to find the groups of a formula's sub() and gsub() calls' matches,
#: over all their texts, each counted by its machine words (a set over a match of n characters: 1 + n // 64)
MAX_GROUP_WORK = 400_000


class GroupBudget:
    """The work spent finding groups by one ``sub()``/``gsub()``, counted also in the formula's ``shared`` total
    (every call's together, :data:`MAX_GROUP_WORK`), and what its texts' characters are known to be (whether a
    character set of the pattern holds each, read once)."""

    __slots__ = ("pattern", "spent", "classes", "shared")

    def __init__(self, pattern: str, shared: "RegexBudget | None" = None) -> None:
        self.pattern, self.spent, self.shared = pattern, 0, shared
        self.classes: dict = {}  # id of a character set -> {code point: "1" where the set holds it, else "0"}

    def spend(self, units: int) -> None:
        self.spent += units
        total = self.spent
        if self.shared is not None:
            self.shared.group_work += units
            total = self.shared.group_work
        if total > MAX_GROUP_WORK:
            raise FormulaError(f"the pattern {shown(self.pattern)}, with the formula's other sub() and gsub() calls, "
                               f"would take more than {MAX_GROUP_WORK:,} steps to find the groups their replacements' "
                               "back-references name in these texts; use fewer groups or shorter texts")


def _positions(bits: int):
    """The positions of a bit set, highest first."""
    while bits:
        top = bits.bit_length() - 1
        yield top
        bits ^= 1 << top


class _Span:
    """The ends of a tree's nodes' matches within one match, [s, e) of ``text``, and the groups' assignment.

    Positions are the bits of an integer (bit k: position s + k); a node maps a set of starts to the set of its
    matches' ends at once -- a character set by a shift of the positions where its characters are, a repeated
    character set by one addition (the carry runs along a run of its characters: ``x*`` from the starts F is
    F | (((F & M) + M) ^ M) with M its characters' bits)."""

    def __init__(self, text: str, s: int, e: int, holds: Callable[[str, int], bool], budget: GroupBudget) -> None:
        self.text, self.s, self.e, self.holds, self.budget = text, s, e, holds, budget
        self.full = (1 << (e - s + 1)) - 1
        self.memo: dict = {}
        self.masks: dict = {}
        self.unit = 1 + (e - s) // 64  # (a set's cost: its machine words, so the memo's memory is bounded too)

    def _mask(self, node) -> int:
        """The positions where ``node`` (a character set or an assertion) holds: bit k where the character at
        s + k is in the set, or the assertion holds at s + k."""
        m = self.masks.get(id(node))
        if m is None:
            self.budget.spend(self.unit * 4)
            s, e, name = self.s, self.e, node[1]
            if node[0] == "set":
                table = self.budget.classes.setdefault(id(name), {})  # (code point -> "1" or "0")
                if len(table) > 100_000:
                    table.clear()
                piece = self.text[s:e]
                for c in set(piece):
                    if ord(c) not in table:
                        table[ord(c)] = "1" if name.has(c) else "0"
                m = int(piece.translate(table)[::-1] or "0", 2)  # (bit k: the character at s + k; linear time)
            elif name in ("bol", "eol"):  # (only where the text starts or ends)
                k = 0 if name == "bol" else len(self.text)
                m = 1 << (k - s) if s <= k <= e and self.holds(name, k) else 0
            else:
                m = int("".join("1" if self.holds(name, k) else "0" for k in range(e, s - 1, -1)), 2)
            self.masks[id(node)] = m
        return m

    def ends(self, node, starts: int) -> int:
        """The positions where a match of ``node`` starting at a position of ``starts`` can end, within the span."""
        key = (id(node), starts)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        self.budget.spend(self.unit)
        tag = node[0]
        if tag == "set":
            out = (starts & self._mask(node)) << 1
        elif tag == "assert":
            out = starts & self._mask(node)
        elif tag == "group":
            out = self.ends(node[2], starts)
        elif tag == "cat":
            out = starts
            for item in node[1]:
                out = self.ends(item, out) if out else 0
        elif tag == "alt":
            out = 0
            for branch in node[1]:
                out |= self.ends(branch, starts)
        else:
            out = self._repeat(node[1], node[2], node[3], starts)
        self.memo[key] = out
        return out

    def _repeat(self, body, m: int, n: int | None, starts: int) -> int:
        """The ends of ``body`` repeated m to n times (n None: no bound) from ``starts``."""
        frontier, t = starts, 0
        while t < m and frontier:
            frontier, t = self.ends(body, frontier), t + 1
        if n is None and body[0] == "set":  # (a run of the set's characters: one addition)
            mask = self._mask(body)
            return (frontier | (((frontier & mask) + mask) ^ mask)) & self.full
        out = frontier
        while frontier and (n is None or t < n):
            frontier, t = self.ends(body, frontier), t + 1
            if n is None and not frontier & ~out:
                break  # (nothing new: later iterations reach nothing more)
            out |= frontier
        return out

    def assign(self, node, i: int, j: int, spans: dict) -> None:
        """Record in ``spans`` the groups of ``node``'s match of [i, j) (one of its matches).  A repetition holds
        no group here (see the module docstring)."""
        tag = node[0]
        if tag == "group":
            spans[node[1]] = (i, j)
            self.assign(node[2], i, j, spans)
        elif tag == "cat":
            items, s = node[1], self.s
            reached = [1 << (i - s)]  # where each item can start, from i
            for item in items[:-1]:
                reached.append(self.ends(item, reached[-1]))
            for k in range(len(items) - 1, 0, -1):
                # (grouped from the left: the items before k together the longest, item k the shortest ending at j)
                mid = next(q + s for q in _positions(reached[k]) if self.ends(items[k], 1 << q) >> (j - s) & 1)
                self.assign(items[k], mid, j, spans)
                j = mid
            if items:
                self.assign(items[0], i, j, spans)
        elif tag == "alt":
            branch = next(b for b in node[1] if self.ends(b, 1 << (i - self.s)) >> (j - self.s) & 1)
            self.assign(branch, i, j, spans)


def group_spans(tree, text: str, s: int, e: int, holds: Callable[[str, int], bool],
                budget: GroupBudget) -> dict[int, tuple[int, int]]:
    """The groups' spans, by number, of the match [s, e) of ``tree`` in ``text`` (a tree with no group inside a
    repetition; groups that took no part are absent); ``holds(name, i)`` decides an assertion at position i as the
    search that found the match did."""
    span = _Span(text, s, e, holds, budget)
    spans: dict[int, tuple[int, int]] = {}
    span.assign(tree, s, e, spans)
    return spans
