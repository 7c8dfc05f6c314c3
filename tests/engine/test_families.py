"""Families and links against closed forms, parametrized over every family and every link it accepts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import glmstat as gs
from glmstat.links import LINK_NAMES, Power, TweediePower, eta_outside, get_link
from conftest import FIXTURES, r_double

FAMILIES = {
    "gaussian": (gs.Gaussian, lambda rng, n: rng.normal(2.0, 1.0, n) + 3),
    "binomial": (gs.Binomial, lambda rng, n: rng.uniform(0.05, 0.95, n)),
    "quasibinomial": (gs.QuasiBinomial, lambda rng, n: rng.uniform(0.05, 0.95, n)),
    "poisson": (gs.Poisson, lambda rng, n: rng.poisson(4.0, n) + 0.5),
    "quasipoisson": (gs.QuasiPoisson, lambda rng, n: rng.poisson(4.0, n) + 0.5),
    "Gamma": (gs.Gamma, lambda rng, n: rng.gamma(2.0, 1.5, n)),
    "inverse.gaussian": (gs.InverseGaussian, lambda rng, n: rng.wald(2.0, 4.0, n)),
    "negative.binomial": (lambda link=None: gs.NegativeBinomial(theta=2.5, link=link),
                          lambda rng, n: rng.negative_binomial(2.5, 0.4, n) + 0.5),
}
PAIRS = [(f, link) for f, (cls, _) in FAMILIES.items() for link in cls(link=None).allowed_links]


def _mu_range(family, rng, n=7):
    lo, hi = family.mu_domain.low, family.mu_domain.high
    if np.isfinite(hi):
        return rng.uniform(0.05, 0.95, n)
    return rng.uniform(0.3, 5.0, n) if np.isfinite(lo) else rng.uniform(0.5, 5.0, n)


@pytest.mark.parametrize("name", LINK_NAMES)
def test_link_inverse_and_derivative(name):
    link = get_link(name)
    binary = name in ("logit", "probit", "cloglog", "cauchit")
    mu = np.array([0.1, 0.3, 0.5, 0.7, 0.9]) if binary else np.array([0.2, 0.7, 1.5, 3.0])
    eta = link.link(mu)
    np.testing.assert_allclose(link.inverse(eta), mu, rtol=1e-12)
    h = 1e-6
    numeric = (link.inverse(eta + h) - link.inverse(eta - h)) / (2 * h)
    np.testing.assert_allclose(link.mu_eta(eta), numeric, rtol=1e-6)


@pytest.mark.parametrize("p", [-1.5, -0.5, 0.3, 2.0, 3.0])
def test_power_link(p):
    link = Power(p)
    mu = np.array([0.3, 1.0, 2.5])
    np.testing.assert_allclose(link.link(mu), mu**p)
    np.testing.assert_allclose(link.inverse(link.link(mu)), mu, rtol=1e-12)
    eta = link.link(mu)
    central = (link.inverse(eta + 1e-7) - link.inverse(eta - 1e-7)) / 2e-7
    np.testing.assert_allclose(link.mu_eta(eta), central, rtol=1e-6)


def test_power_link_special_cases_are_the_named_links():
    assert Power(0).name == "log" and Power(1).name == "identity" and Power(-1).name == "inverse"
    assert Power(0.5).name == "sqrt" and Power(-2).name == "1/mu^2"


@pytest.mark.parametrize("link", [get_link(n) for n in LINK_NAMES] + [Power(p) for p in (0.5, 1 / 3, -0.5, 2, -3)]
                         + [TweediePower(p) for p in (0.5, 1 / 3, -0.5, -1 / 3)], ids=lambda link: link.name)
def test_eta_outside_is_valid_eta_row_by_row(link):
    eta = np.array([-np.inf, -3.0, -1e-300, -0.0, 0.0, 1e-300, 2.0, np.inf, np.nan])
    by_row = np.array([not link.valid_eta(np.array([e])) for e in eta])
    np.testing.assert_array_equal(eta_outside(link, eta), by_row)


def test_logit_inverse_saturates_like_r():
    # R's C_logit_linkinv: |eta| > 30 gives eps / (1 + eps) and 1 / (1 + eps)
    eps = np.finfo(float).eps
    link = get_link("logit")
    np.testing.assert_array_equal(link.inverse(np.array([-40.0, 40.0])), [eps / (1 + eps), 1 / (1 + eps)])
    np.testing.assert_array_equal(link.mu_eta(np.array([-40.0, 40.0])), [eps, eps])


@pytest.mark.parametrize("name", ["probit", "cauchit"])
def test_probit_and_cauchit_inverses_clamp_at_rs_thresholds(name):
    # R's binomial()$linkinv clamps eta at -qnorm(eps) and -qcauchy(eps) (fixtures/link_clamps, R's doubles): a
    # linear predictor beyond gives the mean at the threshold itself, and R's mean there (pnorm's tail and scipy's
    # ndtr differ by 12 ulps at 2.2e-16; a threshold one ulp off moved it by 15 more)
    r = json.loads((FIXTURES / "link_clamps" / "r.json").read_text())
    threshold = r_double(r[f"{name}_threshold"])
    inverse = get_link(name).inverse
    eta = np.array(r[f"{name}_eta"], dtype=float)
    np.testing.assert_array_equal(inverse(eta), inverse(np.array([-threshold, threshold])))
    np.testing.assert_allclose(inverse(eta), [r_double(v) for v in r[f"{name}_linkinv"]], rtol=1e-14, atol=0)


def test_cauchit_inverse_keeps_rs_precision_in_its_tails():
    # R's pcauchy takes atan(1 / eta) / pi beyond |eta| = 1 (fixtures/cauchit_tail, R's doubles): mu keeps its
    # relative precision however small, where 0.5 + atan(eta) / pi kept only its absolute one (3.33e-16 for R's
    # 3.887e-16 at a cycling separated fit's linear predictor, and the working weights 17% off)
    r = json.loads((FIXTURES / "cauchit_tail" / "r.json").read_text())
    eta = np.array([r_double(v) for v in r["eta"]])
    link, variance = get_link("cauchit"), gs.Binomial(link="cauchit").variance
    mu = link.inverse(eta)
    np.testing.assert_allclose(mu, [r_double(v) for v in r["linkinv"]], rtol=1e-15, atol=0)
    np.testing.assert_allclose(link.mu_eta(eta) ** 2 / variance(mu), [r_double(v) for v in r["weights"]],
                               rtol=1e-14, atol=0)


def test_cauchit_link_is_rs_qcauchy():
    # R's linkfun is qcauchy, -1 / tan(pi mu) (fixtures/cauchit_tail, R's doubles): relative precision for a
    # starting mean of 5e-9 (a binomial row of 0 with weight 1e8), where tan(pi (mu - 1/2)) was 4e-8 off
    r = json.loads((FIXTURES / "cauchit_tail" / "r.json").read_text())
    mu = np.array([r_double(v) for v in r["mu"]])
    np.testing.assert_allclose(get_link("cauchit").link(mu), [r_double(v) for v in r["linkfun"]], rtol=4e-16, atol=0)


@pytest.mark.parametrize("fam,link", PAIRS)
def test_unit_deviance_is_twice_the_integral_of_the_score(fam, link):
    """d(y, mu) = 2 * integral_mu^y (y - t) / V(t) dt, the definition of the deviance."""
    cls, _ = FAMILIES[fam]
    family = cls(link=link)
    rng = np.random.default_rng(1)
    mu = _mu_range(family, rng)
    y = _mu_range(family, rng)
    if fam == "negative.binomial":  # MASS's deviance is the integral for counts (it uses log(max(1, y)))
        y = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 4.0])
    got = family.unit_deviance(y, mu)
    want = [2 * integrate.quad(lambda t: (yi - t) / family.variance(np.array(t)), mi, yi)[0] for yi, mi in zip(y, mu)]
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(family.unit_deviance(y, y), 0.0, atol=1e-12)


@pytest.mark.parametrize("fam", list(FAMILIES))
def test_rs_other_links_are_taken_as_strings(fam):
    """As R's family functions: any name of make.link, beyond the family's usual links, is the link of that
    name (tests/engine/test_links_as_strings.py fits them against R); another name is refused."""
    cls, _ = FAMILIES[fam]
    other = next(l for l in LINK_NAMES if l not in cls(link=None).allowed_links)
    assert cls(link=other).link == get_link(other)
    with pytest.raises(gs.FamilyError, match="link 'no-such-link' is not available"):
        cls(link="no-such-link")


def test_default_links_are_rs():
    assert gs.Gaussian().link.name == "identity" and gs.Binomial().link.name == "logit"
    assert gs.Poisson().link.name == "log" and gs.Gamma().link.name == "inverse"
    assert gs.InverseGaussian().link.name == "1/mu^2" and gs.NegativeBinomial(theta=1).link.name == "log"
    assert gs.Quasi().link.name == "identity" and gs.Tweedie(var_power=1.5).link.name == "mu^-0.5"


def test_tweedie_refuses_powers_between_0_and_1():
    with pytest.raises(gs.FamilyError, match="0 < var_power < 1"):
        gs.Tweedie(var_power=0.5)


# -- likelihoods against scipy's distributions ------------------------------------------------------

def test_loglik_terms_match_scipy_distributions():
    rng = np.random.default_rng(2)
    mu = rng.uniform(0.5, 4.0, 6)
    w = np.ones(6)
    y = rng.poisson(mu).astype(float)
    np.testing.assert_allclose(gs.Poisson().loglik_terms(y, mu, w, w, 1.0), stats.poisson.logpmf(y, mu))
    th = 1.7
    np.testing.assert_allclose(gs.NegativeBinomial(theta=th).loglik_terms(y, mu, w, w, 1.0),
                               stats.nbinom.logpmf(y, th, th / (th + mu)))
    p, n = rng.uniform(0.1, 0.9, 6), np.array([3, 5, 1, 8, 2, 4.0])
    k = np.round(p * n)
    np.testing.assert_allclose(gs.Binomial().loglik_terms(k / n, p, n, n, 1.0), stats.binom.logpmf(k, n, p))
    yg = rng.gamma(2.0, 1.0, 6)
    disp = 0.4
    np.testing.assert_allclose(gs.Gamma().loglik_terms(yg, mu, w, w, disp),
                               stats.gamma.logpdf(yg, 1 / disp, scale=mu * disp))
    np.testing.assert_allclose(gs.Gaussian().loglik_terms(yg, mu, w, w, disp),
                               stats.norm.logpdf(yg, mu, np.sqrt(disp)) + 0.5 * (yg - mu) ** 2 / disp - 0.5)


# -- whole fits against closed forms --------------------------------------------------------------

def test_gaussian_identity_is_least_squares():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"x": rng.normal(size=40), "z": rng.uniform(size=40)})
    d["y"] = 1 + 2 * d.x - d.z + rng.normal(size=40)
    fit = gs.glm("y ~ x + z", d)
    X = np.column_stack([np.ones(40), d.x, d.z])
    beta, rss, *_ = np.linalg.lstsq(X, d.y, rcond=None)
    np.testing.assert_allclose(fit.coef, beta, rtol=1e-12)
    np.testing.assert_allclose(fit.deviance, rss[0], rtol=1e-12)
    sigma2 = rss[0] / 37
    np.testing.assert_allclose(fit.vcov, sigma2 * np.linalg.inv(X.T @ X), rtol=1e-10)
    # exact Gaussian log-likelihood at the ML variance rss / n
    np.testing.assert_allclose(fit.loglik, np.sum(stats.norm.logpdf(d.y, X @ beta, np.sqrt(rss[0] / 40))))


SATURATED = {
    "gaussian": [1.5, 2.0, 3.25, 0.5], "binomial": [0.25, 0.5, 0.75, 0.125], "poisson": [2.0, 3.0, 7.0, 1.0],
    "Gamma": [0.5, 2.0, 1.5, 4.0], "inverse.gaussian": [0.5, 2.0, 1.5, 4.0], "negative.binomial": [2.0, 3.0, 7.0, 1.0],
}


@pytest.mark.parametrize("fam,link", [(f, l) for f, l in PAIRS if f in SATURATED])
def test_saturated_model_has_zero_deviance(fam, link):
    d = pd.DataFrame({"y": SATURATED[fam], "g": ["a", "b", "c", "d"], "n": [8, 8, 8, 8]})
    cls, _ = FAMILIES[fam]
    kw = {"weights": "n"} if fam == "binomial" else {}
    fit = gs.glm("y ~ g", d, family=cls(link=link), tol=1e-12, max_iter=200, **kw)
    assert fit.deviance == pytest.approx(0.0, abs=1e-8)
    np.testing.assert_allclose(fit.fitted_values, d.y, rtol=1e-7)
    assert fit.df_residual == 0


CANONICAL = [("gaussian", "identity"), ("binomial", "logit"), ("poisson", "log"), ("Gamma", "inverse"),
             ("inverse.gaussian", "1/mu^2")]


@pytest.mark.parametrize("fam,link", CANONICAL)
def test_canonical_link_score_equations(fam, link):
    """With the canonical link the MLE solves X'W0 (y - mu) = 0 (W0 = prior weights)."""
    rng = np.random.default_rng(4)
    n = 60
    x = rng.uniform(0, 1, n)
    cls, draw = FAMILIES[fam]
    y = draw(rng, n)
    d = pd.DataFrame({"x": x, "y": y, "w": rng.integers(1, 4, n).astype(float)})
    kw = {}
    if fam == "binomial":
        d["y"] = rng.binomial(5, 0.3 + 0.4 * x) / 5.0
        d["w"] = 5.0
    fit = gs.glm("y ~ x", d, family=cls(link=link), weights="w", tol=1e-12, **kw)
    X = np.column_stack([np.ones(n), x])
    score = X.T @ (d.w.to_numpy() * (d.y.to_numpy() - fit.fitted_values.to_numpy()))
    np.testing.assert_allclose(score, 0.0, atol=1e-9 * np.abs(X.T @ d.y.to_numpy()).max())



