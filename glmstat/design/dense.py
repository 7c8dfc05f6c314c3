"""A design stored as a dense float64 array (small designs, and designs with interactions)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .base import SMALL_CELLS, TRIANGLE_MAX_COLUMNS, Design

__all__ = ["DenseDesign"]

#: Rows per block for row-wise products (x_i' C x_i): the temporaries stay cache-sized.
_BLOCK = 4096


class DenseDesign(Design):
    """X as an (n, p) float64 array (never copied; Fortran or C order)."""

    def __init__(self, X: np.ndarray) -> None:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2:
            raise ValueError(f"a dense design is 2-dimensional, got shape {X.shape}")
        self.X = X
        self.n_rows, self.n_cols = X.shape
        # a small design also keeps X' contiguous: for a few hundred rows the IRLS products cost less on rows of
        # X' than as X'X of a scaled copy (fewer, cheaper numpy calls)
        self._Xt = np.ascontiguousarray(X.T) if X.size <= SMALL_CELLS else None

    def __repr__(self) -> str:
        return f"<DenseDesign {self.n_rows} x {self.n_cols}>"

    @property
    def nbytes(self) -> int:
        return int(self.X.nbytes + (0 if self._Xt is None else self._Xt.nbytes))

    def __reduce__(self):
        return (DenseDesign, (self.X,))

    def numeric_block(self) -> tuple[np.ndarray, np.ndarray]:
        return np.arange(self.n_cols), self.X

    def with_numeric_block(self, block: np.ndarray) -> "DenseDesign":
        return DenseDesign(block)

    def matvec(self, beta: np.ndarray) -> np.ndarray:
        return self.X @ beta

    def rmatvec(self, v: np.ndarray) -> np.ndarray:
        return self.X.T @ v

    def gram(self, w: np.ndarray) -> np.ndarray:
        if np.all(w >= 0):
            A = self.X * np.sqrt(w)[:, None]  # A'A dispatches to syrk: exactly symmetric
            return A.T @ A
        G = self.X.T @ (self.X * w[:, None])
        return (G + G.T) / 2

    def gram_score(self, w: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For working weights (w >= 0): A'A with A = sqrt(w) X (one syrk: exactly symmetric), and X'(w r)."""
        Xt = self._Xt
        if Xt is not None:
            A = Xt * np.sqrt(w)
            return np.dot(A, A.T), np.dot(Xt, w * r)
        A = self.X * np.sqrt(w)[:, None]
        return A.T @ A, self.X.T @ (w * r)

    def quadratic_diag(self, C: np.ndarray) -> np.ndarray:
        out = np.empty(self.n_rows)
        for s in range(0, self.n_rows, _BLOCK):
            blk = self.X[s:s + _BLOCK]
            out[s:s + blk.shape[0]] = np.einsum("ij,ij->i", blk @ C, blk)
        return out

    def matmat(self, M: np.ndarray) -> np.ndarray:
        return self.X @ M

    def group_rmatvec(self, v: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
        out = np.zeros((n_groups, self.n_cols))
        np.add.at(out, groups, self.X * v[:, None])
        return out

    def column(self, j: int) -> np.ndarray:
        return self.X[:, j]

    def select(self, cols: Sequence[int]) -> "DenseDesign":
        return DenseDesign(np.ascontiguousarray(self.X[:, np.asarray(cols, dtype=np.intp)]))

    def rows(self, start: int, stop: int) -> "DenseDesign":
        return DenseDesign(self.X[start:stop])

    def take(self, rows: np.ndarray) -> "DenseDesign":
        return DenseDesign(self.X[rows])

    def stack(self, others: Sequence[Design]) -> "DenseDesign":
        """[X; X_1; ...; X_k], one new array."""
        for o in others:
            if not isinstance(o, DenseDesign) or o.n_cols != self.n_cols:
                raise ValueError(f"cannot stack {o!r} under {self!r}: another kind or other columns")
        return DenseDesign(np.concatenate([self.X] + [o.X for o in others]))

    def column_abs_max(self) -> np.ndarray:
        if self.n_rows == 0:
            return np.zeros(self.n_cols)
        if self._Xt is not None:  # (a reduction along contiguous rows of X')
            return np.maximum.reduce(np.abs(self._Xt), axis=1)
        return np.maximum(np.abs(self.X.max(axis=0)), np.abs(self.X.min(axis=0)))  # (no |X| copy of a large X)

    def abs_rmatvec(self, v: np.ndarray) -> np.ndarray:
        return np.abs(self.X).T @ v

    def toarray(self) -> np.ndarray:
        return np.array(self.X)

    def weighted_triangle(self, w: np.ndarray, r: np.ndarray,
                          max_columns: int | None = TRIANGLE_MAX_COLUMNS) -> np.ndarray | None:
        # (the rows are dense already: one QR at any width)
        sw = np.sqrt(w)
        A = np.empty((self.n_rows, self.n_cols + 1))
        np.multiply(self.X, sw[:, None], out=A[:, : self.n_cols])
        np.multiply(r, sw, out=A[:, self.n_cols])
        return np.linalg.qr(A, mode="r") if np.isfinite(A).all() else None
