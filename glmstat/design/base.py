"""The design-matrix interface: what every consumer (engine, influence, robust, anova, profile, prediction,
diagnosis) may ask of an n x p design X, whatever its storage.

The operations are the products GLM inference needs, each computable from a structured store (numeric columns
plus factor codes) without ever forming the dense matrix:

* ``matvec(b)``            X b                      (linear predictors)
* ``rmatvec(v)``           X' v                     (scores)
* ``gram(w)``              X' diag(w) X             (information; sandwich meats with w = e^2)
* ``gram_score(w, r)``     X' diag(w) X and X' diag(w) r in one pass (one IRLS step)
* ``quadratic_diag(C)``    x_i' C x_i for every row (leverages, prediction variances)
* ``matmat(M)``            X M, M p x k             (dfbeta rows, Jacobians of predictions)
* ``group_rmatvec(v, g)``  sum over the rows of each group of v_i x_i (cluster scores)
* ``column(j)``            the j-th column, shape (n,)
* ``select(cols)``, ``rows(start, stop)``, ``take(rows)``   sub-designs of the same kind
* ``stack(others)``        its rows followed by other designs' of the same kind and columns (rows of
                           several blocks of a source gathered, as a streamed clustered sandwich needs)
* ``column_abs_max()``, ``abs_rmatvec(v)``             magnitudes, for checks of scale
* ``toarray()``            the dense n x p matrix -- only when a caller explicitly needs it
* ``widest_factor(k)``, ``factor(i)``, ``dense_columns(cols)``   a factor whose columns a QR takes out in
                           closed form, and the other columns dense (:mod:`glmstat.engine.structured_qr`)
* ``tosparse()``           the same as a scipy sparse (CSR) matrix: a structured store's non-zeros only
* ``nbytes``              the memory the store holds

There is no numpy imitation (no ``X @ b``, no ``X[:, j]``): code that needs a product says which.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Sequence

import numpy as np

__all__ = ["Design", "GramSums", "SMALL_CELLS", "PRODUCT_CELLS", "rows_within"]

#: A design of at most this many cells (rows x columns) is small: fitted dense, with X' kept beside X, and
#: checked with reductions over copies -- its bookkeeping costs more than its arithmetic, and any extra copy
#: is at most 512 kB.
SMALL_CELLS = 2**16

#: Cells (rows x columns, 8 MB) of a temporary formed a block of rows at a time where a pass needs the entries
#: of a product themselves -- X's rows of a transformed store, x_i'F for a covariance factor F (p x p with a
#: wide factor), a batch of clusters' rows: small enough to stay in cache, and that a wide product is not held
#: whole.
PRODUCT_CELLS = 2**20


def rows_within(width: int) -> int:
    """Rows per block of a product ``width`` columns wide: ``PRODUCT_CELLS`` cells, at least one row."""
    return max(1, PRODUCT_CELLS // max(int(width), 1))


class GramSums:
    """X'WX (p x p) and X'W r (p) of some rows, added to by the sums of other rows (in place)."""

    def __init__(self, gram: np.ndarray, score: np.ndarray) -> None:
        self.gram, self.score = gram, score

    def merge(self, other) -> "GramSums":
        """These sums plus ``other``'s (any sums with ``gram`` and ``score``)."""
        self.gram += other.gram
        self.score += other.score
        return self


#: :meth:`Design.weighted_triangle` makes the rows of a design of at most this many columns dense, a chunk at a
#: time, for the QR of a score test (O(n p^2) flops: 0.4e9 for 1e5 rows of 64 columns); wider ones have none.
TRIANGLE_MAX_COLUMNS = 64
#: ... in chunks of about this many cells (2 MB).
TRIANGLE_CHUNK_CELLS = 2**18


