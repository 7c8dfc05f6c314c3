"""Predictions from a fitted GLM, with delta-method standard errors and confidence intervals.

For a row x of the design (encoded like the training data) and offset o, with b the coefficients (aliased
ones count as 0) and V the covariance of the estimates (restricted to the kept columns; the model-based
phi (X'WX)^{-1}, or the sandwich matrix of a :meth:`GLMResults.robust` result):

* link scale       eta = x'b + o,             se = sqrt(x' V x)
* response scale   mu = g^{-1}(eta),          se = |d mu / d eta| se_link   (R's ``predict.glm``)
* intervals        g^{-1}(eta -/+ z se_link) with z the normal quantile (as ``confint.default``); on the
                   link scale eta -/+ z se_link.  Computed on the link scale so they respect the range
                   of the mean; for a decreasing inverse link the limits are reordered, and for a link
                   one-to-one only on one side of 0 (sqrt, 1/mu^2, inverse, power) the interval of eta is
                   cut at 0 on the estimate's side first (:func:`response_limits`).
* a row whose design holds an infinite value has R's standard error: NaN, or Inf when only its first kept
  column is infinite (:func:`nonfinite_row_se`).

* terms            (``type="terms"``, R's ``predict(type = "terms")``) each term's share of eta, its columns J
                   times their coefficients centred at the columns' means a_J over the rows used (in a model
                   with an intercept; R's ``colMeans`` of the model matrix, unweighted): (x_J - a_J)'b_J, with
                   se sqrt((x_J - a_J)' V_JJ (x_J - a_J)); ``attrs["constant"]`` is a'b (0 without an
                   intercept), so that the terms, the constant and the offset add up to eta.

R's ``predict.glm`` uses the model's dispersion (1 for binomial, Poisson and negative binomial) for the
standard errors, and so does this.  Rows of ``newdata`` with a missing value give NaN and keep their index; as
R's (``na.pass``), a row whose only missing value is its offset has the standard error of x'b on the link scale
(the offset does not enter it) and NaN for its fit, its interval and everything on the response scale.  A row
missing only variables whose every column is aliased is predicted, as R's ``predict.lm`` multiplies the kept
columns alone (and said to be not estimable, as a row breaking an aliased column's relation).

x'Vx loses about eps times the condition number of V (scaled to unit diagonal) to cancellation, even when V is
exact to rounding: with nearly collinear columns (``year + I(year^2)``, ``log(year) + year``) that is 1e-6 to
1e-4 of the standard error.  R takes it from the QR factor of sqrt(W) X, as ||x' R^{-1}||, which loses only
the square root of that; so does this beyond ``FACTOR_COND`` (:attr:`GLMResults.covariance_factor`: for the
model's covariance one more pass over the fitted rows, made once per fit, see
:mod:`~glmstat.inference.covariance_factor`; a sandwich covariance's from its meat, see
:mod:`~glmstat.inference.robust`).

A model with aliased columns (NA coefficients) determines x'b only for rows x in the row space of its design
(over the rows of positive weight): each aliased column must be, in the new row too, the combination of the
columns before it that it is in the data -- ``x2 = 2 * x``, or 0 for the indicator of a level all of whose
rows had weight 0.  A new row that breaks such a relation is not estimable: its prediction is the one with
the aliased coefficients set to 0, as R's ``predict.glm`` returns it, which another choice of the aliased
column would change.  R warns "prediction from a rank-deficient fit may be misleading" for any new data of
such a fit; here an ``AliasingWarning`` says so when some new row (in memory) breaks a relation, with how many
rows and which columns.

The offset o of new rows is what the model's formula and data give: ``offset()`` terms and an ``offset=``
column name are evaluated on ``newdata``.  An offset given to ``glm`` as an array of values cannot be
evaluated on new rows, so ``predict(newdata)`` of such a model needs it again (``offset=``: one value per new
row, or a column of ``newdata``) and refuses without it, rather than predicting as if it were 0.
"""

from __future__ import annotations

import operator
import warnings
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from ..distributions import interval_quantile

