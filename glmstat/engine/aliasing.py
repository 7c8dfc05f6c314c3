"""R's order-dependent aliasing rule (``dqrdc2``'s limited column pivoting), on a triangular factor.

Column j of a design is aliased when the part of it that the earlier *kept* columns do not explain has norm at
most ``ALIAS_TOL`` times its own norm: the first of two equal columns is kept, the second aliased.  The test
runs on the triangular factor R of sqrt(W) X (same column geometry, p x p) by :func:`triangularise_in_order`.
:func:`aliased_from_null_space` applies the same rule in another column order, from the dependencies among
the columns: a structured design finds them with its wide factor's columns first, and reads R's decisions in
the design's own order from them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ALIAS_TOL", "aliased_in_order", "triangularise_in_order", "aliased_from_null_space", "column_norms"]

#: R's glm.fit tolerance for aliasing in its QR (``min(1e-7, epsilon / 1000)`` at the default epsilon).
ALIAS_TOL = 1e-11


def triangularise_in_order(R: np.ndarray, tol: float = ALIAS_TOL, carried: int = 0,
                           norms: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """R's ``dqrdc2`` on the columns of ``R``: (aliased, T), T the triangular factor with the aliased columns
    moved out of the way.

    Column j is aliased when ||(I - P_K) r_j|| <= tol * ||r_j||, P_K projecting on the kept earlier columns.
    The last ``carried`` columns are transformed with the others but never tested (the working residual).

    On an upper-triangular (or trapezoidal) ``R`` the test needs no projection: with i columns kept before
    column j, the rows from i on of the current T hold what the kept columns leave of every later column,
    and column j has entries only in rows i..j (one more row per aliased column before it).  A kept column
    is reflected onto row i (a Householder reflector of those rows, applied to the later columns); an
    aliased one is skipped.  With d aliased columns this is O(d p^2) instead of the O(p^3) of a projection
    per column.  The kept columns of T, rows 0..k-1, are then the triangular factor of the kept columns
    (re-triangularised), and the carried columns' rows 0..k-1 their coordinates on them.
    Any other ``R`` is first reduced to its triangular factor, which has the same column geometry.
    ``norms``: the columns' own norms, when ``R`` holds only what other columns before them leave of them
    (a structured design's factor with its wide factor's columns taken out); by default R's column norms.
    """
    T = np.array(R, dtype=float)  # (own copy: transformed in place)
    m, p = T.shape
    scale = _overflow_scale(T)
    if scale is not None:  # columns of ~1e154 and more, whose squares overflow: worked on scaled, exactly
        T /= scale
        norms = None if norms is None else norms / scale
    if m > 1 and np.any(np.tril(T, -1)):
        T = np.linalg.qr(T, mode="r")
        m = T.shape[0]
    norms = np.linalg.norm(T, axis=0) if norms is None else norms
    aliased = np.zeros(p - carried, dtype=bool)
    i = 0  # columns kept so far: the row the next kept column is reflected onto
    for j in range(p - carried):
        hi = min(j + 1, m)
        v = T[i:hi, j]
        nv = float(np.sqrt(v @ v)) if i < hi else 0.0
        if not (norms[j] > 0 and nv > tol * norms[j]):
            aliased[j] = True
            continue
        if hi - i > 1:  # reflect v onto e_1: H = I - 2 u u' / u'u with u = v + sign(v_1) |v| e_1
            u = v.copy()
            u[0] += nv if u[0] >= 0 else -nv
            rest = T[i:hi, j + 1:]
            rest -= np.outer(u, (2.0 / (u @ u)) * (u @ rest))
            T[i, j], T[i + 1:hi, j] = (-nv if v[0] >= 0 else nv), 0.0
        i += 1
    if scale is not None:
        T *= scale
    return aliased, T


def _overflow_scale(T: np.ndarray) -> np.ndarray | None:
    """Powers of two, one per column, that bring columns whose sums of squares would overflow (entries past
    2**500) to unit size, or None when no column needs it.

    R's ``dqrdc2`` takes its column norms with the scaled ``dnrm2``; here the columns themselves are scaled.
    A power of two changes no rounding, and the reflections act on rows, so ``T`` of the scaled columns is
    that of the columns themselves scaled alike: the aliasing is the same, and the factor is scaled back.
    """
    with np.errstate(invalid="ignore"):
        big = np.abs(T).max(axis=0, initial=0.0)
    if not np.any(big > 2.0 ** 500) or not np.all(np.isfinite(big)):
        return None
    out = np.ones(T.shape[1])
    over = big > 2.0 ** 500
    out[over] = np.exp2(np.floor(np.log2(big[over])))
    return out


def column_norms(T: np.ndarray) -> np.ndarray:
    """Euclidean norms of the columns of ``T``; a column with entries past 2**500, whose sum of squares would
    overflow, is scaled by a power of two first (exact, as BLAS's ``dnrm2`` scales) and its norm scaled back."""
    scale = _overflow_scale(T)
    if scale is None:
        return np.linalg.norm(T, axis=0)
    return scale * np.linalg.norm(T / scale, axis=0)


def aliased_in_order(R: np.ndarray, tol: float = ALIAS_TOL) -> np.ndarray:
    """Boolean mask of the columns of ``R`` that R's ``dqrdc2`` would flag as aliased
    (see :func:`triangularise_in_order`)."""
    return triangularise_in_order(R, tol)[0]


def aliased_from_null_space(N: np.ndarray, norms: np.ndarray, thr: float = 1e-8) -> np.ndarray | None:
    """R's aliased columns, in column order, of a design whose dependencies are the rows of ``N``.

    Column j is aliased exactly when some dependency sum_i v_i x_i = 0 ends at j (v_j != 0, v_i = 0 for
    i > j): x_j is then a combination of the columns before it.  So reduce N to an echelon form from the
    right: the last column where some row is nonzero ends that row's dependency; remove it from the other
    rows and repeat (Gaussian elimination with the pivots chosen column by column from the right).  The pivot
    columns are R's aliased columns (one per dependency).  Entries are compared as |v_i| ||x_i||, each row's
    contribution of a column, against ``thr`` times the row's largest (the dependencies come from a triangular
    solve: what should be 0 is rounding).

    Returns None when fewer pivots than rows stand out (the dependencies are not numerically settled).
    """
    d, p = N.shape
    out = np.zeros(p, dtype=bool)
    if d == 0:
        return out
    V = N * norms
    scale = np.abs(V).max(axis=1)
    if not np.all(scale > 0):
        return None
    # Left-looking: the rows' current values are never formed; column c of them is V[:, c] - M U[:, c], M the
    # multipliers of the pivots so far and U their rows as they were when chosen (BLAS matrix-vector
    # products: removing each pivot from every row's earlier columns in place took 4 s for 599 x 1199).
    M, U = np.zeros((d, d)), np.zeros((d, p))
    free = np.ones(d, dtype=bool)  # rows that have not ended a dependency yet
    k = 0
    for c in range(p - 1, -1, -1):
        col = V[:, c] - M[:, :k] @ U[:k, c]
        rel = np.where(free, np.abs(col) / scale, -1.0)
        t = int(np.argmax(rel))
        if not rel[t] > thr:
            continue
        out[c] = True
        free[t] = False
        U[k, :c] = V[t, :c] - M[t, :k] @ U[:k, :c]  # (the columns after c are never read again)
        M[:, k] = np.where(free, col / col[t], 0.0)
        k += 1
        if k == d:
            return out
    return None
