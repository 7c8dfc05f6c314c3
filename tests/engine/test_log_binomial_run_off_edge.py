"""A log-binomial run-off whose rows of 1s are held at the edge to the rounding of their linear predictor.

Random case s792_0191 (``y ~ exp(x2/5) + g1 + g2/x1 + x2*g1``, 28 rows) has no maximum-likelihood estimate: a
direction d with X d = 0 on 11 rows and X d < 0 on 17 rows of 0s sends those means to 0 while 5 rows of 1s stay at
the edge eta = 0, so the deviance falls towards an infimum no finite coefficients reach.  Fisher scoring runs off
along d; by iteration 24 the coefficients are 2000 and x'beta rounds to 4.5e-13, and the rows of 1s sit one or two
such units below 0.  The next step carries them across the edge, and halving it towards the estimate leaves them
at 0 (mu = 1, outside the open binomial domain) by the rounding of x'beta however small it gets: with max_iter 25
glmstat raised "step-halving exhausted after 25 halvings at iteration 25", where with max_iter 1000 its halving
went on until no representable part of the step was left and the fit stopped at the boundary (3.99268196817).  A
halved step that leaves the domain only by the rounding of the linear predictor now stops there too.

R 4.2 (fixtures/log_binomial_run_off_edge, made by fixtures/scripts/make_log_binomial_run_off_edge.R): the
infimum 3.99267559717021 (the 6 interior rows' fit on the null space of the held rows, R's glm polished by Newton
steps; the held rows' multipliers 1.77 to 2.00, all pulling across the edge; the 17 rows' deviance along
b* + t d falls to 9e-5 by t = 73), and R's own run-off: unconverged at maxit 25 (3.99272310167), converged at maxit
100 (3.99267577952, 34 iterations), unconverged at epsilon 1e-14 (3.99268838165 after 1000).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "log_binomial_run_off_edge"
R = json.loads((HERE / "r.json").read_text())
FORMULA = "y ~ exp(x2/5) + g1 + g2/x1 + x2*g1"


def _fit(**kw):
    data = pd.read_csv(HERE / "data.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(FORMULA, data, family=gs.Binomial(link="log"), **kw)
    return fit, [w.category for w in caught]


@pytest.mark.parametrize("max_iter", [25, 1000])
def test_the_run_off_stops_at_the_edge_and_is_reported_separated(max_iter):
    fit, categories = _fit(max_iter=max_iter)  # (raised FitError at max_iter 25)
    assert gs.SeparationWarning in categories
    assert fit.separation is not None and not fit.separation.complete
    assert fit.boundary
    # a point of the run-off: above the infimum, which no finite estimate reaches, and below R's run-off at
    # max_iter 25 (its deviance is where the rounding of x'beta stops the run-off, not an estimate of anything)
    assert R["infimum"] < fit.deviance < R["runs"][0]["deviance"]
    assert fit.deviance - R["infimum"] < 1e-5


@pytest.mark.parametrize("tol", [1e-8, 1e-12])
def test_the_run_off_takes_the_same_steps_at_any_max_iter(tol):
    """max_iter only says where the run-off is cut short: the fit at 25 iterations is the first 25 of the fit at
    1000 (at the same tol), and where the run-off stops before max_iter (the rounding of x'beta leaving no step
    inside the domain), it stops at the same point at 100 and at 1000.

    (It asserted that the fit at max_iter 25 stops where the fit at 1000 and tol 1e-12 does, to 1e-12.  Where and
    when the run-off stops is set by the rounding of x'beta, not by the data: on an AVX2 processor glmstat's run-off
    is still going at iteration 25 (3.99268120879) and stops at iteration 42 (3.99267560731, tol 1e-12; at 32,
    3.99267645134, at tol 1e-8), with OpenBLAS's Sandybridge or Prescott kernels at 28 (3.99267560374,
    3.99267560306), and on an AVX-512 processor before 25.  R's own run-off is unconverged at maxit 25
    (3.99272310167), converged only at iteration 34 at maxit 100 (3.99267577952), and at epsilon 1e-14 still going
    after 1000 iterations, higher (3.99268838165): ``runs`` of r.json.)"""
    short, _ = _fit(tol=tol)
    long, _ = _fit(max_iter=1000, tol=tol)
    mid, _ = _fit(max_iter=100, tol=tol)
    assert [r["iter"] for r in R["runs"]] == [25, 34, 1000] and R["runs"][2]["deviance"] > R["runs"][1]["deviance"]
    n = len(short.trace)
    assert n <= len(long.trace) and short.iterations <= 25
    np.testing.assert_allclose(short.trace.to_numpy(), long.trace.to_numpy()[:n], rtol=1e-12)
    assert long.iterations < 100 and long.boundary
    np.testing.assert_allclose(mid.deviance, long.deviance, rtol=1e-12)
    np.testing.assert_allclose(mid.coef.to_numpy(), long.coef.to_numpy(), rtol=1e-12)
    if short.iterations == 25 and not short.converged:  # (cut short before the stop: not past it)
        assert short.deviance >= long.deviance
    else:  # (stopped before max_iter: there)
        np.testing.assert_allclose(short.deviance, long.deviance, rtol=1e-12)
