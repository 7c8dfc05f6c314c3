"""NegativeBinomial() on counts without overdispersion: the fit at the Poisson limit, with a warning, never an
error.

R 4.2 (fixtures/negbin_limit, script fixtures/scripts/make_negbin_limit.R on the counts of
make_negbin_limit_data.py): on 20 Poisson samples of 50 rows, 10 have sum((y - mu)^2 - y) <= 0 at the Poisson
fit, and on each of them (and on underdispersed binomial counts, ``under``, and five rows, ``tiny``)
MASS::glm.nb warns "iteration limit reached" and stops at a theta of 1.7e4 to 3.8e5 whose coefficients are
the Poisson ones to about 1e-5; on the other 10 it converges to a finite theta.  On six constant counts
(``flat``) glm.nb fails.  glmstat returns the Poisson fit (the limit theta -> infinity) in
every case of the first kind, and glm.nb's own estimates in the others.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmstat as gs
from conftest import FIXTURES
from glmstat.densities import log_dnbinom
from glmstat.engine.negbin import theta_ml

HERE = FIXTURES / "negbin_limit"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
LIMIT_CASES = sorted(c for c, ref in R.items() if ref["overdispersion_sum"] <= 0)
INTERIOR_CASES = sorted(c for c, ref in R.items() if ref["overdispersion_sum"] > 0)


def data(case):
    return DATA[DATA["case"] == case].drop(columns="case").reset_index(drop=True)


def fit_nb(case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(R[case]["formula"], data(case), family=gs.NegativeBinomial())
    return fit, [w for w in caught if issubclass(w.category, gs.GLMStatWarning)]


def test_the_fixture_has_both_kinds():
    assert len(LIMIT_CASES) == 13 and len(INTERIOR_CASES) == 10
    for case in LIMIT_CASES:  # R: glm.nb runs theta up and warns, or fails
        nb = R[case]["negbin"]
        assert "error" in nb or ("iteration limit reached" in nb["warnings"] and nb["theta"] > 1e4)
    for case in INTERIOR_CASES:
        assert R[case]["negbin"]["warnings"] == [] and R[case]["negbin"]["theta"] < 200


@pytest.mark.parametrize("case", LIMIT_CASES)
def test_no_overdispersion_gives_the_poisson_fit_with_a_warning(case):
    fit, caught = fit_nb(case)
    ref = R[case]
    assert [w.category for w in caught] == [gs.BoundaryWarning]
    message = str(caught[0].message)
    assert message.startswith("no overdispersion") and "iteration limit reached" in message
    assert f"{ref['overdispersion_sum']:.4g}" in message
    assert message in fit.notes  # the summary repeats it
    # the Poisson limit: coefficients, standard errors and log-likelihood of R's Poisson MLE
    np.testing.assert_allclose(fit.coef, ref["poisson"]["coefficients"], rtol=1e-7)
    np.testing.assert_allclose(fit.std_errors, ref["poisson"]["std_errors"], rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, ref["poisson"]["loglik"], rtol=1e-7)
    np.testing.assert_allclose(fit.deviance, ref["poisson"]["deviance"], rtol=1e-6, atol=1e-10)
    assert fit.theta >= 1e7 and math.log10(fit.theta).is_integer()
    assert fit.theta > 1e7 * fit.fitted_values.max()  # mu^2/theta below 1e-7 mu
    assert fit.theta_se == math.inf
    if "coefficients" in ref["negbin"]:  # where glm.nb stopped: its theta is large but finite
        np.testing.assert_allclose(fit.coef, ref["negbin"]["coefficients"], rtol=1e-4)
        np.testing.assert_allclose(fit.loglik, ref["negbin"]["loglik"], rtol=1e-5)
    # AIC counts theta as a parameter, as glm.nb's does
    np.testing.assert_allclose(fit.aic, -2 * ref["poisson"]["loglik"] + 2 * (len(fit.coef) + 1), rtol=1e-6)


@pytest.mark.parametrize("case", INTERIOR_CASES)
def test_overdispersed_samples_match_glm_nb(case):
    fit, caught = fit_nb(case)
    ref = R[case]["negbin"]
    assert caught == []
    np.testing.assert_allclose(fit.theta, ref["theta"], rtol=1e-6)
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, ref["loglik"], rtol=1e-6)


def test_summary_says_theta_is_at_the_limit():
    fit, _ = fit_nb("under")
    text = str(fit.summary())
    # MASS's print.summary.negbin: dp = max(2 - floor(log10(Inf)), 0) = 0 decimals
    assert "              Theta:  1e+08 \n          Std. Err.:  Inf \n" in text
    assert "no overdispersion" in text


def test_poisson_against_the_limit_fit_finds_nothing():
    d = data("poisson1")
    pois = gs.glm("y ~ x", d, family=gs.Poisson())
    nb, _ = fit_nb("poisson1")
    t = gs.lrtest(pois, nb)
    # the likelihoods agree: statistic ~ 0 (|S| / theta = 2.4e-7), boundary-corrected p ~ 1/2
    assert t.boundary and t.df == 1
    assert t.statistic < 1e-6 and 0.4995 < t.p_value <= 0.5


def test_all_zero_counts_still_refused():
    d = pd.DataFrame({"y": np.zeros(8), "x": np.arange(8.0)})
    with pytest.raises(gs.FitError, match="0 in every row"):
        gs.glm("y ~ x", d, family=gs.NegativeBinomial())


def test_theta_ml_stops_past_the_upper_bound():
    d = data("poisson5")  # R: glm.nb theta 20.73
    fit, _ = fit_nb("poisson5")
    y, mu, w = d["y"].to_numpy(float), fit.fitted_values.to_numpy(), np.ones(len(d))
    th, se = theta_ml(y, mu, w)
    np.testing.assert_allclose(th, R["poisson5"]["negbin"]["theta"], rtol=1e-6)
    th_cut, se_cut = theta_ml(y, mu, w, upper=1.0)
    assert th_cut > 1.0 and se_cut == math.inf


def test_log_dnbinom_is_accurate_near_the_poisson_limit():
    y = np.array([0.0, 1, 2, 5, 17, 140, 3000])
    mu = np.array([0.3, 1.2, 2.5, 4.0, 20.0, 131.0, 2950.0])
    for theta in (0.7, 5.0, 2e3):  # scipy's negative binomial: size theta, probability theta / (theta + mu)
        np.testing.assert_allclose(log_dnbinom(y, theta, mu), stats.nbinom.logpmf(y, theta, theta / (theta + mu)),
                                   rtol=1e-10)
    # theta -> infinity: the Poisson probability, log NB - log Poisson = ((y - mu)^2 - y) / (2 theta) + O(theta^-2)
    for theta in (1e10, 1e12, 1e16):
        gap = ((y - mu) ** 2 - y) / (2 * theta)
        err = np.abs(log_dnbinom(y, theta, mu) - stats.poisson.logpmf(y, mu) - gap)
        assert np.all(err <= 1e-11), (theta, err)
