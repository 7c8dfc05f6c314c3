"""The working weights of the model's covariance, and its triangular factor where x'Cx would lose digits.

C = (X'WX)^{-1} (unscaled, on the kept columns) is made with working weights w_i: those at the estimate, or,
for a fit stopped where R stops (``convergence="R"``), those of the coefficients before R's last iteration
(:func:`leverage_weights`).  A quadratic form x'Cx -- a leverage w_i x_i'Cx_i, a prediction's variance --
loses about eps times the condition number of C (scaled to unit diagonal) to cancellation, even when C is
exact to rounding: with nearly collinear columns (``year + I(year^2)``, ``log(year) + year``) that is 1e-6 to
1e-4 of the result.  R takes such quantities from the QR factor R of sqrt(W) X, as ||x' R^{-1}||^2, which
loses only the square root of that.  Beyond ``FACTOR_COND`` so does glmstat (:func:`covariance_factor`, one
more pass over the fitted rows); below it, x'Cx is exact to 1e-10 and costs no pass.  A wide factor's
indicator columns (``diagonal_columns``) do not count: their conditioning (about the square of the levels)
costs x'Cx nothing.  The sandwich's meat (:func:`factor_gram`) and linear combinations L V L' (emmeans, Wald
tests: :func:`combination_covariance`) are taken through the same factor.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np

from .._scipy import linalg as sla
from ..design.base import Design
from ..design.sources import Block, InMemorySource, fold
from ..engine.irls import covariance_weights_eta
from ..engine.kernel import kernel_for
from ..engine.linalg import QRReducer, cholesky_lapack
from ..errors import DataError
from .fitdata import FitData

__all__ = ["FACTOR_COND", "covariance_weights", "leverage_weights", "ill_conditioned", "covariance_factor", "factor_rows_norm2",
           "factor_gram", "with_cov_factor", "block_leverages", "combination_covariance", "combination_variances"]

#: Beyond this 1-norm condition number of the covariance scaled to unit diagonal, x'Cx would lose more than
#: about 1e-10 of itself: quadratic forms come from the QR factor of sqrt(W) X instead, as R's.
FACTOR_COND = 1e6
#: Rows per block of the factor's products (an n x rank product at a time).
_BLOCK_ROWS = 4096


def covariance_weights(block: Block, fd: FitData, kernel) -> np.ndarray:
    """The working weights of a block's rows at the linear predictor C = (X'WX)^{-1} was made at: for a fit
    stopped where R stops (``convergence="R"``) the coefficients before its last iteration, whose weights are
    R's ``fit$weights``; else the estimate."""
    with np.errstate(all="ignore"):
        eta = covariance_weights_eta(block, fd.family, fd.weights_beta, fd.weights_at_start) \
            if fd.weights_beta is not None or fd.weights_at_start else block.X.matvec(fd.beta) + block.offset
        return kernel(block.y, block.weights, eta).W


def leverage_weights(block: Block, fd: FitData, kernel, W: np.ndarray) -> np.ndarray:
    """The working weights of a block's leverages: ``W`` (those at the estimate), or, for a fit stopped where
    R stops (``convergence="R"``), those C = (X'WX)^{-1} was made with (:func:`covariance_weights`) -- R's QR
    is that of its last iteration, weighted at the coefficients before it -- so that the leverages are the
    diagonal of that fit's hat matrix (they sum to the rank) and R's ``hatvalues``."""
    if fd.weights_beta is None and not fd.weights_at_start:
        return W
    return covariance_weights(block, fd, kernel)


def ill_conditioned(cov: np.ndarray) -> bool:
    """Whether ``cov`` (kept x kept), scaled to unit diagonal, has a 1-norm condition number beyond
    ``FACTOR_COND`` (or is not numerically positive definite)."""
    d = np.sqrt(np.diag(cov))
    if cov.shape[0] < 2 or not (np.all(np.isfinite(cov)) and np.all(d > 0)):
        return False
    S = cov / np.outer(d, d)
    potrf, pocon, _ = cholesky_lapack()
    c, info = potrf(S, lower=False)
    if info != 0:
        return True
    rcond, info = pocon(c, float(np.abs(S).sum(axis=0).max()))
    return info != 0 or not rcond * FACTOR_COND > 1.0


def _conditioned_apart_from_factor(fd: FitData, diagonal: np.ndarray | None) -> bool:
    """Whether C is ill-conditioned only through a wide factor's indicator columns ``diagonal`` (design
    positions, or None): their block of X'WX is diagonal, and x'Cx loses nothing to the conditioning they
    cause (a 2,000-level factor's 1-norm condition is about 4e6, yet x'Cx is within 1e-14 of the factor's), so
    only the covariance of the other columns decides."""
    if diagonal is None:
        return False
    other = np.flatnonzero(fd.kept & ~np.isin(np.arange(fd.kept.size), diagonal))
    return not ill_conditioned(fd.cov_unscaled[np.ix_(other, other)])


def _block_factor(b: Block, fd: FitData, cols: np.ndarray) -> QRReducer:
    """The triangular factor of sqrt(W) X over one block's columns ``cols``, W the working weights the
    covariance was made with (those of the leverages)."""
    W = covariance_weights(b, fd, kernel_for(fd.family))
    red = QRReducer(cols.size)
    red.add(b.X.select(cols), np.where(W > 0, W, 0.0), np.zeros(b.y.shape[0]))
    return red


