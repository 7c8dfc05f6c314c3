"""Weighted least-squares pieces of the IRLS step, reduced over row blocks.

Every IRLS step solves the normal equations (X'WX) delta = X'W r for the *change* in the coefficients, where
r is the working residual at the current estimate.  Solving for the change (not the coefficients) makes
each iteration an iterative refinement: the final estimate is as accurate as the score X'W r can be
computed, even when X'WX is ill conditioned.

Two reducers build the equations block by block, in float64:

* :class:`GramReducer` accumulates X'WX and X'Wr (the design's ``gram_score``: BLAS on dense blocks, weighted
  bincounts for the factors of a structured design); it is used whenever the
  column-equilibrated Gram matrix is well conditioned (which rules out aliasing at R's tolerance).
* :class:`ScoreReducer` accumulates only X'Wr, for passes whose X'WX is known (fixed working weights).
* :class:`QRReducer` accumulates the triangular factor of sqrt(W) [X | r] (a tall-skinny QR: each block is
  stacked under the running factor and re-triangularised).  It is used whenever the Gram matrix is
  refused (poorly conditioned or singular), and finds the aliased columns.

Aliasing follows R's ``dqrdc2`` (limited column pivoting; :mod:`glmstat.engine.aliasing`): column j is
aliased when the part of it that the earlier *kept* columns do not explain has norm below ``ALIAS_TOL`` times
its own norm.  The triangular factor R has the same column geometry as sqrt(W) X, so the test runs on the
small p x p matrix.  Columns that pass it one by one but are singular together (a dependence rounding hides
from the one-column test) are set aside too, in the same order (:func:`set_aside_singular`).  A design with a
wide factor keeps that factor's columns first (O(k m) numbers, no p x p factor): R's decisions in the
design's order are read from the dependencies, and the step goes through the block solve of the Gram matrix.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
from .._scipy import linalg as sla

from ..design.base import Design, GramSums
from ..design.sources import DesignSource, fold
from ..design.policy import BLOCK_CELLS
from ..once import on_demand, once
from .aliasing import column_norms, triangularise_in_order
from .structured_qr import FactorFirst, factor_first, widest_factor

__all__ = ["cholesky_lapack", "GramReducer", "QRReducer", "ScoreReducer", "StepFactor", "factor_gram", "factor_qr",
           "design_qr", "sandwich_product", "explained_sums", "normal_solutions", "conditioned_normal_solutions"]

#: Largest condition number of X'WX (scaled to unit diagonal when unbalanced) the Cholesky path accepts.
GRAM_MAX_COND = 1e10


@functools.cache
def cholesky_lapack():
    """LAPACK's potrf, pocon, potrs for float64 (raw: the scipy wrappers' checks cost more than a small
    solve); looked up on first use, so that importing glmstat does not import scipy.linalg."""
    return sla.lapack.get_lapack_funcs(("potrf", "pocon", "potrs"), dtype=float)


@functools.cache
def _posvx_lapack():
    """LAPACK's dposvx (equilibrate, factor, condition estimate, refined solve: one call, since for a few
    columns the wrappers' overhead costs more than the arithmetic) and dpotrs."""
    return sla.lapack.get_lapack_funcs(("posvx", "potrs"), dtype=float)


@functools.cache
def _triangular_lapack():
    """LAPACK's dtrtri and dtrtrs, called raw: scipy's solve_triangular solves through a BLAS whose threads,
    for a few columns on a busy machine, can keep a 4 x 4 solve waiting 30 ms (measured in profile refits
    that took the QR path thousands of times)."""
    return sla.lapack.get_lapack_funcs(("trtri", "trtrs"), dtype=float)


def _upper_inverse(r: np.ndarray) -> np.ndarray:
    """The inverse of the upper-triangular ``r``."""
    if r.shape[0] == 0:
        return np.zeros((0, 0))
    inv, info = _triangular_lapack()[0](r, lower=0)
    if info != 0:
        raise np.linalg.LinAlgError(f"singular triangular factor: zero pivot at {info}")
    return np.triu(inv)


