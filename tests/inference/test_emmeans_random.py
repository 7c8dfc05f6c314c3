"""A held-out random differential test of emmeans' features against R (fixtures/emmeans_random,
scripts/make_emmeans_random.R): nine models drawn at random, one for each family and link (binomial logit, probit,
cloglog; Poisson log with an offset, sqrt; Gamma log with an offset, inverse; gaussian identity, log), over two or
three unbalanced factors, a numeric and a 0/1 covariate; their means (by, weights, at=, offset=), and contrasts
under several methods and adjustments with emmeans' simultaneous intervals at level 0.9."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

CASES = json.loads((FIXTURES / "emmeans_random" / "ref.json").read_text())
FAMILIES = {"binomial": gs.Binomial, "poisson": gs.Poisson, "Gamma": gs.Gamma, "gaussian": gs.Gaussian}
#: the links whose comparisons glmstat shows as ratios (R's are on the link scale: their logarithms)
RATIOS = {"log", "logit"}


@cache
def _fit(i: int) -> gs.GLMResults:
    case = CASES[i]
    d = pd.read_csv(FIXTURES / "emmeans_random" / f"{case['id']}.csv")
    return gs.glm(case["formula"], d, family=FAMILIES[case["family"]](link=case["link"]), tol=1e-12)


def _listed(v) -> list:
    """R's one-element vectors come unboxed."""
    return v if isinstance(v, list) else [v]


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c['id']}-{c['family']}-{c['link']}" for c in CASES])
def test_means_as_emmeans(i):
    case, fit = CASES[i], _fit(i)
    for want in case["means"]:
        got = fit.emmeans(want["term"], 0.9, by=want.get("by"), type=want["type"], weights=want["weights"],
                          at={"x": case["at"]} if want.get("at") else None, offset=want.get("offset"))
        r = want["value"]
        assert_close(got["estimate"].to_numpy(), _listed(r["estimate"]), rtol=1e-7)
        assert_close(got["std_error"].to_numpy(), _listed(r["se"]), rtol=1e-6)
        assert_close(got["lower"].to_numpy(), _listed(r["lower"]), rtol=1e-7)
        assert_close(got["upper"].to_numpy(), _listed(r["upper"]), rtol=1e-7)


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c['id']}-{c['family']}-{c['link']}" for c in CASES])
def test_contrasts_as_emmeans(i):
    case, fit = CASES[i], _fit(i)
    scale = np.log if case["link"] in RATIOS else np.asarray
    k = len(fit.emmeans("A").index)
    for want in case["contrasts"]:
        method = want["method"]
        if method == "own":
            method = {"first_vs_rest": [1.0] + [-1.0 / (k - 1)] * (k - 1)}
        got = fit.emmeans_contrasts(want["term"], method, want.get("adjust"), by=want.get("by"), ref=want.get("ref"),
                                    level=0.9, weights=want.get("weights", "equal"),
                                    at={"x": case["at"]} if want.get("at") else None)
        r = want["value"]
        labels = [c for *_, c in got.index] if want.get("by") else list(got.index)
        assert [c.replace(" / ", " - ") for c in labels] == _listed(r["contrast"])
        assert_close(scale(got["estimate"].to_numpy()), _listed(r["estimate"]), rtol=1e-7)
        assert_close(got["statistic"].to_numpy(), _listed(r["statistic"]), rtol=1e-7)
        # (R's Tukey and dunnettx p-values are 1 less lower tails: below 1e-12 they keep no digits)
        assert_close(got["p_value"].to_numpy(), _listed(r["p_value"]), rtol=1e-6, atol=1e-12)
        assert_close(scale(got["lower"].to_numpy()), _listed(r["lower"]), rtol=1e-7)
        assert_close(scale(got["upper"].to_numpy()), _listed(r["upper"]), rtol=1e-7)
