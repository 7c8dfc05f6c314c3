"""R's formula algebra: the right-hand side's tree -> intercept, ordered terms and offsets.

The rules of R's ``terms.formula`` (Chambers & Hastie 1992, ch. 2; R's ``model.c``), on sets of variables:

* ``a + b``: the terms of ``a``, then those of ``b`` not already present;
* ``a:b``: every union of a term of ``a`` with a term of ``b``;
* ``a*b`` = ``a + b + a:b``;  ``(a + b + c)^k``: all interactions up to order ``k``;
* ``a %in% b``: every term of ``a`` joined with all the variables of ``b``;
* ``a/b`` = ``a + (b %in% a)``; where ``a`` has no term (``(x - x) / g``, ``(0) * g``), ``a*b`` and ``a/b`` are no
  term either, as R's ``model.c`` appends the rest to ``a``'s empty list and returns that list;
* ``- t`` removes the term ``t``; ``1``/``+1`` keeps the intercept, ``0``/``-1`` removes it;
* ``.`` is every data column not used in the response; ``offset(e)`` is an offset, not a term;
* anything else (a name, a call such as ``log(x)`` or ``I(x^2)``, a comparison) is one variable.

So ``x^2`` (or ``x**2``) of a single term is ``x`` crossed with itself, which is ``x``: not its square.  R fits
``x`` silently; glmstat fits ``x`` too and warns (:class:`~glmstat.errors.FormulaWarning`), suggesting
``I(x^2)``.  ``(a + b)^2`` (the interactions, as intended) and ``x^1`` do not warn.

Terms are then ordered by degree, stably, and the variables of an interaction are written in the order the
variables first appear in the formula (``y ~ b + b:a`` has the term ``b:a``... in R's order of appearance).

The number of terms is counted before anything is expanded (``FormulaLimits.max_terms``), so
``(a + b + ... + z)^26`` is refused in microseconds instead of building 67 million terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from .._arguments import shown
from ..errors import FormulaError, FormulaWarning, warn_user
from ..once import once
from .deparse import deparse
from .functions import unqualified
from .limits import DEFAULT_LIMITS, FormulaLimits, refuse
from .nodes import BinOp, Call, Const, Dot, Formula, Name, Node, Num, Paren, Str, Unary, names_read
from .parser import sum_chain

__all__ = ["Terms", "check_term_count", "expand_terms", "lhs_names", "term_label", "warn_empty_crossings",
           "warn_idle_powers", "warn_response_term"]


@dataclass(frozen=True)
class Terms:
    """A formula's model structure.

    Attributes
    ----------
    response : Node
        The left-hand side (a ``cbind(s, f)`` call for a two-column binomial response).
    intercept : bool
    terms : tuple of tuple of Node
        The terms in R's order; each term lists its variables in R's variable order.
    offsets : tuple of Node
        The expressions inside ``offset()``.
    variables : tuple of Node
        Every variable of ``terms``, in order of first appearance.
    idle_powers : tuple of Node
        The ``^`` nodes whose power does nothing: one variable raised to a power above 1 (``x^2`` is ``x``).
    removed : tuple of Node
        The variables the right-hand side names that no term keeps (``y ~ x - x``, ``y ~ . - z``, ``y ~ a - b``):
        R's ``terms`` still lists them, so its model frame reads them and ``na.omit`` drops their missing rows.
    response_term : bool
        Whether the right-hand side had the response itself as a term (``y ~ x + y``), which is dropped, as R's
        ``model.matrix`` drops it ("the response appeared on the right-hand side and was dropped").
    dot_columns : tuple of str
        The columns a ``.`` of the right-hand side stood for (empty without one): R's ``terms`` keeps its formula
        with ``.`` so written out, and ``update`` reads that.
    empty_crossings : tuple of Node
        The ``*`` and ``/`` nodes whose left side has no term while the right has some (``(x - x) * g``): R's
        ``terms`` keeps none of them, and so does glmstat.
    """

    response: Node
    intercept: bool
    terms: tuple[tuple[Node, ...], ...]
    offsets: tuple[Node, ...]
    variables: tuple[Node, ...]
    idle_powers: tuple[Node, ...] = ()
    removed: tuple[Node, ...] = ()
    response_term: bool = False
    dot_columns: tuple[str, ...] = ()
    empty_crossings: tuple[Node, ...] = ()

    @once
    def names_read(self) -> frozenset[str]:
        """Every name the terms' variables and the offsets read: the data columns among them are what new data
        must have (worked out once per formula: the terms of a formula are cached)."""
        return frozenset(n for node in (*(v for t in self.terms for v in t), *self.offsets) for n in names_read(node))

    @property
    def labels(self) -> tuple[str, ...]:
        """R's term labels (``(Intercept)`` not included)."""
        return tuple(term_label(t) for t in self.terms)


