"""Fitted means on an edge of the domain only where the response is there too: no boundary is reported.

A factor level whose counts are all 0 (or whose 0/1 responses are all 0), fitted with the sqrt link, has its
mean at 0 at the optimum, where the link puts eta at 0.  Each of its rows adds w mu'(eta) (0 - mu) / V(mu) =
-2 w eta (Poisson; the same limit for the negative binomial, binomial and quasi variances) to the score, which
goes to 0 with the mean: the optimum is an interior one of the coefficients, and R's glm raises no warning.
glmstat measured those terms relative to their own size -- all of one sign, as small as the distance left --
and reported "the score equations do not hold there (relative score 1)" and a boundary of the parameter space.

Fits that do stop on a boundary (the identity link, where the same limit is w, not 0: the optimum needs a
negative mean; a log-link probability of 1) are still reported.  R's numbers: tests/fixtures/settled_edge
(make_settled_edge.R), at epsilon = 1e-13.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "settled_edge"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")

FAMILIES = {
    "poisson": lambda: gs.Poisson(link="sqrt"),
    "quasipoisson": lambda: gs.QuasiPoisson(link="sqrt"),
    "negbin3": lambda: gs.NegativeBinomial(theta=3, link="sqrt"),
    "negbin": lambda: gs.NegativeBinomial(link="sqrt"),
    "quasi_mu": lambda: gs.Quasi(link="sqrt", variance="mu"),
    "tweedie1": lambda: gs.Tweedie(1, link_power=0.5),
    "binomial": lambda: gs.Binomial(link="sqrt"),
    "quasibinomial": lambda: gs.QuasiBinomial(link="sqrt"),
    "quasi_mu1mu": lambda: gs.Quasi(link="sqrt", variance="mu(1-mu)"),
}
CASES = [k for k in R if k not in ("boundary", "started_at_edge", "log_ones_maxit3", "slow_beside")]


def fit_caught(formula, data, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(formula, data, **kw)
    return fit, [w for w in caught if issubclass(w.category, gs.GLMStatWarning)]


def test_the_fixture_covers_every_family_with_a_variance_zero():
    assert sorted(CASES) == sorted(["poisson", "poisson_x", "quasipoisson", "negbin3", "negbin", "quasi_mu",
                                    "tweedie1", "binomial", "quasibinomial", "quasi_mu1mu"])
    assert {R[c]["family"] for c in CASES} == set(FAMILIES)


@pytest.mark.parametrize("case", CASES)
def test_a_level_fitted_at_the_edge_with_its_response_is_no_boundary(case):
    ref = R[case]
    # R: converged, no warning at its default control nor at the exact estimate, the level's means at 0
    assert ref["converged"] and ref["warnings"] == [] and ref["default_warnings"] == []
    assert ref["min_fitted"] < 1e-13
    fit, caught = fit_caught(ref["formula"], DATA, family=FAMILIES[ref["family"]]())
    assert caught == [], [str(w.message) for w in caught]
    assert not any("boundary" in n or "score equations" in n for n in fit.notes), fit.notes
    assert fit.converged and fit.separation is None
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)
    np.testing.assert_allclose(fit.std_errors, ref["std_errors"], rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, ref["deviance"], rtol=1e-6)
    np.testing.assert_allclose(fit.dispersion, ref["dispersion"], rtol=1e-6)
    if ref["theta"] is not None:
        np.testing.assert_allclose(fit.theta, ref["theta"], rtol=1e-6)
    assert fit.fitted_values.min() < 1e-12


def test_means_started_on_the_edge_are_not_separation():
    """Started with the level's means at 1e-24, the fit stays there (below 10 eps, where the engine counts a mean
    on the edge, and R warns "fitted probabilities numerically 0 or 1"): the estimates are R's, finite, and
    neither separation (infinite estimates, which the sqrt link cannot have) nor a boundary optimum is reported."""
    ref = R["started_at_edge"]
    assert ref["converged"] and ref["min_fitted"] < 1e-20
    assert ref["warnings"] == ["glm.fit: fitted probabilities numerically 0 or 1 occurred"]
    fit, caught = fit_caught(ref["formula"], DATA, family=gs.Binomial(link="sqrt"), start=ref["start"])
    assert not [w for w in caught if issubclass(w.category, (gs.SeparationWarning, gs.BoundaryWarning))], \
        [str(w.message) for w in caught]
    assert fit.converged and fit.separation is None and fit.fitted_values.min() < 1e-20
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, ref["deviance"], rtol=1e-6)


def test_successes_the_log_link_fits_at_one_are_not_separation():
    """A level of successes with the log link, stopped after 3 iterations: R's estimates (0.97 for the level),
    "algorithm did not converge".  The level's probability reaches 1 at eta = 0, so its estimate is finite
    wherever the fit stops; glmstat reported quasi-complete separation ("the maximum-likelihood estimates of
    g3[T.C] are infinite") and "some estimates run off to infinity", from a test that moved successes up."""
    ref = R["log_ones_maxit3"]
    assert not ref["converged"] and "glm.fit: algorithm did not converge" in ref["warnings"]
    data = DATA.assign(y1=np.where(DATA["g3"] == "C", 1.0, DATA["y0"]))
    fit, caught = fit_caught("y1 ~ g3", data, family=gs.Binomial(link="log"), start=[-1, 0.5, 0.9], max_iter=3)
    said = [str(w.message) for w in caught]
    assert fit.separation is None and not [w for w in caught if issubclass(w.category, gs.SeparationWarning)], said
    assert any(m.startswith("IRLS did not converge in 3 iterations") for m in said), said
    assert not any("infinit" in m for m in said), said
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)


