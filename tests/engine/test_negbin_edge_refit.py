"""NegativeBinomial() (theta estimated, identity link) whose optimum holds a mean on the edge 0 of the domain.

The IRLS fit at one theta ends with that row's mean a few ulps above 0 (the step constrained to the edge,
:mod:`glmstat.engine.edge_approach`), and the theta loop refits from there at the next theta.  The Fisher step of
that refit pushes the row across the edge by far more than step-halving can bring back: the fit failed ("step-halving
exhausted after 25 halvings at iteration 1"), as R's glm() does from the same start ("inner loop 1; cannot correct
step size").  The refit now takes the step that holds the row on the edge.

R 4.2 (fixtures/negbin_edge_refit, make_negbin_edge_refit.R): MASS::glm.nb refuses the model; at the theta glmstat
reports, R's glm() with negative.binomial(theta) gives the coefficients and deviance, and theta.ml() at its means
gives the same theta back (the fixed point of glm.nb's alternation).  The alternation has a lower fixed point too
(``lower``: theta 1.4809118, log-likelihood -80.65659 against -80.65643), where glmstat stopped while the Newton
steps holding rows on the edge ran only after polishing stopped at rounding; at its own theta R's glm() started from
the higher estimate finds a deviance 3e-4 lower, so it is no optimum.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "negbin_edge_refit"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
FORMULA = "y ~ poly(x2, 2, raw = TRUE) + b + g2"


@pytest.mark.parametrize("tol, max_iter", [(1e-8, 25), (1e-12, 25), (1e-12, 100)])
def test_refit_from_a_mean_on_the_edge_reaches_rs_fixed_point(tol, max_iter):
    """(max_iter bounds the halvings too: the default's 25 left the row across the edge, 100 brought it back)"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(FORMULA, DATA, family=gs.NegativeBinomial(link="identity"), weights="w", tol=tol,
                     max_iter=max_iter)
    assert fit.converged and fit.nobs == R["nobs"]
    np.testing.assert_allclose(fit.theta, R["theta_ml"], rtol=1e-6)
    # (g2[T.L2] is -1e-5, 1e-5 of the others: theta.ml's theta, 1e-8 from glmstat's, moves it by 5e-11)
    np.testing.assert_allclose(fit.coef.to_numpy(), R["coefficients"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fit.deviance, R["deviance"], rtol=1e-8)
    assert fit.fitted_values.min() < 1e-12  # (R: 6.9e-18) the row on the edge
    assert R["loglik"] > R["lower"]["loglik"] and R["lower"]["deviance_from_higher"] < R["lower"]["deviance"]
    np.testing.assert_allclose(fit.loglik, R["loglik"], rtol=1e-8)
    assert any(issubclass(w.category, gs.BoundaryWarning) for w in caught)


def test_refit_at_a_stalled_theta_goes_on_to_the_optimum_on_the_edge():
    """Where glmstat's alternation stopped on an AVX2 processor (``stalled``: theta 1.48407827316, rows 25 and 26 of
    the complete cases at 0, row 31 at 4.3e-10, deviance 57.3195238417, the rows on the edge not holding the
    score: the boundary diagnosis read a relative score of 0.21) the refit at that theta from there stopped: its
    Newton steps holding the rows near the edge carried row 46 (a count of 0 at 1.3e-3) across the edge, were
    halved six times a step, approached it only geometrically and were given up at 57.2892 as not shrinking.  A
    held step is now cut where it brings that row to the edge, and the next one holds it there: R's optimum at that
    theta (glm() from the higher estimate, rows 25 and 46 at 0, its deviance test 2e-5 short in the coefficients:
    ``polished`` by Newton's steps holding those rows there, 57.2887356738046).  R's glm() from the stalled
    coefficients at its default control stops at once (its deviance test met at 57.3195238415)."""
    st = R["stalled"]
    assert st["glm_from_start"]["converged"] and st["glm_from_start"]["deviance"] > st["deviance"] + 1e-2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm(FORMULA, DATA, family=gs.NegativeBinomial(theta=st["theta"], link="identity"), weights="w",
                     start=st["start"])
    assert fit.converged
    np.testing.assert_allclose(fit.deviance, st["polished"]["deviance"], rtol=1e-12)  # (was 57.3195238381)
    np.testing.assert_allclose(fit.coef.to_numpy(), st["polished"]["coefficients"], rtol=1e-8, atol=1e-12)
    assert st["deviance"] > st["polished"]["deviance"] and st["held"] == st["polished"]["held"]
    held = np.flatnonzero(fit.fitted_values.to_numpy() < 1e-12) + 1
    assert held.tolist() == st["held"]
