"""The front end: formula + data -> model frame (design, response, weights, offset, rows used).

This is the only layer that knows about formulas and DataFrames.  It
  1. parses the formula with glmstat's own R grammar (:mod:`glmstat.formula.parser`) and expands its terms
     (:mod:`glmstat.formula.terms`) -- no text of the formula, and no column name, is ever run as code;
  2. evaluates the response (``cbind``, two-level factors, booleans for binomial), offsets, weights and every
     variable of the right-hand side on all rows, by walking the syntax tree
     (:mod:`glmstat.formula.evaluate`), as R's ``model.frame`` does;
  3. drops rows with a missing value in any variable the model uses, as R's ``na.omit`` does, and records
     how many rows were dropped and because of which columns;
  4. codes factors by R's rules and builds the design (:mod:`glmstat.formula.encode`): structured (factor
     codes, never dummy columns) when every term is one variable, dense otherwise.
The caller's data is never modified; the model spec (:mod:`glmstat.formula.spec`) encodes new data the same way.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..design.base import Design
from ..design.structured import StructuredDesign
from ..errors import DataError, FormulaError
from ..families import Family
from .contrasts import term_codings
from .deparse import deparse
from .encode import build_design, factor_levels, plan_design
from .evaluate import DataColumns, Evaluator, check_context
from .limits import DEFAULT_LIMITS, FormulaLimits
from .nodes import Call, Name, Node
from .parser import parse
from .spec import ModelSpec, model_variable
from .terms import Terms, expand_terms, lhs_names
from .values import FactorVec, NumMat, NumVec, Value, label_text, missing_mask, take_rows

__all__ = ["ModelFrame", "ModelSpec", "build_model_frame", "as_frame", "encode_new_data", "column_names"]

#: Set to False (tests do) to build every design dense, to compare the two encodings.
STRUCTURED = True


@dataclass(frozen=True)
class ModelFrame:
    """The model's arrays for the rows used, plus the record of what was dropped.

    ``design`` is the design matrix as a :class:`~glmstat.design.base.Design` (structured -- factor codes,
    never dummy columns -- when every term is one variable, else dense); ``X`` is its dense matrix, made
    when a user reads it (glmstat itself never does).
    """

    design: Design
    column_names: tuple[str, ...]
    term_labels: tuple[str, ...]
    term_columns: tuple[tuple[int, ...], ...]
    y: np.ndarray
    prior_weights: np.ndarray
    trials: np.ndarray
    total_weights: np.ndarray  # prior_weights * trials, the weights R's glm.fit uses (shared when one is 1)
    offset: np.ndarray
    has_offset: bool
    has_intercept: bool
    rows_used: pd.Index
    n_dropped: int
    dropped_by: Mapping[str, int]
    response_name: str
    spec: ModelSpec = field(repr=False)
    # The caller's data (a reference, never copied) and the positions of the rows used in it, so that
    # other columns of it (e.g. a cluster variable) can be looked up after fitting.
    data: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    row_positions: np.ndarray | None = field(default=None, repr=False, compare=False)

    @cached_property
    def X(self) -> np.ndarray:
        """The dense n x p design (made on first read; for users -- inference works on ``design``)."""
        return self.design.toarray()


def as_frame(data: Any) -> pd.DataFrame:
    """A DataFrame view of ``data`` (a DataFrame or a mapping of equal-length columns); never a copy
    that the caller could see modified."""
    if isinstance(data, pd.DataFrame):
        df = data
    elif isinstance(data, Mapping):
        try:
            df = pd.DataFrame({k: np.asarray(v) if not isinstance(v, pd.Series) else v for k, v in data.items()})
        except (ValueError, TypeError) as e:
            raise DataError(f"data columns must all have the same length: {e}") from e
    else:
        raise DataError(f"data must be a pandas DataFrame or a dict of columns, got {type(data).__name__}")
    if len(df) == 0:
        raise DataError("data has no rows")
    return df


_last_columns: list = [(None, (), {})]  # [(the Index last seen, its names as strings, positions)]


def column_names(df: pd.DataFrame) -> tuple[tuple[str, ...], dict[str, int]]:
    """The column labels as strings and their positions; a loop of fits on one DataFrame reads its
    (immutable) Index once.  Labels that coincide as strings are refused."""
    index = df.columns
    seen, names, positions = _last_columns[0]
    if seen is not index:
        names = tuple(c if isinstance(c, str) else str(c) for c in index)
        positions = {c: i for i, c in enumerate(names)}
        if len(positions) != len(names):
            dup = sorted({c for c in names if names.count(c) > 1})
            raise DataError(f"data has duplicate column names: {', '.join(map(repr, dup[:10]))}; rename them so "
                            "each is unique")
        _last_columns[0] = (index, names, positions)
    return names, positions


@lru_cache(maxsize=256)
def _cached_terms(formula: str, columns: tuple[str, ...], limits: FormulaLimits) -> Terms:
    return expand_terms(parse(formula, limits), columns, limits)


def model_terms(formula: Any, columns: tuple[str, ...], limits: FormulaLimits) -> Terms:
    """The terms of ``formula`` on data with ``columns`` (cached: a loop of small fits parses it once)."""
    if not isinstance(formula, str):
        raise FormulaError(f"formula must be a string such as 'y ~ x1 + x2', got {type(formula).__name__}")
    return _cached_terms(formula, columns, limits)


def _to_float(values: Any, what: str) -> np.ndarray:
    if isinstance(values, pd.Series) and pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    if isinstance(values, pd.Series):
        if not pd.api.types.is_numeric_dtype(values.dtype):
            raise DataError(f"{what} must be numeric, but it has dtype {values.dtype}")
        return values.to_numpy(dtype=float, na_value=np.nan)
    arr = np.asarray(values)
    if arr.dtype == bool:
        return arr.astype(float)
    if not np.issubdtype(arr.dtype, np.number):
        try:
            return arr.astype(float)
        except (TypeError, ValueError) as e:
            raise DataError(f"{what} must be numeric, got values of type {arr.dtype}") from e
    return arr.astype(float)


def _vector(values: Any, n: int, what: str) -> np.ndarray:
    v = _to_float(values, what)
    if v.ndim > 1 and v.shape[1:] != (1,) * (v.ndim - 1):
        raise DataError(f"{what} must be one value per row, but it has shape {v.shape}")
    v = v.reshape(-1) if v.ndim > 1 else v
    if v.ndim == 0:
        v = np.full(n, float(v))
    if v.shape != (n,):
        raise DataError(f"{what} has {v.size} values but the data has {n} rows")
    return v


def _arg_vector(arg: Any, df: pd.DataFrame, cols: DataColumns, what: str) -> tuple[np.ndarray | None, str | None]:
    """A weights/offset argument: a column name or one value per row."""
    if arg is None:
        return None, None
    if isinstance(arg, str):
        if arg not in cols:
            close = difflib.get_close_matches(arg, list(cols.names), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise DataError(f"{what}={arg!r} names no column of the data{hint}")
        v = cols.value(arg)
        if not isinstance(v, NumVec):
            _numeric_response(v, arg, f"{what} column")
        return v.values, arg
    values = arg
    if isinstance(arg, pd.Series) and not arg.index.equals(df.index):
        # a Series is aligned by its labels, as pandas does; labels that do not match would pair values with
        # the wrong rows silently
        if not (arg.index.is_unique and len(arg) == len(df) and arg.index.isin(df.index).all()):
            raise DataError(
                f"{what} is a Series whose index does not match the data's index; align it first "
                f"(e.g. {what}=s.reindex(data.index)) or pass its values (s.to_numpy()) to use them by position"
            )
        values = arg.reindex(df.index)
    return _vector(values, len(df), what), None


def _numeric_response(v: Value, label: str, what: str = "the response") -> np.ndarray:
    if isinstance(v, NumVec):
        return v.values
    if isinstance(v, FactorVec):
        ok = v.codes[v.codes >= 0]
        example = label_text(v.levels[ok[0]]) if ok.size else None
        raise DataError(f"{what} {label!r} must be numeric, but it holds {example!r} (a factor or strings)")
    if isinstance(v, NumMat):
        raise DataError(f"the response {label!r} has {v.values.shape[1]} columns; it must be one value per row "
                        "(or cbind(successes, failures) for a binomial model)")
    raise DataError(f"the response {label!r} is a constant")


def _binomial_response(v: Value, label: str) -> np.ndarray:
    """0/1, proportions, booleans (True = success) or a two-level factor (first level = failure)."""
    if isinstance(v, FactorVec):
        f, levels = factor_levels(v)
        if len(levels) > 2:
            raise DataError(
                f"the binomial response {label!r} has {len(levels)} levels "
                f"({', '.join(label_text(x) for x in levels[:5])}); it needs two (the first is failure), 0/1 values, "
                "or cbind(successes, failures)"
            )
        y = (f.codes > 0).astype(float)
        y[f.codes < 0] = np.nan
        return y
    return _numeric_response(v, label)


def _evaluate(ev: Evaluator, node: Node, what: str) -> Value:
    """``node``'s value; a problem inside it is reported with the term it belongs to."""
    try:
        return ev.eval(node)
    except FormulaError as e:
        label = deparse(node)
        if str(e).startswith(label):
            raise
        raise FormulaError(f"in {what} {label!r}: {e}") from e.__cause__


