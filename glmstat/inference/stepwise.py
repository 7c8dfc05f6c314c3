"""Model building: ``update`` (R's formula rules for ``.``), single-term additions (``add1.glm``) and stepwise
selection by AIC (``MASS::stepAIC``).

**update.**  In the new formula ``.`` on the left stands for the old response and ``.`` on the right for the
old right-hand side: ``update(y ~ a + b, log(.) ~ . + c)`` is ``log(y) ~ a + b + c``; ``"~ . - b"`` (no left
side) keeps the response.  As R's ``formula(fit)``, the old right-hand side is the formula as written, a
``.`` in it written out as the columns it stood for in the fit (not those of new data).  The result is
simplified as R's ``update.formula`` does (the expanded terms, in R's order, then the offsets and ``- 1``
without an intercept) and refitted with the same family, weights, offset, method and control on the same
data.

**add1** (``add1.glm``). The model with every candidate term is fitted once, with the model's family (a negative
binomial at the model's theta, as ``add1.glm`` refits with ``object$family``); each candidate is the current columns
plus its own, refitted on those columns (where that model cannot start from R's starting means, each addition is fitted
on its own from them, as R's add1.glm fits every one, and Rao's score takes each one's columns). With D the deviance, r
the rank, phi the current model's dispersion, n the rows used: L = n log(D / n) (Gaussian) or D / phi; AIC = L + k r,
shifted so that the current model's equals R's ``extractAIC`` (AIC + (k - 2) edf, edf = n - df_residual); Chisq: max(0,
L_0 - L_i) on the added df; F: ((D_0 - D_i) / df) / (D_i / (df_residual - df)); Rao: the score statistic of the current
model's working residuals r and weights w on the bigger columns -- the weighted sum of squares of r about its mean minus
the residual sum of squares of r - offset on X (R's ``glm.fit(X, r, w, offset = offset)``) -- over phi. A candidate with
missing values in rows the model uses makes every model of the table (the current one too) a fit to the rows complete
for all of them, with a ``DroppedRowsWarning`` ("using the 111/116 rows from a combined fit", as R); phi, the residual
df of F and the AIC shift stay the model's, and n is the combined fit's.

**step** (``stepAIC``).  From the current model, repeatedly take the single deletion (``drop1`` within the
lower scope, respecting marginality) or addition (``add1`` within the upper scope) with the lowest AIC of
those tables, refit, and stop when no change lowers the AIC (or the refitted AIC is not lower by 1e-7, in
which case the refitted model is returned, as stepAIC does).  A change whose model R's starting means cannot
start (stepAIC stops there) is fitted from the coefficients of the refit that gave its AIC.  A negative binomial
model with theta estimated refits every candidate with its own theta and uses MASS's AIC without theta (-2 loglik
+ k edf).
Candidates are refitted on the whole data, as R's ``update`` does (ns() knots, poly()'s basis and the other
data-dependent terms are learned from every row, as in the original fit); all fits use the rows of the
original fit, and a candidate that would use other rows (a new variable with missing values, or a dropped
one whose missing values had set rows aside) is an error, as R's "number of rows in use has changed".  The
scope must bracket the model (its lower terms in the model, the model's terms in its upper one), else the
error stepAIC's ``factor.scope`` gives.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np
import pandas as pd

from .._arguments import integer_type, is_one_of, own_scalar, real_number, shown
from ..distributions import chi2_sf, f_sf
from ..errors import DroppedRowsWarning, FormulaError, GLMStatError, GLMStatWarning, InvalidStartError, warn_user
from ..families import Gaussian
from ..formula.deparse import deparse
from ..formula.nodes import BinOp, Call, Const, Dot, Formula, Name, Node, Num, Paren, Unary, count_dots
from ..formula.limits import FormulaLimits, refuse
from ..formula.lexer import tilde_positions
from ..formula.parser import parse, sum_chain
from ..formula.terms import Terms, expand_terms, term_label, warn_response_term
from .fit_access import (SAME_SUBSET, dot_columns, fit_inputs, fitted_data, formula_limits, refit, score_test,
                         structure, used_data)
from .streamed_data import data_columns, data_reference

if TYPE_CHECKING:
    from .submodels import Submodel
    from .results import GLMResults

__all__ = ["update", "updated_formula", "fit_columns", "add1", "step"]

_TESTS = {"none": None, "chisq": "Chisq", "lrt": "Chisq", "f": "F", "rao": "Rao"}


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
    dot: Node = Name(columns[0])
    for c in columns[1:]:
        dot = BinOp("+", dot, Name(c))
    rhs = _replace_dot(old.rhs, Paren(dot))
    return Formula(old.lhs, rhs, f"{deparse(old.lhs)} ~ {deparse(rhs)}")


def _updated_text(fit: "GLMResults", formula: str, columns) -> str:
    """The text of the formula ``update`` refits; warns, as the fit of the text would have, when the response
    was a term of the right-hand side (``~ . + y``), which the text leaves out."""
    terms = updated_formula(fit, formula, columns)
    warn_response_term(terms)
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
    from ..formula.arrow_tables import in_memory_frame
    from ..formula.frame import column_label_text
    from ..formula.readers import ParquetReader

    if is_path(data):
        data = ParquetReader.open(data)
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


def _refit_formula(fit: "GLMResults", terms: Terms, family: Any = None, fewer_rows: bool = False,
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


def _chosen_model(current: "GLMResults", label: str, keep: list, start_of: Callable[[str], np.ndarray]
                  ) -> "GLMResults":
    """The model ``current`` changed by the step ``label`` (``"- term"`` or ``"+ term"``), its terms ``keep``, fitted
    as R's stepAIC fits it (``update``, from R's starting means).  Where those cannot start it (R's stepAIC stops
    there: "no valid set of coefficients"), it is fitted from ``start_of(label)``, the coefficients of the refit that
    gave its AIC (:meth:`_Candidates.start_of`): the same columns, in the same order."""
    terms = _terms_with(current, keep)
    try:
        return _refit_formula(current, terms)
    except InvalidStartError as refused:
        try:
            return _refit_formula(current, terms, start=start_of(label))
        except GLMStatError:
            raise refused from None


# -- AIC tables ---------------------------------------------------------------------------------------------------
def _theta_free(fit: "GLMResults") -> bool:
    return fit.theta_se is not None


def _n_rows(fit: "GLMResults") -> int:
    return len(fit.rows_used)


def extract_aic(fit: "GLMResults", k: float) -> tuple[float, float]:
    """R's ``extractAIC``: (edf, AIC + (k - 2) edf) with edf = n - df_residual; MASS's for a negative
    binomial with theta estimated: (edf, -2 loglik + k edf)."""
    edf = _n_rows(fit) - fit.df_residual
    if _theta_free(fit):
        return float(edf), -2 * fit.loglik + k * edf
    return float(edf), fit.aic + (k - 2) * edf


def _loglik_scale(fit: "GLMResults", dev: np.ndarray, n: int | None = None) -> np.ndarray:
    """drop1/add1's stand-in for -2 loglik: n log(D / n) for the Gaussian family (n the rows of the models
    compared, default the fit's), D / phi otherwise (phi the fit's dispersion)."""
    n = _n_rows(fit) if n is None else n
    with np.errstate(divide="ignore"):
        return n * np.log(dev / n) if isinstance(fit.family, Gaussian) else dev / fit.dispersion


def _approx_aic(fit: "GLMResults", dev: np.ndarray, rank: np.ndarray, k: float, base: int,
                n: int | None = None) -> np.ndarray:
    """The AIC column of drop1/add1: L + k rank, shifted to R's extractAIC (of ``fit``) at row ``base``."""
    aic = _loglik_scale(fit, dev, n) + k * rank
    return aic + (extract_aic(fit, k)[1] - aic[base])


