"""One block's share of the passes that finishing and inference make over a source.

Each function takes a :class:`~glmstat.design.sources.Block` and returns a small value (a float, a tuple of
sums); :func:`glmstat.design.sources.fold` adds them up over the blocks, on this machine or on a cluster's
workers, so every such pass runs unchanged on rows in memory, Parquet row groups and dask partitions.
"""

from __future__ import annotations

import operator
from functools import partial

import numpy as np

from ..design.base import stacked_triangle
from ..design.sources import fold
from ..families import Family
from .linalg import score_triangle

__all__ = ["deviance_part", "loglik_part", "weighted_sums", "score_part", "score_rss_part", "score_triangle_part",
           "add_triangles", "partialled_triangle", "score_partialled_part", "add_partialled", "add_parts",
           "add_score_parts", "offset_null_deviance"]


def _mu(b, family: Family, beta: np.ndarray | None, mu: float | None, shift: float) -> np.ndarray:
    if mu is not None:
        return np.full(b.y.shape, mu)
    eta = b.offset + shift if beta is None else b.X.matvec(beta) + b.offset
    return family.link.inverse(eta)


def deviance_part(b, family: Family, beta: np.ndarray | None = None, mu: float | None = None,
                  shift: float = 0.0) -> float:
    """sum_i w_i d(y_i, mu_i) over a block: mu the constant ``mu``, else g^{-1}(X beta + offset) (``beta``
    None: g^{-1}(offset + shift)).  NaN where a mean is outside the family's domain (as R)."""
    with np.errstate(all="ignore"):
        return float(np.sum(b.weights * family.unit_deviance(b.y, _mu(b, family, beta, mu, shift))))


def loglik_part(b, family: Family, beta: np.ndarray, scale: float) -> float:
    """sum_i log f(y_i; mu_i, scale) over the rows of a block with a positive weight, mu = g^{-1}(X beta +
    offset) (R's ``family$aic`` terms)."""
    pos = b.weights > 0
    with np.errstate(all="ignore"):
        mu = family.link.inverse(b.X.matvec(beta) + b.offset)
        return float(np.sum(family.loglik_terms(b.y[pos], mu[pos], b.weights[pos], b.trials[pos], scale)))


def weighted_sums(b) -> np.ndarray:
    """(sum w y, sum w) of a block."""
    return np.array([float(b.weights @ b.y), float(b.weights.sum())])


def _score_rows(b, kernel, beta: np.ndarray, sub_cols: np.ndarray, cols: np.ndarray, minus_offset: bool,
                weights_eta) -> tuple:
    """(r, W, z, X_cols) of a block for :func:`score_part` and :func:`score_rss_part`."""
    eta = b.X.select(sub_cols).matvec(beta) + b.offset if sub_cols.size else b.offset
    with np.errstate(all="ignore"):
        wk = kernel(b.y, b.weights, eta)
        r, w = wk.r, (wk.W if weights_eta is None else kernel(b.y, b.weights, weights_eta(b)).W)
    return r, w, (r - b.offset if minus_offset else r), b.X.select(cols)


def score_part(b, kernel, beta: np.ndarray, sub_cols: np.ndarray, cols: np.ndarray,
               minus_offset: bool = False, weights_eta=None) -> tuple:
    """A block's share of the score test of the columns ``cols`` at the submodel with coefficients ``beta`` on the
    columns ``sub_cols``: with r, W the working residuals and weights there and z the regressed residual (r, or
    r - offset with ``minus_offset``, as R's add1 gives glm.fit the offset), (X'WX, X'Wz, sum W z^2, sum W r,
    sum W r^2, sum W) over ``cols``, the triangular factor of W^(1/2) [X | z] where
    :func:`~glmstat.engine.linalg.score_triangle` gives one (else None) and the selected design's
    ``diagonal_columns`` (merged by :func:`add_score_parts`). ``weights_eta``, if given, maps the block to the
    linear predictor at which W is evaluated instead (a fit stopped as R stops: R's score test takes
    ``fit$weights``, the weights of its last iteration, at the coefficients before it, with the residuals at the
    estimate)."""
    r, w, z, X = _score_rows(b, kernel, beta, sub_cols, cols, minus_offset, weights_eta)
    G, u = X.gram_score(w, z)
    use = w > 0  # (the one zero-weight rule: no residual where the weight is 0)
    triangle = score_triangle(X, np.where(use, w, 0.0), np.where(use, z, 0.0))
    return (G, u, float(np.sum(w * z * z)), float(np.sum(w * r)), float(np.sum(w * r * r)), float(np.sum(w)),
            triangle, X.diagonal_columns())