def term_label(term: Sequence[Node]) -> str:
    """R's label of a term: its variables joined by ``:``."""
    return ":".join(deparse(v) for v in term)


def lhs_names(node: Node | None) -> set[str]:
    """Every name used on the left-hand side (excluded from ``.``)."""
    return set(names_read(node)) if node is not None else set()


def warn_idle_powers(terms: Terms) -> None:
    """Warn (:class:`~glmstat.errors.FormulaWarning`) once per ``x^k`` of a single variable, ``k > 1``: in R's
    formula algebra it is ``x``, not a power.  Called by the fit, not by :func:`expand_terms` (whose results
    are cached), so every fit of such a formula warns."""
    for node in terms.idle_powers:
        left = node.left
        while isinstance(left, Paren):
            left = left.body
        base, written, k = deparse(left), deparse(node), _power(node)
        warn_user(
            f"{shown(written)} in a formula is {base} itself, not {base} to the power {k}: '^' (or '**') crosses "
            f"terms, and a term crossed with itself is that term, so the model has {base} (as in R); write "
            f"I({written}) for the power, or {base} + I({written}) or poly({base}, {k}) for a polynomial",
            FormulaWarning)


def warn_empty_crossings(terms: Terms) -> None:
    """Warn (:class:`~glmstat.errors.FormulaWarning`) once per ``a * b`` or ``a / b`` whose ``a`` has no term while
    ``b`` has some: R's terms() drops ``b``'s terms too (``(x - x) * g`` is no term, not ``g``), and so does glmstat,
    silently in R.  Called by the fit, as :func:`warn_idle_powers`."""
    for node in terms.empty_crossings:
        warn_user(f"the left of '{node.op}' in {shown(deparse(node))} has no term, so the right's terms are dropped "
                  f"too, as R's terms() drops them (its '{node.op}' appends them to the left's terms, which are none); "
                  "write the right's terms on their own to keep them", FormulaWarning)


def warn_response_term(terms: Terms) -> None:
    """Warn (:class:`~glmstat.errors.FormulaWarning`) when the response was a term of the right-hand side and was
    dropped (R warns too).  Called by the fit, as :func:`warn_idle_powers`."""
    if terms.response_term:
        y = shown(deparse(terms.response))
        warn_user(f"the response {y} appears on the right-hand side of the formula as a term of its own; the term "
                  f"is dropped (as R's model.matrix drops it): a model cannot explain {y} by itself",
                  FormulaWarning)


def _is_offset(node: Node) -> bool:
    return isinstance(node, Call) and unqualified(node.func) == "offset"


def _power(node: BinOp) -> int:
    r = node.right
    while isinstance(r, Paren):
        r = r.body
    if not isinstance(r, Num) or not math.isfinite(r.value) or not r.value.is_integer() or r.value < 1:
        raise FormulaError(f"invalid power in formula: {shown(deparse(node))} (the power of a formula term must be a "
                           "positive whole number; for arithmetic use I(), e.g. I(x^2))")
    return int(min(r.value, 1e9))