def _varsets(st) -> list[frozenset]:
    return [frozenset(v) for v in st.variables]


def _scope_terms(fit: "GLMResults", scope: Any, columns) -> list[tuple]:
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


def _add_candidates(current: list[frozenset], upper: list[frozenset]) -> list[frozenset]:
    """R's ``add.scope``: upper terms not in the model that contain no other candidate (marginality)."""
    now = set(current)
    cand = [t for t in upper if t not in now]
    by_size: dict[int, list[frozenset]] = {}
    for t in cand:
        by_size.setdefault(len(t), []).append(t)
    # (a proper subset has fewer members: only those are compared, not every pair of a long scope)
    return [t for t in cand if not any(o <= t for k, sets in by_size.items() if k < len(t) for o in sets)]


def _without(variables: tuple, labels: list[str], label: str) -> list:
    """The terms ``variables`` (labelled ``labels``) but the one labelled ``label``."""
    return [v for v, lab in zip(variables, labels) if lab != label]


def _with(variables: tuple, term: tuple) -> list:
    return list(variables) + [term]


def _drop_candidates(current: list[frozenset], lower: list[frozenset]) -> list[frozenset]:
    """R's ``drop.scope`` within the lower scope: model terms not in it that no other such term contains."""
    from .anova import contained_elsewhere

    low = set(lower)
    cand = [t for t in current if t not in low]
    return [t for t, held in zip(cand, contained_elsewhere(cand, strict=True)) if not held]


