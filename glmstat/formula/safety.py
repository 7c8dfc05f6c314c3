"""Bounds on what the literals of a formula may compute.

The safety check in :mod:`glmstat.formula` keeps a formula away from the system (no imports, no
attributes but ``np.<math>``, no builtins).  Python's arbitrary-precision integers leave one more way to
hurt the caller: arithmetic on literals alone, such as ``I(9**9**9)`` or ``I('a' * 10**10)``, runs for
hours or exhausts memory before anything else fails.  Here every operation whose operands are all
literals is folded with bounded arithmetic first, and refused when its result would be huge.  Data
columns are numpy arrays of fixed-width numbers, so operations on them cannot blow up this way.
"""

from __future__ import annotations

import ast
import operator
from typing import Any

from ..errors import FormulaError

__all__ = ["check_literal_sizes", "MAX_INT_BITS", "MAX_SEQUENCE_LENGTH"]

#: Largest integer a formula literal may compute (2^4096 ~ 1e1233, far beyond any float).
MAX_INT_BITS = 4096
#: Longest string/list/tuple a formula literal may compute.
MAX_SEQUENCE_LENGTH = 100_000


class _NotLiteral(Exception):
    """The subtree involves a name, call, attribute...: not foldable, and not our concern."""


_BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert, ast.Not: operator.not_}


def _bits(v: Any) -> int:
    return abs(int(v)).bit_length() if isinstance(v, int) else 0


def _length(v: Any) -> int:
    return len(v) if isinstance(v, (str, bytes, list, tuple)) else 0


def _too_big(op: type, a: Any, b: Any) -> bool:
    """Would ``a op b`` be an integer above MAX_INT_BITS or a sequence above MAX_SEQUENCE_LENGTH?"""
    ints = isinstance(a, int) and isinstance(b, int)
    if op is ast.Pow and ints:
        return b > 0 and abs(a) > 1 and _bits(a) * b > MAX_INT_BITS
    if op is ast.LShift and ints:
        return a != 0 and b > MAX_INT_BITS
    if op is ast.Mult:
        if ints:
            return _bits(a) + _bits(b) > MAX_INT_BITS
        if isinstance(b, int) and _length(a):
            return _length(a) * b > MAX_SEQUENCE_LENGTH
        if isinstance(a, int) and _length(b):
            return _length(b) * a > MAX_SEQUENCE_LENGTH
    return False


def _fold(node: ast.AST, expr: str) -> Any:
    """The value of a literal-only subtree (bounded), or :class:`_NotLiteral`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_fold(e, expr) for e in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        v = _fold(node.operand, expr)
        try:
            return _UNARY[type(node.op)](v)
        except Exception as e:  # e.g. -"a": evaluation would fail the same way, and be reported then
            raise _NotLiteral from e
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _fold(node.left, expr), _fold(node.right, expr)
        if _too_big(type(node.op), a, b):
            raise FormulaError(
                f"formula term {expr!r} computes a literal of astronomical size "
                f"({ast.unparse(node)}); glmstat refuses to evaluate it"
            )
        try:
            return _BINOPS[type(node.op)](a, b)
        except Exception as e:
            raise _NotLiteral from e
    raise _NotLiteral


def check_literal_sizes(tree: ast.AST, expr: str) -> None:
    """Raise :class:`FormulaError` if an operation on literals in ``tree`` would compute a huge value."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            try:
                _fold(node, expr)
            except _NotLiteral:
                pass
