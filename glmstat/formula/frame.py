"""The front end: formula + data -> model frame (design, response, weights, offset, rows used).

This is the only layer that knows about formulas and DataFrames.  It
  1. parses the R formula and checks every expression in it (:mod:`glmstat.formula`);
  2. evaluates the response (``cbind``, two-level factors, booleans for binomial), offsets and weights;
  3. drops rows with a missing value in any variable the model uses, as R's ``na.omit`` does, and records
     how many rows were dropped and because of which columns;
  4. builds the design: for simple formulas (plain columns and factors) a structured design that keeps
     factors as integer codes (:mod:`glmstat.fastframe`), otherwise formulaic's dense design (treatment
     coding, first level as reference, R's column order).
The caller's data is never modified; the design spec is kept so that new data can be encoded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

import numpy as np
import pandas as pd
from formulaic import model_matrix
from formulaic.errors import FormulaicError

from ..errors import DataError, FormulaError
from ..families import Family
from .syntax import (
    ParsedFormula, check_expression, clean_message, namespace, parse_formula, r_term_order, rhs_factors, safe_eval,
)
from .materialize import DesignPart, simple_terms, structured_part
from ..design.structured import LazyDense
from .rcoding import RCodingMaterializer
from .validation import check_column_types

__all__ = ["ModelFrame", "ModelSpec", "build_model_frame", "as_frame", "encode_new_data"]


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to encode new data like the training data (for ``predict``)."""

    formula: ParsedFormula
    rhs_spec: Any = field(repr=False)  # formulaic ModelSpec
    namespace: Mapping[str, Any] = field(repr=False)
    rhs_columns: tuple[str, ...]
    offset_columns: tuple[str, ...]
    offset_column_arg: str | None
    levels: Mapping[str, tuple]  # categorical levels of the training data, per column


@dataclass(frozen=True)
class ModelFrame:
    """The model's arrays for the rows used, plus the record of what was dropped.

    ``X`` reads as the dense design; the fast front end stores a structured one (factor codes, not dummy
    columns), densified only when ``X`` is read -- fitting uses ``structured.design_of(frame)``.
    """

    X: np.ndarray = LazyDense()
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


def as_frame(data: Any) -> pd.DataFrame:
    """A DataFrame view of ``data`` (a DataFrame or a mapping of equal-length columns); never a copy
    that the caller could see modified."""
    if isinstance(data, pd.DataFrame):
        df = data
    elif isinstance(data, Mapping):
        try:
            df = pd.DataFrame({k: np.asarray(v) if not isinstance(v, pd.Series) else v for k, v in data.items()})
        except ValueError as e:
            raise DataError(f"data columns must all have the same length: {e}") from e
    else:
        raise DataError(f"data must be a pandas DataFrame or a dict of columns, got {type(data).__name__}")
    if not df.columns.is_unique:
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise DataError(f"data has duplicate column names: {', '.join(dup)}; rename them so each is unique")
    if len(df) == 0:
        raise DataError("data has no rows")
    return df


def _is_numeric(values: Any) -> bool:
    dtype = getattr(values, "dtype", None)
    return dtype is not None and (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _levels(values: pd.Series) -> list:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if (values == c).any()]
    return sorted(pd.unique(values.dropna()), key=lambda v: (str(type(v)), v))


def _to_float(values: Any, what: str) -> np.ndarray:
    if isinstance(values, pd.Series) and pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    if isinstance(values, pd.Series):
        if not pd.api.types.is_numeric_dtype(values.dtype):
            bad = values.dropna()
            example = bad.iloc[0] if len(bad) else None
            raise DataError(f"{what} must be numeric, but it holds {example!r} (dtype {values.dtype})")
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


