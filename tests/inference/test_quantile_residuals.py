"""Randomized quantile residuals (fit.residuals("quantile")): statmod::qresiduals where they are
deterministic (continuous families), R's distribution functions for the discrete families' bounds, and
N(0, 1) on large simulated fits (Kolmogorov-Smirnov, fixed seeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmstat as gs
from conftest import assert_close, load_data
from inference2_refs import fit, numbers, params, ref


@pytest.mark.parametrize("cid", params("qresiduals", shared=False))
def test_continuous_families_match_statmod(cid):
    got = fit(cid).residuals("quantile")
    assert_close(got, numbers(ref(cid)["qresiduals"]), rtol=1e-6, atol=1e-9)
    assert got.equals(fit(cid).residuals("quantile", seed=1))  # nothing random


@pytest.mark.parametrize("cid", params("cdf", shared=False))
def test_discrete_bounds_match_r(cid):
    f = fit(cid)
    y, w = f.model_frame.y, f.model_frame.total_weights
    lower, upper = f.family.cdf(y, f.fitted_values.to_numpy(), w, f.dispersion)
    assert_close(lower, numbers(ref(cid)["cdf"]["lower"]), rtol=1e-7, atol=1e-14)
    assert_close(upper, numbers(ref(cid)["cdf"]["upper"]), rtol=1e-7, atol=1e-14)
    r = f.residuals("quantile", seed=7)
    u = stats.norm.cdf(r.to_numpy())
    pos = w > 0
    assert np.all((u[pos] >= lower[pos] - 1e-12) & (u[pos] <= upper[pos] + 1e-12))
    assert r.equals(f.residuals("quantile", seed=7)) and not r.equals(f.residuals("quantile", seed=8))
    assert np.isnan(r.to_numpy()[~pos]).all()


def simulated(n=4000, seed=20240601):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = rng.integers(1, 12, size=n)
    mu = np.exp(0.3 + 0.4 * x)
    return rng, x, m, mu


def ks_p(r):
    return stats.kstest(r, "norm").pvalue


def test_poisson_and_binomial_are_standard_normal():
    rng, x, m, mu = simulated()
    d = pd.DataFrame({"x": x, "y": rng.poisson(mu), "m": m})
    d["s"] = rng.binomial(m, 1 / (1 + np.exp(-(0.2 - 0.8 * x))))
    pois = gs.glm("y ~ x", d, family=gs.Poisson())
    binom = gs.glm("cbind(s, m - s) ~ x", d, family=gs.Binomial())
    assert ks_p(pois.residuals("quantile", seed=1)) > 0.01
    assert ks_p(binom.residuals("quantile", seed=1)) > 0.01
    # the deviance residuals of these small counts are not normal: the test can tell
    assert ks_p(pois.residuals("deviance")) < 1e-6


def test_negative_binomial_and_misspecified_poisson():
    rng, x, m, mu = simulated()
    y = rng.negative_binomial(1.5, 1.5 / (1.5 + mu))
    d = pd.DataFrame({"x": x, "y": y})
    nb = gs.glm("y ~ x", d, family=gs.NegativeBinomial())
    assert ks_p(nb.residuals("quantile", seed=2)) > 0.01
    assert ks_p(gs.glm("y ~ x", d, family=gs.Poisson()).residuals("quantile", seed=2)) < 1e-6  # overdispersed


def test_tweedie_compound_poisson():
    """Tweedie with var_power 1.5 simulated as a Poisson number of gamma jumps: its CDF series gives
    N(0, 1) residuals (statmod needs the tweedie package for this family, which R here lacks)."""
    rng, x, m, mu = simulated(3000)
    p, phi = 1.5, 1.2
    lam, alpha, scale = mu ** (2 - p) / (phi * (2 - p)), (2 - p) / (p - 1), phi * (p - 1) * mu ** (p - 1)
    counts = rng.poisson(lam)
    y = np.array([rng.gamma(alpha * k, s) if k else 0.0 for k, s in zip(counts, scale)])
    d = pd.DataFrame({"x": x, "y": y})
    fit_tw = gs.glm("y ~ x", d, family=gs.Tweedie(var_power=1.5, link_power=0))
    assert ks_p(fit_tw.residuals("quantile", seed=3)) > 0.01
    # and the series CDF is the distribution the simulation drew from
    lo, hi = gs.Tweedie(var_power=1.5, link_power=0).cdf(y, mu, np.ones_like(y), phi)
    u = lo + rng.uniform(size=y.size) * (hi - lo)
    assert stats.kstest(u, "uniform").pvalue > 0.01


def test_tweedie_special_powers_are_the_named_families():
    y, mu, w = np.array([0.5, 2.0, 3.5]), np.array([1.0, 1.5, 3.0]), np.ones(3)
    for power, fam in ((0, gs.Gaussian()), (2, gs.Gamma()), (3, gs.InverseGaussian())):
        np.testing.assert_allclose(gs.Tweedie(var_power=power).cdf(y, mu, w, 0.7), fam.cdf(y, mu, w, 0.7))
    with pytest.raises(gs.FamilyError, match="no distribution function"):
        gs.Tweedie(var_power=2.5).cdf(y, mu, w, 0.7)


def test_large_residuals_keep_their_accuracy():
    """Gaussian: the quantile residual is (y - mu) sqrt(w / phi), also far in the tails."""
    d = pd.DataFrame({"x": np.arange(30.0), "y": np.r_[np.sin(np.arange(29.0)), 60.0]})
    f = gs.glm("y ~ x", d)
    want = (f.model_frame.y - f.fitted_values) / np.sqrt(f.dispersion)
    assert_close(f.residuals("quantile"), want.to_numpy(), rtol=1e-9)


def test_quasi_families_have_no_distribution():
    f = gs.glm("breaks ~ wool", load_data("warpbreaks"), family=gs.QuasiPoisson())
    with pytest.raises(gs.FamilyError, match="no distribution function"):
        f.residuals("quantile")
    with pytest.raises(gs.GLMStatError, match="quantile"):
        f.residuals("studentized")


@pytest.mark.parametrize("family", [gs.Poisson(), gs.Binomial()])
def test_blocks_of_rows_draw_the_one_stream_in_row_order(family, monkeypatch):
    """In memory the residuals are computed in blocks of rows (bounded temporaries): the same numbers for the
    same seed whatever the block size, zero-weight rows included."""
    import glmstat.inference.quantile_residuals as qr

    rng = np.random.default_rng(4)
    n = 61
    d = pd.DataFrame({"x": rng.normal(size=n), "w": np.where(np.arange(n) % 9 == 0, 0.0, 1.0)})
    d["y"] = rng.poisson(np.exp(0.3 + 0.4 * d["x"])) if isinstance(family, gs.Poisson) else rng.integers(0, 2, n)
    f = gs.glm("y ~ x", d, family=family, weights="w")
    whole = f.residuals("quantile", seed=11)
    monkeypatch.setattr(qr, "BLOCK_ROWS", 7)
    blocks = f.residuals("quantile", seed=11)
    pd.testing.assert_series_equal(blocks, whole)
    assert whole.isna().sum() == 7 and whole.notna().sum() == n - 7
