"""R formula syntax: splitting, translation to formulaic/Python, and the safety check.

Formulas are code.  formulaic evaluates terms with Python's ``eval``; glmstat therefore parses every
Python expression a formula contains (left side, ``cbind()``, ``offset()``, ``I()`` and every other term)
and refuses anything outside a small safe subset before anything is evaluated:

* names must be data columns, glmstat's functions (``log``, ``exp``, ``sqrt``, ``abs``, ``factor``, ...),
  formulaic's transforms (``C``, ``poly``, ``scale``, ...) or keys of the caller's ``context=``;
* attribute access only on the ``np`` namespace (a whitelist of numpy math functions) and formulaic's
  ``contr`` registry, never to ``_``-prefixed names;
* no lambdas, comprehensions, assignment expressions, or calls of builtins such as ``eval``, ``exec``,
  ``open``, ``__import__``, ``getattr``.

R syntax translated: ``^`` inside a function call is a power (``I(x^2)``), ``as.factor(x)`` is
``factor(x)``; ``offset(...)`` terms are taken out of the right-hand side; ``cbind(a, b)`` on the left is a
two-column binomial response.  Backtick-quoted names (`` `Solar.R` ``) are kept for formulaic and mapped to
plain identifiers for glmstat's own evaluator; R names that Python would misread -- dotted names such as
``MPG.city`` inside a call, on the left or in ``offset()``, and Python keywords such as a response called
``class`` -- are backtick-quoted first (:func:`quote_r_names`).
"""

from __future__ import annotations

import ast
from functools import lru_cache, reduce
import difflib
import operator
import keyword
import re
import types
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd
from formulaic import Formula, SimpleFormula
from formulaic.errors import FormulaicError
from formulaic.parser import DefaultFormulaParser, DefaultOperatorResolver
from formulaic.parser.types import Factor, Operator, OrderedSet, Term, Token
from formulaic.transforms import TRANSFORMS, C

from ..errors import FormulaError
from .safety import check_literal_sizes

__all__ = [
    "ParsedFormula", "parse_formula", "namespace", "check_expression", "safe_eval", "clean_message", "quote_r_names",
    "r_term_order",
]

_NP_FUNCTIONS = (
    "log log2 log10 log1p exp exp2 expm1 sqrt cbrt abs absolute square power sign floor ceil round "
    "trunc sin cos tan arcsin arccos arctan sinh cosh tanh minimum maximum clip where isnan isfinite pi e"
).split()

#: numpy, reduced to elementwise math: ``np.load`` and friends are out of reach of a formula.
SAFE_NP = types.MappingProxyType({name: getattr(np, name) for name in _NP_FUNCTIONS})

def _r_log(x: Any, base: float | None = None) -> Any:
    """R's ``log(x, base)``: natural logarithm unless a base is given."""
    return np.log(x) if base is None else np.log(x) / np.log(base)


def _values(x: Any) -> Any:
    """The data under formulaic's ``C()``/``factor()`` wrapper (or ``x`` itself)."""
    return getattr(x, "__wrapped__", x)


def _relevel(x: Any, ref: Any) -> pd.Series:
    """R's ``relevel(f, ref)``: the factor ``f`` with level ``ref`` first (the reference of treatment
    coding), the other levels in their order (sorted, or the categorical's own)."""
    v = _values(x)
    s = v if isinstance(v, pd.Series) else pd.Series(v)
    cat = s.astype("category")
    levels = list(cat.cat.categories)
    match = [lv for lv in levels if lv == ref or str(lv) == str(ref)]
    if not match:
        raise ValueError(f"relevel(): ref={ref!r} is not a level ({', '.join(map(str, levels[:10]))})")
    return cat.cat.reorder_categories([match[0]] + [lv for lv in levels if lv != match[0]])


def _as_numeric(x: Any) -> np.ndarray:
    """R's ``as.numeric`` of numbers or logicals (a factor's codes are not what a formula means: refused)."""
    v = _values(x)
    if isinstance(v, pd.Categorical) or isinstance(getattr(v, "dtype", None), pd.CategoricalDtype):
        raise ValueError("as.numeric() of a factor gives R's level codes; use the numeric column itself")
    return np.asarray(v, dtype=float)


