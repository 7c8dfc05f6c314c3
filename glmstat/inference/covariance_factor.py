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
tests: :func:`combination_covariance`) are taken through the same factor.  With a factor of 8 or more levels
R has their columns first (:attr:`FitData.cov_factor_levels`): x'F then has one non-zero among the levels'
coordinates, and the leverages and the meat (:func:`levels_first_gram`) cost O(m^2) a row for the m other
columns, not O(p^2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from .._scipy import linalg as sla
from ..design.base import Design, rows_within
from ..design.sources import Block, InMemorySource, fold
from ..engine.scoring_pass import covariance_weights_eta
from ..engine.kernel import kernel_for
from ..engine.linalg import QRReducer, cholesky_lapack
from ..errors import DataError
from .fitdata import FitData

__all__ = ["FACTOR_COND", "covariance_weights", "leverage_weights", "ill_conditioned", "scaled_condition",
           "covariance_factor", "factor_rows_norm2", "factor_gram", "LevelsFirstGram", "levels_first_gram",
           "levels_lift", "with_cov_factor", "block_leverages", "combination_covariance", "combination_variances",
           "sparse_row_variances"]

#: Beyond this 1-norm condition number of the covariance scaled to unit diagonal, x'Cx would lose more than
#: about 1e-10 of itself: quadratic forms come from the QR factor of sqrt(W) X instead, as R's.
FACTOR_COND = 1e6


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
    return scaled_condition(cov) > FACTOR_COND


def scaled_condition(cov: np.ndarray) -> float:
    """LAPACK's estimate of the 1-norm condition number of ``cov`` scaled to unit diagonal; inf where it is not
    numerically positive definite, 1 where it has fewer than 2 columns or is not finite with a positive diagonal
    (nothing for a factor to improve)."""
    d = np.sqrt(np.diag(cov))
    if cov.shape[0] < 2 or not (np.all(np.isfinite(cov)) and np.all(d > 0)):
        return 1.0
    S = cov / d[:, None]  # (scaled in place, and factored in place through S', its Fortran-ordered view:
    S /= d                #  one p x p temporary besides the norm's, not four)
    norm = float(np.abs(S).sum(axis=0).max())
    potrf, pocon, _ = cholesky_lapack()
    c, info = potrf(S.T, lower=True, overwrite_a=True)
    if info != 0:
        return np.inf
    rcond, info = pocon(c, norm, uplo="L")
    return np.inf if info != 0 or not rcond > 0 else 1.0 / rcond


def _conditioned_apart_from_factor(fd: FitData, diagonal: np.ndarray | None) -> bool:
    """Whether C is ill-conditioned only through a wide factor's indicator columns ``diagonal`` (design
    positions, or None): their block of X'WX is diagonal, and x'Cx loses nothing to the conditioning they
    cause (a 2,000-level factor's 1-norm condition is about 4e6, yet x'Cx is within 1e-14 of the factor's), so
    only the covariance of the other columns decides -- with the factor's columns of the smallest and the largest
    variance, whose pairing with the others is the worst: where the levels' weights span many orders of magnitude
    (prior weights from 1e-12 to 1e12), a level of large weight has a variance far below the intercept's, its
    coefficient nearly the intercept's negative, and x'Cx of its rows cancels terms up to 1e12 times itself (20%
    off R's predict there)."""
    if diagonal is None:
        return False
    is_level = np.isin(np.arange(fd.kept.size), diagonal)
    other = np.flatnonzero(fd.kept & ~is_level)
    levels = np.flatnonzero(fd.kept & is_level)
    if levels.size:
        v = np.diag(fd.cov_unscaled)[levels]
        other = np.union1d(other, levels[[int(np.argmin(v)), int(np.argmax(v))]])
    return not ill_conditioned(fd.cov_unscaled[np.ix_(other, other)])


def _block_factor(b: Block, fd: FitData, cols: np.ndarray) -> QRReducer:
    """The triangular factor of sqrt(W) X over one block's columns ``cols``, W the working weights the
    covariance was made with (those of the leverages)."""
    W = covariance_weights(b, fd, kernel_for(fd.family))
    red = QRReducer(cols.size)
    red.add(b.X.select(cols), np.where(W > 0, W, 0.0), np.zeros(b.y.shape[0]))
    return red


def covariance_factor(fd: FitData, cond: float) -> tuple[np.ndarray, np.ndarray | None] | None:
    """(F, levels): F (p x rank, zero rows where aliased) with (X'WX)^{-1} = F F' on the kept columns, R^{-1}
    for R the triangular factor of sqrt(W) X_K over the fitted rows, as R's ``predict.lm`` and ``lm.influence``
    use it.  With a factor of ``MIN_FACTOR_COLUMNS`` or more levels R has its columns first (the QR's own
    factor-first parts, no O(p^3) re-triangularisation): ``levels`` are their design columns, F's first
    columns' rows (:attr:`FitData.cov_factor_levels`); else R is in the design's order and ``levels`` None.
    None for a fit whose rows are gone (a dask fit loaded from a pickle), or whose factor is singular.  ``cond``:
    the covariance's :func:`scaled_condition`, which bounds how well its diagonal can agree with the factor's."""
    kept = np.flatnonzero(fd.kept)
    try:
        red = fold(fd.source, partial(_block_factor, fd=fd.portable(), cols=kept), QRReducer.merge, None)
    except DataError:  # (no rows to read again: the quadratic form, as before)
        return None
    if red is None or _conditioned_apart_from_factor(fd, None if red.diagonal is None else kept[red.diagonal]):
        return None
    parts = red.factor_first_parts
    blocks = None if parts is None else parts.inverse_blocks(np.ones(kept.size, dtype=bool))
    if blocks is not None:
        # (its rows by the design's columns: the kept ones' numbers, made once in place of a kept x rank copy)
        blocks = replace(blocks, levels=kept[blocks.levels], others=kept[blocks.others])
        F, levels = blocks.root(fd.kept.shape[0]), blocks.levels
    else:
        R = red.R[: kept.size, : kept.size]
        if R.shape[0] < kept.size or not np.all(np.abs(np.diag(R)) > 0):
            return None
        F, levels = np.zeros((fd.kept.shape[0], kept.size)), None
        F[kept] = sla.solve_triangular(R, np.eye(kept.size))
    # the factor must be that of the fit's covariance: their diagonals agree to 1e-6 unless the covariance was made
    # with other weights; then x'Cx, as before.  (The factor's, sums of squares, are accurate to sqrt(cond) eps;
    # C's own to about cond eps, which beyond 1e-6 is all the agreement there can be, and beyond 1 none: a
    # diverging fit's C, not numerically positive definite, gave leverages of -1.6e7 as x'Cx, where the factor's
    # are within [0, 1].)
    rtol = max(1e-6, 100.0 * np.finfo(float).eps * cond)
    if rtol < 1.0 and not np.allclose(np.einsum("ij,ij->i", F, F)[kept], np.diag(fd.cov_unscaled)[kept], rtol=rtol,
                                      atol=0.0):
        return None
    return F, levels


def levels_lift(F: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lift, inv_s, F_o) of a levels-first factor F: x_i' lift = u_i, row i's one coordinate among the k
    levels' (F[levels[j], j] = inv_s[j] at its level, lift zero elsewhere), and F_o = F's other m columns."""
    k = levels.size
    inv_s = F[levels, np.arange(k)]
    lift = np.zeros(F.shape[0])
    lift[levels] = inv_s
    return lift, inv_s, np.ascontiguousarray(F[:, k:])


def factor_rows_norm2(X: Design, F: np.ndarray, levels: np.ndarray | None = None) -> np.ndarray:
    """||x_i' F||^2 for each row x_i of the design, block by block: x_i' C x_i for C = F F', without the
    cancellation of the quadratic form.  For a levels-first F (``levels``, :attr:`FitData.cov_factor_levels`)
    x_i'F = [u_i e_{c_i}, v_i'] and the norm is u_i^2 + ||v_i||^2: O(m) a row for m other columns, not O(p).
    Blocks of rows hold ``PRODUCT_CELLS`` cells of x_i'F (:func:`~glmstat.design.base.rows_within`): a wide
    factor's F is p x p, and a fixed 4,096 rows were 65 MB a block at 2,000 levels."""
    out = np.empty(X.n_rows)
    if levels is not None:
        lift, _, F_o = levels_lift(F, levels)
        for start, stop, rows in X.row_blocks(rows_within(F_o.shape[1])):
            u, V = rows.matvec(lift), rows.matmat(F_o)
            out[start:stop] = u * u + np.einsum("ij,ij->i", V, V)
        return out
    for start, stop, rows in X.row_blocks(rows_within(F.shape[1])):
        Z = rows.matmat(F)
        out[start:stop] = np.einsum("ij,ij->i", Z, Z)
    return out


