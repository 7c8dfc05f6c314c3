"""One block's share of the passes that finishing and inference make over a source.

Each function takes a :class:`~glmstat.design.sources.Block` and returns a small value (a float, a tuple of
sums); :func:`glmstat.design.sources.fold` adds them up over the blocks, on this machine or on a cluster's
workers, so every such pass runs unchanged on rows in memory, Parquet row groups and dask partitions.
"""

from __future__ import annotations

import numpy as np

from ..families import Family

__all__ = ["deviance_part", "loglik_part", "weighted_sums", "score_part", "add_parts"]


def _mu(b, family: Family, beta: np.ndarray | None, mu: float | None) -> np.ndarray:
    if mu is not None:
        return np.full(b.y.shape, mu)
    eta = b.offset if beta is None else b.X.matvec(beta) + b.offset
    return family.link.inverse(eta)


def deviance_part(b, family: Family, beta: np.ndarray | None = None, mu: float | None = None) -> float:
    """sum_i w_i d(y_i, mu_i) over a block: mu the constant ``mu``, else g^{-1}(X beta + offset) (``beta``
    None: g^{-1}(offset)).  NaN where a mean is outside the family's domain (as R)."""
    with np.errstate(all="ignore"):
        return float(np.sum(b.weights * family.unit_deviance(b.y, _mu(b, family, beta, mu))))


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


def score_part(b, kernel, beta: np.ndarray, sub_cols: np.ndarray, cols: np.ndarray) -> tuple:
    """A block's share of the score test of the columns ``cols`` at the submodel with coefficients ``beta``
    on the columns ``sub_cols``: with r, W the working residuals and weights there, (X'WX, X'Wr, sum W r^2,
    sum W r, sum W) over ``cols``."""
    eta = b.X.select(sub_cols).matvec(beta) + b.offset if sub_cols.size else b.offset
    with np.errstate(all="ignore"):
        wk = kernel(b.y, b.weights, eta)
    r, w = wk.r, wk.W
    G, u = b.X.select(cols).gram_score(w, r)
    return G, u, float(np.sum(w * r * r)), float(np.sum(w * r)), float(np.sum(w))


def add_parts(a: tuple, b: tuple) -> tuple:
    """Element-wise sum of two tuples of parts."""
    return tuple(x + y for x, y in zip(a, b))
