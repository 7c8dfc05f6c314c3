"""GLMRegressor: a GLM of any glmstat family and link, optionally penalized, as a scikit-learn regressor."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils.validation import check_array, check_consistent_length, column_or_1d

from .._arguments import shown
from ..errors import DataError, warn_user
from ..families import Family, Gaussian
from ..formula.validation import MAX_MAGNITUDE
from ..links import eta_outside
from ._base import GLMEstimatorBase, own_values, refused, sample_weights
from ._formula import front_end, split_formula

__all__ = ["GLMRegressor"]


class GLMRegressor(RegressorMixin, GLMEstimatorBase):
    """A generalized linear model fitted by penalized IRLS, as a scikit-learn regressor.

    Minimizes scikit-learn's GLM objective (``PoissonRegressor``, ``GammaRegressor``, ``TweedieRegressor``)
    for any glmstat family and link,

        1 / (2 S) sum_i s_i d(y_i, mu_i) + alpha (l1_ratio ||b||_1 + (1 - l1_ratio) / 2 ||b||^2),
        mu_i = g^{-1}(b0 + x_i'b + offset_i),

    with d the family's unit deviance, S = sum_i s_i and the intercept unpenalized; ``family=Poisson(),
    alpha=a`` is ``PoissonRegressor(alpha=a)``.

    Parameters
    ----------
    family : glmstat family, optional
        Any glmstat family with its link (``Poisson()``, ``Gamma(link="log")``, ``Tweedie(1.5)``,
        ``NegativeBinomial(theta=2)``...); default ``Gaussian()``.  Negative binomial needs a fixed theta.
    alpha, l1_ratio, fit_intercept, tol, max_iter :
        As for :class:`GLMClassifier`.
    formula : str, optional
        R formula on a DataFrame X: ``"y ~ x + C(g) + offset(log(t))"`` with ``y=None`` (the response is
        the left-hand side, ``cbind()`` included) or ``"~ x + C(g)"`` with the response in ``y``.  The spec
        is learned in fit and re-applied in predict (offsets included); unseen factor levels and missing
        values are errors.

    Attributes
    ----------
    coef_ : ndarray of shape (n_coef,)
    intercept_ : float
    coef_names_, n_features_in_, feature_names_in_, n_iter_, results_ :
        As for :class:`GLMClassifier`.
    """

    def __init__(self, family: Family | None = None, alpha: float = 0.0, l1_ratio: float = 0.0,
                 fit_intercept: bool = True, formula: str | None = None, tol: float = 1e-10,
                 max_iter: int = 100) -> None:
        self.family = family
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.formula = formula
        self.tol = tol
        self.max_iter = max_iter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            family = self._family()
        except ValueError:  # an invalid family is reported by fit, not by the tags
            return tags
        # the response's support: Poisson, Gamma... need y >= 0 (scikit-learn's checks then give them y > 0)
        tags.target_tags.positive_only = not bool(family.y_domain.contains(np.array(-1.0)))
        return tags

    def _default_family(self) -> Family:
        return Gaussian()

    def _target(self, y: Any, sample_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return response_in_domain(y, sample_weight, self._family()), sample_weight

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "GLMRegressor":
        """Fit to features X (array or, with ``formula``, DataFrame) and response y."""
        return self._fit(X, y, sample_weight)

    def predict(self, X: Any) -> np.ndarray:
        """The fitted mean mu = g^{-1}(b0 + x'b (+ offset)).  A row where that is no mean of the family
        raises a DataError (see :func:`outside_the_model`)."""
        eta = self._linear_predictor(X)  # (first: an unfitted estimator raises NotFittedError)
        family = self._fitted_family
        mu = family.link.inverse(eta)
        bad = outside_the_model(eta, mu, family)
        if bad.size:
            i = bad[0]
            raise DataError(
                f"the model gives no {family.name} mean at row {i} of X: linear predictor {eta[i]:.6g}, mean "
                f"{mu[i]:.6g} ({bad.size} of {eta.size} rows outside the {family.link.name} link's domain or the "
                f"family's means {family.mu_domain}), beyond the rows the model was fitted on; a link that maps "
                "every linear predictor to a mean (log for positive means, logit for proportions) avoids this"
            )
        return mu

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """D^2, the fraction of deviance explained: 1 - D(y, mu) / D(y, ybar), with D the family's
        (sample-weighted) deviance and ybar the weighted mean of y (scikit-learn's ``d2_tweedie_score``
        generalized to every family).  With a two-sided formula, y defaults to its left-hand side.

        y must lie in the family's domain (as in ``fit``; scikit-learn's GLMs refuse it too): the deviance
        of a Poisson fit at y = -1 is no measure of fit, and it gave scores such as -3.8e16.  Where D^2 is
        undefined it follows ``r2_score``: a constant y gives 1.0 for a perfect fit and 0.0 otherwise, fewer
        than two rows nan (with an ``UndefinedMetricWarning``)."""
        mu = self.predict(X)
        family = self._fitted_family
        w = sample_weights(sample_weight, mu.size)
        if y is None and self.formula is not None and split_formula(self.formula)[0]:
            enc = front_end(X, formula=f"{split_formula(self.formula)[0]} ~ 1", family=family)
            y, w = enc.y, w * enc.weights
        if y is None:  # (check_array read None as nan: "Input y contains NaN")
            raise DataError("score needs the response y: pass it, or fit with a two-sided formula ('y ~ x'), "
                            "whose left-hand side score reads from X")
        y = own_values(y, "y")
        with refused(f"y ({shown(y)})"):
            y = column_or_1d(check_array(y, dtype=np.float64, ensure_2d=False, input_name="y"), warn=True)
            check_consistent_length(mu, y)
        y, w = self._target(y, w)
        if not np.any(w > 0):
            raise DataError("every sample weight is zero; the score needs at least one row of positive weight")
        if y.size < 2:  # (as r2_score: nan and a warning, where the ratio 0/0 raised ZeroDivisionError)
            warn_user("D^2 is not well-defined with less than two samples", UndefinedMetricWarning)
            return float("nan")
        deviance = float(w @ family.unit_deviance(y, mu))
        return _explained(deviance, float(w @ family.unit_deviance(y, _weighted_mean(y, w))))


def outside_the_model(eta: np.ndarray, mu: np.ndarray, family: Family) -> np.ndarray:
    """The rows whose linear predictor is outside the link's domain or whose mean is outside the family's
    (its closure: a mean on the boundary is a limit the fit can reach), as positions.

    R's predict returns them, and so did predict: a Poisson identity-link mean of -8.4 for new data beyond
    the fitted rows (its score then nan), a Poisson sqrt-link mean of 60 from eta = -7.7 (eta^2, the other
    branch: the model's mean there is no number), an inverse Gaussian nan.
    """
    domain = family.mu_domain
    inside = np.isfinite(mu) & (mu >= domain.low) & (mu <= domain.high)
    inside &= ~eta_outside(family.link, eta)
    return np.flatnonzero(~inside)


def _weighted_mean(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The weighted mean of y over the rows of positive weight, one per row: y itself, exactly, when those
    rows hold one value (the rounded mean of a constant is another number, whose deviance is not 0)."""
    held = y[w > 0]
    if np.all(held == held[0]):
        return np.full_like(y, held[0])
    return np.full_like(y, float(w @ y) / float(w.sum()))


def _explained(deviance: float, null_deviance: float) -> float:
    """D^2 = 1 - deviance / null deviance.  A null deviance of 0 (y constant) leaves the ratio undefined:
    1.0 for a perfect fit and 0.0 otherwise, scikit-learn's convention for R^2 (``r2_score``'s
    ``force_finite``), which this is for the Gaussian family."""
    if null_deviance == 0:
        return 1.0 if deviance == 0 else 0.0
    return 1.0 - deviance / null_deviance


def response_in_domain(y: Any, sample_weight: np.ndarray, family: Family) -> np.ndarray:
    """``y`` as floats, every value of a row with a positive weight in the family's domain (y >= 0 for the Poisson,
    y > 0 for the Gamma...), and every value at most ``MAX_MAGNITUDE`` (1e100) in size, as ``glm()`` holds a
    response; else a DataError naming the first value outside and how many are, or the largest value."""
    y = own_values(y, "y")
    with refused(f"y ({shown(y)})"):
        y = np.asarray(y, dtype=float)
    big = float(np.max(np.abs(y))) if y.size else 0.0  # (every row, as glm() judges it: one of weight 0 too)
    if big > MAX_MAGNITUDE:  # (glm()'s bound: the working response's squares overflowed, a raw scipy ValueError)
        raise DataError(f"y has values as large as {big:.3g}; rescale it so its square stays finite")
    bad = np.flatnonzero((sample_weight > 0) & ~family.y_domain.contains(y))
    if bad.size:
        raise DataError(f"y must lie in {family.y_domain} for the {family.name} family; y[{bad[0]}] = "
                        f"{y[bad[0]]:g} ({bad.size} value{'s' if bad.size != 1 else ''} outside)")
    return y
