"""Randomized quantile residuals (Dunn and Smyth 1996), as statmod's ``qresiduals``.

For row i with fitted mean mu_i, prior weight w_i and the fit's dispersion phi (Pearson's estimate, as
``summary.glm``; 1 for binomial, Poisson, negative binomial), F_i the distribution function of the response
under the model (:meth:`glmstat.families.Family.cdf`):

    a_i = F_i(y_i-) = P(Y < y_i),   b_i = F_i(y_i) = P(Y <= y_i),   u_i ~ Uniform(a_i, b_i),   r_i = Phi^{-1}(u_i).

For a continuous family a_i = b_i and r_i is exact (no randomness); for discrete ones (binomial, Poisson,
negative binomial, Tweedie's zeros) u_i is drawn with ``seed``.  When the model is right the r_i are
independent standard normal.  Above the median r_i = -Phi^{-1}(1 - u_i), computed from the upper tail so that
large residuals keep their accuracy.  Rows with zero weight give NaN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special

from ..errors import DataError
from .fit_access import response

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["quantile_residuals"]


def quantile_residuals(fit: "GLMResults", seed: int | np.random.Generator | None = None) -> pd.Series:
    """The randomized quantile residuals of ``fit`` (see the module docstring)."""
    fam = fit.family
    y, w, _ = response(fit)
    mu = fit.fitted_values.to_numpy()
    pos = w > 0
    if fam.binomial_response and np.any(np.abs(w[pos] - np.round(w[pos])) > 1e-8 * np.maximum(w[pos], 1)):
        raise DataError("quantile residuals of a binomial fit need whole numbers of trials (the weights)")
    phi = fit.dispersion
    yp, mp, wp = y[pos], mu[pos], w[pos]
    with np.errstate(all="ignore"):
        a, b = fam.cdf(yp, mp, wp, phi)
        above, at_or_above = fam.cdf(yp, mp, wp, phi, upper=True)
    rng = np.random.default_rng(seed)
    v = rng.uniform(size=yp.size)
    u = a + v * (b - a)  # P(Y < y) + v P(Y = y)
    s = at_or_above - v * (at_or_above - above)  # 1 - u, from the upper tail
    r = np.full(y.shape, np.nan)
    with np.errstate(divide="ignore"):
        r[pos] = np.where(u < 0.5, special.ndtri(u), -special.ndtri(s))
    return pd.Series(r, index=fit.rows_used, name="resid_quantile")