BOUNDARY = {  # (formula, family, start, max_iter) of the fits R stops on a boundary
    "log_ones": ("y1 ~ g3", lambda: gs.Binomial(link="log"), [-1, 0.5, 0.9], 25),
    "identity_zeros": ("y0 ~ g3", lambda: gs.Binomial(link="identity"), [0.375, 0.375, -0.3], 25),
    "identity_ones": ("y1 ~ g3", lambda: gs.Binomial(link="identity"), [0.375, 0.375, 0.5], 25),
    "identity_counts": ("count ~ g4", lambda: gs.Poisson(link="identity"), [12, 2, -11, -5], 200),
}


@pytest.mark.parametrize("case", sorted(BOUNDARY))
def test_an_edge_the_score_pulls_across_is_still_a_boundary(case):
    """R: "algorithm stopped at boundary value", "fitted probabilities numerically 0 or 1" or steps truncated
    "out of bounds" at the edge; glmstat reaches the same estimates and reports the boundary optimum -- not
    separation: a level of successes fitted at a probability of 1 by the identity link, at eta = 1, was reported
    as quasi-complete separation whose estimates are infinite."""
    ref = R["boundary"][case]
    assert ref["converged"] and any("boundary" in w or "numerically 0" in w or "out of bounds" in w
                                    for w in ref["warnings"])
    formula, family, start, max_iter = BOUNDARY[case]
    data = DATA.assign(y1=np.where(DATA["g3"] == "C", 1.0, DATA["y0"]))
    fit, caught = fit_caught(formula, data, family=family(), start=start, max_iter=max_iter)
    said = [str(w.message) for w in caught if issubclass(w.category, gs.BoundaryWarning)]
    assert any("the estimate is on the boundary of the parameter space" in m for m in said), said
    assert fit.separation is None and not [w for w in caught if issubclass(w.category, gs.SeparationWarning)]
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)


@pytest.mark.parametrize("case", ["poisson", "negbin", "binomial"])
def test_streamed_rows_settled_on_the_edge_are_no_boundary_either(case, tmp_path, row_group_by_row_group):
    """The same fits from a Parquet file of row groups of 5 rows (every check a pass over the blocks): R's
    estimates, no warning."""
    pytest.importorskip("pyarrow")
    ref = R[case]
    path = tmp_path / "settled.parquet"
    DATA.to_parquet(path, row_group_size=5)
    fit, caught = fit_caught(ref["formula"], str(path), family=FAMILIES[ref["family"]]())
    assert caught == [], [str(w.message) for w in caught]
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, ref["deviance"], rtol=1e-6)