class _Counter:
    """An upper bound on the number of terms the expansion of a node builds, capped just above the limit.

    Every operand the expander expands is counted -- also the terms a ``-`` removes, the operand of a unary
    minus and the right side of ``%in%``, which build terms that the result then drops -- so no part of a
    formula escapes the bound (``y ~ x - (a + ... + z)^26`` would otherwise build 67 million terms to remove).
    A power raises only the terms its base can keep (its ``+`` operands', less the columns ``-`` removes from a
    chain of ``.`` and columns), and adds the terms the base removes once: ``(. - id - day)^3`` is the power of
    the columns but two, not of the columns and the two removed.
    """

    def __init__(self, dot_columns: Sequence[str], cap: int) -> None:
        self.dot_columns, self.n_dot, self.cap = dot_columns, len(dot_columns), cap

    def count(self, node: Node) -> int:
        return self._bounded(node)[0]

    def _bounded(self, node: Node) -> tuple[int, int]:
        """(the terms built, the terms kept): upper bounds, capped."""
        built, kept = self._count(node)
        if built > 64 and isinstance(node, BinOp):  # a term is a set of variables: v variables make at most 2^v - 1
            v = self._n_variables(node)  # (so nested powers of a few variables are not refused)
            if v < 62:
                built, kept = min(built, 2 ** v - 1), min(kept, 2 ** v - 1)
        return min(built, self.cap), min(kept, built, self.cap)

    def _n_variables(self, node: Node) -> int:
        """An upper bound on the number of distinct variables under ``node`` (``.`` counts every column)."""
        seen: set[Node] = set()
        dots = 0
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, BinOp) and n.op in ("+", "-", ":", "*", "/", "%in%", "^"):
                stack.append(n.left)
                if n.op != "^":
                    stack.append(n.right)
            elif isinstance(n, Paren):
                stack.append(n.body)
            elif isinstance(n, Unary) and n.op in ("+", "-"):
                stack.append(n.operand)
            elif isinstance(n, Dot):
                dots = self.n_dot
            elif not isinstance(n, (Num, Const)):  # (an offset is a variable too, as in R)
                seen.add(n)
        return len(seen) + dots

    def _count(self, node: Node) -> tuple[int, int]:
        cap = self.cap
        if isinstance(node, BinOp) and node.op in ("+", "-"):
            built = kept = 0
            names: dict[str, None] = {}  # the chain's columns, each its own term, that it keeps (in order)
            for op, o in sum_chain(node):
                b, k = self._bounded(o)
                built += b
                if built > cap:
                    return cap, cap
                if isinstance(o, Name):
                    (names.setdefault if op == "+" else names.pop)(o.id, None)
                elif isinstance(o, Dot) and op == "+":
                    names.update(dict.fromkeys(self.dot_columns))
                elif op == "+":
                    kept += k
            return built, min(cap, kept + len(names))
        if isinstance(node, Paren):
            return self._bounded(node.body)
        if isinstance(node, Unary):
            if node.op in ("+", "-"):
                b, k = self._bounded(node.operand)
                return (b, k) if node.op == "+" else (b, 0)
            return 1, 1
        if isinstance(node, Dot):
            return self.n_dot, self.n_dot
        if isinstance(node, (Num, Const)):
            return 0, 0
        if isinstance(node, BinOp):
            a, ka = self._bounded(node.left)
            if node.op == "^":  # (the base's removed terms once, and the power of the terms it keeps)
                k, n = ka, _power(node)
                total, c = 0, 1
                for i in range(1, min(n, k) + 1):
                    c = c * (k - i + 1) // i
                    total += c
                    if total > cap:
                        return cap, cap
                return min(cap, a - ka + total), total
            b, kb = self._bounded(node.right)
            if node.op == "%in%":
                return min(cap, a + b), ka
            if node.op == ":":
                return min(cap, a * b), min(cap, ka * kb)
            if node.op == "*":
                return min(cap, a + b + a * b), min(cap, ka + kb + ka * kb)
            if node.op == "/":
                return min(cap, a + b), min(cap, ka + kb)
        return 1, 1


