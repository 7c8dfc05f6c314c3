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

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from ..design.sources import InMemorySource
from ..diagnosis.explain import AliasInfo, SeparationInfo
from ..engine.irls import FitState
from ..families import Family
from ..formula.frame import ModelFrame
from ..design.structured import design_of

__all__ = ["GLMResults"]


@lru_cache(maxsize=512)
def _column_index(names: tuple[str, ...]) -> pd.Index:
    """The coefficient index for these column names (immutable, so shared by fits of the same model)."""
    return pd.Index(list(names))

_RESIDUAL_KINDS = ("deviance", "pearson", "working", "response")


@dataclass(frozen=True)
class FitInfo:
    """What ``glm()`` hands to the results besides the engine's state."""

    formula: str
    family: Family
    method: str
    tol: float
    max_iter: int
    null_deviance: float
    aliasing: tuple[AliasInfo, ...] = ()
    separation: SeparationInfo | None = None
    notes: tuple[str, ...] = ()
    extra_params: int = 0  # e.g. an estimated negative binomial theta
    theta: float | None = None
    theta_se: float | None = None
    convergence: str = "exact"  # glm(convergence=): the exact MLE, or where R's glm stops
    covariance_type: str = "model"
    # The sandwich covariance of a robust() result (p x p, NaN where aliased); None for the model's.
    sandwich_vcov: np.ndarray | None = field(default=None, repr=False, compare=False)


