"""R's B-spline basis ``splines::bs()``: knots from the data, the basis at any x (also beyond the boundary).

Knots (R's ``bs``): with ``df`` and no ``knots``, ``df - (degree + 1) + (1 - intercept)`` interior knots at
the type-7 quantiles ``seq(0, 1, length = n + 2)[-c(1, n + 2)]`` of x; boundary knots at ``range(x)``; the
augmented knot vector repeats each boundary knot ``degree + 1`` times.  The basis is the B-splines of order
``degree + 1`` on those knots (the first column dropped without an intercept).  Beyond the boundary knots R
continues each basis function by its Taylor polynomial at a pivot a quarter of the way from the boundary knot
to the next knot; so does this module, so predictions outside the training range agree with R's.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["bs_knots", "bspline_basis"]


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
            powers = np.column_stack([(x[mask] - pivot) ** d for d in range(order)])
            out[mask] = powers @ (derivs / scale[:, None])
    return np.ascontiguousarray(out if intercept else out[:, 1:])
