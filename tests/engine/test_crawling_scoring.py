"""Fisher scoring that crawls one way to an interior optimum, at a linear rate near 0.95.

A log-binomial fit with fitted means up to 0.986 (34 rows of a held-out random case): R's glm at its default
control stops unconverged after 25 iterations, 0.7% short in log(x3)'s estimate, and glmstat did the same (with
tol=1e-12, max_iter=100: 1e-4 short, "did not converge").  Scoring whose last steps all go one way, each at
most CRAWL_RATE times the one before, while the deviance falls, now finishes with the rescue's Newton steps, as
an oscillating fit does, and reaches the optimum; convergence="R" still stops where R stops.

R 4.2 (fixtures/crawling_scoring, make_crawling_scoring.R): the optimum by R's refits from its own estimate,
checked by optim; R's default-control fit.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "crawling_scoring"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


@pytest.mark.parametrize("control", [{}, {"tol": 1e-12, "max_iter": 100}], ids=["default", "tight"])
def test_the_exact_fit_reaches_the_optimum(control):
    fit = gs.glm(R["formula"], DATA, family=gs.Binomial(link="log"), **control)
    assert fit.converged
    np.testing.assert_allclose(fit.coef.to_numpy(), R["coefficients"], rtol=1e-8)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), R["std_errors"], rtol=1e-7)
    np.testing.assert_allclose([fit.deviance, fit.null_deviance, fit.aic], [R["deviance"], R["null_deviance"],
                               R["aic"]], rtol=1e-10)


def test_convergence_r_stops_unconverged_where_r_does():
    assert not R["default_converged"]
    with pytest.warns(gs.ConvergenceWarning, match="did not converge in 25 iterations"):
        fit = gs.glm(R["formula"], DATA, family=gs.Binomial(link="log"), convergence="R")
    assert not fit.converged and fit.iterations == R["default_iterations"]
    np.testing.assert_allclose(fit.coef.to_numpy(), R["default_coefficients"], rtol=1e-8)


def test_a_parquet_file_gives_the_same_fit(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "rows.parquet"
    DATA.to_parquet(path, row_group_size=10, index=False)
    fit = gs.glm(R["formula"], str(path), family=gs.Binomial(link="log"))
    assert fit.converged
    np.testing.assert_allclose(fit.coef.to_numpy(), R["coefficients"], rtol=1e-8)
