"""Fisher scoring that oscillates about an interior optimum while fitted means sit at the link's clamp.

A weighted probit fit (27 rows of a held-out random case): scoring turns back at every step, at a rate near
-0.985, with 6 fitted means numerically 0 or 1 (5 linear predictors beyond R's clamp, qnorm(eps)).  R's glm
stops unconverged at its default control and at epsilon = 1e-12, maxit = 100; glmstat stopped too, 3e-4
standard errors short of the optimum, because the rescue's Newton steps were not tried while means were on the
edge of the domain (there, a linear predictor that keeps moving is read as separation).  Steps that keep turning
back are no divergence, which moves one way: the rescue now finishes such a fit at the optimum.

R 4.2 (fixtures/clamp_oscillation, make_clamp_oscillation.R): the optimum by half Fisher steps of R's own glm
from its estimate, until the step is at rounding; summary.glm's standard errors there.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.design.policy import MAX_BLOCK_ROWS

HERE = FIXTURES / "clamp_oscillation"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
FAMILY = gs.Binomial(link="probit")


def _fit(data, repeats=1, **control):
    """The fit, and its warnings: non-integer successes (one row's weight x response is 0.5) and the fitted
    means numerically 0 or 1, R's two warnings besides its non-convergence."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(R["formula"], data, family=FAMILY, weights=R["weights"], **control)
    found = {(w.category, str(w.message).split(" (")[0].split(":")[0]) for w in caught}
    assert (gs.DataWarning, "non-integer number of successes") in found
    assert (gs.BoundaryWarning, f"fitted probabilities numerically 0 or 1 in {repeats * R['n_extreme']} rows") in found
    return fit, caught


@pytest.mark.parametrize("control", [{}, {"tol": 1e-12, "max_iter": 100}], ids=["default", "tight"])
def test_the_exact_fit_reaches_the_optimum(control):
    assert not R["default_converged"] and not R["tight_converged"]
    fit, caught = _fit(DATA, **control)
    assert fit.converged and not any(w.category is gs.ConvergenceWarning for w in caught)
    np.testing.assert_allclose(fit.coef.to_numpy(), R["coefficients"], rtol=1e-7)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), R["std_errors"], rtol=1e-7)
    np.testing.assert_allclose([fit.deviance, fit.null_deviance], [R["deviance"], R["null_deviance"]], rtol=1e-10)


def test_convergence_r_stops_unconverged_where_r_does():
    fit, caught = _fit(DATA, convergence="R")
    assert any(w.category is gs.ConvergenceWarning and "did not converge in 25 iterations" in str(w.message)
               for w in caught)
    assert not fit.converged and fit.iterations == R["default_iterations"]
    np.testing.assert_allclose(fit.coef.to_numpy(), R["default_coefficients"], rtol=1e-8)


def test_a_parquet_file_gives_the_same_fit(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "rows.parquet"
    DATA.to_parquet(path, row_group_size=10, index=False)
    fit, _ = _fit(str(path))
    assert fit.converged
    np.testing.assert_allclose(fit.coef.to_numpy(), R["coefficients"], rtol=1e-7)


def test_the_rows_repeated_past_one_block_give_the_same_optimum():
    """The 27 rows 2,500 times over (67,500 rows: two blocks of a pass, MAX_BLOCK_ROWS): Fisher scoring's iterates
    are the same (every weight times 2,500), so the fit oscillates alike and reaches R's coefficients, its
    standard errors R's over sqrt(2500) and its deviance 2,500 times R's."""
    fit, _ = _fit(pd.concat([DATA] * 2500, ignore_index=True), repeats=2500)
    assert 2500 * len(DATA) > MAX_BLOCK_ROWS
    assert fit.converged
    np.testing.assert_allclose(fit.coef.to_numpy(), R["coefficients"], rtol=1e-7)
    np.testing.assert_allclose(fit.std_errors.to_numpy() * 50, R["std_errors"], rtol=1e-7)
    np.testing.assert_allclose(fit.deviance, 2500 * R["deviance"], rtol=1e-10)
