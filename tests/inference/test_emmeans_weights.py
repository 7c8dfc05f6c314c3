"""emmeans' weights of the cells a marginal mean averages over -- equal, proportional, outer, cells, flat --
against R (fixtures/emmeans_weights, scripts/make_emmeans_weights.R): a logistic model over two unbalanced factors
and a 0/1 covariate (a grid axis), the means with and without by, and their pairwise comparisons; streamed data
as in memory; what is refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "emmeans_weights" / "ref.json").read_text())


def _data() -> pd.DataFrame:
    b = pd.read_csv(FIXTURES / "data" / "birthwt.csv")
    b["race"] = pd.Categorical(b["race"], categories=["white", "black", "other"])
    band = np.where(b["age"] < 20, "teen", np.where(b["age"] < 30, "twenties", "older"))
    b["age_band"] = pd.Categorical(band, categories=["teen", "twenties", "older"])
    return b


def _fit(data=None) -> gs.GLMResults:
    return gs.glm(REF["formula"], _data() if data is None else data, family=gs.Binomial(), tol=1e-12)


@pytest.mark.parametrize("case", REF["cases"], ids=[c["weights"] for c in REF["cases"]])
def test_means_and_pairs_as_emmeans(case):
    fit = _fit()
    w = case["weights"]
    means = fit.emmeans("race", weights=w)
    assert_close(means["estimate"], case["estimate"], rtol=1e-7)
    assert_close(means["std_error"], case["se"], rtol=1e-6)
    grouped = fit.emmeans("race", by="smoke", weights=w)
    assert_close(grouped["estimate"], case["by_estimate"], rtol=1e-7)
    assert_close(grouped["std_error"], case["by_se"], rtol=1e-6)
    pairs = fit.emmeans_pairs("race", weights=w)
    assert_close(pairs["statistic"], case["pair_statistic"], rtol=1e-7)
    assert_close(pairs["p_value"], case["pair_p"], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_weigh_the_cells_as_in_memory(kind, tmp_path):
    from streamed_cases import as_streamed

    data = _data()
    streamed = _fit(as_streamed(data, kind, tmp_path, rows=40))
    for w in ("proportional", "cells"):
        assert_close(streamed.emmeans("race", weights=w)["estimate"], _fit().emmeans("race", weights=w)["estimate"],
                     rtol=1e-9)


def test_unknown_weights_are_refused():
    with pytest.raises(gs.GLMStatError, match="unknown weights 'prop'; use one of 'equal', 'proportional'"):
        _fit().emmeans("race", weights="prop")
