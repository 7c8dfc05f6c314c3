"""glm_path: penalized fits along a decreasing sequence of alphas, each warm-started from the last."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length

from .._arguments import integer_type, items_given, plain_real, real_number, shown
from ..engine.penalized import PenalizedFit, alpha_max, fit_path, make_problem
from ..errors import DataError, FitError, SeparationWarning, warn_user
from ..families import Family
from ._base import (DRIFT_TOL, ConvergenceWarning, check_feature_magnitudes, check_fit_memory, checked_parameters,
                    diverging_message, out_of_memory, own_values, refused, sample_weights)
from ._regressor import GLMRegressor, response_in_domain

__all__ = ["GLMPath", "glm_path"]

#: The most penalties a path fits (each a fit; 10**9 of them was a 7.5 GB array before the first).
_MAX_ALPHAS = 10_000


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

    Raises
    ------
    glmstat.DataError, glmstat.FitError, glmstat.FamilyError (ValueErrors)
        For the arguments the estimators' ``fit`` refuses (a family they cannot fit, l1_ratio outside
        [0, 1], y outside the family's domain, missing values...) and alphas that are negative, not finite, not
        numbers, or more than 10,000 (a FitError).

    Warns
    -----
    ConvergenceWarning
        When a fit along the path stops at ``max_iter``.
    glmstat.SeparationWarning
        When the fit at alpha = 0 diverges (separated data: its estimates are infinite), as the estimators
        warn for the same fit.
    """
    # the estimator's checks: family, l1_ratio, tol, max_iter, fit_intercept, and y in the family's domain
    est = GLMRegressor(family=family, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=tol, max_iter=max_iter)
    _, fam = checked_parameters(est)
    X = own_values(X, "X")
    y = own_values(y, "y")
    if alphas is None:
        if (isinstance(n_alphas, bool) or not integer_type(n_alphas)
                or not 1 <= n_alphas <= _MAX_ALPHAS):
            raise FitError(f"n_alphas must be a positive integer of at most {_MAX_ALPHAS:,} (a fit each), got "
                             f"{shown(n_alphas)}")
        eps = real_number(eps, "eps", low=0, high=1, low_open=True, must="a number in (0, 1]", error=FitError)
        memory = {"l1": float(l1_ratio) > 0, "copies": 1, "coefs": 2 * int(n_alphas)}
    else:
        alphas = _checked_alphas(alphas)
        memory = {"l1": bool(float(l1_ratio) > 0 and np.any(alphas > 0)), "copies": 1, "coefs": 2 * alphas.size}
    # (the fit's memory, the centered copy of X, and each penalty's coefficients in its fit and in coefs)
    if isinstance(X, np.ndarray) and X.ndim == 2:  # (before the checks read every value)
        check_fit_memory(X.shape, **memory)
    with refused(f"X ({shown(X)}) or y ({shown(y)})"):
        X = check_array(X, dtype=np.float64)
        y = check_array(y, dtype=np.float64, ensure_2d=False)
        if y.ndim != 1:
            raise DataError(f"y must be 1-d, got shape {y.shape}")
        check_consistent_length(X, y)
    need = check_fit_memory(X.shape, **memory)
    check_feature_magnitudes(X, [f"x{j}" for j in range(X.shape[1])])
    sw = sample_weights(sample_weight, X.shape[0])
    if not np.any(sw > 0):
        raise DataError("every sample weight is zero; at least one row needs a positive weight")
    y = response_in_domain(y, sw, fam)
    try:
        problem = make_problem(X, y, sw, None, fam, fit_intercept)
        if alphas is None:
            top = alpha_max(problem, l1_ratio)
            alphas = _checked_alphas(np.geomspace(top, top * eps, n_alphas) if top > 0 else np.zeros(1))
        fits = tuple(fit_path(problem, alphas, float(l1_ratio), tol, max_iter))
    except MemoryError:
        raise out_of_memory(X.shape, need) from None
    stopped = [a for a, f in zip(alphas, fits) if not f.converged]
    if stopped:
        warn_user(
            f"{len(stopped)} of the {alphas.size} fits did not converge within {max_iter} iterations (alpha "
            f"{', '.join(f'{a:.4g}' for a in stopped[:5])}{', ...' if len(stopped) > 5 else ''}); raise max_iter, "
            "or tol where a fit stopped short of it (no step lowered its objective beyond rounding)",
            ConvergenceWarning)
    diverging = [(a, f.drift) for a, f in zip(alphas, fits) if f.drift > DRIFT_TOL]
    if diverging:  # (an alpha of 0 on separated data: the estimator warns so for the same fit)
        warn_user(diverging_message(diverging[0][1], fam, "the path's solution at alpha=0"),
                  SeparationWarning)
    coefs = np.array([f.coef for f in fits]).reshape(len(fits), X.shape[1])
    return GLMPath(alphas, np.array([f.intercept for f in fits]), coefs, (coefs != 0).sum(axis=1), fits)


def _checked_alphas(alphas: Any) -> np.ndarray:
    """The penalties given as ``alphas=`` (:func:`_given_alphas`), a non-empty sequence of finite numbers >= 0."""
    alphas = _given_alphas(alphas)
    if alphas.ndim != 1 or alphas.size == 0:
        raise FitError(f"alphas must be a non-empty sequence of numbers, got shape {alphas.shape}")
    bad = np.flatnonzero(~(np.isfinite(alphas) & (alphas >= 0)))
    if bad.size:
        raise FitError(f"alphas must be finite numbers >= 0, got alphas[{bad[0]}] = {alphas[bad[0]]:g}")
    return alphas


def _given_alphas(alphas: Any) -> np.ndarray:
    """The penalties given as ``alphas=``, as doubles: counted before they are read, each a fit (a list of a
    million alphas was a million fits; ``range(10**12)`` an array of 8 TB, a raw MemoryError), and each a real
    number -- ``np.asarray(..., dtype=float)`` read a numeric string ("0.5") and raised its own TypeError or
    OverflowError for an object or an int beyond double precision.  The refusals are FitErrors (ValueErrors, as
    scikit-learn's parameter checks raise)."""
    def too_many(count: int | None) -> None:
        if count is not None and count > _MAX_ALPHAS:
            raise FitError(f"alphas holds {count:,} penalties; give at most {_MAX_ALPHAS:,} (a fit each)")

    too_many(items_given(alphas))
    if isinstance(alphas, (list, tuple)):
        for i, a in enumerate(alphas):
            if not plain_real(a):
                raise FitError(f"alphas must be numbers, got alphas[{i}] = {shown(a)}")
    elif isinstance(alphas, (str, bytes)) or np.asarray(alphas).dtype.kind not in "iuf":
        raise FitError(f"alphas must be a sequence of numbers, got {shown(alphas)}")
    try:
        values = np.asarray(alphas, dtype=float)
    except OverflowError:  # a Python int beyond double precision
        raise FitError("alphas must be finite numbers >= 0, got an integer beyond double precision") from None
    too_many(values.size)  # (an array or a Series: held already, but each value is a fit)
    return values
