"""Estimated marginal means (fit.emmeans) and their pairwise comparisons (fit.emmeans_pairs) against R's
emmeans with type = "response" and pairs() (fixtures/inference2)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
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


def test_aliased_columns_on_many_rows():
    """With an aliased column the means are checked for estimability against the null space of the design;
    that took the SVD of the n x p design with its n x n left vectors (80 GB here: a MemoryError).  Closed
    form: x is centred within each group, so with z = 2x aliased the mean of group g at the grid's x = 0 is
    the group's mean of y, and its standard error sigma / sqrt(n_g), sigma^2 = RSS / (n - 5) of the fit of y
    on the groups and the pooled within-group slope of x."""
    n = 100_000
    i = np.arange(n)
    g = np.array(["a", "b", "c", "d"])[i % 4]
    x = ((i // 4) % 50) - 24.5
    y = 1.0 + 0.3 * (i % 4) + 0.5 * x + ((i * 7919) % 1000) / 1000.0 - 0.5
    data = {"y": y, "g": g, "x": x, "z": 2.0 * x}
    means = np.array([y[g == k].mean() for k in "abcd"])
    slope = np.sum(x * y) / np.sum(x * x)
    rss = np.sum((y - means[i % 4] - slope * x) ** 2)
    with pytest.warns(gs.AliasingWarning):
        f = gs.glm("y ~ g + x + z", pd.DataFrame(data))
    got = f.emmeans("g")
    assert list(got.index) == list("abcd")
    assert_close(got["estimate"], means, rtol=1e-9)
    assert_close(got["std_error"], np.full(4, np.sqrt(rss / (n - 5) / (n / 4))), rtol=1e-9)


def test_logical_levels_are_labelled_as_r_writes_them():
    """emmeans labels a logical's levels FALSE and TRUE (R's as.character); glmstat wrote Python's False and
    True, so the means could not be looked up by R's labels (fixtures/inference2/more/emmeans_logical.json,
    scripts/make_emmeans_logical.R)."""
    r = json.loads((FIXTURES / "inference2" / "more" / "emmeans_logical.json").read_text())
    d = pd.read_csv(FIXTURES / "data" / "mtcars.csv")
    f = gs.glm(r["formula"][0], d.assign(manual=d["am"] == 1), tol=1e-12)
    got = f.emmeans("manual")
    assert list(got.index) == r["levels"]
    assert_close(got["estimate"], r["estimate"], rtol=1e-8)
    assert_close(got["std_error"], r["std_error"], rtol=1e-8)
    pairs = f.emmeans_pairs("manual", adjust="none")
    assert list(pairs.index) == r["contrast"]
    assert_close(pairs["estimate"], r["pair_estimate"], rtol=1e-8)
    assert_close(pairs["p_value"], r["pair_p_value"], rtol=1e-6)
    assert list(f.average_marginal_effects("manual")["contrast"]) == ["TRUE"]