def _binomial_response(values: Any, name: str) -> np.ndarray:
    """0/1, proportions, booleans (True = success) or a two-level factor (first level = failure)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":  # a plain column: no Series needed
        return _to_float(values, f"the response {name!r}")
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if pd.api.types.is_bool_dtype(s.dtype) or _is_numeric(s):
        return _to_float(s, f"the response {name!r}")
    levels = _levels(s)
    if len(levels) > 2:
        raise DataError(
            f"the binomial response {name!r} has {len(levels)} levels ({', '.join(map(str, levels[:5]))}); "
            "it needs two (the first is failure), 0/1 values, or cbind(successes, failures)"
        )
    y = (s != levels[0]).to_numpy(dtype=float)
    y[s.isna().to_numpy()] = np.nan
    return y


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


def _arg_vector(arg: Any, df: pd.DataFrame, what: str) -> tuple[np.ndarray | None, str | None]:
    """A weights/offset argument: a column name or one value per row."""
    if arg is None:
        return None, None
    if isinstance(arg, str):
        if arg not in df.columns:
            raise DataError(f"{what}={arg!r} names no column of the data; columns are {', '.join(map(str, df.columns))}")
        check_column_types(df, [arg])
        return _vector(df[arg], len(df), f"{what} column {arg!r}"), arg
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


def _formulaic_frame(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns formulaic encodes, positionally indexed: booleans as two-level factors (as R codes
    logicals), strings as factors with sorted levels, and categoricals without unused levels (R's
    ``drop.unused.levels``)."""
    out = {}
    for c in columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s.dtype):
            s = pd.Categorical(s, categories=[False, True])
        elif isinstance(s.dtype, pd.CategoricalDtype):
            s = s.cat.remove_unused_categories()
        elif isinstance(s.dtype, pd.StringDtype):  # formulaic passes some string dtypes through as numbers
            s = pd.Categorical(s, categories=sorted(s.dropna().unique()))
        out[c] = np.asarray(s) if not isinstance(s, (pd.Series, pd.Categorical)) else s
    frame = pd.DataFrame(out)
    frame.index = pd.RangeIndex(len(df))
    return frame


@dataclass(frozen=True)
class _Plan:
    """What a formula needs that does not depend on the data values: parsed, checked, and (for simple
    right-hand sides) the terms of a structured design.  Cached per (formula, columns) without context."""

    pf: ParsedFormula
    ns: Mapping[str, Any] = field(repr=False)
    lhs_cols: frozenset
    off_cols: frozenset
    rhs_cols: frozenset
    rhs: str  # for formulaic, with R's variable order in interactions
    simple: tuple[bool, tuple[str, ...]] | None  # (intercept, main-effect columns) of a simple formula
    positions: Mapping[str, int] = field(repr=False)  # column name -> position in the data


def _make_plan(formula: str, column_tuple: tuple[str, ...], ns: Mapping[str, Any]) -> _Plan:
    """Parse ``formula`` and check every expression in it before anything is evaluated."""
    pf = parse_formula(formula, list(column_tuple))
    columns = set(column_tuple)
    lhs_cols: set[str] = set()
    for e in pf.response:
        lhs_cols |= check_expression(e, columns, ns)
    off_cols: set[str] = set()
    for e in pf.offsets:
        off_cols |= check_expression(e, columns, ns)
    rhs_cols: set[str] = set()
    for e, lookup in rhs_factors(pf.rhs):
        if lookup:
            if e in columns:
                rhs_cols.add(e)
            elif e not in ns:
                check_expression(e if e.isidentifier() else f"`{e}`", columns, ns)
        else:
            rhs_cols |= check_expression(e, columns, ns)
    rhs = r_term_order(pf.rhs)
    return _Plan(pf, ns, frozenset(lhs_cols), frozenset(off_cols), frozenset(rhs_cols), rhs,
                 simple_terms(rhs, frozenset(columns)), {c: i for i, c in enumerate(column_tuple)})


@lru_cache(maxsize=1)
def _default_namespace() -> Mapping[str, Any]:
    return namespace(None)


@lru_cache(maxsize=256)
def _cached_plan(formula: str, column_tuple: tuple[str, ...]) -> _Plan:
    return _make_plan(formula, column_tuple, _default_namespace())


_last_columns: list = [(None, ())]  # [(the Index last seen, its names as strings)], swapped as one tuple