def test_a_variance_that_vanishes_faster_than_the_mean_keeps_the_boundary_warning():
    """quasi(variance = "mu^2") with the sqrt link: a zero count's quasi-likelihood is -log(mu), unbounded as the
    level's mean goes to 0, and its score term 2 eta (0 - eta^2) / eta^4 = -2 / eta diverges there (V has no
    simple zero at 0, so no limit is taken): the fit stops on the edge with the score equations failing, and
    says so.  (R's glm stops where its deviance, 2 max(log(mu) - 1, 0) at y = 0, no longer changes.)"""
    fit, caught = fit_caught("count ~ g4", DATA, family=gs.Quasi(link="sqrt", variance="mu^2"))
    said = [str(w.message) for w in caught if issubclass(w.category, gs.BoundaryWarning)]
    assert any("the score equations do not hold there" in m for m in said), [str(w.message) for w in caught]



@pytest.mark.parametrize("case", CASES)
def test_at_r_default_control_a_level_settling_on_the_edge_is_converged_and_silent(case, tmp_path,
                                                                                    row_group_by_row_group):
    """convergence="R" stops where R's default glm.control stops (R's iterations and estimates), with the level's
    means still ~1e-9 from 0 and its coefficient 1e-5 of its size from the optimum: Fisher scoring halves that
    level's eta at every step, removing deviance below R's tolerance.  R says converged and nothing more; glmstat
    warned "the estimates are still moving".  The step with those rows taken at the edge moves nothing else, so
    it is silent too, in memory and from Parquet row groups."""
    ref = R[case]
    default = ref["default"]
    assert default["converged"] and ref["default_warnings"] == [] and default["min_fitted"] < 1e-8
    path = tmp_path / "settled.parquet"
    DATA.to_parquet(path, row_group_size=5)
    fits = {}
    for name, data in (("memory", DATA), ("parquet", str(path))):
        fit, caught = fit_caught(ref["formula"], data, family=FAMILIES[ref["family"]](), convergence="R")
        assert caught == [], (name, [str(w.message) for w in caught])
        assert fit.converged, name
        fits[name] = fit
    np.testing.assert_allclose(fits["parquet"].coef, fits["memory"].coef, rtol=1e-8)
    if case == "negbin":  # (glm.nb alternates theta and refits on a path of its own: see README)
        return
    fit = fits["memory"]
    assert fit.iterations == default["iter"]
    np.testing.assert_allclose(fit.coef, default["coefficients"], rtol=1e-6)
    np.testing.assert_allclose(fit.std_errors, default["std_errors"], rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, default["deviance"], rtol=1e-8)


def test_at_r_default_control_what_else_still_moves_is_said():
    """Beside the settling level, heavy-tailed counts whose sqrt-link fit R's default control stops short of the
    optimum: x is 8e-4 of its standard error from the exact estimate (R's own fits at both controls), so R mode
    still says so, naming x -- the rows taken at the edge silence only their own approach to it."""
    ref = R["slow_beside"]
    assert ref["default_converged"] and ref["default_warnings"] == [] and ref["converged"]
    away = np.abs(np.subtract(ref["default_coefficients"], ref["coefficients"]))
    assert away[-1] / max(abs(ref["coefficients"][-1]), ref["std_errors"][-1]) > 1e-4
    with pytest.warns(gs.ConvergenceWarning, match=r"still moving: one more Fisher scoring step would change x by"):
        fit = gs.glm(ref["formula"], DATA, family=gs.Poisson(link="sqrt"), convergence="R")
    assert fit.converged and fit.iterations == ref["default_iter"]
    np.testing.assert_allclose(fit.coef, ref["default_coefficients"], rtol=1e-6)
