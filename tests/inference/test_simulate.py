"""``fit.simulate(nsim, seed)``, R's ``simulate()`` of a glm: each family's draws have the fitted model's mean and
variance (closed forms, checked on many simulations with a fixed seed: every row's mean and variance within a few
standard errors), with R's choice of scale -- deviance / df for the Gaussian, MASS's gamma.shape for the Gamma
(R's alpha from tests/fixtures/mass_extras), Pearson's for the inverse Gaussian; R's layout (sim_1, ... by row
used); zero-weight rows NaN; the families R cannot simulate refused; streamed fits draw the in-memory numbers."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

MASS = json.loads((FIXTURES / "mass_extras" / "ref.json").read_text())
NSIM = 4000


def _within(sims: pd.DataFrame, mean: np.ndarray, var: np.ndarray, z: float = 5.0) -> None:
    """Every row's simulated mean within z standard errors of ``mean``; and the squared standardized draws
    (y - mean)^2 / var, pooled over rows and simulations, averaging 1 within z of their own standard errors
    (studentized: a skewed draw's squares vary more)."""
    y = sims.to_numpy()
    k = y.shape[1]
    m = y.mean(axis=1)
    assert np.all(np.abs(m - mean) <= z * np.sqrt(var / k)), np.max(np.abs(m - mean) / np.sqrt(var / k))
    sq = ((y - mean[:, None]) ** 2 / var[:, None]).ravel()
    assert abs(sq.mean() - 1) <= z * sq.std() / np.sqrt(sq.size), (sq.mean(), sq.std() / np.sqrt(sq.size))


def test_gaussian_draws_with_deviance_over_df_and_the_prior_weights():
    d = gs.load_dataset("mtcars").assign(w=lambda d: d["cyl"] / 4)
    fit = gs.glm("mpg ~ wt + hp", d, weights="w")
    sims = fit.simulate(NSIM, seed=1)
    mu, w = fit.fitted_values.to_numpy(), fit.weights().to_numpy()
    _within(sims, mu, fit.deviance / fit.df_residual / w)


def test_binomial_counts_are_proportions_of_the_trials():
    fit = gs.glm("cbind(numdead, numalive) ~ sex + ldose", gs.load_dataset("budworm"), family=gs.Binomial())
    sims = fit.simulate(NSIM, seed=2)
    mu, m = fit.fitted_values.to_numpy(), fit.weights().to_numpy()
    assert np.all(np.isclose(sims.to_numpy() * m[:, None] % 1, 0) | np.isclose(sims.to_numpy() * m[:, None] % 1, 1))
    _within(sims, mu, mu * (1 - mu) / m)


def test_a_factor_response_is_one_bernoulli_draw_whatever_its_weight():
    d = gs.load_dataset("mtcars").assign(am=lambda d: np.where(d["am"] == 1, "manual", "auto"), w=2.0)
    fit = gs.glm("am ~ wt", d, family=gs.Binomial(), weights="w")
    sims = fit.simulate(NSIM, seed=3)
    assert set(np.unique(sims.to_numpy())) <= {0.0, 1.0}
    mu = fit.fitted_values.to_numpy()
    _within(sims, mu, mu * (1 - mu))


def test_poisson_and_negative_binomial():
    quine = gs.load_dataset("quine")
    pois = gs.glm("Days ~ Eth + Sex + Age", quine, family=gs.Poisson())
    mu = pois.fitted_values.to_numpy()
    _within(pois.simulate(NSIM, seed=4), mu, mu)
    nb = gs.glm("Days ~ Eth + Sex + Age", quine, family=gs.NegativeBinomial())
    mu = nb.fitted_values.to_numpy()
    _within(nb.simulate(NSIM, seed=5), mu, mu + mu**2 / nb.theta, z=6.0)


def test_gamma_draws_with_r_s_maximum_likelihood_shape():
    ref = MASS["gamma_shape"][0]  # clotting lot1 ~ log(u): R's gamma.shape alpha
    fit = gs.glm(ref["formula"], gs.load_dataset(ref["data"]), family=gs.Gamma(), tol=1e-12)
    sims = fit.simulate(NSIM, seed=6)
    mu = fit.fitted_values.to_numpy()
    _within(sims, mu, mu**2 / ref["alpha"])


def test_inverse_gaussian_draws_with_pearson_s_dispersion():
    d = gs.load_dataset("clotting")
    fit = gs.glm("lot1 ~ log(u)", d, family=gs.InverseGaussian())
    mu = fit.fitted_values.to_numpy()
    _within(fit.simulate(NSIM, seed=7), mu, fit.dispersion * mu**3, z=6.0)


def test_layout_seed_and_rows():
    d = gs.load_dataset("mtcars").copy()
    d.loc[d.index[3], "wt"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        fit = gs.glm("am ~ wt", d, family=gs.Binomial())
    sims = fit.simulate(3, seed=11)
    assert list(sims.columns) == ["sim_1", "sim_2", "sim_3"] and sims.index.equals(fit.rows_used)
    pd.testing.assert_frame_equal(sims, fit.simulate(3, seed=11))
    assert not sims.equals(fit.simulate(3, seed=12))
    again = fit.simulate(3, seed=np.random.default_rng(11))
    pd.testing.assert_frame_equal(sims, again)


def test_zero_weight_rows_are_nan():
    d = gs.load_dataset("mtcars").assign(w=1.0)
    d.loc[d.index[0], "w"] = 0.0
    sims = gs.glm("mpg ~ wt", d, weights="w").simulate(5, seed=1)
    assert sims.iloc[0].isna().all() and sims.iloc[1:].notna().all().all()


def test_poisson_prior_weights_are_ignored_with_a_warning():
    d = gs.load_dataset("quine").assign(w=2.0)
    fit = gs.glm("Days ~ Age", d, family=gs.Poisson(), weights="w")
    with pytest.warns(gs.DataWarning, match="ignored in the simulated counts"):
        fit.simulate(2, seed=1)


@pytest.mark.parametrize("family", [gs.QuasiPoisson(), gs.Tweedie(var_power=1.5, link_power=0)])
def test_families_without_a_distribution_are_refused(family):
    fit = gs.glm("Days ~ Age", gs.load_dataset("quine"), family=family)
    with pytest.raises(gs.GLMStatError, match=f"the {family.name} family has no distribution to simulate"):
        fit.simulate()


@pytest.mark.filterwarnings("ignore::glmstat.DataWarning")
def test_non_integer_trials_are_refused():
    d = gs.load_dataset("budworm").assign(p=lambda d: d["numdead"] / 20, w=19.5)
    fit = gs.glm("p ~ ldose", d, family=gs.Binomial(), weights="w")
    with pytest.raises(gs.GLMStatError, match="non-integer trials"):
        fit.simulate()


@pytest.mark.parametrize("nsim", [0, -1, 2.5, True, "3", 10**7, 10**400, None, object()],
                         ids=["0", "-1", "2.5", "True", "str", "1e7", "big", "None", "object"])
def test_nsim_must_be_a_whole_number_in_range(nsim):
    fit = gs.glm("mpg ~ wt", gs.load_dataset("mtcars"))
    with pytest.raises(gs.GLMStatError, match="nsim must be a whole number"):
        fit.simulate(nsim)


def test_the_memory_bound_refuses_before_drawing():
    fit = gs.glm("mpg ~ wt", gs.load_dataset("mtcars"), limits=gs.FormulaLimits(max_design_bytes=10_000))
    with pytest.raises(gs.GLMStatError, match="simulated responses of 32 rows"):
        fit.simulate(100)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_draw_the_in_memory_numbers(kind, tmp_path):
    from streamed_cases import as_streamed

    d = gs.load_dataset("quine")
    mem = gs.glm("Days ~ Eth + Age", d, family=gs.Poisson())
    streamed = gs.glm("Days ~ Eth + Age", as_streamed(d, kind, tmp_path, rows=29), family=gs.Poisson())
    a, b = mem.simulate(4, seed=9), streamed.simulate(4, seed=9)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


@pytest.mark.parametrize("seed", [-1, "a", 1.5, object()], ids=["-1", "str", "1.5", "object"])
def test_hostile_seeds_are_refused(seed):
    fit = gs.glm("mpg ~ wt", gs.load_dataset("mtcars"))
    with pytest.raises(gs.GLMStatError, match="^seed must be"):
        fit.simulate(2, seed)


@pytest.mark.filterwarnings("ignore::glmstat.DataWarning")
def test_counts_beyond_the_generators_are_nan_as_r_s_na():
    # (numpy's binomial draws at most 2^63 - 1 trials: 1e20 raised its ValueError 'n < 0'; R's rbinom gives NA)
    d = pd.DataFrame({"p": [0.1, 0.5, 0.3, 0.8], "x": [1.0, 2, 3, 4], "w": [1e20, 10, 2e20, 1e20]})
    sims = gs.glm("p ~ x", d, family=gs.Binomial(), weights="w").simulate(3, seed=1)
    assert sims.iloc[[0, 2, 3]].isna().all().all() and sims.iloc[1].notna().all()


def test_simulations_are_drawn_in_blocks(monkeypatch):
    # a million simulations of ten rows were drawn one a call of the generator: 30 s for 80 MB of draws; now in
    # blocks of about 65,536 draws, the numbers those calls one by one give
    from glmstat.inference import simulate as module

    d = pd.DataFrame({"x": np.arange(10.0), "y": [1.0, 0, 2, 1, 3, 2, 4, 3, 5, 6]})
    fit = gs.glm("y ~ x", d, family=gs.Poisson())
    calls = []
    real = module.draw
    monkeypatch.setattr(module, "draw", lambda *a: calls.append(a[1].size) or real(*a))
    sims = fit.simulate(200_000, seed=4)
    assert sims.shape == (10, 200_000) and len(calls) == -(-200_000 // (module._BLOCK_DRAWS // 10))
    monkeypatch.setattr(module, "_BLOCK_DRAWS", 1)  # (one simulation a call)
    assert np.array_equal(fit.simulate(300, seed=4).to_numpy(), sims.iloc[:, :300].to_numpy())


@pytest.mark.parametrize("family, response", [
    (gs.Gaussian(), "y"), (gs.Gamma(), "y + 1"), (gs.InverseGaussian(), "y + 1"),
    (gs.NegativeBinomial(theta=2.0), "y"), (gs.Binomial(), "cbind(y, 6 - y)"), (gs.Binomial(), "y > 2"),
])
def test_blocks_draw_what_one_simulation_a_call_draws(family, response, monkeypatch):
    from glmstat.inference import simulate as module

    d = pd.DataFrame({"x": np.arange(10.0), "y": [1.0, 0, 2, 1, 3, 2, 4, 3, 5, 6], "w": [0.0, 1, 2] * 3 + [1]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm(f"{response} ~ x", d, family=family, weights="w")
        blocks = fit.simulate(50, seed=9).to_numpy()
        monkeypatch.setattr(module, "_BLOCK_DRAWS", 1)
        one_by_one = fit.simulate(50, seed=9).to_numpy()
    assert np.array_equal(blocks, one_by_one, equal_nan=True)
