"""The negative binomial deviance without the cancellation of R's formula near y = mu.

R's ``negative.binomial()$dev.resids``, 2 (y log(max(1, y)/mu) - (y + theta) log((y + theta)/(mu + theta))),
subtracts two terms of about y (y - mu)/mu to leave about theta (y - mu)^2 / mu^2: counts of 1e8 fitted to
1e-4 with theta = 1000 lost four digits of the deviance (glmstat's 5.62967e-4 against 5.62898e-4, R's
5.63063e-4).  The reference is the closed form evaluated in 100-digit decimal arithmetic.
"""

from __future__ import annotations

import decimal
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.densities import nb_excess
from conftest import FIXTURES

D = decimal.Decimal


def closed_form(y: float, mu: float, theta: float) -> float:
    """y log(max(1, y)/mu) - (y + theta) log((y + theta)/(mu + theta)), in 100-digit arithmetic."""
    with decimal.localcontext() as ctx:
        ctx.prec = 100
        y, mu, theta = D(float(y)), D(float(mu)), D(float(theta))
        first = y * (max(D(1), y) / mu).ln() if y > 0 else D(0)
        return float(first - (y + theta) * ((y + theta) / (mu + theta)).ln())


GRID = [(th, mu, r) for th in (1e-3, 0.5, 3.0, 1e3, 1e8, 1e16) for mu in (0.3, 2.0, 50.0, 1e4, 1e8, 1e12)
        for r in (-1.0, -0.5, -0.02, -0.0099, -1e-3, -1e-6, 1e-9, 1e-5, 5e-3, 0.0101, 0.3, 2.0, 100.0)]


def test_unit_deviance_is_the_closed_form_to_full_precision():
    worst = 0.0
    for theta, mu, r in GRID:
        y = mu * (1.0 + r)
        if mu > 1e3:
            y = float(np.round(y))
        want = closed_form(y, mu, theta)
        got = float(gs.NegativeBinomial(theta=theta).unit_deviance(np.array([y]), np.array([mu]))[0])
        assert want == 0 or abs(got - 2 * want) <= 1e-11 * abs(2 * want), (theta, mu, r, got, 2 * want)
        worst = max(worst, abs(got - 2 * want) / abs(2 * want) if want else 0.0)
    assert worst < 1e-11


def test_half_deviance_function_keeps_r_convention_below_one():
    # R's max(1, y): a non-integer count below 1 is y log(1/mu) - ..., not y log(y/mu) - ...
    y, mu, theta = np.array([0.4, 0.0]), np.array([0.41, 2.0]), 2.0
    want = [closed_form(v, m, theta) for v, m in zip(y, mu)]
    np.testing.assert_allclose(nb_excess(y, mu, theta), want, rtol=1e-13)


def test_fit_of_huge_counts_has_the_exact_deviance():
    rng = np.random.default_rng(9)
    n = 50
    x = rng.normal(size=n)
    d = pd.DataFrame({"y": rng.poisson(1e8 * np.exp(0.3 * x)).astype(float), "x": x, "g": rng.choice(list("abc"), n)})
    fit = gs.glm("y ~ x + g", d, family=gs.NegativeBinomial(theta=1000))
    want = 2 * sum(closed_form(y, m, 1000.0) for y, m in zip(d["y"], fit.fitted_values))
    assert want < 1e-3  # a fit far closer than the negative binomial variance: the regime R's formula loses
    assert fit.deviance == pytest.approx(want, rel=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resid = fit.residuals("deviance")
    assert float(np.sum(resid**2)) == pytest.approx(want, rel=1e-10)


def _numbers(values: list) -> np.ndarray:
    """R's numbers as jsonlite writes them with na = "string" ("Inf", "NA")."""
    return np.array([{"Inf": np.inf, "-Inf": -np.inf, "NA": np.nan, "NaN": np.nan}.get(v, v) for v in values],
                    dtype=float)


def test_deviance_at_a_mean_of_0_or_below_eps_theta_is_rs():
    """Counts of at least theta at a mean of 0 have an infinite deviance, and at a mean below eps theta a finite
    one (R's form loses nothing there): the form for theta <= y took log1p of theta (mu - y) / (y (mu + theta)),
    which rounds to -1 there, and gave inf at mu = 1e-17 (R 790.8) and NaN at mu = 0.  So the null model y ~ 0 of a
    sqrt-link fit (every mean 0) had a NaN null deviance, and anova() a NaN first row where R's are Inf.
    (fixtures/negbin_mean_zero, scripts/make_negbin_mean_zero.R)"""
    r = json.loads((FIXTURES / "negbin_mean_zero" / "r.json").read_text())
    fam = gs.NegativeBinomial(theta=r["theta"], link="sqrt")
    got = fam.unit_deviance(np.array(r["y"], dtype=float), np.array(r["mu"], dtype=float))
    np.testing.assert_allclose(got, _numbers(r["dev_resids"]), rtol=1e-12)
    d = pd.read_csv(FIXTURES / "negbin_mean_zero" / "data.csv")
    f = gs.glm(r["formula"], d, family=fam, tol=1e-12)
    np.testing.assert_allclose(f.coef, r["coefficients"], rtol=1e-8)
    np.testing.assert_allclose(f.deviance, r["deviance"], rtol=1e-10)
    assert f.null_deviance == np.inf and _numbers([r["null_deviance"]])[0] == np.inf
    a = f.anova()
    assert list(a.index) == r["anova"]["terms"]
    for col, key in (("deviance", "deviance"), ("resid_dev", "resid_dev"), ("p_value", "p_value")):
        np.testing.assert_allclose(a[col], _numbers(r["anova"][key]), rtol=1e-8)