def _terms_with(fit: "GLMResults", keep: list[tuple]) -> Terms:
    """The fit's formula with exactly the terms ``keep`` (intercept, response and offsets unchanged)."""
    st = structure(fit)
    order = sorted(keep, key=len)  # R's order: by degree, stably
    variables = tuple(dict.fromkeys(v for term in order for v in term))
    return Terms(st.response, st.intercept, tuple(order), st.offsets, variables)


class _Candidates:
    """The AIC of each single deletion or addition (drop1 / add1 style, or refits for theta estimated)."""

    def __init__(self, fit: "GLMResults", k: float) -> None:
        self.fit, self.k = fit, k
        self.st = structure(fit)
        self.sets = _varsets(self.st)
        self._table: _AddTable | None = None

    def drops(self, which: list[frozenset]) -> list[tuple[str, float, float, "GLMResults | None"]]:
        """(label, df, aic, refitted fit or None) per deletion."""
        fit, st = self.fit, self.st
        out = []
        if _theta_free(fit):
            edf0 = extract_aic(fit, self.k)[0]
            for t in which:
                i = self.sets.index(t)
                new = _refit_formula(fit, _terms_with(fit, [v for j, v in enumerate(st.variables) if j != i]))
                edf, aic = extract_aic(new, self.k)
                out.append((st.labels[i], edf0 - edf, aic, new))
            return out
        p = len(fit.column_names)
        assign = st.term_of_column(p)
        devs, ranks, labels = [fit.deviance], [fit.rank], []
        for t in which:
            i = self.sets.index(t)
            sub = refit(fit, np.flatnonzero(assign != i + 1))
            devs.append(sub.deviance), ranks.append(sub.rank), labels.append(st.labels[i])
        aic = _approx_aic(fit, np.asarray(devs), np.asarray(ranks, dtype=float), self.k, 0)
        return [(lab, fit.rank - r, a, None) for lab, r, a in zip(labels, ranks[1:], aic[1:])]

    def adds(self, which: list[tuple]) -> list[tuple[str, float, float, "GLMResults | None"]]:
        """(label, df, aic, refitted fit or None) per addition of the terms ``which`` (tuples of nodes)."""
        fit, st = self.fit, self.st
        if _theta_free(fit):
            edf0 = extract_aic(fit, self.k)[0]
            out = []
            for t in which:
                new = _refit_formula(fit, _terms_with(fit, list(st.variables) + [t]))
                edf, aic = extract_aic(new, self.k)
                out.append((term_label(t), edf0 - edf, aic, new))
            return out
        table = self._table = _add_table(fit, which)
        aic = _approx_aic(fit, table.dev, table.rank, self.k, 0)
        fits = table.fits or [None] * len(which)
        return [(lab, table.rank[0] - r, a, new)
                for lab, r, a, new in zip(table.labels, table.rank[1:], aic[1:], fits)]

    def start_of(self, label: str) -> np.ndarray:
        """The coefficients of the refit that gave the change ``label`` its AIC, on the changed model's columns:
        ``"- term"``, the model's refit on its columns without the term's (:func:`~glmstat.inference.anova.
        refit_columns`: from R's starting means, else the model's own estimate on those columns or its fitted
        means); ``"+ term"``, the refit of the model with every candidate on the current columns and the term's
        (:meth:`_AddTable.refit_addition`) -- refitted, not kept from the table: p coefficients a candidate."""
        if label.startswith("- "):
            assign = self.st.term_of_column(len(self.fit.column_names))
            return refit(self.fit, np.flatnonzero(assign != self.st.labels.index(label[2:]) + 1)).beta
        table = self._table
        return table.refit_addition(table.labels.index(label[2:])).beta


