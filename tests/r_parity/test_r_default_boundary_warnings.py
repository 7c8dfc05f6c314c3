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
STOPPED = [c for c in R if R[c]["boundary"] and R[c]["family"] != "Gamma"]


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
