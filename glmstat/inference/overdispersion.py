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

import operator
from dataclasses import dataclass
from functools import partial

import numpy as np

from ..design.sources import fold
from ..distributions import chi2_sf, normal_sf

from .._arguments import real_number
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


def _sums(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """The sums the checks need, over some rows: n, sum (y - mu)^2 / mu, sum a^2, sum a mu, sum mu^2,
    sum ((y - mu)^2 - y), with a = ((y - mu)^2 - y) / mu."""
    aux = ((y - mu) ** 2 - y) / mu
    return np.array([y.size, np.sum((y - mu) ** 2 / mu), np.sum(aux * aux), np.sum(aux * mu), np.sum(mu * mu),
                     np.sum((y - mu) ** 2 - y)], dtype=float)


def _block_sums(b, beta: np.ndarray, link) -> np.ndarray:
    """:func:`_sums` of a block of the fitted rows (with a count of its rows whose prior weight is not 1)."""
    mu = link.inverse(b.X.matvec(beta) + b.offset)
    return np.append(_sums(b.y, mu), float(np.count_nonzero(b.weights != 1)))


def overdispersion_test(y: np.ndarray, mu: np.ndarray, df_residual: int,
                        level: float = 0.05) -> OverdispersionTest:
    """The checks of the module docstring for counts ``y`` with Poisson fitted means ``mu``."""
    y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
    return _from_sums(_sums(y, mu), df_residual, level)


def _from_sums(sums: np.ndarray, df_residual: int, level: float) -> OverdispersionTest:
    """The checks from :func:`_sums` over every row: alpha = sum a mu / sum mu^2, s2 = sum (a - alpha mu)^2
    / (n - 1) expanded as (sum a^2 - 2 alpha sum a mu + alpha^2 sum mu^2) / (n - 1)."""
    level = real_number(level, "level", low=0.0, high=1.0, low_open=True, high_open=True,
                        must="between 0 and 1")
    n, x2, saa, sam, smu2, sdl = (float(v) for v in sums[:6])
    n = int(n)
    if n < 2 or df_residual < 1:
        raise GLMStatError(f"the overdispersion check needs residual degrees of freedom; this fit has "
                           f"{n} rows and {df_residual} residual df")
    alpha = sam / smu2
    s2 = max(saa - 2 * alpha * sam + alpha * alpha * smu2, 0.0) / (n - 1)
    z = alpha / np.sqrt(s2 / smu2)
    dl = sdl / np.sqrt(2 * smu2)
    return OverdispersionTest(
        pearson_chi2=x2, df_residual=int(df_residual), ratio=x2 / df_residual,
        pearson_p_value=float(chi2_sf(x2, df_residual)), alpha=alpha, score_statistic=float(z),
        score_p_value=float(normal_sf(z)), dean_lawless_statistic=dl,
        dean_lawless_p_value=float(normal_sf(dl)), level=float(level),
    )


def check_fit(fit, level: float = 0.05) -> OverdispersionTest:
    """The overdispersion check of a fitted Poisson GLM (``GLMResults.overdispersion``), in one pass over
    the rows."""
    fam = fit.family
    if type(fam) is not Poisson:
        hint = (" (it already estimates the dispersion)" if fam.name == "quasipoisson" else "")
        raise GLMStatError(f"the overdispersion check is for Poisson fits; this fit uses the {fam.name} "
                           f"family{hint}")
    fd = fit.fit_data
    sums = fold(fd.source, partial(_block_sums, beta=fd.beta, link=fam.link), operator.add, np.zeros(7))
    if sums[6]:
        raise GLMStatError("the overdispersion check assumes unit prior weights (one count per row); "
                           "this fit has weights= other than 1")
    return _from_sums(sums, fit.df_residual, level)
