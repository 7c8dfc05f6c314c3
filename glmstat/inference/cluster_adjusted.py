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

O(m_g j^2 + j^3) and no m_g x m_g matrix; for a cluster of fewer rows than columns the same function is
taken on the rows' side, from the m_g x m_g matrix W_g^(1/2) Z Z' W_g^(1/2) (the same non-zero eigenvalues).
A root (:func:`covariance_root`, :func:`factor_root`) gives T and lifts u to the coordinates the meat is
summed in: the design's (s_g = T'^(-1) u), or those of a factor F of an ill-conditioned C (F_J' s_g, from the
QR of F_J': Z = X_gJ F_J Q is then as accurate as x'F, with no X'X formed, whose products with T cancel).
Clusters are read in batches of consecutive clusters, as one sparse matrix of at most ``PRODUCT_CELLS`` dense
cells (:func:`~glmstat.design.base.rows_within`); a cluster larger than that alone is read in chunks of rows through the design interface, its sums
added over them, so that one cluster's memory is bounded by that budget and j x j.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from .._scipy import linalg as sla
from ..design.base import Design, rows_within

__all__ = ["adjusted_cluster_scores", "covariance_root", "factor_root"]


def power_change(lam: np.ndarray, power: float) -> np.ndarray:
    """((1 - lam)^power - 1) / lam for eigenvalues 0 <= lam < 1 of a hat block, its limit -power at lam = 0
    (through expm1/log1p: no cancellation for small lam)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.expm1(power * np.log1p(-lam)) / lam
    return np.where(lam > 0, out, -power)


def covariance_root(C: np.ndarray) -> Callable[[np.ndarray], tuple[np.ndarray, Callable]]:
    """``root(J)`` = (T, lift) for the columns J (positions in C): T the Cholesky factor of C_JJ (C well
    conditioned), and lift(u) = (J, s_J) the score in the design's coordinates, s_J = T'^(-1) u."""
    def root(J: np.ndarray) -> tuple[np.ndarray, Callable]:
        T = np.linalg.cholesky(C[np.ix_(J, J)])
        return T, lambda u: (J, sla.solve_triangular(T, u, lower=True, trans="T", check_finite=False))
    return root


def factor_root(F: np.ndarray) -> Callable[[np.ndarray], tuple[np.ndarray, Callable]]:
    """``root(J)`` = (T, lift) for C = F F' (F's rows the columns of C): F_J = T Q' on the columns F_J reaches
    (a QR of F_J', without forming C_JJ, whose conditioning -- C too ill-conditioned for quadratic forms -- a
    Cholesky factor would square), and lift(u) = (those columns, Q u) the score F_J' s_J in F's coordinates."""
    def root(J: np.ndarray) -> tuple[np.ndarray, Callable]:
        rows = F[J]
        cols = np.flatnonzero(np.any(rows != 0.0, axis=0))
        Q, R = np.linalg.qr(rows[:, cols].T)
        return R.T, lambda u: (cols, Q @ u)
    return root


def _from_column_sums(Gw: np.ndarray, Gu: np.ndarray, a: np.ndarray, b: np.ndarray, power: float
                      ) -> tuple[np.ndarray, float]:
    """(u, largest eigenvalue of the hat block) from a cluster's sums Z'WZ, Z'Z, Z'e and Z'We (Z = X_gJ T):
    u = Z' f(I - H_g) e, the column side of the module docstring."""
    lam, V = np.linalg.eigh(Gw)
    change = V @ (power_change(lam, power) * (V.T @ b))
    return a + Gu @ change, float(lam[-1]) if lam.size else 0.0


def _from_rows(Z: np.ndarray, w: np.ndarray, e: np.ndarray, power: float) -> tuple[np.ndarray, float]:
    """(u, largest eigenvalue of the hat block) from a cluster's rows Z = X_gJ T (m_g x j for m_g <= j):
    f(I - K W) = I + K W^(1/2) U diag(g(lam)) U' W^(1/2) for K = Z Z' and W^(1/2) K W^(1/2) = U diag(lam) U'."""
    K = Z @ Z.T
    r = np.sqrt(w)
    lam, U = np.linalg.eigh(K * r[:, None] * r)
    adjusted = e + K @ (r * (U @ (power_change(lam, power) * (U.T @ (r * e)))))
    return Z.T @ adjusted, float(lam[-1]) if lam.size else 0.0


