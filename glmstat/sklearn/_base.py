"""What the two estimators share: parameter checks, the fit on arrays or through a formula, the linear
predictor for new data, and ``results_`` (glmstat's full inference, offered only without a penalty)."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import fractions
import keyword
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning as _SkConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted, validate_data

from .._arguments import (flag, foreign_type, integer_type, items_given, own_scalar, real_number, shown,
                          shown_row, unpadded)
from ..design.base import SMALL_CELLS, Design
from ..engine.penalized import Penalty, fit_bytes, fit_penalized, make_problem
from ..engine.step_size import DRIFT_TOL
from ..errors import ConvergenceWarning as _GsConvergenceWarning, warn_user
from ..formula.deparse import r_name
from ..formula.lexer import is_reserved, reads_as_name
from ..formula.limits import DEFAULT_LIMITS, FormulaLimits
from ..formula.validation import MAX_MAGNITUDE
from ..errors import DataError, DataTypeError, FamilyError, FitError, FormulaError, GLMStatError, SeparationWarning
from ..families import Family, NegativeBinomial
from ..inference.results import GLMResults
from ._formula import front_end, split_formula, with_response

__all__ = ["ConvergenceWarning", "NoInferenceError", "check_fit_memory", "out_of_memory"]


class ConvergenceWarning(_GsConvergenceWarning, _SkConvergenceWarning):
    """The penalized fit stopped at ``max_iter``; caught by glmstat's and by scikit-learn's filters."""


class NoInferenceError(GLMStatError, AttributeError):
    """``results_`` of a penalized fit: standard errors are not offered (an AttributeError too, so
    ``hasattr(est, "results_")`` is False)."""


def diverging_message(drift: float, family: Family, where: str) -> str:
    """What a SeparationWarning says of an unpenalized fit whose estimates diverge (``drift`` above
    DRIFT_TOL); ``where``: what holds the estimates (``coef_``, a path's coefficients)."""
    return (f"the unpenalized estimates diverge: one more Newton step would still move a linear predictor by "
            f"{drift:.3g}, as along a separating direction (fitted means driven to the edge of the {family.name} "
            f"family's range); the maximum-likelihood estimates are infinite and {where} is where the iterations "
            "stopped. Use alpha > 0 for finite estimates")


@contextmanager
def refused(what: str, error: type[GLMStatError] = DataError) -> Iterator[None]:
    """scikit-learn's, numpy's and Python's refusal of an argument as glmstat's ``error`` (a ValueError), which
    names ``what`` (the argument and its value, as :func:`~glmstat._arguments.shown` shows it) and keeps their
    message, whose words scikit-learn's estimator checks look for ("NaN", "X has 1 features, but ..."); a
    TypeError becomes a :class:`~glmstat.errors.DataTypeError`, a TypeError too (check_dtype_object asks for one).  They
    raised an OverflowError (a Python int beyond double precision), a TypeError (a dict or pd.NA where a
    number goes) or sklearn's InvalidParameterError.  An unfitted estimator's NotFittedError passes: it is no
    argument's fault."""
    try:
        yield
    except (GLMStatError, NotFittedError):
        raise
    except (ValueError, TypeError, OverflowError) as e:
        reason = _cut_reason(str(e))
        if isinstance(e, TypeError) and error is DataError:  # (scikit-learn asks for a TypeError there)
            raise DataTypeError(f"{what} is refused: {reason}") from e
        raise error(f"{what} is refused: {reason}") from e


#: Objects besides Python's and numpy's own scalars that scikit-learn and numpy may be given to read: their
#: conversions are Python's, numpy's or pandas' own code (a dict or a set is refused by numpy's own words, which
#: scikit-learn's check_dtype_object looks for; pd.NA by pandas')
_READABLE_OBJECTS = frozenset({dict, set, frozenset, type(pd.NA), type(pd.NaT), pd.Timestamp, pd.Timedelta,
                               decimal.Decimal, fractions.Fraction, datetime.date, datetime.datetime,
                               datetime.timedelta})


def own_values(value: Any, what: str) -> Any:
    """Refuse ``value`` -- features, a response, class labels or sample weights given to an estimator or to
    ``glm_path`` -- when it holds an object of a class that is not Python's, numpy's or pandas' own (a subclass of
    float or str, an object of any class with a ``__float__``), before scikit-learn or numpy reads it: they called
    each one's ``__float__`` (and hashed and compared class labels by their own ``__hash__`` and ``__eq__``), code
    that came with the data.  Only the values' types are looked at (:func:`~glmstat._arguments.foreign_type`): an
    object array's items, a list's (and its rows'), a DataFrame's or Series' columns of objects and the categories
    of its categoricals; arrays of numbers hold no objects.

    Parameters
    ----------
    value : Any
        What the caller gave.
    what : str
        Its name in the message (``"X"``, ``"y"``, ``"sample_weight"``).

    Raises
    ------
    DataTypeError
        Naming ``what`` and the type.
    """
    arrays: list = []
    foreign = None
    if isinstance(value, pd.DataFrame):
        # (only the columns whose dtype can hold objects, found from the dtypes: taking every column, 60 us each,
        # spent 6 s of CPU time on a frame of 5 rows and 100,000 columns of numbers)
        arrays = [value.iloc[:, j] for j, dtype in enumerate(value.dtypes)
                  if dtype == object or isinstance(dtype, pd.CategoricalDtype)]
    elif isinstance(value, (pd.Series, pd.Index, np.ndarray, pd.api.extensions.ExtensionArray)):
        arrays = [value]
    elif type(value) in (list, tuple):  # (a list of rows: numpy reads them too, and rows of rows)
        foreign = foreign_type(value, depth=1, also=_READABLE_OBJECTS)
        if foreign in (list, tuple):
            foreign = foreign_type([v for row in value if type(row) in (list, tuple) for v in row], depth=8,
                                   also=_READABLE_OBJECTS)
    elif isinstance(value, (int, float, complex, str, bytes, np.generic)) and not own_scalar(value):
        foreign = type(value)  # (one number for every row's weight)
    for a in arrays:
        dtype = a.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            a, dtype = dtype.categories, dtype.categories.dtype
        if dtype == object:
            foreign = foreign or foreign_type(np.asarray(a, dtype=object).ravel(), depth=0, also=_READABLE_OBJECTS)
    if foreign is not None and foreign not in (list, tuple):
        _refuse_objects(what, foreign)
    return unpadded(value)


def _refuse_objects(what: str, foreign: type) -> None:
    raise DataTypeError(f"{what} holds values of the type {shown(foreign.__qualname__)}, which glmstat does not read "
                        "as numbers (their conversions and comparisons are code of their own); convert them to "
                        "Python's or numpy's numbers (or strings, for class labels) first")


#: the characters of scikit-learn's (numpy's, Python's) own message that a refusal keeps
REASON_CHARS = 600


def _cut_reason(text: str) -> str:
    """``text`` cut to :data:`REASON_CHARS` characters: scikit-learn quotes the data's names and values whole --
    a feature name of 10 MB unseen at fit time, 100,000 duplicated column names, a text cell of a megabyte that
    is not a number each made a message of that size.  Its first words, which its estimator checks look for,
    are kept."""
    if len(text) <= REASON_CHARS:
        return text
    return f"{text[:REASON_CHARS]}... ({len(text) - REASON_CHARS:,} more characters)"


def check_feature_magnitudes(X: np.ndarray, names: Sequence[str]) -> None:
    """Refuse a feature whose values pass ``MAX_MAGNITUDE`` (1e100) in size, as ``glm()`` refuses such a design
    column: their squares, in X'WX, overflow double precision (numpy's RuntimeWarnings, then scipy's raw
    ValueError from the factorization).

    Parameters
    ----------
    X : ndarray
        The features (n, p), float64.
    names : sequence of str
        The features' names, one per column.

    Raises
    ------
    DataError
        Naming the first such feature, its largest size and a power of ten to divide it by.
    """
    if X.size == 0:
        return
    big = np.abs(X).max(axis=0)
    for j in np.flatnonzero(big > MAX_MAGNITUDE):
        raise DataError(
            f"feature {shown(names[j])} has values as large as {big[j]:.3g}; squares of such numbers overflow "
            f"double precision -- rescale it (e.g. divide by 1e{int(np.log10(big[j]))})"
        )


#: Memory of a feature beside its values and coefficients: its name ("x1234567", a str of 57 bytes and a slot in the
#: tuple of names; a path's list of them too) and the fit's vectors of p (gradient, step, center, magnitudes)
FEATURE_BYTES = 192


def check_fit_memory(shape: tuple[int, int], l1: bool, copies: int, coefs: int = 1) -> int:
    """Refuse, before the fit copies it, features X of ``shape`` whose penalized fit would need more memory than
    glm() allows a fit (``FormulaLimits.max_design_bytes``, 4 GiB by default): the fit's own peak
    (:func:`~glmstat.engine.penalized.fit_bytes`: a p x p model, or copies of the rows of a wide ridge), ``copies``
    more copies of X the caller makes (the centered columns, the rows ``results_`` refits) and ``coefs`` vectors of
    coefficients and gradients.  The number of features had no other bound: ``fit(np.zeros((5, 10**7)))`` ended in
    numpy's raw MemoryError after 2 GB, and a lasso of 5 rows and 30,000 features asked for a Gram of 6.7 GB.

    Parameters
    ----------
    shape : (int, int)
        X's rows and features.
    l1 : bool
        Whether some fit has an L1 part (alpha * l1_ratio > 0): it solves a p x p model whatever the rows.
    copies : int
        Copies of X the caller holds beside the fit's.
    coefs : int
        Vectors of p coefficients kept (a path's, one a penalty).

    Returns
    -------
    int
        The bytes counted, for a message should the machine not have them.

    Raises
    ------
    DataError
        Naming the shape, the memory and the bound.
    """
    n, p = (int(v) for v in shape)
    need = fit_bytes(n, p, l1) + 8 * n * p * copies + p * (FEATURE_BYTES + 16 * coefs)
    limit = DEFAULT_LIMITS.max_design_bytes
    if need > limit:
        model = l1 or p <= n
        raise DataError(
            f"X of {n:,} rows and {p:,} features would need about {need / 2**20:,.0f} MB to fit ("
            + (f"its {p:,} x {p:,} model" if model else "copies of its rows")
            + f"), more than the {limit / 2**20:,.0f} MB glmstat allows a fit (FormulaLimits.max_design_bytes, as "
            "glm()'s); select fewer features"
            + (" or fit without an L1 part (l1_ratio=0 or alpha=0), whose fit of more features than rows needs "
               "memory in proportion to rows x features" if model and p > n else ", or fewer rows")
        )
    return need


def out_of_memory(shape: tuple[int, int], need: int) -> DataError:
    """The error for a fit of features of ``shape`` that the machine could not allocate (numpy's MemoryError)
    within glmstat's bound, ``need`` bytes by :func:`check_fit_memory`'s count (0: not counted)."""
    about = f" (about {need / 2**20:,.0f} MB)" if need else ""
    return DataError(f"X of {shape[0]:,} rows and {shape[1]:,} features: this machine could not allocate the "
                     f"memory its fit needs{about}; select fewer features or rows")


def checked_parameters(estimator: GLMEstimatorBase) -> tuple[Penalty, Family]:
    """The estimator's penalty (alpha, l1_ratio) and family, every parameter checked as ``fit`` checks it: an
    invalid one raises glmstat's error naming it (:func:`~glmstat.sklearn.glm_path` checks its arguments so)."""
    return estimator._penalty(), estimator._family()


def sample_weights(sample_weight: Any, n: int) -> np.ndarray:
    """``sample_weight`` as a new array of ``n`` finite non-negative floats: None is ones, a number that weight
    for every row (as scikit-learn's estimators take them); anything else a DataError naming sample_weight and
    its value; a weight beyond ``MAX_MAGNITUDE`` (1e100) as ``glm()`` refuses it (1e308 made ``score()`` NaN with
    numpy's overflow warnings).  scikit-learn's ``_check_sample_weight`` let an OverflowError (an int beyond double
    precision) and a TypeError (pd.NA, a dict) through, read strings as numbers and took a NaN scalar for n NaN
    weights (the fit then said every weight was zero)."""
    if sample_weight is None:
        return np.ones(n)
    texts = own_values(sample_weight, "sample_weight") is not sample_weight  # (a list of texts numpy would pad)
    # (at most glm()'s bound on weights, whose sums and squares leave double precision beyond)
    must = (f"sample_weight must be None, a number or {n} finite non-negative numbers of at most {MAX_MAGNITUDE:g} "
            "(one per row)")
    if texts:
        raise DataError(f"{must}, got {shown(sample_weight)} holding texts")
    given = items_given(sample_weight)
    if given is not None and given != n:  # (counted before it is read: a range(10**12) is no array to make)
        raise DataError(f"{must}, got {given:,} values")
    with refused(f"sample_weight {shown(sample_weight)}"):
        values = np.asarray(sample_weight)
        if values.dtype.kind not in "biufO":  # (strings, complex numbers, dates)
            raise DataError(f"{must}, got {shown(sample_weight)} of dtype {values.dtype}")
        values = np.array(values, dtype=np.float64)  # (a copy: the caller's array is left as it is)
    if values.ndim == 0:
        values = np.full(n, float(values))
    if values.shape != (n,):
        raise DataError(f"{must}, got shape {values.shape}")
    bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0) & (values <= MAX_MAGNITUDE)))
    if bad.size:
        raise DataError(f"{must}, got sample_weight[{bad[0]}] = {values[bad[0]]:g} ({bad.size} such values)")
    return values


