"""The arguments of the functions a formula calls: matched to parameters as R matches them, and converted to
what a function takes (numbers, a whole number in a range, a flag), each refused naming the call.  A
function of a formula is a :data:`Builtin`: it receives the evaluator and its call node, and evaluates its own
arguments."""

from __future__ import annotations

import math
from typing import Any, Callable, TYPE_CHECKING

import numpy as np

from .._arguments import shown, shown_items
from ..errors import FormulaError
from .deparse import deparse
from .na_values import R_NA, na_exact, r_na_mask
from .nodes import Call, Node
from .values import FactorVec, NumMat, NumVec, Value, label_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["Builtin", "bind", "call_error", "flag", "levels_text", "literal_numbers", "math1", "numeric",
           "scalar_number", "whole_number"]


def call_error(where: Node, what: str) -> FormulaError:
    return FormulaError(f"{deparse(where)}: {what}")


def bind(call: Call, params: tuple[str, ...], required: int = 1, varargs: bool = False) -> dict[str, Node]:
    """Match the call's arguments to ``params`` as R does for exact names: positional in order, then by
    name.  Returns name -> argument node (unevaluated); ``"..."`` holds extra positionals when ``varargs``."""
    out: dict[str, Node] = {}
    extra: list[Node] = []
    names = [p for p in params]
    for key, node in call.kwargs:
        if key not in names:
            raise call_error(call, f"unknown argument {shown(key)} (arguments: {', '.join(params)})")
        out[key] = node
    free = [p for p in names if p not in out]
    for node in call.args:
        if free:
            out[free.pop(0)] = node
        elif varargs:
            extra.append(node)
        else:
            raise call_error(call, f"too many arguments (it takes {', '.join(params)})")
    missing = [p for p in names[:required] if p not in out]
    if missing:
        raise call_error(call, f"the argument {shown(missing[0])} is missing")
    if varargs:
        out["..."] = extra  # type: ignore[assignment]
    return out


def numeric(value: Value, call: Node, what: str = "argument") -> np.ndarray | float:
    """A numeric array or a float; factors, strings and matrices are refused."""
    if isinstance(value, NumVec):
        return value.values
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, FactorVec):
        raise call_error(call, f"the {what} is a factor (with levels {levels_text(value.levels)}); arithmetic is not "
                         "meaningful for factors")
    if isinstance(value, NumMat):
        raise call_error(call, f"the {what} has several columns ({value.values.shape[1]}); use it as a term on its own")
    if isinstance(value, str):
        raise call_error(call, f"the {what} is a string, not a number")
    raise call_error(call, f"the {what} is not a number")


def scalar_number(value: Value, call: Call, what: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float)):
        raise call_error(call, f"{what} must be a number")
    return float(value)


def literal_numbers(value: Value, call: Call, what: str) -> np.ndarray:
    """Numbers written in the formula (``c(0, 10, 20)``, ``seq(...)``, one number), never a column."""
    if isinstance(value, tuple) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return np.asarray(value, dtype=float)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return np.asarray([value], dtype=float)
    raise call_error(call, f"{what} must be numbers written in the formula, such as c(0, 10, 20)")


def whole_number(value: Value, call: Call, what: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` (an infinite or fractional one is refused, never converted)."""
    v = scalar_number(value, call, what)
    if not (math.isfinite(v) and v.is_integer() and low <= v <= high):
        raise call_error(call, f"{what} must be a whole number from {low} to {high}")
    return int(v)


def flag(value: Value, call: Call, what: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise call_error(call, f"{what} must be TRUE or FALSE")


def levels_text(levels: tuple, k: int = 8) -> str:
    """The first ``k`` levels for a message, each quoted as any value (cut, its line breaks escaped)."""
    return shown_items(levels, k, lambda v: shown(label_text(v)))


Builtin = Callable[["Evaluator", Call], Value]


def column_or_number(r: Any, args: list) -> Value:
    """A function's result ``r``: a column where any of its arguments ``args`` was one, else a number."""
    if any(isinstance(a, np.ndarray) for a in args):
        return NumVec(np.asarray(r, dtype=float))
    return float(np.asarray(r, dtype=float))


def math1(x: np.ndarray, r: Any, v: Value, integer: bool = False) -> NumVec:
    """A math function's result ``r`` of the numbers ``x`` (of the value ``v``): where x is NaN, x's own NaN, as R's
    math1 keeps it (NA stays NA, NaN NaN), exact about NA (``NumVec.na_exact``) where x was."""
    out = np.asarray(r, dtype=float)
    if not na_exact(v):
        return NumVec(out, integer=integer)
    missing = np.isnan(x)
    return NumVec(np.where(missing, x, out) if missing.any() else out, integer=integer, na_exact=True)


def unary(fn: Callable[[np.ndarray], Any]) -> Builtin:
    """R's ``f(x)`` of a numeric x, computed by ``fn`` on a float array (numpy's warnings silenced: R's NaN and
    +-Inf are the values); a missing x gives x itself, NA or NaN, as R's math1 (:func:`math1`)."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        v = ev.eval(bind(call, ("x",))["x"])
        x = numeric(v, call)
        with np.errstate(all="ignore"):
            r = fn(np.asarray(x, dtype=float))
        if isinstance(x, np.ndarray):
            return math1(x, r, v)
        return x if x != x else float(np.asarray(r, dtype=float))
    return apply


def binary(fn: Callable[[np.ndarray, np.ndarray], Any], params: tuple[str, str]) -> Builtin:
    """R's ``f(a, b)`` of two numerics (each a column or a number, broadcast against the other), computed by
    ``fn`` on two float arrays of one dimension (numpy's warnings silenced, as for :func:`unary`)."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        a = bind(call, params, required=2)
        values = [ev.eval(a[p]) for p in params]
        x, y = (numeric(v, call, p) for v, p in zip(values, params))
        xs, ys = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        with np.errstate(all="ignore"):
            r = np.asarray(fn(np.array(xs, dtype=float, ndmin=1), np.array(ys, dtype=float, ndmin=1)), dtype=float)
        return math2(xs, ys, r.reshape(xs.shape), values, [x, y])
    return apply


def math2(xs: np.ndarray, ys: np.ndarray, r: np.ndarray, values: list, args: list) -> Value:
    """A two-argument function's result ``r`` of the numbers ``xs`` and ``ys`` (of the values ``values``, the
    numbers ``args``) as R's math2 leaves it (``if_NA_Math2_set``): R's NA where either is NA, NaN where either is
    another NaN, whichever NaN the function returned (``choose(NaN, NA)`` is NA, ``atan2(log(-1), NA)`` NA); exact
    about NA (``NumVec.na_exact``) where both values were.  A column where either argument was one."""
    if not all(na_exact(v) for v in values):
        return column_or_number(r, args)
    missing = np.isnan(xs) | np.isnan(ys)
    if missing.any():  # (r_na_mask of one number is of one row: the shapes kept as they came)
        na = (r_na_mask(xs) | r_na_mask(ys)).reshape(missing.shape)
        r = np.where(na, R_NA, np.where(missing, np.nan, r))
    if any(isinstance(v, np.ndarray) for v in args):
        return NumVec(np.asarray(r, dtype=float), na_exact=True)
    return float(np.asarray(r, dtype=float))