def _dense_rows(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, lo: int, hi: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """(J, X_gJ) for the CSR rows lo..hi-1: the columns they reach and the rows on those columns, dense."""
    a, b = indptr[lo], indptr[hi]
    J, local = np.unique(indices[a:b], return_inverse=True)
    Xd = np.zeros((hi - lo, J.size))
    Xd[np.repeat(np.arange(hi - lo), np.diff(indptr[lo:hi + 1])), local] = data[a:b]
    return J, Xd


def _take(X: Design, rows: np.ndarray, cols: np.ndarray | None) -> Design:
    """Rows ``rows`` of X on its columns ``cols`` (None: all), the rows taken first (a dense design's
    columns are then selected from those rows alone)."""
    part = X.take(rows)
    return part if cols is None else part.select(cols)


def _reached_columns(X: Design, rows: np.ndarray, cols: np.ndarray | None, step: int) -> np.ndarray:
    """The columns (among ``cols``) that rows ``rows`` of X reach (a non-zero in some row), ``step`` rows at
    a time."""
    reach = 0.0
    for start in range(0, rows.size, step):
        part = _take(X, rows[start:start + step], cols)
        reach = reach + part.abs_rmatvec(np.ones(part.n_rows))
    return np.flatnonzero(reach > 0)


def _column_sums(Z: np.ndarray, w: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, ...]:
    """Z'WZ, Z'Z, Z'e and Z'We of rows Z."""
    wZ = Z * w[:, None]
    return Z.T @ wZ, Z.T @ Z, Z.T @ e, wZ.T @ e


def _chunked_sums(X: Design, rows: np.ndarray, cols: np.ndarray, T: np.ndarray, w: np.ndarray, e: np.ndarray,
                  step: int) -> tuple[np.ndarray, ...]:
    """A large cluster's :func:`_column_sums` for Z = X_gJ T (J: design columns ``cols``), added over chunks
    of ``step`` rows: no more than a chunk of Z at a time."""
    sums = None
    for start in range(0, rows.size, step):
        s = slice(start, start + step)
        part = _column_sums(_take(X, rows[s], cols).matmat(T), w[s], e[s])
        sums = part if sums is None else tuple(x + y for x, y in zip(sums, part))
    return sums


def _batches(bounds: np.ndarray, limit: int) -> Iterator[tuple[int, int]]:
    """Consecutive clusters (g0, g1) with at most ``limit`` rows together (``bounds``: cluster g's are
    bounds[g]..bounds[g+1]-1); a cluster larger than that is a batch of its own."""
    G, g0 = bounds.size - 1, 0
    while g0 < G:
        g1 = max(g0 + 1, int(np.searchsorted(bounds, bounds[g0] + limit, side="right")) - 1)
        yield g0, g1
        g0 = g1


def adjusted_cluster_scores(X: Design, cols: np.ndarray | None, w: np.ndarray, e: np.ndarray, cluster: np.ndarray,
                            n_clusters: int, power: float, root: Callable[[np.ndarray], np.ndarray]
                            ) -> Iterator[tuple[int, np.ndarray, np.ndarray, float]]:
    """(g, J, s_J, lam_max) for each cluster g: the columns J (positions among ``cols``) its rows reach, its
    adjusted score there
    (module docstring) and the largest eigenvalue of its hat block (HC2/HC3 are undefined where it is 1: the
    caller decides, and may stop).

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
    root : callable
        ``root(J)``: T with T T' = C_JJ (:func:`covariance_root`, :func:`factor_root`).
    """
    order = np.argsort(cluster, kind="stable")
    bounds = np.searchsorted(cluster[order], np.arange(n_clusters + 1))
    step = rows_within(X.n_cols if cols is None else cols.size)
    with np.errstate(all="ignore"):
        for g0, g1 in _batches(bounds, step):
            rows = order[bounds[g0]:bounds[g1]]
            if g1 == g0 + 1 and rows.size > step:  # (one cluster too large to hold dense)
                J = _reached_columns(X, rows, cols, step)
                if J.size:
                    T, lift = root(J)
                    sums = _chunked_sums(X, rows, J if cols is None else cols[J], T, w[rows], e[rows], step)
                    u, lam_max = _from_column_sums(*sums, power)
                    yield (g0, *lift(u), lam_max)
                continue
            csr = _take(X, rows, cols).tosparse()
            wb, eb, local = w[rows], e[rows], bounds[g0:g1 + 1] - bounds[g0]
            for g in range(g0, g1):
                lo, hi = local[g - g0], local[g - g0 + 1]
                J, Xd = _dense_rows(csr.indptr, csr.indices, csr.data, lo, hi)
                if not J.size:
                    continue
                (T, lift), wg, eg = root(J), wb[lo:hi], eb[lo:hi]
                Z = Xd @ T
                if hi - lo <= J.size:
                    u, lam_max = _from_rows(Z, wg, eg, power)
                else:
                    u, lam_max = _from_column_sums(*_column_sums(Z, wg, eg), power)
                yield (g, *lift(u), lam_max)