class GLMEstimatorBase(BaseEstimator):
    """Parameters and fitting shared by :class:`GLMClassifier` and :class:`GLMRegressor`."""

    _numeric_target: bool = True  # False for class labels

    # -- hooks of the subclasses -------------------------------------------------------------------------
    def _default_family(self) -> Family:
        raise NotImplementedError

    def _check_family(self, family: Family) -> None:
        """Refuse families the estimator cannot use (raise)."""

    def _target(self, y: Any, sample_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The numeric response and the sample weights (class weights applied); sets ``classes_``."""
        raise NotImplementedError

    # -- parameters --------------------------------------------------------------------------------------
    def _family(self) -> Family:
        family = self._default_family() if self.family is None else self.family
        if not isinstance(family, Family):
            raise FamilyError(
                f"family must be a glmstat family such as glmstat.Poisson() or glmstat.Binomial(link='probit'), "
                f"got {shown(family)}"
            )
        if isinstance(family, NegativeBinomial) and family.theta is None:
            raise FamilyError(
                "NegativeBinomial(theta=None) estimates theta, which these estimators do not; fix it "
                "(NegativeBinomial(theta=2.0)) or fit with glmstat.glm, which estimates it as MASS::glm.nb"
            )
        self._check_family(family)
        return family

    def _penalty(self) -> Penalty:
        alpha = real_number(self.alpha, "alpha", low=0, must="a finite number >= 0", error=FitError)
        l1_ratio = real_number(self.l1_ratio, "l1_ratio", low=0, high=1, must="a number in [0, 1]", error=FitError)
        real_number(self.tol, "tol", low=0, low_open=True, must="a positive number", error=FitError)
        if isinstance(self.max_iter, (bool, np.bool_)) or not integer_type(self.max_iter) or self.max_iter < 1:
            raise FitError(f"max_iter must be a positive integer, got {shown(self.max_iter)}")
        flag(self.fit_intercept, "fit_intercept", FitError)
        if self.formula is not None and not isinstance(self.formula, str):
            raise FormulaError(f"formula must be None or a string such as 'y ~ x + C(g)', got {shown(self.formula)}")
        return Penalty(alpha, l1_ratio)

    # -- fitting -----------------------------------------------------------------------------------------
    def _fit(self, X: Any, y: Any, sample_weight: Any) -> "GLMEstimatorBase":
        penalty, family = checked_parameters(self)
        self.__dict__.pop("_results_cache", None)
        # (what predict and score use: set_params(family=...) takes effect at the next fit, as any parameter)
        self._fitted_family = family
        need = 0
        if self.formula is None:
            X = own_values(X, "X")
            y = own_values(y, "y")
            # (the centered copy of X, and at alpha=0 the rows results_ refits)
            memory = {"l1": penalty.l1 > 0, "copies": 1 + (penalty.alpha == 0)}
            if isinstance(X, (np.ndarray, pd.DataFrame)) and X.ndim == 2:  # (before the checks read every value)
                check_fit_memory(X.shape, **memory)
            with refused(f"X ({shown(X)}) or y ({shown(y)})"):
                X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=self._numeric_target)
            need = check_fit_memory(X.shape, **memory)
            names = (tuple(str(c) for c in self.feature_names_in_) if hasattr(self, "feature_names_in_")
                     else tuple(f"x{j}" for j in range(X.shape[1])))
            check_feature_magnitudes(X, names)
            sw = sample_weights(sample_weight, X.shape[0])
            y_num, sw = self._target(y, sw)
            design, offset, weights, intercept = X, None, sw, bool(self.fit_intercept)
            self._spec, self._intercept_column, frame = None, (0 if intercept else None), None
        else:
            data, formula, y_num, sw = self._formula_data(X, y, sample_weight)
            enc = front_end(data, formula=formula, family=family)
            intercept = enc.intercept_column is not None
            if intercept and not self.fit_intercept:
                raise FormulaError(
                    f"fit_intercept=False, but the formula {shown(self.formula)} has an intercept; remove it in the "
                    "formula ('... - 1' or '0 + ...'), which also changes how factors are coded"
                )
            keep = [j for j in range(enc.design.n_cols) if j != enc.intercept_column]
            design, offset = _for_penalized(enc.design.select(keep)), enc.offset
            y_num, weights = enc.y, enc.weights * sw
            names = tuple(enc.column_names[j] for j in keep)
            self._spec, self._intercept_column, frame = enc.spec, enc.intercept_column, (data, formula)
            self.n_features_in_ = X.shape[1]
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        if not np.any(weights > 0):
            raise DataError("every sample weight is zero; at least one row needs a positive weight")
        try:
            problem = make_problem(design, y_num, weights, offset, family, intercept)
            fit = fit_penalized(problem, penalty, float(self.tol), int(self.max_iter))
        except MemoryError:
            raise out_of_memory(design.shape if isinstance(design, np.ndarray) else (design.n_rows, design.n_cols),
                                need) from None
        if not fit.converged:
            warn_user(
                f"the penalized fit did not converge in {fit.iterations} iterations (largest violation of the "
                f"optimality conditions {fit.kkt:.3g}, tol {self.tol:g}); "
                + ("raise max_iter, or " if fit.iterations >= int(self.max_iter) else
                   "no step lowers the objective beyond its rounding: raise tol, or ")
                + "check for separation or unbounded estimates (alpha=0)",
                ConvergenceWarning)
        if fit.drift > DRIFT_TOL:
            warn_user(diverging_message(fit.drift, family, "coef_") + "; results_ names the cause",
                      SeparationWarning)
        self._set_coef(fit.coef, fit.intercept)
        self.n_iter_ = fit.iterations + 1  # IRLS passes, counting the one at the starting values
        self.coef_names_ = names
        self._inference_inputs = (
            None if penalty.alpha > 0 else self._inference_data(X, y_num, sw, names, intercept, family, frame)
        )
        return self

    def _set_coef(self, coef: np.ndarray, intercept: float) -> None:
        self.coef_ = coef
        self.intercept_ = float(intercept)

    def _formula_data(self, X: Any, y: Any, sample_weight: Any) -> tuple[pd.DataFrame, str, Any, np.ndarray]:
        """The data frame and two-sided formula the front end reads, and the sample weights."""
        if not isinstance(X, pd.DataFrame):
            raise DataError(f"with formula= the estimator takes a pandas DataFrame, got {shown(X)}")
        left, right = split_formula(self.formula)
        if bool(left) == (y is not None):
            raise FormulaError(
                f"the response comes from the formula's left-hand side or from y, not both and not neither: "
                f"formula={shown(self.formula)} and y is {'given' if y is not None else 'None'}; use 'y ~ x' with "
                "y=None, or '~ x' with y"
            )
        sw = sample_weights(sample_weight, len(X))
        return self._formula_response(X, y, left, right, sw)

    def _formula_response(self, X: pd.DataFrame, y: Any, left: str, right: str, sw: np.ndarray
                          ) -> tuple[pd.DataFrame, str, Any, np.ndarray]:
        """Regressors: the left-hand side is the front end's to evaluate; a given y becomes a column."""
        if left:
            return X, self.formula, None, sw
        y = own_values(y, "y")
        with refused(f"y ({shown(y)})"):
            y = np.asarray(y, dtype=float).reshape(-1)
        if y.shape != (len(X),):
            raise DataError(f"y has {y.size} values but the data has {len(X)} rows")
        data, formula = with_response(X, y, right)
        return data, formula, None, sw

    @staticmethod
    def _inference_data(X, y_num, sw, names, intercept, family, frame) -> "tuple | _ArrayInputs":
        """What ``results_`` refits with glmstat.glm: formula, data frame, family, weights and formula limits
        (None: the defaults) -- for arrays, the copies they are made from on first use (:class:`_ArrayInputs`).
        The data are copied: the caller may change theirs after fitting."""
        weights = None if np.all(sw == 1) else np.array(sw)
        if frame is not None:  # (the user's formula, read within the default limits by the fit)
            data, formula = frame
            return formula, data.copy(), family, weights, None
        return _ArrayInputs(np.array(X, dtype=float), np.array(y_num), weights, tuple(names), intercept, family)

    # -- prediction --------------------------------------------------------------------------------------
    def _linear_predictor(self, X: Any) -> np.ndarray:
        """eta = b0 + X b (+ the formula's offset) for new data."""
        check_is_fitted(self)
        coef = np.ravel(self.coef_)
        if self._spec is None:
            X = own_values(X, "X")
            with refused(f"X ({shown(X)})"):
                X = validate_data(self, X, reset=False, dtype=np.float64)
            return X @ coef + self.intercept_
        if not isinstance(X, pd.DataFrame):
            raise DataError(f"with formula= the estimator takes a pandas DataFrame, got {shown(X)}")
        enc = front_end(X, spec=self._spec)
        if not enc.complete.all():
            rows = ", ".join(shown_row(r) for r in X.index[~enc.complete][:5])
            raise DataError(f"{int((~enc.complete).sum())} rows have missing values in the model's columns "
                             f"(rows {rows}); impute or drop them first")
        return enc.design.matvec(self._design_coef()) + enc.offset

    def _design_coef(self) -> np.ndarray:
        """The coefficients in the order of the model's columns, the intercept at its column (the first for
        arrays, the formula's for a formula; none without an intercept)."""
        coef = np.ravel(self.coef_)
        if self._intercept_column is None:
            return coef.copy()
        return np.insert(coef, self._intercept_column, float(np.ravel(self.intercept_)[0]))

    # -- inference ---------------------------------------------------------------------------------------
    @property
    def results_(self) -> GLMResults:
        """The unpenalized fit as :func:`glmstat.glm` makes it (standard errors, tests, intervals,
        diagnostics, summary) on the same rows, columns and weights; computed on first use.  A model glm
        cannot start from the family's starting means (where R asks for ``start=``) is started from the
        estimator's coefficients.

        Raises :class:`NoInferenceError` for a penalized fit (``alpha > 0``): its estimates are biased
        towards zero and the usual covariance (X'WX)^{-1} accounts for neither the bias nor the penalty, so
        standard errors, tests and intervals from it would be wrong.
        """
        check_is_fitted(self)
        inputs = self._inference_inputs
        if inputs is None:
            raise NoInferenceError(
                f"results_ (standard errors, tests, intervals) is not offered for a penalized fit (alpha="
                f"{self.alpha:g}): the penalty biases the estimates towards zero, and the usual covariance "
                "(X'WX)^{-1} accounts for neither that bias nor the penalty's effect on the variance, so the "
                "standard errors would be wrong. Refit with alpha=0 for inference (or use glmstat.glm)."
            )
        cached = self.__dict__.get("_results_cache")
        if cached is None:
            from ..api import glm

            formula, data, family, weights, limits = inputs.glm_inputs() if isinstance(inputs, _ArrayInputs) else inputs
            try:
                cached = glm(formula, data, family=family, weights=weights, limits=limits)
            except FitError:
                # glm starts as R does, from the family's starting means, and some models (a Gamma or
                # inverse Gaussian with the identity link) cannot take a valid first step from there, where R
                # asks for start= too; the estimator's own estimates are a valid start, and the optimum the
                # same
                cached = glm(formula, data, family=family, weights=weights, limits=limits,
                             start=self._design_coef())
            self.__dict__["_results_cache"] = cached
        return cached


@dataclasses.dataclass(frozen=True, eq=False)
class _ArrayInputs:
    """The copies of an array fit's rows from which ``results_`` writes its formula and data frame, on first use:
    the formula holds a term per feature, some tens of microseconds each to name (a fit of 3 million features
    ran past 40 s on it, 3 s for 100,000, whether or not results_ was ever read)."""

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    names: tuple[str, ...]
    intercept: bool
    family: Family

    def glm_inputs(self) -> tuple:
        """(formula, data frame, family, weights, formula limits) for glmstat.glm: the features as columns
        named by the features' names (:func:`_formula_names`), one term each."""
        cols = _formula_names(self.names, self.intercept)
        data = pd.DataFrame(self.X, columns=cols)  # (a view of the copy: glm never writes to its data)
        # (r_name quotes with backslashes escaped: `a\b` unescaped was the column ab, silently another model;
        # a Python identifier such as U+2118 is not always a name the formula lexer reads, and one of R's reserved
        # words written bare is R's constant: a feature named NA or TRUE is `NA`, `TRUE`)
        terms = [c if c.isidentifier() and not keyword.iskeyword(c) and reads_as_name(c) and not is_reserved(c)
                 else r_name(c) for c in cols]
        data, formula = with_response(data, self.y, " + ".join(terms) or "1")
        if not self.intercept:
            formula += " - 1"
        return formula, data, self.family, self.weights, _limits_for(formula, len(cols))


def _for_penalized(design: Design) -> np.ndarray | Design:
    """The design as the penalized fit takes it: as stored (factors as codes, also under contrasts) when it is
    large, else dense (for a few thousand cells the products' bookkeeping costs more than the products)."""
    if design.numeric_block()[0].size < design.n_cols and design.n_rows * design.n_cols > SMALL_CELLS:
        return design
    return np.ascontiguousarray(design.toarray())


def _limits_for(formula: str, n_features: int) -> FormulaLimits:
    """The formula limits of the refit of an array fit: its formula is written here, one term per feature,
    so its length, terms and columns are allowed whatever they are (600 features of 35-character names were
    "more characters than allowed", 2,000 features more terms: results_ refused a model the estimator had
    fitted, telling the user to raise limits they cannot pass).  The bounds on memory and work stay."""
    return dataclasses.replace(
        DEFAULT_LIMITS, max_length=max(DEFAULT_LIMITS.max_length, len(formula)),
        max_terms=max(DEFAULT_LIMITS.max_terms, n_features + 1),
        max_columns=max(DEFAULT_LIMITS.max_columns, n_features + 1),
    )


def _formula_names(names: Sequence[str], intercept: bool) -> list[str]:
    """The features' names as formula variables: a name a formula cannot quote (it holds a backtick, or is
    empty: ```` is no name), or one that would collide with the intercept's column or an earlier name, becomes
    ``x{j}`` (made unique)."""
    taken = {"Intercept"} if intercept else set()
    out = []
    for j, n in enumerate(names):
        if not n or "`" in n or n in taken:
            n = f"x{j}"
            while n in taken or n in names:
                n += "_"
        taken.add(n)
        out.append(n)
    return out
