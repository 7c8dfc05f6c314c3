"""Generalized variance-inflation factors (Fox and Monette 1992), as ``car::vif`` computes them for a glm.

With R the correlation matrix of the estimates without the intercept (from the fit's covariance V) and, for
a term T with df columns, R_TT its block and R_OO the block of every other column:

    GVIF_T = det(R_TT) det(R_OO) / det(R),     gvif_adj = GVIF_T^(1 / (2 df)).

For a one-column term this is the usual VIF 1 / (1 - R^2_j); gvif_adj is comparable across terms of
different sizes (the factor by which the confidence ellipsoid's linear size is inflated).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import GLMStatError, GLMStatWarning
from .fit_access import structure

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["vif"]


def _logdet(M: np.ndarray) -> float:
    if M.size == 0:
        return 0.0
    sign, value = np.linalg.slogdet(M)
    return value if sign > 0 else -np.inf


def vif(fit: "GLMResults") -> pd.DataFrame:
    """GVIF, df and GVIF^(1/(2 df)) by term (see the module docstring).

    Raises
    ------
    GLMStatError
        With fewer than two terms, or aliased coefficients (their variance is not defined; car refuses too).
    """
    st = structure(fit)
    if len(st.labels) < 2:
        raise GLMStatError("variance-inflation factors need a model with at least 2 terms")
    if fit.aliased:
        raise GLMStatError(f"variance-inflation factors are not defined with aliased coefficients "
                           f"({', '.join(fit.aliased)} {'is' if len(fit.aliased) == 1 else 'are'} a linear "
                           "combination of other columns: an infinite inflation); remove the aliased term first")
    if not st.intercept_columns:
        warnings.warn("no intercept: variance-inflation factors may not be sensible (as car warns)",
                      GLMStatWarning, stacklevel=3)
    V = fit.vcov.to_numpy()
    keep = np.setdiff1d(np.arange(V.shape[0]), st.intercept_columns)
    V = V[np.ix_(keep, keep)]
    sd = np.sqrt(np.diag(V))
    R = V / np.outer(sd, sd)
    position = {c: i for i, c in enumerate(keep)}
    whole = _logdet(R)
    gvif, df = [], []
    for cols in st.columns:
        mine = np.array([position[c] for c in cols])
        rest = np.setdiff1d(np.arange(len(keep)), mine)
        gvif.append(float(np.exp(_logdet(R[np.ix_(mine, mine)]) + _logdet(R[np.ix_(rest, rest)]) - whole)))
        df.append(len(cols))
    gvif, df = np.asarray(gvif), np.asarray(df, dtype=float)
    table = pd.DataFrame({"gvif": gvif, "df": df, "gvif_adj": gvif ** (1.0 / (2.0 * df))},
                         index=pd.Index(list(st.labels), name="term"))
    table.attrs["heading"] = "Generalized variance-inflation factors"
    return table
