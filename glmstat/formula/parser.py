"""R's formula grammar: text -> :class:`~glmstat.formula.nodes.Formula`.

A precedence-climbing parser over the tokens of :mod:`glmstat.formula.lexer`, with R's operator precedence
(from ``?Syntax``, loosest first): ``~``; ``|`` ``||``; ``&`` ``&&``; ``!``; comparisons (not chained);
binary ``+ -``; ``* /``; ``%in% %% %/%``; ``:``; unary ``- +``; ``^`` (right to left); subscripts (``x[i]``),
calls and atoms.
The same grammar serves both roles of these operators: ``a*b`` is crossing on a formula's right-hand side and
multiplication inside ``I()`` -- which one is decided later, by where the node stands.

Nesting is bounded while parsing (``FormulaLimits.max_depth``): every walker of the tree recurses at most that
deep, except along the right-hand side's own chain of terms joined by ``+`` and ``-`` (``y ~ x1 + ... + x500``,
outside any parentheses or call), which they walk iteratively (:func:`sum_chain`).  A left-hand side is one
variable, hashed and compared as a whole, so its ``+``/``-`` chain counts against the limit like any other
operator (``y + 0 + ... + 0 ~ x`` with 200 operators is refused), as it does in :func:`parse_expression` unless
the caller walks chains iteratively and asks for ``flat_chain=True``.  So no formula can exhaust Python's
stack, and every variable (a node inside that chain) is small enough to hash, compare and pickle.
"""

from __future__ import annotations

import math

from .._arguments import shown
from .lexer import CONSTANT_WORDS, Token, tokenize
from .limits import DEFAULT_LIMITS, FormulaLimits, refuse
from .text_numbers import HEX_LITERAL_BITS, hex_literal_value
from .nodes import BinOp, Call, Const, Dot, Formula, Name, Node, Num, Paren, Str, Unary
from ..errors import FormulaError

__all__ = ["parse", "parse_expression", "sum_chain"]

# op -> (left binding power, right binding power); right < left means right-associative
_INFIX = {
    "|": (10, 11), "||": (10, 11),
    "&": (20, 21), "&&": (20, 21),
    "==": (30, 31), "!=": (30, 31), "<": (30, 31), ">": (30, 31), "<=": (30, 31), ">=": (30, 31),
    "+": (40, 41), "-": (40, 41),
    "*": (50, 51), "/": (50, 51),
    "%in%": (60, 61), "%%": (60, 61), "%/%": (60, 61),
    ":": (70, 71),
    "^": (80, 79),
}
_COMPARISON = {"==", "!=", "<", ">", "<=", ">="}
_NOT_BP = 25  # ! binds looser than comparisons, tighter than & and |
_UNARY_BP = 75  # unary minus binds looser than ^ and tighter than :
_CHAIN = ("+", "-")


def sum_chain(node: Node) -> list[tuple[str, Node]]:
    """The operands of a left-deep chain of binary ``+``/``-`` as ``[("+", first), (op, operand), ...]``,
    found without recursion."""
    out: list[tuple[str, Node]] = []
    while isinstance(node, BinOp) and node.op in _CHAIN:
        out.append((node.op, node.right))
        node = node.left
    out.append(("+", node))
    out.reverse()
    return out