def _ifelse(test: Any, yes: Any, no: Any) -> np.ndarray:
    """R's ``ifelse(test, yes, no)``, elementwise."""
    return np.where(np.asarray(test, dtype=bool), yes, no)


_FUNCTIONS: dict[str, Any] = {
    "log": _r_log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "exp": np.exp,
    "expm1": np.expm1, "sqrt": np.sqrt, "abs": np.abs, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "floor": np.floor, "ceiling": np.ceil, "pmin": np.minimum, "pmax": np.maximum,
    "factor": C, "C": C, "relevel": _relevel, "as_numeric": _as_numeric, "ifelse": _ifelse,
    # R's logical constants (a data column of the same name still comes first)
    "TRUE": True, "FALSE": False, "T": True, "F": False,
}

_BLOCKED = {
    "eval", "exec", "open", "compile", "getattr", "setattr", "delattr", "globals", "locals", "vars",
    "input", "breakpoint", "help", "exit", "quit", "memoryview", "type", "object", "super", "dir",
    "__import__", "__builtins__", "classmethod", "staticmethod", "property", "print",
}
_FORBIDDEN_NODES = (
    ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.NamedExpr, ast.Await,
    ast.Yield, ast.YieldFrom, ast.JoinedStr, ast.FormattedValue, ast.Starred,
)
_ATTRIBUTE_ROOTS = {"np", "contr"}
_HINT = (
    "formulas may use data columns, math functions (log, exp, sqrt, abs, np.<ufunc>, ...), factor()/C(), "
    "I(), offset(), cbind() and names passed with context= (e.g. context={'myfun': myfun})"
)


class _SafeNamespace(types.SimpleNamespace):
    """``np`` as seen by a formula: attribute access limited to the whitelist."""


def namespace(context: Mapping[str, Any] | None) -> dict[str, Any]:
    """The names a formula may use beyond the data columns: glmstat's functions, then ``context``."""
    ns: dict[str, Any] = {k: v for k, v in TRANSFORMS.items() if k != "np"}
    ns.update(_FUNCTIONS)
    ns["np"] = _SafeNamespace(**SAFE_NP)
    if context is not None:
        if not isinstance(context, Mapping):
            raise FormulaError(f"context= must be a mapping of names to values, got {type(context).__name__}")
        for key in context:
            if not isinstance(key, str) or not key.isidentifier() or key.startswith("__"):
                raise FormulaError(f"context= key {key!r} is not a usable name")
        ns.update(context)
    return ns


def clean_message(exc: BaseException) -> str:
    """formulaic's message without its terminal colour codes and markers."""
    msg = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    return re.sub(r"[⧛⧚]", "", msg).strip()


# -- splitting and translating -------------------------------------------------------------------

def _scan(s: str):
    """Yield (index, char, depth, in_call) outside backticks and string literals."""
    depth, stack, quote = 0, [], None
    i = 0
    while i < len(s):
        ch = s[i]
        if quote:
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in "`'\"":
            quote = ch
            i += 1
            continue
        if ch == "(":
            j = i - 1
            while j >= 0 and s[j] == " ":
                j -= 1
            stack.append(j >= 0 and (s[j].isalnum() or s[j] in "_."))
            depth += 1
            yield i, ch, depth - 1, any(stack[:-1])
            i += 1
            continue
        if ch == ")":
            if stack:
                stack.pop()
            depth -= 1
            yield i, ch, depth, any(stack)
            i += 1
            continue
        yield i, ch, depth, any(stack)
        i += 1


def _matching_paren(s: str, open_at: int) -> int:
    depth = 0
    for i, ch, d, _ in _scan(s):
        if i < open_at:
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    raise FormulaError(f"unbalanced parentheses in formula term {s[open_at - 10 if open_at > 10 else 0:]!r}")


def translate(expr: str) -> str:
    """R expression syntax to Python: ``^`` inside calls becomes ``**``; ``as.factor(`` becomes ``factor(``,
    ``as.numeric(`` and ``as.double(`` become ``as_numeric(`` (``as`` is a Python keyword)."""
    out = list(expr)
    for i, ch, depth, in_call in _scan(expr):
        if ch == "^" and in_call:
            out[i] = "**"
    s = "".join(out)
    s = re.sub(r"(?<![\w.])as\.factor\s*\(", "factor(", s)
    return re.sub(r"(?<![\w.])as\.(numeric|double)\s*\(", "as_numeric(", s)


