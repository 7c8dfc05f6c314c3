"""The immutable results of a GLM fit.

Cheap quantities are computed from the fit state on access; anything that needs a pass over the rows is
computed on first use and cached.  Nothing here mutates the results after construction; variants (for
example a robust covariance) are new results objects.

Formulas (R's ``summary.glm``, ``logLik.glm``):
  * dispersion phi = sum_i w_i (y_i - mu_i)^2 / V(mu_i) / df_residual, or 1 for binomial/Poisson/NB;
  * vcov = phi (X'WX)^{-1};  statistic = beta / se;  p = 2 sf(|statistic|) (normal, or t on df_residual);
  * loglik from the family's likelihood, AIC = -2 loglik + 2 k, BIC = -2 loglik + log(n) k with
    k = rank + the family's extra parameters (R's ``logLik`` df) and n the rows used, zero-weight rows
    included (R's ``logLik`` nobs, unlike ``nobs()``).
"""

from __future__ import annotations

import operator
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from .._arguments import (confidence_level, flag, integer_type, is_one_of, output_path, real_number, shown,
                          shown_items, writing_to)
from ..distributions import interval_quantile, normal_sf, t_sf
from ..errors import GLMStatError

from ..design.sources import InMemorySource, fold
from ..diagnosis.explain import AliasInfo, SeparationInfo
from ..engine.fit_state import Control, FitState
from ..engine.passes import loglik_part
from ..engine.threads import single_threaded
from ..families import Family
from ..formula.frame import ModelFrame
from ..formula.data_paths import parquet_output
from ..formula.readers import pyarrow_parquet
from ..once import once
from ..report.tables import Column, returns_table
from .fitdata import Covariance, FitData
from .fit_access import SAME_SUBSET, formula_limits
from .per_row import (AUGMENT_COLUMNS, RESIDUAL_KINDS, WEIGHT_KINDS, block_augment, block_column, block_weights,
                      residual_values)

__all__ = ["GLMResults"]


#: Most characters of column names whose index is cached: the cache holds 512 of them, and a factor's long
#: levels kept 10 MB a fit alive, after the fit was gone
_CACHED_NAMES = 100_000


@lru_cache(maxsize=512)
def _cached_index(names: tuple[str, ...]) -> pd.Index:
    return pd.Index(list(names))


def _column_index(names: tuple[str, ...]) -> pd.Index:
    """The coefficient index for these column names (immutable, so shared by fits of the same model: cached,
    unless the names are long)."""
    return _cached_index(names) if sum(map(len, names)) <= _CACHED_NAMES else pd.Index(list(names))


@dataclass(frozen=True)
class FitInfo:
    """What ``glm()`` hands to the results besides the engine's state."""

    formula: str
    family: Family
    method: str
    null_deviance: float
    aliasing: tuple[AliasInfo, ...] = ()
    separation: SeparationInfo | None = None
    notes: tuple[str, ...] = ()
    extra_params: int = 0  # e.g. an estimated negative binomial theta
    theta: float | None = None
    theta_se: float | None = None
    # The path of the stepwise search that chose this model (GLMResults.step), else None.
    step_path: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    # What MASS's stepAIC prints of that search (a stepwise.StepTrace), else None.
    step_trace: Any = field(default=None, repr=False, compare=False)
    convergence: str = "exact"  # glm(convergence=): the exact MLE, or where R's glm stops


def _kind_or_type(kind: str, type_: str | None, default: str) -> str:
    """``kind``, or R's name for it, ``type=``, where that is given instead (``kind`` other than its default and
    ``type``: refused)."""
    if type_ is None or is_one_of(kind, (default,)):
        return kind if type_ is None else type_
    # (compared only as Python's own strings: an array or a str subclass as either makes no comparison of its own)
    if not (is_one_of(kind, tuple(RESIDUAL_KINDS) + ("partial", "quantile")) and is_one_of(type_, (kind,))):
        raise GLMStatError(f"give the kind of residual once: kind={shown(kind)} or type={shown(type_)}, not both")
    return type_


