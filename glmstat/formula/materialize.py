"""The structured design: simple formulas straight from the DataFrame, factors kept as codes.

A right-hand side is *simple* when it is an intercept (or none) plus main effects that are plain column
names.  For those, :func:`structured_part` builds the design without formulaic:

* numeric columns are copied once into one Fortran-ordered float64 block;
* categorical, string and boolean columns become integer codes (a :class:`~glmstat.structured.Factor`),
  never dummy columns; levels, reference level, column names ('g[T.b]', or 'g[a]' for the first factor
  of a model without intercept) and column order are exactly formulaic's.

Everything else about the model frame (response, offsets, weights, missing values) is built once, in
:func:`glmstat.frontend.build_model_frame`, for both kinds of design.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd
from formulaic import Formula
from formulaic.errors import FormulaicError
from formulaic.parser.types import Factor as FormulaicFactor

from ..design.structured import Factor, StructuredDesign

__all__ = ["DesignPart", "simple_terms", "structured_part"]


@dataclass(frozen=True)
class DesignPart:
    """The design of the rows used, and how it was encoded (for names, terms and predict)."""

    X: Any  # ndarray or StructuredDesign
    names: tuple[str, ...]
    labels: tuple[str, ...]
    term_columns: tuple[tuple[int, ...], ...]
    used: np.ndarray  # positions of the rows used in the data
    levels: Mapping[str, tuple]
    rhs_spec: Any


def simple_terms(rhs: str, columns: frozenset) -> tuple[bool, tuple[str, ...]] | None:
    """(intercept, main-effect columns in formulaic's order) when ``rhs`` is simple, else None."""
    try:
        parsed = Formula(rhs)
    except (FormulaicError, SyntaxError, ValueError):
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
        if f.eval_method != FormulaicFactor.EvalMethod.LOOKUP or f.expr not in columns or not f.expr.isidentifier():
            return None
        if f.expr in terms:
            return None
        terms.append(f.expr)
    return intercept, tuple(terms)


def _column(df: pd.DataFrame, pos: int):
    """The stored values of column ``pos`` (ndarray or extension array), without making a Series."""
    try:
        return df._get_column_array(pos)
    except AttributeError:  # pandas without this accessor
        return df.iloc[:, pos].array


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


def structured_part(df: pd.DataFrame, intercept: bool, terms: tuple[str, ...], keep: np.ndarray, rhs: str,
                    ns: Mapping[str, Any], positions: Mapping[str, int]) -> DesignPart | None:
    """The structured design of the rows ``keep`` (positions), or None when a column needs formulaic
    (an unusual dtype, non-finite numbers: the general path words the error).  ``positions`` maps a
    column name to its position in ``df``."""
    n = len(df)
    rows = None if keep.size == n else keep
    arrays = {c: _column(df, positions[c]) for c in terms}
    kinds = {}
    for c in terms:
        k = _column_kind(arrays[c])
        if k is None:
            return None
        kinds[c] = k
    n_used = keep.size
    numeric = [c for c in terms if kinds[c] == "numeric"]
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
    if intercept:
        names.append("Intercept")
        labels.append("(Intercept)")
        term_cols.append((0,))
    full_coding_used = intercept
    for c in terms:
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
    design = StructuredDesign(len(names), 0 if intercept else None, dense if numeric else None, dense_cols,
                              factors, n_rows=n_used)
    rhs_spec = _LazyFormulaicSpec(rhs, tuple(numeric), level_lists, tuple(bools), ns)
    return DesignPart(design, tuple(names), tuple(labels), tuple(term_cols), keep,
                      {c: spec_levels[c] for c in sorted(spec_levels)}, rhs_spec)
