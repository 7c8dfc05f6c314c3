"""Sandwich covariances of nearly collinear columns (a calendar year and its square), as R's
(tests/fixtures/robust_ill_conditioned, from make_robust_ill_conditioned.R: sandwich's vcovHC and vcovCL on the
same model with the year centred, mapped back exactly).  C M C formed directly lost about 1e-5 of the standard
errors (R's vcovHC on the uncentred model loses as much) and 5e-3 of a prediction's standard error at the edge
of the years; the meat is now taken in the coordinates of the covariance's QR factor.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "robust_ill_conditioned"
DATA = FIXTURES / "predict_ill_conditioned"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"gaussian": gs.Gaussian, "poisson": gs.Poisson}
TYPES = ["HC0", "HC1", "HC2", "HC3"]


def _robust(fit, key):
    return fit.robust(key[3:], cluster="year") if key.startswith("CL_") else fit.robust(key)


@pytest.mark.parametrize("key", TYPES + [f"CL_{t}" for t in TYPES])
@pytest.mark.parametrize("ref", REF, ids=[r["formula"] for r in REF])
def test_sandwich_of_nearly_collinear_columns_as_r(ref, key):
    d, nd = pd.read_csv(DATA / "data.csv"), pd.read_csv(DATA / "newdata.csv")
    fit = gs.glm(ref["formula"], d, family=FAMILIES[ref["family"]]())
    assert_close(fit.coef, ref["coefficients"], rtol=1e-9)
    rob = _robust(fit, key)
    assert_close(rob.std_errors, ref["se"][key], rtol=1e-8)
    assert_close(rob.predict(nd, type="link", se_fit=True)["se"], ref["predict_link_se"][key], rtol=1e-8)


@pytest.mark.parametrize("key", ["HC0", "CL_HC1"])
def test_sandwich_of_nearly_collinear_columns_from_dask_as_r(key):
    """The same meat reduced over partitions (the factor is shipped to the workers)."""
    dd = pytest.importorskip("dask.dataframe")  # (an optional dependency: glmstat[dask])
    ref = REF[0]
    d, nd = pd.read_csv(DATA / "data.csv"), pd.read_csv(DATA / "newdata.csv")
    fit = gs.glm(ref["formula"], dd.from_pandas(d, npartitions=3), family=FAMILIES[ref["family"]]())
    rob = _robust(fit, key)
    assert_close(rob.std_errors, ref["se"][key], rtol=1e-8)
    assert_close(rob.predict(nd, type="link", se_fit=True)["se"], ref["predict_link_se"][key], rtol=1e-8)
