"""``update``: a model refitted with an updated formula (R's ``update.formula`` rules for ``.``), and the refit of
other terms on a fit's data that add1 and step make.

**update.**  In the new formula ``.`` on the left stands for the old response and ``.`` on the right for the
old right-hand side: ``update(y ~ a + b, log(.) ~ . + c)`` is ``log(y) ~ a + b + c``; ``"~ . - b"`` (no left
side) keeps the response.  As R's ``formula(fit)``, the old right-hand side is the formula as written, a
``.`` in it written out as the columns it stood for in the fit (not those of new data).  The result is
simplified as R's ``update.formula`` does (the expanded terms, in R's order, then the offsets and ``- 1``
without an intercept) and refitted with the same family, weights, offset, method and control on the same
data.

**Refits of other terms** (:func:`refit_terms`, add1's and step's candidates) are fitted on the whole data, as R's
``update`` does (ns() knots, poly()'s basis and the other data-dependent terms are learned from every row, as in
the original fit); all fits use the rows of the original fit, and a candidate that would use other rows (a new
variable with missing values, or a dropped one whose missing values had set rows aside) is an error, as R's
"number of rows in use has changed".
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from .._arguments import shown
from ..errors import FormulaError, GLMStatError, GLMStatWarning, warn_user
from ..formula.deparse import deparse
from ..formula.nodes import BinOp, Call, Const, Dot, Formula, Name, Node, Num, Paren, Unary, count_dots
from ..formula.limits import FormulaLimits, refuse
from ..formula.lexer import tilde_positions
from ..formula.parser import parse, sum_chain
from ..formula.terms import Terms, expand_terms, warn_empty_crossings, warn_response_term
from .fit_access import SAME_SUBSET, dot_columns, fit_inputs, fitted_data, formula_limits, structure, used_data
from .streamed_data import data_columns, data_reference

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["update", "updated_formula", "fit_columns", "formula_text", "term_text", "refit_terms", "terms_with",
           "scope_terms", "r_formula", "model_text", "model_sides"]


# -- formulas -----------------------------------------------------------------------------------------------------
def _replace_dot(node: Node | None, by: Node) -> Node | None:
    """``node`` with every ``.`` replaced by ``by`` (a chain of ``+``/``-``, which the parser does not bound
    outside parentheses, is rebuilt without recursion).  A ``.`` that is a whole argument of a call takes
    ``by`` without the parentheses that keep a compound ``by`` together elsewhere, as R's ``update.formula``
    does (``log(.)`` of ``x + z`` is ``log(x + z)``)."""
    if node is None:
        return None
    if isinstance(node, Dot):
        return by
    if isinstance(node, Call):
        bare = by.body if isinstance(by, Paren) else by
        return replace(node, args=tuple(bare if isinstance(a, Dot) else _replace_dot(a, by) for a in node.args),
                       kwargs=tuple((k, bare if isinstance(v, Dot) else _replace_dot(v, by))
                                    for k, v in node.kwargs))
    if isinstance(node, BinOp) and node.op in ("+", "-"):
        links = []  # the chain's BinOp nodes, outermost first, down its left spine
        while isinstance(node, BinOp) and node.op in ("+", "-"):
            links.append(node)
            node = node.left
        acc = _replace_dot(node, by)
        for link in reversed(links):
            acc = replace(link, left=acc, right=_replace_dot(link.right, by))
        return acc
    if isinstance(node, BinOp):
        return replace(node, left=_replace_dot(node.left, by), right=_replace_dot(node.right, by))
    if isinstance(node, Unary):
        return replace(node, operand=_replace_dot(node.operand, by))
    if isinstance(node, Paren):
        return replace(node, body=_replace_dot(node.body, by))
    return node


def _expand_dot(node: Node, value: Node, compound: bool) -> Node:
    """``node`` with each ``.`` written out as ``value`` (the columns it stood for), in parentheses where R writes
    them: R's ``terms.formula`` (``ExpandDots``) puts the columns in parentheses as an operand of ``-``, ``*``, ``/``,
    ``:``, ``^`` (and a unary minus), and its ``deparse`` as the right operand of ``+`` or of any tighter operator
    (``%in%``); bare as the left operand of ``+``, a whole argument of a call, inside parentheses, or a whole side
    (``y ~ z + g``, ``y ~ I(z^2) + (z + g)``, ``y ~ (z + g) - g``).  A single column needs none."""
    def operand(n: Node, bare: bool) -> Node:
        if isinstance(n, Dot):
            return value if bare or not compound else Paren(value)
        return _expand_dot(n, value, compound)

    if isinstance(node, Dot):
        return value
    if isinstance(node, BinOp) and node.op in ("+", "-"):
        links = []  # the chain's links, outermost first, down its left spine (no recursion along a long sum)
        while isinstance(node, BinOp) and node.op in ("+", "-"):
            links.append(node)
            node = node.left
        acc = operand(node, links[-1].op == "+")
        for link in reversed(links):
            acc = replace(link, left=acc, right=operand(link.right, False))
        return acc
    if isinstance(node, BinOp):
        return replace(node, left=operand(node.left, False), right=operand(node.right, False))
    if isinstance(node, Call):
        return replace(node, args=tuple(operand(a, True) for a in node.args),
                       kwargs=tuple((k, operand(v, True)) for k, v in node.kwargs))
    if isinstance(node, Unary):
        return replace(node, operand=operand(node.operand, False))
    if isinstance(node, Paren):
        return replace(node, body=operand(node.body, True))
    return node


def r_formula(fit: "GLMResults") -> Formula:
    """R's ``formula(fit)``: the formula as written, with a ``.`` of the right-hand side written out as the columns
    it stood for and put in parentheses where R puts them (see :func:`_expand_dot`); an ``offset=`` argument is not
    part of it, as in R."""
    old = parse(fit.formula, formula_limits(fit))
    columns = dot_columns(fit)
    if not columns or not count_dots(old.rhs):
        return old
    return Formula(old.lhs, _expand_dot(old.rhs, _column_sum(columns), len(columns) > 1), old.text)


def _column_sum(columns: tuple[str, ...]) -> Node:
    """``a + b + c``: the columns a ``.`` stood for, as the syntax tree of their sum."""
    value: Node = Name(columns[0])
    for c in columns[1:]:
        value = BinOp("+", value, Name(c))
    return value


def model_text(fit: "GLMResults") -> str:
    """The model as ``lmtest::lrtest`` and ``anova`` write it after ``Model 1: ``: R's ``formula(fit)``
    (:func:`r_formula`) deparsed as R's ``deparse`` writes it, its lines joined by newlines
    (:func:`glmstat.report.call.formula_lines`); the formula's text as given where it does not parse again."""
    from ..report.call import formula_lines

    try:
        return "\n".join(formula_lines(r_formula(fit)))
    except (GLMStatError, RecursionError, AttributeError):  # (not expected: the fit parsed it)
        return fit.formula


