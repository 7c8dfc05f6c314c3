"""Linear hypotheses about a fit's coefficients read from text, as ``car::linearHypothesis`` reads them: one
row of L and one r for each ``"lhs = rhs"``.

Hypotheses are written in the model's column names: ``"x1 = x2"``, ``"2*x3 + x4 = 1"``,
``"tension[T.L] = tension[T.M]"``, ``"I(x^2) = 0"`` (no ``=`` means ``= 0``).  Names are matched as whole
names, longest first, where they stand as terms of the linear expression (a name inside another name's call,
``x`` in ``log(x)``, is not taken), so brackets, dots, colons, spaces and parentheses in names need no
quoting.  What is left is read by glmstat's formula parser as numbers, ``+ - * /`` and parentheses, and any
other expression is compared with the columns as a parsed expression: ``I(x ** 2)`` and ``I(x^2)`` are the
same column, as are ``poly(hp,2)[1]`` and ``poly(hp, 2)[1]``.  R's own names are accepted where they are
unambiguous: ``(Intercept)``, and R's names of factor columns (``tensionL`` for ``tension[T.L]``, ``bTRUE``
for a logical's ``b[T.True]``); a whole
name may also be quoted in backticks (`` `I(x^2)` ``) or, when glmstat quotes it, written without them --
unless that text is a number or arithmetic: ``x = 2`` compares x with the number 2 even in a model with a
column `` `2` `` (a CSV header), and ``-x`` is minus x beside a column `` `-x` ``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable, Sequence

import numpy as np

from .._arguments import shown, shown_items
from .._suggest import close_matches
from ..errors import FormulaError, GLMStatError
from ..formula.deparse import deparse
from ..formula.limits import DEFAULT_LIMITS, FormulaLimits, refuse, too_deep
from ..formula.nodes import BinOp, Name, Node, Num, Paren, Unary
from ..formula.parser import parse_expression, sum_chain

__all__ = ["hypothesis_matrix", "column_spellings", "unknown_column"]

_PLACEHOLDER = ".glmstat column {}"  # a backtick-quoted name no formula or data set uses
_BRACKET = ".glmstat bracket {}"


def _name_char(ch: str) -> bool:
    return ch.isalnum() or ch in "._"


_SPACES = re.compile(r"\s*")  # (str.strip's whitespace)


def _next_char(text: str, j: int) -> str:
    """The first character of ``text`` from ``j`` on that is not whitespace ('' if none), without a copy of
    the rest (a copy per name matched was quadratic in the text's length)."""
    k = _SPACES.match(text, j).end()
    return text[k:k + 1]


class _Prefixes:
    """Words (the spellings of the columns) in a compressed trie: the ones that a text starts with at a given
    place are found in time of their length, not of their number (each spelling tried in turn at each place
    of a hypothesis was quadratic: 2.7 s for 20,000 characters on 4,000 columns)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.root: list = [None, {}]  # a node: [the word ending there or None, {first character: [label, node]}]
        for w in words:
            if w:
                self._add(w)

    def _add(self, word: str) -> None:
        node, k = self.root, 0
        while k < len(word):
            edge = node[1].get(word[k])
            if edge is None:
                node[1][word[k]] = [word[k:], [word, {}]]
                return
            label = edge[0]
            m = _common_prefix(label, word, k)
            if m < len(label):  # the word leaves (or ends inside) the edge: split it there
                edge[:] = [label[:m], [None, {label[m]: [label[m:], edge[1]]}]]
            node, k = edge[1], k + m
        node[0] = word

    def starting(self, text: str, i: int) -> list[str]:
        """The words that ``text`` starts with at ``i``, longest first."""
        node, k, found = self.root, i, []
        while True:
            if node[0] is not None:
                found.append(node[0])
            edge = node[1].get(text[k]) if k < len(text) else None
            if edge is None or not text.startswith(edge[0], k):
                return found[::-1]
            node, k = edge[1], k + len(edge[0])


def _common_prefix(label: str, word: str, k: int) -> int:
    """The length of the common prefix of ``label`` and ``word[k:]``, whose first characters are equal (by
    halving, each step a comparison in C: names may be long)."""
    lo, hi = 1, min(len(label), len(word) - k)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if word.startswith(label[:mid], k):
            lo = mid
        else:
            hi = mid - 1
    return lo


# -- bracketed column names: label[suffix] ------------------------------------------------------------------------
def _label_start(text: str, end: int) -> int:
    """Where the variable label that ends just before ``end`` starts (a name, a call, or a backticked name)."""
    i = end
    if i > 0 and text[i - 1] == "`":
        j = text.rfind("`", 0, i - 1)
        return j if j >= 0 else i
    if i > 0 and text[i - 1] == ")":
        depth, i = 0, i - 1
        while i >= 0:
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                break
            i -= 1
        if i < 0:
            return end
    while i > 0 and _name_char(text[i - 1]):
        i -= 1
    return i


def _brackets(text: str, parts: dict[str, tuple[Node, str]], originals: dict[str, str] | None = None) -> str:
    """``text`` with each ``label[suffix]`` replaced by a placeholder name recorded in ``parts`` (and the text
    it replaced in ``originals``).  An error's span is in ``text``."""
    out, i = text, 0
    made: dict[str, str] = {}  # (the placeholders put in so far: an error's position in ``out`` is mapped through them)
    while True:
        lb = out.find("[", i)
        if lb < 0:
            if originals is not None:
                originals.update(made)
            return out
        rb = out.find("]", lb)
        if rb < 0:
            raise _bracket_error(text, len(_restored(out[:lb], made)), "a ']' is missing")
        start = _label_start(out, lb)
        label = out[start:lb]
        if not label.strip():
            raise _bracket_error(text, len(_restored(out[:lb], made)), "a '[' stands after no name")
        try:
            node = parse_expression(label)
        except FormulaError as e:  # (at the label's start: its own positions are the label's)
            raise _bracket_error(text, len(_restored(out[:start], made)),
                                 e.problem or "the name before a '[' cannot be read") from None
        key = _BRACKET.format(len(parts))
        parts[key] = (node, out[lb + 1:rb])
        made[key] = out[start:rb + 1]
        out = out[:start] + f"`{key}`" + out[rb + 1:]
        i = start + len(key) + 2


def _bracket_error(text: str, at: int, problem: str) -> FormulaError:
    return FormulaError(f"{problem} in {shown(text)}", span=(at, at + 1), problem=problem)


def _parts(node: Node, parts: dict[str, tuple[Node, str]]) -> tuple | None:
    """The canonical key of a column reference: its ``:``-separated parts as (expression, suffix) pairs."""
    if isinstance(node, Paren):
        return None
    if isinstance(node, BinOp) and node.op == ":":
        a, b = _parts(node.left, parts), _parts(node.right, parts)
        return None if a is None or b is None else a + b
    if isinstance(node, Name) and node.id in parts:
        return (parts[node.id],)
    return ((node, None),)


def _key_of_name(name: str) -> tuple | None:
    """A column name's canonical key, or None when the name does not read as an expression."""
    try:
        parts: dict[str, tuple[Node, str]] = {}
        return _parts(parse_expression(_brackets(name, parts)), parts)
    except (FormulaError, RecursionError):
        return None


def _arithmetic(text: str) -> bool:
    """``text`` reads as a number or as arithmetic (``2``, ``1e1``, ``-x``, ``a - b``, ``2*x``): what it
    means where it stands unquoted in a hypothesis."""
    try:
        node = parse_expression(text)
    except (FormulaError, RecursionError):
        return False
    return isinstance(node, (Num, Unary)) or (isinstance(node, BinOp) and node.op in ("+", "-", "*", "/", "^"))


#: R's texts of a logical's levels, which glmstat's column names write as Python does
_R_LOGICAL = {"True": "TRUE", "False": "FALSE"}


def _r_alias(name: str, logical: bool = False) -> str | None:
    """R's name of a glmstat column (``tension[T.L]:wool[T.B]`` -> ``tensionL:woolB``), None when R numbers it.
    ``logical``: the levels ``True`` and ``False`` as R writes a logical's (``b[T.True]`` -> ``bTRUE``)."""
    if name == "Intercept":
        return "(Intercept)"
    out, i = [], 0
    while i < len(name):
        lb = name.find("[", i)
        if lb < 0:
            out.append(name[i:])
            break
        rb = name.find("]", lb)
        if rb < 0:
            return None
        suffix = name[lb + 1:rb]
        if suffix.startswith(("S.", "H.")):
            return None  # R numbers sum and Helmert contrasts
        level = suffix[2:] if suffix.startswith("T.") else suffix
        out.append(name[i:lb] + (_R_LOGICAL.get(level, level) if logical else level))
        i = rb + 1
    alias = "".join(out)
    return alias if alias != name else None


def column_spellings(names: Sequence[str]) -> dict[str, int]:
    """Every spelling of the model's column ``names`` a user may write -- glmstat's (``sex[T.M]``), R's
    (``sexM``, ``(Intercept)``) or in backticks -- to the column's position (ambiguous spellings left out)."""
    return _Columns(names).spellings


class _Columns:
    """The model's column names and every spelling of them that a hypothesis may use."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        spellings: dict[str, int | None] = {n: i for i, n in enumerate(self.names)}
        known = set(self.names)  # (a set: each alias searched in the list of names was quadratic)
        for i, n in enumerate(self.names):
            quoted = len(n) > 2 and n[0] == n[-1] == "`"
            # (a quoted name written without its backticks, unless that text is arithmetic: "x = 2" tests x
            # against the number 2 even beside a column `2`, and "-x" is minus x beside a column `-x`)
            bare = None if not quoted or _arithmetic(n[1:-1]) else n[1:-1]
            for alias in (_r_alias(n), bare if quoted else f"`{n}`"):
                if alias is not None and alias not in known:
                    spellings[alias] = i if spellings.get(alias, i) == i else None  # ambiguous: dropped
        # R's names of a logical's columns (bTRUE for b[T.True]), where no other column has that spelling: a
        # column name says only that the level is the text True, which a factor of strings may hold too
        logicals: dict[str, int | None] = {}
        for i, n in enumerate(self.names):
            alias = _r_alias(n, logical=True)
            if alias is not None and alias != _r_alias(n) and alias not in known and alias not in spellings:
                logicals[alias] = i if logicals.get(alias, i) == i else None
        spellings.update(logicals)
        self.spellings = {s: i for s, i in spellings.items() if i is not None}
        self.prefixes = _Prefixes(self.spellings)
        self.keys: dict[tuple, int] = {}
        for i, n in enumerate(self.names):
            key = _key_of_name(n)
            if key is not None:
                self.keys.setdefault(key, i)

    def substitute(self, text: str, found: dict[str, int], originals: dict[str, str]) -> str:
        """``text`` with whole column names (longest first, outside calls) replaced by placeholder names, each
        recorded in ``found`` (the column's position) and ``originals`` (the spelling it replaced)."""
        out, i, n = [], 0, len(text)
        calls: list[bool] = []  # open parentheses: True when a call's
        in_calls = 0  # how many of them are (a count: any(calls) at each character was quadratic)
        while i < n:
            ch = text[i]
            if not in_calls and (i == 0 or not _name_char(text[i - 1])):
                hit = self._match(text, i)
                if hit is not None:
                    key = _PLACEHOLDER.format(len(found))
                    found[key] = self.spellings[hit]
                    originals[key] = hit
                    out.append(f"`{key}`")
                    i += len(hit)
                    continue
            if ch in "`\"'":
                j = text.find(ch, i + 1)
                j = n - 1 if j < 0 else j
                out.append(text[i:j + 1])
                i = j + 1
                continue
            if ch == "(":
                k = i  # the last character before that is not a space (a copy of the text before was quadratic)
                while k > 0 and text[k - 1].isspace():
                    k -= 1
                calls.append(k > 0 and (_name_char(text[k - 1]) or text[k - 1] == "`"))
                in_calls += calls[-1]
            elif ch == ")" and calls:
                in_calls -= calls.pop()
            out.append(ch)
            i += 1
        return "".join(out)

    def _match(self, text: str, i: int) -> str | None:
        for s in self.prefixes.starting(text, i):
            j = i + len(s)
            if _name_char(s[0]) and i > 0 and _name_char(text[i - 1]):
                continue
            if _name_char(s[-1]) and j < len(text) and (_name_char(text[j]) or _next_char(text, j) in ("(", "[")):
                continue
            return s
        return None

    def unknown(self, what: str) -> GLMStatError:
        close = close_matches(what, self.names, n=4, cutoff=0.5)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        return GLMStatError(f"{shown(what)} in the hypothesis is not a column of the model{hint} "
                            f"(columns: {shown_items(self.names, 12)})")


# -- linear expressions -------------------------------------------------------------------------------------------
def _split_equals(h: str) -> tuple[str, str]:
    """The two sides of ``lhs = rhs`` (an ``=`` outside quotes, backticks, parentheses and brackets, not part of
    ``== <= >= !=``: a column named ``factor(g, levels = c("a", "b"))[T.b]`` holds one of its own)."""
    cuts, quote, depth = [], None, 0
    for i, ch in enumerate(h):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "`\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        elif ch == "=" and not depth and (i == 0 or h[i - 1] not in "=<>!") and (i + 1 == len(h) or h[i + 1] != "="):
            cuts.append(i)
    if len(cuts) > 1:
        raise GLMStatError(f"the hypothesis {shown(h)} has more than one '='; write one equation per hypothesis")
    if not cuts:
        return h, "0"
    return h[:cuts[0]], h[cuts[0] + 1:]


def _side(cols: _Columns, text: str, hypothesis: str, offset: int,
          limits: FormulaLimits) -> tuple[np.ndarray, float]:
    """One side of a hypothesis as (coefficients on the columns, constant); the side starts at ``offset`` of
    the hypothesis."""
    if not text.strip():
        raise GLMStatError(f"the hypothesis {shown(hypothesis)} has an empty side")
    found: dict[str, int] = {}
    parts: dict[str, tuple[Node, str]] = {}
    originals: dict[str, str] = {}
    substituted = text
    try:
        # (a side is a linear expression: x1 + ... + x500 is read as a chain, which _Side.walk follows iteratively)
        substituted = cols.substitute(text, found, originals)
        substituted = _brackets(substituted, parts, originals)
        # (the hypothesis' own length was checked: a placeholder may be longer than the name it stands for, and
        # a hypothesis within the limit was refused for the length of its substituted text)
        within = replace(limits, max_length=max(limits.max_length, len(substituted)))
        node = parse_expression(substituted, within, what="hypothesis", flat_chain=True)
    except FormulaError as e:
        raise _unreadable(e, hypothesis, substituted, originals, offset) from None
    return _Side(cols, found, parts, text).walk(node)


def _restored(text: str, originals: dict[str, str]) -> str:
    """``text`` with the placeholders the reading put in replaced by what they stand for (the latest first: a
    bracket's text may hold a name's placeholder)."""
    for key in reversed(originals):
        text = text.replace(f"`{key}`", originals[key])
    return text


def _unreadable(e: FormulaError, hypothesis: str, substituted: str, originals: dict[str, str],
                offset: int) -> GLMStatError:
    """The error of a side that does not parse, pointing into the hypothesis as the user wrote it: the parser
    read the side with placeholders for column names, so its positions are mapped back through them."""
    if e.span is None or e.problem is None:
        return GLMStatError(f"cannot read the hypothesis {shown(hypothesis)}: {e}")
    start, end = (offset + len(_restored(substituted[:k], originals)) for k in e.span)
    near = shown(hypothesis[start:end].strip()) if hypothesis[start:end].strip() else "the end"
    problem = e.problem.replace("the formula ends", "it ends")
    return GLMStatError(f"cannot read the hypothesis {shown(hypothesis)}: {problem} at position {start + 1} "
                        f"(near {near})")


def _times(k: float, v: np.ndarray) -> np.ndarray:
    """k v on the coefficients ``v`` involves only: 1e400 * x is inf on x, not NaN (inf * 0) on every other one."""
    return np.where(v != 0, k * v, 0.0)


class _Side:
    """The reading of one side: its placeholders for whole names (``found``) and bracketed names (``parts``)."""

    def __init__(self, cols: _Columns, found: dict[str, int], parts: dict[str, tuple[Node, str]], text: str):
        self.cols, self.found, self.parts, self.text = cols, found, parts, text

    def unit(self, j: int) -> tuple[np.ndarray, float]:
        v = np.zeros(len(self.cols.names))
        v[j] = 1.0
        return v, 0.0

    def walk(self, node: Node) -> tuple[np.ndarray, float]:
        if isinstance(node, Num):
            return np.zeros(len(self.cols.names)), float(node.value)
        if isinstance(node, Paren):
            return self.walk(node.body)
        if isinstance(node, Unary) and node.op in "+-":
            v, c = self.walk(node.operand)
            return (-v, -c) if node.op == "-" else (v, c)
        if isinstance(node, BinOp) and node.op in ("+", "-"):
            # a top-level chain is not bounded by max_depth (flat_chain): along it, no recursion
            chain = sum_chain(node)
            v, c = self.walk(chain[0][1])
            for op, operand in chain[1:]:
                b, cb = self.walk(operand)
                with np.errstate(all="ignore"):
                    v, c = (v + b, c + cb) if op == "+" else (v - b, c - cb)
            return v, c
        if isinstance(node, BinOp) and node.op in ("*", "/", "^"):
            (a, ca), (b, cb) = self.walk(node.left), self.walk(node.right)
            with np.errstate(all="ignore"):  # R's arithmetic: overflow is inf, (-8)^(1/3) NaN (refused later)
                return self.arith(node, a, float(ca), b, float(cb))
        if isinstance(node, Name) and node.id in self.found:
            return self.unit(self.found[node.id])
        key = _parts(node, self.parts)
        j = self.cols.keys.get(key) if key is not None else None
        if j is None:
            raise self.cols.unknown(self.shown(node))
        return self.unit(j)

    def arith(self, node: BinOp, a: np.ndarray, ca: float, b: np.ndarray, cb: float) -> tuple[np.ndarray, float]:
        """``node``'s operator on two linear expressions (coefficients, constant), in float64 as R computes:
        Python's own float power would give a complex number for (-8)^(1/3) or raise for 10^400 and 0^-1."""
        if node.op == "+":
            return a + b, ca + cb
        if node.op == "-":
            return a - b, ca - cb
        if node.op == "*" and not a.any():
            return _times(ca, b), ca * cb
        if node.op == "*" and not b.any():
            return _times(cb, a), cb * ca
        if node.op == "/" and not b.any() and cb != 0:
            return a / cb, ca / cb
        if node.op == "^" and not a.any() and not b.any():
            return a, float(np.float64(ca) ** np.float64(cb))
        raise GLMStatError(f"the hypothesis side {shown(self.text.strip())} is not linear in the coefficients "
                           f"({shown(node.op)} between two coefficients, or a division by zero)")

    def shown(self, node: Node) -> str:
        """``node`` as the user wrote it, placeholders replaced by the names they stand for."""
        text = deparse(node)
        for k, (label, suffix) in self.parts.items():
            text = text.replace(f"`{k}`", f"{deparse(label)}[{suffix}]")
        for k, j in self.found.items():
            text = text.replace(f"`{k}`", self.cols.names[j])
        return text


def hypothesis_matrix(names: Sequence[str], hypotheses: str | Sequence[str],
                      limits: FormulaLimits = DEFAULT_LIMITS) -> tuple[np.ndarray, np.ndarray]:
    """L (one row per hypothesis, one column per name) and r for hypotheses written as ``"lhs = rhs"``;
    each hypothesis is held to the formula limits (length, nesting) before it is read."""
    if isinstance(hypotheses, str):
        hypotheses = [hypotheses]
    if not hypotheses or not all(isinstance(h, str) for h in hypotheses):
        raise GLMStatError("hypotheses must be a string such as 'x1 = x2' or a list of them")
    cols = _Columns(names)
    L, r = [], []
    for h in hypotheses:
        if len(h) > limits.max_length:
            raise refuse("max_length", "the hypothesis has more characters than allowed", len(h), limits)
        left, right = _split_equals(h)
        try:
            a, ca = _side(cols, left, h, 0, limits)
            b, cb = _side(cols, right, h, len(left) + 1, limits)
        except RecursionError:  # (only with max_depth raised past what Python's recursion allows)
            raise too_deep(f"the hypothesis {shown(h)}") from None
        with np.errstate(all="ignore"):
            row, c = a - b, cb - ca
        if not (np.isfinite(row).all() and np.isfinite(c)):
            bad = np.flatnonzero(~np.isfinite(row))
            what = f"the constant {shown(float(c))}" if not bad.size else \
                f"the coefficient {shown(float(row[bad[0]]))} on {names[bad[0]]}"
            raise GLMStatError(f"the hypothesis {shown(h)} has {what}, not a finite number (in double precision "
                               "10^400 overflows to inf, and (-8)^(1/3) is NaN as in R); write it with finite numbers")
        if not row.any():
            raise GLMStatError(f"the hypothesis {shown(h)} involves no coefficient")
        L.append(row)
        r.append(c)
    return np.array(L), np.array(r)


def unknown_column(names: Sequence[str], name: str) -> FormulaError:
    """The refusal of ``name``, no coefficient's among ``names`` (with the close names suggested)."""
    return _Columns(names).unknown(name)
