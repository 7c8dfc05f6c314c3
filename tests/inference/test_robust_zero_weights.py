"""Unclustered sandwiches (sandwich::vcovHC, HC0 to HC5 and HC4m) of fits with rows of prior weight 0, against
R (tests/fixtures/robust_zero_weights, from make_robust_zero_weights.R).

R's own vcovHC is wrong there for HC2 to HC5: sandwich's meatHC takes ``hatvalues(x)``, which for a glm has a
value per row of non-zero weight only (66 of the 80 rows here), beside ``estfun(x)``'s 80 rows, and recycles the
leverages onto the wrong rows (standard errors off by up to 45%, stored as ``r_vcovhc``).  The reference is
meatHC itself with the hat values aligned to the rows (0 for a zero-weight row, whose column of the hat matrix
is 0), so n, the rank and every type's exponents are sandwich's; HC0 and HC1 take no hat values and are R's
vcovHC unchanged."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "robust_zero_weights"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"gaussian": gs.Gaussian, "gamma": lambda: gs.Gamma(link="log")}


@pytest.fixture(scope="module")
def fits():
    d = pd.read_csv(HERE / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return {m: gs.glm(r["formula"], d, family=FAMILIES[m](), weights="w", tol=1e-12) for m, r in REF.items()}


@pytest.mark.parametrize("type", ["HC0", "HC1", "HC2", "HC3", "HC4", "HC4m", "HC5"])
@pytest.mark.parametrize("model", list(REF))
def test_sandwich_with_zero_weight_rows_is_sandwich_s_with_its_hat_values_aligned(fits, model, type):
    ref = REF[model]
    fit = fits[model]
    assert_close(fit.coef, ref["coefficients"], rtol=1e-9)
    assert_close(fit.robust(type).vcov, ref["vcov"][type], rtol=1e-8)


def test_r_s_own_vcovhc_recycles_the_hat_values():
    """(the evidence that R's HC2 to HC5 differ: fewer hat values than rows, and R's numbers then off)"""
    for ref in REF.values():
        assert ref["hatvalues_length"] < ref["estfun_rows"]
        assert_close(ref["r_vcovhc"]["HC1"], ref["vcov"]["HC1"], rtol=1e-12)
        r_se = np.sqrt(np.diag(np.asarray(ref["r_vcovhc"]["HC3"])))
        aligned = np.sqrt(np.diag(np.asarray(ref["vcov"]["HC3"])))
        assert np.max(np.abs(r_se / aligned - 1)) > 0.01