def _variables_used(terms: Terms) -> list[Node]:
    seen: dict[Node, None] = {}
    for t in terms.terms:
        for v in t:
            seen.setdefault(v, None)
    return list(seen)


def build_model_frame(
    formula: str,
    data: Any,
    family: Family,
    *,
    weights: Any = None,
    offset: Any = None,
    na_action: str = "drop",
    context: Mapping[str, Any] | None = None,
    limits: FormulaLimits = DEFAULT_LIMITS,
) -> ModelFrame:
    """Evaluate ``formula`` on ``data`` for ``family``; see the module docstring."""
    if na_action not in ("drop", "raise"):
        raise DataError(f"na_action must be 'drop' or 'raise', got {na_action!r}")
    if not isinstance(limits, FormulaLimits):
        raise FormulaError(f"limits= must be a glmstat.FormulaLimits, got {type(limits).__name__}")
    ctx = check_context(context)
    df = as_frame(data)
    names, positions = column_names(df)
    terms = model_terms(formula, names, limits)  # 1. parsed and expanded; nothing evaluated yet
    n = len(df)
    cols = DataColumns(df, names, positions)
    ev = Evaluator(cols, ctx, {}, "fit", limits)

    # 2. the response, offsets and weights on all rows
    binomial = family.binomial_response
    response = terms.response
    response_name = deparse(response)
    if isinstance(response, Call) and response.func == "cbind":
        if len(response.args) != 2 or response.kwargs:
            raise FormulaError(f"cbind() on the left needs exactly two columns (successes, failures), got "
                               f"{response_name!r}")
        if not binomial:
            raise FormulaError(f"cbind(successes, failures) is a binomial response; the {family.name} family needs "
                               "one column")
        succ, fail = (_numeric_response(_evaluate(ev, a, "the response"), deparse(a)) for a in response.args)
        succ, fail = (np.broadcast_to(v, (n,)).astype(float) for v in (succ, fail))
        for v, a in ((succ, response.args[0]), (fail, response.args[1])):
            bad = np.flatnonzero(v < 0)
            if bad.size:
                raise DataError(f"{deparse(a)!r} must be non-negative counts; row {df.index[bad[0]]!r} has "
                                f"{v[bad[0]]:g}")
        trials_all = succ + fail
        with np.errstate(invalid="ignore", divide="ignore"):
            y_all = np.where(trials_all == 0, 0.0, succ / trials_all)
        y_all[np.isnan(trials_all)] = np.nan
    else:
        rv = _evaluate(ev, response, "the response")
        y_all = _binomial_response(rv, response_name) if binomial else _numeric_response(rv, response_name)
        if np.ndim(y_all) == 0:
            raise DataError(f"the response {response_name!r} must be one value per row")
        trials_all = None
    off_all = None
    for node in terms.offsets:
        v = _evaluate(ev, node, "the offset")
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = np.full(n, float(v))
        elif isinstance(v, NumVec):
            v = v.values
        else:
            raise DataError(f"offset({deparse(node)}) must be numeric, one value per row")
        off_all = v if off_all is None else off_all + v
    w_arg, w_col = _arg_vector(weights, df, cols, "weights")
    o_arg, o_col = _arg_vector(offset, df, cols, "offset")
    if o_arg is not None:
        off_all = o_arg if off_all is None else off_all + o_arg
    values: dict[Node, Value] = {}
    for node in _variables_used(terms):
        values[node] = model_variable(_evaluate(ev, node, "the term"), deparse(node), n)

    # 3. missing values, as na.omit: any column the model reads, then values that are NaN for another reason
    missing: dict[str, np.ndarray] = {}
    for c in sorted(set(cols.used) - ({w_col, o_col} - {None})):
        m = missing_mask(cols.value(c), n)
        if m.any():
            missing[c] = m
    explained = np.zeros(n, dtype=bool)
    for m in missing.values():
        explained |= m
    for label, v in ((response_name, y_all), (o_col or "offset", off_all), (w_col or "weights", w_arg)):
        if v is not None:
            m = np.isnan(v) & ~explained
            if m.any():
                missing[label] = missing[label] | m if label in missing else m
                explained |= m
    nan_terms = np.zeros(n, dtype=bool)
    for node, v in values.items():
        if not isinstance(node, Name):  # a plain column's missing values are counted above
            nan_terms |= missing_mask(v, n)
    nan_terms &= ~explained
    if nan_terms.any():  # e.g. log of a negative number: R's na.omit drops the row too
        missing["terms evaluating to NaN"] = nan_terms
        explained |= nan_terms
    if explained.any() and na_action == "raise":
        detail = ", ".join(f"{c}: {int(m.sum())}" for c, m in missing.items())
        raise DataError(f"{int(explained.sum())} rows have missing values ({detail}) and na_action='raise'")
    used = np.flatnonzero(~explained)
    if used.size == 0:
        raise DataError(f"no complete rows: every row has a missing value in a model variable "
                        f"({', '.join(missing)})")

    # 4. the design of the complete rows
    every = used.size == n
    rows = None if every else used
    values_used: dict[Node, Value] = {}
    levels: dict[str, tuple] = {}
    for node, v in values.items():
        v = take_rows(v, rows)
        if isinstance(v, FactorVec):
            v, lv = factor_levels(v)
            levels[deparse(node)] = lv
        values_used[node] = v
    variables = list(values)
    index = {v: i for i, v in enumerate(variables)}
    is_factor = [isinstance(values_used[v], FactorVec) for v in variables]
    codings = term_codings(terms.terms, is_factor, terms.intercept, index)
    try:
        plan = plan_design(terms.terms, terms.intercept, values_used, codings, used.size, limits)
    except DataError as e:
        if n > used.size:  # say what made the rows used fewer: rows dropped for missing values
            detail = ", ".join(f"{c}: {int(m.sum())}" for c, m in missing.items())
            raise DataError(f"{e} ({n - used.size} of {n} rows were dropped for missing values: {detail})") from None
        raise
    X = build_design(plan, values_used, used.size, STRUCTURED)
    _check_finite_design(X, plan.column_names)

    y = y_all if every else y_all[used]
    ones = None
    if trials_all is None or w_arg is None:
        ones = np.ones(used.size)  # shared by trials and weights: never written
    trials = ones if trials_all is None else (trials_all if every else trials_all[used])
    prior = ones if w_arg is None else (w_arg if every else w_arg[used])
    if binomial and trials_all is None and w_arg is not None:
        y = np.where(prior == 0, 0.0, y)  # as R's binomial()$initialize: y[weights == 0] <- 0
    off = np.zeros(used.size) if off_all is None else (off_all if every else off_all[used])
    if not np.all(np.isfinite(y)):
        raise DataError(f"the response {response_name!r} has infinite values; remove or transform them")
    if w_arg is not None:
        bad = np.flatnonzero(~np.isfinite(prior) | (prior < 0))
        if bad.size:
            raise DataError(f"weights must be finite and non-negative; row {df.index[used[bad[0]]]!r} has "
                            f"{prior[bad[0]]:g}")
    if off_all is not None and not np.all(np.isfinite(off)):
        raise DataError("the offset has infinite values (log of zero exposure?)")

    spec_columns = _columns_read(list(values) + list(terms.offsets), positions)
    spec = ModelSpec(formula, terms, plan, dict(ev.state), ctx, o_col, limits, levels, spec_columns)
    return ModelFrame(
        design=X,
        column_names=plan.column_names,
        term_labels=plan.term_labels,
        term_columns=plan.term_columns,
        y=y,
        prior_weights=prior,
        trials=trials,
        total_weights=prior if trials is ones else trials if prior is ones else prior * trials,
        offset=off,
        has_offset=bool(terms.offsets) or o_arg is not None,
        has_intercept=terms.intercept,
        rows_used=df.index if every else df.index[used],
        n_dropped=int(n - used.size),
        dropped_by={c: int(m.sum()) for c, m in missing.items() if m.any()},
        response_name=response_name,
        spec=spec,
        data=df,
        row_positions=used,
    )


def _columns_read(nodes: list[Node], positions: Mapping[str, int]) -> tuple[str, ...]:
    """The data columns that ``nodes`` name (what new data must have for ``predict``)."""
    names: set[str] = set()
    for node in nodes:
        names |= lhs_names(node)
    return tuple(sorted(c for c in names if c in positions))


def _check_finite_design(X: Design, names: tuple[str, ...]) -> None:
    bad = ~np.isfinite(X.column_abs_max())
    if bad.any():
        raise DataError(f"the design column {names[int(np.argmax(bad))]!r} has infinite values; remove or "
                        "transform them")


def encode_new_data(spec: ModelSpec, data: Any) -> tuple[Design, np.ndarray, np.ndarray]:
    """New data encoded like the training data.

    Returns ``(X, offset, ok)``: the design of the complete rows (``ok`` marks them; rows with a missing value
    have no design row), and the offset of every row.  A missing column or a factor level not seen in
    training is a :class:`DataError`.
    """
    df = as_frame(data)
    names, positions = column_names(df)
    return spec.encode(df, names, positions)