def _column_names(df: pd.DataFrame) -> tuple[str, ...]:
    """The column names as strings; a loop of fits on one DataFrame reads its (immutable) Index once."""
    index = df.columns
    seen, names = _last_columns[0]
    if seen is not index:
        names = tuple(str(c) for c in index)
        _last_columns[0] = (index, names)
    return names


def _plan(formula: Any, df: pd.DataFrame, context: Mapping[str, Any] | None) -> _Plan:
    column_tuple = _column_names(df)
    if context is None and isinstance(formula, str):
        return _cached_plan(formula, column_tuple)  # a loop of small fits parses the formula once
    return _make_plan(formula, column_tuple, namespace(context))


def _column_values(df: pd.DataFrame, plan: _Plan, expr: str) -> Any:
    """``expr`` evaluated on the data; a plain numeric column comes back as its own array (no Series, no
    eval), which is what keeps a loop of small fits cheap."""
    pos = plan.positions.get(expr)
    if pos is not None:
        a = _raw_column(df, pos)
        if isinstance(a, np.ndarray) and a.dtype.kind in "fiub":
            return a
    return safe_eval(expr, df, plan.ns)


def _raw_column(df: pd.DataFrame, pos: int) -> Any:
    """The stored values of the column at ``pos`` (ndarray or extension array), without a Series."""
    try:
        return df._get_column_array(pos)
    except AttributeError:  # pandas without this accessor
        return df.iloc[:, pos].array


def _isna(df: pd.DataFrame, pos: int) -> np.ndarray:
    a = _raw_column(df, pos)
    if isinstance(a, np.ndarray) and a.dtype.kind in "iub":
        return np.zeros(a.shape[0], dtype=bool)
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return np.isnan(a)
    return np.asarray(pd.isna(a), dtype=bool)


def _formulaic_part(df: pd.DataFrame, plan: _Plan, keep: np.ndarray) -> DesignPart:
    """The design of the rows ``keep`` built by formulaic; rows where a term is NaN are left out."""
    frame = _formulaic_frame(df.iloc[keep], sorted(plan.rhs_cols))
    try:
        with np.errstate(all="ignore"):  # log(-1) etc. give NaN rows, dropped as R's na.omit does
            mm = model_matrix(plan.rhs, frame, context=plan.ns, na_action="drop", materializer=RCodingMaterializer)
    except FormulaicError as e:
        raise FormulaError(f"cannot build the design for {plan.pf.rhs!r}: {clean_message(e)}") from e
    except Exception as e:  # a term's own code failed (e.g. arithmetic on dates): still the formula's problem
        raise FormulaError(
            f"cannot build the design for {plan.pf.rhs!r}: {type(e).__name__}: {clean_message(e)}; check the "
            f"types of the columns it uses ({', '.join(sorted(plan.rhs_cols)) or 'none'})"
        ) from e
    X = np.ascontiguousarray(mm.to_numpy(dtype=float))
    names = tuple(str(c) for c in mm.columns)
    labels, term_cols, col = [], [], 0
    for t in mm.model_spec.structure:
        k = len(t.columns)
        labels.append("(Intercept)" if str(t.term) == "1" else str(t.term))
        term_cols.append(tuple(range(col, col + k)))
        col += k
    _check_finite(X, names, "the design column")
    levels = {c: tuple(_levels(frame[c])) for c in frame.columns if not _is_numeric(frame[c])}
    used = keep[np.asarray(mm.index, dtype=np.intp)]
    return DesignPart(X, names, tuple(labels), tuple(term_cols), used, levels, mm.model_spec)


