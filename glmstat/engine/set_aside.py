"""Columns one pass's factor sets aside while the coefficients use them: working weights that vanish where the
linear predictor runs off make a column look aliased that the design does not alias (:func:`set_aside_in_use`),
and R's ``glm.fit``, solving each iteration for the coefficients themselves, gives such a column 0 and the kept
columns its share of the linear predictor (:func:`absorbed_by_kept`: ``convergence="R"``'s step, and the leap
out of a run-off, :mod:`glmstat.engine.run_off`)."""

from __future__ import annotations

from functools import partial

import numpy as np

from .._scipy import linalg as sla
from ..design.sources import DesignSource, fold
from .linalg import QRReducer, StepFactor

__all__ = ["absorbed_by_kept", "set_aside_in_use"]


def _block_working_rows(b, kernel, beta: np.ndarray) -> QRReducer:
    """The block's share of the triangular factor of sqrt(W) [X | z], W the working weights at ``beta`` and
    z = eta - offset + r the working response (r the working residual), each row's formed as R's glm.fit forms it."""
    eta = b.X.matvec(beta)
    wk = kernel(b.y, b.weights, eta + b.offset)
    use = wk.W > 0
    red = QRReducer(beta.size)
    with np.errstate(invalid="ignore"):  # (no residual where the working weight is 0, as in a scoring pass)
        red.add(b.X, np.where(use, wk.W, 0.0), np.where(use, eta + wk.r, 0.0))
    return red


def absorbed_by_kept(source: DesignSource, kernel, new: np.ndarray, beta: np.ndarray, fac: StepFactor
                     ) -> np.ndarray:
    """The coefficients after the step ``new = beta + step`` when ``fac`` sets aside columns A (at
    ``convergence="R"``, where they are those of R's QR): 0 for them, and the kept columns K take over their share
    of the linear predictor, as R's glm.fit gives them.

    R solves each iteration's least squares for the coefficients themselves, on the working response
    z = eta - offset + r (r the working residual), whose eta still includes X_A b_A, and gives A coefficient 0:
    b_K' is the least-squares solution of sqrt(W) X_K b = sqrt(W) z.  Where the columns were set aside already
    (b_A = 0) that is b_K + step_K.  A column aliased in this pass only, under weights that vanish where the
    estimate runs off (a cauchit level of 1s: intercept 2e7, its contrast -2e7), carries b_A: setting it to 0 alone
    left the intercept at 2e7 for every level (a deviance of 289 for R's 36.6).  The solution takes one pass, each
    row's z formed first, as R forms it, reducing the triangular factor of sqrt(W) [X | z] as a QR pass does (adding
    the projection of X_A b_A to b_K instead cancels numbers of 2e7 in the coefficients, 3e-7 of them lost), and is
    read from that factor on the kept columns.  Not from X_K'W z and (X_K'WX_K)^{-1}: where the weights span 1e22 (a
    cauchit run-off's vanish as |eta|^-3) the inverse's entries are 1e22, and its products cancel to coefficients of
    1e7 off by eps times 1e22: cells of a run-off that R's leap moves together (their sums are the other cells'
    fitted values) came apart by multiples of 2^19, rows of 1 at eta = -5e5, a deviance of 239.87 where R leaps to
    99.87 (random s802_0256 over blocks of 16 rows; tests/fixtures/rdefault_held_out)."""
    k = fac.kept
    if not np.any(beta[~k] != 0):
        out = new.copy()
        out[~k] = 0.0
        return out
    red = fold(source, partial(_block_working_rows, kernel=kernel, beta=beta), QRReducer.merge, QRReducer(beta.size))
    m = int(np.count_nonzero(k))
    out = np.zeros_like(new)
    # (a factor overflowed by vanishing weights holds inf: the pass at the result judges the step, and no numpy
    # warning may reach the user)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        T = np.linalg.qr(red.R[:, np.append(k, True)], mode="r")
        out[k] = sla.solve_triangular(T[:m, :m], T[:m, m], check_finite=False)
    return out


def set_aside_in_use(beta: np.ndarray, fac: StepFactor, prev_fac: StepFactor | None) -> bool:
    """Does ``fac`` (the factor at ``beta``) set aside a column that ``beta`` uses (b_j != 0) and that the step
    which made ``beta`` kept (``prev_fac``)?  Then the column is aliased only under the working weights at
    ``beta``, not in the design: weights that vanish where the linear predictor runs off."""
    used = ~fac.kept & (beta != 0)
    return bool(used.any()) and prev_fac is not None and bool(prev_fac.kept[used].all())