def model_sides(fit: "GLMResults") -> tuple[str, str]:
    """The response and the right-hand side of R's ``formula(fit)`` (:func:`r_formula`) as MASS's ``anova.negbin``
    writes them, ``paste(formula(fit)[2L])`` and ``paste(formula(fit)[3L])``: each deparsed as R's ``as.character``
    of a call deparses it (``Eth * Age + Sex + Lrn``, ``x + offset(log(t))``, a ``.`` written out as its columns),
    on one line up to 500 characters (R's ``deparse1line``: longer, broken there, the lines joined by a newline);
    the formula's text split at its first ``~`` where it does not parse again."""
    from ..report.call import deparse_lines

    try:
        f = r_formula(fit)
        lhs = "\n".join(deparse_lines(f.lhs, LINE_CUTOFF)) if f.lhs is not None else ""
        return lhs, "\n".join(deparse_lines(f.rhs, LINE_CUTOFF))
    except (GLMStatError, RecursionError, AttributeError):  # (not expected: the fit parsed it)
        lhs, _, rhs = fit.formula.partition("~")
        return lhs.strip(), rhs.strip()


#: R's MAX_Cutoff, the width at which as.character of a call (deparse1line) breaks it
LINE_CUTOFF = 500


def _replace_side(node: Node | None, old: Node | None) -> Node | None:
    """A side of the update formula with ``.`` read as the fitted formula's side ``old``: ``old`` itself for a
    side that is ``.`` alone, else ``old`` in parentheses wherever it is an operand (unless atomic)."""
    if isinstance(node, Dot):
        return old
    return _replace_dot(node, old if _atomic(old) else Paren(old))


