"""method="firth" where the quasi-Fisher iteration converges at a linear rate near 0.9.

Its steps keep their direction and shrink by about 0.9 each: brglm2 needs 126 to 215 iterations on these fits
(MASS's biopsy with its nine predictors; two random designs of 47 and 57 rows), and 100 steps left the estimate
up to 3e-6 of itself away, unconverged.  Once the ratio of successive steps is steady the rest of their geometric
series is taken at once (Aitken's extrapolation), and the fit reaches brglm2's root within max_iter = 100.

R 4.2 (fixtures/firth_linear_rate, scripts/make_firth_linear_rate.R): brglm2's brglmFit, type = "AS_mean",
epsilon 1e-12, maxit 1000.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "firth_linear_rate"
CASES = {c["id"]: c for c in json.loads((HERE / "cases.json").read_text())}


def _values(xs) -> np.ndarray:
    return np.array([np.nan if x is None else x for x in xs], dtype=float)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_bias_reduced_fit_reaches_brglm2s_root_within_100_steps(case_id):
    case = CASES[case_id]
    ref = json.loads((HERE / "r" / f"{case_id}.json").read_text())
    assert ref["converged"] and ref["iterations"] > 100
    data = pd.read_csv(HERE / "data" / f"{case['data']}.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(case["formula"], data, family=gs.Binomial(), method="firth", tol=1e-12, max_iter=100)
    assert not [w for w in caught if issubclass(w.category, gs.ConvergenceWarning)]
    assert fit.converged
    assert fit.iterations <= 100
    np.testing.assert_allclose(fit.coef.to_numpy(), _values(ref["coefficients"]), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), _values(ref["std_errors"]), rtol=1e-8)
    np.testing.assert_allclose(fit.deviance, ref["deviance"], rtol=1e-10)
