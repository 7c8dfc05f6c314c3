"""Estimated marginal means whose interval of eta reaches past 0 for links whose inverse is one-to-one only above
0, as R's emmeans (tests/fixtures/emmeans_link_domain, make_emmeans_link_domain.R): emmeans' own links cut eta at
0 (``1/sqrt(pmax(0, eta))``), so the upper limit of the mean is Inf.  glmstat mapped the negative limit to NaN
(1/mu^2) or a negative mean (inverse) and fmin/fmax then gave the lower limit twice, or a negative lower limit.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "emmeans_link_domain"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
FAMILIES = {"inverse.gaussian": gs.InverseGaussian, "Gamma": gs.Gamma}


def r_values(values) -> np.ndarray:
    return np.array([np.inf if v == "Inf" else v for v in values], dtype=float)


@pytest.mark.parametrize("ref", REF, ids=[r["id"] for r in REF])
def test_emmeans_limits_cut_at_the_links_domain_as_r(ref):
    fit = gs.glm("y ~ g", DATA, family=FAMILIES[ref["family"]](link=ref["link"]))
    em = fit.emmeans("g")
    assert list(em.index) == ref["level"]
    assert_close(em["estimate"], ref["response"], rtol=1e-7)
    assert_close(em["std_error"], ref["SE"], rtol=1e-7)
    assert_close(em["lower"], r_values(ref["lower"]), rtol=1e-7)
    assert_close(em["upper"], r_values(ref["upper"]), rtol=1e-7)
    assert (np.array(ref["link_lower"]) < 0).any() == (ref["link"] != "sqrt")
