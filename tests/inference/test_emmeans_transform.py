"""emmeans of a model with a transformed response (fixtures/inference2/more/emmeans_transform.json, made by
scripts/make_emmeans_transform.R): R's emmeans(type = "response") back-transforms the left-hand side's
function after the link -- log(breaks) gives the geometric means, 2 * sqrt(breaks) and log(breaks + 1) undo
the multiplier and the constant, scale(breaks) its learned centre and scale -- and pairs() shows ratios for a
log, log10 or log(y + c) response, and with a log link and a sqrt(y) response the ratio of the back-transformed
means exp(d)^2 (glmstat showed the difference d on the log scale).  I(breaks + 1) is emmeans' identity
transformation with its constant undone (the means less 1; glmstat gave them with the 1), its pairs() compared
as an untransformed response's.
glmstat reported the means on the transformed scale (3.01 for tension H of log(breaks) ~ wool + tension,
where R gives 20.31)."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, family_of

REFS = json.loads((FIXTURES / "inference2" / "more" / "emmeans_transform.json").read_text())
DATA = pd.read_csv(FIXTURES / "data" / "warpbreaks.csv")


def fit(r):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(r["formula"], DATA, family=family_of({"name": r["family"], "link": r["link"]}), tol=1e-12,
                      max_iter=100)


@pytest.mark.parametrize("r", REFS, ids=[f"{r['family']}-{r['link']}-{r['formula']}" for r in REFS])
def test_emmeans_back_transforms_the_response(r):
    got = fit(r).emmeans("tension")
    assert list(got.index) == r["levels"]
    for col in ("estimate", "std_error", "lower", "upper"):
        assert_close(got[col], r[col], rtol=1e-6)
    assert_close(got["df"], r["df"])


@pytest.mark.parametrize("r", [r for r in REFS if "pairs" in r], ids=lambda r: r["formula"])
def test_pairs_of_a_transformed_response(r):
    p = r["pairs"]
    got = fit(r).emmeans_pairs("tension", adjust="none")
    assert list(got.index) == p["contrast"]
    for col in ("estimate", "std_error", "statistic", "p_value"):
        assert_close(got[col], p[col], rtol=1e-6)
