"""Numerical extremes against R: large linear predictors, counts around 1e9, probabilities near 1e-8 and
below 1e-16, near-perfect Gamma fits, predictors on wildly different scales, many rows, and statmod's Tweedie
with a negative link power (mu^-0.5, its default for var.power = 1.5).

Fixtures: tests/fixtures/extremes/*.json, made by tests/fixtures/scripts/make_extremes.R (data included).
Where R's own deviance cancels catastrophically (huge counts, tiny dispersion) the script also computes the
deviance (and the Gamma AIC) with series that do not cancel (``deviance_stable``, ``aic_stable``); glmstat
must match those.  No fit may emit a numpy RuntimeWarning (pytest turns them into errors).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.densities import bd0, gamma_excess, tweedie_excess, log_dbinom, log_dgamma, log_dpois, stirlerr

CASES = sorted(p.stem for p in (FIXTURES / "extremes").glob("*.json"))
FAMILIES = {"poisson": gs.Poisson, "binomial": gs.Binomial, "Gamma": gs.Gamma, "gaussian": gs.Gaussian}


def family_of(f: dict) -> gs.Family:
    if f["name"] == "Tweedie":  # statmod's default link power, 1 - var_power
        return gs.Tweedie(var_power=f["var_power"])
    return FAMILIES[f["name"]](link=f["link"])


def load(case: str) -> dict:
    return json.loads((FIXTURES / "extremes" / f"{case}.json").read_text())


_fits: dict = {}


def fitted(case: str) -> tuple[gs.GLMResults, list]:
    if case not in _fits:
        ref = load(case)
        fam = family_of(ref["family"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = gs.glm(ref["formula"], pd.DataFrame(ref["data"]), family=fam, max_iter=100)
        _fits[case] = (fit, caught)
    return _fits[case]


def test_fixtures_present():
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("quantity", ["coefficients", "std_errors", "fitted", "linear_predictor"])
def test_vectors_match_r(case, quantity):
    fit, _ = fitted(case)
    got = {"coefficients": fit.coef, "std_errors": fit.std_errors, "fitted": fit.fitted_values,
           "linear_predictor": fit.linear_predictor}[quantity]
    assert_close(got, load(case)[quantity], rtol=1e-6, atol=0)


@pytest.mark.parametrize("case", CASES)
def test_deviance_matches_the_non_cancelling_reference(case):
    fit, _ = fitted(case)
    assert_close([fit.deviance], [load(case)["deviance_stable"]], rtol=1e-6, atol=0)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("quantity", ["dispersion", "null_deviance", "df_residual"])
def test_scalars_match_r(case, quantity):
    fit, _ = fitted(case)
    assert_close([getattr(fit, quantity)], [load(case)[quantity]], rtol=1e-6, atol=0)


@pytest.mark.parametrize("case", CASES)
def test_aic_matches_r(case):
    fit, _ = fitted(case)
    want = load(case)["aic_stable"]
    if want is None:  # statmod's Tweedie has no AIC
        assert np.isnan(fit.aic)
    else:
        assert_close([fit.aic], [want], rtol=1e-8, atol=0)


@pytest.mark.parametrize("case", CASES)
def test_no_foreign_warnings(case):
    _, caught = fitted(case)
    assert all(issubclass(w.category, gs.GLMStatWarning) for w in caught), [str(w.message) for w in caught]


def test_r_deviance_cancels_for_counts_near_1e13():
    """The reason for deviance_stable: R's textbook deviance is off in the 5th digit here."""
    ref = load("poisson_large_eta")
    assert abs(ref["deviance"] - ref["deviance_stable"]) / ref["deviance_stable"] > 1e-5
    fit, _ = fitted("poisson_large_eta")
    assert abs(fit.deviance - ref["deviance_stable"]) / ref["deviance_stable"] < 1e-8


def test_eps_clamp_is_reported_as_boundary():
    """Fitted probabilities below 1e-16 are R's eps clamp: reported (R warns too), numbers still R's."""
    fit, caught = fitted("binomial_eps_clamp")
    assert any(issubclass(w.category, gs.BoundaryWarning) for w in caught)
    assert fit.fitted_values.min() == pytest.approx(np.finfo(float).eps / (1 + np.finfo(float).eps), rel=1e-12)
    assert fit.separation is None
    assert "numerically 0 or 1" in str(fit.summary())


