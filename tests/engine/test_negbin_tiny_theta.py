"""NegativeBinomial() where the ML theta is tiny: counts of mostly 0 and a few of about 1e6 (theta 0.0036), and one
count of 5 among 59 zeros (theta 0.0139).

R 4.2 (fixtures/negbin_tiny_theta, script fixtures/scripts/make_negbin_tiny_theta.R): MASS::glm.nb's theta.ml takes
Newton steps from the moment start without a safeguard, steps to a negative theta and runs off towards the Poisson
limit, so glm.nb ends at theta 3.7e8 (twice the log-likelihood -6.8e7) and 11483 (-40.11).  The reference is the MLE
found without theta.ml -- R's glm at a fixed theta alternating with the root of theta's score, checked stationary
(R's score for theta there below 1e-11, one Fisher step from it below 1e-13 of the standard errors) -- which glmstat
must give in memory, on the structured path in blocks and from Parquet.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, held_out_source

HERE = FIXTURES / "negbin_tiny_theta"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


def test_r_s_glm_nb_runs_off_from_the_mle():
    for ref in R.values():
        assert ref["glm_nb"]["theta"] > 1e3 * ref["theta"]
        assert ref["glm_nb"]["twologlik"] < ref["twologlik"] - 20


@pytest.mark.parametrize("path", ["memory", "blocks", "parquet"])
@pytest.mark.parametrize("case", ["big", "single"])
def test_tiny_theta_is_the_mle(case, path, tmp_path, monkeypatch):
    data = DATA[DATA["case"] == case].drop(columns="case").reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.GLMStatWarning)  # neither a Poisson limit nor a convergence warning
        fit = gs.glm("y ~ x", held_out_source(data, path, tmp_path, monkeypatch), family=gs.NegativeBinomial())
    ref = R[case]
    assert fit.converged
    assert_close([fit.theta], [ref["theta"]], rtol=1e-8)
    assert_close([fit.theta_se], [ref["theta_se"]], rtol=1e-6)
    assert_close(fit.coef, ref["coefficients"], rtol=1e-8)
    assert_close(fit.std_errors, ref["std_errors"], rtol=1e-6)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-8)
    assert_close([2 * fit.loglik], [ref["twologlik"]], rtol=1e-8)
    assert_close([fit.aic], [ref["aic"]], rtol=1e-8)