from ..design.base import Design, rows_within
from ..design.sources import fold
from .._arguments import confidence_level, is_one_of, shown, shown_items
from .._suggest import close_matches
from ..errors import AliasingWarning, DataError, GLMStatError, warn_user
from ..links import domain_limits
from ..formula.nodes import Name
from ..formula.frame import as_frame, column_names
from ..formula.data_paths import is_path
from ..formula.arrow_tables import in_memory_frame
from ..formula.readers import is_dask
from ..report.tables import Column
from .covariance_factor import factor_rows_norm2

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["predict", "Predictor", "linear_predictor_se", "factor_se", "nonfinite_rows", "nonfinite_row_se",
           "response_limits", "has_offset_array", "aliasing_relations", "broken_relations"]

#: A new row breaks an aliasing relation v when |x'v| exceeds this fraction of ||v|| ||x_S||, S the columns of v.
ESTIMABLE_TOL = 1e-8

_TYPES = ("response", "link", "terms")
_INTERVALS = (None, "confidence")


def linear_predictor_se(X: Design, V: np.ndarray) -> np.ndarray:
    """sqrt(x_i' V x_i) for each row x_i of the design (V p x p, zero where aliased); never an n x n matrix,
    never the dense design.  NaN where V is NaN (no residual degrees of freedom to estimate the dispersion),
    as R's ``predict.glm``."""
    return np.sqrt(np.maximum(X.quadratic_diag(V), 0.0))


def scaled_row_se(rows: np.ndarray, V: np.ndarray | None = None, F: np.ndarray | None = None) -> np.ndarray:
    """sqrt(x_i' V x_i) (or ||x_i' F|| for V = F F') of dense ``rows``, each row scaled by a power of two first (its
    largest value's exponent: exact, so the same digits as unscaled) and the square scaled back.  A finite row of
    values beyond 1e154 in size overflowed inside x'V (inf - inf: NaN) where R's sum of squares of x' R^{-1} overflows
    to Inf only; scaled, its square overflows only as R's does (Inf).  Rows holding Inf or NaN are not scaled."""
    with np.errstate(over="ignore", invalid="ignore"):
        _, e = np.frexp(np.max(np.abs(rows), axis=1, initial=0.0))
        e = np.where(np.isfinite(np.max(np.abs(rows), axis=1, initial=0.0)), e, 0)
        u = np.ldexp(rows, -e[:, None])
        if F is not None:
            z = u @ F
            q = np.einsum("ij,ij->i", z, z)
        else:
            q = np.maximum(np.einsum("ij,ij->i", u @ V, u), 0.0)
        return np.sqrt(np.ldexp(q, 2 * e))


def factor_se(X: Design, F: np.ndarray) -> np.ndarray:
    """||x_i' F|| for each row x_i of the design: sqrt(x_i' V x_i) for V = F F', without the cancellation of
    the quadratic form."""
    return np.sqrt(factor_rows_norm2(X, F))


#: A weight small enough that a row's sum of its finite design values times it cannot overflow (each term stays
#: below 1e290): the sum is finite exactly when every value of the row is.
_PROBE = 2.0 ** -64


def nonfinite_rows(X: Design) -> np.ndarray:
    """Positions of the rows of ``X`` holding an infinite or NaN value (``log(x)`` at x = 0, ``exp()`` beyond
    overflow), in one product."""
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(~np.isfinite(X.matvec(np.full(X.n_cols, _PROBE))))