@dataclass(frozen=True)
class _AddTable:
    """Deviance, rank (and Rao score) of the current model and of each addition, from one fit of the bigger
    model ``upper``; ``labels`` of the additions; ``n_rows`` the rows of these fits; the current model is
    ``upper``'s columns ``base``, an addition those and the columns whose term (``assign``) is its ``term``.
    Where ``upper`` cannot start, ``fits`` holds each addition's own fit instead (:func:`_separate_additions`)."""

    labels: list[str]
    dev: np.ndarray
    rank: np.ndarray
    score: np.ndarray
    n_rows: int
    upper: "GLMResults | None"
    base: np.ndarray
    assign: np.ndarray
    term: list[int]
    fits: "list[GLMResults] | None" = None

    current: "Submodel | None" = None

    def columns(self, i: int) -> np.ndarray:
        """``upper``'s columns of the model with the ``i``-th addition."""
        return _with_columns(self.base, self.assign, self.term[i])

    def refit_addition(self, i: int) -> "Submodel":
        """The model with the ``i``-th addition refitted on ``upper``'s columns: from R's start or ``upper``'s
        estimate, else from the current model's estimate with 0 for the added columns (the current model's linear
        predictor, valid where R's add1.glm cannot start: random s792_0169 forward, inverse Gaussian 1/mu^2)."""
        cols = self.columns(i)
        start = np.zeros(cols.size)
        start[np.isin(cols, self.base)] = self.current.beta
        return refit(self.upper, cols, start)


def _with_columns(base: np.ndarray, assign: np.ndarray, j: int) -> np.ndarray:
    """The columns ``base`` and those of term ``j`` (``assign``: each column's term), in the design's order."""
    return np.union1d(base, np.flatnonzero(assign == j))


def _add_table(fit: "GLMResults", which: list[tuple], rao: bool = False, fewer_rows: bool = False) -> _AddTable:
    st = structure(fit)
    # the bigger model with the fit's own family: a negative binomial's theta stays the fit's estimate, as R's
    # add1.glm refits with object$family (re-estimated, the current model's row was another theta's deviance)
    try:
        upper = _refit_formula(fit, _terms_with(fit, list(st.variables) + list(which)), fit.family, fewer_rows)
    except InvalidStartError as refused:
        return _separate_additions(fit, which, refused, rao)
    assign, base = _current_columns(fit, upper)
    usets = _varsets(structure(upper))
    term = [usets.index(frozenset(t)) + 1 for t in which]
    sub0 = refit(upper, base)
    table = _AddTable([term_label(t) for t in which], np.empty(0), np.empty(0), np.empty(0),
                      upper.model_frame.n_rows, upper, base, assign, term, current=sub0)
    devs, ranks, score = [sub0.deviance], [sub0.rank], [np.nan]
    for i in range(len(term)):
        sub = table.refit_addition(i)
        devs.append(sub.deviance), ranks.append(sub.rank)
        if rao:
            score.append(score_test(upper, sub0, table.columns(i), minus_offset=True))
    return replace(table, dev=np.asarray(devs), rank=np.asarray(ranks, dtype=float), score=np.asarray(score))


def _current_columns(fit: "GLMResults", bigger: "GLMResults") -> tuple[np.ndarray, np.ndarray]:
    """(assign, base): the term of each of ``bigger``'s columns, and the columns of the terms of ``fit`` (and the
    intercept) among them -- the current model inside a model with more terms."""
    bst = structure(bigger)
    assign = bst.term_of_column(len(bigger.column_names))
    bsets = _varsets(bst)
    base_terms = {bsets.index(s) + 1 for s in _varsets(structure(fit))}
    return assign, np.flatnonzero(np.isin(assign, list(base_terms)) | (assign == 0))


