"""One chunk of rows evaluated for a model: R's ``model.frame`` and ``na.omit``, before any design.

:func:`evaluate_rows` evaluates the response (``cbind``, factors, booleans for binomial), the
offsets and weights, and every variable of the right-hand side on the rows of a DataFrame, and finds the
rows to drop, as R's ``na.omit`` of the model frame: those where a variable's value is missing (counted under
the columns read that are missing there, then under the term's text: ``log(z)`` of a negative z,
``cut(x, c(0, 10))`` of an x outside the breaks).  :func:`complete_arrays` gives the response, weights, trials
and offset of the rows kept, with their checks.

The same two functions serve the in-memory model frame (:mod:`glmstat.formula.frame`) and every chunk of a
streamed source (:mod:`glmstat.formula.stream`), so both drop the same rows and read the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from .._arguments import foreign_type, items_given, shown, shown_row
from ..errors import DataError, FormulaError, GLMStatError
from ..families import Family
from ..printable import escape_unprintable
from .deparse import deparse, r_name
from .data_columns import DataColumns
from .evaluate import Evaluator
from .limits import FormulaLimits, check_variables, factor_bytes
from .nodes import Call, Name, Node, names_read
from .parser import parse_expression
from .spec import model_variable
from .subset import Subset, subset_rows
from .terms import Terms
from .values import (NUMBER_TEXT, FactorVec, NumMat, NumVec, Value, align_by_label, check_number_types,
                     label_text, missing_mask, object_missing)
from .values import NUMBER_TYPES  # (Decimal and Fraction, read as numbers as in an object column)

__all__ = ["Rows", "ArraysUsed", "argument_node", "evaluate_rows", "complete_arrays", "variables_used",
           "numeric_response",
           "missing_detail", "more_levels_warning"]


@dataclass(frozen=True, eq=False)
class Rows:
    """A chunk's model variables, evaluated on every row, and the rows to drop."""

    n: int
    response_name: str
    y: np.ndarray  # proportions for cbind(); NaN where missing
    trials: np.ndarray | None  # successes + failures of cbind(), else None
    prior: np.ndarray | None  # the weights= values, else None
    offset: np.ndarray | None  # sum of offset() terms and offset=, None when there is none
    values: dict  # variable node -> value (logicals already two-level factors)
    missing: dict  # column (or a term evaluating to NaN, the response...) -> mask of rows
    drop: np.ndarray  # rows with a missing value in any of them
    offset_column: str | None  # offset= given as a column name or an expression of columns (its text)
    weights_column: str | None
    has_offset: bool
    binomial: bool
    response_levels: tuple | None = None  # a binomial factor response's levels in the rows kept
    response_categories: tuple | None = None  # ... and all its levels, in its order (a categorical's)
    response_ordered: bool = False
    #: what the offset sums, for messages: (name, values) of each offset() term and of offset=
    offset_parts: tuple = ()
    #: rows that ``subset=`` leaves out (in ``drop``, but not dropped for a missing value)
    excluded: int = 0
    #: offset= and weights= given as text, parsed (:func:`argument_node`): a column's Name, or an expression
    offset_node: Node | None = None
    weights_node: Node | None = None
    #: factors that only removed terms (or terms dropped for an offset) name, (node, value): R's model frame holds
    #: them and model.matrix sets their contrasts (C()'s or the default's), stopping for one of a single level
    removed_factors: tuple = ()


def variables_used(terms: Terms) -> list[Node]:
    """Every variable of the right-hand side, in order of first use."""
    seen: dict[Node, None] = {}
    for t in terms.terms:
        for v in t:
            seen.setdefault(v, None)
    return list(seen)


