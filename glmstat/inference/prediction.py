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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from .._scipy import stats

from ..design.base import Design
from ..errors import GLMStatError
from ..formula.frame import as_frame, encode_new_data

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["predict", "linear_predictor_se"]

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


def predict(
    fit: "GLMResults",
    newdata: Any = None,
    type: str = "response",
    se_fit: bool = False,
    interval: str | None = None,
    level: float = 0.95,
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
        X, offset, ok, index = frame.design, frame.offset, None, fit.rows_used
    else:
        X, offset, ok = encode_new_data(frame.spec, newdata)
        index = as_frame(newdata).index
    kept = np.asarray(fit.fit_data.kept)
    b = np.where(kept, fit.coef.to_numpy(), 0.0)
    eta = _spread(X.matvec(b), ok) + offset  # rows with a missing value stay NaN
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
