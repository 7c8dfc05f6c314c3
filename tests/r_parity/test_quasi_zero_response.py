"""quasi(variance = "mu^2") with zeros in the response, as R fits it: R's quasi() checks no response, and reads a
zero's deviance as pmax(-2 (log(1/mu) - (0 - mu)/mu), 0) = 2 max(log(mu) - 1, 0).  glmstat refused the model
("the response 'y' must lie in (0, inf) for the quasi family").

R's numbers: tests/fixtures/quasi_zero (make_quasi_zero.R on data.csv: 5 zeros among 60 costs; y_group is 0 in
every row of one level of g), at R's default control (convergence="R") and at epsilon = 1e-13 (the exact fit).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "quasi_zero"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


def fit_case(case: str, convergence: str) -> gs.GLMResults:
    ref = R[case]
    family = gs.Quasi(link=ref["link"], variance="mu^2")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.ConvergenceWarning)  # (R's stopping rule leaves the estimates moving)
        return gs.glm(ref["formula"], DATA, family=family, weights="w" if ref["weights"] else None,
                      convergence=convergence)


@pytest.mark.parametrize("case", ["log", "log_weights", "inverse"])
@pytest.mark.parametrize("convergence, control", [("exact", "exact"), ("R", "default")])
def test_zeros_fit_as_r(case, convergence, control):
    fit, ref = fit_case(case, convergence), R[case][control]
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)
    np.testing.assert_allclose(fit.std_errors, ref["std_errors"], rtol=1e-6)
    assert fit.deviance == pytest.approx(ref["deviance"], rel=1e-6)
    assert fit.null_deviance == pytest.approx(ref["null_deviance"], rel=1e-8)
    assert fit.dispersion == pytest.approx(ref["dispersion"], rel=1e-6)
    assert fit.df_residual == ref["df_residual"]
    if convergence == "R":
        assert fit.iterations == ref["iterations"]
        dispersion_line = next(ln for ln in ref["summary"] if ln.startswith("(Dispersion"))
        assert dispersion_line in str(fit.summary()).splitlines()


def test_zero_deviance_is_r_formula():
    mu = np.array([0.5, np.e, 10.0])
    got = gs.Quasi(link="log", variance="mu^2").unit_deviance(np.zeros(3), mu)
    np.testing.assert_allclose(got, [0.0, 0.0, 2 * (np.log(10.0) - 1)], rtol=1e-15, atol=1e-15)


def test_all_zero_group_is_separation_and_r_default_elsewhere():
    ref = R["zero_group"]["default"]
    with pytest.warns(gs.SeparationWarning, match=r"g\[T\.c\]"):
        fit = gs.glm(R["zero_group"]["formula"], DATA, family=gs.Quasi(link="log", variance="mu^2"), convergence="R")
    # R stops once the deviance of the zeros, 0 for every mean below e, stops moving: the same iterate
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-6)
    assert fit.iterations == ref["iterations"]
    assert list(fit.separation.columns) == ["g[T.c]"]


def test_mu_cubed_still_refuses_a_zero():
    # (y - mu)^2 / (y mu^2) is infinite at y = 0: R stops ("no valid set of coefficients has been found")
    with pytest.raises(gs.DataError, match="must lie in"):
        gs.glm("y ~ x + z", DATA, family=gs.Quasi(link="log", variance="mu^3"))
