"""The fit as the call R prints in ``print.glm`` and ``summary.glm`` (``deparse(fit$call)``).

``glm(formula = y ~ a * b + log(z), family = poisson(link = "log"), weights = w0, offset = o)``: the
formula re-deparsed from its syntax tree (spaces around ``+ - * ~`` and comparisons, none around
``/ ^ : %%``), the family as a call R accepts (``quasi(link = "log", variance = "mu^2")``,
``negative.binomial(theta = 2, link = "log")``, ``tweedie(var.power = 1.5, link.power = 0)``), ``weights =``,
``subset =`` and ``offset =`` when they were given as column names or R expressions (``offset = log(service)``),
an estimated negative binomial theta as MASS's ``glm.nb(formula = ..., init.theta = 1.274892646, link =
log)``, a bias-reduced fit as brglm2's ``method = "brglmFit"``, and ``control = glm.control(epsilon = 1e-10,
maxit = 50)`` with a ``tol`` or ``max_iter`` other than R's defaults (and ``trace = TRUE`` for ``trace=True``).
``data =`` is left out: glmstat cannot know the name of the caller's data; so are weights and offsets given as
arrays, and ``start=`` coefficients (R would print the expression that made them, which glmstat does not have) --
the call stays valid R and never names a variable that was not used.  (The ``weights =`` column is the one the
model frame records, in memory and streamed alike.)

Lines are broken as R's ``deparse`` breaks them (``width.cutoff = 60``): after an argument's ``", "`` or
an operator's ``" + "`` once the line is longer than 60 bytes (R counts the bytes of its UTF-8 text, so a
name in CJK characters, three bytes each, breaks the line sooner), continuation lines indented by 4 spaces
per open level.  Every name is made printable (:func:`~glmstat.report.rformat.encode_string`) before it is
measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from ..engine.fit_state import Control
from ..errors import GLMStatError
from ..families import NegativeBinomial, Quasi, Tweedie
from ..formula.deparse import deparse, is_subscript, number_literal, r_function, r_name, subscripted
from ..formula.nodes import BinOp, Call, Formula, Node, Num, Paren, Unary
from ..formula.parser import parse, sum_chain
from ..links import LINK_NAMES, Power
from .rformat import encode_string, format_r

if TYPE_CHECKING:
    from ..inference.results import GLMResults

__all__ = ["call_text", "call_lines", "RCall", "deparse_lines", "formula_lines"]

CUTOFF = 60  # deparse()'s width.cutoff, as print.glm and print.summary.glm call it
_TIGHT = {"/", "^", ":", "%%", "%/%"}  # R's PP_BINARY2 operators: no spaces, no line break


@dataclass(frozen=True)
class RCall:
    """A call to deparse: ``func(tag = value, ...)``; a value is a formula node, a nested call or text
    that is already R source (a string literal, a number, a name)."""

    func: str
    args: tuple[tuple[str, "Piece"], ...]


Piece = Union[RCall, Formula, Node, str]


class _Deparser:
    """R's ``deparse2buff`` state: the lines written, the current line, its length and the indent level."""

    def __init__(self, cutoff: int) -> None:
        self.cutoff, self.lines, self.line, self.indent = cutoff, [], "", 0
        self.start = True

    def put(self, text: str) -> None:
        if self.start:  # a new line: indent 4 spaces per level (2 beyond the fourth), as printtab2buff
            self.start = False
            self.line += "".join("    " if i <= 4 else "  " for i in range(1, self.indent + 1))
        self.line += text

    def write_line(self) -> None:
        self.lines.append(self.line)
        self.line, self.start = "", True

    def line_break(self, broke: bool) -> bool:
        """R's ``linebreak``: a new line once this one is longer than the cutoff, in UTF-8 bytes as R's
        ``print2buff`` counts (``strlen``); the first break of an argument list or operand indents one level
        (returns whether it did)."""
        if len(self.line.encode("utf-8", "replace")) > self.cutoff:
            if not broke:
                broke = True
                self.indent += 1
            self.write_line()
        return broke

    def piece(self, p: Piece) -> None:
        if isinstance(p, str):
            self.put(encode_string(p, backslash=False))
        elif isinstance(p, RCall):
            self.call(p.func, p.args)
        elif isinstance(p, Formula) and p.lhs is not None:
            self.binary(p.lhs, "~", p.rhs)
        elif isinstance(p, Formula):  # one-sided
            self.put("~")
            self.node(p.rhs)
        else:
            self.node(p)

    def call(self, func: str, args: tuple[tuple[str, Piece], ...]) -> None:
        self.put(encode_string(func, backslash=False) + "(")
        broke = False
        for k, (tag, value) in enumerate(args):
            if tag:
                self.put(f"{encode_string(tag, backslash=False)} = ")
            self.piece(value)
            if k < len(args) - 1:
                self.put(", ")
                broke = self.line_break(broke)
        if broke:
            self.indent -= 1
        self.put(")")

    def binary(self, left: Piece, op: str, right: Piece) -> None:
        self.piece(left)
        self.operand(op, right)

    def operand(self, op: str, right: Piece) -> None:
        """`` op right`` of an operator with spaces (R's PP_BINARY): a possible line break after it."""
        self.put(f" {op} ")
        broke = self.line_break(False)
        self.piece(right)
        if broke:
            self.indent -= 1

    def node(self, n: Node) -> None:
        if isinstance(n, BinOp) and n.op in ("+", "-"):  # a long sum without recursion, as R nests it
            chain = sum_chain(n)
            self.node(chain[0][1])
            for op, term in chain[1:]:
                self.operand(op, term)
        elif isinstance(n, BinOp) and n.op in _TIGHT:
            self.node(n.left)
            self.put(n.op)
            self.node(n.right)
        elif isinstance(n, BinOp):
            self.binary(n.left, n.op, n.right)
        elif is_subscript(n):  # (R's x[i])
            self.node(subscripted(n))
            self.put("[")
            self.node(n.args[1])
            self.put("]")
        elif isinstance(n, Call):
            self.call(r_function(n.func), tuple(("", a) for a in n.args) + tuple((r_name(k), v) for k, v in n.kwargs))
        elif isinstance(n, Paren):
            self.put("(")
            self.node(n.body)
            self.put(")")
        elif isinstance(n, Unary):
            self.put(n.op)
            self.node(n.operand)
        elif isinstance(n, Num):  # (an integer literal keeps its L here, as R's deparse of the call)
            self.put(number_literal(n))
        else:  # a name, string, constant or the dot
            self.put(encode_string(deparse(n), backslash=False))