_PY_KEYWORDS = frozenset(keyword.kwlist) - {"True", "False", "None"}
_R_NAME = re.compile(r"[A-Za-z.][\w.]*")


def quote_r_names(expr: str, inside_calls_only: bool = False) -> str:
    """Backtick the R names Python cannot read as names: dotted names (``MPG.city``, not ``np.log``) and
    Python keywords (a column called ``class``); names of called functions are left alone.

    With ``inside_calls_only`` only dotted names inside a call (``log(MPG.city)``) are quoted: formulaic
    reads plain right-hand-side names itself and names their columns without backticks.
    """
    live = {i: in_call for i, _, _, in_call in _scan(expr)}  # positions outside backticks and strings
    out, i = [], 0
    while i < len(expr):
        m = None
        if i in live and (i == 0 or not (expr[i - 1].isalnum() or expr[i - 1] in "_.")):
            m = _R_NAME.match(expr, i)
        if m is None:
            out.append(expr[i])
            i += 1
            continue
        tok = m.group()
        called = expr[m.end():].lstrip().startswith("(")
        dotted = "." in tok and not re.fullmatch(r"\.\d.*", tok) and tok.split(".")[0] not in _ATTRIBUTE_ROOTS
        quote = not called and (dotted if inside_calls_only else dotted or tok in _PY_KEYWORDS)
        out.append(f"`{tok}`" if quote and (live[i] or not inside_calls_only) else tok)
        i = m.end()
    return "".join(out)


class _ROperators(DefaultOperatorResolver):
    """formulaic's operators with R's ``%in%``: ``a %in% b`` is the interaction of each term on the left
    with all the variables on the right (``(a + b) %in% (c + d)`` is ``a:c:d + b:c:d``, R's ``InTerms``),
    binding tighter than ``*`` and ``/`` and looser than ``:``.  formulaic reads it as nesting (``b/a``,
    which adds ``b`` itself)."""

    @property
    def operators(self) -> list[Operator]:
        def r_in(left, right):
            common = reduce(operator.mul, right)
            return OrderedSet(term * common for term in left)

        ops = [op for op in super().operators if op.symbol != "in"]
        return [*ops, Operator("in", arity=2, precedence=250, associativity="left", to_terms=r_in)]


#: the parser for right-hand sides: formulaic's, with R's ``%in%``
R_PARSER = DefaultFormulaParser(operator_resolver=_ROperators())


def r_term_order(rhs: str) -> Any:
    """The right-hand side as formulaic terms with the factors of each interaction in R's order.

    R's ``terms()`` writes every interaction with its variables in the order they first appear in the
    formula (``y ~ a + b + b:a`` has the term ``a:b``), and the first varies fastest in the columns;
    formulaic keeps the written order.  Terms are then ordered by degree, as both do.
    """
    # R's variable order is the order of first appearance in the formula's text, counting terms that are
    # later removed (``a*b - a`` keeps ``a:b``) and variables on the right of ``%in%`` or ``/``
    first: dict[str, int] = {}
    try:
        tokens = R_PARSER.get_tokens(rhs)
    except (FormulaicError, SyntaxError, ValueError):
        tokens = []
    for token in tokens:
        if token.kind in (Token.Kind.NAME, Token.Kind.PYTHON):
            first.setdefault(token.to_factor().expr, len(first))
    written = Formula(rhs, _parser=R_PARSER, _ordering="none")
    for term in written:  # (any factor the tokens did not show keeps its place after them)
        for factor in term.factors:
            first.setdefault(factor.expr, len(first))
    terms = [Term(sorted(t.factors, key=lambda f: first[f.expr])) for t in written]
    return Formula(terms, _ordering="degree")


@dataclass(frozen=True)
class ParsedFormula:
    """A formula taken apart: response expressions, formulaic right-hand side, offset expressions."""

    text: str
    lhs: str
    response: tuple[str, ...]  # one expression, or two for cbind(successes, failures)
    rhs: str  # for formulaic, offsets removed
    offsets: tuple[str, ...]


