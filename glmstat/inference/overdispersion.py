"""Is a Poisson fit overdispersed?  Pearson's ratio and score tests against Var = mu + alpha mu^2.

For a Poisson fit with fitted means mu_i (n rows, unit prior weights, df = n - rank):

* Pearson: X^2 = sum (y_i - mu_i)^2 / mu_i on df degrees of freedom; the ratio X^2 / df estimates the
  dispersion (1 under the Poisson model) and P(chi^2_df > X^2) is its upper-tail p-value.
* Cameron & Trivedi (1990) auxiliary regression, as ``AER::dispersiontest(fit, trafo = 2)``: regress
  a_i = ((y_i - mu_i)^2 - y_i) / mu_i on mu_i without intercept,
      alpha = sum a_i mu_i / sum mu_i^2,   s^2 = sum (a_i - alpha mu_i)^2 / (n - 1),
      z = alpha / sqrt(s^2 / sum mu_i^2),
  with the one-sided p-value P(N(0, 1) > z) (alternative: alpha > 0, negative binomial NB2 variance).
* Dean & Lawless (1989) score statistic for the same alternative,
      T = sum ((y_i - mu_i)^2 - y_i) / sqrt(2 sum mu_i^2),  p = P(N(0, 1) > T).

The counts are called overdispersed when the auxiliary-regression p-value is below ``level``; the printed
sentence then recommends a negative binomial (or quasi-Poisson) model.  A large Pearson ratio without
NB2-type overdispersion points to the mean model instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from .._scipy import stats

from ..errors import GLMStatError
from ..families import Poisson

__all__ = ["OverdispersionTest", "overdispersion_test", "check_fit"]


@dataclass(frozen=True)
class OverdispersionTest:
    """The overdispersion check of a Poisson fit (see the module docstring for the formulas)."""

    pearson_chi2: float
    df_residual: int
    ratio: float
    pearson_p_value: float
    alpha: float
    score_statistic: float
    score_p_value: float
    dean_lawless_statistic: float
    dean_lawless_p_value: float
    level: float

    @property
    def overdispersed(self) -> bool:
        """Whether the auxiliary-regression score test rejects alpha = 0 at ``level``."""
        return bool(self.score_p_value < self.level)

    @property
    def conclusion(self) -> str:
        """One sentence: what the test says and what to do (p-values as R's print.htest shows them)."""
        from ..report.display import htest_pvalue

        if self.overdispersed:
            return (f"The counts are overdispersed (variance {self.ratio:.3g} times the Poisson variance by "
                    f"Pearson's ratio): Poisson standard errors are too small. Refit with "
                    f"family=NegativeBinomial() (variance mu + mu^2/theta), or QuasiPoisson() to scale the "
                    f"standard errors.")
        if self.pearson_p_value < self.level:
            return (f"The score test finds no negative-binomial overdispersion ({htest_pvalue(self.score_p_value)}), "
                    f"but Pearson's ratio {self.ratio:.3g} is large ({htest_pvalue(self.pearson_p_value)}): check the "
                    f"mean model (missing terms, outliers) or use QuasiPoisson() standard errors.")
        return (f"No evidence of overdispersion at level {self.level:g} (Pearson ratio {self.ratio:.3g}): "
                f"the Poisson model is adequate in this respect.")

    def __str__(self) -> str:
        from ..report.hypothesis_tests import overdispersion_text

        return overdispersion_text(self)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from ..report.hypothesis_tests import overdispersion_html

        return overdispersion_html(self)


def overdispersion_test(y: np.ndarray, mu: np.ndarray, df_residual: int,
                        level: float = 0.05) -> OverdispersionTest:
    """The checks of the module docstring for counts ``y`` with Poisson fitted means ``mu``."""
    if not (0 < level < 1):
        raise GLMStatError(f"level must be between 0 and 1, got {level!r}")
    y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
    n = y.size
    if n < 2 or df_residual < 1:
        raise GLMStatError(f"the overdispersion check needs residual degrees of freedom; this fit has "
                           f"{n} rows and {df_residual} residual df")
    x2 = float(np.sum((y - mu) ** 2 / mu))
    aux = ((y - mu) ** 2 - y) / mu
    smu2 = float(np.sum(mu * mu))
    alpha = float(np.sum(aux * mu) / smu2)
    s2 = float(np.sum((aux - alpha * mu) ** 2) / (n - 1))
    z = alpha / np.sqrt(s2 / smu2)
    dl = float(np.sum((y - mu) ** 2 - y) / np.sqrt(2 * smu2))
    return OverdispersionTest(
        pearson_chi2=x2, df_residual=int(df_residual), ratio=x2 / df_residual,
        pearson_p_value=float(stats.chi2.sf(x2, df_residual)), alpha=alpha, score_statistic=float(z),
        score_p_value=float(stats.norm.sf(z)), dean_lawless_statistic=dl,
        dean_lawless_p_value=float(stats.norm.sf(dl)), level=float(level),
    )


def check_fit(fit, level: float = 0.05) -> OverdispersionTest:
    """The overdispersion check of a fitted Poisson GLM (``GLMResults.overdispersion``)."""
    fam = fit.family
    if type(fam) is not Poisson:
        hint = (" (it already estimates the dispersion)" if fam.name == "quasipoisson" else "")
        raise GLMStatError(f"the overdispersion check is for Poisson fits; this fit uses the {fam.name} "
                           f"family{hint}")
    frame = fit.model_frame
    w = frame.prior_weights
    if not np.all(w == 1):
        raise GLMStatError("the overdispersion check assumes unit prior weights (one count per row); "
                           "this fit has weights= other than 1")
    return overdispersion_test(frame.y, fit.fitted_values.to_numpy(), fit.df_residual, level)