def _to_float(values: Any, what: str) -> np.ndarray:
    """``values`` as float64; complex numbers (whose imaginary part a cast would drop) and numbers beyond
    double precision (Python ints above 1.8e308) are refused naming ``what``."""
    if isinstance(values, (complex, np.complexfloating)) or getattr(getattr(values, "dtype", None), "kind", "") == "c":
        raise DataError(f"{what} holds complex numbers; a GLM needs real numbers")
    if isinstance(values, pd.Series) and pd.api.types.is_bool_dtype(values.dtype):
        raise logical_refused(what)
    if isinstance(values, pd.Series):
        if not pd.api.types.is_numeric_dtype(values.dtype):
            raise DataError(f"{what} must be numeric, but it has dtype {values.dtype}")
        return values.to_numpy(dtype=float, na_value=np.nan)
    if type(values) in (list, tuple):  # (before numpy reads them: it calls a float subclass's __float__)
        foreign = foreign_type(values, also=NUMBER_TYPES)
        if foreign is not None and foreign not in (list, tuple, range):  # (rows of many values: said below)
            raise DataError(
                f"{what} holds values of the type {shown(foreign.__qualname__)}, which glmstat does not convert to "
                "numbers (a float subclass's conversion is code of its own); convert them to floats first")
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError, MemoryError) as e:  # (ragged nested sequences; rows of ranges)
        raise DataError(f"{what} must be numbers, one value per row") from e
    if arr.dtype.kind == "c":
        raise DataError(f"{what} holds complex numbers; a GLM needs real numbers")
    if arr.dtype == bool:
        raise logical_refused(what)
    if arr.dtype.kind in "USMmV":  # (a cast would read texts as numbers, "1_0" as 10, and dates as counts)
        first = arr.ravel()[0] if arr.size else None
        raise DataError(f"{what} must be numbers, but it holds {arr.dtype} values such as {shown(str(first))}")
    if arr.dtype.kind == "O":
        present = arr.ravel()
        check_number_types(what, present[~object_missing(what, present)])
    if not np.issubdtype(arr.dtype, np.number):
        try:
            return arr.astype(float)
        except OverflowError as e:  # a Python int beyond double precision
            big = next((v for v in arr.ravel() if isinstance(v, int) and abs(v) > 1e308), None)
            raise DataError(f"{what} has a number too large for double precision ({shown(big)}); values must be "
                            "finite numbers") from e
        except (TypeError, ValueError) as e:
            raise DataError(f"{what} must be numeric, got values of type {arr.dtype}") from e
    return arr.astype(float)


def logical_refused(what: str) -> DataError:
    """The refusal of logical values (True/False) as weights or an offset, as R's glm refuses them ("'weights' must
    be a numeric vector", "'offset' must be numeric"): a column of flags given there is more often a mistake than
    weights of 0 and 1, and a fit on the rows flagged is what subset= says."""
    return DataError(f"{what} holds logical values (True/False), not numbers, as R refuses them too: give numbers "
                     "(the flags as 0 and 1: as.numeric(...) in R's syntax, .astype(float) in Python), or choose the "
                     "rows with subset=")


def _vector(values: Any, n: int, what: str) -> np.ndarray:
    if isinstance(values, (bool, np.bool_)):  # (a number broadcasts to every row; True read as a weight of 1)
        raise DataError(f"{what}={values} is a flag, not a value: give a column name, one value per row or one "
                        "number for every row")
    given = items_given(values)  # (counted before they are read: weights=range(10**12) was a MemoryError)
    if given is not None and given != n:
        raise DataError(f"{what} has {given:,} values but the data has {n:,} rows")
    v = _to_float(values, what)
    if v.ndim > 1 and v.shape[1:] != (1,) * (v.ndim - 1):
        raise DataError(f"{what} must be one value per row, but it has shape {v.shape}")
    v = v.reshape(-1) if v.ndim > 1 else v
    if v.ndim == 0:
        v = np.full(n, float(v))
    if v.shape != (n,):
        raise DataError(f"{what} has {v.size} values but the data has {n} rows")
    return v