class GLMResults:
    """Results of :func:`glmstat.glm`. Read-only: every attribute is a property."""

    def __init__(self, frame: ModelFrame, state: FitState, info: FitInfo, source: InMemorySource,
                 control: Control, covariance: Covariance | None = None) -> None:
        object.__setattr__(self, "_frame", frame)
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_info", info)
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_control", control)
        object.__setattr__(self, "_covariance", covariance)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("GLMResults is immutable")

    def __getstate__(self) -> dict:
        # cached values are rebuilt after loading; the fit itself is a few arrays and the model spec -- and,
        # for streamed rows (which a loaded fit may no longer reach), the log-likelihood behind AIC and BIC
        keep = ("_frame", "_state", "_info", "_source", "_control", "_covariance")
        state = {k: self.__dict__[k] for k in keep}
        if not self._frame.in_memory:
            state["loglik"] = self.loglik
            # (and the covariance's QR factor where quadratic forms would lose digits: predictions take it)
            factor = self.factored_fit_data.cov_factor
            if factor is not None:
                state["_stored_cov_factor"] = factor
                state["_stored_cov_factor_levels"] = self.factored_fit_data.cov_factor_levels
        return state

    def __setstate__(self, state: dict) -> None:
        # Unpickling is trust, as pickle's own is: the bytes have run whatever code they name before this is called,
        # so nothing here checks what ``state`` holds (docs/threat-model.md: unpickle only fits you saved yourself).
        for k, v in state.items():
            object.__setattr__(self, k, v)

    @once
    def fit_data(self) -> FitData:
        """The fit as inference features take it (see :mod:`glmstat.inference.fitdata`)."""
        st = self._state
        return FitData(self._source, self.family, st.coef, st.kept, st.cov_unscaled, self.dispersion,
                       st.deviance, st.n_ok, self._control, self._frame, st.n_boundary,
                       st.weights_beta, st.weights_at_start)

    def with_covariance(self, covariance: Covariance) -> "GLMResults":
        """The same fit with another covariance of the estimates (e.g. a sandwich matrix): std_errors,
        statistic, p_values, conf_int, summary and predict use it (None: the model's own).  ``covariance`` is a
        :class:`~glmstat.inference.fitdata.Covariance` (as :meth:`robust` makes) of a p x p float ``matrix``:
        anything else was taken, and every later use of the fit raised a raw AttributeError."""
        if covariance is not None:
            p = len(self._frame.column_names)
            if type(covariance) is not Covariance:
                raise GLMStatError(f"covariance must be a glmstat Covariance, as fit.robust() makes (fit.robust('HC1') "
                                   f"is the fit with one), got {shown(covariance)}")
            m = covariance.matrix
            if not isinstance(m, np.ndarray) or m.shape != (p, p) or m.dtype != np.float64:
                raise GLMStatError(f"the covariance's matrix must be a {p} x {p} array of floats (one row and column "
                                   "per coefficient), got " + (f"an array of shape {m.shape} and dtype {m.dtype}"
                                                               if isinstance(m, np.ndarray) else shown(m)))
        return GLMResults(self._frame, self._state, self._info, self._source, self._control, covariance)

    def with_step_path(self, path: pd.DataFrame, trace: Any = None) -> "GLMResults":
        """The same fit carrying ``path``, the steps a stepwise search took to it, as :attr:`step_path`: a
        pandas DataFrame with the columns :func:`glmstat.inference.stepwise.step` makes (its ``STEP_PATH_COLUMNS``,
        stepAIC's ``$anova``); and ``trace``, what stepAIC prints of the search, as :attr:`step_trace` (a
        :class:`~glmstat.inference.stepwise.StepTrace`, or None)."""
        from .stepwise import STEP_PATH_COLUMNS, StepTrace

        if trace is not None and not isinstance(trace, StepTrace):
            raise GLMStatError(f"a step trace is a StepTrace, as step() makes, or None; got {shown(trace)}")

        if not isinstance(path, pd.DataFrame) or list(path.columns) != list(STEP_PATH_COLUMNS):
            got = (f"a DataFrame with columns {shown_items(list(path.columns))}" if isinstance(path, pd.DataFrame)
                   else shown(path))
            raise GLMStatError(f"a step path is a pandas DataFrame with the columns step() makes, "
                               f"{', '.join(STEP_PATH_COLUMNS)}; got {got}")
        return GLMResults(self._frame, self._state, replace(self._info, step_path=path, step_trace=trace),
                          self._source, self._control, self._covariance)

    # -- the model -------------------------------------------------------------------------------
    @property
    def formula(self) -> str:
        """The formula as given."""
        return self._info.formula

    @property
    def family(self) -> Family:
        """The family (with its link)."""
        return self._info.family

    @property
    def method(self) -> str:
        """The fitting method (``"irls"`` or ``"firth"``)."""
        return self._info.method

    @property
    def column_names(self) -> list[str]:
        """Names of the design columns, in order."""
        return list(self._frame.column_names)

    @property
    def rows_used(self) -> pd.Index:
        """Index labels of the data rows used in the fit."""
        return self._frame.rows_used

    @property
    def n_dropped(self) -> int:
        """Number of rows dropped for missing values."""
        return self._frame.n_dropped

    @property
    def dropped_by(self) -> Mapping[str, int]:
        """Rows with a missing value, per variable (a row may count under several)."""
        return dict(self._frame.dropped_by)

    @property
    def model_frame(self) -> ModelFrame:
        """The arrays the model was fitted to (design, response, weights, offset)."""
        return self._frame

    # -- coefficients and inference --------------------------------------------------------------
    @returns_table  # (its columns are coefficient names: column names and levels from the data)
    def model_matrix(self, newdata: Any = None) -> pd.DataFrame:
        """The design matrix as a DataFrame (R's ``model.matrix``): the columns named as the coefficients, one
        row per row used (``newdata``: its complete rows, encoded like the training data).  Dense on request:
        refused when it would take more than the formula limits' ``max_design_bytes`` (a wide factor's
        structured design is never expanded otherwise)."""
        from .model_matrix import design_table

        return design_table(self, newdata)

    @once
    def _names(self) -> pd.Index:
        return _column_index(self._frame.column_names).view()  # own object (its .name), shared values

    @once
    @returns_table
    def coef(self) -> pd.Series:
        """Estimated coefficients; NaN where aliased."""
        return Column(self._state.coef, index=self._names, name="estimate")  # (made printable, not converted)

    @property
    def aliased(self) -> list[str]:
        """Names of the aliased columns (linear combinations of earlier columns)."""
        return [n for n, k in zip(self.column_names, self._state.kept) if not k]

    @property
    def aliasing(self) -> tuple[AliasInfo, ...]:
        """For each aliased column, the exact linear relation with earlier columns."""
        return self._info.aliasing

    @property
    def separation(self) -> SeparationInfo | None:
        """Details of (quasi-)complete separation, or None."""
        return self._info.separation

    @property
    def rank(self) -> int:
        """Number of estimated (non-aliased) coefficients."""
        return int(self._state.kept.sum())

    @property
    def nobs(self) -> int:
        """Observations with non-zero weight (R's ``nobs``)."""
        return self._state.n_ok

    @property
    def df_residual(self) -> int:
        """nobs - rank."""
        return self.nobs - self.rank

    @property
    def df_null(self) -> int:
        """nobs - 1 with an intercept, nobs without."""
        return self.nobs - int(self._frame.has_intercept)

    @property
    def deviance(self) -> float:
        """Residual deviance sum_i w_i d(y_i, mu_i)."""
        return self._state.deviance

    @property
    def null_deviance(self) -> float:
        """Deviance of the intercept-only model (with the offset, as R)."""
        return self._info.null_deviance

    @property
    def pearson_chi2(self) -> float:
        """sum_i w_i (y_i - mu_i)^2 / V(mu_i)."""
        return self._state.pearson_chi2

    @property
    def dispersion(self) -> float:
        """1 for binomial, Poisson and negative binomial; Pearson chi-square / df_residual otherwise."""
        if self.family.fixed_dispersion:
            return 1.0
        return self.pearson_chi2 / self.df_residual if self.df_residual > 0 else float("nan")

    @property
    def statistic_kind(self) -> str:
        """``"z"`` for fixed-dispersion families and sandwich covariances (as ``lmtest::coeftest`` on a
        glm), ``"t"`` on df_residual otherwise."""
        return "z" if self.family.fixed_dispersion or self.covariance_type != "model" else "t"

    @property
    def covariance_type(self) -> str:
        """``"model"`` for the model-based covariance, or how the covariance was made (``"HC3"``,
        ``"HC0, clustered by firm, 40 clusters"``)."""
        return "model" if self._covariance is None else self._covariance.label

    @once
    @returns_table
    def vcov(self) -> pd.DataFrame:
        """Covariance of the estimates, dispersion * (X'WX)^{-1} (or the sandwich matrix of a
        :meth:`robust` result); NaN rows/columns where aliased."""
        v = self.dispersion * self._state.cov_unscaled if self._covariance is None else self._covariance.matrix
        return pd.DataFrame(v, index=self._names, columns=self._names)

    @once
    @returns_table
    def std_errors(self) -> pd.Series:
        """sqrt(diag(vcov))."""
        cov = self._covariance
        if cov is not None:
            with np.errstate(invalid="ignore"):  # (a sandwich at a diverged estimate: rounding below 0 is NaN)
                se = np.sqrt(np.diag(cov.matrix))
        else:  # (ndarray.diagonal: the view np.diag returns, without np.diag's wrapper, paid on every fit)
            se = np.sqrt(self.dispersion * self._state.cov_unscaled.diagonal())
        return Column(se, index=self._names, name="std_error", copy=False)  # se is this Series' own array

    @once
    @returns_table
    def statistic(self) -> pd.Series:
        """Wald statistic estimate / std_error (z or t)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.coef / self.std_errors).rename("statistic")

    @once
    @returns_table
    def p_values(self) -> pd.Series:
        """Two-sided p-values 2 * sf(|statistic|)."""
        if self.statistic_kind == "t" and self.df_residual <= 0:
            return Column(np.nan, index=self._names, name="p_value")
        z = np.abs(self.statistic.to_numpy())
        p = 2 * (normal_sf(z) if self.statistic_kind == "z" else t_sf(z, self.df_residual))
        return Column(p, index=self._names, name="p_value")

    # statsmodels' names for the same quantities
    @property
    def params(self) -> pd.Series:
        """Alias of :attr:`coef` (statsmodels' name)."""
        return self.coef

    @property
    def bse(self) -> pd.Series:
        """Alias of :attr:`std_errors` (statsmodels' name)."""
        return self.std_errors

    @property
    def tvalues(self) -> pd.Series:
        """Alias of :attr:`statistic` (statsmodels' name, z or t)."""
        return self.statistic

    @property
    def pvalues(self) -> pd.Series:
        """Alias of :attr:`p_values` (statsmodels' name)."""
        return self.p_values

    @returns_table
    @single_threaded
    def conf_int(self, level: float = 0.95, method: str = "wald",
                 parm: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Confidence intervals: Wald (estimate +/- q * std_error, q the normal quantile) or profile likelihood.

        Parameters
        ----------
        level : float
            Coverage, in (0, 1).
        method : {"wald", "profile"}
            Wald intervals (from the sandwich covariance for a ``robust()`` result), or profile-likelihood
            intervals (see :mod:`glmstat.inference.profile`; refused for a ``robust()`` result, whose
            likelihood is the model's).
        parm : str or sequence of str, optional
            Only these coefficients (R's ``parm``): profiling the others is skipped.
        """
        from ..errors import GLMStatError

        level = confidence_level(level)
        if not is_one_of(method, ("wald", "profile")):  # (an array compared element by element: a raw ValueError)
            raise GLMStatError(f"unknown interval method {shown(method)}; use 'wald' or 'profile'")
        names = self.column_names
        if parm is not None:
            if not isinstance(parm, (str, list, tuple, np.ndarray, pd.Index, pd.Series)):
                raise GLMStatError(f"parm must be a coefficient name or a list of them, got {shown(parm)}")
            parm = [parm] if isinstance(parm, str) else list(parm)
            known = set(names)  # (a set: each name searched in the list was quadratic for a long parm)
            unknown = [c for c in parm if not isinstance(c, str) or c not in known]
            if unknown:
                raise GLMStatError(f"parm names no coefficient: {', '.join(map(shown, unknown[:5]))}; the "
                                   f"coefficients are {shown_items(names, 20)}")
        if method == "profile":
            from .profile import profile_conf_int

            if self.covariance_type != "model":  # (they were the model-based intervals, beside robust p-values)
                raise GLMStatError(
                    f"profile-likelihood intervals come from the model's likelihood, which a sandwich covariance "
                    f"({self.covariance_type}) does not change: they would not be robust; use method='wald' for "
                    "intervals from the sandwich covariance, or profile the fit before robust()")

            out = profile_conf_int(self, level, parm)
        elif method != "wald":
            raise GLMStatError(f"unknown interval method {shown(method)}; use 'wald' or 'profile'")
        else:
            # R's confint.default uses the normal quantile whatever the family.
            q = interval_quantile(level)
            se = self.std_errors.to_numpy()
            b = self.coef.to_numpy()
            out = pd.DataFrame({"lower": b - q * se, "upper": b + q * se}, index=names)
        out.attrs.update(r_print="confint", level=level, method=method)  # (the labels R prints: Table.to_r)
        return out if parm is None else out.loc[parm]

    # -- analysis of deviance --------------------------------------------------------------------
    @returns_table
    @single_threaded
    def anova(self, test: str | None = None, type: int | str | None = None) -> pd.DataFrame:
        """Analysis of deviance: sequential as R's ``anova.glm`` (``type=None``, see
        :func:`glmstat.inference.anova.sequential_anova`), or type II / III tests as ``car::Anova`` (see
        :mod:`glmstat.inference.anova_types`).

        ``test``: sequential -- None (Chisq for fixed-dispersion families, F otherwise), "Chisq"/"LRT", "F",
        "Rao", "none"; type 2 or 3 -- "LR" (the default), "Wald" or "F".
        """
        if type is None:
            from .anova import sequential_anova

            return sequential_anova(self, test)
        from .anova_types import anova_type

        return anova_type(self, type, "LR" if test is None else test)

    @returns_table
    @single_threaded
    def drop1(self, test: str = "none", k: float = 2.0, scope: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Single-term deletions as R's ``drop1.glm`` (see :func:`glmstat.inference.anova.drop1`); ``scope``: the
        terms to drop (a formula such as ``"~ x1 + x2"`` or term labels), by default every term no other contains."""
        from .anova import drop1

        return drop1(self, test, k, scope)

    @returns_table
    @single_threaded
    def add1(self, scope: str, test: str = "none", k: float = 2.0) -> pd.DataFrame:
        """Single-term additions as R's ``add1.glm`` (see :func:`glmstat.inference.add1.add1`).

        ``scope``: a formula of the terms to try (``"~ . + x3 + x4"`` or ``"~ x3 + x4"``); ``test``:
        "none", "Chisq" (or "LRT"), "F" or "Rao"; ``k``: the AIC penalty per parameter.
        """
        from .add1 import add1

        return add1(self, scope, test, k)

    def update(self, formula: str = ". ~ .", data: Any = None, subset: Any = SAME_SUBSET) -> "GLMResults":
        """The model refitted with a changed formula, data or subset, as R's ``update``: ``.`` stands for the old
        formula's side (``"~ . - x"``, ``"log(.) ~ . + z"``); ``subset=`` other rows (a condition, one boolean per
        row, or None for all; default: the fit's); see :func:`glmstat.inference.update.update`."""
        from .update import update

        return update(self, formula, data, subset)

    @single_threaded
    def step(self, direction: str | None = None, k: float = 2.0, scope: Any = None,
             steps: int = 1000, trace: bool = False) -> "GLMResults":
        """Stepwise selection by AIC as ``MASS::stepAIC``; the chosen fit, with the path it took as
        :attr:`step_path` and what stepAIC prints of the search as :attr:`step_trace` (see
        :func:`glmstat.inference.stepwise.step`).

        ``direction``: "backward", "forward" or "both" (default: "both" with a ``scope``, else "backward",
        as stepAIC); ``scope``: the upper model as a formula, or a dict with ``"lower"`` and ``"upper"``;
        ``k``: the penalty per parameter (2: AIC, log(n): BIC); ``steps``: at most this many moves; ``trace``:
        True prints the search to standard output as stepAIC's default ``trace = 1`` prints it (False by default,
        where R prints: a Python function that prints unasked surprises).
        """
        from .stepwise import step

        return step(self, direction, k, scope, steps, trace)

    @property
    def term_labels(self) -> list[str]:
        """R's term labels (``attr(terms(fit), "term.labels")``): the terms of the model, no intercept."""
        return [t for t in self._frame.term_labels if t != "(Intercept)"]

    @property
    @returns_table
    def step_path(self) -> pd.DataFrame | None:
        """For a model chosen by :meth:`step`, the path taken (as stepAIC's ``$anova``): ``step``, ``df``,
        ``deviance``, ``resid_df``, ``resid_dev``, ``aic``; else None."""
        return self._info.step_path

    @property
    def step_trace(self) -> Any:
        """For a model chosen by :meth:`step`, what ``MASS::stepAIC`` prints of the search (a
        :class:`~glmstat.inference.stepwise.StepTrace`: ``print(fit.step_trace)`` writes R's text, ``.text`` is it);
        else None."""
        return self._info.step_trace

    # -- tests and effects beyond the summary (glmstat.inference.hypotheses, .vif, .margins, .emmeans) ------
    @single_threaded
    def wald_test(self, hypotheses: Any, rhs: Any = None, test: str = "chisq"):
        """Wald test of linear hypotheses about the coefficients, as ``car::linearHypothesis``: strings in
        the column names (``"x1 = x2"``, ``["2*x3 + x4 = 1", "x5 = 0"]``) or a matrix L with ``rhs``;
        ``test`` "chisq" or "F".  Returns a :class:`~glmstat.inference.hypotheses.WaldTest` (statistic, df,
        p_value); see :mod:`glmstat.inference.hypotheses`."""
        from .hypotheses import wald_test

        return wald_test(self, hypotheses, rhs, test)

    @returns_table
    @single_threaded
    def vif(self) -> pd.DataFrame:
        """Generalized variance-inflation factors by term, as ``car::vif``: ``gvif``, ``df``,
        ``gvif_adj`` = GVIF^(1/(2 df)), from the model's covariance (also on a :meth:`robust` fit, as car reads
        ``vcov(glm)``); see :mod:`glmstat.inference.vif`."""
        from .vif import vif

        return vif(self)

    @returns_table
    @single_threaded
    def average_marginal_effects(self, variables: Any = None, at: Mapping[str, Any] | None = None,
                                 level: float = 0.95) -> pd.DataFrame:
        """Average marginal effects on the response scale with delta-method standard errors (see
        :mod:`glmstat.inference.margins`): for a numeric variable the mean of d mu / d x (``contrast``
        ``"dydx"``), for a factor the mean of mu(level) - mu(reference) per level; ``at`` fixes variables at
        given values first (marginal effects at those values)."""
        from .margins import average_marginal_effects

        return average_marginal_effects(self, variables, at, level)

    @returns_table
    @single_threaded
    def emmeans(self, term: Any, level: float = 0.95, *, by: Any = None, type: str = "response",
                weights: str = "equal", at: dict | None = None, offset: float | None = None, cov_reduce: Any = None,
                cov_keep: Any = None, regrid: str | None = None) -> pd.DataFrame:
        """Estimated marginal means of ``term`` (a factor, or several) on the response scale, as
        ``emmeans(fit, ~ term, type = "response")`` (``~ term | by`` with ``by``; ``type="link"``: on the scale
        of the linear predictor, emmeans' default): DataFrame by level with estimate, std_error, df, lower, upper;
        ``weights`` emmeans' weights of the cells averaged over (``"equal"``, ``"proportional"``, ``"outer"``,
        ``"cells"``, ``"flat"``); ``at`` numeric variables held at the values given (``{"x": [1, 2]}``, emmeans'
        ``at = list(x = c(1, 2))``) and factors at the levels given only (``{"g": ["a", "b"]}``); ``offset`` the
        grid's offset instead of the mean of the model's (``0``: a rate per unit of a log-exposure offset);
        ``cov_reduce`` the covariates' values by emmeans' ``cov.reduce``, by name (``"mean"``, ``"median"``,
        ``"min"``, ``"max"``, ``"range"``: both ends; or a dict of them by covariate); ``cov_keep`` emmeans'
        ``cov.keep`` (covariates kept at all their values: names, or a number of values); ``regrid="response"``:
        emmeans' ``regrid = "response"``, the grid's cells back-transformed before they are averaged; see
        :mod:`glmstat.inference.emmeans`."""
        from .emmeans import emmeans

        return emmeans(self, term, level, by, type, weights, at, offset, cov_reduce, cov_keep, regrid)

    @returns_table
    @single_threaded
    def emmeans_pairs(self, term: Any, adjust: str = "tukey", *, by: Any = None, level: float | None = None,
                      weights: str = "equal", at: dict | None = None, type: str = "response",
                      cov_reduce: Any = None, cov_keep: Any = None, exclude: Any = None, include: Any = None,
                      reverse: bool = False, regrid: str | None = None) -> pd.DataFrame:
        """Pairwise comparisons of the estimated marginal means of ``term``, as emmeans' ``pairs()``: tests
        on the link scale with a multiplicity adjustment (``"tukey"``, ``"scheffe"``, ``"sidak"``, or one of R's
        ``p.adjust``: ``"bonferroni"``, ``"holm"``, ``"hochberg"``, ``"hommel"``, ``"BH"`` (``"fdr"``), ``"BY"``;
        or ``"none"``); with ``by``, within each level of the ``by`` variables, adjusted group by
        group (``pairs(emmeans(fit, ~ term | by))``); with a ``level``, simultaneous intervals as emmeans'
        ``confint(pairs(...))``; ``type="link"``: differences on the link scale, as ``pairs()`` of emmeans'
        default grid, not ratios; ``cov_reduce`` and ``cov_keep`` as :meth:`emmeans`'s; ``exclude`` /
        ``include`` the means left out of or kept in the pairs (1-based positions or labels); ``reverse``: the
        pairs reversed, as ``pairs(reverse = TRUE)``; ``regrid="response"``: differences of the regridded means
        (probabilities, rates), as :meth:`emmeans`'s; see :mod:`glmstat.inference.emmeans`."""
        from .emmeans import emmeans_pairs

        return emmeans_pairs(self, term, adjust, by, level, weights, at, type, cov_reduce, cov_keep, exclude,
                             include, reverse, regrid)

    @returns_table
    @single_threaded
    def emmeans_contrasts(self, term: Any, method: str | dict = "pairwise", adjust: str | None = None, *,
                          by: Any = None, ref: Any = None, level: float | None = None, weights: str = "equal",
                          at: dict | None = None, type: str = "response", cov_reduce: Any = None,
                          cov_keep: Any = None, exclude: Any = None, include: Any = None, reverse: bool = False,
                          wts: Any = None, max_degree: int | None = None,
                          regrid: str | None = None) -> pd.DataFrame:
        """Comparisons of two estimated marginal means of ``term``, as emmeans' ``contrast(emmeans(fit, ~ term),
        method)``: ``"pairwise"`` (``pairs()``), ``"revpairwise"``, ``"trt.vs.ctrl"`` (each level against the
        control ``ref``: its 1-based position, as emmeans', or its label; the first by default), ``"trt.vs.ctrlk"``
        (against the last level), ``"consec"`` (each level against the one before), ``"eff"`` and ``"del.eff"``
        (each against the mean of all, of the others), ``"poly"`` (orthogonal polynomials), ``"mean_chg"``,
        ``"identity"`` (each mean itself, on the link scale with its offset, never back-transformed, as emmeans'
        ``identity.emmc``), or contrasts of one's
        own, a dict of names and coefficients of the means (emmeans' ``contrast(emm, list(...))``).  ``adjust`` None is
        emmeans' default for the method: Tukey's for the pairs, ``"dunnettx"`` (emmeans' approximation of
        Dunnett's) for the comparisons with a control, ``"fdr"`` for the effects, none for the polynomials and the
        means themselves; for
        ``"consec"``, whose default ``"mvt"`` is simulated, name one (``"sidak"``, ``"holm"``, ...).  With a
        ``level``, simultaneous intervals as emmeans' ``confint()``.  ``type="link"``: differences on the link
        scale, as contrasts of emmeans' default grid, not ratios.  emmeans' options of the families: ``exclude`` /
        ``include`` (the means left out or kept, by 1-based position or label), ``reverse`` (``"trt.vs.ctrl"``,
        ``"consec"``, ``"mean_chg"``; ``"pairwise"``: ``"revpairwise"``), ``wts`` (``"eff"``, ``"del.eff"``),
        ``max_degree`` (``"poly"``), each refused for a family that does not take it; ``cov_reduce`` and
        ``cov_keep`` as :meth:`emmeans`'s; ``regrid="response"``: comparisons of the regridded means
        (differences, never ratios).  See :mod:`glmstat.inference.contrast_families` and
        :mod:`glmstat.inference.critical_values`."""
        from .emmeans import emmeans_contrasts

        return emmeans_contrasts(self, term, method, adjust, by, ref, level, weights, at, type,
                                 cov_reduce=cov_reduce, cov_keep=cov_keep, exclude=exclude, include=include,
                                 reverse=reverse, wts=wts, max_degree=max_degree, regrid=regrid)

    # -- likelihood ------------------------------------------------------------------------------
    @property
    def df_loglik(self) -> int:
        """Parameters counted by AIC/BIC: rank + family extras (R's ``logLik`` df)."""
        return self.rank + self.family.extra_params + self._info.extra_params

    @once
    def loglik(self) -> float:
        """Maximised log-likelihood as R computes it; NaN for quasi families."""
        fam = self.family
        if not fam.has_likelihood:
            return float("nan")
        st = self._state
        scale = fam.ml_scale(self.deviance, st.n_ok, st.sum_weights)
        part = partial(loglik_part, family=fam, beta=self.fit_data.beta, scale=scale)
        return fold(self._source, part, operator.add, 0.0)  # one pass: streamed rows too

    @property
    def aic(self) -> float:
        """-2 loglik + 2 k."""
        return -2 * self.loglik + 2 * self.df_loglik

    @property
    def bic(self) -> float:
        """-2 loglik + log(n) k, n the rows used, zero-weight rows included (R's ``logLik`` nobs)."""
        return -2 * self.loglik + np.log(len(self.rows_used)) * self.df_loglik

    # -- iteration record ------------------------------------------------------------------------
    @property
    def converged(self) -> bool:
        """Whether the fit reached its optimum: the deviance test met within ``max_iter`` iterations, or (with
        ``convergence="exact"``) the Newton steps that go on where Fisher scoring cycled or crawled to ``max_iter``
        without meeting it reached the maximum (see :attr:`scoring_converged`)."""
        return self._state.converged

    @property
    def scoring_converged(self) -> bool:
        """Whether Fisher scoring met the deviance test within ``max_iter`` iterations: R's ``converged``.  False
        with :attr:`converged` True where it did not and the Newton steps after it reached the maximum (R's glm
        stops at ``max_iter``: "algorithm did not converge"); :attr:`trace` lists those steps after the
        :attr:`iterations`."""
        return self._state.scoring_converged

    @property
    def iterations(self) -> int:
        """R's ``iter``: the IRLS (Fisher scoring) iterations until the relative deviance change fell below
        ``tol`` (or ``max_iter``).  With ``convergence="exact"`` the steps that then polish the estimate to the
        exact optimum are not counted; :attr:`trace` lists them after these."""
        return self._state.iterations

    @property
    def convergence(self) -> str:
        """``"exact"`` (the exact maximum) or ``"R"`` (stopped, and reported, as R's ``glm`` does)."""
        return self._info.convergence

    @property
    def control(self) -> Control:
        """The iteration settings the fit was given: ``tol`` and ``max_iter`` (R's ``glm.control(epsilon,
        maxit)``) and ``convergence``."""
        return self._control

    @once
    @returns_table
    def trace(self) -> pd.DataFrame:
        """One row per iteration: ``iteration``, ``deviance``, ``loglik`` (NaN without a likelihood),
        ``halvings`` and one column per coefficient (named in backticks when it is one of those four
        names); the last row is the estimate (see :mod:`glmstat.inference.trace`)."""
        from .trace import trace_table

        return trace_table(self._state, self._source, self.family, list(self.coef.index))

    @once
    @returns_table
    def trace_fitted(self) -> pd.DataFrame:
        """The fitted means after each iteration, one column per iteration, rows as :attr:`fitted_values`."""
        from .trace import trace_fitted

        return trace_fitted(self._state, self._source, self.family, self.rows_used)

    @property
    def boundary(self) -> bool:
        """Whether step-halving was needed to keep the fit inside the family's domain (with ``convergence="R"``:
        in the last iteration, as R's ``glm(...)$boundary``)."""
        return self._state.boundary

    @property
    def notes(self) -> tuple[str, ...]:
        """Warnings and remarks about this fit, as shown at the end of ``summary()``."""
        return self._info.notes

    @property
    def theta(self) -> float | None:
        """Negative binomial theta (estimated or fixed), else None."""
        return self._info.theta

    @property
    def theta_se(self) -> float | None:
        """Standard error of an estimated theta, else None."""
        return self._info.theta_se

    # -- per-observation quantities --------------------------------------------------------------
    @once
    def _rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(eta, mu, y, total weights) of every row used, from one pass over the rows."""
        beta = self.fit_data.beta
        parts = [(b.X.matvec(beta) + b.offset, b.y, b.weights) for b in self._source.blocks()]
        eta, y, w = (np.concatenate([p[k] for p in parts]) if len(parts) != 1 else parts[0][k] for k in range(3))
        return eta, self.family.link.inverse(eta), y, w

    @property
    def _eta_mu(self) -> tuple[np.ndarray, np.ndarray]:
        return self._rows[0], self._rows[1]

    @once
    def _near_one_hats(self) -> dict | None:
        from .per_row import near_one_hats

        return near_one_hats(self)

    def _streamed(self, fn: Callable, columns: tuple[str, ...] | str, fd: FitData | None = None) -> Any:
        """A per-row result of a fit to streamed data, block by block (:mod:`glmstat.inference.lazy`): a dask
        collection for a dask fit, else a pandas object indexed by :attr:`rows_used`.  ``fd``: the fit data
        ``fn`` takes (default :attr:`fit_data`)."""
        from .lazy import per_row

        return per_row(self._source, partial(fn, fd=(fd or self.fit_data).portable()), columns,
                       max_bytes=formula_limits(self).max_design_bytes)

    @once
    def factored_fit_data(self) -> FitData:
        """:attr:`fit_data` with its covariance factor (``cov_factor``) where (X'WX)^{-1} is too ill-conditioned
        for quadratic forms (nearly collinear columns: one more pass over the rows, made once), as the
        leverages, the sandwich covariances and the prediction standard errors take it; else :attr:`fit_data`."""
        from .covariance_factor import with_cov_factor

        stored = self.__dict__.get("_stored_cov_factor")  # (a streamed fit loaded without its rows)
        if stored is not None:
            return replace(self.fit_data, cov_factor=stored,
                           cov_factor_levels=self.__dict__.get("_stored_cov_factor_levels"))
        return with_cov_factor(self.fit_data)

    @property
    def covariance_factor(self) -> np.ndarray | None:
        """F (p x m, zero rows where aliased) with :attr:`vcov` = F F' on the kept columns where the covariance
        is too ill-conditioned for quadratic forms x'Vx (a prediction's variance is then ||x'F||^2, as R's
        ``predict.lm`` takes it from its QR); None where x'Vx is accurate.  The model-based phi^(1/2) R^{-1}, R
        the QR factor of sqrt(W) X; for a :meth:`robust` result, the sandwich's own factor."""
        if self._covariance is not None:
            return self._covariance.factor
        F = self.factored_fit_data.cov_factor
        return None if F is None else np.sqrt(self.dispersion) * F

    @property
    @returns_table
    def linear_predictor(self) -> pd.Series:
        """eta = X beta + offset for each row used (a dask Series for a fit on a dask DataFrame)."""
        if not self._frame.in_memory:
            return self._streamed(partial(block_column, name="linear_predictor"), "linear_predictor")
        return pd.Series(self._eta_mu[0], index=self.rows_used, name="linear_predictor")

    @property
    @returns_table
    def fitted_values(self) -> pd.Series:
        """mu = g^{-1}(eta) for each row used, proportions for binomial (a dask Series for a dask fit)."""
        if not self._frame.in_memory:
            return self._streamed(partial(block_column, name="fitted"), "fitted")
        return pd.Series(self._eta_mu[1], index=self.rows_used, name="fitted")

    @returns_table
    def residuals(self, kind: str = "deviance", seed: int | np.random.Generator | None = None, *,
                  type: str | None = None) -> pd.Series | pd.DataFrame:
        """Residuals of the given kind (R's ``residuals.glm``, and statmod's ``qresiduals``); ``type=`` is R's
        name for ``kind`` (``residuals(fit, type = "pearson")``), as :meth:`predict` and :meth:`weights` name it.

        deviance: sign(y - mu) sqrt(w d(y, mu)); pearson: (y - mu) sqrt(w) / sqrt(V(mu));
        working: (y - mu) / (d mu / d eta); response: y - mu;
        partial: the working residual plus each term's share of eta, x_iJ' b_J - xbar_J' b_J (``predict(type=
        "terms")``), a column per term, as R's ``type = "partial"`` (the component-plus-residual plots' y);
        quantile: Phi^{-1}(u), u uniform between F(y-) and F(y) of the fitted distribution (Dunn and Smyth
        1996; exact for continuous families, randomized with ``seed`` for discrete ones -- see
        :mod:`glmstat.inference.quantile_residuals`).
        """
        from ..errors import GLMStatError

        kind = _kind_or_type(kind, type, "deviance")
        if is_one_of(kind, ("quantile",)):  # (a str subclass's own __eq__ is not run)
            from .quantile_residuals import quantile_residuals

            return quantile_residuals(self, seed)
        if is_one_of(kind, ("partial",)):
            return self.predict(type="terms").add(self.residuals("working"), axis=0)
        if not is_one_of(kind, RESIDUAL_KINDS):
            raise GLMStatError(f"unknown residual kind {shown(kind)}; use one of {', '.join(RESIDUAL_KINDS)}, "
                               "partial, quantile")
        if not self._frame.in_memory:
            return self._streamed(partial(block_column, name=f"resid_{kind}"), f"resid_{kind}")
        eta, mu, y, w = self._rows
        return pd.Series(residual_values(kind, self.family, eta, mu, y, w, self.df_residual),
                         index=self.rows_used, name=f"resid_{kind}")

    @returns_table
    def weights(self, type: str = "prior") -> pd.Series:
        """The rows' weights in the fit, as R's ``weights(fit, type)``.

        prior: the weights given (``weights=``), times the trials of a binomial response given as counts
        (``cbind(successes, failures)``: R's ``prior.weights``); working: the weights of the final iteration's
        least squares, w_i (d mu_i / d eta_i)^2 / V(mu_i), those of the covariance (R's ``fit$weights``: at the
        estimate, or with ``convergence="R"`` at the coefficients before R's last iteration), 0 where the
        prior weight is 0.  A Series indexed by the rows used (a dask Series for a dask fit).
        """
        from ..errors import GLMStatError

        if not is_one_of(type, WEIGHT_KINDS):
            raise GLMStatError(f"unknown weights type {shown(type)}; use 'prior' or 'working'")
        name = f"weights_{type}"
        if not self._frame.in_memory:
            return self._streamed(partial(block_weights, kind=type), name)
        fd = self.fit_data.portable()
        parts = [block_weights(b, fd, type).to_numpy() for b in self._source.blocks()]
        return pd.Series(parts[0] if len(parts) == 1 else np.concatenate(parts), index=self.rows_used, name=name)

    # -- influence, prediction, robust covariance (glmstat.inference.influence, .prediction, .robust) --------
    @once
    def _influence(self):
        from .influence import influence

        return influence(self.factored_fit_data)

    @once
    def _hat_cooks(self) -> tuple[np.ndarray, np.ndarray]:
        if "_influence" in self.__dict__:
            inf = self._influence
        else:  # leverages and Cook's distances alone: the same pass without the residual measures
            from .influence import influence

            inf = influence(self.factored_fit_data, full=False)
        return inf.hat, inf.cooks_d

    @returns_table
    def hat_values(self) -> pd.Series:
        """Leverages h_i = W_i x_i' (X'WX)^{-1} x_i (R's ``hatvalues``), in one pass over the rows (a dask
        Series for a dask fit)."""
        if not self._frame.in_memory:
            return self._streamed(partial(block_augment, columns=("hat",), exact=self._near_one_hats), ("hat",),
                                  self.factored_fit_data)["hat"]
        return pd.Series(self._hat_cooks[0], index=self.rows_used, name="hat")

    @returns_table
    def cooks_distance(self) -> pd.Series:
        """Cook's distances (r_i / (1 - h_i))^2 h_i / (dispersion rank), r_i the Pearson residuals (R's
        ``cooks.distance``), computed with the leverages in one pass."""
        if not self._frame.in_memory:
            return self._streamed(partial(block_augment, columns=("cooks_d",), exact=self._near_one_hats),
                                  ("cooks_d",), self.factored_fit_data)["cooks_d"]
        return pd.Series(self._hat_cooks[1], index=self.rows_used, name="cooks_d")

    @returns_table
    def augment(self, path: str | os.PathLike | None = None) -> Any:
        """One row per row used: fitted, linear_predictor, resid_deviance, resid_pearson, resid_working,
        resid_response, hat, cooks_d, std_resid, student_resid (see :mod:`glmstat.inference.influence`; the
        influence columns are NaN for rows with zero weight).  For a fit on a dask DataFrame a lazy dask
        DataFrame (one partition per partition of the data).

        Parameters
        ----------
        path : str or path, optional
            Write the table to this Parquet file instead, one block of rows at a time, and return the path
            (the row labels in a column ``row``): for a fit whose rows do not fit in memory.  A dask fit
            writes a directory of files from its workers, into a new or empty directory.  A name ending in
            another format's suffix (``.csv``) is refused: write the returned table yourself
            (``fit.augment().to_csv(...)``); so is a file the fit reads its rows from (by any name).  A local
            path, read as written: a URL (``s3://``, ``http://``, any ``scheme:``) or a leading ``~`` is refused.
        """
        if path is not None:
            output_path(path)
            parquet_output(path, "augment")
        if path is not None and self._frame.in_memory:
            pyarrow_parquet("writing a Parquet file")  # (the parquet extra, or a MissingDependencyError that says so)
            table = self.augment().rename_axis("row").reset_index()
            with writing_to(path):
                table.to_parquet(path, index=False)
            return path
        if path is not None:
            from .lazy import write_rows

            with writing_to(path):
                return write_rows(self._source, partial(block_augment, fd=self.factored_fit_data.portable(),
                                                        exact=self._near_one_hats), AUGMENT_COLUMNS, path)
        if not self._frame.in_memory:
            return self._streamed(partial(block_augment, exact=self._near_one_hats), AUGMENT_COLUMNS,
                                  self.factored_fit_data)
        from .influence import augment_table

        residuals = {k: self.residuals(k).to_numpy() for k in ("deviance", "pearson", "working", "response")}
        return augment_table(self._influence, self.fitted_values.to_numpy(), self.linear_predictor.to_numpy(),
                             residuals, self.rows_used)

    @returns_table
    def std_residuals(self, kind: str = "deviance", *, type: str | None = None) -> pd.Series:
        """Standardized residuals (R's ``rstandard``): residual / sqrt(dispersion (1 - hat)), of the
        deviance or the Pearson kind (``type=``: R's name for ``kind``)."""
        from ..errors import GLMStatError

        kind = _kind_or_type(kind, type, "deviance")
        if not is_one_of(kind, ("deviance", "pearson")):
            raise GLMStatError(f"unknown standardized residual kind {shown(kind)}; use 'deviance' or 'pearson'")
        inf = self._influence
        r = inf.std_resid_deviance if kind == "deviance" else inf.std_resid_pearson
        return pd.Series(r, index=self.rows_used, name=f"std_resid_{kind}")

    @returns_table
    def influence_summary(self) -> pd.DataFrame:
        """Rows above a rule of thumb (Cook's D > 4/n, leverage > 2p/n, |studentized residual| > 2):
        columns cooks_d, hat, student_resid and ``rules`` (the rules each row breaks)."""
        from .influence import influence_summary

        return influence_summary(self._influence, self.nobs, self.rank, self.rows_used)

    @returns_table
    def influence_measures(self) -> pd.DataFrame:
        """R's ``influence.measures``: per used row dfbetas (``dfb_<coefficient>``), dffit, cov_ratio, cooks_d and
        hat, ``influential`` where R's rules flag one of them and ``flagged`` naming which (see
        :mod:`glmstat.inference.influence`)."""
        from .influence import influence_measures

        return influence_measures(self)

    @returns_table
    def dfbeta(self) -> pd.DataFrame:
        """Change in each coefficient when a row is dropped (R's ``dfbeta``); rows used x coefficients."""
        from .influence import coef_changes

        return coef_changes(self, scaled=False)

    @returns_table
    def dfbetas(self) -> pd.DataFrame:
        """dfbeta scaled by the leave-one-out sigma and sqrt(diag((X'WX)^{-1})) (R's ``dfbetas``)."""
        from .influence import coef_changes

        return coef_changes(self, scaled=True)

    @returns_table
    def predict(self, newdata: Any = None, type: str = "response", se_fit: bool = False,
                interval: str | None = None, level: float = 0.95,
                offset: Any = None) -> pd.Series | pd.DataFrame:
        """Predictions (see :mod:`glmstat.inference.prediction`).

        Parameters
        ----------
        newdata : DataFrame, dict of columns, pyarrow Table, polars DataFrame, Parquet path or dask DataFrame, optional
            Rows to predict, encoded like the training data; None predicts the rows used in the fit.
        type : {"response", "link", "terms"}
            The mean mu = g^{-1}(eta), the linear predictor eta, or each term's share of eta, centred at the
            columns' means over the rows used (a column per term, ``se(term)`` with ``se_fit``; the constant
            in ``attrs["constant"]``), as R's ``type = "terms"``.
        se_fit : bool
            Also return delta-method standard errors (uses :attr:`vcov`, robust if this result is).
        interval : {None, "confidence"}
            Confidence limits g^{-1}(eta -/+ z se_eta).
        level : float
            Coverage of the interval.
        offset : column name or array, optional
            For a model fitted with ``offset=`` an array of values: the offset of the new rows (one value per
            row of ``newdata``, or a column of it), added to what the formula's ``offset()`` terms give.
            Required with ``newdata`` for such a model (a :class:`DataError` without it), refused otherwise:
            offset() terms and an ``offset=`` column name are evaluated on ``newdata``.

        Returns
        -------
        Series ``fit``, or DataFrame with columns fit, se (and lower, upper), indexed like ``newdata``.
        """
        from .prediction import predict

        return predict(self, newdata, type=type, se_fit=se_fit, interval=interval, level=level, offset=offset)

    @single_threaded
    def robust(self, type: str | None = None, cluster: Any = None) -> "GLMResults":
        """The same fit with a sandwich covariance (R's ``sandwich::vcovHC``, or ``vcovCL`` with
        ``cluster``); std_errors, statistic, p_values, conf_int, summary and predict use it.

        Parameters
        ----------
        type : {"HC0", "HC1", "HC2", "HC3", "HC4", "HC4m", "HC5"}, optional
            Default as R: "HC3" unclustered (``vcovHC``), "HC0" clustered (``vcovCL`` for a glm, with the
            cluster adjustment G/(G-1)).  HC4, HC4m and HC5 unclustered only, as sandwich (any case:
            ``"hc4m"``).
        cluster : str, Series or array, optional
            A column of the fitted data, or one value per row used (a Series aligns on the index).  For a fit
            to streamed data (a Parquet path, a dask DataFrame) a column name, with every type: clustered
            HC2/HC3 gather each cluster's rows a bounded bucket of clusters per pass
            (:mod:`~glmstat.inference.streamed_clusters`).
        """
        from .robust import robust_results

        return robust_results(self, type, cluster)

    # -- tables ----------------------------------------------------------------------------------
    @returns_table
    def tidy(self, conf_level: float = 0.95, exponentiate: bool = False) -> pd.DataFrame:
        """One row per coefficient: term, estimate, std_error, statistic, p_value, conf_low, conf_high.

        With ``exponentiate=True`` estimates and interval limits are exp()'d (odds or rate ratios) and
        std_error is the delta-method exp(b) * se.
        """
        exponentiate = flag(exponentiate, "exponentiate")
        ci = self.conf_int(confidence_level(conf_level, "conf_level"))
        est, se = self.coef.to_numpy(), self.std_errors.to_numpy()
        lo, hi = ci["lower"].to_numpy(), ci["upper"].to_numpy()
        if exponentiate:
            est, se, lo, hi = np.exp(est), np.exp(est) * se, np.exp(lo), np.exp(hi)
        return pd.DataFrame({  # (term as text even without coefficients, y ~ 0: an empty list is float64)
            "term": pd.Series(list(self.column_names), dtype=str), "estimate": est, "std_error": se,
            "statistic": self.statistic.to_numpy(), "p_value": self.p_values.to_numpy(),
            "conf_low": lo, "conf_high": hi,
        })

    @returns_table
    def glance(self) -> pd.DataFrame:
        """One row: nobs, df_null, df_residual, null_deviance, deviance, dispersion, loglik, aic, bic."""
        return pd.DataFrame([{
            "nobs": self.nobs, "df_null": self.df_null, "df_residual": self.df_residual,
            "null_deviance": self.null_deviance, "deviance": self.deviance, "dispersion": self.dispersion,
            "loglik": self.loglik, "aic": self.aic, "bic": self.bic,
        }])

    def overdispersion(self, level: float = 0.05):
        """Overdispersion check of a Poisson fit: Pearson's ratio and score tests against
        Var = mu + alpha mu^2 (see :mod:`glmstat.inference.overdispersion`); ``print()`` it for the verdict."""
        from .overdispersion import check_fit

        return check_fit(self, level)

    def hosmer_lemeshow(self, groups: int = 10):
        """The Hosmer-Lemeshow goodness-of-fit test of a binomial fit to 0/1 responses, as
        ``ResourceSelection::hoslem.test(y, fitted(fit), g = groups)``: X^2 over groups of fitted probabilities,
        on groups - 2 df (see :mod:`glmstat.inference.goodness_of_fit`); ``print()`` it for R's lines and the
        observed and expected counts of each group."""
        from .goodness_of_fit import hosmer_lemeshow

        return hosmer_lemeshow(self, groups)

    @returns_table
    def dose_p(self, p: float | Sequence[float] = 0.5, cf: Sequence[str] | None = None) -> pd.DataFrame:
        """The dose at which the fitted probability is ``p`` (the LD50 at 0.5), with its delta-method standard
        error, as ``MASS::dose.p``: x_p = (g(p) - b0) / b1 for the coefficients ``cf`` (names of the
        intercept's and the dose's; default the first two); DataFrame by p with ``dose`` and ``std_error``
        (see :mod:`glmstat.inference.dose`)."""
        from .dose import dose_p

        return dose_p(self, p, cf)

    @returns_table
    def simulate(self, nsim: int = 1, seed: int | np.random.Generator | None = None) -> pd.DataFrame:
        """``nsim`` responses simulated from the fitted model, as R's ``simulate(fit, nsim, seed)``: a DataFrame
        by row used with columns ``sim_1``...; each family's draw at the fitted means (the Gamma's with MASS's
        maximum-likelihood shape), NaN for rows of zero weight (see :mod:`glmstat.inference.simulate`)."""
        from .simulate import simulate

        return simulate(self, nsim, seed)

    def gamma_shape(self):
        """The maximum-likelihood shape alpha of a Gamma fit and its standard error, as ``MASS::gamma.shape``
        (``.dispersion`` is 1/alpha, for ``summary(dispersion=...)``); with ``convergence="R"`` MASS's own
        iteration and printed numbers (see :mod:`glmstat.inference.gamma_shape`)."""
        from .gamma_shape import gamma_shape

        return gamma_shape(self)

    # -- presentation ----------------------------------------------------------------------------
    def summary(self, *, dispersion: float | None = None, correlation: bool = False, symbolic_cor: bool = False,
                stars: bool = True, digits: int = 4):
        """R-like summary (printable; also ``to_markdown()``, ``to_latex()``, ``_repr_html_``).

        Parameters
        ----------
        dispersion : float, optional
            A known dispersion phi > 0, as R's ``summary(fit, dispersion = phi)``: standard errors
            sqrt(phi [(X'WX)^{-1}]_jj), and z tests (normal p-values) whatever the family -- e.g. ``dispersion=1``
            for a quasi-Poisson fit gives the Poisson tests.  The fit itself is unchanged.
        correlation : bool
            Also show the correlation matrix of the estimated coefficients, as R's ``summary(fit,
            correlation = TRUE)`` prints it (lower triangle, two decimals; aliased coefficients left out).
        symbolic_cor : bool
            Show the correlation as R's ``summary(fit, correlation = TRUE, symbolic.cor = TRUE)`` prints it:
            ``symnum()``'s symbols of |r| (" " up to 0.3, "." to 0.6, "," to 0.8, "+" to 0.9, "*" to 0.95, "B"
            below 1, "1" from 1 - 1e-5) and their legend.  It shows the correlation without ``correlation=True``
            too (R's summary shows nothing unless both are given).
        stars : bool
            Show the significance codes (R's ``signif.stars``).
        digits : int
            Significant digits, as ``print(summary(fit), digits = )``: the coefficient table and the residuals
            (4 by default, R's), the deviances at max(5, digits + 1) and the AIC at max(4, digits + 1).
        """
        from ..errors import GLMStatError
        from ..report.summary import Summary

        if dispersion is not None:
            dispersion = real_number(dispersion, "dispersion", low=0.0, low_open=True,
                                     must="a positive finite number (R's summary(fit, dispersion =))")
        if isinstance(digits, (bool, np.bool_)) or not integer_type(digits) or not 1 <= digits <= 22:
            raise GLMStatError(f"digits must be a whole number from 1 to 22 (R's), got {shown(digits)}")
        return Summary.from_results(self, dispersion=dispersion, correlation=flag(correlation, "correlation"),
                                    symbolic_cor=flag(symbolic_cor, "symbolic_cor"), stars=flag(stars, "stars"),
                                    digits=int(digits))

    def plot(self, kind: str = "diagnostics", *, term: str | None = None, level: float = 0.95,
             nsim: int = 19, seed: int | None = None, groups: int = 10):
        """A matplotlib Figure (needs the ``plot`` extra; see :mod:`glmstat.report.plots`).

        Parameters
        ----------
        kind : {"diagnostics", "trace", "effects", "halfnormal", "partial", "calibration"}
            R's four diagnostic panels of ``plot(glm)``; the IRLS path; the fitted mean against ``term``
            with a ``level`` confidence band; a half-normal plot of |standardized deviance residuals| with
            an envelope from ``nsim`` simulated responses (random generator seeded by ``seed``); the partial
            residuals of ``term`` with its share of the linear predictor and their smooth (R's ``termplot(fit,
            partial.resid = TRUE)``); for a binomial fit to 0/1 responses, the observed proportion against the
            mean fitted probability in ``groups`` groups of the Hosmer-Lemeshow test, with ``level`` exact
            intervals.  A fit to streamed data draws effects with a binned rug and diagnostics up to a million
            rows, and refuses the half-normal envelope (:mod:`glmstat.report.plots`).
        """
        from ..report.plots import plot_fit

        return plot_fit(self, kind, term=term, level=level, nsim=nsim, seed=seed, groups=groups)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        """The short print of R's ``print.glm`` (see :mod:`glmstat.report.fit_print`)."""
        from ..report.fit_print import fit_text

        return fit_text(self)

    def _repr_html_(self) -> str:
        """The summary as styled HTML (a notebook cell's value)."""
        return self.summary()._repr_html_()