def deparse_lines(call: Piece, cutoff: int = CUTOFF) -> list[str]:
    """The lines R's ``deparse(call, width.cutoff = cutoff)`` gives (the breaks after ``", "`` and operators
    keep their trailing space, as R's do)."""
    d = _Deparser(cutoff)
    d.piece(call)
    d.write_line()
    return d.lines


def formula_lines(formula: Formula, cutoff: int = CUTOFF) -> list[str]:
    """The lines R's ``deparse(formula)`` gives (``width.cutoff = 60``, as ``lmtest::lrtest`` and ``anova`` write
    ``Model 1: ...``): spaces around ``~ + -`` and the other spaced operators, a line broken after an operator
    once it is longer than the cutoff, continuation lines indented by 4 spaces."""
    return deparse_lines(formula, cutoff)  # type: ignore[arg-type]


def _number(x: float) -> str:
    """A number as ``deparse`` writes it (15 significant digits, R's choice of notation)."""
    return format_r([x], 15)[0].strip()


def _link_arg(link, quoted: bool = True) -> Piece:
    """The ``link =`` value: a name R knows (quoted, or bare for glm.nb), else ``power(p)`` for a power link."""
    recipe = getattr(link, "recipe", None)
    if link.name not in LINK_NAMES and recipe is not None and recipe[0] is Power and recipe[1][0] > 0:
        return RCall("power", (("", _number(recipe[1][0])),))  # (R's power() of p <= 0 is the log link)
    return f'"{link.name}"' if quoted else link.name