class _Expander:
    """R's ``EncodeVars``: terms as frozensets of variable indices, the intercept as a flag.

    ``budget`` bounds the pairs of terms joined (``:``, ``*``, ``/``, ``%in%`` and each step of ``^``): the
    bound on the number of terms (:class:`_Counter`) does not bound that work, since nested powers of a few
    variables keep few terms (at most 2^v - 1) while each level joins all of them with all of them again.
    """

    def __init__(self, columns: Sequence[str], exclude: set[str], budget: int, limits: FormulaLimits) -> None:
        self.columns = [c for c in columns if c not in exclude]
        self.budget, self.work, self.limits = budget, 0, limits
        self.variables: dict[Node, int] = {}
        self.intercept = True
        self.offsets: dict[int, Node] = {}  # the offset variables' indices -> the expressions inside offset()
        self.idle_powers: list[Node] = []
        self.empty_crossings: list[Node] = []
        self.dot_seen = False

    def var(self, node: Node) -> list[frozenset]:
        idx = self.variables.setdefault(node, len(self.variables))
        return [frozenset((idx,))]

    @staticmethod
    def plus(a: Iterable[frozenset], b: Iterable[frozenset]) -> list[frozenset]:
        return list(dict.fromkeys([*a, *b]))

    def spend(self, pairs: int) -> None:
        """Count ``pairs`` joins of two terms against the budget."""
        self.work += pairs
        if self.work > self.budget:
            raise refuse("max_terms", "the formula's interactions join more pairs of terms than max_terms allows "
                         f"(max_terms^2 / 4 = {self.budget:,} pairs)", self.work, self.limits)

    def interact(self, a: list[frozenset], b: list[frozenset]) -> list[frozenset]:
        self.spend(len(a) * len(b))
        return list(dict.fromkeys(x | y for x in a for y in b))

    def cross(self, a: list[frozenset], b: list[frozenset]) -> list[frozenset]:
        return self.plus(self.plus(a, b), self.interact(a, b))

    @staticmethod
    def within(a: list[frozenset], b: list[frozenset]) -> list[frozenset]:
        every = frozenset().union(*b) if b else frozenset()
        return list(dict.fromkeys(t | every for t in a))

    def constant(self, node: Const, parity: bool) -> list[frozenset]:
        """A reserved constant as a term, as R's ``terms``: ``TRUE`` is ``1`` and ``FALSE`` is ``0`` (the
        intercept), ``NULL`` is no term; any other (``Inf``, ``NA``) is not a term (a column of that name is
        written in backticks)."""
        if node.id in ("TRUE", "FALSE"):
            self.intercept = parity if node.id == "TRUE" else not parity
            return []
        if node.id == "NULL":
            return []
        raise FormulaError(f"invalid model formula: R's constant {node.id} stands where a term is expected (for a "
                           f"column named {node.id} write `{node.id}`)")

    def expand(self, node: Node, parity: bool = True) -> list[frozenset]:
        if isinstance(node, BinOp) and node.op in ("+", "-"):
            out: dict[frozenset, None] = {}  # (insertion-ordered: linear in the chain's terms)
            for op, operand in sum_chain(node):
                if op == "+":
                    out.update(dict.fromkeys(self.expand(operand, parity)))
                else:
                    if _is_offset(operand):
                        raise FormulaError("'- offset(...)' is not supported; write offset(-(...)) instead")
                    for t in self.expand(operand, not parity):
                        out.pop(t, None)
            return list(out)
        if isinstance(node, Paren):
            return self.expand(node.body, parity)
        if isinstance(node, Unary):
            if node.op == "+":
                return self.expand(node.operand, parity)
            if node.op == "-":
                self.expand(node.operand, not parity)  # -1 drops the intercept; -x of nothing is nothing
                return []
            return self.var(node)
        if isinstance(node, Num):
            if node.value == 1:
                self.intercept = parity
            elif node.value == 0:
                self.intercept = not parity
            else:
                raise FormulaError(f"invalid model formula: the number {node.text} stands where a term is expected "
                                   "(only 1 and 0 -- the intercept -- may; for a constant use offset() or I())")
            return []
        if isinstance(node, Const):
            return self.constant(node, parity)
        if isinstance(node, Str):
            raise FormulaError(f"invalid model formula: the string {deparse(node)} stands where a term is expected")
        if isinstance(node, Dot):
            self.dot_seen = True
            if "" in self.columns:  # (R: "attempt to use zero-length variable name")
                raise FormulaError("'.' stands for every other column, and one has an empty name (''), which no "
                                   "formula can name (update(), drop1() and step() write the model out as a "
                                   "formula); rename the column or name the columns wanted")
            return list(dict.fromkeys(t for c in self.columns for t in self.var(Name(c))))
        if _is_offset(node):
            if len(node.args) != 1 or node.kwargs:
                raise FormulaError(f"offset() takes one expression, got {shown(deparse(node))}")
            if not parity:
                raise FormulaError("'- offset(...)' is not supported; write offset(-(...)) instead")
            # R's offset(z) is a variable like any other (one variable however often written: y ~ offset(z) +
            # offset(z) offsets by z once); every term holding it is dropped at the end (a %in% offset(z) too)
            idx = self.variables.setdefault(node, len(self.variables))
            self.offsets.setdefault(idx, node.args[0])
            return [frozenset((idx,))]
        if isinstance(node, BinOp):
            op = node.op
            if op in ("|", "||"):
                raise FormulaError(f"the right-hand side {shown(deparse(node))} has '|' or '~' at the top level; a glm "
                                   "formula has one right-hand side (use I(a | b) for a logical 'or'; (1 | g) is a "
                                   "random effect of lme4's mixed models, which a GLM has not: + g fits a level's "
                                   "own effect, and fit.robust(cluster=\"g\") standard errors that allow for the "
                                   "groups)")
            if op == "^":
                base = self.expand(node.left, parity)
                if len(base) == 1 and len(base[0]) == 1 and _power(node) > 1 and node not in self.idle_powers:
                    self.idle_powers.append(node)  # x^2 is x: crossing one term with itself adds nothing
                # R's PowerTerms: the k-th power is every term of the base joined with every term of the (k-1)-th,
                # the base's term varying slowest, first occurrences kept (an order that differs from crossing
                # the (k-1)-th power with the base once the base has interactions: (a + b + a:c)^2)
                result = base
                for _ in range(_power(node) - 1):
                    self.spend(len(base) * len(result))
                    nxt = list(dict.fromkeys(t | u for t in base for u in result))
                    if nxt == result:
                        break
                    result = nxt
                return result
            if op == ":":
                return self.interact(self.expand(node.left, parity), self.expand(node.right, parity))
            if op in ("*", "/"):
                # R's CrossTerms and NestTerms append the right's terms (and a*b's interactions) to the left's list
                # and return that list: where the left has no term, (x - x) * g or (x - x) / g, they are lost and
                # the result is no term (the right is still read: its variables and its 0 or 1)
                left, right = self.expand(node.left, parity), self.expand(node.right, parity)
                if not left:
                    if right and node not in self.empty_crossings:
                        self.empty_crossings.append(node)
                    return []
                return self.cross(left, right) if op == "*" else self.plus(left, self.within(right, left))
            if op == "%in%":
                return self.within(self.expand(node.left, parity), self.expand(node.right, parity))
        return self.var(node)


