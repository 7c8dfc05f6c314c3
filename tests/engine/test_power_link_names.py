"""Power links are named as R names them (tests/fixtures/power_link_names, make_power_link_names.R): R's
``power(p)`` is ``paste0("mu^", round(p, 3))`` -- ``"mu^0.333"`` for p = 1/3, which glmstat called
``"mu^0.333333"`` --, statmod's ``tweedie(link.power = p)`` is ``"mu^"`` and ``as.character(p)`` (15 significant
digits).  The name is what ``str(family)``, the family's repr, the HTML summary and anova's heading show; two
power links whose powers round alike share a name, as in R, but are not equal.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "power_link_names"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


@pytest.mark.parametrize("case", REF["power"], ids=[c["name"] for c in REF["power"]])
def test_power_link_is_named_as_r(case):
    assert gs.links.Power(case["p"]).name == case["name"]


@pytest.mark.parametrize("case", REF["tweedie"], ids=[c["name"] for c in REF["tweedie"]])
def test_tweedie_link_is_named_as_statmod(case):
    assert gs.Tweedie(1.5, case["p"]).link.name == case["name"]


def test_family_and_anova_heading_show_r_name():
    fam = gs.Gamma(link=gs.links.Power(1 / 3))
    assert REF["print_gamma"][2].strip() == "Link function: mu^0.333"
    assert str(fam) == "Gamma family, mu^0.333 link" and "mu^0.333'" in repr(fam)
    cases = [("anova_gamma", fam), ("anova_quasi", gs.Quasi(gs.links.Power(2 / 3), "mu^2")),
             ("anova_tweedie", gs.Tweedie(2, 1 / 3))]
    for key, family in cases:
        heading = gs.glm("y ~ x", DATA, family=family).anova().attrs["heading"].splitlines()
        model = next(ln for ln in REF[key] if ln.startswith("Model:"))
        assert model in heading


def test_power_links_sharing_a_name_are_different_links():
    a, b = gs.links.Power(0.3331), gs.links.Power(0.3334)
    assert a.name == b.name == "mu^0.333"
    assert a != b and a == gs.links.Power(0.3331) and gs.Gamma(link=a) != gs.Gamma(link=b)
    fits = [gs.glm("y ~ x", DATA, family=gs.Gamma(link=lk)) for lk in (a, b)]
    with pytest.raises(gs.GLMStatError, match=r"different families \(Gamma family, mu\^0.333 link of power 0.3331 vs "
                                              r"Gamma family, mu\^0.333 link of power 0.3334\)"):
        gs.anova(fits[0], fits[1])