def test_tiny_dispersion_is_not_called_a_perfect_fit():
    """A Gamma fit with dispersion 1e-14 is genuine: no PerfectFitWarning, standard errors ~1e-8."""
    fit, caught = fitted("gamma_tiny_dispersion")
    assert not any(issubclass(w.category, gs.PerfectFitWarning) for w in caught)
    assert 0 < fit.dispersion < 1e-12
    assert np.all(fit.std_errors < 1e-6) and np.all(fit.std_errors > 0)


# -- the density and deviance helpers against closed forms / exact small cases --------------------

def test_bd0_near_and_far():
    # x log(x/lam) + lam - x at x = lam (1 + r): lam ((1 + r) log1p(r) - r); with r = 1e-9: lam r^2 / 2
    lam = 1e9
    assert bd0(lam * (1 + 1e-9), lam) == pytest.approx(lam * 0.5e-18, rel=1e-6)
    assert bd0(0.0, 3.0) == 3.0
    assert bd0(6.0, 3.0) == pytest.approx(6 * np.log(2) - 3, rel=1e-15)


def test_gamma_excess_near_one():
    r = 1e-8
    assert gamma_excess(1 + r, 1.0) == pytest.approx(r * r / 2 - r ** 3 / 3, rel=1e-9)
    assert gamma_excess(2.0, 1.0) == pytest.approx(1 - np.log(2), rel=1e-15)


def _tweedie_excess_exact(y: float, mu: float, p: float) -> float:
    """y (y^(1-p) - mu^(1-p)) / (1-p) - (y^(2-p) - mu^(2-p)) / (2-p) in 60-digit decimal arithmetic."""
    from decimal import Decimal, getcontext

    getcontext().prec = 60
    Y, M, P = Decimal(y), Decimal(mu), Decimal(p)
    theta = (Y / M).ln() if p == 1 else (Y ** (1 - P) - M ** (1 - P)) / (1 - P)
    kappa = (Y / M).ln() if p == 2 else (Y ** (2 - P) - M ** (2 - P)) / (2 - P)
    return float(Y * theta - kappa)


