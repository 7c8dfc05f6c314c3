"""The adjusted cluster scores of the clustered HC2 and HC3 sandwiches (``sandwich::vcovCL(type = "HC2"/"HC3")``).

Cluster g's score is s_g = X_g' A_g e_g with A_g = (I - H_g)^(-1/2) (HC2) or (I - H_g)^(-1) (HC3),
H_g = X_g C X_g' W_g its block of the hat matrix (m_g x m_g for m_g rows).  Only the columns J its rows reach
take part (a cluster's rows reach a few of a wide factor's levels): with T a factor of C_JJ (T T' = C_JJ,
j x j) and Z = X_gJ T the rows in its coordinates,

    f(I - H_g) = I + Z g(Z'W_g Z) Z' W_g,   g(lam) = ((1 - lam)^power - 1) / lam,

since H_g Z = Z (Z'W_g Z) and H_g vanishes where Z'W_g does (zero-weight rows included: their rows of Z give
them adjusted scores of their own, as sandwich's I - H_g does).  Z'W_g Z = V diag(lam) V' is j x j, so the
score in T's coordinates, u = T' s_g = Z' f(I - H_g) e_g, is

    u = Z'e_g + (Z'Z) V diag(g(lam)) V' Z'W_g e_g,

O(m_g j^2 + j^3) and no m_g x m_g matrix.  A cluster of no more rows than columns is taken on the rows'
side, from the m_g x m_g matrix W_g^(1/2) K W_g^(1/2), K = X_gJ C_JJ X_gJ' (the same non-zero eigenvalues),
and needs no factor.  Clusters are taken together, a stack of blocks padded to a few sizes, with one call of
each array operation per stack, not per cluster, on either side.  The scores are summed in the design's
coordinates (:class:`DesignCoordinates`: on the columns' side s_g = T'^(-1) u, which for a stack is
X_gJ'e_g + (X_gJ'Z) V diag(g(lam)) V' Z'W_g e_g, no solve), or in those of a factor F of an ill-conditioned C
(:class:`FactorCoordinates`: F_J' s_g, from the QR of F_J' on the columns' side and P = X_gJ F_J on the rows',
as accurate as x'F, with no X'X formed, whose products with T cancel).
Clusters are read in batches of consecutive clusters, as one sparse matrix of at most ``PRODUCT_CELLS``
non-zeros (:func:`~glmstat.design.base.rows_within`), each stack's temporaries bounded the same way; a
cluster whose rows would take more than that budget dense reads alone, in chunks of rows through the design
interface, its sums added over them, so that one cluster's memory is bounded by the budget and j x j.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from .._scipy import linalg as sla
from ..design.base import Design, rows_within

__all__ = ["adjusted_cluster_scores", "DesignCoordinates", "FactorCoordinates", "power_change", "cluster_batches",
           "column_reach", "column_sums", "score_from_sums", "added"]


def power_change(lam: np.ndarray, power: float) -> np.ndarray:
    """((1 - lam)^power - 1) / lam for eigenvalues 0 <= lam < 1 of a hat block, its limit -power at lam = 0
    (through expm1/log1p: no cancellation for small lam)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.expm1(power * np.log1p(-lam)) / lam
    return np.where(lam > 0, out, -power)