def factor_gram(X: Design, F: np.ndarray, f: np.ndarray) -> np.ndarray:
    """sum_i f_i z_i z_i' with z_i = F' x_i over the rows x_i of the design, block by block: F' (X' diag(f) X) F
    without forming X' diag(f) X, whose product with F would cancel as x'Cx does (a sandwich's meat in the
    coordinates where C = F F' is the identity)."""
    out = np.zeros((F.shape[1], F.shape[1]))
    for start, stop, rows in X.row_blocks(rows_within(F.shape[1])):
        Z = rows.matmat(F)
        out += Z.T @ (f[start:stop, None] * Z)
    return out


@dataclass
class LevelsFirstGram:
    """sum_i f_i z_i z_i' in the coordinates z_i = F' x_i of a levels-first factor F
    (:attr:`FitData.cov_factor_levels`), by blocks.  z_i = [u_i e_{c_i}; v_i] has one non-zero among the k
    levels' coordinates (row i's level c_i), so their block is diagonal:

        [[diag(level), cross], [cross', rest]]      (level: k, cross: k x m, rest: m x m)

    O(k m) numbers for k levels and m other columns, not (k + m)^2; sums over blocks add, and a scalar scales."""

    level: np.ndarray
    cross: np.ndarray
    rest: np.ndarray

    def __add__(self, other: "LevelsFirstGram") -> "LevelsFirstGram":
        return LevelsFirstGram(self.level + other.level, self.cross + other.cross, self.rest + other.rest)

    def __mul__(self, c: float) -> "LevelsFirstGram":
        return LevelsFirstGram(self.level * c, self.cross * c, self.rest * c)


