"""emmeans(type="link"): the means on the scale of the linear predictor, emmeans' default, against R
(fixtures/emmeans_link, scripts/make_emmeans_link.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

CASES = json.loads((FIXTURES / "emmeans_link" / "emmeans_link.json").read_text())
FAMILIES = {"poisson": lambda: gs.Poisson(), "Gamma_log": lambda: gs.Gamma(link="log"),
            "gaussian": lambda: gs.Gaussian()}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_link_scale_means_match_emmeans(case):
    d = pd.read_csv(FIXTURES / "data" / "quine.csv")
    d["Days1"] = d["Days"] + 1
    fit = gs.glm(case["formula"], d, family=FAMILIES[case["family"]](), tol=1e-12)
    got = fit.emmeans(case["spec"], level=case["level"], by=case["by"], type="link")
    levels = got.index.get_level_values(case["spec"]) if case["by"] else got.index
    assert list(levels) == case["levels"]
    for column in ("estimate", "std_error", "lower", "upper"):
        assert_close(got[column].to_numpy(), case[column], rtol=1e-7)
    assert_close(got["df"].to_numpy(), [np.inf if x is None else x for x in case["df"]], rtol=1e-9)


def test_unknown_type_is_refused():
    fit = gs.glm("Days ~ Age", pd.read_csv(FIXTURES / "data" / "quine.csv"), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match="unknown type 'linear'.*'link'"):
        fit.emmeans("Age", type="linear")