@dataclass(frozen=True)
class DesignCoordinates:
    """Scores in the design's coordinates (the kept columns), C well-conditioned: a cluster's T is the
    Cholesky factor of C_JJ and its score s_g = T'^(-1) u; a stack of clusters' K = X_gJ C_JJ X_gJ'."""

    C: np.ndarray

    @property
    def width(self) -> int:
        return self.C.shape[0]

    def root(self, J: np.ndarray) -> tuple[np.ndarray, Callable]:
        """(T, lift): T T' = C_JJ, lift(u) = (J, s_J)."""
        T = np.linalg.cholesky(self.C[np.ix_(J, J)])
        return T, lambda u: (J, sla.solve_triangular(T, u, lower=True, trans="T", check_finite=False))

    def cells(self, m: int, j: int) -> int:
        """Cells of the temporaries of :meth:`stacked` per cluster of m rows reaching j columns."""
        return (2 * m * j + j * j if 2 * j < self.width else 4 * m * self.width) + 3 * m * m

    def column_cells(self, m: int, j: int) -> int:
        """Cells of the temporaries of :meth:`stacked_columns` per cluster of m rows reaching j columns."""
        return 3 * m * j + 6 * j * j

    def stacked_columns(self, Xd: np.ndarray, J: np.ndarray, valid: np.ndarray, w: np.ndarray, e: np.ndarray,
                        power: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(at, scores, lam_max) of a stack of clusters of more rows than columns, their rows Xd (b x m x j) on
        their columns J (b x j, ``valid`` where not padding), weights and scores ``w``, ``e`` (b x m): T the
        Cholesky factors of C_JJ (the identity on the padding), and s_g = X_gJ'e + (X_gJ'Z) c_g with
        c_g = V diag(g(lam)) V' Z'W e (:func:`_stacked_change`), at the positions J -- T' s_g = u, with no
        solve."""
        CJJ = self.C[J[:, :, None], J[:, None, :]] * (valid[:, :, None] & valid[:, None, :])
        pad = np.flatnonzero(~valid.ravel())
        CJJ.reshape(-1, J.shape[1])[pad, pad % J.shape[1]] = 1.0
        Z = Xd @ np.linalg.cholesky(CJJ)
        change, lam_max = _stacked_change(Z, w, e, power)
        Xt = Xd.transpose(0, 2, 1)
        return J, np.einsum("bij,bj->bi", Xt, e) + np.einsum("bij,bj->bi", Xt @ Z, change), lam_max

    def stacked(self, Xd: np.ndarray, J: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(A, B, at) for a stack of clusters' rows Xd (b x m x j) on their columns J (b x j, ``valid`` where not
        padding): A B' = X_gJ C_JJ X_gJ' and the score B' f(I - H_g) e_g at the positions ``at``.  Clusters
        that reach half the columns or more (a dense design's) take A from X_g C on every column, one product
        with C: gathering each cluster's C_JJ would copy about p^2 numbers a cluster."""
        b, m, j = Xd.shape
        if 2 * j < self.width:
            CJJ = self.C[J[:, :, None], J[:, None, :]] * (valid[:, :, None] & valid[:, None, :])
            return Xd @ CJJ, Xd, J
        full = np.zeros((b, m, self.width))
        c, k = np.nonzero(valid)  # (the padding's J is 0: written, it would overwrite column 0)
        full[c, :, J[c, k]] = Xd[c, :, k]
        A = (full.reshape(b * m, -1) @ self.C).reshape(b, m, -1)
        return np.take_along_axis(A, J[:, None, :], axis=2) * valid[:, None, :], Xd, J