def _atomic(node: Node | None) -> bool:
    return node is None or isinstance(node, (Name, Const, Call, Num, Paren))


#: operators of the formula algebra besides the +/- chain: their operands are terms, not values
_ALGEBRA = ("*", "/", ":", "^", "%in%")


def _check_depth(node: Node | None, limits: FormulaLimits, side: str) -> None:
    """Refuse a substituted side nesting deeper than ``limits.max_depth``, measured without recursion as the
    walkers recurse: a ``+``/``-`` chain among terms costs nothing (they follow it iteratively), every other
    node one level -- all of them inside a term's expression (a call, a comparison), which is hashed and
    deparsed recursively.  Each of the two formulas is within the limit, but ``.`` replaced by the old side
    can be nested twice as deep: ``abs(abs(...(.)))`` around ``abs(abs(...(x)))``."""
    stack = [(node, side == "rhs", 0)] if node is not None else []
    while stack:
        n, algebra, h = stack.pop()
        if algebra and isinstance(n, BinOp) and n.op in ("+", "-"):
            stack.extend((operand, True, h) for _, operand in sum_chain(n))
            continue
        h += 1
        if h > limits.max_depth:
            raise refuse("max_depth", f"the updated formula's {'right' if side == 'rhs' else 'left'}-hand side, "
                         "with '.' replaced by the fitted formula's, nests deeper than allowed", h, limits)
        if isinstance(n, Paren):
            stack.append((n.body, algebra, h))
        elif isinstance(n, Unary):
            stack.append((n.operand, algebra and n.op in ("+", "-"), h))
        elif isinstance(n, BinOp):
            inner = algebra and n.op in _ALGEBRA
            stack += [(n.left, inner, h), (n.right, inner, h)]
        elif isinstance(n, Call):
            stack += [(a, False, h) for a in n.args] + [(v, False, h) for _, v in n.kwargs]


def _check_length(text: str, new: Formula, old: Formula, limits: FormulaLimits) -> None:
    """Refuse an update whose formula, with each ``.`` written out as the fitted formula's side (as its text
    has it), would have more characters than ``limits.max_length``, before ``.`` is replaced: each of the two
    formulas is within the limit, but every ``.`` is the old side again, and everything after walks each copy
    (a thousand dots on a side of 16,000 characters took 45 s, 4,000 took 186 s).  A formula written out so
    would be refused by ``glm()`` itself."""
    tilde = tilde_positions(old.text)[0]
    size = len(text) + count_dots(new.lhs) * tilde + count_dots(new.rhs) * (len(old.text) - tilde - 1)
    if size > limits.max_length:
        raise refuse("max_length", "the updated formula, with each '.' written out as the fitted formula's side, "
                     "has more characters than allowed", size, limits)


def formula_text(terms: Terms) -> str:
    """R's simplified text of expanded terms: ``lhs ~ terms + offset(...)`` (``- 1`` without intercept), which
    reads back as the same terms (see :func:`term_text`)."""
    rhs = [term_text(t) for t in terms.terms] + [f"offset({deparse(o)})" for o in terms.offsets]
    if not rhs:
        return f"{deparse(terms.response)} ~ {'1' if terms.intercept else '0'}"
    return f"{deparse(terms.response)} ~ {' + '.join(rhs)}{'' if terms.intercept else ' - 1'}"


def term_text(term: tuple[Node, ...]) -> str:
    """A term as formula text that reads back as that term: a variable that is an operation (``x > 0``,
    ``!b``, ``x %% 2``) in parentheses.  The term's label is R's, ``x > 0:g``, which reads back as
    ``x > (0:g)``, and ``z + x > 0 + w`` as one comparison: R's update() writes labels so and refits
    ``y ~ z + x > 0 + w``, a model of one term, from ``update(glm(y ~ z + (x > 0)), ~ . + w)``."""
    return ":".join(f"({deparse(v)})" if isinstance(v, (BinOp, Unary)) else deparse(v) for v in term)


