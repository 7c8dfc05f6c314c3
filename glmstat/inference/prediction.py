"""Predictions from a fitted GLM, with delta-method standard errors and confidence intervals.

For a row x of the design (encoded like the training data) and offset o, with b the coefficients (aliased
ones count as 0) and V the covariance of the estimates (restricted to the kept columns; the model-based
phi (X'WX)^{-1}, or the sandwich matrix of a :meth:`GLMResults.robust` result):

* link scale       eta = x'b + o,             se = sqrt(x' V x)
* response scale   mu = g^{-1}(eta),          se = |d mu / d eta| se_link   (R's ``predict.glm``)
* intervals        g^{-1}(eta -/+ z se_link) with z the normal quantile (as ``confint.default``); on the
                   link scale eta -/+ z se_link.  Computed on the link scale so they respect the range
                   of the mean; for a decreasing inverse link the limits are reordered.

R's ``predict.glm`` uses the model's dispersion (1 for binomial, Poisson and negative binomial) for the
standard errors, and so does this.  Rows of ``newdata`` with a missing value give NaN and keep their index.

The offset o of new rows is what the model's formula and data give: ``offset()`` terms and an ``offset=``
column name are evaluated on ``newdata``.  An offset given to ``glm`` as an array of values cannot be
evaluated on new rows, so ``predict(newdata)`` of such a model needs it again (``offset=``: one value per new
row, or a column of ``newdata``) and refuses without it, rather than predicting as if it were 0.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from .._scipy import stats

from ..design.base import Design
from ..errors import DataError, GLMStatError
from ..formula.frame import as_frame, encode_new_data

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["predict", "linear_predictor_se", "has_offset_array"]

_TYPES = ("response", "link")
_INTERVALS = (None, "confidence")


def linear_predictor_se(X: Design, V: np.ndarray) -> np.ndarray:
    """sqrt(x_i' V x_i) for each row x_i of the design (V p x p, zero where aliased); never an n x n matrix,
    never the dense design."""
    return np.sqrt(np.maximum(X.quadratic_diag(V), 0.0))


def _spread(values: np.ndarray, ok: np.ndarray | None) -> np.ndarray:
    """Values of the complete rows placed among all rows (NaN for rows with a missing value)."""
    if ok is None:
        return values
    out = np.full(ok.shape[0], np.nan)
    out[ok] = values
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
            close = difflib.get_close_matches(offset, [str(c) for c in data.columns], n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise DataError(f"offset={offset!r} names no column of the new data{hint}")
        col = data[offset]
        if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
            raise DataError(f"the offset column {offset!r} of the new data must be numeric")
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
        return f"the column {spec.offset_column_arg!r} of the new data"
    if spec.terms.offsets:
        return "its offset() terms, evaluated on the new data"
    return ""


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
    if type not in _TYPES:
        raise GLMStatError(f"unknown prediction type {type!r}; use 'response' or 'link'")
    if interval not in _INTERVALS:
        raise GLMStatError(f"unknown interval {interval!r}; use None or 'confidence'")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not (0 < level < 1):
        raise GLMStatError(f"level must be between 0 and 1, got {level!r}")
    frame = fit.model_frame
    if newdata is None:
        if offset is not None:
            raise DataError("offset= goes with newdata: the fitted rows are predicted with the offset the model "
                            "was fitted with")
        X, off, ok, index = frame.design, frame.offset, None, fit.rows_used
    else:
        X, off, ok = encode_new_data(frame.spec, newdata)
        data = as_frame(newdata)
        index = data.index
        if has_offset_array(fit):
            if offset is None:
                raise DataError(
                    "this model was fitted with offset= an array of values, which new data cannot supply; give "
                    "the offset of the new rows: predict(newdata, offset=<one value per row, or a column name "
                    "of newdata>)")
            off = off + _new_offset(offset, data)
        elif offset is not None:
            source = _offset_source(fit)
            raise DataError("offset= is for a model fitted with offset= an array of values; this model "
                            + (f"takes its offset from {source}" if source else "has no offset"))
    kept = np.asarray(fit.fit_data.kept)
    b = np.where(kept, fit.coef.to_numpy(), 0.0)
    eta = _spread(X.matvec(b), ok) + off  # rows with a missing value stay NaN
    link = fit.family.link
    fitted = eta if type == "link" else link.inverse(eta)
    if not se_fit and interval is None:
        return pd.Series(fitted, index=index, name="fit")
    V = np.where(np.outer(kept, kept), fit.vcov.to_numpy(), 0.0)
    se_link = _spread(linear_predictor_se(X, V), ok)
    with np.errstate(invalid="ignore"):
        se = se_link if type == "link" else np.abs(link.mu_eta(eta)) * se_link
    out = {"fit": fitted, "se": se}
    if interval == "confidence":
        z = stats.norm.ppf(0.5 + level / 2)
        lo, hi = eta - z * se_link, eta + z * se_link
        if type == "response":
            lo, hi = link.inverse(lo), link.inverse(hi)
            lo, hi = np.fmin(lo, hi), np.fmax(lo, hi)
            lo[np.isnan(eta)] = hi[np.isnan(eta)] = np.nan
        out.update(lower=lo, upper=hi)
    return pd.DataFrame(out, index=index)
