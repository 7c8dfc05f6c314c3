"""R's ``lowess`` scatterplot smoother (Cleveland 1979; the algorithm of R's ``clowess``).

For each x_i (x sorted), a straight line is fitted by weighted least squares to the ns = max(2, min(n,
floor(f n + 1e-7))) nearest neighbours, with tricube weights w_j = (1 - (|x_j - x_i| / h)^3)^3, h the
distance to the farthest of them (weight 1 within 0.001 h, 0 beyond 0.999 h; ties at the right edge are
all included).  The slope is used only if the weighted spread sqrt(sum_j w_j (x_j - xbar_w)^2) exceeds
0.001 (x_n - x_1); otherwise the fit is the weighted mean.  Points within ``delta`` of the last fitted x
are not fitted but linearly interpolated (tied x copy the fitted value).  Then ``iter`` robustness steps
refit with the tricube weights multiplied by bisquare weights B(e_j / (6 m)), B(u) = (1 - u^2)^2 for
|u| < 1, e_j the residuals and m their median absolute value (stopping early when 6 m < 1e-7 mean|e|).

R's C code was the reference for what is computed, not for how: this is written from the description.
"""

from __future__ import annotations

import numpy as np

__all__ = ["lowess"]


def lowess(x: np.ndarray, y: np.ndarray, f: float = 2 / 3, iter: int = 3,
           delta: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """R's ``lowess(x, y, f, iter, delta)``.

    Parameters
    ----------
    x, y : array_like
        The points (finite values; x need not be sorted).
    f : float
        The span: the fraction of the points that influence each fitted value.
    iter : int
        Number of robustifying iterations (R's default 3; ``panel.smooth`` on a glm uses 0).
    delta : float, optional
        Points closer than this to the last fitted x are interpolated; default 0.01 * (max(x) - min(x)).

    Returns
    -------
    (xs, ys) : the x values sorted (stable, as R's ``order``) and the smoothed values at them.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    order = np.argsort(x, kind="stable")
    xs, ys_in = x[order], y[order]
    n = xs.size
    if delta is None:
        delta = 0.01 * (xs[-1] - xs[0]) if n else 0.0
    if n < 2:
        return xs, ys_in.copy()
    ns = max(2, min(n, int(f * n + 1e-7)))
    robustness = np.ones(n)
    fitted = ys_in.copy()
    for step in range(iter + 1):
        fitted = _smooth_pass(xs, ys_in, ns, delta, robustness if step > 0 else None)
        residuals = ys_in - fitted
        if step == iter:
            break
        abs_res = np.abs(residuals)
        cmad = 6.0 * np.median(abs_res)
        if cmad < 1e-7 * abs_res.mean():  # effectively a perfect fit: no reweighting possible
            break
        with np.errstate(divide="ignore", invalid="ignore"):  # cmad = 0 when every residual is 0
            bisquare = (1.0 - (abs_res / cmad) ** 2) ** 2
        robustness = np.where(abs_res <= 0.001 * cmad, 1.0, np.where(abs_res <= 0.999 * cmad, bisquare, 0.0))
    return xs, fitted


def _smooth_pass(x: np.ndarray, y: np.ndarray, ns: int, delta: float, robustness: np.ndarray | None) -> np.ndarray:
    """One pass over the sorted x: local fits at a subset of the points, interpolation in between."""
    n = x.size
    out = np.empty(n)
    span = x[-1] - x[0]
    left, right = 0, ns - 1  # the ns nearest neighbours of x[i] are x[left..right]
    last = -1  # the last point actually fitted
    i = 0
    while True:
        # slide the window right while that brings the farthest neighbour closer (ties keep it)
        while right < n - 1 and x[i] - x[left] > x[right + 1] - x[i]:
            left += 1
            right += 1
        value = _local_fit(x, y, i, left, right, span, robustness)
        out[i] = y[i] if value is None else value
        if last < i - 1:  # interpolate the skipped points
            t = (x[last + 1:i] - x[last]) / (x[i] - x[last])
            out[last + 1:i] = t * out[i] + (1.0 - t) * out[last]
        last = i
        # tied x share the fitted value; points within delta of it are skipped
        tie_end = np.searchsorted(x, x[last], side="right") - 1
        out[last + 1:tie_end + 1] = out[last]
        last = tie_end
        if last >= n - 1:
            return out
        beyond = np.searchsorted(x, x[last] + delta, side="right")  # first point past the cut
        i = max(last + 1, beyond - 1)


def _local_fit(x, y, i, left, right, span, robustness) -> float | None:
    """The weighted linear fit at x[i] over its neighbourhood (None when every weight is zero)."""
    xi = x[i]
    h = max(xi - x[left], x[right] - xi)
    # the neighbourhood may extend right of x[right] through ties at distance <= 0.999 h
    stop = np.searchsorted(x, xi + h, side="right") + 1
    xw, yw = x[left:stop], y[left:stop]
    r = np.abs(xw - xi)
    inside = r <= 0.999 * h
    # stop at the first point right of x[i] that is outside (as the scan over j does)
    outside_right = np.flatnonzero(~inside & (xw > xi))
    end = outside_right[0] if outside_right.size else xw.size
    xw, yw, r, inside = xw[:end], yw[:end], r[:end], inside[:end]
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(r <= 0.001 * h, 1.0, (1.0 - (r / h) ** 3) ** 3)
    w = np.where(inside, w, 0.0)
    if robustness is not None:
        w = w * robustness[left:left + end]
    total = w.sum()
    if total <= 0.0:
        return None
    w = w / total
    if h > 0.0:
        centre = np.dot(w, xw)
        spread = np.dot(w, (xw - centre) ** 2)
        if np.sqrt(spread) > 0.001 * span:  # spread out enough to estimate a slope
            w = w * ((xi - centre) / spread * (xw - centre) + 1.0)
    return float(np.dot(w, yw))
