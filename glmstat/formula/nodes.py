"""The syntax tree of an R formula: small immutable nodes, compared and hashed by structure.

A node is data, never code: the interpreter (:mod:`glmstat.formula.evaluate`) walks these nodes and knows
only arithmetic, comparisons and the functions of :mod:`glmstat.formula.functions`.  Two spellings of one
expression (``log( x )`` and ``log(x)``, ``x**2`` and ``x^2``) give equal nodes, so a variable is identified
by its node, not by its text.  ``pos`` (the character offset in the formula, for messages) takes no part in
equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

__all__ = ["Num", "Str", "Name", "Const", "Call", "BinOp", "Unary", "Paren", "Dot", "Formula", "Node", "children",
           "count_dots", "is_na_constant", "names_read"]


@dataclass(frozen=True, slots=True)
class Num:
    """A numeric literal; ``text`` is how it was written (``2``, ``1e-3``, ``5L``)."""

    value: float
    text: str = field(compare=False)
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Str:
    """A string literal (already unescaped)."""

    value: str
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Name:
    """A name: a data column, a constant (``TRUE``, ``pi``) or a context entry.  R names may contain
    dots (``MPG.city``, ``np.log``); a backtick-quoted name can hold any text."""

    id: str
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Const:
    """One of R's reserved constants written bare: ``TRUE``, ``FALSE``, ``NULL``, ``Inf``, ``NaN``, ``NA``,
    ``NA_integer_``, ``NA_real_``, ``NA_character_``, ``NA_complex_``.  In R these words are always the
    constant, never a variable: a column of that name is read only in backticks (`` `Inf` ``), which the
    parser makes a :class:`Name`.  (``T``, ``F`` and ``pi`` are ordinary names in R, which a column masks.)"""

    id: str
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    """``func(args..., key = value...)``; ``func`` is a function name, looked up among glmstat's functions
    and the caller's ``context=`` -- never evaluated as an expression."""

    func: str
    args: tuple["Node", ...]
    kwargs: tuple[tuple[str, "Node"], ...] = ()
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BinOp:
    """A binary operator in R's spelling (``+ - * / ^ : %in% %% %/% == != < > <= >= & && | ||``)."""

    op: str
    left: "Node"
    right: "Node"
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Unary:
    """A prefix operator: ``-``, ``+`` or ``!``."""

    op: str
    operand: "Node"
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Paren:
    """Parentheses as written (kept so that a term is rendered as the user grouped it)."""

    body: "Node"
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Dot:
    """R's ``.`` on the right-hand side: every data column not used in the response."""

    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Formula:
    """``lhs ~ rhs`` (``lhs`` is None for a one-sided formula)."""

    lhs: "Node | None"
    rhs: "Node"
    text: str = field(default="", compare=False)


Node = Union[Num, Str, Name, Const, Call, BinOp, Unary, Paren, Dot]


def children(n: "Node") -> list:
    """The nodes directly under ``n``, left to right."""
    if isinstance(n, BinOp):
        return [n.left, n.right]
    if isinstance(n, Unary):
        return [n.operand]
    if isinstance(n, Paren):
        return [n.body]
    if isinstance(n, Call):
        return list(n.args) + [v for _, v in n.kwargs]
    return []


def count_dots(node: "Node | None") -> int:
    """The number of ``.`` in ``node`` (walked without recursion: a ``+``/``-`` chain is not bounded in depth)."""
    count, stack = 0, [node] if node is not None else []
    while stack:
        n = stack.pop()
        count += isinstance(n, Dot)
        stack += children(n)
    return count


def names_read(node: "Node") -> list[str]:
    """The names ``node`` reads (``x`` and ``g`` in ``log(x) : factor(g)``), each once, in order of appearance
    (walked without recursion)."""
    out: dict[str, None] = {}
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name):
            out.setdefault(n.id)
        stack += reversed(children(n))
    return list(out)


def is_na_constant(node: "Node") -> bool:
    """Whether ``node`` is R's NA (``NA``, ``NA_real_``, ``NA_character_``...), parentheses around it or not: the
    formula's numbers hold it as NaN, as they do ``NaN``, which R writes as the text "NaN" where NA is "NA" or a
    missing text."""
    while isinstance(node, Paren):
        node = node.body
    return isinstance(node, Const) and node.id.startswith("NA")
