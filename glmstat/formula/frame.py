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

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .._arguments import foreign_type, is_one_of, items_given, shown, shown_items, shown_row, unpadded
from ..once import once
from ..printable import first_unwritable
from ..design.base import Design
from ..errors import DataError, DataWarning, FormulaError, GLMStatError, warn_user
from ..families import Family
from .contrasts import contrasts_argument, term_codings, with_contrasts
from .rows import complete_arrays, evaluate_rows, missing_detail, more_levels_warning, numeric_text_warning
from .deparse import deparse
from .encode import build_design, check_removed_factor, factor_levels, plan_design
from .arrow_tables import in_memory_frame, is_table
from .context_values import check_context
from .data_columns import DataColumns
from .evaluate import Evaluator
from .limits import DEFAULT_LIMITS, FormulaLimits
from .nodes import Name, Node, count_dots, names_read
from .parser import parse, parse_expression
from .spec import ModelSpec, new_data_calls
from .subset import Subset, subset_argument
from .terms import Terms, expand_terms, warn_empty_crossings, warn_idle_powers, warn_response_term
from .values import FactorVec, Value, take_rows

__all__ = ["ModelFrame", "ModelSpec", "build_model_frame", "as_frame", "encode_new_data", "column_names",
           "column_label_text"]

#: Set to False (tests do) to build every design dense, to compare the two encodings.
STRUCTURED = True