def _separate_additions(fit: "GLMResults", which: list[tuple], refused: InvalidStartError,
                        rao: bool = False) -> _AddTable:
    """The additions as R's add1.glm fits them, each on its own from R's starting means, where the model with
    every candidate cannot start from them (R never fits that model: it fits the current columns and each
    addition's): the current model is the fit itself.  Refused as R refuses where an addition cannot start either
    (``refused``: the bigger model's error), or uses other rows than the model.  With ``rao`` each addition's
    score is that of the current model's working residuals on the addition's columns (R's ``glm.fit(X, r, w)``:
    the addition's own fit gives the columns, the current model refitted inside it the residuals)."""
    variables = list(structure(fit).variables)
    fits = []
    for t in which:
        try:
            fits.append(_refit_formula(fit, _terms_with(fit, variables + [t]), fit.family))
        except GLMStatError:
            raise refused from None
    score = [np.nan]
    for f in fits if rao else ():
        _, base = _current_columns(fit, f)
        score.append(score_test(f, refit(f, base), np.arange(len(f.column_names)), minus_offset=True))
    return _AddTable([term_label(t) for t in which], np.array([fit.deviance] + [f.deviance for f in fits]),
                     np.array([fit.rank] + [f.rank for f in fits], dtype=float),
                     np.asarray(score) if rao else np.full(len(which) + 1, np.nan),
                     fit.model_frame.n_rows, None, np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp), [],
                     fits)


