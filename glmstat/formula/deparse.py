"""R's text for a node (``deparse``): the names of terms and design columns.

``I(x^2)``, ``log(hp, 10)``, ``relevel(factor(cyl), ref = "6")``: spaces around ``+ - * ==`` and the
logical operators, none around ``/ ^ : %% %/%``, strings in double quotes, keyword arguments as
``key = value``, non-syntactic names in backticks -- as R prints term labels and column names.  Python
spellings are shown in R's (``x**2`` as ``x^2``, ``np.log(x)`` unchanged: it is a name).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from .nodes import BinOp, Call, Const, Dot, Name, Node, Num, Paren, Str, Unary
from .values import number_text
from .parser import sum_chain
from .lexer import is_reserved, reads_as_name

__all__ = ["deparse", "is_subscript", "number_literal", "r_function", "r_name", "subscripted"]

_TIGHT = {"/", "^", ":", "%%", "%/%"}
_SYNTACTIC = re.compile(r"^(?:[^\W\d_]|\.(?![0-9]))[\w.]*$")
# (a name '.' is not written bare: read back, it is the formula's '.', every other column -- a column named '.'
# written so made update(~ . - z) of y ~ . the model with z; nor is a reserved word: a column named Inf or TRUE
# written bare reads back as R's constant)


def r_name(name: str) -> str:
    """``name`` as R writes it: as is when syntactic, else in backticks.  A name is written bare only if
    glmstat's lexer also reads it back as that name and it is not one of R's reserved words (``Inf``, ``TRUE``,
    ``NA``, ``if``...), which R writes in backticks too: R's pattern, by Python's ``\\w``, takes ``½`` and ``²x``
    for names, which the lexer (as R) does not, so the formula text that update(), drop1() and step() write
    could not be read again."""
    if _SYNTACTIC.match(name) and name != "." and not is_reserved(name) and reads_as_name(name):
        return name
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def r_function(func: str) -> str:
    """A called function's name as R writes it: a namespace-qualified one (``splines::ns``) as its package
    and name, each as :func:`r_name` writes it."""
    pkg, sep, name = func.partition("::")
    if sep and pkg and name:
        colons = "::" + (":" if name.startswith(":") else "")
        return r_name(pkg) + colons + r_name(name.removeprefix(":"))
    return r_name(func)


def _integer_literal(node: Num) -> int | None:
    """The value of an integer literal (``5L``, ``0x10L``, ``1e3L``), or None for any other number (R reads
    ``2.5L`` and a literal beyond the integers' range as a double)."""
    v = node.value
    if node.text.endswith("L") and math.isfinite(v) and v.is_integer() and abs(v) <= 2**31 - 1:
        return int(v)
    return None


def _number(node: Num) -> str:
    """A number as R's term labels write it, by its value alone: an integer literal without its ``L`` (R's label
    of poly(x, 2L) is poly(x, 2)).  Nodes compare by value, as R's terms match variables (poly(x, 2L) is the
    variable poly(x, 2)), and deparse() is cached by node, so the text must not depend on the spelling: R's
    label of I(x * 100000L) is I(x * 100000), here I(x * 1e+05), as of I(x * 100000)."""
    v = node.value
    if not math.isfinite(v):
        return "Inf" if v > 0 else "NaN"
    return number_text(v)  # R's: 100000 is 1e+05, 0.0001 is 1e-04, 123456 stays


def number_literal(node: Num) -> str:
    """A number as R's ``deparse`` of a call writes it (the Call line): an integer literal keeps its ``L``, in
    decimals (``0x10L`` is ``16L``); any other number as :func:`deparse` writes it."""
    whole = _integer_literal(node)
    return f"{whole}L" if whole is not None else _number(node)


def _string(s: str) -> str:
    body = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + body + '"'


def is_subscript(node: Node) -> bool:
    """Whether ``node`` is R's subscript ``x[i]``: the parser's call of ``[`` of two arguments."""
    return isinstance(node, Call) and node.func == "[" and len(node.args) == 2 and not node.kwargs


def subscripted(node: Node) -> Node:
    """The indexed value of the subscript ``node`` (:func:`is_subscript`), in parentheses where R's deparse puts
    them (an operator's result: `` `[`(a + b, 1) `` is written ``(a + b)[1]``)."""
    x = node.args[0]
    return Paren(x, x.pos) if isinstance(x, (BinOp, Unary)) else x


@lru_cache(maxsize=4096)
def deparse(node: Node) -> str:
    """R's text of ``node`` (cached: nodes are immutable)."""
    if isinstance(node, Name):
        return r_name(node.id)
    if isinstance(node, Const):
        return node.id
    if isinstance(node, Num):
        return _number(node)
    if isinstance(node, Str):
        return _string(node.value)
    if isinstance(node, Dot):
        return "."
    if isinstance(node, Paren):
        return "(" + deparse(node.body) + ")"
    if isinstance(node, Unary):
        return node.op + deparse(node.operand)
    if is_subscript(node):
        return f"{deparse(subscripted(node))}[{deparse(node.args[1])}]"
    if isinstance(node, Call):
        parts = [deparse(a) for a in node.args] + [f"{r_name(k)} = {deparse(v)}" for k, v in node.kwargs]
        return f"{r_function(node.func)}({', '.join(parts)})"
    if isinstance(node, BinOp):
        if node.op in ("+", "-"):
            chain = sum_chain(node)
            out = [deparse(chain[0][1])]
            for op, operand in chain[1:]:
                out.append(f" {op} {deparse(operand)}")
            return "".join(out)
        sep = node.op if node.op in _TIGHT else f" {node.op} "
        return deparse(node.left) + sep + deparse(node.right)
    raise TypeError(f"not a formula node: {node!r}")