def levels_first_gram(X: Design, F: np.ndarray, levels: np.ndarray, f: np.ndarray) -> LevelsFirstGram:
    """:func:`factor_gram` for a levels-first F, O(n m^2) instead of O(n p^2): per row u_i = x_i' lift and
    v_i = F_o' x_i (:func:`levels_lift`), the other columns' block sum f_i v_i v_i', and the levels' sums of
    f_i u_i^2 and f_i u_i v_i by level -- as u_i = t_i inv_s[c_i] (t_i the row's entry in its level's column),
    inv_s times the design's X' (f u) and X' (f v_j) at the levels' columns: no n x p product."""
    lift, inv_s, F_o = levels_lift(F, levels)
    m = F_o.shape[1]
    level, cross, rest = np.zeros(levels.size), np.zeros((levels.size, m)), np.zeros((m, m))
    for start, stop, rows in X.row_blocks(rows_within(F_o.shape[1])):
        fb = f[start:stop]
        u, V = rows.matvec(lift), rows.matmat(F_o)
        fV = fb[:, None] * V
        rest += V.T @ fV
        level += rows.rmatvec(fb * u)[levels]
        for j in range(m):
            cross[:, j] += rows.rmatvec(fV[:, j])[levels]
    return LevelsFirstGram(level * inv_s, cross * inv_s[:, None], (rest + rest.T) / 2)


def with_cov_factor(fd: FitData) -> FitData:
    """``fd`` with its covariance factor (:attr:`FitData.cov_factor`) where its model covariance, apart from a
    wide factor's columns, is too ill-conditioned for x'Cx (one pass over the rows), else ``fd`` itself.  Call it
    on the whole fit, before :meth:`FitData.portable`: workers then receive the factor."""
    if fd.cov_factor is not None:
        return fd
    # (the covariance itself where nothing is aliased: no kept x kept copy kept for this test)
    cond = scaled_condition(fd.cov_unscaled if fd.kept.all() else fd.cov_kept)
    if not cond > FACTOR_COND:
        return fd
    if isinstance(fd.source, InMemorySource) and _conditioned_apart_from_factor(fd, fd.source.X.diagonal_columns()):
        return fd  # (known without the pass: a streamed source's design is seen in it)
    made = covariance_factor(fd, cond)
    return fd if made is None else replace(fd, cov_factor=made[0], cov_factor_levels=made[1])


def block_leverages(block: Block, fd: FitData, W: np.ndarray) -> np.ndarray:
    """The leverages h_i = w_i x_i' C x_i of a block's rows, ``W`` their :func:`leverage_weights`: from the
    covariance factor, w_i ||x_i' F||^2, where ``fd`` has one (:func:`with_cov_factor`), as R's
    ``lm.influence`` takes them from its QR; else from the quadratic form."""
    if fd.cov_factor is not None:
        return W * factor_rows_norm2(block.X, fd.cov_factor, fd.cov_factor_levels)
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
    is given (see :func:`combination_covariance`), else sum_j (L V)_ij L_ij -- for a sparse row of m non-zeros
    with m^2 at most the columns, sum_{k,l} L_ik L_il V_kl over its non-zeros alone (:func:`sparse_row_variances`:
    the pairwise differences of a factor's means, two non-zeros, cost 4 products, not a dense row of L V)."""
    if F is not None:
        LF = np.asarray(L @ F)
        return np.sum(LF * LF, axis=1)
    if not hasattr(L, "multiply"):
        return np.sum(L * (L @ V), axis=1)
    L = L.tocsr()
    m = np.diff(L.indptr)
    short = m * m <= L.shape[1]
    if short.all():
        return sparse_row_variances(L, V)
    out = np.empty(L.shape[0])
    out[short] = sparse_row_variances(L[short], V)
    rest = L[~short]
    out[~short] = np.asarray(rest.multiply(np.asarray(rest @ V)).sum(axis=1)).ravel()
    return out


def sparse_row_variances(L, V: np.ndarray) -> np.ndarray:
    """diag(L V L') for the rows of a scipy CSR matrix ``L``: for each row, sum_{k,l} L_ik L_il V_kl over the pairs
    of its non-zeros (sum m_i^2 products in all, and as many numbers held: short rows only)."""
    indptr, columns, values = L.indptr, L.indices, L.data
    n = L.shape[0]
    m = np.diff(indptr)
    row = np.repeat(np.arange(n), m)  # (each non-zero's row)
    partners = m[row]
    a = np.repeat(np.arange(len(values)), partners)  # (each pair's first non-zero, then its second)
    b = np.repeat(indptr[row], partners) + (np.arange(len(a)) - np.repeat(np.cumsum(partners) - partners, partners))
    terms = values[a] * values[b] * V[columns[a], columns[b]]
    return np.bincount(row[a], weights=terms, minlength=n)
