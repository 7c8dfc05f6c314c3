"""Wald tests of linear hypotheses L b = r about the coefficients, as ``car::linearHypothesis`` for a glm.

With b the estimates, V their covariance (the sandwich matrix for a ``robust()`` result) and q the number of
hypotheses (rows of L, linearly independent):

* ``"chisq"``:  W = (L b - r)' (L V L')^{-1} (L b - r),  p = P(chi2_q > W);
* ``"F"``:  F = W / q,  p = P(F_{q, df_residual} > F).

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

import math
import numbers
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np
import pandas as pd

from .._arguments import foreign_type, items_given, own_scalar, shown, shown_items
from .._scipy import linalg as sla
from .._suggest import close_matches
from ..distributions import chi2_sf, f_sf
from ..errors import FormulaError, GLMStatError
from ..printable import escape_unprintable
from ..formula.deparse import deparse
from ..formula.limits import DEFAULT_LIMITS, FormulaLimits, refuse, too_deep
from ..formula.nodes import BinOp, Name, Node, Num, Paren, Unary
from ..formula.parser import parse_expression, sum_chain
from ..report.tables import printable_table, returns_table
from .covariance_factor import combination_covariance
from .fit_access import formula_limits

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["WaldTest", "wald_test", "hypothesis_matrix", "wald_quadratic", "singular_covariance_reason",
           "column_spellings"]

_PLACEHOLDER = ".glmstat column {}"  # a backtick-quoted name no formula or data set uses
_BRACKET = ".glmstat bracket {}"
_TESTS = {"chisq": "chisq", "chi2": "chisq", "wald": "chisq", "f": "F"}


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


# -- the test -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WaldTest:
    """A Wald test of L b = r (see the module docstring): ``statistic``, ``df`` (q), ``p_value``, and for the
    F test ``df_residual``; ``hypotheses`` as given, ``matrix`` L (by column name), ``rhs`` r, ``estimate`` L b
    and its ``std_error`` sqrt(diag(L V L'))."""

    statistic: float
    df: int
    p_value: float
    test: str
    df_residual: float | None
    hypotheses: tuple[str, ...]
    matrix: pd.DataFrame
    rhs: np.ndarray
    estimate: np.ndarray
    std_error: np.ndarray
    covariance_type: str = "model"

    @returns_table
    def to_frame(self) -> pd.DataFrame:
        """One row per hypothesis: estimate L b, rhs r, std_error (the joint test is in the attributes)."""
        return pd.DataFrame({"estimate": self.estimate, "rhs": self.rhs, "std_error": self.std_error},
                            index=pd.Index(list(self.hypotheses), name="hypothesis"))

    def result_line(self) -> str:
        """The statistic, its df and p-value in one line (as car's linearHypothesis prints them; the p-value
        by R's display rule, :func:`glmstat.report.hypothesis_tests.wald_result_line`)."""
        from ..report.hypothesis_tests import wald_result_line

        return wald_result_line(self)

    def title(self) -> str:
        """The test's name, and the covariance it used when not the model's."""
        cov = "" if self.covariance_type == "model" else f" (covariance: {self.covariance_type})"
        return f"Linear hypothesis test (Wald{', F' if self.test == 'F' else ', chi-square'}){cov}"

    def __str__(self) -> str:
        lines = [self.title(), ""]
        lines += [f"  {escape_unprintable(h, backslash=False)}" for h in self.hypotheses]  # (text from a user)
        lines += ["", self.result_line()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<WaldTest {self.result_line()}>"

    def _repr_html_(self) -> str:
        from ..report.hypothesis_tests import wald_html

        return wald_html(self)


def _real_array(values: Any, what: str) -> np.ndarray:
    """``values`` as a float array; complex numbers, strings, objects and Python ints beyond double precision
    are refused naming ``what`` (a cast would drop an imaginary part or raise a raw TypeError/OverflowError)."""
    arr = None
    try:
        if type(values) in (list, tuple) and foreign_type(values) is not None:  # (before numpy reads them)
            raise TypeError
        if isinstance(values, numbers.Number) and not own_scalar(values):  # (one number: numpy calls __float__)
            raise TypeError
        arr = np.asarray(values)
        if arr.dtype.kind == "c":
            raise GLMStatError(f"{what} holds complex numbers; it must be real numbers")
        if arr.dtype.kind not in "biuf":
            # (strings, which numpy would read as numbers, and objects: a float subclass's __float__ would run)
            if arr.dtype.kind != "O" or not all(own_scalar(v) and isinstance(v, (int, float, np.number))
                                                for v in arr.ravel()):
                raise TypeError
            arr = arr.astype(float)
    except (TypeError, ValueError, OverflowError, MemoryError) as e:  # (MemoryError: rows of ranges, [range(10**12)])
        if isinstance(e, GLMStatError):
            raise
        kind = f"a {type(values).__name__}" if arr is None else f"values of type {arr.dtype}"
        raise GLMStatError(f"{what} must be finite real numbers, got {kind} (strings, objects or integers beyond "
                           "double precision)") from None
    return arr.astype(float)


def _at_most_one_per_coefficient(count: int, names: Sequence[str]) -> None:
    """Refuse more hypotheses than coefficients before any is read: at most one per coefficient can be
    linearly independent (a million copies of one hypothesis were each parsed, for seconds, before the rank
    check refused them)."""
    if count > len(names):
        raise GLMStatError(f"{count:,} hypotheses on {len(names)} coefficients: at most {len(names)} can be linearly "
                           "independent (the others follow from them); give each once")


def _texts(hypotheses: Any) -> Any:
    """A pandas Series or Index, or a one-dimensional numpy array, of strings as a list of them (car takes a
    character vector; these were read as a matrix of numbers and refused); anything else unchanged."""
    if isinstance(hypotheses, (pd.Series, pd.Index, np.ndarray)) and hypotheses.ndim == 1 and len(hypotheses):
        values = list(hypotheses)
        if all(isinstance(h, str) for h in values):
            return values
    return hypotheses


_EXAMPLE = "e.g. 'x = 0', or a matrix row with one entry per coefficient"


def _as_matrix(fit: "GLMResults", hypotheses: Any, rhs: Any) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    names = fit.column_names
    hypotheses = _texts(hypotheses)
    if isinstance(hypotheses, (list, tuple)) and not hypotheses:
        raise GLMStatError(f"no hypothesis is given; give at least one, {_EXAMPLE}")
    if isinstance(hypotheses, str) or (isinstance(hypotheses, (list, tuple)) and hypotheses
                                       and all(isinstance(h, str) for h in hypotheses)):
        _at_most_one_per_coefficient(1 if isinstance(hypotheses, str) else len(hypotheses), names)
        if rhs is not None:
            raise GLMStatError("rhs= goes with a hypothesis matrix; write the right-hand side in the hypothesis "
                               "text ('x = 1')")
        L, r = hypothesis_matrix(names, hypotheses, formula_limits(fit))
        texts = (hypotheses,) if isinstance(hypotheses, str) else tuple(hypotheses)
        return L, r, texts
    if isinstance(hypotheses, pd.DataFrame):
        known = set(names)  # (a set: each column searched in the list of names was quadratic)
        unknown = [c for c in hypotheses.columns if c not in known]
        if unknown:
            raise _Columns(names).unknown(str(unknown[0]))
        L = _real_array(hypotheses.reindex(columns=names, fill_value=0.0).to_numpy(), "the hypothesis matrix")
    else:
        given = items_given(hypotheses)  # (counted before read: wald_test(range(10**12)) was a MemoryError)
        if given is not None and given > len(names):
            raise GLMStatError(f"the hypothesis matrix has {given:,} rows (or entries in its row), more than the "
                               f"{len(names)} coefficients: it has one column per coefficient, and at most "
                               f"{len(names)} hypotheses can be linearly independent")
        L = _real_array(hypotheses, "the hypothesis matrix")
    L = np.atleast_2d(L)
    if L.ndim != 2 or L.shape[1] != len(names):
        raise GLMStatError(f"the hypothesis matrix must have one column per coefficient ({len(names)}), "
                           f"got shape {L.shape}")
    if not L.shape[0]:  # (it tested nothing: a ValueError from the empty reduction of the statistic)
        raise GLMStatError(f"the hypothesis matrix has no rows; give at least one hypothesis, {_EXAMPLE}")
    _at_most_one_per_coefficient(L.shape[0], names)
    given = items_given(rhs)
    if given is not None and given != L.shape[0]:  # (before it is read, as the matrix)
        raise GLMStatError(f"rhs must have one value per hypothesis ({L.shape[0]}), got {given:,}")
    r = np.zeros(L.shape[0]) if rhs is None else np.atleast_1d(_real_array(rhs, "rhs"))
    if r.shape != (L.shape[0],):
        raise GLMStatError(f"rhs must have one value per hypothesis ({L.shape[0]}), got {r.size}")
    if not (np.all(np.isfinite(L)) and np.all(np.isfinite(r))):
        raise GLMStatError("the hypothesis matrix and rhs must be finite numbers")
    texts = []
    for row, c in zip(L, r):  # (15 significant digits, as R's as.character: '%g' kept 6, and so misstated them)
        terms = [f"{v:+.15g}*{n}" for v, n in zip(row, names) if v != 0]
        texts.append((" ".join(terms).lstrip("+") or "0") + f" = {c:.15g}")
    return L, r, tuple(texts)


def _nan_covariance(fit: "GLMResults") -> GLMStatError:
    """The refusal of a test whose covariance of L b is NaN because the fit's covariance is: say why (a NaN
    dispersion without residual degrees of freedom), not that L V L' overflowed."""
    if np.isnan(fit.dispersion):
        why = (f"the dispersion is NaN: the fit has {fit.df_residual} residual degrees of freedom, so nothing is "
               "left to estimate it from")
    else:
        why = f"the {fit.covariance_type} covariance has NaN entries"
    return GLMStatError(f"the hypotheses cannot be tested: the covariance of the coefficients they involve is not "
                        f"a number ({why})")


#: A hypothesis whose variance given the hypotheses before it is below this fraction of its own variance (its
#: 1 - R^2 on them) is taken as their combination: the covariance L V L' is then singular in double precision.
#: A covariance of rank below the number of hypotheses (a clustered sandwich over fewer clusters than
#: coefficients) leaves ratios of about 1e-15 there, from rounding, and solving with it gave chi-squares of
#: 1e16 or -1e16; a well-posed test keeps ratios many orders above this.
SINGULAR_RATIO = 1e-12


def wald_quadratic(M: np.ndarray, d: np.ndarray, free: np.ndarray | None = None) -> float | None:
    """d' M^{-1} d for M = L V L', the covariance of L b, or None when M is singular in double precision: a
    variance below the smallest normal double, a hypothesis whose variance given the ones before it is below
    :data:`SINGULAR_RATIO` of its own, or one whose variance is below that fraction of ``free`` (per row of L,
    the variance L b would have with the coefficients' variances and no correlation, sum_k L_jk^2 V_kk: a row
    of L in the null space of a singular V, whose variance is rounding).

    The Cholesky factor of M scaled to unit diagonal gives the second: its j-th pivot squared is 1 - R^2 of
    the j-th hypothesis on the ones before it.  With M so conditioned, W beyond the doubles is infinite, as R's
    (``x = 1e308``: d / s overflows, where scipy's solve refused the infinite value with a ValueError)."""
    var = np.diag(M)
    if not (var >= np.finfo(float).tiny).all():  # (below the smallest normal double: lost to underflow)
        return None
    if free is not None and (var < SINGULAR_RATIO * free).any():
        return None
    s = np.sqrt(var)
    C = M / s[:, None] / s[None, :]
    potrf = sla.lapack.get_lapack_funcs(("potrf",), (C,))[0]
    c, info = potrf(C, lower=True, clean=True)
    if info != 0 or np.min(np.diag(c)) ** 2 < SINGULAR_RATIO:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = d / s
        if not np.isfinite(scaled).all():  # (|d_j| / s_j beyond the doubles: so is W, at least that squared / q)
            return math.inf
        z = sla.solve_triangular(c, scaled, lower=True, check_finite=False)
        W = float(z @ z)
    return W if not math.isnan(W) else math.inf  # (an overflow of z: inf - inf)


def singular_covariance_reason(covariance_type: str) -> str:
    """Why the covariance of L b can be singular, for a fit with the covariance ``covariance_type``."""
    if covariance_type == "model":
        return "coefficients so nearly aliased that their covariance has lost its precision"
    return (f"the covariance ({covariance_type}) has a lower rank than the number of directions tested: a "
            "clustered covariance has rank at most the number of clusters less one")


def _statistic(M: np.ndarray, d: np.ndarray, free: np.ndarray, covariance_type: str) -> float:
    """W = d' M^{-1} d, or a GLMStatError when double precision cannot give it: L V L' (the covariance of L b)
    overflows (entries of L near 1e154 and beyond), or is singular (a row of L so small that its variance
    underflows, a variance of exactly 0, or a covariance V of too low a rank: :func:`wald_quadratic`)."""
    if not (np.isfinite(M).all() and np.isfinite(d).all()):
        raise GLMStatError("the hypotheses cannot be tested in double precision: L b or its covariance L V L' "
                           "overflows; divide each row of the hypothesis matrix (and its rhs) by its largest entry")
    W = wald_quadratic(M, d, free)
    if W is None and covariance_type != "model":
        raise GLMStatError("the hypotheses cannot be tested with this covariance: the covariance L V L' of L b is "
                           f"singular ({singular_covariance_reason(covariance_type)}); test fewer hypotheses at "
                           "once, or use a covariance with more clusters")
    if W is None:
        raise GLMStatError("the hypotheses are degenerate: the covariance L V L' of L b is singular in double "
                           "precision (a row of the hypothesis matrix too small, of zero variance, or "
                           f"{singular_covariance_reason(covariance_type)}); divide each row (and its rhs) by its "
                           "largest entry, or test the nearly aliased coefficients separately")
    return W


def _rank(A: np.ndarray) -> int:
    """numpy 2's ``matrix_rank(A)``: singular values above the largest times max(shape) eps -- that product
    formed as numpy 2 forms it, (max(shape) eps) first; numpy 1.24 multiplied the largest by max(shape) first,
    which overflowed for entries near 1e308 (a RuntimeWarning, and rank 0: "linearly dependent")."""
    S = np.linalg.svd(A, compute_uv=False)
    return int(np.count_nonzero(S > S.max(initial=0.0) * (max(A.shape) * np.finfo(float).eps)))


def wald_test(fit: "GLMResults", hypotheses: Any, rhs: Any = None, test: str = "chisq") -> WaldTest:
    """Wald test of linear hypotheses, as ``car::linearHypothesis`` (see the module docstring).

    Parameters
    ----------
    fit : GLMResults
    hypotheses : str, list of str, array or DataFrame
        Equations in the model's column names, or the matrix L (one column per coefficient; a DataFrame's
        columns are matched by name, missing ones taken as 0).
    rhs : array, optional
        r for a matrix L (default 0).
    test : {"chisq", "F"}

    Raises
    ------
    GLMStatError
        For an unknown column (with close names), a non-linear or empty hypothesis, hypotheses that are
        linearly dependent or inconsistent, or one involving an aliased coefficient.
    """
    key = test.lower() if isinstance(test, str) and own_scalar(test) else None  # (a subclass's lower() never runs)
    if key not in _TESTS:
        raise GLMStatError(f"unknown test {shown(test)}; use 'chisq' or 'F'")
    test = _TESTS[key]
    L, r, texts = _as_matrix(fit, hypotheses, rhs)
    b = fit.coef.to_numpy()
    aliased = np.isnan(b)
    touched = [n for n, a, used in zip(fit.column_names, aliased, np.any(L != 0, axis=0)) if a and used]
    if touched:
        raise GLMStatError(f"the hypotheses involve the aliased coefficient(s) {shown_items(touched)}, which have no "
                           "estimate (a linear combination of other columns); rewrite them without")
    kept = ~aliased
    Lk, bk = L[:, kept], b[kept]
    V = fit.vcov.to_numpy()[np.ix_(kept, kept)]
    F = fit.covariance_factor
    F = None if F is None else F[kept]
    if _rank(Lk) < Lk.shape[0]:
        raise GLMStatError("the hypotheses are linearly dependent (one follows from the others); give each once")
    with np.errstate(all="ignore"):  # (overflow and underflow are refused just below)
        est = Lk @ bk
        d = est - r
        M = combination_covariance(Lk, V, F)
        if np.isnan(M).any() and np.isnan(V).any():  # (not an overflow: the covariance itself is not a number)
            raise _nan_covariance(fit)
        W = _statistic(M, d, (Lk ** 2) @ np.diag(V), fit.covariance_type)
    q = Lk.shape[0]
    if test == "F":
        rdf = float(fit.df_residual)
        stat, p = W / q, float(f_sf(W / q, q, rdf)) if rdf > 0 else float("nan")
    else:
        rdf, stat, p = None, W, float(chi2_sf(W, q))
    return WaldTest(float(stat), int(q), p, test, rdf, texts,
                    printable_table(pd.DataFrame(L, columns=fit.column_names, index=list(texts))), r, est,
                    np.sqrt(np.maximum(np.diag(M), 0.0)), fit.covariance_type)
