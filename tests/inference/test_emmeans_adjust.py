"""emmeans' pairs() under Scheffe's adjustment and R's p.adjust methods (hochberg, hommel, BH, fdr, BY), against
R (fixtures/emmeans_adjust, scripts/make_emmeans_adjust.R); and p_adjust against closed forms."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.inference.p_adjust import p_adjust

CASES = json.loads((FIXTURES / "emmeans_adjust" / "emmeans_adjust.json").read_text())
FAMILIES = {"poisson": lambda: gs.Poisson(), "Gamma_log": lambda: gs.Gamma(link="log"),
            "gaussian": lambda: gs.Gaussian()}


def fitted(case):
    d = pd.read_csv(FIXTURES / "data" / f"{case['data']}.csv")
    if case["data"] == "quine":
        d["Days1"] = d["Days"] + 1
    else:
        d["race"] = pd.Categorical(d["race"], categories=["white", "black", "other"])
    with pytest.warns(gs.AliasingWarning) if case["data"] == "birthwt" else _nothing():
        return gs.glm(case["formula"], d, family=FAMILIES[case["family"]](), tol=1e-12)


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
@pytest.mark.parametrize("adjust", ["scheffe", "hochberg", "hommel", "BH", "fdr", "BY", "none"])
def test_pairs_adjusted_as_emmeans(case, adjust):
    fit = fitted(case)
    want = next(a for a in case["adjustments"] if a["adjust"] == adjust)
    got = fit.emmeans_pairs(case["spec"], adjust=adjust, by=case["by"])
    # (R's pairs on the link scale are written a - b; glmstat shows the log link's ratios a / b, same tests)
    labels = [c for *_, c in got.index] if case["by"] else list(got.index)
    assert [c.replace(" / ", " - ") for c in labels] == want["contrast"]
    p = np.array([np.nan if x is None else x for x in want["p_value"]], dtype=float)
    t = np.array([np.nan if x is None else x for x in want["statistic"]], dtype=float)
    assert np.array_equal(np.isnan(got["p_value"].to_numpy()), np.isnan(p))
    ok = ~np.isnan(p)
    assert_close(got["statistic"].to_numpy()[ok], t[ok], rtol=1e-7)
    assert_close(got["p_value"].to_numpy()[ok], p[ok], rtol=1e-7)


def test_p_adjust_as_r_with_the_family_size():
    """p = (0.01, 0.04, 0.03, NA) adjusted as R's ``p.adjust(p, method, n = 4)`` (emmeans counts a comparison that
    is not estimable in n): Hochberg (0.04, 0.08, 0.08), BH (0.04, 0.16/3, 0.16/3), BY BH times
    1 + 1/2 + 1/3 + 1/4, Hommel (0.04, 0.08, 0.06), each NA kept."""
    p = np.array([0.01, 0.04, 0.03, np.nan])
    assert_close(p_adjust(p, "hochberg")[:3], [0.04, 0.08, 0.08], rtol=1e-12)
    assert_close(p_adjust(p, "bh")[:3], [0.04, 0.16 / 3, 0.16 / 3], rtol=1e-12)
    assert_close(p_adjust(p, "by")[:3], np.array([0.04, 0.16 / 3, 0.16 / 3]) * (25 / 12), rtol=1e-12)
    assert_close(p_adjust(p, "hommel")[:3], [0.04, 0.08, 0.06], rtol=1e-12)
    for method in ("hochberg", "bh", "by", "hommel"):
        assert np.isnan(p_adjust(p, method)[3])


def test_an_unknown_adjustment_names_the_methods():
    d = pd.read_csv(FIXTURES / "data" / "quine.csv")
    fit = gs.glm("Days ~ Eth + Age", d, family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match="hochberg, hommel, BH, fdr, BY"):
        fit.emmeans_pairs("Age", adjust="mvt")
