"""Property-based tests (hypothesis) of invariances every GLM fit must satisfy:

* fitted values do not depend on the order of the rows;
* rescaling a predictor by c rescales its coefficient and standard error by 1/c and changes nothing else;
* Gaussian with identity link is ordinary (weighted) least squares, computed here with numpy's lstsq;
* integer frequency weights give the same coefficients and deviance as replicating the rows;
* a constant offset c in a log-link model moves only the intercept, by -c.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import glmstat as gs

FAMILIES = {
    "gaussian": lambda: gs.Gaussian(),
    "poisson": lambda: gs.Poisson(),
    "binomial": lambda: gs.Binomial(),
    "probit": lambda: gs.Binomial(link="probit"),
    "gamma_log": lambda: gs.Gamma(link="log"),
    "gamma_inverse": lambda: gs.Gamma(),
    "negbin": lambda: gs.NegativeBinomial(theta=3.0),
    "invgauss_log": lambda: gs.InverseGaussian(link="log"),
    "quasipoisson": lambda: gs.QuasiPoisson(),
}
LOG_LINK = ["poisson", "gamma_log", "negbin", "invgauss_log", "quasipoisson"]
SETTINGS = settings(max_examples=40, deadline=None)


def simulate(name: str, n: int, seed: int) -> pd.DataFrame:
    """Data from the family with moderate effects: two numeric predictors and a three-level factor."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.uniform(-1, 1, size=n)
    g = rng.choice(["a", "b", "c"], size=n)
    eta = 0.5 + 0.4 * x1 - 0.3 * x2 + np.where(g == "b", 0.3, 0.0)
    if name == "gaussian":
        y = eta + rng.normal(size=n)
    elif name in ("binomial", "probit"):
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    elif name in ("poisson", "quasipoisson"):
        y = rng.poisson(np.exp(eta)).astype(float)
    elif name == "negbin":
        mu = np.exp(eta)
        y = rng.negative_binomial(3.0, 3.0 / (3.0 + mu)).astype(float)
    elif name == "gamma_inverse":
        y = rng.gamma(4.0, 1.0 / (1.5 + 0.2 * x1 + 0.1 * x2) / 4.0)
    else:  # positive continuous, log link
        y = rng.gamma(4.0, np.exp(eta) / 4.0)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "g": g})


def fit_or_skip(formula, data, family, **kw) -> gs.GLMResults:
    """The fit, or hypothesis.assume(False) when the simulated data are degenerate (separation...)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = gs.glm(formula, data, family=family, **kw)
        except gs.FitError:
            assume(False)
    assume(not any(issubclass(w.category, gs.GLMStatWarning) for w in caught))
    return fit


def close(a, b, rtol=1e-8, atol=1e-10):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol)


family_names = st.sampled_from(sorted(FAMILIES))
sizes = st.integers(min_value=25, max_value=80)
seeds = st.integers(min_value=0, max_value=2**31 - 1)
FORMULA = "y ~ x1 + x2 + g"


@SETTINGS
@given(name=family_names, n=sizes, seed=seeds)
def test_fitted_values_invariant_under_row_permutation(name, n, seed):
    d = simulate(name, n, seed)
    fit = fit_or_skip(FORMULA, d, FAMILIES[name]())
    perm = np.random.default_rng(seed + 1).permutation(n)
    fit_p = fit_or_skip(FORMULA, d.iloc[perm], FAMILIES[name]())
    close(fit_p.fitted_values.loc[fit.fitted_values.index], fit.fitted_values)
    close(fit_p.coef, fit.coef)
    close([fit_p.deviance], [fit.deviance])


@SETTINGS
@given(name=family_names, n=sizes, seed=seeds, c=st.sampled_from([1e-3, 0.5, 7.0, 1e4]))
def test_rescaled_predictor_rescales_its_coefficient(name, n, seed, c):
    d = simulate(name, n, seed)
    fit = fit_or_skip(FORMULA, d, FAMILIES[name]())
    fit_c = fit_or_skip(FORMULA, d.assign(x1=d["x1"] * c), FAMILIES[name]())
    close(fit_c.coef["x1"] * c, fit.coef["x1"])
    close(fit_c.std_errors["x1"] * c, fit.std_errors["x1"])
    others = [k for k in fit.coef.index if k != "x1"]
    close(fit_c.coef[others], fit.coef[others])
    close(fit_c.fitted_values, fit.fitted_values)


@SETTINGS
@given(n=sizes, seed=seeds, weighted=st.booleans())
def test_gaussian_identity_is_least_squares(n, seed, weighted):
    d = simulate("gaussian", n, seed)
    w = np.random.default_rng(seed).uniform(0.2, 3.0, size=n) if weighted else np.ones(n)
    fit = gs.glm(FORMULA, d, weights=w)
    X = np.column_stack([np.ones(n), d["g"] == "b", d["g"] == "c", d["x1"], d["x2"]]).astype(float)
    sw = np.sqrt(w)
    beta, rss, *_ = np.linalg.lstsq(X * sw[:, None], d["y"].to_numpy() * sw, rcond=None)
    order = ["Intercept", "g[T.b]", "g[T.c]", "x1", "x2"]
    close(fit.coef[order], beta, rtol=1e-9)
    close([fit.deviance], rss, rtol=1e-9)
    sigma2 = rss[0] / (n - 5)
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv((X * w[:, None]).T @ X)))
    close(fit.std_errors[order], se, rtol=1e-8)


@SETTINGS
@given(name=st.sampled_from(["poisson", "binomial", "gamma_log", "negbin", "gaussian", "probit"]), n=sizes,
       seed=seeds)
def test_frequency_weights_equal_replicated_rows(name, n, seed):
    d = simulate(name, n, seed)
    k = np.random.default_rng(seed).integers(1, 4, size=n)
    fit_w = fit_or_skip(FORMULA, d, FAMILIES[name](), weights=k.astype(float))
    fit_r = fit_or_skip(FORMULA, d.loc[d.index.repeat(k)].reset_index(drop=True), FAMILIES[name]())
    close(fit_w.coef, fit_r.coef)
    close([fit_w.deviance], [fit_r.deviance])
    if FAMILIES[name]().fixed_dispersion:  # the same likelihood: the same standard errors too
        close(fit_w.std_errors, fit_r.std_errors)


@SETTINGS
@given(name=st.sampled_from(LOG_LINK), n=sizes, seed=seeds,
       c=st.floats(min_value=0.01, max_value=5) | st.floats(min_value=-5, max_value=-0.01))
def test_constant_offset_moves_only_the_intercept(name, n, seed, c):
    d = simulate(name, n, seed)
    fit = fit_or_skip(FORMULA, d, FAMILIES[name]())
    fit_o = fit_or_skip(FORMULA, d, FAMILIES[name](), offset=np.full(n, c))
    close(fit_o.coef["Intercept"], fit.coef["Intercept"] - c)
    others = [k for k in fit.coef.index if k != "Intercept"]
    close(fit_o.coef[others], fit.coef[others])
    close(fit_o.std_errors, fit.std_errors, rtol=1e-7)
    close(fit_o.fitted_values, fit.fitted_values)
    close([fit_o.deviance], [fit.deviance])


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_simulated_data_are_usually_regular(name):
    """Guard for the properties above: their data are not all skipped as degenerate."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.GLMStatWarning)
        fit = gs.glm(FORMULA, simulate(name, 60, 123), family=FAMILIES[name]())
    assert fit.converged and fit.rank == 5