def build_model_frame(
    formula: str,
    data: Any,
    family: Family,
    *,
    weights: Any = None,
    offset: Any = None,
    na_action: str = "drop",
    context: Mapping[str, Any] | None = None,
) -> ModelFrame:
    """Evaluate ``formula`` on ``data`` for ``family``; see the module docstring."""
    if na_action not in ("drop", "raise"):
        raise DataError(f"na_action must be 'drop' or 'raise', got {na_action!r}")
    df = as_frame(data)
    n = len(df)
    plan = _plan(formula, df, context)  # 1. every expression is checked before anything is evaluated
    pf, ns = plan.pf, plan.ns
    used_cols = plan.lhs_cols | plan.off_cols | plan.rhs_cols
    check_column_types(df, used_cols, {c: _raw_column(df, plan.positions[c]).dtype for c in used_cols})

    # 2. evaluate response, offsets, weights on all rows
    binomial = family.binomial_response
    raw_response = [_column_values(df, plan, e) for e in pf.response]
    if len(raw_response) == 2:
        if not binomial:
            raise FormulaError(f"cbind(successes, failures) is a binomial response; the {family.name} family needs one column")
        succ = _vector(raw_response[0], n, f"successes {pf.response[0]!r}")
        fail = _vector(raw_response[1], n, f"failures {pf.response[1]!r}")
        for v, e in ((succ, pf.response[0]), (fail, pf.response[1])):
            bad = np.flatnonzero(v < 0)
            if bad.size:
                raise DataError(f"{e!r} must be non-negative counts; row {df.index[bad[0]]!r} has {v[bad[0]]:g}")
        trials_all = succ + fail
        with np.errstate(invalid="ignore", divide="ignore"):
            y_all = np.where(trials_all == 0, 0.0, succ / trials_all)
        y_all[np.isnan(trials_all)] = np.nan
    else:
        y_all = (_binomial_response(raw_response[0], pf.lhs) if binomial
                 else _vector(raw_response[0], n, f"the response {pf.lhs!r}"))
        if y_all.shape != (n,):
            raise DataError(f"the response {pf.lhs!r} must be one value per row")
        trials_all = None
    off_all = None
    for e in pf.offsets:
        v = _vector(_column_values(df, plan, e), n, f"offset({e})")
        off_all = v if off_all is None else off_all + v
    w_arg, w_col = _arg_vector(weights, df, "weights")
    o_arg, o_col = _arg_vector(offset, df, "offset")
    if o_arg is not None:
        off_all = o_arg if off_all is None else off_all + o_arg

    # 3. missing values, as na.omit: any variable of the model
    missing: dict[str, np.ndarray] = {}
    for c in sorted(plan.lhs_cols | plan.off_cols | plan.rhs_cols):
        m = _isna(df, plan.positions[c])
        if m.any():
            missing[c] = m
    explained = np.zeros(n, dtype=bool)
    for m in missing.values():
        explained |= m
    for label, v in ((pf.lhs, y_all), (o_col or "offset", off_all), (w_col or "weights", w_arg)):
        if v is not None:
            m = np.isnan(v) & ~explained
            if m.any():
                missing[label] = missing[label] | m if label in missing else m
                explained |= m
    if explained.any() and na_action == "raise":
        detail = ", ".join(f"{c}: {int(m.sum())}" for c, m in missing.items())
        raise DataError(f"{int(explained.sum())} rows have missing values ({detail}) and na_action='raise'")
    keep = np.flatnonzero(~explained)
    if keep.size == 0:
        raise DataError(f"no complete rows: every row has a missing value in a model variable ({', '.join(missing)})")

    # 4. the design of the complete rows: structured (factor codes) for simple formulas, else formulaic
    part = None
    if plan.simple is not None:
        part = structured_part(df, plan.simple[0], plan.simple[1], keep, plan.rhs, ns, plan.positions)
    if part is None:
        part = _formulaic_part(df, plan, keep)
    used = part.used
    if used.size < keep.size:  # a term evaluated to NaN (e.g. log of a negative number)
        nan_rows = np.zeros(n, dtype=bool)
        nan_rows[keep] = True
        nan_rows[used] = False
        missing["terms evaluating to NaN"] = nan_rows
        if na_action == "raise":
            raise DataError(f"{int(nan_rows.sum())} rows give NaN in a formula term and na_action='raise'")
    if used.size == 0:
        raise DataError("no complete rows: every row has a missing or NaN value in a model variable")

    every = used.size == n
    y = y_all if every else y_all[used]
    ones = None
    if trials_all is None or w_arg is None:
        ones = np.ones(used.size)  # shared by trials and weights: never written
    trials = ones if trials_all is None else (trials_all if every else trials_all[used])
    prior = ones if w_arg is None else (w_arg if every else w_arg[used])
    if binomial and len(raw_response) == 1 and w_arg is not None:
        y = np.where(prior == 0, 0.0, y)  # as R's binomial()$initialize: y[weights == 0] <- 0
    off = np.zeros(used.size) if off_all is None else (off_all if every else off_all[used])
    _check_finite(y, (pf.lhs,), "the response")
    if w_arg is not None:
        bad = np.flatnonzero(~np.isfinite(prior) | (prior < 0))
        if bad.size:
            raise DataError(f"weights must be finite and non-negative; row {df.index[used[bad[0]]]!r} has {prior[bad[0]]:g}")
    if off_all is not None and not np.all(np.isfinite(off)):
        raise DataError("the offset has infinite values (log of zero exposure?)")

    spec = ModelSpec(pf, part.rhs_spec, ns, tuple(sorted(plan.rhs_cols)), tuple(sorted(plan.off_cols)), o_col,
                     part.levels)
    return ModelFrame(
        X=part.X,
        column_names=part.names,
        term_labels=part.labels,
        term_columns=part.term_columns,
        y=y,
        prior_weights=prior,
        trials=trials,
        total_weights=prior if trials is ones else trials if prior is ones else prior * trials,
        offset=off,
        has_offset=bool(pf.offsets) or o_arg is not None,
        has_intercept="(Intercept)" in part.labels,
        rows_used=df.index if every else df.index[used],
        n_dropped=int(n - used.size),
        dropped_by={c: int(m.sum()) for c, m in missing.items() if m.any()},
        response_name=pf.lhs,
        spec=spec,
        data=df,
        row_positions=used,
    )


