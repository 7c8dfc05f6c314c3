"""R's B-spline basis ``splines::bs()``: knots from the data, the basis at any x (also beyond the boundary).

Knots (R's ``bs``): with ``df`` and no ``knots``, ``df - (degree + 1) + (1 - intercept)`` interior knots at
the type-7 quantiles ``seq(0, 1, length = n + 2)[-c(1, n + 2)]`` of x; boundary knots at ``range(x)``; the
augmented knot vector repeats each boundary knot ``degree + 1`` times.  The basis is the B-splines of order
``degree + 1`` on those knots (the first column dropped without an intercept).  Beyond the boundary knots R
continues each basis function by its Taylor polynomial at a pivot a quarter of the way from the boundary knot
to the next knot; so does this module, so predictions outside the training range agree with R's.

R's natural splines ``splines::ns()``: the cubic B-splines on the same kind of knots, constrained to a zero
second derivative at both boundary knots by R's own Householder QR (so the columns, signs included, are
R's), and continued linearly beyond the boundary knots.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["bs_knots", "bspline_basis", "ns_knots", "natural_spline_basis"]


def bs_knots(x: np.ndarray, degree: int, intercept: bool, df: float | None, knots: tuple | None,
             boundary: tuple[float, float] | None) -> tuple[tuple[float, ...], int, bool, tuple[float, float]]:
    """(augmented knots, degree, intercept, boundary knots) for ``bs(x, ...)`` (x finite)."""
    order = degree + 1
    lo, hi = (float(np.min(x)), float(np.max(x))) if boundary is None else tuple(sorted(boundary))
    if knots is None and df is not None:
        n_inner = max(0, int(df) - order + (1 - int(intercept)))
        if n_inner > 0:
            inside = x[(x >= lo) & (x <= hi)]
            probs = np.linspace(0.0, 1.0, n_inner + 2)[1:-1]
            knots = tuple(float(v) for v in np.quantile(inside, probs))
    inner = tuple(sorted(knots or ()))
    aknots = tuple(sorted((lo,) * order + inner + (hi,) * order))
    return aknots, degree, intercept, (lo, hi)


def _design(aknots: np.ndarray, degree: int, x: np.ndarray, nu: int = 0) -> np.ndarray:
    """Every B-spline basis function (or its ``nu``-th derivative) at ``x``: shape (len(x), n_basis)."""
    from scipy.interpolate import BSpline  # scipy.interpolate is slow to import: only when splines are used

    n_basis = aknots.size - degree - 1
    spline = BSpline(aknots, np.eye(n_basis), degree, extrapolate=True)
    return np.asarray(spline(x, nu=nu), dtype=float).reshape(x.shape[0], n_basis)


def bspline_basis(x: np.ndarray, aknots: tuple, degree: int, intercept: bool,
                  boundary: tuple[float, float]) -> np.ndarray:
    """The ``bs()`` basis at ``x`` (NaN rows where x is not finite)."""
    t = np.asarray(aknots, dtype=float)
    order = degree + 1
    n_basis = t.size - order
    out = np.full((x.shape[0], n_basis), np.nan)
    ok = np.isfinite(x)
    lo, hi = boundary
    left = ok & (x < lo)
    right = ok & (x > hi)
    inside = ok & ~left & ~right
    if inside.any():
        out[inside] = _design(t, degree, x[inside])
    scale = np.array([math.factorial(d) for d in range(order)], dtype=float)
    for mask, pivot in ((left, 0.75 * lo + 0.25 * t[order]), (right, 0.75 * hi + 0.25 * t[t.size - order - 1])):
        if mask.any():
            derivs = np.vstack([_design(t, degree, np.array([pivot]), nu=d) for d in range(order)])
            with np.errstate(over="ignore", invalid="ignore"):  # (far beyond the knots: Inf, and NaN, as R's)
                powers = np.column_stack([(x[mask] - pivot) ** d for d in range(order)])
                out[mask] = powers @ (derivs / scale[:, None])
    return np.ascontiguousarray(out if intercept else out[:, 1:])


def ns_knots(x: np.ndarray, intercept: bool, df: int | None, knots: tuple[float, ...] | None,
             boundary: tuple[float, float] | None) -> tuple[tuple[float, ...], bool, tuple[float, float]]:
    """(augmented knots, intercept, boundary knots) for ``ns(x, ...)`` learned from the finite values ``x``.

    As R's ``splines::ns``: the boundary knots are ``range(x)`` unless given; with ``df`` and no ``knots``,
    ``nIknots = df - 1 - intercept`` interior knots at the type-7 quantiles of the x inside the boundary at
    ``seq(0, 1, length = nIknots + 2)[-c(1, nIknots + 2)]``; the augmented knots are
    ``sort(c(rep(Boundary.knots, 4), knots))``.  The caller has checked the arguments.

    Parameters
    ----------
    x : ndarray
        The finite training values of x (all rows, or all row groups of streamed data).
    intercept : bool
        Whether the basis keeps the first B-spline.
    df : int or None
        Degrees of freedom (columns); ignored when ``knots`` is given.
    knots : tuple of float or None
        Interior knots, strictly inside the boundary.
    boundary : (float, float) or None
        Increasing boundary knots; ``None`` for ``range(x)``.

    Returns
    -------
    tuple
        ``(aknots, intercept, boundary)``: the state :func:`natural_spline_basis` applies to any x.
    """
    lo, hi = (float(np.min(x)), float(np.max(x))) if boundary is None else boundary
    if knots is None:
        n_inner = max(0, (df or 0) - 1 - int(intercept))
        knots = ()
        if n_inner > 0:
            inside = x[(x >= lo) & (x <= hi)]
            probs = np.linspace(0.0, 1.0, n_inner + 2)[1:-1]
            knots = tuple(float(v) for v in np.quantile(inside, probs))
    aknots = tuple(sorted((lo,) * 4 + tuple(knots) + (hi,) * 4))
    return aknots, intercept, (lo, hi)


def _qr_qty_basis(const: np.ndarray) -> np.ndarray:
    """Q of R's ``qr(t(const))`` (LINPACK dqrdc2: Householder reflections, sign of the diagonal kept) as the
    m x m matrix with ``basis @ Q == t(qr.qty(qr(t(const)), t(basis)))``.

    ``const`` is 2 x m; its rows (second derivatives at the two boundary knots) are never zero, so dqrdc2's
    limited pivoting never moves a column and the rank is 2.  Reflection l maps column l of the reduced
    matrix to ``-nrm * e_l`` with ``nrm`` carrying the sign of the diagonal entry, exactly as dqrdc2 builds it
    (the basis is unique only up to these signs, so any other QR would flip R's columns).
    """
    a = np.array(const.T, dtype=float)  # m x 2, reduced in place as dqrdc2 does
    m = a.shape[0]
    qt = np.eye(m)  # rows become Q^T applied to the unit vectors (dqrsl's qty)
    for col in range(2):
        if col == m - 1:  # dqrdc2 does not reflect the last row
            break
        v = a[col:, col]
        nrm = float(np.sqrt(np.dot(v, v)))
        if nrm == 0.0:
            continue
        if v[0] != 0.0:
            nrm = math.copysign(nrm, v[0])
        u = v / nrm
        u[0] += 1.0
        for j in range(col + 1, 2):  # the remaining column, for the next reflection
            a[col:, j] -= (np.dot(u, a[col:, j]) / u[0]) * u
        qt[col:, :] -= np.outer(u, (u @ qt[col:, :]) / u[0])
    return qt.T


def natural_spline_basis(x: np.ndarray, aknots: tuple, intercept: bool,
                         boundary: tuple[float, float]) -> np.ndarray:
    """The ``ns()`` basis at ``x`` (NaN rows where x is NaN), as R's ``splines::ns`` computes it.

    With B the cubic B-spline basis on ``aknots`` (continued linearly beyond the boundary knots: the value at
    the boundary knot plus the first derivative times the distance), C the 2 x m matrix of second derivatives
    at the boundary knots (first columns of B and C dropped without an intercept) and ``C' = QR`` R's
    Householder QR, the basis is ``(B Q)[:, 2:]``: the combinations of B-splines whose second derivative
    vanishes at both boundary knots.

    Parameters
    ----------
    x : ndarray
        Values at which to evaluate the basis; NaN gives a NaN row.  Finite otherwise.
    aknots, intercept, boundary
        The state from :func:`ns_knots`.

    Returns
    -------
    ndarray
        Shape ``(len(x), len(aknots) - 6 - (not intercept))``.
    """
    t = np.asarray(aknots, dtype=float)
    n_all = t.size - 4
    basis = np.full((x.shape[0], n_all), np.nan)
    ok = ~np.isnan(x)
    lo, hi = boundary
    left = ok & (x < lo)
    right = ok & (x > hi)
    inside = ok & ~left & ~right
    if inside.any():
        basis[inside] = _design(t, 3, x[inside])
    for mask, pivot in ((left, lo), (right, hi)):
        if mask.any():  # R: cbind(1, x - pivot) %*% splineDesign(Aknots, c(pivot, pivot), 4, derivs = c(0, 1))
            value = _design(t, 3, np.array([pivot]))[0]
            slope = _design(t, 3, np.array([pivot]), nu=1)[0]
            with np.errstate(over="ignore", invalid="ignore"):  # (far beyond the knots: Inf, and NaN, as R's)
                basis[mask] = value[None, :] + (x[mask] - pivot)[:, None] * slope[None, :]
    const = np.vstack([_design(t, 3, np.array([lo]), nu=2), _design(t, 3, np.array([hi]), nu=2)])
    if not intercept:
        basis, const = basis[:, 1:], const[:, 1:]
    q = _qr_qty_basis(const)
    with np.errstate(over="ignore", invalid="ignore"):  # (an infinite row of the basis: inf - inf, as R's)
        return np.ascontiguousarray(basis @ q[:, 2:])
