"""emmeans' ``offset =``: the reference grid's offset instead of the mean of the model's, against R
(fixtures/emmeans_offset, scripts/make_emmeans_offset.R): a Poisson model of ships with offset(log(service)),
the rates per month of service (offset = 0) and per 1,000 months (log(1000)) with their intervals."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "emmeans_offset" / "ref.json").read_text())


def _fit() -> gs.GLMResults:
    s = pd.read_csv(FIXTURES / "data" / "ships.csv")
    return gs.glm(REF["formula"], s[s["service"] > 0], family=gs.Poisson(), tol=1e-12)


@pytest.mark.parametrize("case", REF["cases"], ids=["mean offset", "offset 0", "offset log(1000)"])
def test_rates_at_the_offset_given_as_emmeans(case):
    means = _fit().emmeans("type", offset=case["offset"])
    for column, key in (("estimate", "estimate"), ("std_error", "se"), ("lower", "lower"), ("upper", "upper")):
        assert_close(means[column], case[key], rtol=1e-7)


@pytest.mark.parametrize("offset", ["0", math.nan, math.inf, [0.0], True, 10**400])
def test_an_offset_that_is_not_one_finite_number_is_refused(offset):
    with pytest.raises(gs.GLMStatError, match="offset= must be one finite number"):
        _fit().emmeans("type", offset=offset)