# -- add1 ---------------------------------------------------------------------------------------------------------
def add1(fit: "GLMResults", scope: Any, test: str = "none", k: float = 2.0) -> pd.DataFrame:
    """Single-term additions, as R's ``add1.glm`` (see the module docstring).

    Parameters
    ----------
    fit : GLMResults
    scope : str or list of str
        A formula of the terms to try (``"~ . + x3 + x4"``; a formula without the model's terms adds them to
        the model's), or term labels.  Only terms whose lower-order margins are all present are tried.
    test : {"none", "Chisq", "LRT", "F", "Rao"}
    k : float
        The AIC penalty per parameter.

    Returns
    -------
    DataFrame
        Index ``"<none>"`` then the terms; ``df``, ``deviance``, ``aic`` (when the family has a likelihood),
        then ``statistic`` and ``p_value`` for a test.

    Warns
    -----
    DroppedRowsWarning
        When a term of the scope has missing values in rows the model uses: every model of the table, the
        current one too, is then fitted to the rows complete for all of them (R's "combined fit").
    """
    from .anova import check_ml_fit

    check_ml_fit(fit, "add1")
    k = real_number(k, "k", low=0.0, must="a non-negative finite number (2: AIC, log(n): BIC)")
    key = test.lower() if isinstance(test, str) and own_scalar(test) else None  # (not a subclass's lower)
    if key not in _TESTS:
        raise GLMStatError(f"unknown test {shown(test)}; use 'none', 'Chisq' (or 'LRT'), 'F' or 'Rao'")
    test = _TESTS[key]
    st = structure(fit)
    current = _varsets(st)
    upper = _scope_terms(fit, scope, fit_columns(fit))
    upper_sets = [frozenset(t) for t in upper]
    chosen = _add_candidates(current, list(dict.fromkeys(current + upper_sets)))
    which = [upper[upper_sets.index(s)] for s in chosen]
    if not which:
        raise GLMStatError("no terms in scope for adding to the model")
    # a candidate with missing values where the model has none: R's add1.glm fits every model of the table
    # (<none> too) on the rows complete for all of them, with a warning, and keeps the model's dispersion,
    # residual df and extractAIC (stepAIC is what refuses such a change)
    table = _add_table(fit, which, rao=test == "Rao", fewer_rows=True)
    n_old = fit.model_frame.n_rows
    if table.n_rows < n_old:
        warn_user(f"using the {table.n_rows}/{n_old} row{'s' if table.n_rows != 1 else ''} from a combined "
                  f"fit (a term of the scope has missing values in rows the model uses)", DroppedRowsWarning)
    dev, rank = table.dev, table.rank
    aic = _approx_aic(fit, dev, rank, k, 0, table.n_rows)
    dfs = rank - rank[0]
    dfs[0] = np.nan
    out = pd.DataFrame({"df": dfs, "deviance": dev}, index=pd.Index(["<none>"] + table.labels, name="term"))
    if fit.family.has_likelihood:
        out["aic"] = aic
    loglik = _loglik_scale(fit, dev, table.n_rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "Chisq":
            stat = np.maximum(0.0, loglik[0] - loglik)
            stat[0] = np.nan
            out["statistic"], out["p_value"] = stat, chi2_sf(stat, dfs)
        elif test == "Rao":
            stat = np.maximum(0.0, table.score) / fit.dispersion
            out["statistic"], out["p_value"] = stat, chi2_sf(stat, dfs)
        elif test == "F":
            if fit.family.name in ("binomial", "poisson"):
                warn_user(f"the F test assumes the quasi{fit.family.name} family (an estimated dispersion)",
                          GLMStatWarning)
            rdf = fit.df_residual
            F = np.maximum(0.0, (dev[0] - dev) / dfs) / (dev / (rdf - dfs))
            F[~(dfs >= np.finfo(float).eps)] = np.nan
            out["statistic"], out["p_value"] = F, f_sf(F, dfs, rdf - dfs)
    out.attrs["heading"] = f"Single term additions\nModel: {fit.formula}"
    out.attrs["test"] = test
    return out


# -- step ---------------------------------------------------------------------------------------------------------
def _scopes(fit: "GLMResults", scope: Any, columns) -> tuple[list[tuple] | None, list[tuple]]:
    """(upper terms or None, lower terms) as stepAIC reads ``scope``."""
    if scope is None:
        return list(structure(fit).variables), []
    if isinstance(scope, Mapping):
        unknown = set(scope) - {"lower", "upper"}
        if unknown:
            raise GLMStatError(f"scope= takes the keys 'lower' and 'upper', got {', '.join(map(repr, unknown))}")
        upper = _scope_terms(fit, scope["upper"], columns) if scope.get("upper") is not None else None
        lower = _scope_terms(fit, scope["lower"], columns) if scope.get("lower") is not None else []
        return upper, lower
    return _scope_terms(fit, scope, columns), []


def _check_scopes(st, upper: list[tuple] | None, lower: list[tuple]) -> None:
    """stepAIC's ``factor.scope`` check: every term of the lower scope is in the model and every term of the
    model is in the upper scope (matched by their variables, whatever the order), else the error R gives."""
    model = _varsets(st)
    for which, outside in (("lower", [t for t in lower if frozenset(t) not in model]),
                           ("upper", [] if upper is None else
                            [t for t, s in zip(st.variables, model) if s not in {frozenset(u) for u in upper}])):
        if outside:
            names = ", ".join(repr(term_label(t)) for t in outside)
            raise GLMStatError(f"{which} scope has term{'s' if len(outside) > 1 else ''} {names} not included in "
                               f"model" + (" (the lower scope must be part of the model)" if which == "lower" else
                                           " (the upper scope must contain the model)"))


#: The columns of a stepwise search's path, in order (stepAIC's ``$anova``): what :meth:`GLMResults.with_step_path`
#: keeps.
STEP_PATH_COLUMNS = ("step", "df", "deviance", "resid_df", "resid_dev", "aic")


def _record(fit: "GLMResults", change: str, k: float, n: int) -> dict:
    edf, aic = extract_aic(fit, k)
    return {"step": change, "deviance": fit.deviance, "resid_df": n - edf, "aic": aic}


def step(fit: "GLMResults", direction: str | None = None, k: float = 2.0, scope: Any = None,
         steps: int = 1000) -> "GLMResults":
    """Stepwise model selection by AIC, as ``MASS::stepAIC`` (see the module docstring).

    Parameters
    ----------
    fit : GLMResults
        The starting model.
    direction : {"backward", "forward", "both"}, optional
        Default: "both" with a scope, "backward" without (stepAIC's defaults).
    k : float
        The penalty per parameter: 2 for AIC, log(n) for BIC.
    scope : str, list of str or dict, optional
        The upper model (a formula, ``.`` the starting model's side), or ``{"lower": ..., "upper": ...}``.
        Without one, terms may be dropped down to the intercept and (with "both") dropped terms re-added.
    steps : int
        The maximum number of steps.

    Returns
    -------
    GLMResults
        The chosen model; its ``step_path`` is stepAIC's ``$anova``: ``step``, ``df``, ``deviance``,
        ``resid_df``, ``resid_dev``, ``aic``.
    """
    from .anova import check_ml_fit

    check_ml_fit(fit, "step")
    if direction is None:
        direction = "both" if scope is not None else "backward"
    if not is_one_of(direction, ("backward", "forward", "both")):
        raise GLMStatError(f"unknown direction {shown(direction)}; use 'backward', 'forward' or 'both'")
    k = real_number(k, "k", low=0.0, must="a non-negative finite number (2: AIC, log(n): BIC)")
    if isinstance(steps, (bool, np.bool_)) or not integer_type(steps) or steps < 0:
        raise GLMStatError(f"steps must be a non-negative whole number, got {shown(steps)}")
    backward, forward = direction in ("backward", "both"), direction in ("forward", "both")
    if not fit.family.has_likelihood:
        raise GLMStatError(f"AIC is not defined for the {fit.family.label} family, so step cannot proceed")
    upper, lower = _scopes(fit, scope, fit_columns(fit))
    upper_sets = None if upper is None else [frozenset(t) for t in upper]
    lower_sets = [frozenset(t) for t in lower]
    _check_scopes(structure(fit), upper, lower)
    n = fit.nobs
    current = fit
    b_aic = extract_aic(current, k)[1]
    if not np.isfinite(b_aic):
        raise GLMStatError("AIC is not finite for this model, so step cannot proceed")
    models = [_record(current, "", k, n)]
    while steps > 0:
        steps -= 1
        aic0 = b_aic
        st = structure(current)
        sets = _varsets(st)
        cands = _Candidates(current, k)
        rows: list[tuple[str, float, float, Any]] = []
        change = None
        # the terms each candidate keeps are listed for the one taken only: listing them for every candidate
        # was p lists of p labels a step (7 s a step for a model of 2,000 terms)
        labels = [term_label(v) for v in st.variables]
        without = partial(_without, st.variables, labels)
        if backward:
            drops = cands.drops(_drop_candidates(sets, lower_sets))
            zero = [r for r in drops if r[1] == 0 and abs(r[2] - aic0) <= 0.01]
            if any(r[1] == 0 and abs(r[2] - aic0) > 0.01 for r in drops):
                warn_user("0 df terms are changing AIC", GLMStatWarning)
            if zero:  # terms with 0 df (all columns aliased) go first, one at a time
                lab, _, _, new = zero[-1]
                change = ("- " + lab, new, without(lab))
            rows += [("- " + lab, df, aic, (new, partial(without, lab))) for lab, df, aic, new in drops]
        if change is None:
            if forward and upper_sets is not None:
                add_sets = _add_candidates(sets, upper_sets)
                which = [upper[upper_sets.index(s)] for s in add_sets]
                if which:
                    rows += [("+ " + lab, df, aic, (new, partial(_with, st.variables, t)))
                             for (lab, df, aic, new), t in zip(cands.adds(which), which)]
            rows = [r for r in rows if r[1] != 0]
            if not rows:
                break
            aics = np.array([aic0] + [r[2] for r in rows])
            best = int(np.argsort(aics, kind="stable")[0])
            if best == 0:
                break
            label, _, _, (new, keep) = rows[best - 1]
            change = (label, new, keep())
        label, new, keep = change
        current = new if new is not None else _chosen_model(current, label, keep, cands.start_of)
        if current.nobs != n:
            raise GLMStatError("number of rows in use has changed: remove missing values first (as R says)")
        b_aic = extract_aic(current, k)[1]
        if b_aic >= aic0 + 1e-7:
            break
        models.append(_record(current, label, k, n))
    path = pd.DataFrame(models)
    path.insert(1, "df", np.concatenate([[np.nan], np.abs(np.diff(path["resid_df"].to_numpy(dtype=float)))]))
    dev = path.pop("deviance").to_numpy(dtype=float)
    path.insert(2, "deviance", np.concatenate([[np.nan], np.abs(np.diff(dev))]))
    path.insert(4, "resid_dev", dev)
    path = path[list(STEP_PATH_COLUMNS)]  # (the order with_step_path keeps, named once)
    path.attrs["heading"] = f"Stepwise Model Path\nInitial model: {fit.formula}\nFinal model: {current.formula}"
    return current.with_step_path(path)
