"""GLMClassifier: binary classification by a binomial GLM with any binomial link, optionally penalized."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from .._arguments import own_scalar, real_number, shown
from .._scipy import special
from ..errors import DataError, FamilyError, FitError
from ..families import Binomial, Family
from ..formula.validation import MAX_MAGNITUDE
from ..links import Link
from ._base import GLMEstimatorBase, own_values, refused, sample_weights
from ._formula import response_column, with_response

__all__ = ["GLMClassifier"]


#: How far above 1 a predicted mean may be and still be read as the probability 1 (a log-binomial fit on the
#: boundary of its domain can end an ulp beyond it)
PROBABILITY_SLACK = 1e-10


class GLMClassifier(ClassifierMixin, GLMEstimatorBase):
    """Binary classifier: a binomial GLM fitted by penalized IRLS, as a scikit-learn estimator.

    Minimizes the mean (sample-weighted) log loss plus an elastic-net penalty on the coefficients,

        1 / S sum_i s_i [-y_i log mu_i - (1 - y_i) log(1 - mu_i)]
            + alpha (l1_ratio ||b||_1 + (1 - l1_ratio) / 2 ||b||^2),    mu_i = g^{-1}(b0 + x_i'b),

    with S = sum_i s_i and the intercept unpenalized: ``alpha = 1 / (C n)`` gives
    ``LogisticRegression(C=C)``'s estimates.  Two classes only (more raise an error): ``classes_[1]`` is the
    event whose probability the model gives.

    Parameters
    ----------
    family : glmstat.Binomial, optional
        The link, e.g. ``Binomial(link="probit")``; default ``Binomial()`` (logit).
    alpha : float, default 0
        Penalty strength; 0 fits by maximum likelihood (then ``results_`` offers inference).
    l1_ratio : float in [0, 1], default 0
        Share of the L1 part: 0 ridge, 1 lasso, in between the elastic net.
    fit_intercept : bool, default True
        Fit an unpenalized intercept.  With a formula, the formula decides (``- 1`` removes it).
    formula : str, optional
        R formula on a DataFrame X: ``"y ~ x + C(g)"`` (classes read from column ``y`` of X, ``y=None``; a
        Categorical column's in its level order, as R reads a factor response: ``classes_[1]``, the event, is
        its second level) or ``"~ x + C(g)"`` with the labels in ``y`` (sorted, as scikit-learn sorts them).  The
        spec is learned in fit and re-applied in predict;
        unseen factor levels and missing values are errors.
    class_weight : None, "balanced" or dict
        Multiplies the sample weights by class: ``"balanced"`` gives class c the weight
        n_samples / (n_classes * count(c)), as scikit-learn defines it (with sample weights, their sums:
        sum(w) / (n_classes * sum of w in class c), as scikit-learn >= 1.6 does).
    tol : float, default 1e-10
        The fit stops when no optimality (KKT) condition is violated by more than ``tol``.
    max_iter : int, default 100
        Most IRLS iterations.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (1, n_coef)
    intercept_ : ndarray of shape (1,)
    coef_names_ : tuple of str
        Names of the coefficients (the formula's design columns, or the feature names).
    n_features_in_, feature_names_in_ : as in scikit-learn
    n_iter_ : int
        IRLS passes over the data, counting the one at the starting values.
    results_ : glmstat.GLMResults
        ``alpha=0`` only: the same model fitted by :func:`glmstat.glm`.
    """

    _numeric_target = False

    def __init__(self, family: Family | None = None, alpha: float = 0.0, l1_ratio: float = 0.0,
                 fit_intercept: bool = True, formula: str | None = None, class_weight: Any = None,
                 tol: float = 1e-10, max_iter: int = 100) -> None:
        self.family = family
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.formula = formula
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _default_family(self) -> Family:
        return Binomial()

    def _check_family(self, family: Family) -> None:
        if not isinstance(family, Binomial):
            raise FamilyError(f"GLMClassifier needs a binomial family, e.g. glmstat.Binomial(link='probit'); got "
                              f"{family}; for other families use GLMRegressor")

    def _target(self, y: Any, sample_weight: np.ndarray, classes: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """0/1 for classes_[0]/classes_[1], and the sample weights times the class weights.  ``classes``: the
        classes in their order (R's level order of a factor response), else y's values sorted."""
        y = own_values(y, "y")  # (labels are hashed and compared: by a subclass's own code)
        with refused(f"y ({shown(y)})"):
            check_classification_targets(y)
            kind = type_of_target(y, input_name="y")
        if kind != "binary":
            raise DataError(f"Only binary classification is supported. The type of the target is {kind}; "
                             "GLMClassifier fits one binomial GLM (for more classes use one-vs-rest)")
        y = np.asarray(y)
        classes = np.unique(y) if classes is None else classes
        values = classes.tolist()  # (plain Python values: 'a', not np.str_('a'))
        if classes.size < 2:
            raise DataError(f"y has only one class ({shown(values[0])}); a binary classifier needs two classes")
        event = (y == classes[1]).astype(float)
        sw = np.asarray(sample_weight, dtype=float)
        totals = np.array([sw[event == 0].sum(), sw[event == 1].sum()])
        for c, total in zip(values, totals):
            if not total > 0:
                raise DataError(f"every sample of class {shown(c)} has zero weight, which leaves one class; a "
                                 "binary classifier needs both classes with positive weight")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            # scikit-learn's "balanced": sum(w) / (n_classes * sum of w in the class), which is
            # n_samples / (n_classes * bincount(y)) without sample weights
            sw = sw * (totals.sum() / (2.0 * totals))[event.astype(np.intp)]
        elif self.class_weight is not None:
            sw = sw * self._class_weights(values)[event.astype(np.intp)]
        self.classes_ = classes
        return event, sw

    def _class_weights(self, classes: list) -> np.ndarray:
        """The weights a dict ``class_weight`` gives the two classes (1 for a class it leaves out), as
        scikit-learn's ``compute_class_weight`` reads it; anything else, a key that is not one of y's classes
        and a weight that is not a finite number > 0 are a FitError naming class_weight and the value
        (``compute_class_weight`` raised an OverflowError for {0: 10**400} and an InvalidParameterError for
        class_weight="bal")."""
        given = self.class_weight
        if not isinstance(given, dict):
            raise FitError(f"class_weight must be None, 'balanced' or a dict of weights by class ({{0: 1, 1: 5}}), "
                           f"got {shown(given)}")
        unknown = [k for k in given if not (own_scalar(k) and k in classes)]
        if unknown:
            raise FitError(f"class_weight names {shown(unknown[0])}, which is not a class of y (its classes: "
                           f"{shown(classes)}); name only y's classes")
        weights = [real_number(given.get(c, 1.0), f"class_weight[{shown(c)}]", low=0, high=MAX_MAGNITUDE,
                               must=f"a finite number >= 0 of at most {MAX_MAGNITUDE:g} (as glm()'s weights)",
                               error=FitError) for c in classes]
        for c, w in zip(classes, weights):  # (a class weight of 0 leaves one class too)
            if not w > 0:
                raise FitError(f"class_weight gives class {shown(c)} the weight {shown(w)}, which leaves one class; "
                               "a binary classifier needs both classes with positive weight")
        return np.array(weights)

    def _formula_response(self, X, y, left, right, sw):
        column = response_column(left, X) if left else None
        if left:
            own_values(X[column], "y")
        else:
            y = own_values(y, "y")
        labels = X[column].to_numpy() if left else np.asarray(y).reshape(-1)
        if labels.shape != (len(X),):
            raise DataError(f"y has {labels.size} values but the data has {len(X)} rows")
        if pd.isna(labels).any():
            raise DataError("the class labels have missing values; drop those rows first")
        event, sw = self._target(labels, sw, level_order(X[column]) if left else None)
        if left:
            # the formula as written over the class column turned 0/1: the 0/1 column added under another
            # name left the labels among the data, where '.' read them as a predictor ('y ~ .' fitted y on y)
            data = X.copy()  # (not X.assign(**{column: ...}): a column named 'self' is assign's own argument)
            data[column] = event
            return data, self.formula, event, sw
        data, formula = with_response(X, event, right)
        return data, formula, event, sw

    def _set_coef(self, coef: np.ndarray, intercept: float) -> None:
        self.coef_ = coef.reshape(1, -1)
        self.intercept_ = np.array([intercept])

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "GLMClassifier":
        """Fit to features X (array or, with ``formula``, DataFrame) and labels y."""
        return self._fit(X, y, sample_weight)

    def decision_function(self, X: Any) -> np.ndarray:
        """The log-odds of classes_[1], log(mu / (1 - mu)), shape (n,): positive where it is predicted.  For
        the logit link this is the linear predictor eta = b0 + x'b itself; for the others it is computed from
        eta without rounding mu (see :func:`log_odds`), so it keeps ranking rows whose probabilities round
        to 1 or are clamped as R clamps them in ``predict_proba``."""
        return log_odds(self._probability_eta(X), self._fitted_family.link)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Columns P(classes_[0]) = 1 - mu and P(classes_[1]) = mu, mu = g^{-1}(eta); a row whose mu is no
        probability (the log link beyond the fitted rows) raises a DataError."""
        eta = self._probability_eta(X)  # (first: an unfitted estimator raises NotFittedError)
        mu = np.clip(self._fitted_family.link.inverse(eta), 0.0, 1.0)
        return np.column_stack([1.0 - mu, mu])

    def _probability_eta(self, X: Any) -> np.ndarray:
        """The linear predictor of new data, refused where its mean is no probability: the log link's
        exp(eta) exceeds 1 at a positive eta (new data beyond the fitted rows), which predict_proba returned
        as a probability of, say, 6.27 beside one of -5.27 for the other class, and decision_function as nan.
        (A mean within PROBABILITY_SLACK above 1 is a fit on the boundary, at an eta of a few ulps.)"""
        eta = self._linear_predictor(X)  # (first: an unfitted estimator raises NotFittedError)
        mu = self._fitted_family.link.inverse(eta)
        bad = np.flatnonzero(~((mu >= 0) & (mu <= 1 + PROBABILITY_SLACK)))
        if bad.size:
            i, link, event = bad[0], self._fitted_family.link.name, shown(self.classes_[1:].tolist()[0])
            raise DataError(
                f"the model's probability of class {event} is {mu[i]:.6g} at row {i} "
                f"of X (linear predictor {eta[i]:.6g}; {bad.size} of {eta.size} rows outside [0, 1]): the {link} "
                "link gives no probability there, beyond the rows the model was fitted on; a link such as logit "
                "keeps every prediction a probability"
            )
        return eta

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """classes_[1] where its probability exceeds 1/2, else classes_[0]."""
        mu = self.predict_proba(X)[:, 1]
        return self.classes_[(mu > 0.5).astype(np.intp)]

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Accuracy; with a two-sided formula, y defaults to the formula's class column of X."""
        predicted = self.predict(X)  # (first: it refuses an X that is not the formula's DataFrame)
        if y is None and self.formula is not None:
            from ._formula import split_formula

            left, _ = split_formula(self.formula)
            if left:
                y = X[response_column(left, X)].to_numpy()
        sw = None if sample_weight is None else sample_weights(sample_weight, len(predicted))
        y = own_values(y, "y")
        with refused(f"y ({shown(y)})"):  # (accuracy_score's own refusals: ClassifierMixin.score's computation)
            return float(accuracy_score(y, predicted, sample_weight=sw))


def level_order(column: pd.Series) -> np.ndarray | None:
    """The classes of a Categorical class column in its level order, the levels it holds only; None for a
    column of another type (its values sorted, as scikit-learn's classifiers sort them).

    R's binomial family reads a factor response in level order, the first level failure, and so does
    glmstat.glm: sorting the values instead made the event of a column with the levels ("low", "high")
    "low", where R's and glmstat.glm's is "high", and every coefficient changed sign.
    """
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return None
    codes = column.cat.codes.to_numpy()
    held = np.bincount(codes[codes >= 0], minlength=len(column.cat.categories)) > 0
    return column.cat.categories.to_numpy()[held]


def log_odds(eta: np.ndarray, link: Link) -> np.ndarray:
    """log(mu / (1 - mu)) for mu = g^{-1}(eta) of a binomial link, from eta directly.

    Taking it from mu lost it where mu rounds to 1 and where R's clamps hold mu inside [eps, 1 - eps]
    (probit beyond |eta| = 8.13, cloglog from eta = 3.6): every such row had the log-odds 36.04, so rows the
    model ranks apart were tied (a probit eta of 10 and of 40; a cloglog eta of 6, whose log-odds is 403).
    Each link's two tails are written so that neither is 1 minus a rounded number:

    * probit: log Phi(eta) - log Phi(-eta);
    * cloglog: 1 - mu = exp(-exp(eta)), so log(-expm1(-exp(eta))) + exp(eta);
    * cauchit: mu = atan2(1, -eta) / pi and 1 - mu = atan2(1, eta) / pi;
    * log: eta - log(-expm1(eta)) (inf for eta >= 0: mu above 1 is refused before, but for rounding).
    """
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if link.name == "logit":
            return eta
        if link.name == "probit":
            return special.log_ndtr(eta) - special.log_ndtr(-eta)
        if link.name == "cloglog":
            e = np.exp(eta)
            return np.log(-np.expm1(-e)) + e
        if link.name == "cauchit":
            return np.log(np.arctan2(1.0, -eta)) - np.log(np.arctan2(1.0, eta))
        if link.name == "log":
            return eta - np.log(-np.expm1(np.minimum(eta, 0.0)))  # (inf at mu = 1)
        mu = link.inverse(eta)  # (a link of another name: from its mean)
        return np.log(mu) - np.log1p(-mu)