def _check_finite(values: np.ndarray, names: tuple[str, ...], what: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        j = int(np.argmax(bad.any(axis=0))) if values.ndim == 2 else 0
        raise DataError(f"{what} {names[j]!r} has infinite values; remove or transform them")


def encode_new_data(spec: ModelSpec, data: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Design and offset for new data, encoded like the training data.

    Returns ``(X, offset, ok)``: rows of ``data`` with a missing value give NaN rows; ``ok`` marks the
    complete rows.  A missing column or a factor level not seen in training is a :class:`DataError`.
    """
    df = as_frame(data)
    needed = set(spec.rhs_columns) | set(spec.offset_columns)
    if spec.offset_column_arg:
        needed.add(spec.offset_column_arg)
    absent = sorted(c for c in needed if c not in df.columns)
    if absent:
        raise DataError(f"new data lacks the column(s) {', '.join(absent)} that the model uses")
    for c, lv in spec.levels.items():
        s = df[c]
        vals = s.dropna()
        unseen = sorted({str(v) for v in pd.unique(vals) if v not in lv})
        if unseen:
            raise DataError(
                f"column {c!r} of the new data has level(s) {', '.join(unseen)} not seen when fitting "
                f"(levels: {', '.join(map(str, lv))})"
            )
    n = len(df)
    ok = np.ones(n, dtype=bool)
    for c in needed:
        ok &= ~df[c].isna().to_numpy()
    frame = _formulaic_frame(df.iloc[np.flatnonzero(ok)], list(spec.rhs_columns))
    for c, lv in spec.levels.items():
        if c in frame.columns:
            frame[c] = pd.Categorical(frame[c], categories=list(lv))
    try:
        mm = spec.rhs_spec.get_model_matrix(frame, context=spec.namespace)
    except FormulaicError as e:
        raise DataError(f"cannot encode the new data: {clean_message(e)}") from e
    X = np.full((n, mm.shape[1]), np.nan)
    pos = np.flatnonzero(ok)[np.asarray(mm.index, dtype=np.intp)]
    X[pos] = mm.to_numpy(dtype=float)
    ok = np.zeros(n, dtype=bool)
    ok[pos] = True
    off = np.zeros(n)
    for e in spec.formula.offsets:
        off = off + _vector(safe_eval(e, df, spec.namespace), n, f"offset({e})")
    if spec.offset_column_arg:
        off = off + _vector(df[spec.offset_column_arg], n, "offset")
    return X, off, ok