def covariance_factor(fd: FitData) -> np.ndarray | None:
    """F (p x rank, zero rows where aliased) with (X'WX)^{-1} = F F' on the kept columns: R^{-1} for R the
    triangular factor of sqrt(W) X_K over the fitted rows, as R's ``predict.lm`` and ``lm.influence`` use it.
    None for a fit whose rows are gone (a dask fit loaded from a pickle), or whose factor is singular."""
    kept = np.flatnonzero(fd.kept)
    try:
        red = fold(fd.source, partial(_block_factor, fd=fd.portable(), cols=kept), QRReducer.merge, None)
    except DataError:  # (no rows to read again: the quadratic form, as before)
        return None
    if red is None or _conditioned_apart_from_factor(fd, None if red.diagonal is None else kept[red.diagonal]):
        return None
    R = red.R[: kept.size, : kept.size]
    if R.shape[0] < kept.size or not np.all(np.abs(np.diag(R)) > 0):
        return None
    Rinv = sla.solve_triangular(R, np.eye(kept.size))
    # the factor must be that of the fit's covariance: their diagonals (each accurate to far better, sums of
    # squares) agree to 1e-6 unless the covariance was made with other weights; then x'Cx, as before
    if not np.allclose(np.einsum("ij,ij->i", Rinv, Rinv), np.diag(fd.cov_kept), rtol=1e-6, atol=0.0):
        return None
    F = np.zeros((fd.kept.shape[0], kept.size))
    F[kept] = Rinv
    return F


def factor_rows_norm2(X: Design, F: np.ndarray) -> np.ndarray:
    """||x_i' F||^2 for each row x_i of the design, block by block: x_i' C x_i for C = F F', without the
    cancellation of the quadratic form."""
    out = np.empty(X.n_rows)
    for start, stop, rows in X.row_blocks(_BLOCK_ROWS):
        Z = rows.matmat(F)
        out[start:stop] = np.einsum("ij,ij->i", Z, Z)
    return out


def factor_gram(X: Design, F: np.ndarray, f: np.ndarray) -> np.ndarray:
    """sum_i f_i z_i z_i' with z_i = F' x_i over the rows x_i of the design, block by block: F' (X' diag(f) X) F
    without forming X' diag(f) X, whose product with F would cancel as x'Cx does (a sandwich's meat in the
    coordinates where C = F F' is the identity)."""
    out = np.zeros((F.shape[1], F.shape[1]))
    for start, stop, rows in X.row_blocks(_BLOCK_ROWS):
        Z = rows.matmat(F)
        out += Z.T @ (f[start:stop, None] * Z)
    return out


def with_cov_factor(fd: FitData) -> FitData:
    """``fd`` with its covariance factor (:attr:`FitData.cov_factor`) where its model covariance, apart from a
    wide factor's columns, is too ill-conditioned for x'Cx (one pass over the rows), else ``fd`` itself.  Call it on the whole fit, before
    :meth:`FitData.portable`: workers then receive the factor."""
    if fd.cov_factor is not None or not ill_conditioned(fd.cov_kept):
        return fd
    if isinstance(fd.source, InMemorySource) and _conditioned_apart_from_factor(fd, fd.source.X.diagonal_columns()):
        return fd  # (known without the pass: a streamed source's design is seen in it)
    F = covariance_factor(fd)
    return fd if F is None else replace(fd, cov_factor=F)


def block_leverages(block: Block, fd: FitData, W: np.ndarray) -> np.ndarray:
    """The leverages h_i = w_i x_i' C x_i of a block's rows, ``W`` their :func:`leverage_weights`: from the
    covariance factor, w_i ||x_i' F||^2, where ``fd`` has one (:func:`with_cov_factor`), as R's
    ``lm.influence`` takes them from its QR; else from the quadratic form."""
    if fd.cov_factor is not None:
        return W * factor_rows_norm2(block.X, fd.cov_factor)
    return W * block.X.quadratic_diag(fd.cov_zeroed)


def combination_covariance(L: np.ndarray, V: np.ndarray, F: np.ndarray | None) -> np.ndarray:
    """L V L', the covariance of the linear combinations L b (rows of ``L`` over the kept coefficients, dense
    or scipy sparse): (L F)(L F)' where ``F`` (kept x m, V = F F') is given -- a covariance too ill-conditioned
    for quadratic forms (:attr:`GLMResults.covariance_factor` on the kept columns) -- else the product."""
    if F is None:
        return np.asarray(L @ V @ L.T)
    LF = np.asarray(L @ F)
    return LF @ LF.T


def combination_variances(L, V: np.ndarray, F: np.ndarray | None) -> np.ndarray:
    """diag(L V L') alone, for rows ``L`` (dense, or scipy sparse for rows mostly zero): ||L_i F||^2 where ``F``
    is given (see :func:`combination_covariance`), else sum_j (L V)_ij L_ij."""
    if F is not None:
        LF = np.asarray(L @ F)
        return np.sum(LF * LF, axis=1)
    LV = np.asarray(L @ V)
    return np.asarray((L.multiply(LV) if hasattr(L, "multiply") else L * LV).sum(axis=1)).ravel()
