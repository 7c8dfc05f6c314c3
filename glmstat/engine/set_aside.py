"""Columns one pass's factor sets aside while the coefficients use them: working weights that vanish where the
linear predictor runs off make a column look aliased that the design does not alias (:func:`set_aside_in_use`),
and R's ``glm.fit``, solving each iteration for the coefficients themselves, gives such a column 0 and the kept
columns its share of the linear predictor (:func:`absorbed_by_kept`: ``convergence="R"``'s step, and the leap
out of a run-off, :mod:`glmstat.engine.run_off`)."""

from __future__ import annotations

import operator
from functools import partial

import numpy as np

from ..design.sources import DesignSource, fold
from .linalg import StepFactor

__all__ = ["absorbed_by_kept", "set_aside_in_use"]


def _block_weighted_eta(b, kernel, beta: np.ndarray) -> np.ndarray:
    """The block's share of X'W (eta - offset), W the working weights at ``beta``."""
    eta = b.X.matvec(beta)
    W = kernel(b.y, b.weights, eta + b.offset).W
    return b.X.rmatvec(np.where(W > 0, W * eta, 0.0))


def absorbed_by_kept(source: DesignSource, kernel, new: np.ndarray, beta: np.ndarray, fac: StepFactor
                     ) -> np.ndarray:
    """The coefficients after the step ``new = beta + step`` when ``fac`` sets aside columns A (at
    ``convergence="R"``, where they are those of R's QR): 0 for them, and the kept columns K take over their share
    of the linear predictor, as R's glm.fit gives them.

    R solves each iteration's least squares for the coefficients themselves, on the working response
    z = eta - offset + r (r the working residual), whose eta still includes X_A b_A, and gives A coefficient 0:

        b_K' = (X_K'WX_K)^{-1} X_K'W (eta - offset) + step_K   (step = new - beta).

    Where the columns were set aside already (b_A = 0) that is b_K + step_K.  A column aliased in this pass only,
    under weights that vanish where the estimate runs off (a cauchit level of 1s: intercept 2e7, its contrast
    -2e7), carries b_A: setting it to 0 alone left the intercept at 2e7 for every level (a deviance of 289 for
    R's 36.6).  X_K'W (eta - offset) takes one pass, each row's eta formed first, as R forms it; adding the
    projection of X_A b_A to b_K instead cancels numbers of 2e7 in the coefficients (3e-7 of them lost).
    """
    k = fac.kept
    if not np.any(beta[~k] != 0):
        out = new.copy()
        out[~k] = 0.0
        return out
    xwe = fold(source, partial(_block_weighted_eta, kernel=kernel, beta=beta), operator.add, np.zeros(beta.size))
    out = np.zeros_like(new)
    # (an inverse overflowed by vanishing weights holds inf, as linalg._qr_inverse leaves it: the pass at the result
    # judges the step, and no numpy warning may reach the user)
    with np.errstate(over="ignore", invalid="ignore"):
        out[k] = fac.inv @ xwe[k] + (new[k] - beta[k])
    return out


def set_aside_in_use(beta: np.ndarray, fac: StepFactor, prev_fac: StepFactor | None) -> bool:
    """Does ``fac`` (the factor at ``beta``) set aside a column that ``beta`` uses (b_j != 0) and that the step
    which made ``beta`` kept (``prev_fac``)?  Then the column is aliased only under the working weights at
    ``beta``, not in the design: weights that vanish where the linear predictor runs off."""
    used = ~fac.kept & (beta != 0)
    return bool(used.any()) and prev_fac is not None and bool(prev_fac.kept[used].all())