@dataclass(frozen=True)
class FactorCoordinates:
    """Scores in the coordinates of a factor F of C (C = F F', F's rows the kept columns), C too
    ill-conditioned for quadratic forms: a cluster's F_J = T Q' on the columns F_J reaches (a QR of F_J',
    without forming C_JJ, whose conditioning a Cholesky factor would square) and its score F_J' s_g = Q u;
    a stack of clusters' K = P P' for P = X_gJ F_J (as accurate as x'F)."""

    F: np.ndarray

    @property
    def width(self) -> int:
        return self.F.shape[1]

    def root(self, J: np.ndarray) -> tuple[np.ndarray, Callable]:
        """(T, lift): T T' = C_JJ, lift(u) = (the columns F_J reaches, Q u)."""
        rows = self.F[J]
        cols = np.flatnonzero(np.any(rows != 0.0, axis=0))
        Q, R = np.linalg.qr(rows[:, cols].T)
        return R.T, lambda u: (cols, Q @ u)

    def cells(self, m: int, j: int) -> int:
        """Cells of the temporaries of :meth:`stacked` per cluster of m rows reaching j columns."""
        return (j + m) * self.F.shape[1] + 3 * m * m

    def stacked(self, Xd: np.ndarray, J: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(P, P, at) for a stack of clusters' rows Xd (b x m x j) on their columns J (b x j, ``valid`` where not
        padding): P = X_gJ F_J, and the score P' f(I - H_g) e_g in F's coordinates, every one (``at``)."""
        P = Xd @ (self.F[J] * valid[:, :, None])
        return P, P, np.arange(self.F.shape[1])

    def column_cells(self, m: int, j: int) -> int:
        """Cells of the temporaries of :meth:`stacked_columns` per cluster of m rows reaching j columns."""
        return 3 * j * max(self.F.shape[1], j) + 3 * m * j + 6 * j * j

    def stacked_columns(self, Xd: np.ndarray, J: np.ndarray, valid: np.ndarray, w: np.ndarray, e: np.ndarray,
                        power: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(at, scores, lam_max) of a stack of clusters of more rows than columns (as
        :meth:`DesignCoordinates.stacked_columns`): F_J' = Q R on the columns the stack's F_J reach (their
        padding rows 0, and zero rows below them where those columns are fewer than j: rows that are never a
        pivot, whose Q is 0), T = R', and F_J' s_g = Q u, u = Z'e + (Z'Z) c_g."""
        b, m, j = Xd.shape
        FJ = self.F[J] * valid[:, :, None]
        cols = np.flatnonzero(np.any(FJ != 0.0, axis=(0, 1)))
        A = np.zeros((b, max(cols.size, j), j))
        A[:, :cols.size] = FJ[:, :, cols].transpose(0, 2, 1)
        Q, R = np.linalg.qr(A)
        Z = Xd @ R.transpose(0, 2, 1)
        change, lam_max = _stacked_change(Z, w, e, power)
        Zt = Z.transpose(0, 2, 1)
        u = np.einsum("bij,bj->bi", Zt, e) + np.einsum("bij,bj->bi", Zt @ Z, change)
        return cols, np.einsum("bij,bj->bi", Q, u)[:, :cols.size], lam_max


def _from_column_sums(Gw: np.ndarray, Gu: np.ndarray, a: np.ndarray, b: np.ndarray, power: float
                      ) -> tuple[np.ndarray, float]:
    """(u, largest eigenvalue of the hat block) from a cluster's sums Z'WZ, Z'Z, Z'e and Z'We (Z = X_gJ T):
    u = Z' f(I - H_g) e, the column side of the module docstring."""
    lam, V = np.linalg.eigh(Gw)
    change = V @ (power_change(lam, power) * (V.T @ b))
    return a + Gu @ change, float(lam[-1]) if lam.size else 0.0


def _stacked_change(Z: np.ndarray, w: np.ndarray, e: np.ndarray, power: float) -> tuple[np.ndarray, np.ndarray]:
    """(c, lam_max): c_g = V diag(g(lam)) V' Z_g'W_g e_g for a stack of clusters' rows in a factor's coordinates,
    Z (b x m x j), with weights and scores ``w``, ``e`` (b x m), Z'WZ = V diag(lam) V', and the largest
    eigenvalues lam of the hat blocks (padding rows and columns of Z are zero: they add eigenvalues 0 and
    nothing to c)."""
    lam, V = np.linalg.eigh(Z.transpose(0, 2, 1) @ (Z * w[:, :, None]))
    c = power_change(lam, power) * np.einsum("bji,bj->bi", V, np.einsum("bij,bi->bj", Z, w * e))
    return np.einsum("bij,bj->bi", V, c), lam[:, -1]


def _padded(m: np.ndarray) -> np.ndarray:
    """The rows of a stacked block holding a cluster of m rows: m up to 16, then m rounded up to a multiple
    of an eighth of the power of 2 below it (clusters of close sizes share a stack; an eigendecomposition
    of the padded block costs at most (9/8)^3 of the cluster's own)."""
    step = 2 ** np.maximum(np.floor(np.log2(np.maximum(m, 1))) - 3, 0)
    return (np.ceil(m / step) * step).astype(np.intp)


