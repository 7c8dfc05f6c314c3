"""Fisher scoring that cycles around an interior optimum: the exact fit still reaches the MLE.

R 4.2 (fixtures/cycling, script fixtures/scripts/make_cycling.R): a cauchit binomial, a Gamma identity and a
log binomial fit on which glm's IRLS oscillates instead of converging -- at maxit = 100 and epsilon = 1e-12
R stops with "algorithm did not converge" (at its default control the cauchit fit meets the deviance
criterion while still cycling, 1e-3 of its coefficients away from the optimum).  The optimum is found
without IRLS (BFGS, then Newton with a finite-difference Hessian, to a gradient at rounding level) and glm
started there stays there, giving summary.glm's standard errors at the optimum.  The default
``convergence="exact"`` returns that optimum (Newton steps with the observed information once scoring is
seen to cycle); ``convergence="R"`` still stops where R stops.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "cycling"
R = json.loads((HERE / "r.json").read_text())
FAMILIES = {"cauchit": gs.Binomial(link="cauchit"), "gamma_identity": gs.Gamma(link="identity"),
            "log_binomial": gs.Binomial(link="log")}
CONTROLS = {"default": {}, "strict": {"tol": 1e-12, "max_iter": 100}}


def fit(case, **kw):
    ref = R[case]
    d = pd.read_csv(HERE / f"{case}.csv")
    weights = {"weights": ref["weights"]} if ref.get("weights") else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = gs.glm(ref["formula"], d, family=FAMILIES[case], **weights, **kw)
    return f, [w.category for w in caught]


def rel(got, want):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return float(np.max(np.abs(got - want) / np.abs(want)))


def test_the_fixture_cycles_in_r():
    for ref in R.values():
        assert ref["r_maxit100"]["converged"] is False
        assert ref["r_maxit100"]["deviance"] > ref["optimum"]["deviance"] * (1 + 1e-7)
        assert ref["optimum"]["max_abs_gradient"] < 1e-10
        at = ref["glm_at_optimum"]  # glm started at the optimum stays there
        assert at["converged"] and rel(at["coefficients"], ref["optimum"]["coefficients"]) < 1e-12


@pytest.mark.parametrize("control", sorted(CONTROLS))
@pytest.mark.parametrize("case", sorted(R))
def test_exact_fit_reaches_the_optimum(case, control):
    f, caught = fit(case, **CONTROLS[control])
    ref = R[case]
    assert f.converged
    assert gs.ConvergenceWarning not in caught
    assert rel(f.coef, ref["optimum"]["coefficients"]) < 1e-8
    assert rel(f.deviance, ref["optimum"]["deviance"]) < 1e-12
    # summary.glm's standard errors (expected information, Pearson dispersion) at the optimum
    assert rel(f.std_errors, ref["glm_at_optimum"]["std_errors"]) < 1e-8
    assert rel(f.dispersion, ref["glm_at_optimum"]["dispersion"]) < 1e-10


@pytest.mark.parametrize("case", sorted(R))
def test_r_convergence_still_stops_where_r_stops(case):
    for control, want in (({}, R[case]["r_default"]), (CONTROLS["strict"], R[case]["r_maxit100"])):
        f, caught = fit(case, convergence="R", **control)
        assert f.converged == want["converged"] and f.iterations == want["iter"]
        # (R's default fit of the cauchit model meets the deviance criterion while cycling: glmstat returns
        # it, and warns that the estimates are still moving)
        assert gs.ConvergenceWarning in caught
        assert rel(f.coef, want["coefficients"]) < 1e-8
        assert rel(f.deviance, want["deviance"]) < 1e-10


def assert_at_reference(f, ref: dict, tol: float) -> None:
    """The fit's coefficients within ``tol`` standard errors of R's (aliased ones NA on both sides) and its
    standard errors within ``tol`` relative."""
    b = np.array([np.nan if v is None else v for v in ref["coefficients"]])
    se = np.array([np.nan if v is None else v for v in ref["std_errors"]])
    np.testing.assert_array_equal(np.isnan(f.coef.to_numpy()), np.isnan(b))
    assert np.nanmax(np.abs(f.coef.to_numpy() - b) / se) < tol
    np.testing.assert_allclose(f.std_errors.to_numpy(), se, rtol=tol, equal_nan=True)


def test_scoring_that_crawls_reaches_the_optimum():
    """Fisher scoring that converges only linearly, at a rate near 1 (an inverse Gaussian log-link model of a
    random differential test against R, fixtures/slow_scoring from make_slow_scoring.R, whose exact MLE is
    plain scoring iterated 5,000 times): its steps still shrink after the 200 polishing steps, when the
    estimate was 4e-6 standard errors from the optimum, some 40 times the last step.  The fit then finishes
    with Newton steps, as a cycling fit does."""
    here = FIXTURES / "slow_scoring"
    ref = json.loads((here / "ref.json").read_text())
    d = pd.read_csv(here / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # (dropped rows and aliased columns)
        f = gs.glm(ref["formula"], d, family=gs.InverseGaussian(link="log"), tol=1e-12, max_iter=300)
    assert f.converged
    assert_at_reference(f, ref, 1e-8)
    np.testing.assert_allclose([f.deviance, f.dispersion], [ref["deviance"], ref["dispersion"]], rtol=1e-10)


def test_a_fit_that_goes_away_from_the_optimum_is_brought_back_to_it():
    """From glm's own start, Fisher scoring of this inverse Gaussian log-link model goes away from the optimum
    and meets the deviance criterion at 1.5e33 (fixtures/above_null, make_above_null.R): R reports it
    converged, although the model contains the null model, whose deviance is 85.5.  The exact fit sees the
    deviance rise far above one it reached while the linear predictor drifts to the domain's edge, and
    restarts from its lowest iterate with the rescue's Newton steps: the optimum R's step-halving scoring
    finds (deviance 74.44; glm started there stays there)."""
    here = FIXTURES / "above_null"
    ref = json.loads((here / "r.json").read_text())
    assert ref["glm_converged"] and ref["glm_deviance"] > 1e30 * ref["null_deviance"]
    assert ref["iter_from_optimum"] == 1
    d = pd.read_csv(here / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ConvergenceWarning)
        warnings.simplefilter("error", gs.BoundaryWarning)
        f = gs.glm(ref["formula"], d, family=gs.InverseGaussian(link="log"), tol=1e-12, max_iter=100)
    assert f.converged
    assert_at_reference(f, ref, 1e-6)
    np.testing.assert_allclose([f.deviance, f.null_deviance, f.dispersion],
                               [ref["deviance"], ref["null_deviance"], ref["dispersion"]], rtol=1e-8)


def test_scoring_whose_polishing_step_leaves_the_domain_is_brought_back():
    """An inverse Gaussian log-link model without intercept (fixtures/went_away, make_went_away.R).  From
    start = c(4.396, 0), deviance 9.78, scoring rises to 5.5e7, then halves its steps towards means that
    overflow and meets the deviance criterion at 12.9 (R's glm reports 12.57, converged); the next step leaves
    the domain.  The fit was returned as converged there, coefficients (230, -7.9) against the optimum's
    (4.50, 0.072): the rise above a deviance it reached is now seen there too, and the fit restarts from its
    lowest iterate with the rescue's Newton steps.  From glm's own start the same scoring cannot step back
    into the domain at all (R: "inner loop 1; cannot correct step size"; glmstat: 'step-halving exhausted'),
    and now restarts the same way."""
    here = FIXTURES / "went_away"
    ref = json.loads((here / "r.json").read_text())
    assert ref["glm_from_start"]["deviance"] > ref["deviance_at_start"] > ref["deviance"]
    assert ref["iter_from_optimum"] == 1 and "cannot correct step size" in ref["glm_default_error"]
    d = pd.read_csv(here / "data.csv")
    for start in (ref["start"], None):
        with warnings.catch_warnings():
            warnings.simplefilter("error", gs.ConvergenceWarning)
            f = gs.glm(ref["formula"], d, family=gs.InverseGaussian(link="log"), start=start)
        assert f.converged
        assert_at_reference(f, ref, 1e-6)
        np.testing.assert_allclose([f.deviance, f.null_deviance, f.dispersion],
                                   [ref["deviance"], ref["null_deviance"], ref["dispersion"]], rtol=1e-8)


def test_scoring_that_oscillates_without_a_rise_reaches_the_optimum():
    """A Tweedie identity-link model (fixtures/oscillating, make_oscillating.R) on which each Fisher step turns
    back on the one before while the deviance still falls, by 1e-8 of itself a step: R's criterion is met
    only after 405 iterations (R's glm stops there, 0.0024 standard errors from the optimum).  The polishing
    steps then still moved the linear predictor by more than DRIFT_TOL, which was read as a divergence to
    infinity (the deviance never rose, the sign of cycling the rescue waited for): the fit was returned as
    converged there, with a ConvergenceWarning.  Steps that turn back are now read as oscillation about an
    interior optimum, and the rescue's Newton steps finish at it."""
    here = FIXTURES / "oscillating"
    ref = json.loads((here / "r.json").read_text())
    assert ref["r_maxit500"]["converged"] and ref["r_maxit500"]["deviance"] > ref["deviance"] * (1 + 1e-6)
    assert ref["iter_from_optimum"] == 1 and ref["max_abs_gradient"] < 1e-10
    d = pd.read_csv(here / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ConvergenceWarning)
        f = gs.glm(ref["formula"], d, family=gs.Tweedie(var_power=1.5, link_power=1), weights="w",
                   start=ref["start"], max_iter=500)
    assert f.converged and f.iterations == ref["r_maxit500"]["iter"]
    assert_at_reference(f, ref, 1e-6)
    np.testing.assert_allclose([f.deviance, f.null_deviance, f.dispersion],
                               [ref["deviance"], ref["null_deviance"], ref["dispersion"]], rtol=1e-8)


def test_scoring_that_oscillates_until_max_iter_reaches_the_optimum():
    """A cauchit binomial model with non-integer weights (fixtures/oscillating_max_iter, the random case
    s1_0069, make_oscillating_max_iter.R): scoring oscillates about the optimum at a rate of -0.996, the
    deviance falling by 1e-10 of itself a step and never rising, so at a tight tol R's criterion is not met by
    max_iter.  The fit stopped there, not converged, 1.7e-4 of max(|b|, se) from the optimum -- while the
    default tol, whose criterion is met, reached it: a tighter tol gave a worse answer.  Steps that keep turning
    back at max_iter are now read as oscillation and finished with the rescue's Newton steps.
    ``convergence="R"`` still stops where R stops."""
    here = FIXTURES / "oscillating_max_iter"
    ref = json.loads((here / "r.json").read_text())
    assert ref["iter_from_optimum"] == 1 and ref["max_abs_gradient"] < 1e-10
    d = pd.read_csv(here / "data.csv")
    strict = {"r_strict_maxit100": 100, "r_strict_maxit25": 25}
    for key, max_iter in strict.items():
        assert not ref[key]["converged"] and ref[key]["deviance"] > ref["deviance"] * (1 + 1e-8)
    family = gs.Binomial(link="cauchit")
    for control in ({}, *({"tol": 1e-12, "max_iter": m} for m in strict.values())):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.DataWarning)  # (non-integer successes)
            warnings.simplefilter("error", gs.ConvergenceWarning)
            f = gs.glm(ref["formula"], d, family=family, weights="w", **control)
        assert f.converged and f.iterations == control.get("max_iter", ref["r_default"]["iter"])
        assert_at_reference(f, ref, 1e-8)
        np.testing.assert_allclose([f.deviance, f.null_deviance], [ref["deviance"], ref["null_deviance"]],
                                   rtol=1e-12)
    for key, max_iter in strict.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            f = gs.glm(ref["formula"], d, family=family, weights="w", tol=1e-12, max_iter=max_iter,
                       convergence="R")
        assert not f.converged and f.iterations == ref[key]["iter"]
        assert rel(f.coef, ref[key]["coefficients"]) < 1e-8
        assert rel(f.deviance, ref[key]["deviance"]) < 1e-12


def test_scoring_that_leaves_a_plateau_reaches_the_optimum():
    """An inverse Gaussian log-link model (fixtures/plateau, make_plateau.R): from glm's start, scoring reaches
    a plateau of means up to 1e16 in 3 iterations, where the deviance (1306.75, above the null model's) meets
    the criterion; R reports it converged.  Each polishing step from there moved the linear predictor by 1 --
    read as a divergence to infinity, so the fit stopped, not converged -- but each was 1.65 times the one
    before, the deviance falling faster and faster: scoring leaving the plateau, not diverging (which takes ever
    smaller steps).  Polishing now goes on, and the optimum (1237.80) is reached.  ``convergence="R"`` still
    stops where R stops."""
    here = FIXTURES / "plateau"
    ref = json.loads((here / "r.json").read_text())
    assert ref["r_default"]["converged"] and ref["r_default"]["deviance"] > ref["null_deviance"]
    assert ref["iter_from_optimum"] == 1 and ref["max_abs_gradient"] < 1e-10
    d = pd.read_csv(here / "data.csv")
    family = gs.InverseGaussian(link="log")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ConvergenceWarning)
        f = gs.glm(ref["formula"], d, family=family)
    want = ref["optimum"]
    assert f.converged and f.iterations == ref["r_default"]["iter"]
    assert_at_reference(f, want, 1e-8)
    np.testing.assert_allclose([f.deviance, f.null_deviance, f.dispersion],
                               [want["deviance"], ref["null_deviance"], want["dispersion"]], rtol=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # (not the optimum: the score equations fail there)
        f = gs.glm(ref["formula"], d, family=family, convergence="R")
    want = ref["r_default"]
    assert f.converged and f.iterations == want["iter"]
    assert rel(f.coef, want["coefficients"]) < 1e-8
    assert rel(f.deviance, want["deviance"]) < 1e-10


def test_a_rescue_at_the_rounding_of_its_solve_has_converged():
    """An inverse Gaussian identity-link model with responses down to 1e-5 (fixtures/rescue_at_rounding,
    make_rescue_at_rounding.R): its working weights 1/mu^3 reach 1e15 and sqrt(W) X has a condition number of
    4.5e7 at the optimum, which R's glm cannot reach from its own start ("NA/NaN/Inf in 'x'").  glmstat's
    scoring cycles and the rescue's Newton steps reach the optimum, where the Fisher steps stay at 1e-10 of
    max(|b|, se), the rounding of their solve, above POLISH_TOL: the rescue took 200 more passes and reported
    the fit as not converged.  A rescue whose steps no longer shrink at the rounding of the solve has converged.
    (R's optimum, by scoring halved while it raises the deviance, is itself known to about 3e-7.)"""
    here = FIXTURES / "rescue_at_rounding"
    ref = json.loads((here / "r.json").read_text())
    assert "NA/NaN/Inf" in ref["glm_default_error"] and ref["iter_from_optimum"] == 1
    assert ref["fisher_step"] < 1e-6 and ref["rel_score"] < 1e-3
    d = pd.read_csv(here / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ConvergenceWarning)
        f = gs.glm(ref["formula"], d, family=gs.InverseGaussian(link="identity"))
    assert f.converged
    assert len(f.trace) < f.iterations + 100  # (not MAX_POLISH steps of a rescue that cannot do better)
    assert_at_reference(f, ref, 1e-6)
    np.testing.assert_allclose([f.deviance, f.null_deviance], [ref["deviance"], ref["null_deviance"]], rtol=1e-12)
    np.testing.assert_allclose(f.dispersion, ref["dispersion"], rtol=1e-6)


def test_scoring_that_halves_towards_an_edge_reaches_the_optimum():
    """A Tweedie model with Poisson's variance and the sqrt link where a cell's one row has y = 0
    (fixtures/edge_halving, a held-out random case): at the optimum that row's mean is 0, on the edge of the
    domain, and each Fisher step halves its eta (the deviance there is 2 eta^2).  Polishing stopped when that
    mean came within 10 eps of the edge, at eta = 7.5e-8, leaving the other coefficients 4e-7 and a fitted mean
    of 0.0052 2e-6 away from R's exact MLE.  A step that barely moves eta now goes on to the optimum."""
    here = FIXTURES / "edge_halving"
    ref = json.loads((here / "r" / "s11_0003.json").read_text())
    d = pd.read_csv(here / "data" / "s11_0003.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # (rows dropped, aliased cells)
        f = gs.glm(ref["formula"], d, family=gs.Tweedie(var_power=1.0, link_power=0.5))
    assert f.converged
    assert_at_reference(f, ref, 1e-7)
    np.testing.assert_allclose(f.fitted_values.to_numpy(), ref["fitted"], rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(f.deviance, ref["deviance"], rtol=1e-9)


def test_a_fit_that_ends_above_the_null_model_restarts_from_it():
    """From glm's own start, Fisher scoring of this Tweedie model (var_power 1.8, link mu^0.5) goes away from
    the optimum (fixtures/above_null_restart, make_above_null_restart.R): R stops unconverged at a deviance of
    854.4, glmstat's exact fit ended at 257.6, both above the null model's 159.4, which the model contains.  The
    fit now starts again from the null model's coefficients and converges to the optimum R reaches from there."""
    here = FIXTURES / "above_null_restart"
    ref = json.loads((here / "r.json").read_text())
    assert not ref["glm_converged"] and ref["glm_deviance"] > ref["null_deviance"] > ref["deviance"]
    d = pd.read_csv(here / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ConvergenceWarning)
        f = gs.glm(ref["formula"], d, family=gs.Tweedie(var_power=ref["var_power"], link_power=ref["link_power"]),
                   tol=1e-12, max_iter=100)
    assert f.converged and f.linear_predictor.min() > 0
    assert_at_reference(f, ref, 1e-7)
    np.testing.assert_allclose([f.deviance, f.null_deviance, f.dispersion],
                               [ref["deviance"], ref["null_deviance"], ref["dispersion"]], rtol=1e-9)
