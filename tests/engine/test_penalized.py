"""The penalized engine (glmstat.engine.penalized): optimality, and objectives against glum's.

References: the optimality (KKT) conditions, with the gradient written here in closed form from each
link's derivative and each family's variance (not from glmstat's code), and glum's fits of the same
objective (tests/fixtures/penalized/glum.json, made by tests/fixtures/scripts/make_glum_penalized.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import special, stats

import glmstat as gs
import conftest
from glmstat.engine.penalized import Penalty, alpha_max, fit_path, fit_penalized, make_problem

FIXTURES = conftest.FIXTURES / "penalized"

# -- closed forms: inverse links and their derivatives, variances, unit deviances -------------------------
INVERSE = {
    "identity": (lambda e: e, lambda e: np.ones_like(e)),
    "log": (np.exp, np.exp),
    "logit": (special.expit, lambda e: special.expit(e) * special.expit(-e)),
    "probit": (special.ndtr, stats.norm.pdf),
    "cloglog": (lambda e: -np.expm1(-np.exp(e)), lambda e: np.exp(e - np.exp(e))),
    "cauchit": (stats.cauchy.cdf, stats.cauchy.pdf),
    "inverse": (lambda e: 1 / e, lambda e: -1 / e**2),
    "1/mu^2": (lambda e: e**-0.5, lambda e: -0.5 * e**-1.5),
    "sqrt": (lambda e: e**2, lambda e: 2 * e),
}


def variance(fam: str, mu):
    return {"normal": 1.0 + 0 * mu, "binomial": mu * (1 - mu), "poisson": mu, "gamma": mu**2,
            "inverse.gaussian": mu**3, "tweedie1.5": mu**1.5, "negbin2": mu + mu**2 / 2}[fam]


def unit_deviance(fam: str, y, mu):
    if fam == "normal":
        return (y - mu) ** 2
    if fam == "binomial":
        return 2 * (special.xlogy(y, y / mu) + special.xlogy(1 - y, (1 - y) / (1 - mu)))
    if fam == "poisson":
        return 2 * (special.xlogy(y, y / mu) - (y - mu))
    if fam == "gamma":
        return 2 * (-np.log(y / mu) + (y - mu) / mu)
    if fam == "inverse.gaussian":
        return (y - mu) ** 2 / (y * mu**2)
    if fam == "tweedie1.5":
        # 2 [y^(2-p) / ((1-p)(2-p)) - y mu^(1-p) / (1-p) + mu^(2-p) / (2-p)] at p = 1.5
        return 2 * (-4 * y**0.5 + 2 * y * mu**-0.5 + 2 * mu**0.5)
    if fam == "negbin2":
        return 2 * (special.xlogy(y, y / mu) - (y + 2) * np.log((y + 2) / (mu + 2)))
    raise KeyError(fam)


GS_FAMILY = {
    "normal": gs.Gaussian, "binomial": gs.Binomial, "poisson": gs.Poisson, "gamma": gs.Gamma,
    "inverse.gaussian": gs.InverseGaussian,
}


def gs_family(fam: str, link: str) -> gs.Family:
    if fam == "tweedie1.5":
        return gs.Tweedie(1.5, 0.0)
    if fam == "negbin2":
        return gs.NegativeBinomial(theta=2.0, link=link)
    return GS_FAMILY[fam](link=link)


def objective(fam, link, X, y, s, alpha, l1, b0, b):
    mu = INVERSE[link][0](b0 + X @ b)
    return (s @ unit_deviance(fam, y, mu)) / (2 * s.sum()) + alpha * (l1 * np.abs(b).sum() + (1 - l1) / 2 * b @ b)


def kkt_violation(fam, link, X, y, s, alpha, l1, b0, b, intercept=True):
    """max |subgradient| at (b0, b): gradient of the mean half deviance -1/S sum s (y-mu)/V dmu/deta x."""
    eta = b0 + X @ b
    mu = INVERSE[link][0](eta)
    u = s * (y - mu) / variance(fam, mu) * INVERSE[link][1](eta) / s.sum()
    g = -(X.T @ u) + alpha * (1 - l1) * b
    lam = alpha * l1
    viol = np.where(b != 0, np.abs(g + lam * np.sign(b)), np.maximum(np.abs(g) - lam, 0))
    return max(abs(u.sum()) if intercept else 0.0, viol.max())


# -- data ------------------------------------------------------------------------------------------------
def simulated(fam: str, link: str, n=300, p=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    X[:, 1] += 0.7 * X[:, 0]
    X[:, 2] = rng.uniform(0, 4, n)
    s = rng.uniform(0.5, 2, n)
    lin = X @ np.array([0.4, -0.3, 0.15, 0.0, 0.2, 0.0])
    if fam == "binomial":
        y = (rng.random(n) < special.expit(lin)).astype(float)
    elif fam == "poisson":
        y = rng.poisson(np.exp(0.5 + 0.5 * lin)).astype(float)
    elif fam in ("gamma", "inverse.gaussian"):
        y = rng.gamma(4.0, np.exp(0.5 + 0.3 * lin) / 4.0)
    elif fam == "tweedie1.5":
        y = rng.poisson(np.exp(0.3 * lin)) * rng.gamma(2.0, 1.0, n)
    elif fam == "negbin2":
        m = np.exp(0.5 + 0.5 * lin)
        y = rng.negative_binomial(2.0, 2.0 / (2.0 + m)).astype(float)
    else:
        y = 2.0 + lin + rng.normal(size=n)
    return X, y, s


MODELS = [
    ("binomial", "logit"), ("binomial", "probit"), ("binomial", "cloglog"), ("binomial", "cauchit"),
    ("poisson", "log"), ("poisson", "sqrt"), ("poisson", "identity"), ("gamma", "log"), ("gamma", "inverse"),
    ("gamma", "identity"), ("inverse.gaussian", "log"), ("inverse.gaussian", "1/mu^2"), ("normal", "identity"),
    ("normal", "log"), ("tweedie1.5", "log"), ("negbin2", "log"), ("negbin2", "sqrt"),
]
PENALTIES = [0.0, 0.5, 1.0]  # l1_ratio; alpha is 0.03 for the ridge, else a third of alpha_max


@pytest.mark.parametrize("fam,link", MODELS, ids=[f"{f}-{lk}" for f, lk in MODELS])
@pytest.mark.parametrize("l1", PENALTIES, ids=["ridge", "enet", "lasso"])
def test_optimality_conditions_hold(fam, link, l1):
    X, y, s = simulated(fam, link)
    if link in ("identity", "sqrt", "inverse", "1/mu^2") and fam != "normal":
        X = np.abs(X) * 0.1  # keep the means positive along the fit
    pr = make_problem(X, y, s, None, gs_family(fam, link), True)
    alpha = alpha_max(pr, l1) / 3 if l1 > 0 else 0.03
    fit = fit_penalized(pr, Penalty(alpha, l1))
    assert fit.converged
    assert kkt_violation(fam, link, X, y, s, alpha, l1, fit.intercept, fit.coef) < 1e-9
    assert fit.objective == pytest.approx(objective(fam, link, X, y, s, alpha, l1, fit.intercept, fit.coef),
                                          rel=1e-10)
    if l1 > 0:  # near alpha_max the L1 part sets coefficients exactly to zero
        a = 0.9 * alpha_max(pr, l1)
        sparse = fit_penalized(pr, Penalty(a, l1))
        assert np.any(sparse.coef == 0.0) and np.any(sparse.coef != 0.0)
        assert kkt_violation(fam, link, X, y, s, a, l1, sparse.intercept, sparse.coef) < 1e-9


def test_no_intercept_and_an_offset():
    X, y, s = simulated("poisson", "log")
    off = np.log(np.random.default_rng(1).uniform(1, 3, y.size))
    fit = fit_penalized(make_problem(X, y, s, off, gs.Poisson(), False), Penalty(0.02, 0.5))
    mu = np.exp(off + X @ fit.coef)
    g = -(X.T @ (s * (y - mu))) / s.sum() + 0.02 * 0.5 * fit.coef
    lam = 0.02 * 0.5
    viol = np.where(fit.coef != 0, np.abs(g + lam * np.sign(fit.coef)), np.maximum(np.abs(g) - lam, 0))
    assert fit.intercept == 0.0 and viol.max() < 1e-9


def test_start_where_zero_is_no_valid_linear_predictor():
    # Gamma with the inverse link and no intercept: b = 0 gives mu = 1/0; the engine starts as R does
    X, y, s = simulated("gamma", "inverse")
    X = np.abs(X) + 0.5
    fit = fit_penalized(make_problem(X, y, s, None, gs.Gamma(), False), Penalty(0.01, 0.0))
    assert fit.converged and kkt_violation("gamma", "inverse", X, y, s, 0.01, 0.0, 0.0, fit.coef, False) < 1e-9


# -- glum ------------------------------------------------------------------------------------------------
GLUM = json.loads((FIXTURES / "glum.json").read_text())


@pytest.mark.parametrize("case", GLUM["cases"], ids=lambda c: f"{c['family']}-{c['link']}-{c['alpha']}-{c['l1_ratio']}")
def test_objective_no_larger_than_glums(case):
    X, s = np.array(GLUM["X"]), np.array(GLUM["sample_weight"])
    fam, link, alpha, l1 = case["family"], case["link"], case["alpha"], case["l1_ratio"]
    y = np.array(GLUM["y"][fam])
    fit = fit_penalized(make_problem(X, y, s, None, gs_family(fam, link), True), Penalty(alpha, l1))
    mine = objective(fam, link, X, y, s, alpha, l1, fit.intercept, fit.coef)
    theirs = objective(fam, link, X, y, s, alpha, l1, case["intercept"], np.array(case["coef"]))
    assert mine <= theirs * (1 + 1e-8) if theirs > 0 else mine <= theirs + 1e-8 * abs(theirs)
    assert np.allclose(np.r_[fit.intercept, fit.coef], np.r_[case["intercept"], case["coef"]], atol=1e-5)


# -- paths -----------------------------------------------------------------------------------------------
def test_path_warm_starts_reach_the_same_solutions():
    X, y, s = simulated("binomial", "logit")
    pr = make_problem(X, y, s, None, gs.Binomial(), True)
    top = alpha_max(pr, 0.5)
    alphas = np.geomspace(top, top / 100, 12)
    path = fit_path(pr, alphas, 0.5)
    assert np.all(path[0].coef == 0)  # at alpha_max every coefficient is exactly zero ...
    slightly_below = fit_penalized(pr, Penalty(top * 0.99, 0.5))
    assert np.any(slightly_below.coef != 0)  # ... and just below it one enters
    for a, f in zip(alphas, path):
        cold = fit_penalized(pr, Penalty(a, 0.5))
        assert np.allclose(f.coef, cold.coef, atol=1e-9, rtol=0)
        assert kkt_violation("binomial", "logit", X, y, s, a, 0.5, f.intercept, f.coef) < 1e-9
    assert sum(f.iterations for f in path[1:]) < sum(fit_penalized(pr, Penalty(a, 0.5)).iterations for a in alphas[1:])


def test_alpha_max_is_the_closed_form_for_gaussian():
    # intercept-only fit: mean of y; alpha_max = max_j |x_j'(y - ybar)| / (n l1_ratio) (centered x)
    X, y, _ = simulated("normal", "identity")
    pr = make_problem(X, y, None, None, gs.Gaussian(), True)
    Xc = X - X.mean(axis=0)
    assert alpha_max(pr, 0.25) == pytest.approx(np.abs(Xc.T @ (y - y.mean())).max() / (y.size * 0.25), rel=1e-12)


def test_unpenalized_equals_the_maximum_likelihood_closed_form_gaussian():
    X, y, s = simulated("normal", "identity")
    fit = fit_penalized(make_problem(X, y, s, None, gs.Gaussian(), True), Penalty())
    A = np.column_stack([np.ones(y.size), X]) * np.sqrt(s)[:, None]
    ls = np.linalg.lstsq(A, y * np.sqrt(s), rcond=None)[0]
    assert np.allclose(np.r_[fit.intercept, fit.coef], ls, rtol=1e-10, atol=1e-12)


def test_ridge_closed_form_gaussian():
    # (1/n) sum (y - b0 - x'b)^2 / 2 + alpha/2 |b|^2: b = (Xc'Xc / n + alpha I)^{-1} Xc'(y - ybar) / n
    X, y, _ = simulated("normal", "identity")
    n, a = y.size, 0.3
    Xc = X - X.mean(axis=0)
    b = np.linalg.solve(Xc.T @ Xc / n + a * np.eye(X.shape[1]), Xc.T @ (y - y.mean()) / n)
    fit = fit_penalized(make_problem(X, y, None, None, gs.Gaussian(), True), Penalty(a, 0.0))
    assert np.allclose(fit.coef, b, rtol=1e-12, atol=1e-14)
    assert fit.intercept == pytest.approx(y.mean() - X.mean(axis=0) @ b, rel=1e-12)