class _Parser:
    def __init__(self, text: str, limits: FormulaLimits) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.limits = limits
        # whether a top-level +/- chain is free of the depth limit: only where every walker follows it
        # iteratively (a formula's right-hand side); a left-hand side is hashed as one node, recursively
        self.flat_chain = False
        self.part = "formula's left-hand side"  # what a counted chain belongs to, for its error

    # -- helpers --------------------------------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def end(self, tok: Token) -> int:
        """Where the token after ``tok`` starts (the end of the text after the last)."""
        return next((t.pos for t in self.tokens if t.pos > tok.pos), len(self.text))

    def spelling(self, tok: Token) -> str:
        """The token as the formula spells it (``**`` rather than the ``^`` it stands for), clipped."""
        return _clip(self.text[tok.pos:self.end(tok)].strip() or str(tok.value), 30)

    def error(self, tok: Token, what: str) -> FormulaError:
        near = repr(self.spelling(tok)) if tok.kind != "EOF" else "the end"
        return FormulaError(f"cannot read the formula {_clip(self.text)!r}: {what} at position {tok.pos + 1} "
                            f"(near {near})", span=(tok.pos, self.end(tok)), problem=what)

    def deeper(self, height: int, tok: Token, chain: bool = False) -> None:
        if height > self.limits.max_depth:
            what = (f"{self.part} joins more terms with '+' and '-' than allowed" if chain
                    else "formula nests deeper than allowed")
            raise refuse("max_depth", f"the {what} near position {tok.pos + 1}", height, self.limits)

    # -- grammar ----------------------------------------------------------------------------------------
    def expression(self, min_bp: int, depth: int) -> tuple[Node, int]:
        """An expression whose operators bind at least ``min_bp``; returns (node, nesting height)."""
        left, h = self.prefix(depth)
        while True:
            tok = self.peek()
            if tok.kind != "OP" or tok.value not in _INFIX:
                break
            lbp, rbp = _INFIX[tok.value]
            if lbp < min_bp:
                break
            self.take()
            right, rh = self.expression(rbp, depth + 1)
            nxt = self.peek()
            if tok.value in _COMPARISON and nxt.kind == "OP" and nxt.value in _COMPARISON:
                raise self.error(nxt, "comparisons cannot be chained (write (a < b) & (b < c))")
            left = BinOp(tok.value, left, right, tok.pos)
            # a +/- chain of the right-hand side's own terms grows along its left spine, which walkers follow
            # without recursion; inside parentheses and calls, and on a left-hand side, every operator counts
            chain = tok.value in _CHAIN and depth == 0
            h = max(h, rh + 1) if chain and self.flat_chain else max(h, rh) + 1
            self.deeper(h, tok, chain)
        return left, h

    def prefix(self, depth: int) -> tuple[Node, int]:
        tok = self.take()
        self.deeper(depth, tok)
        if tok.kind in ("NUM", "STR", "NAME", "LPAREN"):
            node, h = self.primary(tok, depth)
            if isinstance(node, Dot):
                return node, h
            return self.subscripts(node, h, depth)
        if tok.kind == "OP" and tok.value in ("-", "+", "!"):
            operand, h = self.expression(_NOT_BP if tok.value == "!" else _UNARY_BP, depth + 1)
            return Unary(tok.value, operand, tok.pos), h + 1
        if tok.kind == "EOF":
            raise self.error(tok, "the formula ends where a term is expected")
        raise self.error(tok, "a term is expected")

    def primary(self, tok: Token, depth: int) -> tuple[Node, int]:
        """A number, a string, a name, a call or an expression in parentheses (``tok`` its first token)."""
        if tok.kind == "NUM":
            return Num(_number_value(tok.value), tok.value, tok.pos), 0
        if tok.kind == "STR":
            return Str(tok.value, tok.pos), 0
        if tok.kind == "NAME":
            if not tok.quoted and tok.value == ".":
                return Dot(tok.pos), 0
            if not tok.quoted and tok.value in CONSTANT_WORDS:
                # R's reserved constants are never a column written bare (a column named Inf is `Inf`)
                if self.peek().kind == "LPAREN":
                    raise self.error(self.peek(), f"{tok.value} is a constant of R, not a function")
                return Const(tok.value, tok.pos), 0
            if self.peek().kind == "LPAREN":
                return self.call(tok, depth)
            if not tok.quoted and "::" in tok.value:
                raise self.error(tok, f"{tok.value} names an object of a package; a formula reads only "
                                      "its functions (splines::ns(x, 3)) and the data's columns")
            return Name(tok.value, tok.pos), 0
        body, h = self.expression(0, depth + 1)  # (an LPAREN)
        close = self.take()
        if close.kind != "RPAREN":
            raise self.error(close, "a ')' is missing")
        return Paren(body, tok.pos), h + 1

    def subscripts(self, node: Node, h: int, depth: int) -> tuple[Node, int]:
        """``node`` followed by R's subscripts, ``node[i]`` (``levels(g)[1:2]``; ``x[i][j]`` left to right), each
        the call of ``[`` that R's parser makes: ``Call("[", (node, i))``.  A list's ``[[`` and a matrix's
        ``x[i, j]`` are refused here, what a subscript may index and by what when it is evaluated."""
        while self.peek().kind == "LBRACKET":
            tok = self.take()
            nxt = self.peek()
            if nxt.kind == "LBRACKET":
                raise self.error(nxt, "'[[' (an element of a list) cannot be used in a formula; a subscript of "
                                      "literal values is written x[i]")
            if nxt.kind == "RBRACKET":
                raise self.error(nxt, "a subscript with no position (R's x[], every value) cannot be used in a "
                                      "formula")
            index, ih = self.expression(0, depth + 1)
            close = self.take()
            if close.kind == "COMMA":
                raise self.error(close, "a subscript in a formula takes one subscript, x[i] (a matrix's x[i, j] "
                                        "cannot be used)")
            if close.kind != "RBRACKET":
                raise self.error(close, "a ']' is missing")
            node, h = Call("[", (node, index), (), tok.pos), max(h, ih) + 1
            self.deeper(h, tok)
        return node, h

    def call(self, name: Token, depth: int) -> tuple[Node, int]:
        self.take()  # (
        args: list[Node] = []
        kwargs: list[tuple[str, Node]] = []
        h = 0
        if self.peek().kind == "RPAREN":
            self.take()
            return Call(name.value, (), (), name.pos), 1
        while True:
            tok = self.peek()
            key = None
            if tok.kind in ("NAME", "STR") and self.tokens[self.i + 1].kind == "ASSIGN":
                key = tok.value
                self.i += 2
            value, vh = self.expression(0, depth + 1)
            h = max(h, vh)
            if key is None:
                if kwargs:
                    raise self.error(tok, "a positional argument follows a named one")
                args.append(value)
            else:
                if any(k == key for k, _ in kwargs):
                    raise self.error(tok, f"the argument {shown(key)} is given twice")
                kwargs.append((key, value))
            sep = self.take()
            if sep.kind == "RPAREN":
                break
            if sep.kind != "COMMA":
                raise self.error(sep, f"a ',' or ')' is missing in the call of {name.value}()")
        return Call(name.value, tuple(args), tuple(kwargs), name.pos), h + 1


