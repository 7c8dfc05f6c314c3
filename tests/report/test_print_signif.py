"""print(fit) rounds its deviances and AIC as R's print.glm does, with R's ``signif`` (``format(signif(x, 4))``),
which scales and rounds ties to even, not with a correctly rounded decimal rounding (Python's ``%.4g``): a
deviance of 98.765 prints 98.76 in R.

R's output: tests/fixtures/print_signif/make_print_signif.R -> r.json (signif() of doubles at and next to
decimal midpoints, and print.glm's lines of fits whose deviance is such a midpoint).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.formula.rounding import r_signif

R = json.loads((FIXTURES / "print_signif" / "r.json").read_text())


def test_r_signif_matches_r_next_to_midpoints():
    s = R["signif"]
    got = [r_signif(float(x), d) for x, d in zip(s["x"], s["digits"])]
    assert got == [float(r) for r in s["r"]]


@pytest.mark.parametrize("case", R["fits"], ids=lambda c: c["w"][0])
def test_print_rounds_deviances_as_r(case):
    data = pd.DataFrame({"y": case["y"], "w": [float(w) for w in case["w"]]})
    lines = repr(gs.glm("y ~ 0", data, weights="w")).splitlines()
    assert [ln for ln in lines if "Deviance" in ln and "Degrees" not in ln] == case["lines"]