def _from_rows(A: np.ndarray, B: np.ndarray, w: np.ndarray, e: np.ndarray, power: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """(scores B_g' f(I - H_g) e_g, one row per cluster; the largest eigenvalues of their hat blocks) of a
    stack of clusters, K = A_g B_g' (:meth:`DesignCoordinates.stacked`) and their weights and scores ``w``,
    ``e`` (b x m): f(I - K W) = I + K W^(1/2) U diag(g(lam)) U' W^(1/2) for W^(1/2) K W^(1/2) =
    U diag(lam) U' (the rows that pad a cluster are zero: they add eigenvalues 0 and nothing to its score)."""
    K = A @ B.transpose(0, 2, 1)
    r = np.sqrt(w)
    S = K * r[:, :, None] * r[:, None, :]
    lam, U = np.linalg.eigh((S + S.transpose(0, 2, 1)) / 2)
    c = power_change(lam, power) * np.einsum("bji,bj->bi", U, r * e)
    adjusted = e + np.einsum("bij,bj->bi", K, r * np.einsum("bij,bj->bi", U, c))
    return np.einsum("bij,bi->bj", B, adjusted), lam[:, -1]


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """starts[0], ..., starts[0] + counts[0] - 1, starts[1], ...: consecutive ranges, concatenated."""
    ends = np.cumsum(counts)
    return np.arange(ends[-1] if ends.size else 0) + np.repeat(starts - (ends - counts), counts)


@dataclass(frozen=True)
class _Layout:
    """A batch of clusters' rows (consecutive rows of a CSR matrix, ``local`` their bounds) by cluster: each
    entry's cluster, row in it and column among the columns it reaches, and those columns (cluster c's are
    ``columns[start[c]:start[c] + reach[c]]``)."""

    local: np.ndarray
    entry_cluster: np.ndarray
    entry_row: np.ndarray
    entry_column: np.ndarray
    columns: np.ndarray
    start: np.ndarray
    reach: np.ndarray

    @classmethod
    def of(cls, csr, local: np.ndarray) -> "_Layout":
        """The layout of the rows of ``csr``, cluster c's rows local[c]..local[c+1]-1 (one sort of the
        entries by cluster and column)."""
        sizes = np.diff(local)
        row_cluster = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)
        per_row = np.diff(csr.indptr)
        entry_cluster = np.repeat(row_cluster, per_row)
        entry_row = np.repeat(np.arange(csr.shape[0]) - local[row_cluster], per_row)
        width = max(csr.shape[1], 1)
        keys, inverse = np.unique(entry_cluster * width + csr.indices, return_inverse=True)
        reach = np.bincount(keys // width, minlength=sizes.size)
        start = np.cumsum(reach) - reach
        return cls(local, entry_cluster, entry_row, inverse.ravel() - start[entry_cluster], keys % width, start,
                   reach)

    def stack(self, csr, clusters: np.ndarray, m: int, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Xd, J, valid): the rows of ``clusters`` (b of them) as a b x m x j stack on their columns J (b x j,
        0 where ``valid`` is False: padding)."""
        b = clusters.size
        at = np.arange(j)
        valid = at < self.reach[clusters][:, None]
        J = np.where(valid, self.columns[np.minimum(self.start[clusters][:, None] + at, self.columns.size - 1)], 0)
        first = csr.indptr[self.local[clusters]]
        count = csr.indptr[self.local[clusters + 1]] - first
        entries = _ranges(first, count)
        Xd = np.zeros((b, m, j))
        Xd[np.repeat(np.arange(b), count), self.entry_row[entries], self.entry_column[entries]] = csr.data[entries]
        return Xd, J, valid


def _padded_rows(values: np.ndarray, local: np.ndarray, clusters: np.ndarray, m: int) -> np.ndarray:
    """A per-row array of a batch as b x m by cluster, 0 where a cluster has fewer rows."""
    at = np.arange(m)
    sizes = local[clusters + 1] - local[clusters]
    pos = np.minimum(local[clusters][:, None] + at, values.size - 1)
    return np.where(at < sizes[:, None], values[pos], 0.0)


def _take(X: Design, rows: np.ndarray, cols: np.ndarray | None) -> Design:
    """Rows ``rows`` of X on its columns ``cols`` (None: all), the rows taken first (a dense design's
    columns are then selected from those rows alone)."""
    part = X.take(rows)
    return part if cols is None else part.select(cols)


def column_reach(X: Design, rows: np.ndarray, cols: np.ndarray | None, step: int) -> np.ndarray:
    """|X_g|' 1 on the columns ``cols`` (None: all) for the rows ``rows`` of X, ``step`` rows at a time: positive
    at the columns the rows reach (a non-zero in some row), and a sum over parts of a cluster's rows."""
    reach = np.zeros(X.n_cols if cols is None else cols.size)
    for start in range(0, rows.size, step):
        part = _take(X, rows[start:start + step], cols)
        reach += part.abs_rmatvec(np.ones(part.n_rows))
    return reach


def _column_sums(Z: np.ndarray, w: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, ...]:
    """Z'WZ, Z'Z, Z'e and Z'We of rows Z."""
    wZ = Z * w[:, None]
    return Z.T @ wZ, Z.T @ Z, Z.T @ e, wZ.T @ e


def added(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Two tuples of sums added entry by entry (the parts of :func:`column_sums` over several blocks)."""
    return tuple(x + y for x, y in zip(a, b))


def column_sums(X: Design, rows: np.ndarray, cols: np.ndarray, T: np.ndarray, w: np.ndarray, e: np.ndarray,
                step: int) -> tuple[np.ndarray, ...]:
    """A large cluster's Z'WZ, Z'Z, Z'e and Z'We for Z = X_gJ T (rows ``rows`` of X, J: design columns ``cols``;
    ``w``, ``e`` the rows' weights and scores), added over chunks of ``step`` rows: no more than a chunk of Z at
    a time, and a sum over parts of a cluster's rows."""
    j = T.shape[1]
    sums = (np.zeros((j, j)), np.zeros((j, j)), np.zeros(j), np.zeros(j))
    for start in range(0, rows.size, step):
        s = slice(start, start + step)
        sums = added(sums, _column_sums(_take(X, rows[s], cols).matmat(T), w[s], e[s]))
    return sums


def score_from_sums(sums: tuple[np.ndarray, ...], power: float, lift: Callable
                    ) -> tuple[np.ndarray, np.ndarray, float]:
    """(at, s, lam_max): a cluster's score s at the positions ``at`` from its :func:`column_sums` and the
    ``lift`` of its factor (``coords.root(J)``), and the largest eigenvalue of its hat block."""
    u, lam_max = _from_column_sums(*sums, power)
    at, s = lift(u)
    return at, s, lam_max


def cluster_batches(bounds: np.ndarray, limit: int, alone: int) -> Iterator[tuple[int, int]]:
    """Consecutive clusters (g0, g1) with at most ``limit`` rows together (``bounds``: cluster g's are
    bounds[g]..bounds[g+1]-1); a cluster of more than ``alone`` rows (or ``limit``) is a batch of its own."""
    G, g0 = bounds.size - 1, 0
    large = np.flatnonzero(np.diff(bounds) > min(alone, limit))
    while g0 < G:
        nxt = large[np.searchsorted(large, g0):][:1]
        if nxt.size and nxt[0] == g0:
            g1 = g0 + 1
        else:
            g1 = max(g0 + 1, int(np.searchsorted(bounds, bounds[g0] + limit, side="right")) - 1)
            g1 = min(g1, int(nxt[0])) if nxt.size else g1
        yield g0, g1
        g0 = g1


def _stacks(clusters: np.ndarray, sizes: np.ndarray, reach: np.ndarray, cells: Callable[[int, int], int]
            ) -> Iterator[tuple[int, int, np.ndarray]]:
    """(m, j, these): ``clusters`` grouped by their rows and columns padded to a few sizes (:func:`_padded`),
    each group split into stacks whose temporaries (``cells(m, j)`` a cluster) are within the budget."""
    shapes = np.column_stack([_padded(sizes[clusters]), _padded(reach[clusters])])
    for m, j in np.unique(shapes, axis=0):
        same = clusters[(shapes[:, 0] == m) & (shapes[:, 1] == j)]
        size = rows_within(cells(int(m), int(j)))
        for first in range(0, same.size, size):
            yield int(m), int(j), same[first:first + size]


def _entries_per_row(X: Design, rows: np.ndarray, cols: np.ndarray | None) -> int:
    """The non-zeros per row of X's sparse form, from its first rows (a structured design's are a few, a
    dense design's its columns): the width of a batch's rows."""
    sample = _take(X, rows[:1024], cols).tosparse()
    return max(1, -(-sample.nnz // max(sample.shape[0], 1)))


def adjusted_cluster_scores(X: Design, cols: np.ndarray | None, w: np.ndarray, e: np.ndarray, cluster: np.ndarray,
                            n_clusters: int, power: float, coords: DesignCoordinates | FactorCoordinates
                            ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The clusters' adjusted scores (module docstring) in the coordinates ``coords``, some clusters at a time:
    (g, at, scores, lam_max) for clusters g (an array), their scores' entries at positions ``at`` (one row
    of ``scores`` per cluster; zero elsewhere) and the largest eigenvalues of their hat blocks (HC2/HC3 are
    undefined where one is 1: the caller decides).

    Parameters
    ----------
    X : Design
        The design, rows in the order of ``w``, ``e`` and ``cluster``.
    cols : ndarray of int or None
        Its kept columns (None: all).
    w, e : ndarray
        Working weights and scores (working residual times working weight) of the rows.
    cluster : ndarray of int
        Cluster codes 0..n_clusters-1.
    power : float
        -0.5 (HC2) or -1 (HC3).
    coords : DesignCoordinates or FactorCoordinates
        The coordinates of the scores, and the factors of C they take.
    """
    order = np.argsort(cluster, kind="stable")
    bounds = np.searchsorted(cluster[order], np.arange(n_clusters + 1))
    # (a batch's rows as a sparse matrix, and a cluster's as a dense block: each within the budget)
    step = rows_within(X.n_cols if cols is None else cols.size)
    limit = rows_within(_entries_per_row(X, order, cols)) if order.size else step
    with np.errstate(all="ignore"):
        for g0, g1 in cluster_batches(bounds, limit, step):
            rows = order[bounds[g0]:bounds[g1]]
            if g1 == g0 + 1 and rows.size > step:  # (one cluster too large to hold dense)
                J = np.flatnonzero(column_reach(X, rows, cols, step) > 0)
                if J.size:
                    T, lift = coords.root(J)
                    sums = column_sums(X, rows, J if cols is None else cols[J], T, w[rows], e[rows], step)
                    at, s, lam_max = score_from_sums(sums, power, lift)
                    yield np.array([g0]), at, s[None], np.array([lam_max])
                continue
            csr = _take(X, rows, cols).tosparse()
            wb, eb, local = w[rows], e[rows], bounds[g0:g1 + 1] - bounds[g0]
            sizes = np.diff(local)
            # clusters of no more rows than the columns they reach: on the rows' side, stacked by size
            layout = _Layout.of(csr, local)
            by_rows = sizes <= layout.reach
            few = np.flatnonzero(by_rows & (layout.reach > 0))
            for m, j, these in _stacks(few, sizes, layout.reach, coords.cells):
                Xd, J, valid = layout.stack(csr, these, m, j)
                A, B, where = coords.stacked(Xd, J, valid)
                yield (g0 + these, where, *_from_rows(A, B, _padded_rows(wb, local, these, m),
                                                      _padded_rows(eb, local, these, m), power))
            # the others on the columns' side, stacked the same way
            many = np.flatnonzero(~by_rows & (layout.reach > 0))
            for m, j, these in _stacks(many, sizes, layout.reach, coords.column_cells):
                Xd, J, valid = layout.stack(csr, these, m, j)
                yield (g0 + these, *coords.stacked_columns(Xd, J, valid, _padded_rows(wb, local, these, m),
                                                           _padded_rows(eb, local, these, m), power))