def _split_top(s: str, sep: str) -> list[str]:
    parts, last = [], 0
    for i, ch, depth, _ in _scan(s):
        if ch == sep and depth == 0:
            parts.append(s[last:i])
            last = i + 1
    parts.append(s[last:])
    return parts


def _remove_offsets(rhs: str) -> tuple[str, list[str]]:
    offsets = []
    while True:
        m = None
        for i, ch, depth, _ in _scan(rhs):
            if depth == 0 and rhs.startswith("offset", i) and (i == 0 or not (rhs[i - 1].isalnum() or rhs[i - 1] in "_.")):
                rest = rhs[i + 6:].lstrip()
                if rest.startswith("("):
                    m = i
                    break
        if m is None:
            break
        open_at = rhs.index("(", m)
        close = _matching_paren(rhs, open_at)
        offsets.append(rhs[open_at + 1: close].strip())
        before, after = rhs[:m].rstrip(), rhs[close + 1:]
        if before.endswith("+"):
            before = before[:-1]
        elif before.endswith("-"):
            raise FormulaError("'- offset(...)' is not supported; write offset(-(...)) instead")
        elif not before.strip() and after.lstrip().startswith("+"):
            after = after.lstrip()[1:]
        rhs = before + after
    rhs = rhs.strip()
    if not rhs or rhs.startswith("-"):
        rhs = "1 " + rhs  # R: y ~ offset(x) keeps the intercept; y ~ offset(x) - 1 has no columns
    return rhs, offsets


def _expand_dot(rhs: str, columns: list[str], lhs: str) -> str:
    """R's ``.``: every data column not used in the response, joined with ``+``."""
    dots = [i for i, ch, _, in_call in _scan(rhs) if ch == "." and not in_call
            and (i == 0 or not (rhs[i - 1].isalnum() or rhs[i - 1] in "_."))
            and (i + 1 == len(rhs) or not (rhs[i + 1].isalnum() or rhs[i + 1] in "_."))]
    if not dots:
        return rhs
    lhs_names = set(re.findall(r"`([^`]*)`|([A-Za-z_.][\w.]*)", lhs))
    lhs_names = {a or b for a, b in lhs_names}
    cols = [c if c.isidentifier() else f"`{c}`" for c in columns if c not in lhs_names]
    expansion = "(" + " + ".join(cols) + ")" if cols else "1"
    for i in reversed(dots):
        rhs = rhs[:i] + expansion + rhs[i + 1:]
    return rhs


def parse_formula(formula: str, columns: list[str] | None = None) -> ParsedFormula:
    """Split ``formula`` into response, right-hand side and offsets (R syntax accepted).

    ``columns`` (the data's column names) lets ``.`` expand to every column not in the response.
    """
    if not isinstance(formula, str):
        raise FormulaError(f"formula must be a string such as 'y ~ x1 + x2', got {type(formula).__name__}")
    sides = _split_top(formula, "~")
    if len(sides) != 2 or not sides[0].strip() or not sides[1].strip():
        raise FormulaError(f"formula {formula!r} must have one '~' with a response on the left, e.g. 'y ~ x'")
    lhs, rhs = sides[0].strip(), sides[1].strip()
    if columns is not None:
        rhs = _expand_dot(rhs, columns, lhs)
    rhs, offsets = _remove_offsets(rhs)
    lhs_t = quote_r_names(translate(lhs))
    response: tuple[str, ...] = (lhs_t,)
    try:
        tree = ast.parse(_mask_backticks(lhs_t)[0], mode="eval").body
    except SyntaxError as e:
        raise FormulaError(f"cannot parse the response {lhs!r}: {e.msg}") from e
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "cbind":
        args = _split_top(lhs_t[lhs_t.index("(") + 1: lhs_t.rindex(")")], ",")
        if len(args) != 2 or tree.keywords:
            raise FormulaError(f"cbind() on the left needs exactly two columns (successes, failures), got {lhs!r}")
        response = tuple(a.strip() for a in args)
    rhs_t = quote_r_names(translate(rhs), inside_calls_only=True)
    return ParsedFormula(formula, lhs, response, rhs_t, tuple(quote_r_names(translate(o)) for o in offsets))


# -- safety -------------------------------------------------------------------------------------