def stacked_triangle(n_rows: int, width: int, chunk) -> np.ndarray | None:
    """The triangular factor R of the rows ``chunk(start, stop)`` (arrays of ``width`` columns) over 0..n_rows,
    about ``TRIANGLE_CHUNK_CELLS`` cells a chunk, each QR'd onto the factor so far; None where a row is not
    finite."""
    step = max(width, TRIANGLE_CHUNK_CELLS // width)
    R = np.zeros((0, width))
    for start in range(0, n_rows, step):
        A = chunk(start, min(n_rows, start + step))
        if not np.isfinite(A).all():
            return None
        R = np.linalg.qr(np.vstack([R, A]), mode="r")
    return R


class Design(ABC):
    """An n x p design matrix, by its products (see the module docstring)."""

    n_rows: int
    n_cols: int

    #: numpy operators refuse a design (TypeError) instead of treating it as an object array: products go
    #: through the methods below
    __array_ufunc__ = None

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_rows, self.n_cols)

    @property
    @abstractmethod
    def nbytes(self) -> int:
        """The bytes of the arrays the store holds (what keeping it in memory costs: a factor's codes, not its
        indicator columns)."""

    @abstractmethod
    def matvec(self, beta: np.ndarray) -> np.ndarray:
        """X beta, shape (n,)."""

    @abstractmethod
    def rmatvec(self, v: np.ndarray) -> np.ndarray:
        """X' v, shape (p,)."""

    @abstractmethod
    def gram(self, w: np.ndarray) -> np.ndarray:
        """X' diag(w) X, shape (p, p) (w of any sign)."""

    def gram_score(self, w: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(X' diag(w) X, X' diag(w) r), new arrays the caller may add to."""
        return self.gram(w), self.rmatvec(w * r)

    def gram_sums(self, w: np.ndarray, r: np.ndarray) -> "GramSums":
        """X' diag(w) X and X' diag(w) r as sums that add up over the blocks of a source (``merge``); a
        structured design keeps its factors' sums by level and assembles the p x p matrix once, when read."""
        return GramSums(*self.gram_score(w, r))

    @abstractmethod
    def quadratic_diag(self, C: np.ndarray) -> np.ndarray:
        """x_i' C x_i for every row i (C p x p, symmetric), shape (n,).  A NaN in C makes the rows it reaches
        NaN (callers zero the aliased rows and columns of a covariance: a NaN there is a covariance that could
        not be estimated, and no row's form is known)."""

    @abstractmethod
    def matmat(self, M: np.ndarray) -> np.ndarray:
        """X M for M of shape (p, k), shape (n, k)."""

    @abstractmethod
    def group_rmatvec(self, v: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
        """S with S[g] = sum_{i: groups_i = g} v_i x_i, shape (n_groups, p)."""

    @abstractmethod
    def column(self, j: int) -> np.ndarray:
        """Column j, shape (n,)."""

    @abstractmethod
    def select(self, cols: Sequence[int]) -> "Design":
        """The columns ``cols`` (in that order), same rows."""

    @abstractmethod
    def rows(self, start: int, stop: int) -> "Design":
        """Rows start..stop-1 (a view where the storage allows)."""

    @abstractmethod
    def take(self, rows: np.ndarray) -> "Design":
        """The rows at positions ``rows``."""

    @abstractmethod
    def stack(self, others: Sequence["Design"]) -> "Design":
        """This design's rows followed by those of ``others``, in order: designs of the same kind, columns and
        structure (blocks of one source, encoded alike), stacked in their own storage (a factor's codes, not
        its indicator columns).

        Raises
        ------
        ValueError
            For a design of another kind, other columns or another structure.
        """

    @abstractmethod
    def column_abs_max(self) -> np.ndarray:
        """max_i |x_ij| per column, shape (p,)."""

    @abstractmethod
    def abs_rmatvec(self, v: np.ndarray) -> np.ndarray:
        """|X|' v, shape (p,)."""

    @abstractmethod
    def toarray(self) -> np.ndarray:
        """The dense n x p matrix (a new array): only for callers that explicitly need every entry."""

    def weighted_triangle(self, w: np.ndarray, r: np.ndarray,
                          max_columns: int | None = TRIANGLE_MAX_COLUMNS) -> np.ndarray | None:
        """The triangular factor R of sqrt(w) [X | r] (a QR of the rows): from rows made dense a chunk of about
        ``TRIANGLE_CHUNK_CELLS`` cells at a time for a design of at most ``max_columns`` columns (O(n p^2):
        a structured design's score then loses no digits to X'WX, which squares the condition number: 5e-5 for
        R's 3.675 with a 30-level factor and nearly collinear columns); None for a wider one (its callers solve
        through X'WX and the rows instead, and ask again with ``max_columns=None`` where X'WX is too ill
        conditioned to decide the rank).  A design that holds its rows dense forms it in one QR."""
        p = self.n_cols
        if max_columns is not None and p > max_columns:
            return None

        def chunk(start: int, stop: int) -> np.ndarray:
            sw = np.sqrt(w[start:stop])
            return np.column_stack([self.rows(start, stop).toarray() * sw[:, None], r[start:stop] * sw])

        return stacked_triangle(self.n_rows, p + 1, chunk)

    def dense_columns(self, cols: Sequence[int]) -> np.ndarray:
        """The columns ``cols`` as a dense (n, len(cols)) array (for a QR of a few of them)."""
        return self.select(cols).toarray()

    @abstractmethod
    def numeric_block(self) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values): the design columns stored as numbers, and those numbers as an (n, k) array
        (not a copy); a factor's indicators and the intercept are not among them.  Every column of a dense
        design is."""

    @abstractmethod
    def with_numeric_block(self, block: np.ndarray) -> "Design":
        """The same design with the columns of :meth:`numeric_block` holding ``block`` instead (centered
        columns, for the penalized fit)."""

    def widest_factor(self, min_columns: int) -> int | None:
        """Which of the store's factors has the most design columns, if at least ``min_columns`` (a QR takes
        such a factor's orthogonal indicator columns out in closed form: :mod:`glmstat.engine.structured_qr`);
        None for a store without factors."""
        return None

    def factor(self, i: int):
        """Factor ``i`` of the store (see :meth:`widest_factor`), its levels' columns in this design's
        numbering."""
        raise IndexError(f"a {type(self).__name__} holds no factors")

    def column_map(self):
        """(Z, T) when X = Z T, its columns combinations of a store's (contrasts: scipy sparse T, q x p); None
        when the design is its own store."""
        return None

    def tosparse(self):
        """The n x p matrix as a scipy sparse CSR matrix (its non-zeros: for a store of codes, a few per row)."""
        from .._scipy import sparse

        return sparse.csr_matrix(self.toarray())

    def diagonal_columns(self) -> np.ndarray | None:
        """Columns whose cross-products with each other vanish for any weights (the indicator columns of one
        factor, or the columns of a ``g:x`` interaction: each row is at one level), when there are enough of
        them for X'WX to be solved through its diagonal block (see :func:`glmstat.engine.linalg.factor_gram`);
        None otherwise."""
        return None

    def row_blocks(self, block_rows: int):
        """(start, stop, rows(start, stop)) for consecutive blocks of at most ``block_rows`` rows."""
        step = max(1, int(block_rows))
        for start in range(0, self.n_rows, step):
            stop = min(self.n_rows, start + step)
            yield start, stop, self.rows(start, stop)
