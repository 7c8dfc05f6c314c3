"""The Tweedie family printed as R prints statmod's: ``Tweedie`` (statmod's ``family$family``) in the summary's
"(Dispersion parameter for Tweedie family taken to be ...)" line and in the anova heading "Model: Tweedie, link:
...", whatever the powers (they are in the Call line).  glmstat printed "Tweedie(var.power = 1.4, link.power =
0) family" there.

R's output: tests/fixtures/tweedie_display (make_tweedie_display.R on data.csv, compound Poisson costs with 33
zeros in 80 rows).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "tweedie_display"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


def fit_case(case: str) -> gs.GLMResults:
    ref = R[case]
    family = gs.Tweedie(var_power=ref["var_power"], link_power=ref["link_power"])
    return gs.glm("yt ~ x + g", DATA, family=family, weights="w0" if ref["weights"] else None, convergence="R")


@pytest.mark.parametrize("case", sorted(R))
def test_dispersion_line_is_r(case):
    r_line = next(ln for ln in R[case]["summary"] if ln.startswith("(Dispersion parameter"))
    assert r_line in str(fit_case(case).summary()).splitlines()


@pytest.mark.parametrize("case", sorted(R))
def test_anova_heading_names_the_family_as_r(case):
    r_model = next(ln for ln in R[case]["anova"] if ln.startswith("Model:"))
    ours = next(ln for ln in fit_case(case).anova().attrs["heading"].splitlines() if ln.startswith("Model:"))
    # (the link: statmod names link.power = 0 "mu^0", glmstat "log")
    assert ours.split(", link:")[0] == r_model.split(", link:")[0] == "Model: Tweedie"
    if R[case]["link_power"] != 0:
        assert ours == r_model


def test_str_keeps_the_variance_power():
    assert str(gs.Tweedie(1.5, 0)) == "Tweedie family (var.power = 1.5), log link"