def numeric_response(v: Value, label: str, what: str = "the response") -> np.ndarray:
    """The values of a numeric variable; a factor, a matrix or a constant is refused with the label, cut as every
    name a message shows (a weights column of a factor named by 1 MB of text made a message of 1 MB)."""
    if isinstance(v, NumVec):
        return v.values
    if isinstance(v, FactorVec):
        ok = v.codes[v.codes >= 0]
        if not ok.size:  # (an object column of None or pd.NA alone: missing values, as R's logical NA, not text)
            return np.full(v.codes.shape[0], np.nan)
        # (the level shown cut, as every level a message quotes: a text of 100 KB made a message of 100 KB)
        raise DataError(f"{what} {shown(label)} must be numeric, but it holds {shown(label_text(v.levels[ok[0]]))} (a "
                        "factor or strings)")
    if isinstance(v, NumMat):
        raise DataError(f"{what} {shown(label)} has {v.values.shape[1]} columns; it must be one value per row "
                        "(or cbind(successes, failures) for a binomial model)")
    raise DataError(f"{what} {shown(label)} is a constant")


def binomial_response(v: Value, label: str) -> np.ndarray:
    """0/1, proportions or booleans (True = success); a factor's rows are 0 here and NaN where missing, and
    :func:`factor_response` decides them once the rows kept are known."""
    if isinstance(v, FactorVec):
        return np.where(v.codes >= 0, 0.0, np.nan)
    return numeric_response(v, label)


def factor_response(f: FactorVec, drop: np.ndarray, failure: Any = None) -> tuple[np.ndarray, tuple]:
    """A binomial factor response as R's ``binomial()$initialize`` reads it, ``y != levels(y)[1]``: the first
    level among the rows kept (R's model frame drops the unused levels after ``na.omit``) is failure, every
    other level success.  ``failure``: that level for the whole data, when these rows are a chunk of it.
    Returns y (NaN where missing) and the levels the rows kept hold, in level order."""
    present = np.zeros(len(f.levels), dtype=bool)
    codes = f.codes if not drop.any() else f.codes[~drop]
    present[codes[codes >= 0]] = True
    levels = tuple(lv for lv, p in zip(f.levels, present) if p)
    if failure is None:
        first = int(np.argmax(present)) if levels else -1
    else:  # (the chunk's levels are its own: find the whole data's first level among them by its label)
        text = label_text(failure)
        first = next((i for i, lv in enumerate(f.levels) if label_text(lv) == text), -1)
    y = np.where(f.codes >= 0, (f.codes != first).astype(float), np.nan)
    return y, levels


def _categories(f: FactorVec | None) -> tuple[tuple | None, bool]:
    return (None, False) if f is None else (tuple(f.levels), f.ordered)


def more_levels_warning(label: str, levels: tuple) -> str | None:
    """The message for a binomial factor response of more than two levels (R reads it silently), or None."""
    if len(levels) <= 2:
        return None
    others = levels[1:]
    return (f"the binomial response {shown(label)} has {len(levels)} levels: as R, the first "
            f"({shown(label_text(levels[0]))}) is failure and the other {len(others)} "
            f"({', '.join(shown(label_text(x)) for x in others[:5])}{', ...' if len(others) > 5 else ''}) success; "
            "for another grouping, write the response as a 0/1 or True/False expression")


_NUMBER_START = frozenset("0123456789+-. \t")  # (what such a text can begin with)


def numeric_text_warning(label: str, levels: tuple) -> str | None:
    """The message for a column of text whose values read as numbers, or None.

    It is fitted as a factor of as many levels, as R fits a character column, which is seldom what was meant:
    a number column that pandas read as text for one stray token ("?", "n/a"), numbers kept as Python objects
    that dask turned into strings.  Warned when at least 90% of 3 or more levels read as numbers and some of
    them are not whole numbers or, with 10 levels or more, some do not read as numbers (the stray tokens).
    Whole-number codes alone ("01", "02", ...) are ids stored as text on purpose, and say nothing.
    """
    if len(levels) < 3 or not all(isinstance(lv, str) for lv in levels):
        return None
    if sum(lv[:1] in _NUMBER_START for lv in levels) < 0.9 * len(levels):
        return None  # (words, the common case: decided by first characters, without the pattern's 50 us)
    texts = pd.Series(levels, dtype=object)
    numeric = texts.str.match(NUMBER_TEXT).to_numpy(dtype=bool)
    n_numbers = int(numeric.sum())
    if n_numbers < 0.9 * len(levels):
        return None
    values = np.array([float(t) for t in texts[numeric]], dtype=float)
    words = [lv for lv, ok in zip(levels, numeric) if not ok]
    fractional = bool(np.any(np.isfinite(values) & (values != np.round(values))))
    if not fractional and not (words and len(levels) >= 10):
        return None
    which = "all of them read as numbers" if not words else (
        f"{n_numbers} of them read as numbers, all but {', '.join(shown(w) for w in words[:3])}"
        f"{', ...' if len(words) > 3 else ''}")
    return (f"column {shown(label)} holds text, so it is fitted as a factor of {len(levels)} levels (as R fits a "
            f"character column), but {which}: if it is a number, convert it before the fit "
            f"(pandas.to_numeric(..., errors='coerce'); dask turns a column of Python objects into text), or write "
            f"factor({r_name(label)}) in the formula to fit it as a factor without this warning")


