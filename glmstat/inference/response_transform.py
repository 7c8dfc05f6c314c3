"""A transformed response as emmeans reads it from the left-hand side, and the back-transformation to the
response scale.

emmeans detects the transformation from the names of the functions called on the left-hand side
(``log(y)``: log; ``asin(sqrt(y))``: asin.sqrt; ``I(...)``: identity), a constant multiplier (``2 * sqrt(y)``)
and a constant added inside (``log(y + 1)``; ``I(y + 1)`` too, whose means emmeans gives less the 1).  With h
the inverse of that transformation (log: exp; log10: 10^x; log2: 2^x; log1p: expm1; sqrt: x^2; exp: log;
asin.sqrt: sin(x)^2; atanh: tanh; identity: x), m the multiplier, c the
constant and g the link, the response scale of a linear predictor eta is h(g^{-1}(eta) / m) - c.  A
left-hand side emmeans does not know (``factor(y)``, ``cbind(s, f)``, ``y / n``) is the response itself.

A response whose first function is ``scale()`` is undone with the centre a and scale s the fit learned (R's
``predvars``, which emmeans reads): a + s g^{-1}(eta) -- written here as h = identity, m = 1 / s, c = -a.
As in emmeans, nothing else on such a left-hand side is undone (``scale(log(y))`` stays on the log scale,
``2 * scale(y)`` keeps its factor 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from ..formula.nodes import BinOp, Call, Const, Name, Num, Paren, Unary

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["RESPONSE_TRANSFORMS", "response_transform", "fitted_response_transform", "back_transform"]


def _clip(lo: float, hi: float):
    return lambda x: np.clip(x, lo, hi)


#: emmeans' back-transformations of a response transformation (its ``.make.link``): name -> (inverse, its
#: derivative, base of the ratio that pairs() shows or None)
RESPONSE_TRANSFORMS = {
    "log": (np.exp, np.exp, np.e),
    "log2": (np.exp2, lambda x: np.exp2(x) * np.log(2.0), 2.0),
    "log10": (lambda x: 10.0 ** x, lambda x: 10.0 ** x * np.log(10.0), 10.0),
    "log1p": (np.expm1, np.exp, None),
    "sqrt": (lambda x: np.maximum(x, 0.0) ** 2, lambda x: 2 * np.maximum(x, 0.0), None),
    "exp": (np.log, lambda x: 1 / x, None),
    "asin.sqrt": (lambda x: np.sin(_clip(0, np.pi / 2)(x)) ** 2, lambda x: np.sin(2 * _clip(0, np.pi / 2)(x)),
                  None),
    "atanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2, None),
    "scale": (lambda x: x, np.ones_like, None),
    "identity": (lambda x: x, np.ones_like, None),
}


def _called(node: Any, out: list[str]) -> list[str]:
    """The names of the functions called in ``node``, in R's order (``all.vars(functions = TRUE)``)."""
    if isinstance(node, Call):
        out.append(node.func)
        for a in node.args + tuple(v for _, v in node.kwargs):
            _called(a, out)
    elif isinstance(node, BinOp):
        _called(node.left, out)
        _called(node.right, out)
    elif isinstance(node, Unary):
        _called(node.operand, out)
    elif isinstance(node, Paren):
        _called(node.body, out)
    return out


def _constant(node: Any) -> float | None:
    """A number written as a literal (``1``, ``-0.5``, ``(3/8)``, R's ``TRUE`` and ``FALSE``: emmeans evaluates the
    constant, log(y + TRUE) is log(y + 1)), else None."""
    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Const) and node.id in ("TRUE", "FALSE"):
        return float(node.id == "TRUE")
    if isinstance(node, Paren):
        return _constant(node.body)
    if isinstance(node, Unary) and node.op in "+-":
        v = _constant(node.operand)
        return None if v is None else (-v if node.op == "-" else v)
    if isinstance(node, BinOp) and node.op in ("*", "/", "+", "-"):
        a, b = _constant(node.left), _constant(node.right)
        if a is None or b is None or (node.op == "/" and b == 0):
            return None
        return {"*": a * b, "/": a / b if b else None, "+": a + b, "-": a - b}[node.op]
    return None


def _first_call(node: Any, func: str) -> Call | None:
    """The first call of ``func`` in ``node``, in R's order."""
    if isinstance(node, Call):
        if node.func == func:
            return node
        children = node.args + tuple(v for _, v in node.kwargs)
    elif isinstance(node, BinOp):
        children = (node.left, node.right)
    elif isinstance(node, Unary):
        children = (node.operand,)
    elif isinstance(node, Paren):
        children = (node.body,)
    else:
        return None
    for child in children:
        found = _first_call(child, func)
        if found is not None:
            return found
    return None


def response_transform(response: Any, state: Mapping[Any, Any] | None = None):
    """emmeans' transformation of a response ``response`` (the left-hand side's node): (name, multiplier,
    constant added inside) or None (see the module docstring).  ``state``: the fit's learned parameters of
    stateful transforms, by call (a ``scale()`` response is undone with its own)."""
    if response is None:
        return None
    called = [f for f in dict.fromkeys(_called(response, [])) if f != "cbind"]  # (R's setdiff: each once)
    if not called:
        return None
    if called[0] == "scale":  # (emmeans: "Unable to recover scale() parameters" without them)
        params = (state or {}).get(_first_call(response, "scale"))
        if params is None:
            return None
        center, scale = params
        return "scale", 1.0 / scale, -center
    # (emmeans: I(...) first is the identity, whatever it calls inside, its multiplier and constant still read)
    name = "identity" if called[0] == "I" else ".".join(called)
    if name not in RESPONSE_TRANSFORMS:
        return None
    mult, inner = 1.0, response
    if isinstance(inner, BinOp) and inner.op == "*" and isinstance(inner.right, Call):
        m = _constant(inner.left)
        if m is not None and m != 0:
            mult, inner = m, inner.right
    add = 0.0
    if isinstance(inner, Call) and len(inner.args) == 1 and isinstance(inner.args[0], BinOp) \
            and inner.args[0].op == "+" and isinstance(inner.args[0].left, Name):
        c = _constant(inner.args[0].right)
        add = c if c is not None else 0.0
    if name == "identity" and mult == 1.0 and add == 0.0:
        return None  # (I(y), I(y - 1), I(2 * y): nothing to undo)
    return name, mult, add


def fitted_response_transform(fit: "GLMResults"):
    """:func:`response_transform` of ``fit``'s left-hand side, with the parameters its transforms learned."""
    spec = fit.model_frame.spec
    return response_transform(spec.terms.response, spec.state)


def back_transform(fit: "GLMResults"):
    """(h, dh): the response scale of eta -- the inverse link, then the inverse of the response's
    transformation -- and its derivative in eta."""
    link = fit.family.link
    tr = fitted_response_transform(fit)
    if tr is None:
        return link.inverse, link.mu_eta
    name, mult, add = tr
    inv, dinv, _ = RESPONSE_TRANSFORMS[name]

    def h(eta):
        return inv(link.inverse(eta) / mult) - add

    def dh(eta):
        return dinv(link.inverse(eta) / mult) * link.mu_eta(eta) / mult

    return h, dh
