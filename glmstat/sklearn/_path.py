"""glm_path: penalized fits along a decreasing sequence of alphas, each warm-started from the last."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length

from ..engine.penalized import PenalizedFit, alpha_max, fit_path, make_problem
from ..families import Family, Gaussian

__all__ = ["GLMPath", "glm_path"]


@dataclass(frozen=True)
class GLMPath:
    """Solutions along the path: ``alphas`` (k,), ``intercepts`` (k,), ``coefs`` (k, p), ``n_nonzero`` (k,),
    and each :class:`~glmstat.engine.penalized.PenalizedFit` (objective, optimality, iterations)."""

    alphas: np.ndarray
    intercepts: np.ndarray
    coefs: np.ndarray
    n_nonzero: np.ndarray
    fits: tuple[PenalizedFit, ...]


def glm_path(X: Any, y: Any, *, family: Family | None = None, l1_ratio: float = 1.0,
             alphas: Sequence[float] | None = None, n_alphas: int = 100, eps: float = 1e-3,
             sample_weight: Any = None, fit_intercept: bool = True, tol: float = 1e-10,
             max_iter: int = 100) -> GLMPath:
    """Fit the penalized GLM of :class:`GLMRegressor` at each alpha, warm-starting each fit from the
    previous solution (glmnet's pathwise strategy).

    Parameters
    ----------
    X, y : array-like
        Features (n, p) and response (n,) (0/1 for the binomial family).
    family : glmstat family, default Gaussian()
    l1_ratio : float in [0, 1], default 1 (lasso)
    alphas : sequence of float, optional
        Penalty strengths, fitted in the order given (decreasing is fastest).  By default ``n_alphas``
        values log-spaced from alpha_max, the smallest alpha with every coefficient zero
        (max_j |dF/db_j| / l1_ratio at the intercept-only fit; 1e-3 stands in for l1_ratio < 1e-3), down to
        ``eps * alpha_max``.
    sample_weight, fit_intercept, tol, max_iter :
        As for the estimators.

    Returns
    -------
    GLMPath
    """
    X = check_array(X, dtype=np.float64)
    y = np.asarray(y, dtype=float).reshape(-1)
    check_consistent_length(X, y)
    problem = make_problem(X, y, sample_weight, None, Gaussian() if family is None else family, fit_intercept)
    if alphas is None:
        top = alpha_max(problem, l1_ratio)
        alphas = np.geomspace(top, top * eps, n_alphas) if top > 0 else np.zeros(1)
    alphas = np.asarray(alphas, dtype=float)
    fits = tuple(fit_path(problem, alphas, float(l1_ratio), tol, max_iter))
    coefs = np.array([f.coef for f in fits]).reshape(len(fits), X.shape[1])
    return GLMPath(alphas, np.array([f.intercept for f in fits]), coefs, (coefs != 0).sum(axis=1), fits)