def updated_formula(fit: "GLMResults", formula: str, columns) -> Terms:
    """The terms of ``formula`` with ``.`` read as the fit's formula's sides (R's ``update.formula``)."""
    if not isinstance(formula, str):
        raise FormulaError(f"the update formula must be a string such as '~ . - x', got {type(formula).__name__}")
    limits = formula_limits(fit)
    text = formula.strip()
    new = parse(". " + text if text.startswith("~") else text, limits)  # no left side: the old response
    old = _fitted_formula(fit, limits)
    _check_length(text, new, old, limits)  # (before the substituted tree, which every walk below visits, exists)
    # (a name, a call or a number needs no parentheses to keep it together: I(.^2) of log(x) is I(log(x)^2);
    # nor does a side that is '.' alone: '. ~ x' of 's/n ~ z' is 's/n ~ x', as R deparses it)
    lhs = _replace_side(new.lhs, old.lhs)
    rhs = _replace_side(new.rhs, old.rhs)
    _check_depth(lhs, limits, "lhs")  # before anything walks the substituted tree recursively
    _check_depth(rhs, limits, "rhs")
    return expand_terms(Formula(lhs, rhs, formula), [str(c) for c in columns], limits)


def _fitted_formula(fit: "GLMResults", limits: FormulaLimits) -> Formula:
    """R's ``formula(fit)``, which ``update`` reads: the formula as written, with a ``.`` of the right-hand side
    written out as the columns it stood for in the fit (R's ``formula.glm`` returns its terms' formula, where
    ``terms.formula`` wrote ``.`` out so).  So an update's ``.`` is the model fitted, whatever the new data's
    columns (``update(data=)``) or the new response (``hp ~ .`` of ``mpg ~ .`` keeps hp's term, which R drops
    as the response, where expanding ``.`` again would put mpg in the model)."""
    old = parse(fit.formula, limits)
    columns = dot_columns(fit)
    if not columns or not count_dots(old.rhs):
        return old
    rhs = _replace_dot(old.rhs, Paren(_column_sum(columns)))
    return Formula(old.lhs, rhs, f"{deparse(old.lhs)} ~ {deparse(rhs)}")


def _updated_text(fit: "GLMResults", formula: str, columns) -> str:
    """The text of the formula ``update`` refits; warns, as the fit of the text would have, when the response
    was a term of the right-hand side (``~ . + y``), or when the left of a ``*`` or ``/`` had no term and the
    right's were dropped (``~ . + (x - x) * g``), which the text leaves out."""
    terms = updated_formula(fit, formula, columns)
    warn_response_term(terms)
    warn_empty_crossings(terms)
    return formula_text(terms)


def _glm(fit: "GLMResults", formula: str, data: pd.DataFrame, weights: Any, offset: Any, subset: Any,
         family: Any = None, start: np.ndarray | None = None) -> "GLMResults":
    """``formula`` fitted as ``fit`` was (``family``: another family than ``fit``'s refits use; ``start``:
    starting coefficients instead of R's starting means)."""
    from ..api import glm

    inputs = fit_inputs(fit)
    return glm(formula, data, family=inputs.family if family is None else family, weights=weights, offset=offset,
               subset=subset, context=inputs.context, contrasts=inputs.contrasts, method=inputs.method, tol=inputs.tol,
               max_iter=inputs.max_iter, start=start, limits=inputs.limits, convergence=inputs.convergence)


