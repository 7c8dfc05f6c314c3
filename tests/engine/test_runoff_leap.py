"""A run-off that is not the fit's answer (held-out random case s751_0318; R's numbers in
tests/fixtures/random_held_out/runoff_leap.json, made by ``scripts/make_runoff_leap.R``).

``y ~ x1 + I(x2^2) - 1`` with the Gaussian inverse link: scoring runs off (coefficients -3.5e6 and 83871 at
iteration 13, every mean but row 1's running to 0), its deviance falling to the limit sum_{i != 1} y_i^2 = 35046.60.
Under working weights mu^4 of 5e-31 R's QR then pivots I(x2^2) out, glm.fit gives it 0 (a leap to a deviance of
6.2e8 at iteration 14) and descends from there to an interior optimum, 33725.12.  glmstat stopped at the run-off
("did not converge", 35046.5987) and its convergence="R" kept I(x2^2) aliased after the leap (33986.29 where R
prints 33740.39).  The deviance has other interior optima, lower still (29319.36): each start finds its own, as R's.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_double

HERE = FIXTURES / "random_held_out"
REF = json.loads((HERE / "runoff_leap.json").read_text())
DATA = pd.read_csv(HERE / "data" / "s751_0318.csv")
FORMULA = "y ~ x1 + I(x2^2) - 1"


def hexes(values) -> np.ndarray:
    return np.array([np.nan if v is None else r_double(v) for v in values])


def fit(**kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", gs.GLMStatWarning)
        out = gs.glm(FORMULA, DATA, family=gs.Gaussian(link="inverse"), **kw)
    return out, [w.category for w in caught]


def test_the_exact_fit_leaps_out_of_the_run_off_to_r_s_optimum():
    res, said = fit(tol=1e-12, max_iter=100)
    at_r = REF["optima"][0]  # (R's fit from (1, 0), carried to the optimum by single Fisher steps)
    assert res.converged and gs.ConvergenceWarning not in said
    assert_close(res.coef, hexes(at_r["coefficients"]), rtol=1e-8)
    assert res.deviance == pytest.approx(r_double(at_r["deviance"]), rel=1e-12)
    # R's own fit at epsilon 1e-12 stopped 6.5e-6 short of it, its deviance the same to 1e-12
    assert res.deviance == pytest.approx(r_double(REF["tight"]["deviance"]), rel=1e-12)
    # below the run-off's limit, which R's deviance at iteration 13 approaches (and glmstat's with it)
    limit = r_double(REF["run_off_limit"])
    assert limit == pytest.approx(float(np.sum(DATA.y[1:] ** 2)), rel=1e-15)
    r13, r14 = (r_double(REF["default"]["iterations"][k]["deviance"]) for k in (12, 13))
    assert res.deviance < limit < r13 < limit * (1 + 1e-8)
    # the leap is R's iteration 14 (the column R's QR pivoted out at 0: NA, as R's coef() at maxit = 14), and the fit
    # from it lands R's way
    trace = res.trace
    assert trace.deviance[12] == pytest.approx(r13, rel=1e-10)
    assert trace.deviance[13] == pytest.approx(r14, rel=1e-7)
    assert np.isnan(trace["I(x2^2)"][13]) and not np.isnan(trace["I(x2^2)"][12])


def test_at_the_default_control_neither_converges():
    # R stops unconverged at 25 iterations; the fit from the leap has 11 left and does not converge in them
    res, said = fit()
    assert not REF["default"]["converged"] and REF["default"]["iter"] == 25
    assert not res.converged and gs.ConvergenceWarning in said


def test_convergence_r_follows_r_s_leap_and_r_s_qr_afterwards():
    # R's QR pivots afresh every iteration: I(x2^2), out at iteration 14 only, is back at 15
    res, _ = fit(convergence="R")
    ref = REF["default"]
    assert res.iterations == ref["iter"] == 25 and not res.converged
    assert_close(res.coef, hexes(ref["coefficients"]), rtol=1e-7)
    assert res.deviance == pytest.approx(r_double(ref["deviance"]), rel=1e-9)
    assert_close(res.trace.deviance, hexes([it["deviance"] for it in ref["iterations"]]), rtol=1e-7)
    # each iterate's coefficients, NA where the QR that made it pivoted the column out (iteration 14's, R's), not
    # where the factor at the iterate does (iteration 13's, which the trace marked before)
    got = res.trace[["x1", "I(x2^2)"]].to_numpy()
    want = np.array([hexes(it["coefficients"]) for it in ref["iterations"]])
    assert np.isnan(want[13, 1]) and np.isnan(want).sum() == 1
    assert_close(got, want, rtol=1e-7)


@pytest.mark.parametrize("k", range(len(REF["optima"])))
def test_each_start_finds_r_s_optimum_there(k):
    opt = REF["optima"][k]
    res, said = fit(tol=1e-12, max_iter=100, start=opt["start"])
    assert res.converged and gs.ConvergenceWarning not in said
    assert_close(res.coef, hexes(opt["coefficients"]), rtol=1e-8)
    assert res.deviance == pytest.approx(r_double(opt["deviance"]), rel=1e-12)