@pytest.mark.parametrize("p", [0.0, 1.0, 1.2, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("rel", [1e-9, -3e-7, 2e-3, -0.4, 1.5])
def test_tweedie_excess_near_and_far(p, rel):
    """statmod's direct differences keep ~4 digits of the excess when y/mu - 1 is 1e-6 (a bigA-sized
    Tweedie fit had a deviance residual of 8.36197e-7 that statmod gives as 8.36412e-7); glmstat keeps 15."""
    y = 1.57759117707633
    mu = y * (1 + rel)
    assert tweedie_excess(y, mu, p) == pytest.approx(_tweedie_excess_exact(y, mu, p), rel=1e-13)


def test_tweedie_deviance_residual_near_the_mean_is_exact():
    t = gs.Tweedie(var_power=1.5, link_power=0)
    y, mu = 1.5, 1.5 * (1 + 1e-6)
    assert t.unit_deviance(np.array([y]), np.array([mu]))[0] == pytest.approx(2 * _tweedie_excess_exact(y, mu, 1.5),
                                                                              rel=1e-12)
    # y = 0 keeps statmod's device: 2 mu^(2-p) / (2-p)
    assert t.unit_deviance(np.array([0.0]), np.array([2.0]))[0] == pytest.approx(2 * 2.0 ** 0.5 / 0.5, rel=1e-15)


def test_stirlerr_matches_its_definition():
    from math import lgamma, log, pi
    for n in (0.5, 3.0, 15.0, 16.0, 40.0, 1000.0):
        exact = lgamma(n + 1) - ((n + 0.5) * log(n) - n + 0.5 * log(2 * pi))
        assert stirlerr(n) == pytest.approx(exact, rel=1e-9, abs=1e-15)


def test_log_densities_small_cases():
    from math import comb, exp, factorial, lgamma, log
    assert log_dpois(3.0, 2.5) == pytest.approx(log(2.5 ** 3 * exp(-2.5) / factorial(3)), rel=1e-14)
    assert log_dpois(0.0, 2.5) == pytest.approx(-2.5, rel=1e-15)
    assert log_dbinom(3.0, 10.0, 0.2) == pytest.approx(log(comb(10, 3) * 0.2 ** 3 * 0.8 ** 7), rel=1e-14)
    assert log_dbinom(0.0, 10.0, 0.2) == pytest.approx(10 * log(0.8), rel=1e-14)
    assert log_dbinom(10.0, 10.0, 0.2) == pytest.approx(10 * log(0.2), rel=1e-14)
    a, s, y = 2.5, 1.5, 2.0
    want = (a - 1) * log(y) - y / s - lgamma(a) - a * log(s)
    assert log_dgamma(y, a, s) == pytest.approx(want, rel=1e-13)
    assert log_dgamma(y, 0.5, s) == pytest.approx(-0.5 * log(y) - y / s - lgamma(0.5) - 0.5 * log(s), rel=1e-13)


# -- engine-level extremes ---------------------------------------------------------------------------

def test_start_with_overflowing_linear_predictor_is_refused_quietly():
    """exp(eta) overflows for eta > 709: as R, an invalid start; no overflow warnings."""
    x = np.linspace(0, 10, 10)
    d = pd.DataFrame({"y": np.arange(10.0), "x": x})
    with pytest.raises(gs.FitError, match="start= coefficients give"):
        gs.glm("y ~ x", d, family=gs.Poisson(), start=[0.0, 80.0])


def test_bad_start_is_not_converged_and_says_so():
    x = np.linspace(0, 10, 10)
    d = pd.DataFrame({"y": [2, 3, 3, 4, 6, 5, 8, 9, 11, 13.0], "x": x})
    with pytest.warns(gs.ConvergenceWarning, match=r"did not converge in 25 iterations \(last relative deviance"):
        fit = gs.glm("y ~ x", d, family=gs.Poisson(), start=[0.0, 20.0])
    assert not fit.converged
    assert "did not converge" in str(fit.summary())


def test_many_rows_poisson_recovers_known_coefficients():
    """2e5 rows: the estimate is within a few standard errors of the truth, with no warnings."""
    rng = np.random.default_rng(42)
    n = 200_000
    x = rng.normal(size=n)
    g = rng.choice(["a", "b", "c"], size=n)
    eta = 0.3 + 0.7 * x + np.where(g == "b", -0.4, np.where(g == "c", 0.2, 0.0))
    d = pd.DataFrame({"y": rng.poisson(np.exp(eta)), "x": x, "g": g})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = gs.glm("y ~ x + g", d, family=gs.Poisson())
    want = pd.Series({"Intercept": 0.3, "x": 0.7, "g[T.b]": -0.4, "g[T.c]": 0.2})
    z = (fit.coef[want.index] - want) / fit.std_errors[want.index]
    assert np.all(np.abs(z) < 5), z.to_dict()
    assert fit.nobs == n


@pytest.mark.parametrize("family", [gs.Poisson(), gs.QuasiPoisson(), gs.Gamma(link="log")], ids=lambda f: f.name)
@pytest.mark.parametrize("shift", [-800.0, 800.0])
def test_null_deviance_with_an_offset_whose_exp_overflows(family, shift):
    # a constant added to the offset only moves the intercept: the null deviance (and the fit) are unchanged,
    # even where e^offset under- or overflows (found by fuzzing: the closed form divided by zero)
    rng = np.random.default_rng(7)
    d = pd.DataFrame({"x": rng.normal(size=30), "t": rng.uniform(0.0, 1.0, 30)})
    d["y"] = rng.poisson(3.0, 30) + (1.0 if family.name == "Gamma" else 0.0)
    base = gs.glm("y ~ x", d, family=family, offset=d["t"])
    moved = gs.glm("y ~ x", d, family=family, offset=d["t"] + shift)
    assert moved.null_deviance == pytest.approx(base.null_deviance, rel=1e-9)
    assert moved.deviance == pytest.approx(base.deviance, rel=1e-9)
    assert moved.coef["x"] == pytest.approx(base.coef["x"], rel=1e-7)


_SINGULAR_FORMULA = ("y ~ 0 + ((bs(x1, df = 4) + I(x1 > 0) + (I(x1 > 0)) %in% x1 %in% g2 + C(g3, treatment))^2) + "
                     "(((x1 %in% g2) %in% C(g3, treatment)) * bs(x1, df = 4)) - C(g3, treatment):I(x1 > 0)")


@pytest.mark.filterwarnings("ignore::glmstat.AliasingWarning")
def test_columns_singular_together_are_set_aside():
    """From a randomized comparison with R's model.matrix: 50 of these 64 columns each pass R's aliasing test
    against the columns before them, but together their condition number is 3.5e16 (R keeps all 50 and
    reports deviance 29.24, rounding).  glmstat sets aside the column that makes them singular (rank 49, the
    numerical rank) and finds the least-squares fit, which numpy's SVD-based lstsq gives independently.
    (Data: columns y, x1, g2, g3 of make_data(7, 80) in tests/fixtures/scripts/formula_differential_fuzz.py.)"""
    d = pd.read_csv(FIXTURES / "engine" / "singular_kept_columns.csv")
    fit = gs.glm(_SINGULAR_FORMULA, d)
    X = fit.fit_data.source.X.toarray()
    b, _, rank, _ = np.linalg.lstsq(X, d["y"].to_numpy(), rcond=None)
    assert fit.converged and fit.iterations == 2 and fit.rank == rank == 49
    assert fit.deviance == pytest.approx(float(np.sum((d["y"].to_numpy() - X @ b) ** 2)), rel=1e-9)


@pytest.mark.filterwarnings("ignore::glmstat.AliasingWarning")
def test_least_squares_that_does_not_settle_says_why(monkeypatch):
    """Should kept columns still be singular together (here: with the test of the whole set switched off),
    a gaussian identity fit, one least-squares solve, does not settle; the warning says why instead of
    advising more iterations."""
    from glmstat.engine import linalg

    monkeypatch.setattr(linalg, "MAX_KEPT_COND", np.inf)
    d = pd.read_csv(FIXTURES / "engine" / "singular_kept_columns.csv")
    with pytest.warns(gs.ConvergenceWarning, match="numerically singular together") as caught:
        fit = gs.glm(_SINGULAR_FORMULA, d)
    assert not fit.converged and fit.rank == 50
    assert not any("raise max_iter" in str(w.message) for w in caught)
    assert any("numerically singular together" in note for note in fit.notes)


def test_tweedie_and_negative_binomial_deviances_far_from_the_response_are_rs():
    """A mean far below the response (Tweedie) or far above it (negative binomial), where R's direct differences
    do not cancel.  tweedie_excess took log(mu / y) as log1p((mu - y) / y), whose 1 + ratio keeps few digits of a
    small mu / y (4e-4 of the deviance at mu / y = 1e-14) and rounds to 0 below eps: inf for var_power 1.2 and 1.5,
    NaN for 3, where R's is finite; the negative binomial took log1p((y - mu) / (mu + theta)), which rounds to -1 at
    mu / y = 1e17 and more (inf where R's is 38 or so).  (fixtures/deviance_far_from_y,
    scripts/make_deviance_far_from_y.R)"""
    r = json.loads((FIXTURES / "deviance_far_from_y" / "r.json").read_text())

    def numbers(v):
        return np.array([{"Inf": np.inf}.get(x, x) for x in v], dtype=float)

    t = r["tweedie"]
    for fam in t["families"]:
        got = gs.Tweedie(var_power=fam["var_power"], link_power=0).unit_deviance(np.array(t["y"]), np.array(t["mu"]))
        np.testing.assert_allclose(got, numbers(fam["dev_resids"]), rtol=1e-11, err_msg=str(fam["var_power"]))
    nb = r["negative_binomial"]
    for fam in nb["families"]:
        got = gs.NegativeBinomial(theta=fam["theta"]).unit_deviance(np.array(nb["y"]), np.array(nb["mu"]))
        np.testing.assert_allclose(got, numbers(fam["dev_resids"]), rtol=1e-11, err_msg=str(fam["theta"]))