def update(fit: "GLMResults", formula: str = ". ~ .", data: Any = None, subset: Any = SAME_SUBSET) -> "GLMResults":
    """The model refitted with the updated formula (see the module docstring).

    Parameters
    ----------
    fit : GLMResults
    formula : str
        The new formula, ``.`` standing for the old formula's sides (``"~ . - x"``, ``". ~ . + z"``); the default
        keeps the model.
    data : DataFrame, Parquet path or dask DataFrame, optional
        Other data to fit to (default: the fitted data).  Weights or an offset given as values cannot be
        carried to other data.  A fit to streamed data is refitted from the same Parquet files or dask
        DataFrame (a dask fit loaded from a pickle no longer has it: pass ``data``).
    subset : str, array of bool or None, optional
        Other rows to fit, as R's ``update(m, subset = ...)``: a condition, one boolean per row of the data, or
        None for every row (default: the fit's subset, its condition evaluated on other ``data``).

    Notes
    -----
    With the fitted data, rows the original fit dropped for missing values come back when the new formula
    does not need the variable that was missing, as in R -- unless the fit had weights or an offset given as
    values, which are known for the rows used only: then the rows used are refitted (with a warning).
    """
    inputs = fit_inputs(fit)
    same = subset is SAME_SUBSET
    chosen = inputs.subset if same else subset
    if not fit.model_frame.in_memory:  # streamed: weights and offset are columns, read again from the data
        data = data_reference(fit) if data is None else data
        new = _updated_text(fit, formula, _columns_of(data))
        return _glm(fit, new, data, inputs.weights, inputs.offset, chosen)
    original, positions = fitted_data(fit)
    arrays = isinstance(inputs.weights, np.ndarray) or isinstance(inputs.offset, np.ndarray)
    if data is not None:
        if arrays:
            raise GLMStatError("this fit has weights or an offset given as values, which cannot be carried to other "
                               "data; call glmstat.glm() with the new data and its weights")
        if same and isinstance(inputs.subset, np.ndarray):
            raise GLMStatError("this fit has a subset given as values, one per row of its data, which cannot be "
                               "carried to other data; pass subset= for the new data, or give the subset as a "
                               "condition ('age > 30'), which update() evaluates on the new data")
        new = _updated_text(fit, formula, _columns_of(data))
        return _glm(fit, new, data, inputs.weights, inputs.offset, chosen)
    if original is None:
        raise GLMStatError("update needs the fitted data, and this fit does not keep it; pass data=")
    if not same and arrays:
        raise GLMStatError("this fit has weights or an offset given as values, known for the rows it used only, and "
                           "other rows need them too; give them as columns of the data (weights='w') to refit "
                           "another subset")
    if fit.n_dropped and arrays:
        warn_user("the fit's weights or offset were given as values, known only for the rows it used: the "
                  f"{fit.n_dropped} rows it dropped for missing values stay dropped", GLMStatWarning)
        data, weights, offset = used_data(fit), inputs.weights, inputs.offset
        chosen = None  # (every row used is in the subset; its condition read on them alone could differ)
    else:
        data = original
        weights, offset = _full(inputs.weights, len(data), positions), _full(inputs.offset, len(data), positions)
    new = _updated_text(fit, formula, data.columns)
    return _glm(fit, new, data, weights, offset, chosen)


def _columns_of(data: Any) -> list[str]:
    """The column names of a DataFrame, a dict of columns, a pyarrow Table, a polars or dask DataFrame or a
    ParquetReader (as strings); a Parquet path is opened to read its schema; anything else is refused."""
    from ..formula.data_paths import is_path
    from ..formula.arrow_tables import arrow_schema, in_memory_frame, is_table
    from ..formula.frame import column_label_text
    from ..formula.readers import ParquetReader

    if is_path(data):
        data = ParquetReader.open(data)
    if is_table(data):  # (its names, not its columns converted: glm() converts the ones the model reads)
        schema = arrow_schema(data)
        return [str(c) for c in (schema.names if schema is not None else data.columns)]
    data = in_memory_frame(data)
    if isinstance(data, Mapping):  # (a dict of columns, as glm() takes)
        return [column_label_text(c) for c in data]
    columns = getattr(data, "columns", None)
    if columns is None or isinstance(data, type):
        raise GLMStatError(f"data= must be a DataFrame, a dict of columns, a Parquet path or a dask DataFrame, got "
                           f"{type(data).__module__}.{type(data).__name__}")
    return [column_label_text(c) for c in columns]