def score_triangle_part(b, kernel, beta: np.ndarray, sub_cols: np.ndarray, cols: np.ndarray,
                        minus_offset: bool = False, weights_eta=None) -> np.ndarray | None:
    """A block's triangular factor of W^(1/2) [X | z] of :func:`score_part`'s regression at any width (rows of
    positive weight; merged by :func:`add_triangles`): the second pass of a score whose X'WX is too ill conditioned
    to decide the rank (:func:`~glmstat.engine.linalg.conditioned_normal_solutions`)."""
    _, w, z, X = _score_rows(b, kernel, beta, sub_cols, cols, minus_offset, weights_eta)
    use = w > 0
    return X.weighted_triangle(np.where(use, w, 0.0), np.where(use, z, 0.0), max_columns=None)


def add_triangles(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """Two blocks' triangular factors: the factor of the two stacked (None unless both have one)."""
    return None if a is None or b is None else np.linalg.qr(np.vstack([a, b]), mode="r")


def score_rss_part(b, kernel, beta: np.ndarray, sub_cols: np.ndarray, cols: np.ndarray, solution: np.ndarray,
                   minus_offset: bool = False, weights_eta=None) -> float:
    """A block's share of sum W (z - X_cols b)^2, the residual sum of squares of :func:`score_part`'s regression
    at its solution ``b`` (rows of positive weight), made from the rows: its error is second order in b's, where
    sum W z^2 - u'b loses what X'WX squared away (a structured design's score, which has no triangle)."""
    _, w, z, X = _score_rows(b, kernel, beta, sub_cols, cols, minus_offset, weights_eta)
    use = w > 0
    with np.errstate(all="ignore"):
        e = np.where(use, z - X.matvec(solution), 0.0)
        return float(np.sum(np.where(use, w, 0.0) * e * e))


def partialled_triangle(w: np.ndarray, z: np.ndarray, X, a_cols: np.ndarray, d_cols: np.ndarray,
                        Bd: np.ndarray, cd: np.ndarray) -> tuple[np.ndarray | None, float]:
    """(R, sum W z~^2) for rows (w, z, X) with the columns ``d_cols`` (one wide factor's indicators, whose
    cross-products vanish) partialled out: R the triangular factor of sqrt(W) [X_a - X_d Bd' | z~], z~ = z - X_d cd,
    with Bd = B D^-1 and cd = D^-1 u_d from X'WX and X'Wz (the weighted projections on the factor's columns, one
    non-zero a row); rows of positive weight, made dense a chunk at a time (``a_cols`` few).  The residual sum of
    squares of z on X is sum W z~^2 - ||Q' z~||^2 (Frisch-Waugh-Lovell), without forming X'WX's Schur complement,
    which squares the condition number.  R None where a row is not finite."""
    use = w > 0
    Xa, Xd = X.select(a_cols), X.select(d_cols)
    m = a_cols.size

    def chunk(start: int, stop: int) -> np.ndarray:
        keep = use[start:stop]
        sw = np.sqrt(np.where(keep, w[start:stop], 0.0))
        Xd_rows = Xd.rows(start, stop)
        with np.errstate(all="ignore"):
            zt = np.where(keep, z[start:stop] - Xd_rows.matvec(cd), 0.0)
            return np.column_stack([(Xa.rows(start, stop).toarray() - Xd_rows.matmat(Bd.T)) * sw[:, None], zt * sw])

    R = stacked_triangle(X.n_rows, m + 1, chunk)
    # (sum W z~^2 is the squared norm of the last column, which the QR keeps: that of R's last column)
    return (None, np.nan) if R is None else (R, float(np.sum(R[:, m] ** 2)))


def score_partialled_part(b, kernel, beta: np.ndarray, sub_cols: np.ndarray, cols: np.ndarray, a_cols: np.ndarray,
                          d_cols: np.ndarray, Bd: np.ndarray, cd: np.ndarray, minus_offset: bool = False,
                          weights_eta=None) -> tuple[np.ndarray | None, float]:
    """A block's :func:`partialled_triangle` of :func:`score_part`'s regression (merged by
    :func:`add_partialled`)."""
    _, w, z, X = _score_rows(b, kernel, beta, sub_cols, cols, minus_offset, weights_eta)
    return partialled_triangle(w, z, X, a_cols, d_cols, Bd, cd)


def add_partialled(a: tuple, b: tuple) -> tuple:
    """Two blocks' :func:`partialled_triangle`: the factor of the two factors stacked, the sums added."""
    R = add_triangles(a[0], b[0])
    return (None, np.nan) if R is None else (R, a[1] + b[1])


def add_parts(a: tuple, b: tuple) -> tuple:
    """Element-wise sum of two tuples of parts."""
    return tuple(x + y for x, y in zip(a, b))


def add_score_parts(a: tuple, b: tuple) -> tuple:
    """:func:`add_parts` of the sums; the triangular factor of both blocks' rows (the factor of the two
    factors stacked; None unless both have one); the design's ``diagonal_columns`` (the same in every block)
    kept."""
    return add_parts(a[:6], b[:6]) + (add_triangles(a[6], b[6]), b[-1])


def _lse_part(a: np.ndarray, c: np.ndarray) -> tuple[float, float]:
    """(m, s) with log(sum c e^a) = m + log(s): the block's part of a log-sum-exp (c >= 0)."""
    use = c > 0
    if not use.any():
        return -np.inf, 0.0
    m = float(np.max(a[use]))
    return m, float(np.sum(c[use] * np.exp(a[use] - m)))


def _lse_merge(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
    m = max(p[0], q[0])
    if m == -np.inf:
        return m, 0.0
    return m, p[1] * np.exp(p[0] - m) + q[1] * np.exp(q[0] - m)


def _lse_value(p: tuple[float, float]) -> float:
    v = p[0] + np.log(p[1]) if p[1] > 0 else np.nan
    return float(v) if np.isfinite(v) else float("nan")


def _offset_sums(b, kind: str) -> tuple:
    """A block's sums for the closed-form intercept (see :func:`offset_null_deviance`)."""
    y, w, off = b.y, b.weights, b.offset
    with np.errstate(all="ignore"):
        if kind == "poisson":
            return (float(w @ y), _lse_part(off, w))
        if kind == "gamma":
            return (float(w.sum()), _lse_part(-off, w * y))
        return (float(w @ (y - off)), float(w.sum()))


def _merge_offset_sums(p: tuple, q: tuple) -> tuple:
    return tuple(_lse_merge(a, b) if isinstance(a, tuple) else a + b for a, b in zip(p, q))


def offset_null_deviance(source, family: Family) -> float | None:
    """Deviance of the intercept-only model with an offset where the intercept has a closed form, else None;
    two passes over the blocks: the intercept's sums, then the deviance.

    The intercept's score equation sum w (y - mu) g'(mu)^{-1} / V(mu) = 0 solves in closed form for
    Poisson/log, b0 = log(sum w y / sum w e^offset), Gamma/log, b0 = log(sum w y e^-offset / sum w), and
    Gaussian/identity, b0 = sum w (y - offset) / sum w; the deviance is summed row by row at
    mu = g^{-1}(b0 + offset), as R sums it (Poisson's 2 [sum w y log y - b0 sum w y - sum w y offset] from the
    same sums would cancel digits that a small likelihood-ratio statistic needs).  Log-sums are taken without
    overflow (offsets of -800 or +800 are usable).
    """
    from ..families import Gamma, Gaussian, Poisson

    link = family.link.name
    if isinstance(family, Poisson) and link == "log":
        kind = "poisson"
    elif isinstance(family, Gamma) and link == "log":
        kind = "gamma"
    elif isinstance(family, Gaussian) and link == "identity":
        kind = "gaussian"
    else:
        return None
    sums = source.map_reduce(partial(_offset_sums, kind=kind), _merge_offset_sums)
    if sums is None:
        return None
    with np.errstate(all="ignore"):
        if kind == "poisson":
            swy, lse = sums
            b0 = (np.log(swy) if 0 < swy < np.inf else np.nan) - _lse_value(lse)
        elif kind == "gamma":
            sw, lse = sums
            b0 = _lse_value(lse) - np.log(sw) if sw > 0 else np.nan
        else:
            swr, sw = sums
            b0 = swr / sw if sw > 0 else np.nan
    if not np.isfinite(b0):
        return None
    return fold(source, partial(deviance_part, family=family, shift=float(b0)), operator.add, 0.0)