def _deviance_curvature(family, y: float) -> np.ndarray:
    """Second differences of d(y, g^{-1}(eta)) in eta on a grid of means over the family's domain, less their
    rounding error (100 eps |d| / h^2): negative only where the deviance bends down."""
    lo, hi = family.mu_domain.low, family.mu_domain.high
    mu = np.linspace(0.002, 0.998, 400) if np.isfinite(hi) else np.geomspace(1e-3, 60.0, 400)
    if not np.isfinite(lo):
        mu = np.concatenate([-mu[::-1], mu])
    eta = family.link.link(mu)
    eta = eta[np.isfinite(eta)]  # (a log of a negative mean of the Gaussian's grid)
    h = 1e-4 * np.maximum(np.abs(eta), 1e-2)
    d = [family.unit_deviance(np.full(eta.shape, y), family.link.inverse(e)) for e in (eta - h, eta, eta + h)]
    rounding = 100 * np.finfo(float).eps * (np.abs(d[0]) + np.abs(d[1]) + np.abs(d[2])) / (h * h)
    return (d[0] - 2 * d[1] + d[2]) / (h * h) + rounding


@pytest.mark.parametrize("fam,link", PAIRS)
def test_convex_deviance_is_convex_in_eta_for_every_response(fam, link):
    # the profile's refits trust one optimum where this holds (inference/profile.py): d(y, g^{-1}(eta)) must be
    # convex in eta for responses across the family's support, its edges included
    family = FAMILIES[fam][0](link=link)
    dom = family.y_domain
    ys = [0.0, 0.3, 1.0] if dom.high == 1 else [0.0, 1.0, 3.0, 20.0] if dom.low == 0 else [0.2, 1.0, 7.0]
    worst = min(float(np.min(_deviance_curvature(family, y))) for y in ys if dom.contains(np.array(y)))
    # (otherwise some response's deviance bends down: several optima are possible)
    assert (worst >= 0) if family.convex_deviance else (worst < -1e-3)


@pytest.mark.parametrize("family", [gs.Tweedie(var_power=p, link_power=lp) for p, lp in
                                    ((0, 1), (1, 0), (1.2, 0), (1.5, 0), (2, 0), (1.5, 1), (3, 0), (0, 0))]
                         + [gs.Quasi(link=link, variance=v) for v, links in
                            (("constant", ("identity", "log")), ("mu(1-mu)", ("logit", "log")),
                             ("mu", ("sqrt", "inverse")), ("mu^2", ("inverse", "identity")),
                             ("mu^3", ("1/mu^2", "inverse", "log"))) for link in links],
                         ids=str)
def test_tweedie_and_quasi_convex_deviance_is_convex_in_eta(family):
    # (Tweedie: the log link for 1 <= p <= 2 and the Gaussian identity; quasi: as the family of its variance)
    dom = family.y_domain
    ys = [0.0, 0.3, 1.0] if dom.high == 1 else [0.0, 1.0, 3.0, 20.0] if dom.low == 0 else [-2.0, 0.2, 1.0, 7.0]
    worst = min(float(np.min(_deviance_curvature(family, y))) for y in ys if dom.contains(np.array(y)))
    assert (worst >= 0) if family.convex_deviance else (worst < -1e-3)