def _number_value(text: str) -> float:
    """A number literal's value as R reads it: a decimal or hexadecimal literal too large for a double is
    ``Inf`` (as ``1e999`` is), never an OverflowError."""
    body = text[:-1] if text.endswith("L") else text
    if body[:2] in ("0x", "0X") and ("." in body or "p" in body or "P" in body):
        return _hex_float(body)
    if body[:2] in ("0x", "0X"):
        digits = body[2:].lstrip("0") or "0"
        if len(digits) > 257:  # 16^256 = 2^1024 is beyond the largest double: skip the big int
            return math.inf
        try:
            return float(int(digits, 16))
        except OverflowError:
            return math.inf
    return float(body)


def _hex_float(body: str) -> float:
    """A hexadecimal literal with a point or a binary exponent (``0x1.8p1``), as R's parser reads it
    (:func:`~glmstat.formula.text_numbers.hex_literal_value`); refused where its digits are more than R's long
    double holds exactly."""
    mantissa, _, exponent = body[2:].replace("P", "p").partition("p")
    digits, point, fraction = mantissa.partition(".")
    value = hex_literal_value(digits, fraction if point else None, exponent or None)
    if value is None:
        raise FormulaError(f"the hexadecimal number {_clip(body, 60)} has more significant digits than "
                           f"{HEX_LITERAL_BITS} bits: R reads them in a long double, rounding at each digit, which "
                           "glmstat does not reproduce; write at most 16 significant hexadecimal digits")
    return value


def _clip(text: str, n: int = 120) -> str:
    return text if len(text) <= n else text[:n] + "..."


def _check_text(text: object, limits: FormulaLimits, what: str = "formula") -> str:
    if not isinstance(text, str):
        raise FormulaError(f"the {what} must be a string such as 'y ~ x1 + x2', got {type(text).__name__}")
    if len(text) > limits.max_length:
        raise refuse("max_length", f"the {what} has more characters than allowed", len(text), limits)
    return text


def parse(text: object, limits: FormulaLimits = DEFAULT_LIMITS) -> Formula:
    """Parse ``lhs ~ rhs`` (R syntax).  Raises :class:`FormulaError` with the position of a problem."""
    text = _check_text(text, limits)
    p = _Parser(text, limits)
    if not any(t.kind == "OP" and t.value == "~" for t in p.tokens):
        raise FormulaError(f"formula {_clip(text)!r} must have one '~' with a response on the left, e.g. 'y ~ x'")
    lhs = None
    if not (p.peek().kind == "OP" and p.peek().value == "~"):
        lhs, _ = p.expression(0, 0)
    tilde = p.take()
    if tilde.kind != "OP" or tilde.value != "~":
        raise FormulaError(f"formula {_clip(text)!r} must have one '~' with a response on the left, e.g. 'y ~ x'"
                           if tilde.kind == "EOF" else p.error(tilde, "an operator or '~' is expected").args[0])
    if lhs is None:
        raise FormulaError(f"formula {_clip(text)!r} has no response: it must have one '~' with a response on "
                           "the left, e.g. 'y ~ x'")
    if p.peek().kind == "EOF":
        raise FormulaError(f"formula {_clip(text)!r} must have one '~' with a response on the left and terms on "
                           "the right, e.g. 'y ~ x'")
    p.flat_chain = True
    rhs, _ = p.expression(0, 0)
    end = p.take()
    if end.kind == "OP" and end.value == "~":
        raise FormulaError(f"formula {_clip(text)!r} must have one '~' (it has more); a glm formula has one "
                           "response and one right-hand side")
    if end.kind != "EOF":
        raise p.error(end, "an operator is expected")
    return Formula(lhs, rhs, text)


def parse_expression(text: object, limits: FormulaLimits = DEFAULT_LIMITS, what: str = "expression",
                     flat_chain: bool = False) -> Node:
    """Parse one expression (no ``~``), e.g. a hypothesis side or a column reference.

    Parameters
    ----------
    text : str
        The expression.
    limits : FormulaLimits
        Its length and nesting bounds.
    what : str
        What the text is, for the error of a text that is not a string or too long.
    flat_chain : bool
        Leave a top-level ``+``/``-`` chain out of the depth limit, as on a formula's right-hand side.  Only
        for a caller that walks such a chain iteratively (:func:`sum_chain`) and never hashes, compares or
        deparses it as one node: every recursive walk of a longer chain would raise ``RecursionError``.
    """
    text = _check_text(text, limits, what)
    p = _Parser(text, limits)
    p.flat_chain, p.part = flat_chain, what
    node, _ = p.expression(0, 0)
    end = p.take()
    if end.kind != "EOF":
        raise p.error(end, "an operator is expected")
    return node
