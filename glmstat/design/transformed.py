"""A design whose columns are linear combinations of a structured store's: X = Z T.

A factor coded by sum, Helmert or polynomial contrasts has columns E C, with E the indicators of its L levels
and C its L x k contrast matrix (:mod:`glmstat.formula.contrasts`); every row has up to k non-zeros (a sum
coded factor's last level is -1 in all of them), so it is not one of the structured store's factors.  It is
stored as the structured design's indicator factor E (its codes, one per row) and the contrast matrix as a
sparse column map T; an interaction's map is the Kronecker product of its variables' matrices, the first
variable fastest.  Every other column maps to itself.  Each product is the structured store's product
mapped through T:

    X b = Z (T b),   X'v = T' (Z'v),   X'WX = T' (Z'WZ) T,   x_i' C x_i = z_i' (T C T') z_i,   X M = Z (T M),

and a triangular factor of sqrt(W) X is one of R_Z T, R_Z the store's (``column_map`` gives Z and T to the QR).

The store's columns that a column of X combines are never non-zero in the same row (they are the levels, or
cells, of one factor), so |X| is |Z| |T| entry by entry: ``column_abs_max`` and ``abs_rmatvec`` are Z's
mapped through |T| too.  Z has more columns than X (all L levels of each such factor, where X has k), never
more rows: nothing here grows with n beyond what Z holds.  Only ``toarray`` (when asked for) forms X's
entries, a block of rows at a time.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .base import Design, rows_within
from .structured import DIAGONAL_SOLVE_COLUMNS, Factor

__all__ = ["TransformedDesign"]

#: A column of X that combines at most this many store columns is read as their sum (each a comparison of codes).
_FEW_COLUMNS = 8
#: A column map whose block of combined columns has more than this share of non-zeros is multiplied as a dense
#: matrix (BLAS): a Helmert contrast's is half full, a polynomial one's full, a sum contrast's two a column.
_DENSE_SHARE = 0.1
#: ... when the dense operand has at least this many columns (a vector or a few stay sparse products).
_MANY_COLUMNS = 32


class TransformedDesign(Design):
    """X = Z T: ``inner`` the store Z (n x q), ``transform`` T a scipy sparse q x p matrix (CSC)."""

    def __init__(self, inner: Design, transform, _split: tuple | None = None) -> None:
        if transform.shape[0] != inner.n_cols:
            raise ValueError(f"the column map has {transform.shape[0]} rows for a store of {inner.n_cols} columns")
        self.inner = inner
        self.transform = transform.tocsc()
        self.n_rows = inner.n_rows
        self.n_cols = int(transform.shape[1])
        # (the split of T's columns, a function of T alone: made once, and shared by the views of rows that every
        # pass takes)
        self._split_cache = _split
        self._dense_cache: np.ndarray | None = None  # (T as a dense array, made when a product needs it)

    def __reduce__(self):
        return (TransformedDesign, (self.inner, self.transform))

    def __repr__(self) -> str:
        return f"<TransformedDesign {self.n_rows} x {self.n_cols} of {self.inner!r}>"

    @property
    def nbytes(self) -> int:
        T = self.transform
        return int(self.inner.nbytes + T.data.nbytes + T.indices.nbytes + T.indptr.nbytes)

    def _map(self, b: np.ndarray) -> np.ndarray:
        """T b (b of shape (p,) or (p, k))."""
        if self._dense_product(b):
            return self._dense_transform() @ b
        return np.asarray(self.transform @ b)

    def _back(self, u: np.ndarray) -> np.ndarray:
        """T' u (u of shape (q,) or (q, k))."""
        if self._dense_product(u):
            return self._dense_transform().T @ u
        return np.asarray(self.transform.T @ u)

    def _dense_product(self, b: np.ndarray) -> bool:
        """Whether T times the matrix ``b`` is a product of dense matrices: ``b`` has many columns and T is dense
        enough (a Helmert or polynomial contrast's).  scipy multiplies a sparse matrix by a dense one a
        multiply-add at a time: the standard errors of 100 predictions of a 2,000-level Helmert factor took 7 s."""
        T = self.transform
        return b.ndim == 2 and b.shape[1] >= _MANY_COLUMNS and T.nnz > _DENSE_SHARE * T.shape[0] * T.shape[1]

    def _dense_transform(self) -> np.ndarray:
        """T as a dense array (made once: the size of one p x p working matrix, as T is dense enough)."""
        if self._dense_cache is None:
            self._dense_cache = self.transform.toarray()
        return self._dense_cache

    def _split(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(design columns that are store columns unchanged, those store columns, the other design columns, the
        store columns these combine, each store column's design column or -1): a column of T with a single
        entry, 1, in a row of T with no other (computed once per T)."""
        if self._split_cache is None:
            self._split_cache = self._split_of_map()
        return self._split_cache

    def _split_of_map(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        T = self.transform
        per_col = np.diff(T.indptr)
        per_row = np.bincount(T.indices, minlength=T.shape[0])
        cols = np.flatnonzero(per_col == 1)
        first = T.indptr[cols]
        rows = T.indices[first]
        same = (T.data[first] == 1.0) & (per_row[rows] == 1)
        other = np.setdiff1d(np.arange(T.shape[1]), cols[same])
        used = np.unique(T[:, other].indices) if other.size else np.zeros(0, dtype=np.intp)
        at = np.full(T.shape[0] + 1, -1, dtype=np.intp)  # (a last -1: for a factor level without a column)
        at[rows[same]] = cols[same]
        return cols[same], rows[same], other, used, at

    def _congruent(self, G: np.ndarray) -> np.ndarray:
        """T' G T for a symmetric q x q G (exactly symmetric), without q x p temporaries: the columns that are
        store columns are G's entries gathered (a band of rows at a time), the others T' (G[:, S] M) with M
        the rows S of T they combine."""
        xs, zs, xo, zo, _ = self._split()
        p = self.n_cols
        out = np.empty((p, p))
        step = rows_within(xs.size)
        for a in range(0, xs.size, step):
            out[xs[a:a + step, None], xs] = G[zs[a:a + step, None], zs]
        if xo.size:
            M = self.transform[zo][:, xo]
            if M.nnz > _DENSE_SHARE * M.shape[0] * M.shape[1]:
                # (a Helmert or polynomial contrast's map is half full or full: scipy's sparse product, one
                # multiply-add at a time, took 80 s a pass for a 4,500-level Helmert factor where the product of
                # dense matrices that max_pass_work counts takes seconds)
                Md = M.toarray()
                B = G[:, zo] @ Md  # G[:, S] M, q x |xo|
                part = np.empty((p, xo.size))  # T' G T[:, xo], p x |xo|: T's columns xs are store columns
                part[xs] = B[zs]
                part[xo] = Md.T @ B[zo]
            else:
                B = np.asarray(M.T @ G[zo]).T  # G[:, S] M = (M' G[S, :])', q x |xo| (G symmetric)
                part = self._back(B)  # T' G T[:, xo], p x |xo|
            sq = part[xo]
            part[xo] = (sq + sq.T) / 2.0
            out[:, xo] = part
            out[xo, :] = part.T
        return out

    def matvec(self, beta: np.ndarray) -> np.ndarray:
        return self.inner.matvec(self._map(beta))

    def rmatvec(self, v: np.ndarray) -> np.ndarray:
        return self._back(self.inner.rmatvec(v))

    def gram(self, w: np.ndarray) -> np.ndarray:
        """X'WX = T' (Z'WZ) T; from X's rows, sum_i w_i x_i x_i', where they are fewer than the store's q
        columns (a q x q Z'WZ of 4,532 columns took 164 MB and 3 s for 200 rows of 2,700 columns)."""
        if self.n_rows < self.inner.n_cols:
            return self._rows_gram(w)
        return self._congruent(self.inner.gram(w))

    def gram_score(self, w: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.n_rows < self.inner.n_cols:
            return self._rows_gram(w), self.rmatvec(w * r)
        G, u = self.inner.gram_score(w, r)
        return self._congruent(G), self._back(u)

    def _rows_gram(self, w: np.ndarray) -> np.ndarray:
        """sum_i w_i x_i x_i' over X's rows, a block of them at a time (exactly symmetric)."""
        out = np.zeros((self.n_cols, self.n_cols))
        for start, stop, B in self._row_blocks():
            D = B.toarray()
            out += D.T @ (D * w[start:stop, None])
        return (out + out.T) / 2.0

    def quadratic_diag(self, C: np.ndarray) -> np.ndarray:
        # T C T' = T (T C')'  (a NaN in C reaches the store's columns of the X columns it is in)
        return self.inner.quadratic_diag(self._map(self._map(np.asarray(C).T).T))

    def matmat(self, M: np.ndarray) -> np.ndarray:
        return self.inner.matmat(self._map(M))

    def group_rmatvec(self, v: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
        return self._back(self.inner.group_rmatvec(v, groups, n_groups).T).T

    def column(self, j: int) -> np.ndarray:
        """sum_z T_zj z_z: the few store columns a contrast column combines (2 for a sum contrast), each an O(n)
        read; a column of many (a polynomial contrast) as the product Z T_j."""
        T = self.transform
        lo, hi = T.indptr[j], T.indptr[j + 1]
        if hi - lo > _FEW_COLUMNS:
            return self.inner.matvec(T[:, [j]].toarray()[:, 0])
        out = np.zeros(self.n_rows)
        for z, v in zip(T.indices[lo:hi], T.data[lo:hi]):
            out += v * self.inner.column(z)
        return out

    def select(self, cols: Sequence[int]) -> "TransformedDesign":
        return TransformedDesign(self.inner, self.transform[:, np.asarray(cols, dtype=np.intp)])

    def rows(self, start: int, stop: int) -> "TransformedDesign":
        return TransformedDesign(self.inner.rows(start, stop), self.transform, self._split())

    def take(self, rows: np.ndarray) -> "TransformedDesign":
        return TransformedDesign(self.inner.take(rows), self.transform, self._split())

    def stack(self, others: Sequence[Design]) -> "TransformedDesign":
        """[Z; Z_1; ...] T: the stores stacked, under the one column map they share."""
        for o in others:
            if (not isinstance(o, TransformedDesign) or o.transform.shape != self.transform.shape
                    or (o.transform != self.transform).nnz):
                raise ValueError(f"cannot stack {o!r} under {self!r}: another kind or another column map")
        return TransformedDesign(self.inner.stack([o.inner for o in others]), self.transform, self._split_cache)

    def _row_blocks(self):
        """(start, stop, X's rows start..stop-1 as a scipy CSR matrix), a bounded number of cells at a time:
        the store's rows (a few non-zeros each: one per factor, and the dense columns) times T, at a cost of
        their non-zeros times T's entries per row, not q x p per row."""
        step = rows_within(self.n_cols)
        for start in range(0, self.n_rows, step):
            stop = min(self.n_rows, start + step)
            yield start, stop, self.inner.rows(start, stop).tosparse() @ self.transform

    def column_abs_max(self) -> np.ndarray:
        """max_i |x_ij| = max_z |T_zj| max_i |z_iz|: the store's columns a column of X combines are never
        non-zero in the same row (the levels of one factor), so |x_ij| is one |T_zj z_iz|."""
        zmax = self.inner.column_abs_max()
        if self.n_rows == 0 or self.n_cols == 0:
            return np.zeros(self.n_cols)
        return np.asarray(abs(self.transform).multiply(zmax[:, None]).max(axis=0).toarray()).ravel()

    def abs_rmatvec(self, v: np.ndarray) -> np.ndarray:
        """|X|' v = |T|' (|Z|' v), for the same reason."""
        return np.asarray(abs(self.transform).T @ self.inner.abs_rmatvec(v))

    def tosparse(self):
        return self.inner.tosparse() @ self.transform

    def toarray(self) -> np.ndarray:
        X = np.empty((self.n_rows, self.n_cols))
        for start, stop, Xb in self._row_blocks():
            X[start:stop] = Xb.toarray()
        return X

    def numeric_block(self) -> tuple[np.ndarray, np.ndarray]:
        """The store's numeric columns that are X's columns unchanged (every one, but those ``select`` left out)."""
        zcols, block = self.inner.numeric_block()
        at = self._split()[4][zcols]
        mapped = at >= 0
        return at[mapped], (block if mapped.all() else block[:, mapped])

    def with_numeric_block(self, block: np.ndarray) -> "TransformedDesign":
        zcols, inner_block = self.inner.numeric_block()
        mapped = self._split()[4][zcols] >= 0
        if not mapped.all():  # (a store column X no longer has, after ``select``, keeps its own values)
            full = inner_block.copy(order="F")
            full[:, mapped] = block
            block = full
        return TransformedDesign(self.inner.with_numeric_block(block), self.transform, self._split())

    def column_map(self):
        return self.inner, self.transform

    def widest_factor(self, min_columns: int) -> int | None:
        """The store's widest factor, when its columns are design columns unchanged (a treatment-coded factor
        beside the contrasts)."""
        i = self.inner.widest_factor(min_columns)
        if i is None:
            return None
        cols = self.inner.factor(i).columns
        return i if np.all(self._split()[4][cols[cols >= 0]] >= 0) else None

    def factor(self, i: int) -> Factor:
        f = self.inner.factor(i)
        return Factor(f.codes, self._split()[4][f.columns], f.values, f.parts)

    def diagonal_columns(self) -> np.ndarray | None:
        """The store's diagonal columns (a wide treatment-coded factor's) that are X's columns unchanged."""
        d = self.inner.diagonal_columns()
        if d is None:
            return None
        xs, zs, _, _, _ = self._split()
        cols = xs[np.isin(zs, d)]
        return cols if cols.size >= DIAGONAL_SOLVE_COLUMNS else None