def _family(fam) -> RCall:
    """The family as a call R accepts."""
    if isinstance(fam, Tweedie):  # statmod
        return RCall("tweedie", (("var.power", _number(fam.var_power)), ("link.power", _number(fam.link_power))))
    if isinstance(fam, NegativeBinomial):  # MASS's family function: theta first, and required
        return RCall("negative.binomial", (("theta", _number(fam.theta)), ("link", _link_arg(fam.link))))
    args: tuple[tuple[str, Piece], ...] = (("link", _link_arg(fam.link)),)
    if isinstance(fam, Quasi):
        args += (("variance", f'"{fam.variance_name}"'),)
    return RCall(fam.name, args)


def _formula(fit: "GLMResults") -> Piece:
    """The formula's syntax tree, re-read from its text (R deparses the parsed formula, not the text)."""
    try:
        return parse(fit.formula, fit.model_frame.spec.limits)
    except (GLMStatError, RecursionError, AttributeError):  # (not expected: the fit parsed it)
        return fit.formula


_DEFAULT_CONTROL = Control()  # R's glm.control(): epsilon = 1e-8, maxit = 25


def _control(fit: "GLMResults") -> tuple[tuple[str, Piece], ...]:
    """``control = glm.control(epsilon = ..., maxit = ..., trace = TRUE)`` with the settings other than R's
    defaults, in glm.control's order, as R records a control typed (``glm.control``, not ``list``: glm.nb reads
    every field of it); none when all are R's.  A bias-reduced fit has none: brglm2's ``brglmControl`` has other
    defaults (maxit = 100)."""
    c = getattr(fit, "control", _DEFAULT_CONTROL)
    if fit.method == "firth":
        return ()
    args = ((("epsilon", _number(c.tol)),) if c.tol != _DEFAULT_CONTROL.tol else ()) + (
        (("maxit", _number(c.max_iter)),) if c.max_iter != _DEFAULT_CONTROL.max_iter else ()) + (
        (("trace", "TRUE"),) if getattr(c, "trace", False) else ())
    return (("control", RCall("glm.control", args)),) if args else ()


def call_of(fit: "GLMResults") -> RCall:
    """The call R would have recorded for ``fit`` (see the module docstring); ``weights =`` names the column
    the fit's model frame records."""
    frame = fit.model_frame
    spec = getattr(frame, "spec", None)
    chosen = getattr(frame, "subset", None)
    # a column's name or an expression of columns; values have no expression to show (as an array of weights)
    given = (("weights", getattr(spec, "weights_node", None)), ("subset", None if chosen is None else chosen.node),
             ("offset", getattr(spec, "offset_node", None)))
    columns = tuple((tag, node) for tag, node in given if node is not None)  # (glm()'s order, as match.call's)
    fam = fit.family
    if fit.theta is not None:  # theta estimated: MASS's glm.nb records init.theta and link after the call
        theta = ("init.theta", _number(float(f"{fit.theta:.10g}")))
        link = ("link", _link_arg(fam.link, quoted=False))
        tail = (theta, link) if fam.link.name == "log" else (link, theta)  # a link given: where it was typed
        return RCall("glm.nb", (("formula", _formula(fit)),) + columns + _control(fit) + tail)
    # brglm2's method, whose default type (AS_mixed) is AS_mean -- glmstat's Firth fit -- for the binomial
    method = (("method", '"brglmFit"'),) if fit.method == "firth" else ()
    return RCall("glm", (("formula", _formula(fit)), ("family", _family(fam))) + columns + _control(fit) + method)


def call_lines(fit: "GLMResults") -> list[str]:
    """The call's lines as ``print(fit$call)`` shows them (see :func:`call_of`)."""
    return deparse_lines(call_of(fit))


def call_text(fit: "GLMResults") -> str:
    """The call as one text, its lines joined by newlines (see :func:`call_of`)."""
    return "\n".join(call_lines(fit))