def fit_columns(fit: "GLMResults") -> list[str]:
    """The column names of the data ``fit`` was fitted to (scope formulas' ``.`` reads them)."""
    return list(data_columns(fit)) if not fit.model_frame.in_memory else list(used_data(fit).columns)


def _full(values: Any, n: int, positions: np.ndarray | None) -> Any:
    """Values for the rows used spread over the n rows of the data (used when no row was dropped)."""
    if not isinstance(values, np.ndarray):
        return values
    out = np.full(n, np.nan)
    out[np.arange(n) if positions is None else positions] = values
    return out


def refit_terms(fit: "GLMResults", terms: Terms, family: Any = None, fewer_rows: bool = False,
                start: np.ndarray | None = None) -> "GLMResults":
    """``terms`` fitted to ``fit``'s data with its weights and offset (and ``family``, default that of
    :func:`fit_inputs`; from ``start``, if given), refused unless it uses the same rows (``fewer_rows``: or some of
    them, add1's combined fit); warnings silenced (the chosen model's notes keep them)."""
    inputs = fit_inputs(fit)
    streamed = not fit.model_frame.in_memory
    weights, offset, subset = inputs.weights, inputs.offset, inputs.subset
    # every row of the data, as R's model.frame reads them: data-dependent terms (ns() and bs() knots, poly()'s
    # basis) are learned from all rows, not only the fit's; a candidate using the same rows drops the same
    # ones, and one whose variables differ in missing values changes the rows (R's check, below)
    if streamed:
        data = data_reference(fit)
    else:
        original, positions = fitted_data(fit)
        arrays = isinstance(weights, np.ndarray) or isinstance(offset, np.ndarray)
        if original is None or (fit.n_dropped and arrays):  # (values known for the rows used only)
            data, subset = used_data(fit), None  # (the rows used: all in the subset)
        else:
            data = original
            weights, offset = _full(weights, len(data), positions), _full(offset, len(data), positions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GLMStatWarning)
        new = _glm(fit, formula_text(terms), data, weights, offset, subset, family, start)
    if fewer_rows:
        changed = (new.model_frame.n_rows > fit.model_frame.n_rows if streamed
                   else not new.rows_used.isin(fit.rows_used).all())
    else:
        changed = ((new.model_frame.n_rows != fit.model_frame.n_rows) if streamed
                   else not new.rows_used.equals(fit.rows_used))
    if changed:
        raise GLMStatError(f"number of rows in use has changed ({fit.model_frame.n_rows} to "
                           f"{new.model_frame.n_rows}): {shown(formula_text(terms))} and the model it changes "
                           f"differ in which rows have missing values; remove them first (as R says)")
    return new


def scope_terms(fit: "GLMResults", scope: Any, columns) -> list[tuple]:
    """The terms (as tuples of nodes) of a scope formula read against ``fit``, or of a list of labels."""
    if isinstance(scope, (list, tuple)) and all(isinstance(s, str) for s in scope):
        # each label in parentheses: R's label of (x > 0) is 'x > 0', and '~ . + x > 0' reads as one comparison
        scope = "~ . + " + " + ".join(f"({s})" for s in scope) if scope else "~ ."
    if not isinstance(scope, str):
        raise GLMStatError(f"scope must be a formula such as '~ . + x3 + x4' (or a list of term labels), "
                           f"got {type(scope).__name__}")
    terms = updated_formula(fit, scope, columns)
    # R's update.formula returns the simplified text, and terms() of it orders a term's variables by their first
    # appearance there: (a + x:z + g/x)^2 is a + g + ... + x:z + x:g ..., whose labels are g:x and g:x:z (the
    # formula as written orders x, z, g: x:g:z)
    limits = formula_limits(fit)
    return list(expand_terms(parse(formula_text(terms), limits), [str(c) for c in columns], limits).terms)


def terms_with(fit: "GLMResults", keep: list[tuple]) -> Terms:
    """The fit's formula with exactly the terms ``keep`` (intercept, response and offsets unchanged)."""
    st = structure(fit)
    order = sorted(keep, key=len)  # R's order: by degree, stably
    variables = tuple(dict.fromkeys(v for term in order for v in term))
    return Terms(st.response, st.intercept, tuple(order), st.offsets, variables)
