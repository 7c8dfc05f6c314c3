"""HC4, HC4m and HC5 sandwich covariances against R's sandwich::vcovHC (fixtures/robust_hc4,
scripts/make_robust_hc4.R), in memory and from Parquet row groups; refused with a cluster, as vcovCL has none."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

CASES = json.loads((FIXTURES / "robust_hc4" / "robust_hc4.json").read_text())
FAMILIES = {"poisson": lambda: gs.Poisson(), "Gamma_log": lambda: gs.Gamma(link="log"),
            "binomial": lambda: gs.Binomial()}


def data(case):
    d = pd.read_csv(FIXTURES / "data" / f"{case['data']}.csv")
    return d[d["service"] > 0].reset_index(drop=True) if case["data"] == "ships" else d


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
@pytest.mark.parametrize("type", ["HC4", "HC4m", "HC5"])
def test_vcovhc_types_match_sandwich(case, type):
    fit = gs.glm(case["formula"], data(case), family=FAMILIES[case["family"]](), tol=1e-12)
    assert_close(fit.hat_values().max(), case["hat_max"], rtol=1e-8)
    robust = fit.robust(type.lower() if type == "HC4m" else type)
    assert robust.covariance_type == type
    assert_close(robust.std_errors.to_numpy(), case[type], rtol=1e-7)


@pytest.mark.parametrize("type", ["HC4", "HC4m", "HC5"])
def test_streamed_fit_gives_the_same_numbers(type, tmp_path):
    """Parquet row groups of 7 rows: HC5's largest leverage is found over every row group before the meat."""
    case = next(c for c in CASES if c["id"] == "ships_offset")
    path = tmp_path / "ships.parquet"
    data(case).to_parquet(path, row_group_size=7)
    fit = gs.glm(case["formula"], str(path), family=gs.Poisson(), tol=1e-12)
    assert_close(fit.robust(type).std_errors.to_numpy(), case[type], rtol=1e-7)


def test_no_clustered_hc4():
    case = CASES[0]
    fit = gs.glm(case["formula"], data(case), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match="HC4 has no clustered form .*vcovCL offers HC0, HC1, HC2, HC3"):
        fit.robust("HC4", cluster="Age")
