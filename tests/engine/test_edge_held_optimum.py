"""Optima on the edge of the mean domain with a row held there.

Random cases (``make_random_cases.py`` seeds 759 and 760, then 510 and 622) whose optimum has rows with y = 0
fitted at a mean of 0, the edge the identity link reaches at eta = 0, where raising that mean raises the deviance:

* s759_0031, Tweedie p = 1.5: the row's unit deviance 4 mu^(1/2) rises infinitely fast at 0 (its Fisher weight
  mu^-1.5 grows without bound), an edge the engine's edge approach did not know (``variance_zeros`` holds only
  the simple zeros of V).  A Fisher step puts the row at a mean of 2e-16, where its weight 3.5e23 makes the factor
  set aside two columns the estimate uses; the loop stopped there as at a run-off: "did not converge" at a
  deviance of 25.5602, 0.17 above the optimum's 25.3902412314 (R's refits reach 25.39024132).  Now Newton steps
  holding the row there, measured against the factor without its weight (``EdgeMoves.hold_on_steep_edge``), go on to
  the optimum.  The row stays at the rounding of its linear predictor (a mean of about 1e-15; 0 itself is outside
  the deviance's domain, 0 * inf), whose unit deviance 4 mu^(1/2), about 1e-7, is the fit's only distance from
  R's: the other rows' deviance is compared to 1e-10, the whole to 1e-8;
* s510_0212 (two rows held) and s622_0079 (an aliased column: the held factor is on the kept columns), Tweedie
  p = 1.5 too, the same way from 22.6725 and 17.6408 without convergence; their coefficients, about 60, round
  x'beta at 1e-14, so the held rows' means (3e-14, 1.5e-13) add 3e-8 and 8e-8 of the deviance;
* s760_0255, negative binomial theta = 0.7: scoring creeps to the edge at a linear rate, the row's growing weight
  makes its steps read as the rounding of the solve (condition 3e9), and the edge step finished the approach with
  the other coefficients unsettled: the fit ended 3e-3 away from the optimum in poly(x1, 3, raw = TRUE)[1] with a
  ConvergenceWarning that claimed 8.6e-6, the row's mean at 6e-15 (the rounding of its linear predictor, outside
  the 10 eps at which the engine counts it on the edge), and no BoundaryWarning.  Newton steps holding the rows
  near the edge now go on from the edge step (``EdgeMoves.hold_on_edge``).

R 4.2 (fixtures/edge_held_optimum, by its make_edge_held_optimum.R): the fit of the other rows on the set where
the held rows' linear predictors are 0, and its unscaled covariance carried back to the coefficients (the limit
of (X'WX)^-1 as the held rows' weights grow).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, held_out_source, r_array

HERE = FIXTURES / "edge_held_optimum"
REF = json.loads((HERE / "ref.json").read_text())
TWEEDIE = gs.Tweedie(var_power=1.5, link_power=1.0)
FAMILIES = {"s759_0031": TWEEDIE, "s760_0255": gs.NegativeBinomial(theta=0.7, link="identity"),
            "s510_0212": TWEEDIE, "s622_0079": TWEEDIE}
#: The whole deviance's tolerance: the held rows' unit deviances at the rounding of their linear predictors.
DEVIANCE_RTOL = {"s759_0031": 1e-8, "s760_0255": 1e-10, "s510_0212": 1e-7, "s622_0079": 2e-7}


def _check(fit, said, case_id):
    ref = REF[case_id]
    assert fit.converged
    assert gs.BoundaryWarning in said and gs.ConvergenceWarning not in said
    held = np.atleast_1d(ref["held_row"]) - 1
    # on the edge to the rounding of x'beta, and the other rows' deviance R's
    assert np.all(fit.fitted_values.to_numpy()[held] < 1e-12)
    others = fit.deviance - np.sum(fit.residuals("deviance").to_numpy()[held] ** 2)
    assert_close([others], [ref["deviance"]], rtol=1e-10)
    assert_close([fit.deviance], [ref["deviance"]], rtol=DEVIANCE_RTOL[case_id])
    assert_close(fit.coef, ref["coefficients"], rtol=1e-6)
    # the covariance at the estimate: the held rows' weights make (X'WX)^-1 the inverse information on the edge
    want = r_array(ref["cov_unscaled"])
    assert_close((fit.vcov.to_numpy() / fit.dispersion).ravel(), want.ravel(), rtol=1e-6,
                 atol=1e-6 * np.nanmax(np.abs(want)))


@pytest.mark.parametrize("case_id", sorted(REF))
def test_reaches_the_optimum_held_on_the_edge(case_id):
    ref = REF[case_id]
    data = pd.read_csv(HERE / f"{case_id}.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(ref["formula"], data, family=FAMILIES[case_id], tol=1e-12, max_iter=100)
    _check(fit, {w.category for w in caught}, case_id)


@pytest.mark.parametrize("case_id", sorted(REF))
@pytest.mark.parametrize("path", ["structured blocks", "parquet"])
def test_the_same_on_the_structured_path_and_from_parquet(case_id, path, monkeypatch, tmp_path):
    """On the other side of the design's size thresholds (the structured design, passes over blocks of 16 rows)
    and read from a Parquet file in row groups of 8 rows: the held Newton steps and the held factor fold over the
    blocks."""
    ref = REF[case_id]
    source = held_out_source(pd.read_csv(HERE / f"{case_id}.csv"), "parquet" if path == "parquet" else "blocks",
                             tmp_path, monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(ref["formula"], source, family=FAMILIES[case_id], tol=1e-12, max_iter=100)
    _check(fit, {w.category for w in caught}, case_id)
