"""The shape of a Gamma fit by maximum likelihood, as ``MASS::gamma.shape``.

Given the fitted means mu_i of a Gamma GLM with prior weights A_i, the responses y_i are taken as Gamma with
shape A_i alpha and mean mu_i.  The log-likelihood's score and information in alpha are

    U(alpha) = sum A_i [ -y_i/mu_i - log mu_i + log A_i + 1 + log y_i + log alpha - psi(A_i alpha) ],
    I(alpha) = sum A_i [ A_i psi'(A_i alpha) - 1/alpha ],

and Newton's steps alpha <- alpha + U / I start from MASS's approximation alpha_0 = (6 + 2 D) / (D (6 + D)),
D = deviance / df_residual.  The standard error is I(alpha)^(-1/2).  The log-likelihood is concave in alpha
(psi'(x) > 1/x), so the steps converge from any positive start; one that would leave alpha > 0 is halved.

* With ``convergence="exact"`` the steps go on to the maximum (a step below 1e-10 of alpha) and the standard
  error is the information's there.
* With ``convergence="R"``, MASS's own iteration: at most ``it.lim = 10`` steps, stopping once a step is no
  larger than ``eps.max = eps^(1/4)`` (1.2e-4, absolute), the standard error from the information of the iterate
  before the last step -- what R prints, 8e-6 of itself from the exact one on a fit with prior weights.

Rows of zero prior weight carry no likelihood and are left out (R's gamma.shape takes log(0) of their weight
and returns NaN).  ``summary(dispersion=1 / alpha)`` gives the tests at the maximum-likelihood dispersion, as
``summary(fit, dispersion = gamma.dispersion(fit))``.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from .._scipy import special
from ..design.sources import fold
from ..errors import ConvergenceWarning, GLMStatError, warn_user

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["GammaShape", "gamma_shape"]

#: MASS's defaults: ``it.lim`` and ``eps.max``
_R_MAX_STEPS, _R_EPS = 10, float(np.finfo(float).eps) ** 0.25
#: the exact maximum: a step below this fraction of alpha (Newton's next one is ~its square), or this many steps
_EXACT_STEP, _EXACT_MAX_STEPS = 1e-10, 100


@dataclass(frozen=True)
class GammaShape:
    """The maximum-likelihood shape ``alpha`` of a Gamma fit, its standard error and the dispersion 1/alpha."""

    alpha: float
    se: float
    iterations: int
    converged: bool

    @property
    def dispersion(self) -> float:
        """1 / alpha, MASS's ``gamma.dispersion``: pass it to ``summary(dispersion=...)``."""
        return 1.0 / self.alpha

    def __str__(self) -> str:
        from ..report.estimate_prints import gamma_shape_text

        return gamma_shape_text(self)

    def __repr__(self) -> str:
        return str(self)


def _block_fixed(b, beta: np.ndarray, link) -> np.ndarray:
    """A block's sum of A (-y/mu - log mu + log A + 1 + log y) and sum A over its rows of positive weight."""
    A = b.weights
    pos = A > 0
    y, A = b.y[pos], A[pos]
    mu = link.inverse(b.X.matvec(beta)[pos] + b.offset[pos])
    return np.array([float(A @ (-y / mu - np.log(mu) + np.log(A) + 1.0 + np.log(y))), float(A.sum())])


def _block_terms(b, alpha: float) -> np.ndarray:
    """A block's sums of A psi(A alpha) and A^2 psi'(A alpha) over its rows of positive weight."""
    A = b.weights[b.weights > 0]
    x = A * alpha
    return np.array([float(A @ special.digamma(x)), float(A @ (A * special.polygamma(1, x)))])


def _score_information(source, fixed: float, sum_a: float, alpha: float) -> tuple[float, float]:
    """U(alpha) and I(alpha) of the module docstring, one pass over the rows (the terms free of alpha summed
    once, in ``fixed`` and ``sum_a``)."""
    psi, psi1 = fold(source, partial(_block_terms, alpha=alpha), operator.add, np.zeros(2))
    return fixed + sum_a * math.log(alpha) - psi, psi1 - sum_a / alpha


def gamma_shape(fit: "GLMResults") -> GammaShape:
    """The shape of the Gamma fit ``fit`` (see the module docstring), following the fit's ``convergence``."""
    if fit.family.name != "Gamma":
        raise GLMStatError(f"the Gamma shape is estimated from a Gamma fit; this fit uses the {fit.family.name} "
                           "family")
    fd = fit.fit_data
    if fd.df_residual < 1:
        raise GLMStatError("the Gamma shape's starting value needs the deviance per residual degree of freedom; "
                           "this fit has no residual degrees of freedom")
    fixed, sum_a = fold(fd.source, partial(_block_fixed, beta=fd.beta, link=fit.family.link), operator.add,
                        np.zeros(2))
    d = fd.deviance / fd.df_residual
    if not (d > 0 and math.isfinite(d)):  # (a deviance of 0, or -0.0 from rounding: 1/0 was a ZeroDivisionError)
        raise GLMStatError(f"the Gamma shape cannot be estimated from a deviance of {fd.deviance:.3g}: a fit whose "
                           "responses equal their fitted means leaves no likelihood in the shape")
    alpha = (6.0 + 2.0 * d) / (d * (6.0 + d))
    as_r = fd.control.convergence == "R"
    most = _R_MAX_STEPS if as_r else _EXACT_MAX_STEPS
    info, steps, converged = math.nan, 0, False
    while steps < most:
        steps += 1
        score, info = _score_information(fd.source, fixed, sum_a, alpha)
        step = score / info
        while alpha + step <= 0:  # (concave: a shorter step still rises)
            step /= 2
        alpha += step
        if (abs(step) <= _R_EPS) if as_r else (abs(step) <= _EXACT_STEP * alpha):
            converged = True
            break
    if not math.isfinite(alpha):
        raise GLMStatError("the Gamma shape's iteration did not give a finite value (a fit whose responses equal "
                           "their fitted means leaves no likelihood in the shape)")
    if not converged:
        warn_user(f"the Gamma shape's Newton iteration reached its limit of {most} steps (last alpha "
                  f"{alpha:.6g})", ConvergenceWarning)
    if not as_r:
        info = _score_information(fd.source, fixed, sum_a, alpha)[1]  # (the information at the maximum)
    return GammaShape(float(alpha), float(1.0 / math.sqrt(info)), steps, converged)
