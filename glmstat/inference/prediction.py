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
from scipy import stats

from ..errors import GLMStatError
from ..formula.frame import as_frame, encode_new_data

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["predict", "linear_predictor_se"]

_TYPES = ("response", "link")
_INTERVALS = (None, "confidence")
_BLOCK_ROWS = 65536


def linear_predictor_se(X: np.ndarray, V: np.ndarray) -> np.ndarray:
    """sqrt(x_i' V x_i) for each row x_i of X, in row blocks (never an n x n matrix)."""
    out = np.empty(X.shape[0])
    for s in range(0, X.shape[0], _BLOCK_ROWS):
        Xb = X[s:s + _BLOCK_ROWS]
        out[s:s + _BLOCK_ROWS] = np.sqrt(np.maximum(np.einsum("ij,ij->i", Xb @ V, Xb), 0.0))
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
        X, offset, index = frame.X, frame.offset, fit.rows_used
    else:
        X, offset, _ = encode_new_data(frame.spec, newdata)
        index = as_frame(newdata).index
    kept = np.asarray(fit._state.kept)
    Xk = X[:, kept]
    b = fit.coef.to_numpy()[kept]
    eta = Xk @ b + offset  # NaN rows of X (missing values) stay NaN
    link = fit.family.link
    fitted = eta if type == "link" else link.inverse(eta)
    if not se_fit and interval is None:
        return pd.Series(fitted, index=index, name="fit")
    V = fit.vcov.to_numpy()[np.ix_(kept, kept)]
    se_link = linear_predictor_se(Xk, V)
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
