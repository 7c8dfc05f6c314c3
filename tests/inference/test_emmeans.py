"""Estimated marginal means (fit.emmeans) and their pairwise comparisons (fit.emmeans_pairs) against R's
emmeans with type = "response" and pairs() (fixtures/inference2)."""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs
from conftest import assert_close
from inference2_refs import CASES, as_list, assert_p, fit, numbers, ref


def own_emmeans():
    return [pytest.param(cid, e, id=f"{cid}-{e['term']}") for cid in CASES for e in ref(cid).get("emmeans", [])]


def check_means(got, e):
    levels = [as_list(lv) for lv in e["levels"]]
    keys = levels[0] if len(levels) == 1 else list(zip(*levels))
    assert list(got.index) == keys
    for col in ("estimate", "std_error", "lower", "upper"):
        assert_close(got[col], numbers(e[col]), rtol=1e-6)
    df = numbers(e["df"])
    assert_close(got["df"], np.where(np.isnan(df), np.inf, df))


@pytest.mark.parametrize("cid, e", own_emmeans())
def test_means_match_emmeans(cid, e):
    check_means(fit(cid).emmeans(e["term"]), e)


@pytest.mark.parametrize("cid", ["warpbreaks_interaction", "anorexia_gauss"])
def test_shared_reference(cid):
    e = ref(cid)["emmeans"]
    check_means(fit(cid).emmeans(e["term"]), {**e, "levels": [e["levels"]]})


def own_pairs():
    return [pytest.param(cid, e["term"], p, id=f"{cid}-{e['term']}-{p['adjust']}") for cid in CASES
            for e in ref(cid).get("emmeans", []) for p in e.get("pairs", [])]


@pytest.mark.parametrize("cid, term, p", own_pairs())
def test_pairs_match_emmeans(cid, term, p):
    got = fit(cid).emmeans_pairs(term, adjust=p["adjust"])
    assert list(got.index) == as_list(p["contrast"])
    for col in ("estimate", "std_error", "statistic"):
        assert_close(got[col], numbers(p[col]), rtol=1e-6)
    df = numbers(p["df"])
    assert_close(got["df"], np.where(np.isnan(df), np.inf, df))
    want = numbers(p["p_value"])
    if p["adjust"] == "tukey":  # R's ptukey (and scipy's) keep no digits below about 1e-12
        tiny = want < 1e-10
        assert np.all(got["p_value"].to_numpy()[tiny] < 1e-10)
        assert_close(got["p_value"].to_numpy()[~tiny], want[~tiny], rtol=1e-5)
    else:
        assert_p(got["p_value"], want, rtol=1e-6)


def test_level_and_errors():
    f = fit("insectsprays_poisson")
    wide = f.emmeans("spray", level=0.99)
    narrow = f.emmeans("spray")
    assert np.all(wide["lower"] < narrow["lower"]) and np.all(wide["upper"] > narrow["upper"])
    with pytest.raises(gs.GLMStatError, match="not a variable"):
        f.emmeans("dose")
    with pytest.raises(gs.GLMStatError, match="unknown adjustment"):
        f.emmeans_pairs("spray", adjust="scheffe")
    assert "tukey" in f.emmeans_pairs("spray").attrs["heading"]
