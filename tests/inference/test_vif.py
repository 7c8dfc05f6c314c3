"""Generalized variance-inflation factors (fit.vif) against car::vif (fixtures/inference2)."""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs
from conftest import assert_close
from inference2_refs import as_list, fit, numbers, params, ref


@pytest.mark.parametrize("cid", params("vif"))
def test_matches_car_vif(cid):
    v = ref(cid)["vif"]
    if "error" in v:
        pytest.fail(f"R refused: {v['error']}")
    terms = as_list(v["terms"])
    got = fit(cid).vif()
    assert list(got.index) == terms
    assert_close(got["gvif"], numbers(v["gvif"]))
    if "df" in v:  # car prints df and GVIF^(1/(2 df)) when some term has several columns
        assert_close(got["df"], numbers(v["df"]))
        assert_close(got["gvif_adj"], numbers(v["gvif_adj"]))
    else:
        assert np.all(got["df"] == 1)
        assert_close(got["gvif_adj"], np.sqrt(numbers(v["gvif"])))


def test_refuses_aliased_and_single_term():
    with pytest.raises(gs.GLMStatError, match="aliased"):
        fit("mtcars_gauss_aliased").vif()
    with pytest.raises(gs.GLMStatError, match="at least 2 terms"):
        fit("insectsprays_poisson").vif()