@dataclass(frozen=True)
class ModelFrame:
    """The model's arrays for the rows used, plus the record of what was dropped.

    ``design`` is the design matrix as a :class:`~glmstat.design.base.Design` (structured -- factor codes,
    never dummy columns -- by :attr:`~glmstat.formula.encode.DesignPlan.structured`'s rule, else dense); ``X``
    is its dense matrix, made when a user reads it (glmstat itself never does).
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
    # The caller's data (a reference, never copied: a DataFrame, or the dict of columns, pyarrow Table or polars
    # DataFrame made one on first read of ``data``) and the positions of the rows used in it, so that other columns
    # of it (e.g. a cluster variable) can be looked up after fitting.
    given_data: pd.DataFrame | Mapping | Any | None = field(default=None, repr=False, compare=False)
    row_positions: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: the weights of R's starting means where they are not the total weights (a cbind() response with prior
    #: weights: its trials); None otherwise
    start_weights: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: the column ``weights=`` named (None: no weights, or an array of them), for the call R would record
    weights_column: str | None = None
    #: ``glm(subset=)``, for refits and the call R would record (None: every row)
    subset: Subset | None = field(default=None, repr=False, compare=False)

    #: the rows are held here (a :class:`~glmstat.formula.stream.StreamedFrame` reads them from the data)
    in_memory = True

    @property
    def n_rows(self) -> int:
        """The number of rows used."""
        return len(self.rows_used)

    @once
    def data(self) -> pd.DataFrame | None:
        """The caller's data as a DataFrame (None when not kept); a dict of columns, a pyarrow Table or a polars
        DataFrame, of which the fit made a frame of the columns it reads only, is made a frame here, on first
        read."""
        given = self.given_data
        if given is None or isinstance(given, pd.DataFrame):
            return given
        return as_frame(in_memory_frame(given, self.spec.limits)) if is_table(given) else as_frame(given)

    @once
    def X(self) -> np.ndarray:
        """The dense n x p design (made on first read; for users -- inference works on ``design``)."""
        return self.design.toarray()


def type_name(value: Any) -> str:
    """The exact type of ``value`` as module.Class (a builtin's bare name): "DataFrame" alone would not say
    whose."""
    cls = type(value)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


#: Column values of a dict taken as they are: np.asarray would turn a Categorical into its values, losing its
#: categories, their order and whether it is ordered (as would any extension array its dtype).
_PANDAS_COLUMNS = (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)


def _items(column: Any) -> int | None:
    """The number of values of a column of a dict of columns, counted without reading them (None: a scalar)."""
    if isinstance(column, _PANDAS_COLUMNS) or (isinstance(column, np.ndarray) and column.ndim):
        return len(column)
    return items_given(column)


def _not_text(name: str, data: Mapping) -> str:
    """The message for a dict of columns one of whose strings is not valid text (a lone surrogate, which Python's
    JSON reader makes of an escape such as ``"\\ud800"``), naming the column and the value."""
    for k, v in data.items():
        if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
            continue
        bad = first_unwritable([s for s in v if isinstance(s, str)])
        if bad is not None:
            return f"{name} column {shown(k)} holds a value that is not valid text (a lone surrogate): {shown(bad)}; " \
                   "replace or drop it"
    return f"{name} holds a value that is not valid text (a lone surrogate); replace or drop it"


def _holds_unwritable(column: pd.Series) -> bool:
    """Whether an object column of texts holds one that is not valid text (one encoding of them all)."""
    values = column.to_numpy()
    return pd.api.types.infer_dtype(values, skipna=True) == "string" and \
        first_unwritable([v for v in values if isinstance(v, str)]) is not None


def _column_values(values: Any) -> Any:
    """A column given in a dict as numpy may read it: a list or tuple holding values that are not Python's or numpy's
    own scalars (a float subclass, whose ``__float__`` numpy's ``asarray`` called, its code run and the fit made of
    what it returned) as an object array, each value as it is -- refused, naming its type, where an object column
    is; else as :func:`unpadded` leaves it (texts numpy would pad kept as objects)."""
    if type(values) in (list, tuple) and foreign_type(values, depth=0, also=frozenset({list, tuple})) is not None:
        out = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):  # (one by one: numpy's slice assignment would read a nested list as rows)
            out[i] = v
        return out
    return unpadded(values)


def mapping_names(data: Mapping) -> list[str]:
    """The keys of a dict of columns as the texts a formula names them by (:func:`column_label_text`)."""
    if set(map(type, data)) <= {str}:  # (their types found in C: a key at a time in Python, 1 s for a million)
        return list(data)
    return [k if isinstance(k, str) else column_label_text(k) for k in data]


def as_frame(data: Any, name: str = "data", allow_empty: bool = False,
             columns: frozenset[str] | None = None) -> pd.DataFrame:
    """A DataFrame view of ``data`` (a DataFrame or a mapping of equal-length columns); never a copy
    that the caller could see modified.  ``name`` is the argument's name in messages; a frame of no rows is
    refused unless ``allow_empty`` (new data to predict: no rows give no predictions, as in R).

    ``columns``: of a mapping, only the keys whose text (:func:`column_label_text`) is one of these are read and
    made columns (None: every key).  A pandas column costs some 20 us to make: a dict of a million columns of
    which the model reads one took 120 s to predict, 200,000 5 s to fit."""
    if isinstance(data, pd.DataFrame):
        df = data
    elif isinstance(data, Mapping):
        unreadable = first_unwritable([k for k in data if isinstance(k, str)])
        if unreadable is not None:  # (pandas fails on it with an encoding error from Arrow, far from its cause)
            raise DataError(f"{name} has a column name that is not valid text (a lone surrogate): "
                            f"{shown(unreadable)}; rename the column")
        if columns is not None:
            data = {k: data[k] for k, text in zip(data, mapping_names(data)) if text in columns}
        # (counted before they are read: a column range(10**12) beside one of 12 values was a MemoryError)
        counts = {k: c for k, c in ((k, _items(v)) for k, v in data.items()) if c is not None}
        if len(set(counts.values())) > 1:
            a, ca = next(iter(counts.items()))
            b, cb = next((k, c) for k, c in counts.items() if c != ca)
            raise DataError(f"{name} columns must all have the same length: {shown(a)} has {ca:,} values and "
                            f"{shown(b)} {cb:,}")
        try:
            # (a list of texts numpy would pad to its longest as objects: one of a million characters among 1,000
            # texts was 3.7 GiB)
            df = pd.DataFrame({k: v if isinstance(v, _PANDAS_COLUMNS) else np.asarray(_column_values(v))
                               for k, v in data.items()})
        except UnicodeEncodeError:  # (pandas' Arrow-backed strings cannot hold a lone surrogate: say where it is)
            raise DataError(_not_text(name, data)) from None
        except (ValueError, TypeError) as e:
            raise DataError(f"{name} columns must all have the same length: {e}") from e
        except MemoryError:  # (columns of one huge length, each a range: numpy refuses to allocate them)
            raise DataError(f"{name} has columns of {max(counts.values(), default=0):,} values, more than memory "
                            "holds") from None
        # (the dtypes taken once: ``df.dtypes`` a column made a Series of them each time, quadratic in the columns --
        # a dict of 200,000 columns of 5 rows, 8 MB, took 95 s of CPU time)
        if any(_holds_unwritable(df.iloc[:, j]) for j, dtype in enumerate(df.dtypes) if dtype == object):
            # (pandas before 3 keeps the strings as Python objects, which hold a lone surrogate silently: said
            # as pandas 3's Arrow-backed strings have it said above)
            raise DataError(_not_text(name, data))
    else:
        raise DataError(f"{name} must be a pandas DataFrame or a dict of columns (or a pyarrow Table, a polars or "
                        f"dask DataFrame, a path to Parquet files), got {type_name(data)}")
    if len(df) == 0 and not allow_empty:
        raise DataError(f"{name} has no rows")
    return df


_last_columns: list = [(None, (), {})]  # [(the Index last seen, its names as strings, positions)]


def column_label_text(label: Any) -> str:
    """A column label that is not a string, as the text a formula names it by: ``str()`` of it, but an int of
    more than 4,300 digits, which Python refuses to write (a ValueError), is refused naming its magnitude."""
    try:
        return str(label)
    except ValueError:
        raise DataError(f"data has a column name that is {shown(label)}, a number Python does not write as text; "
                        "rename the column") from None


def column_names(df: pd.DataFrame) -> tuple[tuple[str, ...], dict[str, int]]:
    """The column labels as strings and their positions; a loop of fits on one DataFrame reads its
    (immutable) Index once.  Labels that coincide as strings are refused."""
    index = df.columns
    seen, names, positions = _last_columns[0]
    if seen is not index:
        names = tuple(c if isinstance(c, str) else column_label_text(c) for c in index)
        bad = first_unwritable(names)
        if bad is not None:
            raise DataError(f"data has a column name that is not valid text (a lone surrogate): {shown(bad)}; "
                            "rename the column")
        positions = {c: i for i, c in enumerate(names)}
        if len(positions) != len(names):
            # (counted in one pass: names.count per name was quadratic, 7 s for 30,000 columns; names quoted cut)
            counts: dict[str, int] = {}
            for c in names:
                counts[c] = counts.get(c, 0) + 1
            dup = sorted(c for c, k in counts.items() if k > 1)
            raise DataError(f"data has duplicate column names: {shown_items(dup)}; rename them so each is unique")
        _last_columns[0] = (index, names, positions)
    return names, positions


def _every_name(data: Mapping) -> list[str]:
    """The keys of a dict of columns as texts (:func:`mapping_names`), two that read the same refused as
    :func:`column_names` refuses them in a frame (the frame made holds only the columns the model reads)."""
    names = mapping_names(data)
    if len(set(names)) != len(names):  # (only keys of other types can read the same: a dict's keys are distinct)
        column_names(pd.DataFrame(columns=pd.Index(list(data), dtype=object)))  # (raises, naming them)
    return names


def columns_read(formula: Any, weights: Any, offset: Any, subset: Any, limits: FormulaLimits) -> frozenset[str] | None:
    """The data columns a fit of ``formula`` can read: the names it holds, the ``weights=`` and ``offset=`` columns
    (or the names of the R expressions they are) and the names of a ``subset=`` condition; None (every column) for
    a formula with ``.``, or a formula or subset condition that does not parse (glm() says why)."""
    if not isinstance(formula, str):
        return None
    try:
        f = parse(formula, limits)
    except GLMStatError:
        return None
    if count_dots(f.rhs) or (f.lhs is not None and count_dots(f.lhs)):
        return None
    names = set(names_read(f.rhs)) | (set(names_read(f.lhs)) if f.lhs is not None else set())
    for what, text in (("weights", weights), ("offset", offset), ("subset", subset)):
        if isinstance(text, str):
            if what != "subset":
                names.add(text)  # (a column's name, which may be no R name)
            try:
                names |= set(names_read(parse_expression(text, limits, what=what)))
            except GLMStatError:
                if what == "subset":
                    return None
    return frozenset(names)


@lru_cache(maxsize=256)
def _has_dot(formula: str, limits: FormulaLimits) -> bool:
    """Whether the formula's right-hand side holds a ``.``, the only part of it that the data's columns
    expand (the parsed formula is not kept: the cache would keep 256 trees of long formulas alive)."""
    return count_dots(parse(formula, limits).rhs) > 0


@lru_cache(maxsize=256)
def _cached_terms(formula: str, columns: tuple[str, ...], limits: FormulaLimits) -> Terms:
    return expand_terms(parse(formula, limits), columns, limits)


def model_terms(formula: Any, columns: tuple[str, ...], limits: FormulaLimits) -> Terms:
    """The terms of ``formula`` on data with ``columns`` (cached: a loop of small fits parses it once).  The
    columns are part of the cache's key only for a formula with ``.``: the cache kept every data set's names
    alive (256 of them: 10 MB of names per fit grew the process by 10 MB a fit, to 2.5 GB)."""
    if not isinstance(formula, str):
        raise FormulaError(f"formula must be a string such as 'y ~ x1 + x2', got {type(formula).__name__}")
    terms = _cached_terms(formula, columns if _has_dot(formula, limits) else (), limits)
    warn_idle_powers(terms)  # outside the cache: every fit of y ~ x^2 warns
    warn_response_term(terms)
    warn_empty_crossings(terms)
    return terms


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
    contrasts: Mapping[str, Any] | None = None,
    subset: Any = None,
) -> ModelFrame:
    """Evaluate ``formula`` on ``data`` for ``family``; see the module docstring.  ``subset``: a condition or one
    boolean per row (:mod:`glmstat.formula.subset`)."""
    if not is_one_of(na_action, ("drop", "raise")):
        raise DataError(f"na_action must be 'drop' or 'raise', got {shown(na_action)}")
    if not isinstance(limits, FormulaLimits):
        raise FormulaError(f"limits= must be a glmstat.FormulaLimits, got {type(limits).__name__}")
    ctx = check_context(context)
    contrasts = contrasts_argument(contrasts)
    # (of a dict of columns only those the model reads are made a frame; the others when a method asks for them)
    read = None if isinstance(data, pd.DataFrame) or not isinstance(data, Mapping) else \
        columns_read(formula, weights, offset, subset, limits)
    known = None if read is None else _every_name(data)
    df = as_frame(data, columns=read)
    names, positions = column_names(df)
    terms = model_terms(formula, names, limits)  # 1. parsed and expanded; nothing evaluated yet
    chosen = subset_argument(subset, limits, df.index)
    cols = DataColumns(df, names, positions, known=known)
    n = cols.n
    ev = Evaluator(cols, ctx, {}, "fit", limits)
    # 2. the response, offsets, weights and every variable on all rows (R's model.frame), then 3. na.omit
    rows = evaluate_rows(df, cols, ev, terms, family, weights, offset, subset=chosen)
    if rows.response_levels is not None and (msg := more_levels_warning(rows.response_name, rows.response_levels)):
        warn_user(msg, DataWarning)
    # (a row is dropped only with a cause in rows.missing: no cause, no row to look for)
    if rows.missing and rows.drop.any() and na_action == "raise":
        detail = missing_detail({c: int(m.sum()) for c, m in rows.missing.items()})
        raise DataError(f"{int(rows.drop.sum()) - rows.excluded} rows have missing values ({detail}) and "
                        "na_action='raise'")
    used = np.flatnonzero(~rows.drop) if rows.missing or rows.excluded else np.arange(n)
    if used.size == 0:
        raise no_rows_error(n, rows.excluded, rows.missing, chosen)
    n_dropped = int(n - used.size - rows.excluded)

    # 4. the design of the complete rows
    every = used.size == n
    sel = None if every else used
    values_used: dict[Node, Value] = {}
    levels: dict[str, tuple] = {}
    for node, v in rows.values.items():
        v = take_rows(v, sel)
        if isinstance(v, FactorVec):
            v, lv = factor_levels(v)
            levels[deparse(node)] = lv
            if isinstance(node, Name) and (msg := numeric_text_warning(node.id, lv)):
                warn_user(msg, DataWarning)
        values_used[node] = v
    values_used = with_contrasts(values_used, contrasts, names)
    try:
        for node, v in rows.removed_factors:  # (R's model.matrix sets contrasts on these too)
            v, _ = factor_levels(take_rows(v, sel))
            check_removed_factor(deparse(node), v.levels, v.contrasts)
        plan = plan_for(terms, values_used, used.size, limits)
    except DataError as e:
        if n_dropped:  # say what made the rows used fewer: rows dropped for missing values
            detail = missing_detail({c: int(m.sum()) for c, m in rows.missing.items()})
            raise DataError(f"{e} ({n_dropped} of {n - rows.excluded} rows were dropped for missing values: "
                            f"{detail})") from None
        raise
    X = build_design(plan, values_used, used.size, STRUCTURED)
    check_finite_design(X, plan.column_names, df.index if sel is None else df.index[sel])
    arrays = complete_arrays(rows, sel, df.index)

    spec_columns = tuple(sorted(c for c in terms.names_read if c in positions))  # (what predict's data needs)
    spec = ModelSpec(formula, terms, plan, dict(ev.state), ctx, rows.offset_column, limits, levels, spec_columns,
                     offset_array=offset is not None and not isinstance(offset, str), contrasts=contrasts,
                     offset_node=rows.offset_node, weights_node=rows.weights_node,
                     across_rows=new_data_calls(terms, rows.offset_node, ev.across_rows))
    return ModelFrame(
        design=X,
        column_names=plan.column_names,
        term_labels=plan.term_labels,
        term_columns=plan.term_columns,
        y=arrays.y,
        prior_weights=arrays.prior_weights,
        trials=arrays.trials,
        total_weights=arrays.total_weights,
        offset=arrays.offset,
        has_offset=rows.has_offset,
        has_intercept=terms.intercept,
        rows_used=df.index if every else df.index[used],
        n_dropped=n_dropped,
        dropped_by={c: int(m.sum()) for c, m in rows.missing.items() if m.any()},
        response_name=rows.response_name,
        spec=spec,
        given_data=df if read is None else data,
        row_positions=used,
        start_weights=arrays.start_weights,
        weights_column=rows.weights_column,
        subset=chosen,
    )


def no_rows_error(n: int, excluded: int, missing: Mapping[str, Any], subset: Subset | None) -> DataError:
    """The refusal of a model frame of no rows: ``subset`` left out all ``n`` rows, or the ``excluded`` rows it
    left out and the rows with a missing value in a model variable (the columns ``missing``) are all of them."""
    said = "" if subset is None or subset.node is None else f" {shown(subset.text)}"
    if excluded == n:
        return DataError(f"subset{said} keeps no row of the data's {n:,}")
    within = f" of the {n - excluded:,} rows subset{said} keeps" if excluded else ""
    return DataError(f"no complete rows: every row{within} has a missing value in a model variable "
                     f"({', '.join(missing)})")


def plan_for(terms: Terms, values: dict, n_rows: int, limits: FormulaLimits):
    """The design plan of the variables' values on the rows used: R's codings, then the columns."""
    index = {v: i for i, v in enumerate(values)}
    is_factor = [isinstance(v, FactorVec) for v in values.values()]
    codings = term_codings(terms.terms, is_factor, terms.intercept, index)
    return plan_design(terms.terms, terms.intercept, values, codings, n_rows, limits)


def check_finite_design(X: Design, names: tuple[str, ...], index: pd.Index | None = None) -> None:
    """Refuse a design with an infinite value (``log(x)`` at x = 0), naming the first such column, its first
    such row (by its label in ``index``, the labels of the design's rows) and value (no count: streamed rows
    are refused at the first chunk that has one)."""
    big = X.column_abs_max()
    if big.size and math.isfinite(np.maximum.reduce(big)):  # one reduction proves every column finite
        return
    bad = ~np.isfinite(big)
    if bad.any():
        j = int(np.argmax(bad))
        x = X.column(j)
        rows = np.flatnonzero(~np.isfinite(x))
        value = x[rows[0]] if rows.size else None
        # (a NaN here is a product of an infinite value and 0: log(x):z at x = 0, z = 0; a missing value drops its row)
        what = "infinite values" if value is None or not math.isnan(value) else "values that are not numbers"
        where = ""
        if index is not None and value is not None:
            where = (f" (row {shown_row(index[rows[0]])} has {value:g})" if not math.isnan(value) else
                     f" (row {shown_row(index[rows[0]])} has NaN: an infinite value times 0)")
        raise DataError(f"the design column {shown(names[j])} has {what}{where}; remove or transform them")


def encode_new_data(spec: ModelSpec, data: Any) -> tuple[Design, np.ndarray, np.ndarray]:
    """New data encoded like the training data.

    Returns ``(X, offset, ok)``: the design of the complete rows (``ok`` marks them; rows with a missing value
    have no design row), and the offset of every row.  A missing column or a factor level not seen in
    training is a :class:`DataError`.
    """
    df = as_frame(data, columns=frozenset((*spec.columns, *spec.offset_columns)))  # (of a dict: the model's only)
    names, positions = column_names(df)
    return spec.encode(df, names, positions)
