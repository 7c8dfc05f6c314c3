"""HC4, HC4m and HC5 (sandwich::vcovHC) and clustered HC2 and HC3 (vcovCL, by a 12-level cluster and by each row)
across families and links, against R (tests/fixtures/robust_families, from make_robust_families.R): a cbind()
probit, a cloglog with prior weights, Gamma and inverse Gaussian with inverse and log links, quasi(mu^2), a
Gaussian log link, a quasi-Poisson with an offset and an estimated negative binomial, each at the exact MLE and
with ``convergence="R"`` at R's default control (sandwich's estfun and hat values then take R's working weights
from the start of its last iteration); and a logistic fit with an aliased column at R's default control."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, family_of

HERE = FIXTURES / "robust_families"
REF = json.loads((HERE / "ref.json").read_text())
CASES = [(name, mode) for name, ref in REF.items() for mode in ("exact", "R") if mode in ref]


@pytest.mark.parametrize("name, mode", CASES)
def test_sandwich_types_across_families_match_r(name, mode):
    ref = REF[name]
    d = pd.read_csv(HERE / "data.csv")
    options = {"tol": 1e-12} if mode == "exact" else {"convergence": "R"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        family = family_of({"name": ref["family"], "link": ref["link"], "variance": ref.get("variance")})
        fit = gs.glm(ref["formula"], d, family=family, weights=ref.get("weights"), **options)
    want = ref[mode]
    assert_close(fit.coef, want["coefficients"], rtol=1e-8 if mode == "R" else 1e-9)
    kept = fit.coef.notna().to_numpy()
    for key, V in want["vcov"].items():
        cluster, _, type = key.rpartition("_")
        got = fit.robust(type, cluster=cluster or None).vcov.to_numpy()
        assert np.isnan(got[~kept]).all() and np.isnan(got[:, ~kept]).all()
        assert_close(got[np.ix_(kept, kept)], V, rtol=1e-7, atol=1e-14)