def check_term_count(formula: Formula, columns: Sequence[str], limits: FormulaLimits = DEFAULT_LIMITS) -> None:
    """Refuse ``formula`` if its expansion on data of the ``columns`` (which ``.`` expands to, but for the
    response's) builds more terms than ``limits.max_terms``: counted, not built (:class:`_Counter`), so that a
    reader can refuse it from a file's header before it reads the rows.

    Raises
    ------
    FormulaError
        More terms than ``limits.max_terms``.
    """
    exclude = lhs_names(formula.lhs)
    bound = _Counter([c for c in columns if c not in exclude], limits.max_terms + 1).count(formula.rhs)
    if bound > limits.max_terms:
        raise refuse("max_terms", "the formula expands to more terms than allowed", bound, limits)


def expand_terms(formula: Formula, columns: Sequence[str], limits: FormulaLimits = DEFAULT_LIMITS) -> Terms:
    """The model structure of ``formula``; ``columns`` (the data's column names) expand ``.``.

    Raises
    ------
    FormulaError
        A term that is not allowed (``a | b``, a bare number, a string, ``- offset()``, a bad power), or more
        terms than ``limits.max_terms``.
    """
    check_term_count(formula, columns, limits)
    exclude = lhs_names(formula.lhs)
    ex = _Expander(columns, exclude, limits.max_terms ** 2 // 4, limits)
    ex.var(formula.lhs)  # the response is R's first variable
    sets = ex.expand(formula.rhs)
    order = {i: node for node, i in ex.variables.items()}
    offset_ids = frozenset(ex.offsets)  # R drops every term that holds an offset variable
    # and R's model.matrix drops the response as a term of its own (its interactions stay: y ~ x + y:g)
    response_term = frozenset((0,)) in sets
    sets = sorted((t for t in sets if t and not t & offset_ids and t != {0}), key=len)  # stable: by degree
    terms = tuple(tuple(order[i] for i in sorted(t)) for t in sets)
    used = sorted({i for t in sets for i in t})
    kept = set(used) | offset_ids
    removed = tuple(order[i] for i in range(1, len(order)) if i not in kept)  # (0 is the response)
    offsets = tuple(ex.offsets[i] for i in sorted(offset_ids))
    return Terms(formula.lhs, ex.intercept, terms, offsets, tuple(order[i] for i in used),
                 tuple(ex.idle_powers), removed, response_term, tuple(ex.columns) if ex.dot_seen else (),
                 tuple(ex.empty_crossings))
