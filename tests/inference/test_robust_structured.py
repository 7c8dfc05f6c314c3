"""Sandwich covariances of structured designs against R's sandwich (tests/fixtures/robust_structured, from
make_robust_structured.R): 2,400 rows and a 100-level factor (stored as its codes, never expanded), unclustered
HC0 to HC5 and HC4m (vcovHC) and clustered HC0 to HC3 (vcovCL) by a variable of 1,168 clusters of 1 to 7 rows;
with an offset and rows dropped for a missing value (Poisson), prior weights with zeros and a level aliased by
them (Gamma, log link; R's HC2 to HC5 there with its hat values aligned to the rows, as in
test_robust_zero_weights), a binomial cbind() response (probit); and clustered by the model's own factor (HC0,
HC1; HC2 and HC3 undefined).  In memory and from Parquet row groups, which do not keep a cluster's rows
together."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "robust_structured"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"poisson": gs.Poisson, "gamma_w0": lambda: gs.Gamma(link="log"),
            "probit": lambda: gs.Binomial(link="probit")}


@pytest.fixture(scope="module")
def fits(tmp_path_factory):
    d = pd.read_csv(HERE / "data.csv")
    path = tmp_path_factory.mktemp("robust_structured") / "data.parquet"
    d.to_parquet(path, row_group_size=500)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        for name, ref in REF.items():
            for source in ("memory", "parquet"):
                out[name, source] = gs.glm(ref["formula"], d if source == "memory" else str(path),
                                           family=FAMILIES[name](), weights=ref["weights"], tol=1e-12)
    return out


def _robust(fit: gs.GLMResults, key: str) -> gs.GLMResults:
    cluster, _, type = key.rpartition("_")
    return fit.robust(type, cluster=cluster or None)


@pytest.mark.parametrize("source", ["memory", "parquet"])
@pytest.mark.parametrize("name", list(REF))
def test_structured_sandwiches_match_r(fits, name, source):
    ref, fit = REF[name], fits[name, source]
    if source == "memory":
        assert type(fit.fit_data.source.X).__name__ == "StructuredDesign"
    kept = fit.coef.notna().to_numpy()
    assert_close(fit.coef, ref["coefficients"], rtol=1e-9)
    for key, se in ref["se"].items():
        rob = _robust(fit, key)
        assert_close(rob.std_errors.to_numpy()[kept], se, rtol=1e-8)
        V = rob.vcov.to_numpy()[np.ix_(kept, kept)][ref["rows"]]
        se = np.asarray(se)
        scale = np.outer(se[ref["rows"]], se)  # (on the correlations' scale: an entry near 0 is a difference)
        assert np.max(np.abs(V - np.asarray(ref["vcov_rows"][key])) / scale) < 1e-8
        if key.startswith("cl_"):
            assert rob.covariance_type.endswith(f"clustered by cl, {ref['clusters']} clusters")


@pytest.mark.parametrize("source", ["memory", "parquet"])
@pytest.mark.parametrize("type", ["HC2", "HC3"])
def test_clustered_by_a_factor_of_the_model_is_undefined_for_hc2_hc3(fits, source, type):
    with pytest.raises(gs.GLMStatError, match=f"the {type} sandwich is undefined: the block of the hat matrix"):
        fits["poisson", source].robust(type, cluster="g")