def nonfinite_row_se(rows: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """The link-scale standard error R's ``predict.glm`` gives dense design ``rows`` that hold an infinite or
    NaN value: it sums the squares of x' R^{-1}, R^{-1} upper triangular over the kept columns, so an infinite
    value beyond the first kept column meets a zero of R^{-1} (inf * 0: NaN), and one in the first kept column
    alone makes every product infinite (Inf).  Aliased columns do not enter, as R drops them."""
    xk = rows[:, kept]
    first_only = np.isinf(xk[:, 0]) & np.isfinite(xk[:, 1:]).all(axis=1) if xk.shape[1] else np.zeros(len(rows), bool)
    return np.where(first_only, np.inf, np.nan)


def response_limits(link, eta: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The confidence limits of the mean from those of eta, [lo, hi]: the interval cut to the side of the link's
    domain that holds eta (:func:`~glmstat.links.domain_limits`), then mapped by g^{-1}, which is monotone there.
    Mapping [lo, hi] itself gave, for an interval reaching past 0, limits that do not hold the fit (``sqrt``:
    eta^2 of a negative lower limit) or a single point (a power link: NaN at one limit).  NaN where eta is
    outside the domain, or either limit is NaN."""
    lo, hi = domain_limits(link, eta, lo, hi)
    lo, hi = link.inverse(lo), link.inverse(hi)
    return np.minimum(lo, hi), np.maximum(lo, hi)  # (NaN stays NaN: no half-defined interval)


def _spread(values: np.ndarray, ok: np.ndarray | None) -> np.ndarray:
    """Values of the complete rows placed among all rows (NaN for rows with a missing value)."""
    if ok is None:
        return values
    out = np.full(ok.shape[0], np.nan)
    out[ok] = values
    return out


def aliasing_relations(fit: "GLMResults") -> np.ndarray | None:
    """The fit's aliasing as relations (p x a, None without aliased columns): column k is e_j - c_j for the
    k-th aliased column j, c_j the combination of the kept columns before it that column j is over the rows
    of positive weight (R's rule: a column is aliased on the columns before it), so that x'v = 0 for every
    row of the fit and a new row x is estimable when x'v = 0 for every relation v.  Read from ``fit.aliasing``,
    the relations the fit found (and its AliasingWarning states): no pass over the rows."""
    kept = np.asarray(fit.fit_data.kept)
    aliased = np.flatnonzero(~kept)
    if aliased.size == 0:
        return None
    names = list(fit.column_names)
    position = {name: j for j, name in enumerate(names)}
    frame = fit.model_frame
    intercept = frame.term_columns[frame.term_labels.index("(Intercept)")][0] if frame.has_intercept else None
    stated = {a.column: a for a in fit.aliasing}
    out = np.zeros((len(names), aliased.size))
    for k, j in enumerate(aliased):
        relation = stated.get(names[j])
        if relation is None:  # (no relation stated for it: nothing to check new rows against)
            return None
        out[j, k] = 1.0
        for term, c in zip(relation.terms, relation.coefficients):
            out[position[term], k] = -c
        if relation.constant:
            out[intercept, k] = -relation.constant
    return out


def has_offset_array(fit: "GLMResults") -> bool:
    """Whether the model was fitted with ``offset=`` an array of values (which new data cannot supply): the
    model spec records it."""
    return fit.model_frame.spec.offset_array


def _new_offset(offset: Any, data: pd.DataFrame) -> np.ndarray:
    """``predict(offset=)``: a column of the new data, or one number per new row (NaN allowed: a NaN
    prediction, as a missing value)."""
    n = len(data)
    if isinstance(offset, str):
        if offset not in data.columns:
            close = close_matches(offset, [str(c) for c in data.columns], n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise DataError(f"offset={shown(offset)} names no column of the new data{hint}")
        col = data[offset]
        if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
            raise DataError(f"the offset column {shown(offset)} of the new data must be numeric")
        values = col.to_numpy(dtype=float)
    else:
        if isinstance(offset, pd.Series):
            if not offset.index.equals(data.index):
                if not (offset.index.is_unique and len(offset) == n and offset.index.isin(data.index).all()):
                    raise DataError("offset is a Series whose index does not match the new data's index; align it "
                                    "first or pass its values (s.to_numpy()) to use them by position")
                offset = offset.reindex(data.index)
            offset = offset.to_numpy()
        if not isinstance(offset, (list, tuple, np.ndarray)) or np.ndim(offset) != 1:
            raise DataError(f"offset= must be one number per row of the new data, or a column name; got "
                            f"{type(offset).__name__}")
        arr = np.asarray(offset)
        if arr.dtype.kind not in "fiu":  # booleans, strings and objects are not offsets
            raise DataError(f"offset= must hold numbers only; it holds values of type {arr.dtype}")
        values = arr.astype(float)
        if values.size != n:
            raise DataError(f"offset= has {values.size} values but the new data has {n} rows")
    if np.isinf(values).any():
        raise DataError("the offset of the new data has infinite values (log of zero exposure?)")
    return values


def _offset_source(fit: "GLMResults") -> str:
    spec = fit.model_frame.spec
    if spec.offset_column_arg is not None:
        if spec.offset_node is not None and not isinstance(spec.offset_node, Name):
            return f"offset={shown(spec.offset_column_arg)}, evaluated on the new data"
        return f"the column {shown(spec.offset_column_arg)} of the new data"
    if spec.terms.offsets:
        return "its offset() terms, evaluated on the new data"
    return ""


def _refuse_offset(fit: "GLMResults") -> None:
    """``predict(newdata, offset=)`` of a model whose offset new data supply (or that has none)."""
    where = _offset_source(fit)
    raise DataError("offset= is for a model fitted with offset= an array of values; this model "
                    + (f"takes its offset from {where}" if where else "has no offset"))


def predict(
    fit: "GLMResults",
    newdata: Any = None,
    type: str = "response",
    se_fit: bool = False,
    interval: str | None = None,
    level: float = 0.95,
    offset: Any = None,
) -> pd.Series | pd.DataFrame:
    """Predictions for ``newdata`` (or the training rows); see :meth:`GLMResults.predict`."""
    if not is_one_of(type, _TYPES):
        raise GLMStatError(f"unknown prediction type {shown(type)}; use 'response', 'link' or 'terms'")
    if not is_one_of(interval, _INTERVALS):
        raise GLMStatError(f"unknown interval {shown(interval)}; use None or 'confidence'")
    level = confidence_level(level)
    if not isinstance(se_fit, (bool, np.bool_)):
        raise GLMStatError(f"se_fit must be True or False, got {shown(se_fit)}")
    if type == "terms" and interval is not None:
        raise GLMStatError("interval= is not available with type='terms' (as R's predict.glm); use se_fit=True")
    frame = fit.model_frame
    kept = np.asarray(fit.fit_data.kept)
    V = np.where(np.outer(kept, kept), fit.vcov.to_numpy(), 0.0) if (se_fit or interval is not None) else None
    F = fit.covariance_factor if V is not None else None
    source = fit.fit_data.source
    beta = np.where(kept, fit.coef.to_numpy(), 0.0)
    terms = center = None
    if type == "terms":
        terms = tuple((label, np.asarray(cols, dtype=np.intp))
                      for label, cols in zip(frame.term_labels, frame.term_columns) if label != "(Intercept)")
        center = column_means(source) if frame.has_intercept else None
    rule = Predictor(fit.family, beta, V, type, interval, level, F, kept, terms, center,
                     frozenset() if kept.all() else frame.spec.aliased_only(kept))
    if newdata is None:
        if offset is not None:
            raise DataError("offset= goes with newdata: the fitted rows are predicted with the offset the model "
                            "was fitted with")
        if not frame.in_memory:  # the fitted rows, block by block (a dask collection for a dask fit)
            from .lazy import per_row

            return per_row(source, partial(_block_predictions, rule=rule), rule.columns,
                           max_bytes=frame.spec.limits.max_design_bytes)
        return rule.on(frame.design, frame.offset, None, fit.rows_used)
    # (the columns the model reads, or offset= names: of a dict, an Arrow table or a polars DataFrame, only those)
    named = (offset,) if isinstance(offset, str) else ()
    reads = frozenset((*frame.spec.columns, *frame.spec.offset_columns, *named))
    # (a pyarrow Table, a polars DataFrame: pandas)
    newdata = in_memory_frame(newdata, fit.model_frame.spec.limits, columns=reads)
    if offset is not None and not has_offset_array(fit):  # (in memory or streamed, the same refusal)
        _refuse_offset(fit)
    if is_dask(newdata) or is_path(newdata):
        if offset is not None:
            raise DataError("offset= with streamed new data: put the offset in a column and refit with offset= "
                            "that column's name")
        if has_offset_array(fit):  # (a chunk's rows have no offset to find: they would predict with 0)
            raise DataError(
                "this model was fitted with offset= an array of values, which streamed new data (a Parquet path, a "
                "dask DataFrame) cannot supply: put the offset in a column and refit with offset= that column's "
                "name, or predict new data in memory with predict(newdata, offset=...)")
        from .lazy import per_chunk

        spec = frame.spec
        reads = tuple(dict.fromkeys((*spec.columns, *spec.offset_columns)))
        return per_chunk(newdata, partial(_chunk_predictions, spec=spec, rule=rule), rule.columns, reads=reads,
                         limits=spec.limits)
    data = as_frame(newdata, name="newdata", allow_empty=True, columns=reads)  # (no rows: none predicted, as R)
    extra = None
    if has_offset_array(fit):
        if offset is None:
            raise DataError(
                "this model was fitted with offset= an array of values, which new data cannot supply; give "
                "the offset of the new rows: predict(newdata, offset=<one value per row, or a column name "
                "of newdata>)")
        extra = _new_offset(offset, data)
    relations = None if kept.all() else aliasing_relations(fit)
    step = predict_block_rows(beta.size)
    blocks = _blocked_predictions(data, step, partial(_frame_predictions, spec=frame.spec, rule=rule,
                                                      relations=relations), extra)
    prediction, rows, columns = blocks
    if relations is not None:
        _warn_not_estimable(rows, columns, kept, fit.column_names)
    return prediction


#: Cells (rows x design columns) of a block of in-memory new data encoded and predicted at once (128 MB of a dense
#: design), and at most ``PREDICT_BLOCK_ROWS`` rows: a frame of 50 million rows predicted whole held 2.3 GB of
#: temporaries beside its 400 MB of predictions.
PREDICT_BLOCK_CELLS = 2**24
PREDICT_BLOCK_ROWS = 2**18


def predict_block_rows(width: int) -> int:
    """Rows of new data encoded and predicted at once for a design ``width`` columns wide."""
    return max(1, min(PREDICT_BLOCK_ROWS, PREDICT_BLOCK_CELLS // max(int(width), 1)))


def _frame_predictions(data: pd.DataFrame, spec, rule: "Predictor", extra: np.ndarray | None,
                       relations: np.ndarray | None) -> tuple[pd.Series | pd.DataFrame, int, np.ndarray | None]:
    """The predictions of the rows of an in-memory frame of new data (``extra``: the offset given to
    ``predict``, its rows), with the number of them that are not estimable and the aliased columns whose
    relations they break (:func:`_not_estimable`; 0 and None for a model without aliased columns)."""
    X, off, ok = spec.encode(data, *column_names(data), offset_completes=False, aliased_only=rule.aliased_only)
    if extra is not None:
        off = off + extra
    rows, columns = _not_estimable(X, relations) if relations is not None else (0, None)
    return rule.on(X, off, ok, data.index), rows, columns


def _blocked_predictions(data: pd.DataFrame, step: int, predict_rows, extra: np.ndarray | None
                         ) -> tuple[pd.Series | pd.DataFrame, int, np.ndarray | None]:
    """``predict_rows(block, extra=...)`` over blocks of at most ``step`` rows of ``data`` (one block: its
    result as it is), written into one output indexed like ``data``, each distinct warning of the blocks given
    once; with the blocks' counts of rows not estimable added and their broken relations or-ed.  An output
    memory cannot hold is refused naming the rows."""
    n = len(data)
    if n <= step:
        return predict_rows(data, extra=extra)
    out: dict[Any, np.ndarray] = {}
    first = None
    total, broken = 0, None
    seen: dict[tuple[type, str], Warning] = {}
    for start in range(0, n, step):
        stop = min(n, start + step)
        with warnings.catch_warnings(record=True) as caught:
            part, rows, columns = predict_rows(data.iloc[start:stop],
                                               extra=None if extra is None else extra[start:stop])
        for w in caught:
            seen.setdefault((w.category, str(w.message)), w.message)
        total += rows
        if columns is not None:
            broken = columns if broken is None else broken | columns
        table = part.to_frame() if isinstance(part, pd.Series) else part
        if first is None:
            first = part
            try:
                out = {c: np.empty(n, dtype=table[c].dtype) for c in table.columns}
            except MemoryError:
                raise DataError(f"the predictions of newdata's {n:,} rows ({table.shape[1]} column(s), "
                                f"{8 * n * table.shape[1] / 2**20:,.0f} MB) do not fit in memory; predict its "
                                "rows in parts") from None
        for c in table.columns:
            out[c][start:stop] = table[c].to_numpy()
    for message in seen.values():
        warn_user(str(message), type(message))
    if isinstance(first, pd.Series):
        return Column(out[first.name], index=data.index, name=first.name, copy=False), total, broken
    result = pd.DataFrame(out, index=data.index, copy=False)
    result.attrs.update(first.attrs)
    return result, total, broken


def _block_column_sums(b) -> np.ndarray:
    return b.X.rmatvec(np.ones(b.X.n_rows))


def column_means(source) -> np.ndarray:
    """The design's column means over the rows used (R's ``colMeans(model.matrix(fit))``), one pass."""
    return fold(source, _block_column_sums, operator.add, np.zeros(source.n_cols)) / max(source.n_rows, 1)


def broken_relations(X: Design, relations: np.ndarray) -> np.ndarray:
    """Rows x relations: where a row of ``X`` breaks a relation v (:func:`aliasing_relations`),
    |x'v| > ESTIMABLE_TOL ||v|| ||x_S||."""
    V = relations
    with np.errstate(invalid="ignore"):
        gap = np.abs(X.matmat(V))
        size = np.column_stack([np.sqrt(X.quadratic_diag(np.diag((V[:, k] != 0).astype(float))))
                                for k in range(V.shape[1])]) * np.linalg.norm(V, axis=0)
        return gap > ESTIMABLE_TOL * size


def _not_estimable(X: Design, relations: np.ndarray) -> tuple[int, np.ndarray]:
    """The number of rows of ``X`` that are not estimable and, by aliased column, whether one breaks its
    relation (see the module docstring)."""
    broken = broken_relations(X, relations)
    return int(broken.any(axis=1).sum()), broken.any(axis=0)


def _warn_not_estimable(rows: int, columns: np.ndarray, kept: np.ndarray, names: list[str]) -> None:
    """An ``AliasingWarning`` when ``rows`` rows of new data are not estimable, breaking the relations of the
    aliased ``columns`` (a mask of them)."""
    if not rows:
        return
    aliased = [names[j] for j in np.flatnonzero(~kept)[columns]]
    warn_user(
        f"{rows} row(s) of the new data are not estimable from this fit: their values of the aliased column(s) "
        f"{shown_items(aliased)} are missing or not the combination of the other columns that they are in the rows "
        "the model was fitted to (with positive weight), so their predictions are those with the aliased "
        "coefficients set to 0 (as R's), which the data do not determine", AliasingWarning)


@dataclass(frozen=True)
class Predictor:
    """How to predict from encoded rows: the family, the coefficients ``beta`` (0 where aliased), the
    covariance ``V`` (zero where aliased; None without standard errors), the scale, the interval and its
    level.  A small value, shipped to a cluster's workers for streamed data."""

    family: Any
    beta: np.ndarray
    V: np.ndarray | None
    type: str
    interval: str | None
    level: float
    #: V = F F' (p x rank): the standard errors as ||x' F||, without the quadratic form's cancellation; None:
    #: from V
    F: np.ndarray | None = None
    #: the columns that are not aliased (None: all)
    kept: np.ndarray | None = None
    #: (type "terms") each term's label and design columns, and the columns' means that centre them (None: no
    #: intercept, no centring)
    terms: tuple[tuple[str, np.ndarray], ...] | None = None
    center: np.ndarray | None = None
    #: the variables that enter aliased columns only (ModelSpec.aliased_only): a new row missing one is predicted
    aliased_only: frozenset = frozenset()

    @property
    def constant(self) -> float:
        """(type "terms") the intercept's share of eta, a'b: the terms, it and the offset add up to eta."""
        return 0.0 if self.center is None else float(self.center @ self.beta)

    @property
    def columns(self) -> tuple[str, ...] | str:
        """The output's columns (a DataFrame), or ``"fit"`` (a Series)."""
        if self.type == "terms":
            labels = tuple(label for label, _ in self.terms)
            return labels if self.V is None else labels + tuple(f"se({label})" for label in labels)
        if self.V is None:
            return "fit"
        return ("fit", "se", "lower", "upper") if self.interval == "confidence" else ("fit", "se")

    def on(self, X: Design, off: np.ndarray, ok: np.ndarray | None, index: pd.Index) -> pd.Series | pd.DataFrame:
        """Predictions for the rows of ``X`` (complete rows ``ok`` among ``index``; None: all)."""
        with np.errstate(invalid="ignore", over="ignore"):  # (a row with an infinite value: inf - inf is NaN)
            return self._on(X, off, ok, index)

    def _on(self, X: Design, off: np.ndarray, ok: np.ndarray | None, index: pd.Index) -> pd.Series | pd.DataFrame:
        if self.type == "terms":
            return self._terms(X, ok, index)
        raw = X.matvec(self.beta)
        eta = _spread(raw, ok) + off  # rows with a missing value stay NaN
        link = self.family.link
        fitted = eta if self.type == "link" else link.inverse(eta)
        if self.V is None:  # (printable as returned: a one-row prediction makes no second Series)
            return Column(fitted, index=index, name="fit", copy=False)
        se_rows = linear_predictor_se(X, self.V) if self.F is None else factor_se(X, self.F)
        # (a non-finite value makes x'b non-finite, beta being finite: only then is the design probed, not on
        # every one-row prediction)
        bad = nonfinite_rows(X) if not np.isfinite(raw).all() else ()
        overflowed = np.isnan(se_rows)  # (a finite row whose products with V overflowed: scaled, R's Inf)
        if overflowed.any() and np.isfinite(self.V).all():
            overflowed[np.asarray(bad, dtype=np.intp)] = False
            redo = np.flatnonzero(overflowed)
            se_rows[redo] = scaled_row_se(X.take(redo).toarray(), self.V, self.F)
        if len(bad):
            kept = np.ones(X.n_cols, dtype=bool) if self.kept is None else self.kept
            se_rows[bad] = nonfinite_row_se(X.take(bad).toarray(), kept)
        se_link = _spread(se_rows, ok)
        se = se_link if self.type == "link" else np.abs(link.mu_eta(eta)) * se_link
        out = {"fit": fitted, "se": se}
        if self.interval == "confidence":
            z = interval_quantile(self.level)
            lo, hi = eta - z * se_link, eta + z * se_link
            if self.type == "response":
                lo, hi = response_limits(link, eta, lo, hi)
            out.update(lower=lo, upper=hi)
        return pd.DataFrame(out, index=index)

    def _terms(self, X: Design, ok: np.ndarray | None, index: pd.Index) -> pd.DataFrame:
        """Each term's centred share of eta (x_J - a_J)'b_J and (with V) its standard error, the rows of a
        term's columns taken dense a bounded chunk at a time: R's (X_J - a_J) R^{-1}, with no cancellation of a
        column's mean (a calendar year's, 2005, against its spread)."""
        out = {}
        ses = {}
        for label, cols in self.terms:
            b = self.beta[cols]
            a = np.zeros(cols.size) if self.center is None else self.center[cols]
            part = X.select(cols)
            out[label] = _spread(part.matvec(b) - float(a @ b), ok)
            if self.V is not None:
                VJ = self.V[np.ix_(cols, cols)]
                se = np.empty(X.n_rows)
                step = rows_within(cols.size)
                for start in range(0, X.n_rows, step):
                    rows = part.take(np.arange(start, min(X.n_rows, start + step))).toarray() - a
                    se[start:start + step] = scaled_row_se(rows, VJ)
                ses[f"se({label})"] = _spread(se, ok)
        table = pd.DataFrame({**out, **ses}, index=index)
        table.attrs["constant"] = self.constant
        return table


def _block_predictions(b, rule: Predictor) -> pd.Series | pd.DataFrame:
    """The predictions of a block of the fitted rows."""
    return rule.on(b.X, b.offset, None, b.index if b.index is not None else pd.RangeIndex(b.y.shape[0]))


def _chunk_predictions(chunk: pd.DataFrame, spec, rule: Predictor) -> pd.Series | pd.DataFrame:
    """The predictions of a chunk of new data (a partition, a row group)."""
    X, off, ok = spec.encode(chunk, *column_names(chunk), offset_completes=False, aliased_only=rule.aliased_only)
    return rule.on(X, off, ok, chunk.index)
