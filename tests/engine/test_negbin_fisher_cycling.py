"""Fisher scoring that moves away from an optimum it starts next to: the fit still ends at the optimum.

On these 33 counts (one of 186) the negative binomial fit at theta = 0.22 has Fisher scoring unstable at its
optimum: from a start 1e-6 away each step is about 3 times the one before, while the deviance moves by the
square of the steps, too little to count as the rise that sends a cycling fit to Newton's steps.  Polishing
stopped at its patience limit, 250 times farther away than it started (with a ConvergenceWarning), and the
alternation of NegativeBinomial(), which restarts every refit from the previous coefficients, drifted away at
every refit until it gave up ("theta did not converge"); glm.nb fails too ("NA/NaN/Inf in 'x'").

R 4.2 (fixtures/negbin_fisher_cycling, make_negbin_fisher_cycling.R): the joint maximum by BFGS and Newton's
steps with the analytic score and Hessian; the coefficients' standard errors from the expected information,
SE(theta) as MASS's theta.ml reports it at those means.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "negbin_fisher_cycling"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


def quiet_fit(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.GLMStatWarning)  # an interior optimum, reached: nothing to warn about
        return gs.glm(R["formula"], DATA, **kw)


def test_glm_nb_fails_here():
    assert R["glm_nb_error"] and R["max_abs_score"] < 1e-10


def test_theta_estimated_reaches_the_joint_maximum():
    m = quiet_fit(family=gs.NegativeBinomial())
    assert m.converged
    np.testing.assert_allclose(m.theta, R["theta"], rtol=1e-8)
    np.testing.assert_allclose(m.theta_se, R["theta_ml_se"], rtol=1e-6)
    np.testing.assert_allclose(m.coef.to_numpy(), R["coefficients"], rtol=1e-8)
    np.testing.assert_allclose(m.std_errors.to_numpy(), R["std_errors"], rtol=1e-7)
    np.testing.assert_allclose([2 * m.loglik, m.aic, m.deviance], [R["twologlik"], R["aic"], R["deviance"]],
                               rtol=1e-9)


def test_a_start_next_to_the_optimum_ends_at_it():
    b = np.asarray(R["coefficients"])
    for offset in (1e-7, 1e-6, 1e-5):
        m = quiet_fit(family=gs.NegativeBinomial(theta=R["theta"]), start=b + offset)
        assert m.converged
        np.testing.assert_allclose(m.coef.to_numpy(), b, rtol=1e-8)
        np.testing.assert_allclose(m.std_errors.to_numpy(), R["std_errors"], rtol=1e-7)
