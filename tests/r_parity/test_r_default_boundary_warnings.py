"""``convergence="R"`` says what R's glm says when it stops at the boundary of the domain.

Sqrt-link Poisson and quasi-Poisson counts, ``yc ~ g + h`` and ``yc ~ g + x`` with one level of g whose counts are
all 0: that level's rows cannot all sit at their optimum, eta = 0, at once, so Fisher scoring pushes some of them
across 0 and R's glm.fit halves the step back into the domain -- at its last iteration too, so that it ends with
"algorithm stopped at boundary value" (``m$boundary`` TRUE).  glmstat stopped at R's estimates but warned that they
were "still moving" (one more Fisher step would change h[T.w] by 0.25 of its size: a step out of the domain).  It
now gives a BoundaryWarning that the algorithm stopped at the boundary.  Where R's default fit stops silent but
short of its own exact fit (``yn ~ g + x``: 4.9e-6 of a standard error), "still moving" stays.  A Gamma
identity-link fit that R ends not converged after halving its last step for a non-finite deviance said only
"did not converge"; it says that it stopped at the boundary too.  R's numbers: tests/fixtures/r_default_boundary
(scripts/make_r_default_boundary.R).

A log-link binomial fit whose every step R halves back inside, towards an optimum on the edge: a later step that
leaves the domain by more than the rounding of eta, however little, is halved as R halves it, not moved back
inside as a rounding overshoot (the paths parted at iteration 16).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "r_default_boundary"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
FAMILIES = {"poisson": gs.Poisson, "quasipoisson": gs.QuasiPoisson}
STOPPED = [c for c in R if R[c].get("family") in FAMILIES and R[c]["boundary"]]  # (the sqrt-link counts)


def fit_caught(ref: dict, data=DATA, convergence: str = "R"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(ref["formula"], data, family=FAMILIES[ref["family"]](link="sqrt"), convergence=convergence)
    return fit, [w for w in caught if issubclass(w.category, gs.GLMStatWarning)]


def test_the_fixture_has_fits_r_stops_at_the_boundary_and_one_it_stops_short():
    assert sorted(STOPPED) == ["poisson_g_h", "poisson_g_x", "quasipoisson_g_h", "quasipoisson_g_x"]
    for case in STOPPED:
        assert "glm.fit: algorithm stopped at boundary value" in R[case]["warnings"]
        assert R[case]["converged"] and R[case]["min_fitted"] < 1e-15
    near = R["poisson_near"]
    assert near["converged"] and not near["boundary"] and near["warnings"] == []


@pytest.mark.parametrize("case", STOPPED)
def test_a_fit_r_stops_at_the_boundary_warns_so(case):
    ref = R[case]
    fit, caught = fit_caught(ref)
    said = [(w.category, str(w.message)) for w in caught]
    assert [c for c, _ in said] == [gs.BoundaryWarning], said
    msg = said[0][1]
    assert msg.startswith("the algorithm stopped at the boundary of the parameter space: the last iteration's step "
                          "left the region of valid means"), msg
    assert "algorithm stopped at boundary value" in msg and "still moving" not in msg
    # the rows held at the edge are named, and the step still to go leaves the domain as the halved one did
    assert " at the edge of the " in msg and "and would leave the domain too" in msg, msg
    assert fit.boundary and fit.converged and fit.iterations == ref["iter"]
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)
    np.testing.assert_allclose(fit.std_errors, ref["std_errors"], rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, ref["deviance"], rtol=1e-8)
    np.testing.assert_allclose(fit.dispersion, ref["dispersion"], rtol=1e-6)


@pytest.mark.parametrize("case", ["poisson_g_h", "quasipoisson_g_x"])
def test_streamed_rows_stopped_at_the_boundary_warn_the_same(case, tmp_path, row_group_by_row_group):
    """From a Parquet file of row groups of 7 rows (every check a pass over the blocks): the same estimates and
    the same warning."""
    pytest.importorskip("pyarrow")
    path = tmp_path / "boundary.parquet"
    DATA.to_parquet(path, row_group_size=7)
    memory, said_memory = fit_caught(R[case])
    streamed, said_streamed = fit_caught(R[case], str(path))
    assert [w.category for w in said_streamed] == [gs.BoundaryWarning]
    assert str(said_streamed[0].message) == str(said_memory[0].message)
    np.testing.assert_allclose(streamed.coef, memory.coef, rtol=1e-8)


def test_a_fit_r_stops_short_but_silent_still_says_it_moves():
    """R's default fit ends converged and silent 4.9e-6 of a standard error from its exact fit: no boundary was
    met, so glmstat still says the estimates are moving (and gives no BoundaryWarning)."""
    ref = R["poisson_near"]
    exact = np.asarray(ref["exact"]["coefficients"])
    away = np.abs(np.subtract(ref["coefficients"], exact)) / np.maximum(np.abs(exact), ref["std_errors"])
    assert away.max() > 1e-6
    fit, caught = fit_caught(ref)
    said = [(w.category, str(w.message)) for w in caught]
    assert [c for c, _ in said] == [gs.ConvergenceWarning], said
    assert "the estimates are still moving" in said[0][1]
    assert not fit.boundary and fit.iterations == ref["iter"]
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)


def test_a_fit_r_stops_unconverged_after_halving_for_a_non_finite_deviance_says_both():
    """Gamma, identity link, y ~ x + g: R halves its 25th step for a non-finite deviance (a mean below 0) and ends
    with "algorithm did not converge" and "algorithm stopped at boundary value"; glmstat said only the first.  The
    fitted means stay well inside (0.0065 at least), and so would the next step's: the warning says so."""
    ref = R["gamma_identity"]
    assert not ref["converged"] and ref["boundary"] and ref["iter"] == 25
    assert {"glm.fit: algorithm did not converge", "glm.fit: algorithm stopped at boundary value",
            "step size truncated due to divergence"} <= set(ref["warnings"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(ref["formula"], pd.read_csv(HERE / "gamma.csv"), family=gs.Gamma(link="identity"),
                     convergence="R")
    said = [(w.category, str(w.message)) for w in caught if issubclass(w.category, gs.GLMStatWarning)]
    assert [c for c, _ in said] == [gs.ConvergenceWarning, gs.BoundaryWarning], said
    assert said[0][1].startswith("IRLS did not converge in 25 iterations")
    msg = said[1][1]
    assert msg.startswith("the algorithm stopped at the boundary of the parameter space: the last iteration's step "
                          "left the region of valid means (or of a finite deviance) and was halved back into it"), msg
    assert "are at the edge" not in msg and "and stay inside the domain" in msg, msg
    assert fit.boundary and not fit.converged and fit.iterations == ref["iter"]
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)
    np.testing.assert_allclose(fit.std_errors, ref["std_errors"], rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, ref["deviance"], rtol=1e-8)
    np.testing.assert_allclose(fit.dispersion, ref["dispersion"], rtol=1e-6)


LOG_BINOMIAL = pd.read_csv(HERE / "log_binomial.csv")


def _log_binomial_fit(rows=LOG_BINOMIAL, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm("y ~ x", rows, family=gs.Binomial(link="log"), start=[-2.0, 0.1], **kw)
    return fit, [(w.category, str(w.message)) for w in caught if issubclass(w.category, gs.GLMStatWarning)]


def test_a_real_overshoot_of_the_edge_is_halved_as_r_halves_it():
    """Log-link binomial, y ~ x, x = 1..10, start = c(-2, 0.1): the optimum puts row x = 10 on the edge (eta = 0),
    and R halves every step back inside.  At iteration 16 the iterate is 3.7e-15 from the edge and the step
    leaves it by 1.1e-14 (26 units of the rounding of eta): glmstat moved it back inside as a rounding overshoot
    (2^-40 of the way to the starting coefficients was enough), where R halves it three times, and the paths
    parted (R: -0.95456 at 16, glmstat -0.93598).  R's path and its fit at maxit = 17.  (How many halvings bring
    the step at 16 inside is rounding again: two land 3e-17 from the edge; R, and glmstat's QR solve on an AVX-512
    processor, take three, glmstat's on an AVX2 one two -- landing at -0.95190, 0.28% from R's -- after which its
    step at 17 stays inside unhalved.  Where glmstat's halvings at 16 are R's three, its path and fit are R's to 1e-8;
    where they are two, the path is R's to 1e-8 up to 15 and the step at 16 is halved, not moved back inside.)"""
    ref = R["log_binomial_maxit17"]
    assert ref["boundary"] and not ref["converged"] and ref["iter"] == 17 and ref["max_fitted"] == 1
    fit, said = _log_binomial_fit(convergence="R", max_iter=17)
    path = fit.trace.set_index("iteration").loc[ref["path_iterations"], ["Intercept", "x"]].to_numpy()
    halved_at_16 = int(fit.trace.set_index("iteration").loc[16, "halvings"])
    assert halved_at_16 in (2, 3)
    as_r = halved_at_16 == 3
    upto = len(path) if as_r else ref["path_iterations"].index(16)
    np.testing.assert_allclose(path[:upto], np.asarray(ref["path"])[:upto], rtol=1e-8)
    np.testing.assert_allclose(path[upto:upto + 1], np.asarray(ref["path"])[upto:upto + 1], rtol=1e-8 if as_r else 5e-3)
    # (where the step at 17 stayed inside unhalved, glmstat's fit did not stop at the boundary, R's did)
    assert fit.iterations == ref["iter"] and not fit.converged and fit.boundary == as_r
    assert said[0][0] is gs.ConvergenceWarning and said[0][1].startswith("IRLS did not converge in 17 iterations")
    if not as_r:
        return
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-8)
    np.testing.assert_allclose(fit.std_errors, ref["std_errors"], rtol=1e-8)
    np.testing.assert_allclose(fit.deviance, ref["deviance"], rtol=1e-8)
    # R: "algorithm did not converge", and "algorithm stopped at boundary value" with "fitted probabilities
    # numerically 0 or 1" (a log-link mean of 1): glmstat's BoundaryWarning names the row on the edge
    assert {"glm.fit: algorithm did not converge", "glm.fit: algorithm stopped at boundary value",
            "glm.fit: fitted probabilities numerically 0 or 1 occurred"} <= set(ref["warnings"])
    assert [c for c, _ in said] == [gs.ConvergenceWarning, gs.BoundaryWarning], said
    assert said[0][1].startswith("IRLS did not converge in 17 iterations")
    assert said[1][1].startswith("the estimate is on the boundary of the parameter space: the fitted mean of 1 "
                                 "row (row 9) is at the edge of the binomial family's domain (0, 1), which the "
                                 "log link reaches"), said[1][1]
    # R halved every one of its 17 steps ("step size truncated" 17 times), and so does glmstat
    assert ref["halved"] == 17 and (fit.trace["halvings"] > 0).all()


def test_where_the_overshoots_are_rounding_r_s_default_fit_depends_on_the_order_of_the_rows():
    """From iteration 18 the same fit's steps leave the domain by 2e-16, the rounding of eta, and R halves them
    3 to 7 times as the last bits of its QR fall: its default fit (25 iterations, not converged) ends 2.2e-3
    apart for the same rows read in another order, so it is no reference to 1e-8.  glmstat moves such steps
    back inside, and its fits in the three orders agree to 1e-5 (the size of the step still to go)."""
    ends = {name: np.asarray(r["coefficients"]) for name, r in R["log_binomial_default"].items()}
    assert all(not r["converged"] and r["iter"] == 25 for r in R["log_binomial_default"].values())
    r_spread = max(np.max(np.abs(a - b) / np.abs(b)) for a in ends.values() for b in ends.values())
    assert r_spread > 2e-3
    fits = [_log_binomial_fit(LOG_BINOMIAL.iloc[np.asarray(r["rows"]) - 1].reset_index(drop=True),
                              convergence="R")[0].coef.to_numpy() for r in R["log_binomial_default"].values()]
    spread = max(np.max(np.abs(a - b) / np.abs(b)) for a in fits for b in fits)
    assert spread < 1e-5