class GLMResults:
    """Results of :func:`glmstat.glm`. Read-only: every attribute is a property."""

    def __init__(self, frame: ModelFrame, state: FitState, info: FitInfo, source: InMemorySource) -> None:
        object.__setattr__(self, "_frame", frame)
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_info", info)
        object.__setattr__(self, "_source", source)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("GLMResults is immutable")

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
    @cached_property
    def _names(self) -> pd.Index:
        return _column_index(self._frame.column_names).view()  # own object (its .name), shared values

    @cached_property
    def coef(self) -> pd.Series:
        """Estimated coefficients; NaN where aliased."""
        return pd.Series(self._state.coef, index=self._names, name="estimate")

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
        """``"model"`` for the model-based covariance, or the sandwich type (``"HC0"``...)."""
        return self._info.covariance_type

    @cached_property
    def vcov(self) -> pd.DataFrame:
        """Covariance of the estimates, dispersion * (X'WX)^{-1} (or the sandwich matrix of a
        :meth:`robust` result); NaN rows/columns where aliased."""
        v = self._info.sandwich_vcov
        if v is None:
            v = self.dispersion * self._state.cov_unscaled
        return pd.DataFrame(v, index=self._names, columns=self._names)

    @cached_property
    def std_errors(self) -> pd.Series:
        """sqrt(diag(vcov))."""
        v = self._info.sandwich_vcov
        se = np.sqrt(np.diag(v) if v is not None else self.dispersion * np.diag(self._state.cov_unscaled))
        return pd.Series(se, index=self._names, name="std_error", copy=False)  # se is this Series' own array

    @cached_property
    def statistic(self) -> pd.Series:
        """Wald statistic estimate / std_error (z or t)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.coef / self.std_errors).rename("statistic")

    def _reference(self):
        return stats.norm if self.statistic_kind == "z" else stats.t(self.df_residual)

    @cached_property
    def p_values(self) -> pd.Series:
        """Two-sided p-values 2 * sf(|statistic|)."""
        if self.statistic_kind == "t" and self.df_residual <= 0:
            return pd.Series(np.nan, index=self.column_names, name="p_value")
        p = 2 * self._reference().sf(np.abs(self.statistic.to_numpy()))
        return pd.Series(p, index=self.column_names, name="p_value")

    def conf_int(self, level: float = 0.95, method: str = "wald") -> pd.DataFrame:
        """Confidence intervals: Wald (estimate +/- q * std_error, q the normal quantile) or profile likelihood.

        Parameters
        ----------
        level : float
            Coverage, in (0, 1).
        method : {"wald", "profile"}
            Wald intervals, or profile-likelihood intervals (see :mod:`glmstat.profile`).
        """
        from ..errors import GLMStatError

        if not (0 < level < 1):
            raise GLMStatError(f"level must be between 0 and 1, got {level!r}")
        if method == "profile":
            from .profile import profile_conf_int

            return profile_conf_int(self, level)
        if method != "wald":
            raise GLMStatError(f"unknown interval method {method!r}; use 'wald' or 'profile'")
        # R's confint.default uses the normal quantile whatever the family.
        q = stats.norm.ppf(0.5 + level / 2)
        se = self.std_errors.to_numpy()
        b = self.coef.to_numpy()
        return pd.DataFrame({"lower": b - q * se, "upper": b + q * se}, index=self.column_names)

    # -- analysis of deviance --------------------------------------------------------------------
    def anova(self, test: str | None = None) -> pd.DataFrame:
        """Sequential analysis of deviance as R's ``anova.glm`` (see :func:`glmstat.anova.sequential_anova`).

        ``test``: None (Chisq for fixed-dispersion families, F otherwise), "Chisq"/"LRT", "F", "Rao", "none".
        """
        from .anova import sequential_anova

        return sequential_anova(self, test)

    def drop1(self, test: str = "none", k: float = 2.0) -> pd.DataFrame:
        """Single-term deletions as R's ``drop1.glm`` (see :func:`glmstat.anova.drop1`)."""
        from .anova import drop1

        return drop1(self, test, k)

    # -- likelihood ------------------------------------------------------------------------------
    @property
    def df_loglik(self) -> int:
        """Parameters counted by AIC/BIC: rank + family extras (R's ``logLik`` df)."""
        return self.rank + self.family.extra_params + self._info.extra_params

    @cached_property
    def loglik(self) -> float:
        """Maximised log-likelihood as R computes it; NaN for quasi families."""
        fam = self.family
        if not fam.has_likelihood:
            return float("nan")
        f = self._frame
        w = f.total_weights
        pos = w > 0
        scale = fam.ml_scale(self.deviance, int(pos.sum()), float(w.sum()))
        mu = self.fitted_values.to_numpy()
        terms = fam.loglik_terms(f.y[pos], mu[pos], w[pos], f.trials[pos], scale)
        return float(np.sum(terms))

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
        """Whether the deviance test was met within ``max_iter`` iterations."""
        return self._state.converged

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

    @cached_property
    def trace(self) -> pd.DataFrame:
        """One row per iteration: ``iteration``, ``deviance``, ``loglik`` (NaN without a likelihood),
        ``halvings`` and one column per coefficient; the last row is the estimate (see
        :mod:`glmstat.inference.trace`)."""
        from .trace import trace_table

        return trace_table(self)

    @cached_property
    def trace_fitted(self) -> pd.DataFrame:
        """The fitted means after each iteration, one column per iteration, rows as :attr:`fitted_values`."""
        from .trace import trace_fitted

        return trace_fitted(self)

    @property
    def boundary(self) -> bool:
        """Whether step-halving was needed to keep the fit inside the family's domain."""
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
    @cached_property
    def _eta_mu(self) -> tuple[np.ndarray, np.ndarray]:
        f = self._frame
        b = np.where(self._state.kept, self._state.coef, 0.0)
        eta = design_of(f) @ b + f.offset
        return eta, self.family.link.inverse(eta)

    @property
    def linear_predictor(self) -> pd.Series:
        """eta = X beta + offset for each row used."""
        return pd.Series(self._eta_mu[0], index=self.rows_used, name="linear_predictor")

    @property
    def fitted_values(self) -> pd.Series:
        """mu = g^{-1}(eta) for each row used (proportions for binomial)."""
        return pd.Series(self._eta_mu[1], index=self.rows_used, name="fitted")

    def residuals(self, kind: str = "deviance") -> pd.Series:
        """Residuals of the given kind (R's ``residuals.glm``).

        deviance: sign(y - mu) sqrt(w d(y, mu)); pearson: (y - mu) sqrt(w) / sqrt(V(mu));
        working: (y - mu) / (d mu / d eta); response: y - mu.
        """
        from ..errors import GLMStatError

        if kind not in _RESIDUAL_KINDS:
            raise GLMStatError(f"unknown residual kind {kind!r}; use one of {', '.join(_RESIDUAL_KINDS)}")
        f = self._frame
        eta, mu = self._eta_mu
        y, w = f.y, f.total_weights
        fam = self.family
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "deviance":
                r = fam.deviance_residuals(y, mu, w)
            elif kind == "pearson":
                r = (y - mu) * np.sqrt(w) / np.sqrt(fam.variance(mu))
            elif kind == "working":
                r = (y - mu) / fam.link.mu_eta(eta)
            else:
                r = y - mu
        return pd.Series(r, index=self.rows_used, name=f"resid_{kind}")

    # -- influence, prediction, robust covariance (glmstat.influence, .prediction, .robust) --------
    @cached_property
    def _influence(self):
        from .influence import fit_summary, influence

        return influence(self._source.blocks(), fit_summary(self))

    @cached_property
    def _hat_cooks(self) -> tuple[np.ndarray, np.ndarray]:
        from .leverage import hat_and_cooks

        h, c = hat_and_cooks(self)
        zero = self._frame.total_weights == 0  # not part of the fit, as in augment()
        return np.where(zero, np.nan, h), np.where(zero, np.nan, c)

    def hat_values(self) -> pd.Series:
        """Leverages h_i = W_i x_i' (X'WX)^{-1} x_i (R's ``hatvalues``), in one pass over the rows."""
        return pd.Series(self._hat_cooks[0], index=self.rows_used, name="hat")

    def cooks_distance(self) -> pd.Series:
        """Cook's distances (r_i / (1 - h_i))^2 h_i / (dispersion rank), r_i the Pearson residuals (R's
        ``cooks.distance``), computed with the leverages in one pass."""
        return pd.Series(self._hat_cooks[1], index=self.rows_used, name="cooks_d")

    def augment(self) -> pd.DataFrame:
        """One row per row used: fitted, linear_predictor, resid_deviance, resid_pearson, resid_working,
        resid_response, hat, cooks_d, std_resid, student_resid (see :mod:`glmstat.influence`; the
        influence columns are NaN for rows with zero weight)."""
        from .influence import augment

        return augment(self)

    def std_residuals(self, kind: str = "deviance") -> pd.Series:
        """Standardized residuals (R's ``rstandard``): residual / sqrt(dispersion (1 - hat)), of the
        deviance or the Pearson kind."""
        from ..errors import GLMStatError

        if kind not in ("deviance", "pearson"):
            raise GLMStatError(f"unknown standardized residual kind {kind!r}; use 'deviance' or 'pearson'")
        inf = self._influence
        r = inf.std_resid_deviance if kind == "deviance" else inf.std_resid_pearson
        return pd.Series(r, index=self.rows_used, name=f"std_resid_{kind}")

    def influence_summary(self) -> pd.DataFrame:
        """Rows above a rule of thumb (Cook's D > 4/n, leverage > 2p/n, |studentized residual| > 2):
        columns cooks_d, hat, student_resid and ``rules`` (the rules each row breaks)."""
        from .influence import influence_summary

        return influence_summary(self)

    def dfbeta(self) -> pd.DataFrame:
        """Change in each coefficient when a row is dropped (R's ``dfbeta``); rows used x coefficients."""
        from .influence import coef_changes

        return coef_changes(self, scaled=False)

    def dfbetas(self) -> pd.DataFrame:
        """dfbeta scaled by the leave-one-out sigma and sqrt(diag((X'WX)^{-1})) (R's ``dfbetas``)."""
        from .influence import coef_changes

        return coef_changes(self, scaled=True)

    def predict(self, newdata: Any = None, type: str = "response", se_fit: bool = False,
                interval: str | None = None, level: float = 0.95) -> pd.Series | pd.DataFrame:
        """Predictions (see :mod:`glmstat.prediction`).

        Parameters
        ----------
        newdata : DataFrame or dict of columns, optional
            Rows to predict, encoded like the training data; None predicts the rows used in the fit.
        type : {"response", "link"}
            The mean mu = g^{-1}(eta), or the linear predictor eta.
        se_fit : bool
            Also return delta-method standard errors (uses :attr:`vcov`, robust if this result is).
        interval : {None, "confidence"}
            Confidence limits g^{-1}(eta -/+ z se_eta).
        level : float
            Coverage of the interval.

        Returns
        -------
        Series ``fit``, or DataFrame with columns fit, se (and lower, upper), indexed like ``newdata``.
        """
        from .prediction import predict

        return predict(self, newdata, type=type, se_fit=se_fit, interval=interval, level=level)

    def robust(self, type: str | None = None, cluster: Any = None) -> "GLMResults":
        """The same fit with a sandwich covariance (R's ``sandwich::vcovHC``, or ``vcovCL`` with
        ``cluster``); std_errors, statistic, p_values, conf_int, summary and predict use it.

        Parameters
        ----------
        type : {"HC0", "HC1", "HC2", "HC3"}, optional
            Default as R: "HC3" unclustered (``vcovHC``), "HC0" clustered (``vcovCL`` for a glm, with the
            cluster adjustment G/(G-1)).
        cluster : str, Series or array, optional
            A column of the fitted data, or one value per row used (a Series aligns on the index).
        """
        from .robust import robust_results

        return robust_results(self, type, cluster)

    # -- tables ----------------------------------------------------------------------------------
    def tidy(self, conf_level: float = 0.95, exponentiate: bool = False) -> pd.DataFrame:
        """One row per coefficient: term, estimate, std_error, statistic, p_value, conf_low, conf_high.

        With ``exponentiate=True`` estimates and interval limits are exp()'d (odds or rate ratios) and
        std_error is the delta-method exp(b) * se.
        """
        ci = self.conf_int(conf_level)
        est, se = self.coef.to_numpy(), self.std_errors.to_numpy()
        lo, hi = ci["lower"].to_numpy(), ci["upper"].to_numpy()
        if exponentiate:
            est, se, lo, hi = np.exp(est), np.exp(est) * se, np.exp(lo), np.exp(hi)
        return pd.DataFrame({
            "term": self.column_names, "estimate": est, "std_error": se,
            "statistic": self.statistic.to_numpy(), "p_value": self.p_values.to_numpy(),
            "conf_low": lo, "conf_high": hi,
        })

    def glance(self) -> pd.DataFrame:
        """One row: nobs, df_null, df_residual, null_deviance, deviance, dispersion, loglik, aic, bic."""
        return pd.DataFrame([{
            "nobs": self.nobs, "df_null": self.df_null, "df_residual": self.df_residual,
            "null_deviance": self.null_deviance, "deviance": self.deviance, "dispersion": self.dispersion,
            "loglik": self.loglik, "aic": self.aic, "bic": self.bic,
        }])

    def overdispersion(self, level: float = 0.05):
        """Overdispersion check of a Poisson fit: Pearson's ratio and score tests against
        Var = mu + alpha mu^2 (see :mod:`glmstat.overdispersion`); ``print()`` it for the verdict."""
        from .overdispersion import check_fit

        return check_fit(self, level)

    # -- presentation ----------------------------------------------------------------------------
    def summary(self):
        """R-like summary (printable; also ``to_markdown()``, ``to_latex()``, ``_repr_html_``)."""
        from ..report.summary import Summary

        return Summary.from_results(self)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return (
            f"<GLMResults {self.formula!r}, {self.family}: {self.nobs} obs, rank {self.rank}, "
            f"deviance {self.deviance:.6g}{'' if self.converged else ', NOT converged'}>"
        )

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()