def _upper_solve(r: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x with r x = b, ``r`` upper triangular."""
    if r.shape[0] == 0:
        return np.zeros(0)
    x, info = _triangular_lapack()[1](r, b, lower=0)
    if info != 0:
        raise np.linalg.LinAlgError(f"singular triangular factor: zero pivot at {info}")
    return x


class GramReducer:
    """Accumulates G = X'WX and u = X'W r over blocks, each block's through the design interface (BLAS on a
    dense block; weighted bincounts for the factors of a structured one, never dummy columns).  The blocks'
    sums add as the design keeps them (``gram_sums``: a structured design's by factor level), and G is
    assembled once, when read: assembling a p x p matrix per block and adding them cost more than a small
    block's own sums with a wide factor (8 blocks, p = 303: 2 ms a pass)."""

    def __init__(self, p: int) -> None:
        self.p = p
        self._sums = None  # the blocks' sums (design.base.GramSums or the design's own); None until a block is added
        self._read: tuple[np.ndarray, np.ndarray] | None = None  # (G, u) assembled from _sums
        self.diagonal: np.ndarray | None = None  # the design's diagonal_columns (every block has the same)

    def _assembled(self) -> tuple[np.ndarray, np.ndarray]:
        if self._sums is None:
            return np.zeros((self.p, self.p)), np.zeros(self.p)
        if self._read is None:
            self._read = (self._sums.gram, self._sums.score)
        return self._read

    @property
    def gram(self) -> np.ndarray:
        return self._assembled()[0]

    @property
    def score(self) -> np.ndarray:
        return self._assembled()[1]

    def add(self, X: Design, w: np.ndarray, r: np.ndarray) -> None:
        # (weights whose X'WX overflows although sqrt(W) X does not -- mu ~ 1e300 at a profile's far trial
        # point -- give an infinite Gram matrix, which :func:`factor_gram` refuses for the QR reducer, as R
        # itself works on sqrt(W) X: no RuntimeWarning for it)
        with np.errstate(over="ignore", invalid="ignore"):
            sums = X.gram_sums(w, r)
        self._read = None
        if self._sums is None:  # the first block's own sums are taken as they are
            self._sums = sums
            self.diagonal = X.diagonal_columns()
            return
        self._sums = self._sums.merge(sums)

    def merge(self, other: "GramReducer") -> "GramReducer":
        """The sums over both reducers' rows (in place)."""
        if other._sums is not None:
            self._read = None
            if self._sums is None:
                self._sums, self.diagonal = other._sums, other.diagonal
            else:
                self._sums = self._sums.merge(other._sums)
        return self

    def __getstate__(self) -> dict:
        # (a dask worker's share travels as the assembled p x p and p sums, whatever the design kept)
        state = dict(self.__dict__)
        if self._sums is not None:
            state["_sums"], state["_read"] = GramSums(*self._assembled()), None
        return state


class ScoreReducer:
    """Accumulates only u = X'W r, for a pass whose X'WX is already known (``gram``)."""

    def __init__(self, p: int, gram: np.ndarray) -> None:
        self.gram = gram
        self.score = np.zeros(p)
        self.diagonal: np.ndarray | None = None

    def add(self, X: Design, w: np.ndarray, r: np.ndarray) -> None:
        self.score += X.rmatvec(w * r)
        self.diagonal = X.diagonal_columns()

    def merge(self, other: "ScoreReducer") -> "ScoreReducer":
        self.score += other.score
        self.diagonal = self.diagonal if self.diagonal is not None else other.diagonal
        return self


def weighted_rows(X: Design, w: np.ndarray, r: np.ndarray) -> np.ndarray:
    """sqrt(W) [X | r], n x (p + 1): the rows themselves, densified (a QR's rows where no closed form has fewer)."""
    A = np.empty((X.n_rows, X.n_cols + 1))
    sw = np.sqrt(w)
    np.multiply(X.toarray(), sw[:, None], out=A[:, :-1])
    np.multiply(r, sw, out=A[:, -1])
    return A


def mapped_factor_rows(X: Design, w: np.ndarray, r: np.ndarray) -> np.ndarray | None:
    """For X = Z T with a wide factor in the store Z (a sum- or Helmert-coded one): rows A, (p + 1) columns,
    whose triangular factor is that of sqrt(W) [X | r]; None for any other design.

    A are k + min(n, q - k + 1) rows for the store's q columns, k of them the wide factor's -- sqrt(W) [Z | r] =
    Q G with G the store's factor-first parts stacked (closed form), so sqrt(W) [X | r] = Q G diag(T, 1) --
    where those are fewer than the block's n rows, else sqrt(W) [X | r] itself: a design of more columns than
    rows (4,532 store columns, 2,700 design columns, 200 rows) made G 2,900 rows, and each pass's QR 1.5 s."""
    mapped = X.column_map()
    store_wide = None if mapped is None else widest_factor(mapped[0])
    if store_wide is None:
        return None
    Z, T = mapped
    k = int(np.count_nonzero(Z.factor(store_wide).columns >= 0))
    if k + min(X.n_rows, Z.n_cols - k + 1) >= X.n_rows:
        return weighted_rows(X, w, r)
    G = factor_first(Z, w, r, store_wide).stacked()
    q, p = Z.n_cols, X.n_cols
    A = np.empty((G.shape[0], p + 1))
    A[:, :p] = np.asarray(T.T @ G[:, :q].T).T
    A[:, p] = G[:, q]
    return A


def score_triangle(X: Design, w: np.ndarray, r: np.ndarray) -> np.ndarray | None:
    """The triangular factor of sqrt(W) [X | r] for a score test's regression (rows of zero weight given w = r =
    0): the design's own (:meth:`~glmstat.design.base.Design.weighted_triangle`), else, for a store mapped by
    contrasts with a wide factor, that of :func:`mapped_factor_rows`, of any width: the QR's rank decisions, where
    X'WX squares the condition number and its least-squares cut set aside the columns of levels whose weights
    vanish (R's fit stopped on a separated level: a Rao statistic 4e-6 off, fixtures/rao_contrasts_separated).
    None otherwise, or where a row is not finite."""
    R = X.weighted_triangle(w, r)
    if R is None:
        A = mapped_factor_rows(X, w, r)
        if A is not None and np.isfinite(A).all():
            R = np.linalg.qr(A, mode="r")
    return R


class QRReducer:
    """Accumulates the R factor of sqrt(W) [X | r] by a tall-skinny QR over blocks.

    A structured design's blocks with a wide factor keep their factor in parts, that factor's columns first
    (:class:`~glmstat.engine.structured_qr.FactorFirst`, merged level by level); ``R`` assembles the
    design-order factor only when read.
    """

    def __init__(self, p: int) -> None:
        self.p = p
        self._rows = np.zeros((0, p + 1))  # the design-order factor of the blocks kept as rows
        self.parts: FactorFirst | None = None
        self.diagonal: np.ndarray | None = None  # the design's diagonal_columns (every block has the same)
        self.n_rows = 0

    def _stack(self, A: np.ndarray) -> None:
        stacked = np.vstack([self._rows, A]) if self._rows.shape[0] else A
        self._rows = np.linalg.qr(stacked, mode="r")

    def _add_parts(self, parts: FactorFirst) -> None:
        if self.parts is None:
            self.parts = parts
        elif np.array_equal(self.parts.cols, parts.cols):
            self.parts = self.parts.merge(parts)
        else:
            self._stack(parts.design_order())

    def add(self, X: Design, w: np.ndarray, r: np.ndarray) -> None:
        self.diagonal = X.diagonal_columns()
        self.n_rows += X.n_rows
        wide = widest_factor(X)
        if wide is not None:
            # a wide factor's indicator columns are orthogonal: their part of the factor is closed-form, and
            # only the other columns go through a dense QR (structured_qr)
            self._add_parts(factor_first(X, w, r, wide))
            return
        A = mapped_factor_rows(X, w, r)
        if A is not None:
            self._stack(A)
            return
        # the QR works on rows: this block's, densified (only when the Gram path refused), a bounded number of
        # cells at a time (the block of a design stored as codes can have many rows)
        n = X.n_rows
        step = max(2 * (self.p + 1), BLOCK_CELLS // max(self.p, 1))
        for start in range(0, n, step):
            stop = min(n, start + step)
            rows = X if stop - start == n else X.rows(start, stop)
            self._stack(weighted_rows(rows, w[start:stop], r[start:stop]))

    def merge(self, other: "QRReducer") -> "QRReducer":
        """The R factor of both reducers' rows: R of [R_1; R_2] (R is unique up to the signs of its rows)."""
        if other.parts is not None:
            self._add_parts(other.parts)
        if other._rows.shape[0]:
            self._stack(other._rows)
        self.diagonal = self.diagonal if self.diagonal is not None else other.diagonal
        self.n_rows += other.n_rows
        return self

    @property
    def R(self) -> np.ndarray:
        """The triangular factor of sqrt(W) [X | r] in the design's column order."""
        if self.parts is None:
            return self._rows
        R = self.parts.design_order()
        return np.linalg.qr(np.vstack([self._rows, R]), mode="r") if self._rows.shape[0] else R

    def null_space(self) -> np.ndarray:
        """An orthonormal basis (p x d) of the null space of sqrt(W) X: from the factor-first parts (the
        dependencies R's rule finds, and the columns of norm 0), or else the right singular vectors of R (which
        has X's singular values and right singular vectors, and is at most p x p) whose singular values are at
        most max(n, p) eps s_1."""
        if self.parts is not None and not self._rows.shape[0]:
            return self.parts.null_space()
        R = self.R[:, : self.p]
        _, s, Vt = np.linalg.svd(R, full_matrices=True)
        top = s[0] if s.size else 0.0
        rank = int(np.sum(s > max(self.n_rows, self.p) * np.finfo(float).eps * top)) if top > 0 else 0
        return Vt[rank:].T

    @property
    def factor_first_parts(self) -> FactorFirst | None:
        """The factor-first parts of every row (no block's factor stacked in the design's order), else None."""
        return self.parts if not self._rows.shape[0] else None

    def factor(self, max_cond: float = GRAM_MAX_COND) -> "StepFactor":
        """The step's factorisation, finding R's aliased columns (:func:`factor_qr`).

        For a design with a wide factor (its ``diagonal_columns``), the factor-first parts settle the aliased
        columns; the step is then solved through the Gram matrix of the kept columns, by the block solve
        (:func:`factor_gram`), when that is well conditioned.  The design-order factor, O(p^3), only when not --
        or first, for a design wider than its rows, where it is O(n^2 p) and R's rule on it decides the aliased
        columns.
        """
        if self.parts is not None and not self._rows.shape[0] and self.diagonal is not None:
            by_qr = None
            if self.n_rows < self.p:
                # a design wider than its rows: the design-order factor has at most the levels with weight and
                # n other rows, O(n^2 p) -- less than the dependencies' search, O(d^2 p) for d of at least p - n
                # aliased columns (4,680 columns on 200 rows: 0.13 s against 0.31 s a pass) --, and R's rule on
                # it decides the aliased columns; the solve through the kept columns' Gram matrix where it is
                # well conditioned, as below, else this factor's own
                by_qr = factor_qr(self.R)
                aliased = ~by_qr.kept
            else:
                aliased = self.parts.aliased()
            if aliased is not None:
                # (X'WX among the kept columns is what the solve reads; the whole, which the step's factor keeps
                # for the aliased columns' explanation, only when read)
                parts, kept = self.parts, ~aliased
                gram, score = parts.gram_score(None if kept.all() else kept)
                whole = None if kept.all() else (lambda: parts.gram_score()[0])
                fac = factor_gram(gram, score, kept, max_cond, self.diagonal, whole=whole)
                if fac is not None:
                    return fac
            if by_qr is not None:
                return by_qr
        return factor_qr(self.R)


@dataclass(frozen=True)
class StepFactor:
    """A factorisation of X'WX restricted to the kept columns.

    ``kept`` is the boolean mask of non-aliased columns, ``inv`` is (X_K' W X_K)^{-1} and ``step`` the
    solution of the normal equations for the coefficient change (zero for aliased columns).
    ``gram`` is the full p x p X'WX (aliased columns included), used to explain aliasing.
    ``inv`` may be given as a function: it is then computed when first read (most iterations never read
    it, and for a wide design it costs more than the step).  ``inv_diagonal``, its diagonal, may be given as
    a cheaper function of its own (the block solve's); by default it is read off ``inv``.
    """

    kept: np.ndarray
    step: np.ndarray
    inv: np.ndarray = on_demand()  # no class default: still a required field
    gram: np.ndarray = on_demand()  # (the QR's R'R, O(m p^2), is made only when read: most passes never do)
    method: str
    diagonal_of_inv: object = None  # a function computing diag(inv) without inv, or None
    #: condition number of the kept columns of sqrt(W) X scaled to unit norm, as estimated by the
    #: factorisation (1.0: not estimated); a step is rounding noise below about eps * cond * |beta|
    cond: float = 1.0
    #: relative error of ``inv`` the factorisation expects beyond eps * cond (0.0: none): the block solve's
    #: Schur complement A - B D^-1 B' is formed by a subtraction that loses eps * max_j A_jj / S_jj of it
    inv_error: float = 0.0

    def inv_diagonal(self) -> np.ndarray:
        """diag((X_K' W X_K)^{-1})."""
        return self.inv.diagonal() if self.diagonal_of_inv is None else self.diagonal_of_inv()

    @once
    def all_kept(self) -> bool:
        """No column is aliased (most fits): the loop's tests of the kept columns read whole arrays then."""
        return np.count_nonzero(self.kept) == self.kept.size


#: Largest 1-norm condition number of the kept columns scaled to unit norm.  Beyond it they are singular
#: together although each passes R's test against the columns before it (a dependence spread over many
#: columns that rounding hides from the one-column test); no step solved on them means anything, and the
#: steps for the change then wander instead of converging.
MAX_KEPT_COND = 1e13


def _prefix_singular(T: np.ndarray, Tinv: np.ndarray, m: int) -> bool:
    """The leading m x m block of the upper-triangular ``T`` is singular to working precision: its 1-norm
    condition number ||T_m||_1 ||T_m^-1||_1 exceeds ``MAX_KEPT_COND`` (the inverse of a leading block of a
    triangular matrix is the leading block of its inverse)."""
    with np.errstate(invalid="ignore", over="ignore"):
        c = np.abs(T[:m, :m]).sum(axis=0).max() * np.abs(Tinv[:m, :m]).sum(axis=0).max()
    return not c <= MAX_KEPT_COND


def set_aside_singular(R_aug: np.ndarray, kept: np.ndarray, T: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(kept, R_kept, c_kept, R_kept^-1): ``kept`` less the columns that make the kept columns singular
    together, the triangular factor of R_aug's kept columns, the coordinates of its last column (the working
    residual, never set aside) on them, and the inverse of that factor.

    ``T``: the triangular factor of R_aug's kept columns and last column, if known (from
    :func:`triangularise_in_order`); it is made by a QR otherwise.

    In R's order: the column set aside is the first whose addition makes the leading kept columns' scaled
    triangular factor exceed ``MAX_KEPT_COND`` (that condition number only grows as columns are added, so
    bisection finds it); repeated until the kept columns are well conditioned.  Only designs R itself leaves
    singular reach the search (its kept columns' condition number above 1e13: its estimates are rounding).
    """
    while True:
        if T is None:
            T = np.linalg.qr(R_aug[:, np.append(kept, True)], mode="r")
        k = int(np.count_nonzero(kept))
        rk, ck = T[:k, :k], T[:k, k]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            rinv = _upper_inverse(rk)
        if k == 0:
            return kept, rk, ck, rinv
        d = column_norms(rk)  # (the factor of columns past 1e154, s746_0323's profile refits: scaled norms)
        Ts, Tinv = rk / d, rinv * d[:, None]  # (T = R D^-1, T^-1 = D R^-1)
        if not _prefix_singular(Ts, Tinv, k):
            return kept, rk, ck, rinv
        lo, hi = 1, k
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if _prefix_singular(Ts, Tinv, mid) else (mid + 1, hi)
        kept = kept.copy()
        kept[np.flatnonzero(kept)[lo - 1]] = False
        T = None


def _factor_blocked(gram: np.ndarray, score: np.ndarray, kept: np.ndarray, diagonal: np.ndarray,
                    max_cond: float, whole: np.ndarray | Callable[[], np.ndarray]) -> StepFactor | None:
    """:func:`factor_gram` for G = [[A, B], [B', D]] with D diagonal (k wide-factor columns) and m other columns:

        S = A - B D^-1 B'  (the Schur complement, m x m, by dposvx as factor_gram solves G),
        S x_a = u_a - B D^-1 u_d,   x_d = D^-1 (u_d - B' x_a),

    then one step of iterative refinement on the whole system (``whole``: the factor's ``gram``, X'WX or a function
    computing it, where ``gram`` holds only the kept columns'); the inverse when read is
    [[S^-1, -S^-1 B D^-1], [., D^-1 + D^-1 B' S^-1 B D^-1]].  O((k + m) m^2) instead of O((k + m)^3).
    Refused (None, the QR reducer then decides) where factor_gram refuses: a level without weight (a zero
    diagonal entry: D is singular), a column that the indicators explain to within 1 / ``max_cond`` of its
    weighted sum of squares (max_j A_jj / S_jj beyond ``max_cond``, a lower bound of G's condition number with
    G scaled to unit diagonal), or S beyond ``max_cond`` -- with G scaled to unit diagonal, D is the
    identity and G's condition is S's up to a factor (1 + sqrt(m))^4, since B's rows have norm at most 1.
    """
    p = gram.shape[0]
    in_d = np.zeros(p, dtype=bool)
    in_d[diagonal] = True
    d_idx, a_idx = np.flatnonzero(kept & in_d), np.flatnonzero(kept & ~in_d)
    dd = gram[d_idx, d_idx]
    if not np.all(dd > 0):
        return None
    A, B = gram[np.ix_(a_idx, a_idx)], gram[np.ix_(a_idx, d_idx)]
    BDinv = B / dd
    S = A - BDinv @ B.T
    S = (S + S.T) / 2.0
    m = a_idx.size
    # A column that the factor's indicators explain (the intercept beside an interaction's every cell) keeps
    # only the rounding of the subtraction in S_jj, and dposvx's equilibration would scale that noise to a unit
    # diagonal and pass it as well conditioned (an aliased intercept kept, its step arbitrary).  G scaled to
    # unit diagonal has condition number at least max_j A_jj / S_jj (S's scaled diagonal bounds its least
    # eigenvalue, which bounds G's): refused beyond max_cond, as factor_gram refuses G itself.
    if m and not np.all(np.diag(S) * max_cond > np.diag(A)):
        return None
    posvx, potrs = _posvx_lapack()
    c, s, scaled = None, None, False
    if m:
        _, c, equed, s, _, _, rcond, _, _, info = posvx(S, np.zeros(m))
        if info != 0 or not rcond > 1.0 / max_cond:
            return None
        scaled = equed == b"Y"

    def solve(u_a: np.ndarray, u_d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rhs = u_a - BDinv @ u_d
        if m:
            x_a = s * potrs(c, s * rhs, 0)[0] if scaled else potrs(c, rhs, 0)[0]
        else:
            x_a = rhs
        return x_a, (u_d - B.T @ x_a) / dd

    u_a, u_d = score[a_idx], score[d_idx]
    x_a, x_d = solve(u_a, u_d)
    e_a, e_d = solve(u_a - A @ x_a - B @ x_d, u_d - B.T @ x_a - dd * x_d)  # (one refinement step)
    step = np.zeros(p)
    step[a_idx], step[d_idx] = x_a + e_a, x_d + e_d
    kept_idx = np.flatnonzero(kept)
    pa, pd = np.searchsorted(kept_idx, a_idx), np.searchsorted(kept_idx, d_idx)

    def schur_inverse() -> np.ndarray:
        return _posvx_inverse(c, s, scaled) if m else np.zeros((0, 0))  # S^-1 = E (E S E)^-1 E

    def half() -> np.ndarray:
        """M with M'M = D^-1 B' S^-1 B D^-1: M = C^-T E B D^-1, C'C = E S E (m x k)."""
        if not m:
            return np.zeros((0, d_idx.size))
        return sla.solve_triangular(c, s[:, None] * BDinv if scaled else BDinv, trans="T", lower=False)

    def inverse() -> np.ndarray:
        si = schur_inverse()
        cross = -(si @ BDinv)  # m x k
        M = half()
        dblock = M.T @ M  # (a matrix's transpose times itself: exactly symmetric)
        dblock[np.diag_indices_from(dblock)] += 1.0 / dd
        out = np.empty((kept_idx.size, kept_idx.size))
        if np.array_equal(pa, np.arange(m)):  # (the factor's columns after the others: blocks as slices)
            out[:m, :m], out[:m, m:], out[m:, :m], out[m:, m:] = si, cross, cross.T, dblock
        else:
            out[np.ix_(pa, pa)] = si
            out[np.ix_(pa, pd)] = cross
            out[np.ix_(pd, pa)] = cross.T
            out[np.ix_(pd, pd)] = dblock
        return out

    def diagonal_of_inv() -> np.ndarray:
        out = np.empty(kept_idx.size)
        out[pa] = schur_inverse().diagonal()
        M = half()
        out[pd] = 1.0 / dd + np.einsum("ij,ij->j", M, M)
        return out

    # what forming S lost (eps times A's diagonal over S's), made larger by S's conditioning in the inverse
    lost = float(np.max(np.diag(A) / np.diag(S))) * np.finfo(float).eps / rcond if m else 0.0
    return StepFactor(kept.copy(), step, inverse, whole, "cholesky", diagonal_of_inv, inv_error=lost)


#: :func:`explained_sums` takes the Cholesky path below this condition number: its one solve is not refined
#: by later iterations, as an IRLS step is, so it must be accurate by itself (to ~eps x cond).
EXPLAINED_MAX_COND = 1e8


def explained_sums(G: np.ndarray, U: np.ndarray, diagonal: np.ndarray | None = None) -> np.ndarray:
    """u_j' G^- u_j for each column u_j of U: the regression sums of squares of weighted least-squares fits
    with normal equations G b = u_j (G = X'WX, u_j = X'W z_j, so u_j lies in G's column space and any
    generalized inverse gives the same value), u_j' b_j with b_j from :func:`normal_solutions`."""
    U = np.asarray(U, dtype=float)
    one = U.ndim == 1
    U2 = U[:, None] if one else U
    out = np.einsum("ij,ij->j", U2, normal_solutions(G, U2, diagonal))
    return out[0] if one else out


def normal_solutions(G: np.ndarray, U: np.ndarray, diagonal: np.ndarray | None = None) -> np.ndarray:
    """A solution b_j of G b = u_j for each column u_j of U (1-D U: one solution), G = X'WX and u_j = X'W z_j
    (in G's column space: every solution gives the same fitted values X b_j).

    One factorisation for every column: G scaled to unit diagonal, its Cholesky factor and refined solves
    (:func:`_refined_cholesky_solve`) when it is positive definite with condition number below
    ``EXPLAINED_MAX_COND``; otherwise the minimum-norm least-squares solution (an SVD) of the scaled G, which
    sets aside the directions of rank deficiency (aliased columns) as R's QR does.  A p x p matrix is factored
    once, not once per column.

    ``diagonal``: columns whose block of G is diagonal (one wide factor's indicators, the design's
    ``diagonal_columns``), D; with the other columns' block A and B between them, b_a = S^- v with
    v = u_a - B D^{-1} u_d and S = A - B D^{-1} B', and b_d = D^{-1} (u_d - B' b_a), O(k m^2) for k such
    columns and m others (as :func:`_factor_blocked` solves G), unless a level has no weight.
    """
    out, _ = conditioned_normal_solutions(G, U, diagonal)
    return out


def conditioned_normal_solutions(G: np.ndarray, U: np.ndarray, diagonal: np.ndarray | None = None
                                 ) -> tuple[np.ndarray, float | None]:
    """(:func:`normal_solutions`, None where G (through its diagonal block, S) is positive definite with condition
    number below ``EXPLAINED_MAX_COND`` and its Cholesky factor solved it, else the reciprocal condition number of the
    matrix its least-squares solve took, the scaled G or S: its smallest singular value over the largest, of the
    columns that are not zero).  Where least squares took it, the rank decision, made on X'WX, sees what the QR of the
    rows W^(1/2) X keeps only as rounding (its singular values are the squares of theirs): a caller that can reach the
    rows decides it from them."""
    U = np.asarray(U, dtype=float)
    one = U.ndim == 1
    U2 = U[:, None] if one else U
    p = G.shape[0]
    if p == 0:
        out = np.zeros((0, U2.shape[1]))
        return (out[:, 0] if one else out), None
    solved = None if diagonal is None or not len(diagonal) else _solutions_blocked(G, U2, diagonal)
    if solved is None:
        d = np.sqrt(np.diag(G))
        d[~(d > 0)] = 1.0
        Gs, Us = G / np.outer(d, d), U2 / d[:, None]
        y = _refined_cholesky_solve(Gs, Us, EXPLAINED_MAX_COND)
        rcond = None
        if y is None:
            y, _, _, sv = np.linalg.lstsq(Gs, Us, rcond=None)
            # (over the columns with weight: a column that is zero in every row is aliased exactly, R's too)
            nonzero = int(np.count_nonzero(np.diag(G) > 0))
            rcond = float(sv[nonzero - 1] / sv[0]) if nonzero and sv[0] > 0 else 1.0
        solved = (y / d[:, None], rcond)  # (G = D Gs D: G b = u is Gs (D b) = D^-1 u)
    out, rcond = solved
    return (out[:, 0] if one else out), rcond


def _refined_cholesky_solve(G: np.ndarray, B: np.ndarray, max_cond: float) -> np.ndarray | None:
    """X with G X = B by Cholesky and one step of iterative refinement (X += G^{-1}(B - G X)), for a G scaled
    to unit diagonal; None unless G is positive definite with 1-norm condition number below ``max_cond``.

    (LAPACK's dposvx refines too, but also bounds the error of every column by iterative estimates of
    ||G^{-1}||: for hundreds of right-hand sides, matrix-vector products that took 10 s where these
    matrix-matrix solves take a fraction of one.)
    """
    potrf, pocon, potrs = cholesky_lapack()
    c, info = potrf(G, lower=False, clean=True)
    if info != 0:
        return None
    rcond, info = pocon(c, float(np.abs(G).sum(axis=0).max()))
    if info != 0 or not rcond > 1.0 / max_cond:
        return None
    X, _ = potrs(c, B)
    dX, _ = potrs(c, B - G @ X)
    return X + dX


def _solutions_blocked(G: np.ndarray, U: np.ndarray, diagonal: np.ndarray) -> tuple[np.ndarray, float | None] | None:
    """:func:`conditioned_normal_solutions` through G's diagonal block (G = [[A, B], [B', D]] is singular or
    ill conditioned only through S, which is then solved by least squares); None where D has a zero."""
    in_d = np.zeros(G.shape[0], dtype=bool)
    in_d[diagonal] = True
    d_idx, a_idx = np.flatnonzero(in_d), np.flatnonzero(~in_d)
    dd = G[d_idx, d_idx]
    if not np.all(dd > 0):
        return None
    B = G[np.ix_(a_idx, d_idx)]
    BDinv = B / dd
    Ud = U[d_idx]
    out = np.zeros(U.shape)
    rcond = None
    if a_idx.size:
        S = G[np.ix_(a_idx, a_idx)] - BDinv @ B.T
        # (S singular or ill conditioned)
        out[a_idx], rcond = conditioned_normal_solutions((S + S.T) / 2.0, U[a_idx] - BDinv @ Ud, None)
    out[d_idx] = (Ud - B.T @ out[a_idx]) / dd[:, None]
    return out, rcond


def sandwich_product(C: np.ndarray, meat: np.ndarray, diagonal: np.ndarray | None = None) -> np.ndarray:
    """C M C for symmetric C and M (a sandwich covariance: bread C = (X'WX)^{-1}, meat M = X'FX).

    ``diagonal``: positions of columns whose block of C^{-1} is diagonal (one wide factor's indicators, the
    design's ``diagonal_columns``).  Then with a = the other m columns, d = those k, P = C_aa, Q = C_ad (as
    :func:`_factor_blocked`'s inverse, C^{-1} = [[A, B], [B', D]], P = S^{-1}):

        C = E + U P U',   U = [I; Q' P^{-1}],   E = diag(0; e),   e = diag(C_dd - Q' P^{-1} Q) = 1 / diag(D),
        C M C = E M E + T U' + U T',   T = E M U P + U P (U' M U) P / 2,

    O((m + k)^2 m) instead of the O((m + k)^3) of two dense p x p products.
    """
    if diagonal is None or not len(diagonal):
        return C @ meat @ C
    p = C.shape[0]
    in_d = np.zeros(p, dtype=bool)
    in_d[diagonal] = True
    a, d = np.flatnonzero(~in_d), np.flatnonzero(in_d)
    P, Q = C[np.ix_(a, a)], C[np.ix_(a, d)]
    QtPinv = np.linalg.solve(P, Q).T if a.size else np.zeros((d.size, 0))  # Q' P^{-1} (P is symmetric)
    e = C[d, d] - np.einsum("ij,ji->i", QtPinv, Q)
    U = np.zeros((p, a.size))
    U[a, np.arange(a.size)] = 1.0
    U[d] = QtPinv
    MU = meat @ U
    T = np.zeros((p, a.size))
    T[d] = e[:, None] * MU[d]
    T = T @ P + U @ (P @ (U.T @ MU) @ P / 2.0)
    # T U' + U T' as one product (V is p x p, written once; a contiguous right factor: the product is
    # memory-bound, and BLAS streams a transposed view several times slower)
    V = np.hstack([T, U]) @ np.ascontiguousarray(np.hstack([U, T]).T)
    e_all = np.zeros(p)
    e_all[d] = e
    EME = meat * e_all  # (whole rows and columns scaled, not a fancy-indexed block: a copy less, and contiguous)
    EME *= e_all[:, None]
    V += EME
    return V


def factor_qr(R_aug: np.ndarray) -> StepFactor:
    """Solve the step from the triangular factor of sqrt(W) [X | r], finding aliased columns."""
    p = R_aug.shape[1] - 1
    # (the factor of fewer rows than columns, n x (p + 1), as it is: padding it to (p + 1) x (p + 1) made
    # its Gram matrix below O(p^3) where R'R is O(n p^2))
    R = R_aug[: p + 1] if R_aug.shape[0] else np.zeros((1, p + 1))
    # R's aliasing and the kept columns' triangular factor in one sweep; the residual column rides along
    aliased, T = triangularise_in_order(R, carried=1)
    kept, rk, ck, rinv = set_aside_singular(R, ~aliased, T[:, np.append(~aliased, True)])
    step = np.zeros(p)
    step[kept] = _upper_solve(rk, ck)
    Rx = R[:, :p]
    d = column_norms(rk)
    d[~(d > 0)] = 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        # 1-norm condition number of the column-scaled factor: ||R D^-1||_1 ||D R^-1||_1
        cond = float(np.abs(rk / d).sum(axis=0).max(initial=0.0)
                     * np.abs(rinv * d[:, None]).sum(axis=0).max(initial=0.0))
    # (inv and gram on first read)
    return StepFactor(kept, step, partial(_qr_inverse, rinv), lambda: Rx.T @ Rx, "qr",
                      cond=cond if cond >= 1.0 else 1.0)


def _qr_inverse(rinv: np.ndarray) -> np.ndarray:
    """(X_K'WX_K)^{-1} = R^{-1} R^{-T} from the kept columns' inverse factor.  Where the working weights vanish
    (a linear predictor running off) it overflows: its entries are then inf, silently -- the callers test for a
    finite covariance (a non-finite one is no convergence: :func:`~glmstat.engine.step_size.relative_step`), and
    no numpy warning may reach the user."""
    with np.errstate(over="ignore", invalid="ignore"):
        return rinv @ rinv.T


def factor_gram(gram: np.ndarray, score: np.ndarray, kept: np.ndarray,
                max_cond: float = GRAM_MAX_COND, diagonal: np.ndarray | None = None,
                whole: Callable[[], np.ndarray] | None = None) -> StepFactor | None:
    """Cholesky solve of the normal equations X'WX step = X'Wr on the kept columns (LAPACK's ``dposvx``).

    LAPACK scales G = X'WX to S G S with unit diagonal (S = diag(G)^(-1/2)) whenever the diagonal spans more
    than a factor of 100 (``dpoequ``), factors it, estimates its 1-norm condition number and solves with one
    step of iterative refinement.  Returns ``None`` when G is not positive definite or the condition number
    exceeds ``max_cond`` (of S G S, or of G itself when its diagonal is balanced, which is at most 100
    times that): the caller then falls back to the QR reducer.

    ``diagonal``: columns whose block of G is diagonal (one wide factor's indicators, from the design's
    ``diagonal_columns``): G is then solved through that block (:func:`_factor_blocked`).

    ``whole``: where ``gram`` holds X'WX among the kept columns only, a function computing all of it, which the
    factor's ``gram`` then reads (on first read) instead.
    """
    if diagonal is not None:
        return _factor_blocked(gram, score, kept, diagonal, max_cond, gram if whole is None else whole)
    all_kept = np.count_nonzero(kept) == kept.size  # (cheaper than kept.all() for a few columns)
    if all_kept:
        g, u = gram, score
    else:
        idx = np.flatnonzero(kept)
        g, u = gram[np.ix_(idx, idx)], score[idx]
    if not (np.isfinite(g).all() and np.isfinite(u).all()):
        return None  # (an overflowed Gram matrix: the QR reducer instead)
    posvx, _ = _posvx_lapack()
    _, c, equed, s, _, x, rcond, _, _, info = posvx(g, u)
    if info != 0 or not rcond > 1.0 / max_cond:  # (info = p + 1: singular to working precision)
        return None
    x = x[:, 0]
    if all_kept:
        step = x
    else:
        step = np.zeros(gram.shape[0])
        step[idx] = x
    scaled = equed == b"Y"

    return StepFactor(kept.copy(), step, lambda: _posvx_inverse(c, s, scaled), gram if whole is None else whole,
                      "cholesky", lambda: _posvx_inverse_diagonal(c, s, scaled), cond=math.sqrt(1.0 / rcond))


def _posvx_inverse(c: np.ndarray, s: np.ndarray, scaled: bool) -> np.ndarray:
    """G^-1 from dposvx's factor ``c`` (upper: S G S = U'U) and scaling ``s``: G^-1 = S (S G S)^-1 S, exactly
    symmetric."""
    _, potrs = _posvx_lapack()
    ci, _ = potrs(c, np.eye(c.shape[0]), 0, 1)  # (lower=0, overwrite_b=1)
    ci = (ci + ci.T) / 2.0
    return ci * np.multiply.outer(s, s) if scaled else ci


def _posvx_inverse_diagonal(c: np.ndarray, s: np.ndarray, scaled: bool) -> np.ndarray:
    """diag(G^-1) from dposvx's factor (as :func:`_posvx_inverse`): the squared rows of U^-1 summed, one
    triangular inverse, a third of the flops of the inverse (which solves for the identity): polishing reads only
    the diagonal, and a refit that needs no covariance (a profile's) never reads the inverse."""
    trtri, _ = _triangular_lapack()
    ui, _ = trtri(c, lower=0)
    ui = np.triu(ui)  # (the strict lower part of posvx's factor is not U's)
    d = np.einsum("ij,ij->i", ui, ui)
    return d * s * s if scaled else d


def _unweighted_part(b, p: int, positive_weights: bool = False) -> QRReducer:
    red = QRReducer(p)
    w = (b.weights > 0).astype(float) if positive_weights else np.ones(b.X.n_rows)
    red.add(b.X, w, np.zeros(b.X.n_rows))
    return red


def design_qr(source: DesignSource, positive_weights: bool = False) -> QRReducer:
    """The QR reducer of the unweighted design over the source's blocks (zero-weight rows included), as R's
    ``qr(model.matrix(fit))``: the triangular factor, or a wide factor's factor-first parts.  With
    ``positive_weights`` over the rows of positive weight only, the rows the fit's own QR has (R's
    ``fit$qr``, of sqrt(w) X: a row of weight 0 is a row of zeros there)."""
    p = source.n_cols
    return fold(source, partial(_unweighted_part, p=p, positive_weights=positive_weights), QRReducer.merge,
                QRReducer(p))
