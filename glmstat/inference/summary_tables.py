"""The numbers of ``summary.glm``'s options: the coefficient table at a known dispersion, and the correlation
of the estimates.

* ``summary(fit, dispersion = phi)``: the dispersion taken as known, so the tests are normal whatever the
  family (R: ``est.disp`` false, "z value"):

      se_j = sqrt(phi [(X'WX)^{-1}]_jj),   z_j = b_j / se_j,   p_j = 2 (1 - Phi(|z_j|)).

* ``summary(fit, correlation = TRUE)``: the correlation of the estimated (not aliased) coefficients,

      r_jk = V_jk / sqrt(V_jj V_kk),

  from the covariance the fit reports (the scale cancels: R's unscaled (X'WX)^{-1}; a sandwich fit's own
  matrix).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._arguments import shown
from ..distributions import normal_sf
from ..errors import GLMStatError

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["known_dispersion_table", "coefficient_correlation", "MAX_CORRELATION"]

#: The most coefficients whose correlation matrix the summary shows: its cells are text, a million at this
#: size (R prints any; 5,000 columns would be 25 million strings, gigabytes)
MAX_CORRELATION = 1000


def known_dispersion_table(fit: "GLMResults", dispersion: float) -> pd.DataFrame:
    """The coefficient table (estimate, std_error, statistic, p_value; NaN where aliased) with the
    dispersion ``dispersion`` taken as known: z statistics and normal p-values (see the module docstring).
    Refused for a sandwich covariance, which no dispersion scales."""
    if fit.covariance_type != "model":
        raise GLMStatError(f"dispersion= scales the model-based covariance phi (X'WX)^-1; this fit's covariance is "
                           f"a sandwich ({fit.covariance_type}): take the summary of the model-based fit")
    coef = fit.coef.to_numpy(dtype=float)
    unscaled = np.diagonal(fit.fit_data.cov_unscaled)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        variance = dispersion * unscaled
        # (5e-324 made a slope's variance 0: a standard error of 0 and a z value of Inf, silently; 1e-320 subnormal
        # variances of a few digits; 1e308 infinite ones)
        lost = np.flatnonzero(np.isfinite(unscaled) & (unscaled > 0)
                              & ~((variance >= np.finfo(float).tiny) & (variance < np.inf)))
    if lost.size:
        k = int(lost[0])
        raise GLMStatError(f"dispersion={dispersion:g}: the variance of {shown(fit.coef.index[k])}, the dispersion "
                           f"times its unscaled variance {unscaled[k]:.6g}, is not a normal double (it is "
                           f"{variance[k]:.6g}); give a dispersion within double precision of these variances")
    with np.errstate(invalid="ignore"):
        se = np.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = coef / se
    return pd.DataFrame({"estimate": coef, "std_error": se, "statistic": z, "p_value": 2.0 * normal_sf(np.abs(z))},
                        index=fit.coef.index)


def coefficient_correlation(fit: "GLMResults") -> pd.DataFrame:
    """The correlation matrix of the estimated coefficients (the aliased ones left out, as R's
    ``summary.glm(correlation = TRUE)``), from the fit's covariance: the model's (X'WX)^{-1}, or a
    sandwich fit's matrix."""
    kept = ~np.isnan(fit.coef.to_numpy(dtype=float))
    if kept.sum() > MAX_CORRELATION:
        raise GLMStatError(f"the correlation of {int(kept.sum()):,} coefficients would be {int(kept.sum()) ** 2:,} "
                           f"cells of text; summary(correlation=True) shows at most {MAX_CORRELATION:,} coefficients "
                           "(fit.vcov is the covariance matrix, as numbers)")
    cov = fit.fit_data.cov_unscaled if fit.covariance_type == "model" else fit.vcov.to_numpy(dtype=float)
    v = np.asarray(cov, dtype=float)[np.ix_(kept, kept)]
    sd = np.sqrt(np.diagonal(v))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = v / np.multiply.outer(sd, sd)
    names = fit.coef.index[kept]
    return pd.DataFrame(r, index=names, columns=names)
