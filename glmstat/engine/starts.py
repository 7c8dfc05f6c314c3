"""Starting coefficients that are not a fit's own: the weighted least squares of a working response.

* :func:`start_coefficients` -- of the starting linear predictor itself, at R's starting means (where a first
  step that leaves the domain by rounding is shortened back towards);
* :func:`fitted_means_start` -- a submodel's first scoring step from another fit's fitted means, R's
  ``glm(..., mustart = fitted(fit))`` (where neither the family's starting means nor the fit's coefficients
  start the null model or an anova submodel).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..design.sources import DesignSource, fold
from ..families import Family
from .kernel import kernel_for
from .passes import add_parts
from .scoring_pass import factor_of, scoring_pass

__all__ = ["start_coefficients", "fitted_means_start"]


def start_coefficients(source: DesignSource, family: Family, kernel, kept: np.ndarray, use_qr: bool,
                       max_cond: float) -> np.ndarray | None:
    """The weighted least-squares coefficients of the starting linear predictor itself (working weights those
    of R's starting means; 0 where not ``kept``), or None where that pass gives no factor."""
    start = scoring_pass(source, family, None, use_qr, kernel, working=False)
    fac = factor_of(start, kept, max_cond) if start.valid else None
    return None if fac is None else np.where(kept, fac.step, 0.0)


def _fitted_means_part(b, kernel, beta: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A block's (X_c'WX_c, X_c'Wz) at eta = X beta + offset."""
    with np.errstate(all="ignore"):
        eta = b.X.matvec(beta) + b.offset
        wk = kernel(b.y, b.weights, eta)
        z = eta - b.offset + wk.r
        z[~(wk.W > 0)] = 0.0  # (the one zero-weight rule: no working response where the weight is 0)
        return b.X.select(cols).gram_score(wk.W, z)


def fitted_means_start(source: DesignSource, family: Family, beta: np.ndarray, cols: np.ndarray
                       ) -> np.ndarray | None:
    """The first scoring step, on the design columns ``cols``, from the means of the coefficients ``beta`` (on
    all the columns; 0 where aliased):

        b = (X_c' W X_c)^{-1} X_c' W z,   z = eta - offset + (y - mu) / (d mu/d eta),   eta = X beta + offset,

    W the working weights at those means -- the step R's ``glm.fit`` takes first from ``mustart = fitted(fit)``.
    For the intercept alone, b = sum W z / sum W.  None where X_c'WX_c is singular or the step is not finite."""
    p = cols.size
    part = partial(_fitted_means_part, kernel=kernel_for(family), beta=beta, cols=cols)
    G, u = fold(source, part, add_parts, (np.zeros((p, p)), np.zeros(p)))
    try:
        with np.errstate(all="ignore"):
            b = np.linalg.solve(G, u)
    except np.linalg.LinAlgError:
        return None
    return b if np.isfinite(b).all() else None
