"""How large an IRLS step is, the measures the loop (:mod:`glmstat.engine.irls`) stops on: next to the
coefficients and their standard errors (:func:`relative_step`, polishing's test), next to the rounding of the
solve that made it (:func:`at_rounding`), how far it moves the linear predictors (:func:`eta_drift`: a finite
optimum's step moves none, a separating direction's moves them by about 1), and how far a halved step moved
(:func:`relative_change`).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..design.sources import DesignSource, fold
from .linalg import MAX_KEPT_COND as _KEPT_COND
from .linalg import StepFactor

__all__ = ["POLISH_TOL", "MAX_POLISH", "POLISH_PATIENCE", "MAX_DAMPING", "DRIFT_TOL", "ROUNDING_STEPS",
           "relative_change", "eta_drift", "at_rounding", "relative_step"]

_EPS = np.finfo(float).eps
_max = np.maximum.reduce


#: Polishing stops once every coefficient moves less than this fraction of max(|beta_j|, its std. error).
POLISH_TOL = 1e-11
#: ... or after this many polishing steps, where a fit still crawling finishes with the rescue's Newton steps.
MAX_POLISH = 200
#: ... or once this many steps in a row are no smaller than the smallest so far.  Fisher scoring for a
#: non-canonical link with large residuals converges only linearly (rates up to ~0.95 seen) and not always
#: monotonically: a step can be twice the one before and the next ten smaller still.
POLISH_PATIENCE = 5
#: A damped fit gives up halving a step after this many halvings (the step is then 1e-12 of the Fisher step).
MAX_DAMPING = 40


def relative_change(new: np.ndarray, old: np.ndarray) -> float:
    """max |new - old| / (1 + max |new|)."""
    return float(np.max(np.abs(new - old), initial=0.0)) / (1.0 + float(np.max(np.abs(new), initial=0.0)))


#: At a finite optimum the next step moves no linear predictor by more than rounding (R's criterion leaves it
#: ~1e-6 away at most); along a separating direction every step moves the separated rows' eta by about 1, however
#: close their means already are to the edge.  The loop polishes fitted means within 10 eps of the edge (a cloglog
#: mean of 1 - 1e-16 at eta = 3.6) unless its Fisher step moves some eta by more than this; the diagnosis
#: (:mod:`glmstat.diagnosis.newton_check`) and the sklearn estimators call estimates whose next Newton step does
#: diverging.
DRIFT_TOL = 1e-3


def _block_drift(b, step: np.ndarray) -> float:
    return float(np.max(np.abs(b.X.matvec(step)), initial=0.0))


def eta_drift(source: DesignSource, step: np.ndarray) -> float:
    """max_i |x_i' step|: how far the next step would move the linear predictors."""
    return fold(source, partial(_block_drift, step=step), max, 0.0)


#: A step is rounding noise when no coefficient moves more than this many times eps * cond * max |beta|.
ROUNDING_STEPS = 10.0


def at_rounding(new: np.ndarray, beta: np.ndarray, fac: StepFactor) -> bool:
    """The step from ``beta`` to ``new`` is within the rounding of the factorisation ``fac`` that solved it
    (condition number ``cond`` of its kept columns K): max_K |new_j - beta_j| <= ROUNDING_STEPS eps cond
    max_K |new_j|.  Never for kept columns singular together (``cond`` beyond ``MAX_KEPT_COND``): no step
    solved on them means anything, and the fit has not converged."""
    if not fac.all_kept:
        new, beta = new[fac.kept], beta[fac.kept]
    scale = float(_max(np.abs(new), initial=0.0))
    step = float(_max(np.abs(new - beta), initial=0.0))
    cond = fac.cond
    return scale > 0 and cond <= _KEPT_COND and step <= ROUNDING_STEPS * _EPS * cond * scale


def relative_step(step: np.ndarray, beta: np.ndarray, fac: StepFactor) -> float:
    """Largest |step_j| / max(|beta_j|, se_j) over kept columns (se at unit dispersion); inf where a kept
    column's se is not finite.

    Where the working weights vanish (a linear predictor running off: a Gaussian inverse-link refit whose
    coefficient doubles its exponent each step, 6e80 then 1.6e161) (X'WX)^{-1} overflows to inf: any step is then
    small against it, and the run-off read as polished.  A covariance that is not finite is no optimum."""
    k = fac.kept
    se = np.sqrt(np.maximum(fac.inv_diagonal(), 0.0))
    if not np.all(np.isfinite(se)):
        return np.inf
    scale = np.maximum(np.abs(beta[k]), se)
    scale[~(scale > 0)] = 1.0
    return float(_max(np.abs(step[k]) / scale, initial=0.0))
