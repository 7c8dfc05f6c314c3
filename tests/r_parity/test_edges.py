"""Numerical edges found by differential testing against R (tests/fixtures/edges).

Each case is data on which a random model once disagreed with R; R's output (exact MLE, profile limits by
damped warm-started refits) was made by ``scripts/make_reference_random.R`` from ``edges/cases.json``:

* ``poisson_sqrt_invalid_eta``: the sqrt link needs eta > 0 (R's ``valideta``); R finds no valid
  coefficients and stops, and so must glmstat (it used to return a "converged" fit with eta < 0);
* ``quasipoisson_sqrt_profile``, ``negbin_identity_profile``, ``binomial_log_profile``: every constrained
  refit of the profile stays where the link and family are defined and reaches its optimum;
* ``quasibinomial_polish``, ``quasibinomial_cloglog_polish``: the exact MLE with a fitted mean within 10 eps
  of 1, and no warning about fitted probabilities (a statement about the binomial likelihood, which quasi
  families do not have; R's quasibinomial does not warn);
* ``leverage_one``: a factor level with a single row has leverage exactly 1, and Cook's distance,
  rstandard and rstudent are NaN there, as in R;
* ``single_level_factor``: R refuses a one-level factor in a model that needs its contrasts;
* ``poisson_sqrt_held_at_edge``: a count of 0 whose sqrt-link mean halving holds at 0 while the other rows pull
  it across (R: "step size truncated: out of bounds", "algorithm stopped at boundary value", "fitted rates
  numerically 0 occurred", at its exact MLE too): the optimum is on the boundary, and glmstat says so instead of
  "still moving" (a held-out random batch, seed 57);
* ``cauchit_cell_of_zeros``: the cell g1 = zeta, g2 = L3, aliased in g1:g2 and so fitted by the intercept alone,
  has responses all 0: its estimate runs off to -infinity, slowly with the cauchit link (a mean of 6.5e-10 at
  eta = -5e8), and R's refits never settle; glmstat must name the separation, at a tight tolerance too (seed 58);
* ``poisson_identity_profile_edge``: beyond sqrt(x3) = -4.39 the profile's constrained optimum puts the mean of a
  count of 0 on the edge; R's damped refits fail beyond -4.31 and record the lower limit as NA, and glmstat's
  refits creep to the edge without a halving: the limit is the profile deviance's infimum (R's constrained
  minimum, tests/fixtures/profile_edge) and must be called approximate (seed 60).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close, family_of, FIXTURES
from test_r_random import compare

EDGES = FIXTURES / "edges"
IDS = [c["id"] for c in json.loads((EDGES / "cases.json").read_text())]


def load(case_id: str) -> tuple[dict, pd.DataFrame]:
    ref = json.loads((EDGES / "r" / f"{case_id}.json").read_text())
    return ref, pd.read_csv(EDGES / "data" / f"{ref['data']}.csv")


def fit(case_id: str, **kw):
    ref, d = load(case_id)
    if ref.get("weights"):
        kw["weights"] = ref["weights"]
    return gs.glm(ref["formula"], d, family=family_of(ref["family"]), tol=1e-12, max_iter=100, **kw)


@pytest.mark.parametrize("case_id", IDS)
def test_edge_case_matches_r_on_every_quantity(case_id):
    ref, d = load(case_id)
    fails = compare(ref, d)
    assert not fails, "\n".join(fails)


def test_sqrt_link_without_valid_coefficients_is_refused_as_in_r():
    ref, _ = load("poisson_sqrt_invalid_eta")
    assert ref["error"].startswith("no valid set of coefficients has been found")
    with pytest.raises(gs.FitError, match="no valid set of coefficients"):
        fit("poisson_sqrt_invalid_eta")


def test_link_and_family_domains_are_r_s():
    # R: sqrt()$valideta is eta > 0; negative.binomial()$validmu and quasi(variance = "mu")$validmu are mu > 0
    assert not gs.links.get_link("sqrt").valid_eta(np.array([0.5, -1e-9]))
    assert gs.links.get_link("sqrt").valid_eta(np.array([0.5, 1e-9]))
    assert not gs.NegativeBinomial(theta=1.0, link="identity").valid_mu(np.array([1.0, -0.1]))
    assert not gs.Quasi(link="identity", variance="mu").valid_mu(np.array([1.0, 0.0]))
    assert gs.Quasi(link="identity", variance="constant").valid_mu(np.array([1.0, -5.0]))
    # statmod's tweedie() has no valideta: a power link accepts eta < 0 there
    assert gs.Tweedie(var_power=1.5, link_power=0.5).link.valid_eta(np.array([-1.0]))


@pytest.mark.parametrize("case_id, row, lower, upper", [
    ("quasipoisson_sqrt_profile", 1, -0.0003262840515, 0.0002117826743),  # was -0.000933 (refits left eta > 0)
    ("negbin_identity_profile", 0, -1.308342782, 16.95919206),  # was -0.51127 (a refit stopped short)
    ("binomial_log_profile", 4, -1.691973086, 0.8935346335),  # was NaN (no valid refit found)
])
def test_profile_limit_in_a_constrained_family_matches_r(case_id, row, lower, upper):
    ref, _ = load(case_id)
    assert ref["confint_profile"][row] == [lower, upper]  # R's numbers, as recorded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        ci = fit(case_id).conf_int(method="profile")
    assert_close(ci.iloc[row].to_numpy(), [lower, upper], rtol=1e-5)


@pytest.mark.parametrize("case_id, row, lower, upper", [
    ("quasipoisson_sqrt_profile", 1, -0.0003262840515, 0.0002117826743),
    ("negbin_identity_profile", 0, -1.308342782, 16.95919206),
    ("binomial_log_profile", 4, -1.691973086, 0.8935346335),
])
def test_profile_limit_in_a_constrained_family_matches_r_from_many_blocks(case_id, row, lower, upper, tmp_path):
    # the same refits read in row groups of 16: where no warm start converges, the refit falls back on a least-
    # squares start summed over the blocks (it once merged those sums with the profile points' merge and failed)
    ref, d = load(case_id)
    d.to_parquet(tmp_path / "rows.parquet", row_group_size=16, index=False)
    kw = {"weights": ref["weights"]} if ref.get("weights") else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = gs.glm(ref["formula"], str(tmp_path / "rows.parquet"), family=family_of(ref["family"]), tol=1e-12,
                   max_iter=100, **kw)
        ci = f.conf_int(method="profile", parm=[f.coef.index[row]])
    assert_close(ci.iloc[0].to_numpy(), [lower, upper], rtol=1e-5)


@pytest.mark.parametrize("blocks", [None, 16])
def test_profile_refit_with_no_valid_start_steps_on_the_valid_rows(blocks, tmp_path):
    """Poisson identity (data/poisson_identity_no_valid_start.csv): at the upper limit of x1 every warm start,
    the estimate and the least-squares start put some mean below 0, so the limit was NaN ("cannot be refitted
    beyond 2.39725").  One weighted step on the rows a start leaves valid, halved until every mean is valid,
    starts a refit there, as the reference's damped refits do.  R 4.2, make_reference.R's damped refits (its
    fallback start given ``nobs``, which it lacks): x1 in [1.50378255881227, 2.46352746226206]."""
    d = pd.read_csv(EDGES / "data" / "poisson_identity_no_valid_start.csv")
    data = d
    if blocks:
        d.to_parquet(tmp_path / "rows.parquet", row_group_size=blocks, index=False)
        data = str(tmp_path / "rows.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = gs.glm("y ~ x1 + x2 + g", data, family=gs.Poisson(link="identity"), weights="w", tol=1e-12,
                   max_iter=100)
        ci = f.conf_int(method="profile", parm=["x1"])
    assert_close([f.deviance], [103.849359055677], rtol=1e-9)
    assert_close(ci.iloc[0].to_numpy(), [1.50378255881227, 2.46352746226206], rtol=1e-6)


@pytest.mark.parametrize("case_id", ["quasibinomial_polish", "quasibinomial_cloglog_polish"])
def test_quasibinomial_near_one_is_polished_to_the_mle_without_a_probability_warning(case_id):
    ref, _ = load(case_id)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = fit(case_id)
    assert not [w for w in caught if issubclass(w.category, (gs.BoundaryWarning, gs.SeparationWarning))]
    assert ref["warnings"] == []
    assert_close([f.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(f.coef, ref["coefficients"], rtol=1e-7)
    assert_close(f.residuals("working"), ref["resid_working"], rtol=1e-6)
    assert_close(f.augment()["hat"], ref["hat"], rtol=1e-6)


def test_a_row_alone_in_its_factor_level_has_leverage_exactly_one():
    ref, _ = load("leverage_one")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = fit("leverage_one")
    aug = f.augment()
    assert ref["hat"][7] == 1 and ref["cooks"][7] is None and ref["rstandard"][7] is None
    assert aug["hat"].iloc[7] == 1.0 and f.hat_values().iloc[7] == 1.0
    assert np.isnan(aug[["cooks_d", "std_resid", "student_resid"]].iloc[7]).all()
    assert np.isnan(f.cooks_distance().iloc[7])
    assert_close(aug["hat"].iloc[:7], ref["hat"][:7])
    assert_close(aug["cooks_d"].iloc[:7], ref["cooks"][:7])
    assert_close(aug["student_resid"].iloc[:7], ref["rstudent"][:7], rtol=1e-5)


def test_single_level_factor_is_refused_as_in_r():
    ref, _ = load("single_level_factor")
    assert ref["error"] == "contrasts can be applied only to factors with 2 or more levels"
    with pytest.raises(gs.DataError):
        fit("single_level_factor")


def test_an_estimate_held_on_the_boundary_says_so_not_still_moving():
    ref, data = load("poisson_sqrt_held_at_edge")
    assert "glm.fit: algorithm stopped at boundary value" in ref["warnings"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(ref["formula"], data, family=family_of(ref["family"]), tol=1e-12, max_iter=100)
    said = [str(w.message) for w in caught if w.category is gs.BoundaryWarning]
    assert len(said) == 1 and not any("still moving" in str(w.message) for w in caught)
    assert said[0].startswith("the algorithm stopped at the boundary of the parameter space: Fisher scoring's steps "
                              "leave the region of valid means")
    assert "the fitted mean of row 19 is at the edge" in said[0] and "would leave the domain too" in said[0]
    assert_close(fit.coef.to_numpy(), ref["coefficients"], rtol=1e-6, atol=1e-6)


def test_a_slow_divergence_at_a_tight_tolerance_is_named_separation():
    # (the engine's rescue stopped where X'WX's condition number -- made of the cell's vanishing weights -- made
    # every step look like rounding, and the diagnosis took that for the optimum: no warning, coefficients of
    # 4.9e8 with standard errors of 5.7e10)
    ref, data = load("cauchit_cell_of_zeros")
    assert "glm.fit: fitted probabilities numerically 0 or 1 occurred" in ref["warnings"] and not ref["converged"]
    cell = (data.g1 == "zeta") & (data.g2 == "L3") & data.y.notna()
    assert cell.sum() > 0 and (data.y[cell] == 0).all()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(ref["formula"], data, family=family_of(ref["family"]), weights="w", tol=1e-12, max_iter=100)
    assert any(w.category is gs.SeparationWarning for w in caught)
    assert fit.separation is not None and "Intercept" in fit.separation.columns


def test_scoring_that_runs_off_to_vanishing_weights_is_rescued_to_the_interior_optimum():
    # (gaussian_inverse_pole: from R's start Fisher scoring rises at iteration 10 and then runs off to eta ->
    # -infinity, all means to 0, working weights mu^4 to 1e-84 -- R's default glm says "converged" at coefficients of
    # -1e21, above the intercept-only deviance; glmstat returned NaN coefficients and named Intercept and x aliased.
    # The columns lost to the vanishing weights now send the fit back to its lowest iterate, from which the
    # rescue's Newton steps reach the interior optimum, R's by Newton's method (make_gaussian_inverse_pole.R).)
    here = FIXTURES / "gaussian_inverse_pole"
    ref = json.loads((here / "ref.json").read_text())
    assert ref["default"]["coefficients"][0] < -1e20 and ref["default"]["deviance"] > ref["null_deviance"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(ref["formula"], pd.read_csv(here / "data.csv"), family=gs.Gaussian(link="inverse"))
    assert not caught, [str(w.message) for w in caught]
    assert fit.converged and fit.deviance < ref["lowest_default_deviance"]
    assert_close(fit.coef.to_numpy(), ref["coefficients"], rtol=1e-8)
    assert_close(fit.std_errors.to_numpy(), ref["std_errors"], rtol=1e-7)
    assert_close(fit.deviance, ref["deviance"], rtol=1e-10)
    assert_close(fit.dispersion, ref["dispersion"], rtol=1e-8)


def test_a_profile_limit_whose_refit_creeps_to_the_edge_is_called_approximate():
    # (its refits stopped at a mean of 3.5e-15, above the engine's 10 eps, without a halving, so the limit was
    # given as exact where R's reference has none)
    ref, _ = load("poisson_identity_profile_edge")
    assert ref["confint_profile"][6][0] is None and ref["warnings"] == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = fit("poisson_identity_profile_edge")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", gs.GLMStatWarning)
        ci = f.conf_int(method="profile", parm=["sqrt(x3)"])
    assert [str(w.message)[:48] for w in said] == ["lower profile limit of 'sqrt(x3)' is approximate"]
    assert_close(ci.iloc[0].to_numpy(), [-4.71963673734115, ref["confint_profile"][6][1]], rtol=1e-8)
