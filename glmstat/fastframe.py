"""The front end's fast path: simple formulas straight from the DataFrame to a structured design.

A formula is *simple* when its response is a column (or ``cbind`` of two columns), its right-hand side is
an intercept (or none) plus main effects that are plain column names, and its offsets are any checked
expressions.  For those, the model frame is built here without formulaic:

* numeric columns are copied once into one Fortran-ordered float64 block;
* categorical, string and boolean columns become integer codes (a :class:`~glmstat.structured.Factor`),
  never dummy columns; levels, reference level, column names ('g[T.b]', or 'g[a]' for the first factor
  of a model without intercept) and column order are exactly formulaic's;
* missing values are dropped as in :func:`glmstat.frontend.build_model_frame`, with the same record.

Everything that does not depend on the data values -- parsing the formula, the safety check of every
expression, the term structure -- is cached per (formula, data columns), so a loop of small fits does not
re-parse.  Anything else returns ``None`` and the general front end (formulaic) takes over.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

import numpy as np
import pandas as pd
from formulaic import Formula
from formulaic.errors import FormulaicError
from formulaic.parser.types import Factor as FormulaicFactor

from .errors import DataError, FormulaError
from .families import Family
from .formula import ParsedFormula, check_expression, namespace, parse_formula, safe_eval
from .structured import Factor, StructuredDesign

__all__ = ["fast_model_frame"]

_NS: dict[str, Any] | None = None


def _default_namespace() -> dict[str, Any]:
    global _NS
    if _NS is None:
        _NS = namespace(None)
    return _NS


@dataclass(frozen=True)
class _Plan:
    """What a simple formula needs, independent of the data values."""

    pf: ParsedFormula
    response_cols: tuple[str, ...]
    offset_cols: frozenset
    intercept: bool
    terms: tuple[str, ...]  # main-effect column names, in formulaic's order
    codes: tuple[Any, ...]  # compiled offset expressions
    positions: Mapping[str, int]  # column -> position in the data


def _plain_name(expr: str, columns: frozenset) -> str | None:
    if expr in columns and expr.isidentifier():
        return expr
    return None


@lru_cache(maxsize=256)
def _plan(formula: str, column_tuple: tuple) -> _Plan | None:
    """The plan for ``formula`` on data with these columns, or None when the formula is not simple."""
    if not all(isinstance(c, str) for c in column_tuple) or len(set(column_tuple)) != len(column_tuple):
        return None
    columns = frozenset(column_tuple)
    try:
        pf = parse_formula(formula)
    except FormulaError:
        return None
    ns = _default_namespace()
    response_cols = tuple(_plain_name(e, columns) for e in pf.response)
    if any(c is None for c in response_cols):
        return None
    off_cols: set[str] = set()
    try:
        for e in pf.offsets:
            off_cols |= check_expression(e, set(columns), ns)
        parsed = Formula(pf.rhs)
    except (FormulaError, FormulaicError, SyntaxError, ValueError):
        return None
    intercept = False
    terms: list[str] = []
    for term in parsed:
        factors = list(term.factors)
        if str(term) == "1":
            intercept = True
            continue
        if len(factors) != 1:
            return None
        f = factors[0]
        if f.eval_method != FormulaicFactor.EvalMethod.LOOKUP or _plain_name(f.expr, columns) is None:
            return None
        if f.expr in terms:
            return None
        terms.append(f.expr)
    codes = tuple(compile(ast.parse(e, mode="eval"), "<formula>", "eval") for e in pf.offsets)
    positions = {c: i for i, c in enumerate(column_tuple)}
    return _Plan(pf, response_cols, frozenset(off_cols), intercept, tuple(terms), codes, positions)


def _column(df: pd.DataFrame, pos: int):
    """The stored values of column ``pos`` (ndarray or extension array), without making a Series."""
    try:
        return df._get_column_array(pos)
    except AttributeError:  # pandas without this accessor
        return df.iloc[:, pos].array


class _Columns:
    """Data columns as arrays, for :func:`glmstat.formula.safe_eval` (offset expressions)."""

    def __init__(self, df: pd.DataFrame, plan: _Plan) -> None:
        self.df, self.plan = df, plan
        self.columns = plan.positions

    def __getitem__(self, key):
        return np.asarray(_column(self.df, self.plan.positions[key]))


def _column_kind(a) -> str | None:
    if isinstance(a, pd.Categorical):
        return "categorical"
    if isinstance(a, np.ndarray):
        k = a.dtype.kind
        if k in "fiu":
            return "numeric"
        if k == "b":
            return "bool"
        if k in "OU":
            return "string"
        return None
    if isinstance(getattr(a, "dtype", None), pd.StringDtype):
        return "string"
    return None


def _factor_codes(a, kind: str, rows: np.ndarray | None):
    """(codes on the used rows, levels, levels present) as formulaic encodes the column, or None."""
    if kind == "categorical":
        codes = a.codes
        cats = a.categories
        if rows is not None:
            codes = codes[rows]
        used = np.bincount(codes, minlength=len(cats)) > 0  # R's drop.unused.levels
        if not used.all():
            remap = np.cumsum(used) - 1
            codes = remap[codes]
            cats = cats[used]
        levels = list(cats)
        if any(isinstance(v, (float, np.floating)) and not np.isfinite(v) for v in levels):
            return None
        return codes, levels, levels  # compact integer codes; the design makes the intp cell codes
    if kind == "bool":
        v = a if rows is None else a[rows]
        codes = v.astype(np.intp)
        present = [lv for lv, k in ((False, 0), (True, 1)) if np.any(codes == k)]
        return codes, [False, True], present
    v = np.asarray(a, dtype=object)
    if rows is not None:
        v = v[rows]
    if pd.api.types.infer_dtype(v, skipna=False) != "string":
        return None
    try:
        codes, uniques = pd.factorize(v, sort=True)
    except TypeError:
        return None
    levels = [str(x) for x in uniques]
    return codes.astype(np.intp, copy=False), levels, levels


def _na_mask(a, kind: str | None) -> np.ndarray | None:
    if kind == "numeric":
        if a.dtype.kind == "f":
            m = np.isnan(a)
            return m if m.any() else None
        return None
    if kind == "categorical":
        m = a.codes < 0
        return m if m.any() else None
    if kind == "bool":
        return None
    m = np.asarray(pd.isna(a))
    return m if m.any() else None


def _response_values(a, name: str, n: int, binomial: bool) -> np.ndarray:
    from .frontend import _binomial_response, _vector

    if isinstance(a, np.ndarray) and a.dtype.kind in "fiub":
        return a.astype(float)
    s = pd.Series(a)
    return _binomial_response(s, name) if binomial else _vector(s, n, f"the response {name!r}")


class _LazyFormulaicSpec:
    """formulaic's model spec for the training design, built on first use (for ``predict``) from a few
    rows that carry every training level."""

    def __init__(self, rhs: str, numeric: tuple[str, ...], levels: Mapping[str, list],
                 bools: tuple[str, ...], ns: Mapping[str, Any]) -> None:
        self._args = (rhs, numeric, levels, bools, ns)
        self._spec = None

    def _build(self):
        from formulaic import model_matrix

        rhs, numeric, levels, bools, ns = self._args
        m = max([len(v) for v in levels.values()] + [1])
        cols: dict[str, Any] = {c: np.zeros(m) for c in numeric}
        for c, lv in levels.items():
            cats = [False, True] if c in bools else list(lv)
            vals = [cats[i % len(cats)] for i in range(m)]
            cols[c] = pd.Categorical(vals, categories=cats)
        frame = pd.DataFrame(cols)
        self._spec = model_matrix(rhs, frame, context=ns, na_action="drop").model_spec
        self._args = None

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("_args", "_spec", "_build"):
            raise AttributeError(name)
        if self._spec is None:
            self._build()
        return getattr(self._spec, name)


def fast_model_frame(formula: str, data: Any, family: Family, *, weights: Any = None, offset: Any = None,
                     na_action: str = "drop", context: Mapping[str, Any] | None = None):
    """The model frame of a simple formula, or ``None`` when the general front end must build it."""
    from .frontend import ModelFrame, ModelSpec, _arg_vector, _vector

    if context is not None or na_action not in ("drop", "raise"):
        return None
    if isinstance(data, Mapping) and not isinstance(data, pd.DataFrame):
        from .frontend import as_frame

        data = as_frame(data)
    if not isinstance(data, pd.DataFrame):
        return None
    df = data
    n = len(df)
    if n == 0:
        return None
    plan = _plan(formula, tuple(df.columns.tolist()))
    if plan is None:
        return None
    pf = plan.pf
    pos = plan.positions
    arrays = {c: _column(df, pos[c]) for c in set(plan.terms) | set(plan.response_cols)}
    kinds = {}
    for c in plan.terms:
        k = _column_kind(arrays[c])
        if k is None:
            return None
        kinds[c] = k
    ns = _default_namespace()

    # response, offsets, weights on all rows (as the general front end)
    binomial = family.binomial_response
    if len(pf.response) == 2:
        if not binomial:
            return None
        succ = _vector(np.asarray(arrays[plan.response_cols[0]]), n, f"successes {pf.response[0]!r}")
        fail = _vector(np.asarray(arrays[plan.response_cols[1]]), n, f"failures {pf.response[1]!r}")
        if np.any(succ < 0) or np.any(fail < 0):
            return None  # let the general front end word the error
        trials_all = succ + fail
        with np.errstate(invalid="ignore", divide="ignore"):
            y_all = np.where(trials_all == 0, 0.0, succ / trials_all)
        y_all[np.isnan(trials_all)] = np.nan
    else:
        y_all = _response_values(arrays[plan.response_cols[0]], pf.lhs, n, binomial)
        trials_all = None
    off_all = None
    if pf.offsets:
        env = _Columns(df, plan)
        for e in pf.offsets:
            v = _vector(safe_eval(e, env, ns), n, f"offset({e})")
            off_all = v if off_all is None else off_all + v
    w_arg, w_col = _arg_vector(weights, df, "weights") if weights is not None else (None, None)
    o_arg, o_col = _arg_vector(offset, df, "offset") if offset is not None else (None, None)
    if o_arg is not None:
        off_all = o_arg if off_all is None else off_all + o_arg

    # missing values, recorded as the general front end records them
    missing: dict[str, np.ndarray] = {}
    for c in sorted(set(plan.response_cols) | plan.offset_cols | set(plan.terms)):
        a = arrays[c] if c in arrays else _column(df, pos[c])
        m = _na_mask(a, kinds.get(c) or _column_kind(a))
        if m is not None:
            missing[c] = m
    explained = None
    for m in missing.values():
        explained = m.copy() if explained is None else explained | m
    for label, v in ((pf.lhs, y_all), (o_col or "offset", off_all), (w_col or "weights", w_arg)):
        if v is not None:
            m = np.isnan(v)
            if explained is not None:
                m &= ~explained
            if m.any():
                missing[label] = missing[label] | m if label in missing else m
                explained = m.copy() if explained is None else explained | m
    if missing:
        drop = np.zeros(n, dtype=bool)
        for m in missing.values():
            drop |= m
        if na_action == "raise":
            return None  # the general front end raises with the full message
        rows = np.flatnonzero(~drop)
        if rows.size == 0:
            return None
    else:
        rows = None

    def take(v):
        return v if rows is None else v[rows]

    n_used = n if rows is None else rows.size
    y = take(y_all)
    ones = np.ones(n_used) if trials_all is None or w_arg is None else None  # shared: never written
    trials = ones if trials_all is None else take(trials_all)
    prior = ones if w_arg is None else take(w_arg)
    off = np.zeros(n_used) if off_all is None else take(off_all)
    if not np.all(np.isfinite(y)):
        return None
    if w_arg is not None and not np.all(np.isfinite(prior) & (prior >= 0)):
        return None
    if off_all is not None and not np.all(np.isfinite(off)):
        return None

    # the design
    numeric = [c for c in plan.terms if kinds[c] == "numeric"]
    dense = np.empty((n_used, len(numeric)), order="F")
    for j, c in enumerate(numeric):
        a = arrays[c]
        dense[:, j] = a if rows is None else a[rows]
        if not np.isfinite(dense[:, j]).all():  # column by column: no design-sized temporary
            return None
    names: list[str] = []
    labels: list[str] = []
    term_cols: list[tuple[int, ...]] = []
    dense_cols: list[int] = []
    factors: list[Factor] = []
    spec_levels: dict[str, tuple] = {}
    level_lists: dict[str, list] = {}
    bools: list[str] = []
    intercept = None
    if plan.intercept:
        intercept = 0
        names.append("Intercept")
        labels.append("(Intercept)")
        term_cols.append((0,))
    full_coding_used = plan.intercept
    for c in plan.terms:
        start = len(names)
        if kinds[c] == "numeric":
            dense_cols.append(start)
            names.append(c)
        else:
            enc = _factor_codes(arrays[c], kinds[c], rows)
            if enc is None:
                return None
            codes, levels, present = enc
            if kinds[c] == "bool":
                bools.append(c)
            spec_levels[c] = tuple(present)
            level_lists[c] = levels
            if full_coding_used:
                colmap = np.concatenate([[-1], np.arange(start, start + len(levels) - 1)]).astype(np.intp)
                names.extend(f"{c}[T.{lv}]" for lv in levels[1:])
            else:
                colmap = np.arange(start, start + len(levels), dtype=np.intp)
                names.extend(f"{c}[{lv}]" for lv in levels)
                full_coding_used = True
            factors.append(Factor(codes, colmap))
        labels.append(c)
        term_cols.append(tuple(range(start, len(names))))
    design = StructuredDesign(len(names), intercept, dense if numeric else None, dense_cols, factors,
                              n_rows=n_used)
    rhs_spec = _LazyFormulaicSpec(pf.rhs, tuple(numeric), level_lists, tuple(bools), ns)
    spec = ModelSpec(pf, rhs_spec, ns, tuple(sorted(plan.terms)), tuple(sorted(plan.offset_cols)), o_col,
                     {c: spec_levels[c] for c in sorted(spec_levels)})
    dropped_by = {c: int(m.sum()) for c, m in missing.items() if m.any()}
    return ModelFrame(
        X=design,
        column_names=tuple(names),
        term_labels=tuple(labels),
        term_columns=tuple(term_cols),
        y=y,
        prior_weights=prior,
        trials=trials,
        offset=off,
        has_offset=bool(pf.offsets) or o_arg is not None,
        has_intercept=plan.intercept,
        rows_used=df.index if rows is None else df.index[rows],
        n_dropped=0 if rows is None else int(n - rows.size),
        dropped_by=dropped_by,
        response_name=pf.lhs,
        spec=spec,
    )