def _mask_backticks(expr: str) -> tuple[str, dict[str, str]]:
    """Replace `quoted names` by identifiers; returns the new text and identifier -> column name."""
    aliases: dict[str, str] = {}

    def repl(m: re.Match) -> str:
        name = m.group(1)
        key = f"_bt{len(aliases)}_"
        aliases[key] = name
        return key

    return re.sub(r"`([^`]*)`", repl, expr), aliases


def _names_error(name: str, known: list[str]) -> FormulaError:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return FormulaError(f"the formula uses {name!r}, which is not a column of the data{hint} ({_HINT})")


def check_expression(expr: str, columns: set[str], ns: Mapping[str, Any]) -> set[str]:
    """Refuse anything outside the safe subset; return the data columns ``expr`` uses."""
    text, aliases = _mask_backticks(expr)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise FormulaError(f"cannot parse formula term {expr!r}: {e.msg}") from e
    check_literal_sizes(tree, expr)
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, _FORBIDDEN_NODES):
            raise FormulaError(f"formula term {expr!r} uses {type(node).__name__}, which glmstat does not run; {_HINT}")
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_") or not (isinstance(node.value, ast.Name) and node.value.id in _ATTRIBUTE_ROOTS):
                raise FormulaError(
                    f"formula term {expr!r} accesses attribute {node.attr!r}; only np.<function> is allowed ({_HINT})"
                )
            if node.value.id == "np" and node.attr not in SAFE_NP:
                raise FormulaError(f"formula term {expr!r} uses np.{node.attr}, which is not a math function glmstat allows")
        if isinstance(node, ast.Name):
            name = aliases.get(node.id, node.id)
            if name in columns:
                used.add(name)
                continue
            if "__" in name or name in _BLOCKED:
                raise FormulaError(f"formula term {expr!r} uses {name!r}, which glmstat refuses to run; {_HINT}")
            if name not in ns:
                raise _names_error(name, sorted(columns))
    return used


def rhs_factors(rhs: str) -> list[tuple[str, bool]]:
    """(expression, is_plain_lookup) for every factor formulaic would evaluate on the right-hand side."""
    try:
        parsed = Formula(rhs, _parser=R_PARSER)
    except FormulaicError as e:
        raise FormulaError(f"cannot parse the right-hand side {rhs!r}: {clean_message(e)}") from e
    except (SyntaxError, ValueError) as e:
        raise FormulaError(f"cannot parse the right-hand side {rhs!r}: {e}") from e
    if not isinstance(parsed, SimpleFormula):  # "a | b": formulaic's multi-part formulas are not R's
        raise FormulaError(f"the right-hand side {rhs!r} has '|' or '~' at the top level; a glm formula has one "
                           "right-hand side (use I(a | b) for a logical 'or')")
    exprs = []
    for term in parsed:
        for factor in term.factors:
            if factor.eval_method != Factor.EvalMethod.LITERAL:
                exprs.append((factor.expr, factor.eval_method == Factor.EvalMethod.LOOKUP))
    return exprs


class _Env(Mapping):
    """Data columns first, then backtick aliases, then the namespace (R's lookup order)."""

    def __init__(self, data, aliases, ns):
        self.data, self.aliases, self.ns = data, aliases, ns

    def __getitem__(self, key):
        key = self.aliases.get(key, key)
        if key in self.data.columns:
            return self.data[key]
        return self.ns[key]

    def __iter__(self):
        return iter(set(self.data.columns) | set(self.ns) | set(self.aliases))

    def __len__(self):
        return len(set(self))


@lru_cache(maxsize=1024)
def _compiled(expr: str) -> tuple[Any, dict[str, str]]:
    text, aliases = _mask_backticks(expr)
    return compile(ast.parse(text, mode="eval"), "<formula>", "eval"), aliases


def safe_eval(expr: str, data, ns: Mapping[str, Any]) -> Any:
    """Evaluate a checked expression with the data columns and ``ns`` and no builtins."""
    code, aliases = _compiled(expr)
    try:
        with np.errstate(all="ignore"):
            return eval(code, {"__builtins__": {}}, _Env(data, aliases, ns))  # noqa: S307 -- checked above
    except FormulaError:
        raise
    except Exception as e:  # any failure of user code is a formula problem
        raise FormulaError(f"cannot evaluate {expr!r}: {type(e).__name__}: {e}") from e