def argument_node(arg: str, is_column: Callable[[str], bool], known: Sequence[str], limits: FormulaLimits,
                  what: str) -> Node:
    """A ``weights=``/``offset=`` text as R reads the argument in the data: the column of that name (whatever the
    name: ``"my weights"``), else the R expression it spells (``"log(service)"``, ``"1/v"``), parsed by the
    formula's grammar -- never run as Python.  Text that is neither (a misspelt column, unreadable R) is refused
    naming it, with the close names of ``known`` columns."""
    if is_column(arg):
        return Name(arg)
    beyond = None
    try:
        node = parse_expression(arg, limits, what=what)
    except FormulaError as e:
        node = None
        if e.span is None:  # (a limit's refusal, not unreadable R: said, with the limit to raise)
            beyond = str(e)
    if node is None or isinstance(node, Name):
        from .._suggest import close_matches

        close = close_matches(arg, known, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        nor = ("" if node is not None else ", nor is it an R expression of them such as 'log(exposure)'"
               if beyond is None else f", nor an R expression of them within the formula limits ({beyond})")
        raise DataError(f"{what}={shown(arg)} names no column of the data{nor}{hint}")
    return node


def _arg_vector(arg: Any, df: pd.DataFrame, cols: DataColumns, ev: Evaluator,
                what: str) -> tuple[np.ndarray | None, str | None, Node | None]:
    """A weights/offset argument: (its values for every row, its text when given as text, that text parsed).
    Text names a column or is an R expression of columns (:func:`argument_node`); else one value per row."""
    if arg is None:
        return None, None, None
    if isinstance(arg, str):
        node = argument_node(arg, cols.__contains__, cols.known, ev.limits, what)
        if isinstance(node, Name):
            v = cols.value(arg)
            if not isinstance(v, NumVec):
                numeric_response(v, arg, f"{what} column")
        else:
            v = evaluate(ev, node, f"{what}=")
            if not isinstance(v, NumVec):  # (a number: R's model frame refuses a variable of one value too)
                raise DataError(f"{what}={shown(arg)} must give one number per row, but it gives "
                                f"{'one number' if isinstance(v, (int, float)) else 'no numbers'}")
        if v.logical:
            raise logical_refused(f"{what}={shown(arg)}")
        return v.values, arg, node
    values = align_by_label(arg, df.index, what, f"{what}=s.reindex(data.index)")
    return _vector(values, len(df), what), None, None


def evaluate(ev: Evaluator, node: Node, what: str) -> Value:
    """``node``'s value; a problem inside it is reported with the term it belongs to, cut to 60 characters (a term
    of 18,000 was quoted whole, with the call inside it that the message names)."""
    try:
        return ev.eval(node)
    except FormulaError as e:
        label = deparse(node)
        if str(e).startswith(label) or shown(label) in str(e):
            raise
        raise FormulaError(f"in {what} {shown(label)}: {e}") from e.__cause__


def missing_order(counts: Mapping[str, int], columns: Collection[str], specials: Sequence[str]) -> dict[str, int]:
    """Rows dropped per cause in the order :func:`evaluate_rows` finds them: data columns by name, then the
    response, offset and weights (``specials``, missing without a missing column), then the terms that
    evaluate to NaN by their text, then a missing value of ``subset=`` -- so that counts merged over chunks read
    as one chunk's do."""
    def rank(label: str) -> tuple:
        if label in columns:
            return (0, label)
        if label in specials:
            return (1, specials.index(label))
        return (3, label) if label == "subset" or label.startswith("subset ") else (2, label)  # (subset's last)

    return {k: counts[k] for k in sorted(counts, key=rank)}


#: Characters of a column's name that a count of its missing values shows
_NAME_SHOWN = 80


def missing_detail(counts: Mapping[str, int]) -> str:
    """``x: 3, w: 1``: the rows each column (or expression) makes missing, as every message and the summary
    write them; a name is cut to ``_NAME_SHOWN`` characters, its unprintable characters escaped (a weights
    column's name is not bounded as the formula is: one of 10 MB made a warning of 10 MB)."""
    return ", ".join(f"{escape_unprintable(c if len(c) <= _NAME_SHOWN else c[:_NAME_SHOWN] + '...')}: {k}"
                     for c, k in counts.items())


def _surely_complete(values: Sequence[Value], arrays: Sequence[np.ndarray | None]) -> bool:
    """True when none of ``values`` (nor of the float ``arrays``) has a missing value, proved by one
    reduction per array: the maximum of an array is NaN exactly when it holds a NaN, and a factor's smallest
    code is negative exactly when it has a missing level.  False sends the caller to the row-by-row masks."""
    floats: dict[int, np.ndarray] = {}
    for v in values:
        if isinstance(v, FactorVec):
            if v.codes.size and np.minimum.reduce(v.codes, axis=None) < 0:
                return False
        elif isinstance(v, (NumVec, NumMat)):
            floats[id(v.values)] = v.values
    for a in arrays:
        if a is not None:
            floats[id(a)] = a  # (the response is often a column's own array: reduced once)
    for a in floats.values():
        if a.size and math.isnan(np.maximum.reduce(a, axis=None)):
            return False
    return True


def _removed_values(ev: Evaluator, cols: DataColumns,
                    terms: Terms) -> tuple[list[tuple[str | None, Value, list[str], Node]], dict[str, np.ndarray]]:
    """The variables of the formula that no term keeps (``y ~ x - x``, ``y ~ . - z``): R's model frame reads
    them too, so ``na.omit`` drops their missing rows although they make no column.  Returns their values, each
    with its text (None for a column: its missing values are counted as the column's, once read), the names
    it reads and its node, and the
    missing entries of columns that are no model variable (``y ~ . - date``, a column of dates: left out, not
    refused).  Any other error is the formula's, as R's model frame stops there (``y ~ x - nosuch``,
    ``- relevel(ordered(g), ref = "b")``)."""
    values: list[tuple[str | None, Value, list[str], Node]] = []
    unreadable: dict[str, np.ndarray] = {}
    for node in terms.removed:
        try:
            v = ev.eval(node)
        except GLMStatError:
            if not (isinstance(node, Name) and node.id in cols):
                raise
            unreadable[node.id] = np.asarray(pd.isna(pd.Series(cols.raw(node.id))), dtype=bool)
            continue
        if isinstance(v, (NumVec, NumMat, FactorVec)):
            values.append((None if isinstance(node, Name) else deparse(node), v, names_read(node), node))
    return values, unreadable


def evaluate_rows(df: pd.DataFrame, cols: DataColumns, ev: Evaluator, terms: Terms, family: Family,
                  weights: Any = None, offset: Any = None, response_levels: tuple | None = None,
                  subset: Subset | None = None) -> Rows:
    """Evaluate the model's variables on every row of ``df`` and find the rows to drop (see the module
    docstring).  ``response_levels``: a binomial factor response's levels in the whole data's rows kept (for a
    chunk of it; the first is failure).  ``subset``: the rows it leaves out are dropped too, neither checked
    nor counted as missing (:mod:`glmstat.formula.subset`)."""
    n = cols.n  # (the rows of df, which cols reads)
    ev.expect_work([terms.response, *terms.offsets, *variables_used(terms)])
    outside = unknown = None
    if subset is not None:  # (first: the checks of the values below pass over the rows it leaves out)
        outside, unknown = subset_rows(subset, ev, df.index)
    binomial = family.binomial_response
    response = terms.response
    factor_y = None  # a binomial factor response, read once the rows kept are known (factor_response)
    response_name = deparse(response)
    if isinstance(response, Call) and response.func == "cbind":
        if len(response.args) != 2 or response.kwargs:
            raise FormulaError(f"cbind() on the left needs exactly two columns (successes, failures), got "
                               f"{response_name!r}")
        if not binomial:
            raise FormulaError(f"cbind(successes, failures) is a binomial response; the {family.name} family needs "
                               "one column")
        succ, fail = (numeric_response(evaluate(ev, a, "the response"), deparse(a)) for a in response.args)
        succ, fail = (np.broadcast_to(v, (n,)).astype(float) for v in (succ, fail))
        for v, a in ((succ, response.args[0]), (fail, response.args[1])):
            bad = np.flatnonzero(_inside(v < 0, outside))
            if bad.size:
                raise DataError(f"{deparse(a)!r} must be non-negative counts; row {shown_row(df.index[bad[0]])} "
                                f"has {v[bad[0]]:g}")
            # (an infinite count makes the proportion inf/inf, NaN: the row was dropped as if the value were missing)
            bad = np.flatnonzero(_inside(np.isinf(v), outside))
            if bad.size:
                raise DataError(f"{deparse(a)!r} must be finite counts; row {shown_row(df.index[bad[0]])} has "
                                f"{v[bad[0]]:g}; remove or correct it")
        trials = succ + fail
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.where(trials == 0, 0.0, succ / trials)
        y[np.isnan(trials)] = np.nan
    else:
        rv = evaluate(ev, response, "the response")
        if binomial and isinstance(rv, FactorVec):
            factor_y = rv
        y = binomial_response(rv, response_name) if binomial else numeric_response(rv, response_name)
        if np.ndim(y) == 0:
            raise DataError(f"the response {response_name!r} must be one value per row")
        trials = None
    off, parts = None, []
    for node in terms.offsets:
        v = evaluate(ev, node, "the offset")
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = np.full(n, float(v))
        elif isinstance(v, NumVec) and not v.logical:
            v = v.values
        elif isinstance(v, NumVec):
            raise logical_refused(f"offset({deparse(node)})")
        else:
            raise DataError(f"offset({deparse(node)}) must be numeric, one value per row")
        off = v if off is None else off + v
        parts.append((f"offset({deparse(node)})", v))
    w_arg, w_col, w_node = _arg_vector(weights, df, cols, ev, "weights")
    o_arg, o_col, o_node = _arg_vector(offset, df, cols, ev, "offset")
    if o_arg is not None:
        off = o_arg if off is None else off + o_arg
        parts.append(("offset=" if o_col is None else f"offset column {shown(o_col)}" if isinstance(o_node, Name)
                      else f"offset={shown(o_col)}", o_arg))
    values: dict[Node, Value] = {}
    own = {t[0] for t in terms.terms if len(t) == 1}  # variables that are terms of their own
    held, dense, factors = 0, int(terms.intercept), 0
    for node in variables_used(terms):
        v = values[node] = model_variable(evaluate(ev, node, "the term"), deparse(node), n)
        width = v.values.shape[1] if isinstance(v, NumMat) else int(isinstance(v, NumVec))
        held += width
        dense += width if node in own else 0
        factors += factor_bytes(n, len(v.levels)) if isinstance(v, FactorVec) else 0
        check_variables(n, held, dense, ev.limits, factors)
    removed, unreadable = _removed_values(ev, cols, terms)
    # (a context= array is no column read: its missing values are counted under its name, as a computed term's)
    computed = [(deparse(node), v) for node, v in values.items() if not isinstance(node, Name) or node.id not in cols
                ] + [
        (text, v) for text, v, _, _ in removed if text is not None]

    # missing values, as na.omit: a row where a variable's value is missing (the response, offset and weights
    # among them), counted under the columns read that are missing there, else under what is missing
    if not unreadable and _surely_complete(list(values.values()) + [v for _, v, _, _ in removed], (y, off, w_arg)):
        missing, drop = {}, np.zeros(n, dtype=bool)
    else:
        read = sorted(set(cols.used) - ({w_col, o_col} - {None}))
        off_names = set().union(*map(names_read, terms.offsets), names_read(o_node) if o_node is not None else ())
        labelled = ((response_name, y, names_read(response)), (o_col or "offset", off, off_names),
                    (w_col or "weights", w_arg, names_read(w_node) if w_node is not None else set()))
        variables = [(v, names_read(node)) for node, v in values.items()] + [(v, names) for _, v, names, _ in removed]
        missing, drop = _missing_rows(cols, read, unreadable, labelled, variables, computed, n)
    if subset is not None:
        missing, drop = _with_subset(missing, drop, outside, unknown, subset.label)
    present = None
    if factor_y is not None:
        y, present = factor_response(factor_y, drop, response_levels[0] if response_levels else None)
    return Rows(n, response_name, y, trials, w_arg, off, values, missing, drop, o_col, w_col,
                bool(terms.offsets) or o_arg is not None, binomial, present, *_categories(factor_y),
                offset_parts=tuple(parts), excluded=0 if outside is None else int(outside.sum()),
                offset_node=o_node, weights_node=w_node,
                removed_factors=tuple((node, v) for _, v, _, node in removed if isinstance(v, FactorVec)))


def _inside(bad: np.ndarray, outside: np.ndarray | None) -> np.ndarray:
    """``bad`` in the rows of the subset only."""
    return bad if outside is None else bad & ~outside


def _with_subset(missing: dict[str, np.ndarray], drop: np.ndarray, outside: np.ndarray, unknown: np.ndarray,
                 label: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """na.omit's rows within the subset, and the rows to drop: those too, the rows the subset leaves out, and
    the rows where its value is missing (R makes each a row of missing values: counted under ``label``)."""
    missing = {c: m & ~outside for c, m in missing.items()}
    missing = {c: m for c, m in missing.items() if m.any()}
    drop = drop & ~outside
    na = unknown & ~drop
    if na.any():
        missing[label] = missing[label] | na if label in missing else na
    return missing, drop | na | outside


def _missing_rows(cols: DataColumns, read: list[str], unreadable: dict, labelled: tuple, variables: list,
                  computed: list, n: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """na.omit's rows: those where the value of a model variable (``variables``: value and the names it reads),
    the response, the offset or the weights (``labelled``: name, values and the names they read) is missing -- as
    R's ``na.omit`` of the model frame, so that ``ifelse(is.na(z), 0, z)`` or ``pmax(x, w, na.rm = TRUE)`` keeps
    a row where z or x is missing.  Counted by cause: a column read (``read``, in order) counts the rows where it
    is missing and a value that reads it is too, then the response, offset or weights, then a computed term
    (``log`` of a negative number; ``computed``: text and value)."""
    gone: dict[str, np.ndarray] = {}  # column -> rows where a value that reads it is missing
    for mask, names in [(missing_mask(v, n), names) for v, names in variables] + [
            (np.isnan(v), names) for _, v, names in labelled if v is not None]:
        if mask.any():
            for c in names:
                gone[c] = gone[c] | mask if c in gone else mask
    missing: dict[str, np.ndarray] = {}
    for c in read:
        if c in gone:
            m = missing_mask(cols.value(c), n) & gone[c]
            if m.any():
                missing[c] = m
    for c, m in unreadable.items():
        if m.any():
            missing[c] = m
    drop = np.zeros(n, dtype=bool)
    for m in missing.values():
        drop |= m
    for label, v, _ in labelled:
        if v is not None:
            m = np.isnan(v) & ~drop
            if m.any():
                missing[label] = missing[label] | m if label in missing else m
                drop |= m
    # a term NaN where no column read is missing (log of a negative number, cut() outside its breaks): R's
    # na.omit drops the row too; counted under the term's text, terms in the order of their texts (the order
    # of counts merged over chunks), a row under the first that drops it
    for label, v in sorted(computed, key=lambda lv: lv[0]):  # (a plain column's missing values are counted above)
        m = missing_mask(v, n) & ~drop
        if m.any():
            missing[label] = missing[label] | m if label in missing else m
            drop |= m
    return missing, drop


@dataclass(frozen=True, eq=False)
class ArraysUsed:
    """The response and weights of the rows kept (``total_weights`` = prior weights x binomial trials)."""

    y: np.ndarray
    prior_weights: np.ndarray
    trials: np.ndarray
    total_weights: np.ndarray
    offset: np.ndarray
    #: the weights of R's starting means: a cbind() response's trials (binomial()$initialize starts from
    #: (n y + 0.5) / (n + 1) with n the trials, whatever the prior weights), else the total weights
    start_weights: np.ndarray | None = None


def _infinite_offset_message(rows: Rows, off: np.ndarray, used: np.ndarray | None, label) -> str:
    """The refusal of an offset that is infinite in a row used: which offset() term or offset= argument, the
    first such row (``label``: its label from its position among the rows used) and its value.  (No count of
    such rows: streamed rows are refused at the first chunk that has one.)"""
    bad = np.flatnonzero(~np.isfinite(off))
    k = int(bad[0])
    at = k if used is None else int(used[k])  # (the parts hold every row of the chunk)
    # the part infinite there names it (several parts: one of them; a sum of +inf and -inf is NaN, a missing value)
    what = next((name for name, v in rows.offset_parts if not np.isfinite(v[at])), "the offset")
    return (f"the offset has infinite values: {what} is {off[k]:g} in row {shown_row(label(k))} (log of a zero "
            "exposure?); drop such rows or correct the values")


def complete_arrays(rows: Rows, used: np.ndarray | None, index: pd.Index) -> ArraysUsed:
    """The arrays of the rows ``used`` (positions; None: every row), checked: a finite response, finite and
    non-negative weights, a finite offset.  ``index`` labels the rows for messages."""
    take = (lambda a: a) if used is None else (lambda a: a[used])
    m = rows.n if used is None else used.size
    y = take(rows.y)
    ones = None
    if rows.trials is None or rows.prior is None:
        ones = np.ones(m)  # shared by trials and weights: never written
    trials = ones if rows.trials is None else take(rows.trials)
    prior = ones if rows.prior is None else take(rows.prior)
    if rows.binomial and rows.trials is None and rows.prior is not None:
        y = np.where(prior == 0, 0.0, y)  # as R's binomial()$initialize: y[weights == 0] <- 0
    off = np.zeros(m) if rows.offset is None else take(rows.offset)
    label = (lambda k: index[k if used is None else used[k]])  # the row label of position k among the used
    if not np.isfinite(y).all():
        k = int(np.flatnonzero(~np.isfinite(y))[0])
        raise DataError(f"the response {rows.response_name!r} has infinite values (row {shown_row(label(k))} has "
                        f"{y[k]:g}); remove or transform them")
    if rows.prior is not None:
        bad = np.flatnonzero(~np.isfinite(prior) | (prior < 0))
        if bad.size:
            what = ("weights" if rows.weights_column is None else f"weights column {shown(rows.weights_column)}"
                    if isinstance(rows.weights_node, Name) else f"weights={shown(rows.weights_column)}")
            raise DataError(f"{what} must be finite and non-negative; row {shown_row(label(bad[0]))} has "
                            f"{prior[bad[0]]:g}")
    if rows.offset is not None and not np.isfinite(off).all():
        raise DataError(_infinite_offset_message(rows, off, used, label))
    total = prior if trials is ones else trials if prior is ones else prior * trials
    both = rows.trials is not None and rows.prior is not None
    return ArraysUsed(y, prior, trials, total, off, trials if both else None)
