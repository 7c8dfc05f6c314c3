"""The triangular factor of sqrt(W) [X | r] for a structured design, without a dense QR of every column.

The QR reducer decides aliasing from a matrix whose columns have the geometry of sqrt(W) [X | r] (the same
inner products).  For a structured design the indicator columns of one factor are orthogonal with disjoint
supports, so that factor's part of the factor is known in closed form:

* the weighted indicator of level l has norm s_l = sqrt(sum of w over the rows at l), and its unit vector
  q_l is orthogonal to every other level's (for a factor with values t, a ``g:x`` interaction, the column is
  t times the indicator: s_l = sqrt(sum of w t^2), and the same holds);
* every other column a (the intercept, numeric columns, other factors' indicators, the residual r) splits
  into its coordinates b_l = q_l'a on those unit vectors (weighted sums by level: a bincount) and the rest
  a - sum_l q_l b_l, whose triangular factor is a dense QR of the remaining columns only.

With the widest factor taken out so, a design of 120,000 rows, 250 factor columns and 76 others costs a
dense QR of 76 columns instead of 326 (some 18 times fewer operations).  The parts (:class:`FactorFirst`)
merge across row blocks level by level.  R's order-dependent aliasing rule needs the factor in the design's
own column order: :meth:`FactorFirst.design_order` re-triangularises it (O(p^3)), and
:meth:`FactorFirst.aliased` reads the same decisions from the dependencies among the columns instead, in
O(k m) per dependency, for a factor too wide for that.

A design of contrasts, X = Z T (:class:`~glmstat.design.transformed.TransformedDesign`), whose store Z holds the
wide factor's every level (a sum- or Helmert-coded factor), has no such orthogonal columns of its own; its factor is
that of R_Z diag(T, 1), R_Z the store's, from these parts (:meth:`glmstat.engine.linalg.QRReducer.add`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._scipy import linalg as sla
from ..design.base import Design
from .aliasing import ALIAS_TOL, aliased_from_null_space, triangularise_in_order

__all__ = ["FactorFirst", "InverseBlocks", "factor_first", "structured_r", "widest_factor"]

#: Below this many columns taken out, the closed form does not pay for its bookkeeping.
MIN_FACTOR_COLUMNS = 8


def widest_factor(X: Design) -> int | None:
    """Index of the store's factor with the most design columns, if at least ``MIN_FACTOR_COLUMNS`` (None for
    a dense design)."""
    return X.widest_factor(MIN_FACTOR_COLUMNS)


def _level_sums(codes: np.ndarray, M: np.ndarray, n_levels: int) -> np.ndarray:
    """(n_levels, k): the sums of the rows of M by level (a bincount per column)."""
    return np.stack([np.bincount(codes, M[:, j], minlength=n_levels) for j in range(M.shape[1])], axis=1) \
        if M.shape[1] else np.zeros((n_levels, 0))


@dataclass(frozen=True)
class FactorFirst:
    """The triangular factor of sqrt(W) [X | r] with one factor's columns first, kept in its parts:

        [[diag(s), B], [0, R]]   (columns: the factor's k levels that have a column, then the m others and r)

    s_l is the norm of level l's weighted indicator, B (k x (m+1)) the other columns' coordinates on the unit
    indicators and R ((m+1) x (m+1), upper triangular) the factor of what the indicators leave of them.
    O(k m) numbers instead of (k + m)^2.
    """

    cols: np.ndarray  # (k,) the design columns of the factor's levels that have one
    rest: np.ndarray  # (m,) the other design columns, in the design's order
    s: np.ndarray
    B: np.ndarray
    R: np.ndarray

    @property
    def n_cols(self) -> int:
        return self.cols.size + self.rest.size

    def merge(self, other: "FactorFirst") -> "FactorFirst":
        """The parts of both blocks' rows: each level's two rows [s e_l | B_l] are rotated into one (a Givens
        rotation, r_l = hypot(s_l, s'_l)) and the other's remainder [0 | -c' B_l + c B'_l] joins the QR
        of the other columns."""
        r = np.hypot(self.s, other.s)
        has = r > 0
        c = np.where(has, self.s / np.where(has, r, 1.0), 1.0)[:, None]
        t = np.where(has, other.s / np.where(has, r, 1.0), 0.0)[:, None]
        top, bottom = c * self.B + t * other.B, c * other.B - t * self.B
        R = np.linalg.qr(np.vstack([bottom, self.R, other.R]), mode="r")
        return FactorFirst(self.cols, self.rest, r, top, R)

    def stacked(self) -> np.ndarray:
        """The parts as one matrix G in the design's column order, (k + m + 1) x (p + 1), with G'G =
        [X | r]' W [X | r] (not triangular: its rows are the parts')."""
        k, p = self.cols.size, self.n_cols
        G = np.zeros((k + self.R.shape[0], p + 1))
        G[np.arange(k), self.cols] = self.s
        cols_rest = np.append(self.rest, p)
        G[:k, cols_rest] = self.B
        G[k:, cols_rest] = self.R
        return G

    def design_order(self) -> np.ndarray:
        """The triangular factor in the design's own column order (a dense QR: O(p^3)), of at most (p+1) rows.

        The rows of levels without weight (no row of the block, or only rows of weight 0) are zero: they add
        nothing to G'G and are left out of the QR, whose rows are then at most the levels with weight plus the
        other columns' -- a design wider than its rows (an interaction of 1,300 cells on 200 rows) has a few
        hundred, where the QR of every level's row cost O(k^2 p)."""
        G = self.stacked()
        k = self.cols.size
        weighted = (self.s > 0) | np.any(self.B != 0, axis=1)
        if not weighted.all():
            G = np.vstack([G[:k][weighted], G[k:]])
        return np.linalg.qr(G, mode="r")

    def _dependencies(self, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(N, zero, norms): the dependencies among the columns, one row of N per column that R's rule aliases
        with the factor first (besides the columns of norm 0, ``zero``), and every column's norm.

        Each such column x_j = sum_kept alpha_i x_i + sum_l beta_l (level l's indicator): alpha from the
        triangular solve on R's kept columns before j, beta_l = (b_lj - b_l,kept alpha) / s_l from B.
        """
        m, p = self.rest.size, self.n_cols
        Bx = self.B[:, :m]
        norms = np.empty(p)
        norms[self.cols] = self.s
        rest_norms = np.sqrt(np.einsum("ij,ij->j", Bx, Bx) + np.einsum("ij,ij->j", self.R[:, :m], self.R[:, :m]))
        norms[self.rest] = rest_norms
        rest_aliased, T = triangularise_in_order(self.R[:, :m], tol, norms=rest_norms)
        deps = np.flatnonzero(rest_aliased & (rest_norms > 0))
        N = np.zeros((deps.size, p))
        kept = np.flatnonzero(~rest_aliased)
        inv_s = np.where(self.s > 0, 1.0 / np.where(self.s > 0, self.s, 1.0), 0.0)
        for row, j in enumerate(deps):
            before = kept[kept < j]
            i = before.size
            alpha = sla.solve_triangular(T[:i][:, before], T[:i, j]) if i else np.zeros(0)
            N[row, self.rest[j]] = 1.0
            N[row, self.rest[before]] = -alpha
            N[row, self.cols] = -(Bx[:, j] - Bx[:, before] @ alpha) * inv_s
        return N, norms == 0, norms

    def aliased(self, tol: float = ALIAS_TOL) -> np.ndarray | None:
        """R's aliased columns in the design's order, without the design-order factor.

        With the factor first, a level's column is aliased only when it has no weight (s_l = 0), and the
        other columns by R's rule on R (against their own norms): each one so aliased is a dependency
        (:meth:`_dependencies`), and R's decisions in the design's order follow from the dependencies
        (:func:`aliased_from_null_space`).  Columns of norm 0 are aliased in any order.  None when the
        dependencies do not settle it.
        """
        N, zero, norms = self._dependencies(tol)
        out = aliased_from_null_space(N[:, ~zero], norms[~zero])
        if out is None:
            return None
        aliased = zero.copy()
        aliased[~zero] = out
        return aliased

    def null_space(self, tol: float = ALIAS_TOL) -> np.ndarray:
        """An orthonormal basis (p x d) of the null space of sqrt(W) X: the dependencies (:meth:`_dependencies`)
        and the columns of norm 0, orthonormalised."""
        N, zero, _ = self._dependencies(tol)
        basis = np.vstack([N, np.eye(self.n_cols)[zero]]).T
        return np.linalg.qr(basis)[0] if basis.shape[1] else basis

    def inverse_blocks(self, kept: np.ndarray) -> "InverseBlocks | None":
        """The inverse of the triangular factor of sqrt(W) X_K, the kept columns K (a mask over the design's),
        by blocks (:class:`InverseBlocks`): F = [[diag(1/s), K], [0, R^{-1}]] with K = -diag(1/s) B R^{-1}, R
        the factor of the other kept columns (``R`` re-triangularised on them where some are aliased).

        None where that is not the factor of X_K: a kept level without weight, an aliased level with weight
        (R's rule in the design's order aliased it, not a column after the factor), or R singular."""
        m = self.rest.size
        lev = kept[self.cols]
        if np.any(lev & ~(self.s > 0)) or np.any(~lev & (self.s > 0)):
            return None
        rest_kept = kept[self.rest]
        R = self.R[:, :m][:, rest_kept]
        if not rest_kept.all():
            R = np.linalg.qr(R, mode="r")  # (the Gram of the kept columns is R'R of these: a QR of them)
        mk = int(rest_kept.sum())
        if R.shape[0] < mk or not np.all(np.abs(np.diag(R[:mk])) > 0):
            return None
        Rinv = sla.solve_triangular(R[:mk], np.eye(mk))
        inv_s = 1.0 / self.s[lev]
        return InverseBlocks(self.cols[lev], self.rest[rest_kept], inv_s,
                             -(inv_s[:, None] * self.B[lev][:, :m][:, rest_kept]) @ Rinv, Rinv)

    def gram_score(self, kept: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """X'WX (p x p, the design's order) and X'W r from the parts:
        [[diag(s^2), s B_x], [B_x' s, B_x'B_x + R_x'R_x]] and [s b_r; B_x'b_r + R_x'R_r].

        ``kept`` (a mask of the design's columns): X'WX only among those columns, zero elsewhere -- all a solve on
        them reads, O(k m_K + m_K^2 (k + m)) for the m_K others kept, where every column's is O(p^2 (k + m)): a
        design wider than its rows (4,680 columns, 200 kept) formed 22 million products to read 40,000."""
        m, p = self.rest.size, self.n_cols
        Bx, Rx = self.B[:, :m], self.R[:, :m]
        G = np.zeros((p, p))
        lev = np.ones(self.cols.size, dtype=bool) if kept is None else kept[self.cols]
        oth = np.ones(m, dtype=bool) if kept is None else kept[self.rest]
        cols, rest = self.cols[lev], self.rest[oth]
        if kept is not None:
            Bx, Rx = Bx[:, oth], Rx[:, oth]
        G[cols, cols] = self.s[lev] ** 2
        cross = self.s[lev, None] * Bx[lev]
        G[np.ix_(cols, rest)] = cross
        G[np.ix_(rest, cols)] = cross.T
        G[np.ix_(rest, rest)] = Bx.T @ Bx + Rx.T @ Rx
        Bx, Rx = self.B[:, :m], self.R[:, :m]
        u = np.empty(p)
        u[self.cols] = self.s * self.B[:, m]
        u[self.rest] = Bx.T @ self.B[:, m] + Rx.T @ self.R[:, m]
        return G, u


@dataclass(frozen=True)
class InverseBlocks:
    """F = R^{-1} for the factor-first triangular factor R = [[diag(s), B], [0, R_o]] of sqrt(W) X_K, by blocks:

        F = [[diag(inv_s), K], [0, Rinv]]    (rows: the factor's levels ``levels``, then the others ``others``;
                                              columns: the same coordinates)

    so that (X_K' W X_K)^{-1} = F F' with no p x p product: O(k m) numbers for k levels and m other columns.
    ``levels`` and ``others`` are design columns."""

    levels: np.ndarray
    others: np.ndarray
    inv_s: np.ndarray
    K: np.ndarray  # (k, m) = -diag(inv_s) B R_o^{-1}
    Rinv: np.ndarray  # (m, m) upper triangular

    def root(self, p: int) -> np.ndarray:
        """F as a dense p x (k + m) matrix, its rows by design column (zero where not kept) and its first k
        columns the levels' (column j zero but at row ``levels[j]``)."""
        k, m = self.levels.size, self.others.size
        F = np.zeros((p, k + m))
        F[self.levels, np.arange(k)] = self.inv_s
        F[self.levels, k:] = self.K
        F[self.others, k:] = self.Rinv
        return F

    def inverse(self, kept: np.ndarray) -> np.ndarray:
        """F F' on the kept columns, kept x kept in the design's order: diag(inv_s^2) + K K' for the levels,
        K Rinv' across, Rinv Rinv' for the others (O(k^2 m), not the O(p^3) of a dense product)."""
        pos = np.cumsum(kept) - 1
        d, o = pos[self.levels], pos[self.others]
        out = np.empty((d.size + o.size,) * 2)
        dd = self.K @ self.K.T
        dd[np.diag_indices_from(dd)] += self.inv_s ** 2
        cross = self.K @ self.Rinv.T
        out[np.ix_(d, d)] = dd
        out[np.ix_(d, o)] = cross
        out[np.ix_(o, d)] = cross.T
        out[np.ix_(o, o)] = self.Rinv @ self.Rinv.T
        return out


def factor_first(X: Design, w: np.ndarray, r: np.ndarray, factor: int) -> FactorFirst:
    """The parts of the triangular factor of sqrt(W) [X | r] with factor ``factor``'s columns first.

    Parameters
    ----------
    X : Design
        The rows of one block (a design with factors: structured, or a structured store mapped by contrasts).
    w, r : ndarray
        Working weights (non-negative) and working residuals of those rows.
    factor : int
        Index of the factor whose indicator columns are taken out in closed form (see ``widest_factor``).
    """
    p = X.n_cols
    f = X.factor(factor)
    L = f.n_levels
    fcols = f.columns
    has_col = fcols >= 0
    out_cols = fcols[has_col]  # design columns of the factor's levels (the reference level has none)
    rest = np.setdiff1d(np.arange(p), out_cols)
    sw = np.sqrt(w)
    A = np.empty((X.n_rows, rest.size + 1))
    np.multiply(X.dense_columns(rest), sw[:, None], out=A[:, :-1])  # (no scaled temporary of the rows)
    A[:, -1] = r * sw
    swt = f.weighted(sw)  # each row's entry in its level's weighted column
    wl = np.bincount(f.codes, swt * swt, minlength=L)
    s = np.sqrt(wl)
    # project the other columns off the unit vectors q_l = sqrt(w) e_l / s_l of the levels with a column and
    # some weight (twice: the second pass removes what rounding left of the projection, as in reorthogonalised
    # Gram-Schmidt)
    use = has_col & (s > 0)
    # (only the levels taken out have coordinates: the others' are 0 -- 1,149 of 1,300 levels on 200 rows --, and
    # their rows nothing to subtract; the sums run over the levels taken out, numbered 0..u-1, and their rows)
    taken = np.flatnonzero(use)
    inv_s = 1.0 / s[taken]
    at = np.full(L, -1)
    at[taken] = np.arange(taken.size)
    rows = np.flatnonzero(at[f.codes] >= 0)
    code = at[f.codes[rows]]
    swt_r = swt[rows]
    coef_row = (swt_r * inv_s[code])[:, None]  # q_l's entry on each of those rows
    b_taken = np.zeros((taken.size, A.shape[1]))
    for _ in range(2):
        b = _level_sums(code, A[rows] * swt_r[:, None], taken.size) * inv_s[:, None]
        A[rows] -= coef_row * b[code]
        b_taken += b
    R_rest = np.linalg.qr(A, mode="r")
    lev = np.flatnonzero(has_col)
    B = np.zeros((lev.size, A.shape[1]))
    B[np.searchsorted(lev, taken)] = b_taken
    return FactorFirst(out_cols, rest, np.where(use[lev], s[lev], 0.0), B, R_rest)


def structured_r(X: Design, w: np.ndarray, r: np.ndarray, factor: int) -> np.ndarray:
    """An upper-triangular (p+1) x (p+1) matrix R with R'R = [X | r]' W [X | r], columns in the design's order
    (:func:`factor_first`, re-triangularised in the design's order).

    Returns
    -------
    ndarray
        The triangular factor, as ``numpy.linalg.qr(sqrt(W) [X | r], mode="r")`` up to the signs of its rows
        and rounding.
    """
    return factor_first(X, w, r, factor).design_order()
