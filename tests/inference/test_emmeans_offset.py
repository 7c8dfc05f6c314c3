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


@pytest.mark.parametrize("offset_argument", [False, True])
def test_at_of_a_column_only_the_offset_reads_is_refused_naming_offset(offset_argument):
    """at= of the exposure an offset reads (``service`` in ``offset(log(service))`` or ``offset = log(service)``):
    emmeans 1.8.4 ignores it -- ``emmeans(m, ~ type, at = list(service = 1000))`` prints the rates of the mean offset,
    4.47, 2.13, 2.10, 3.72, 6.60 (its ``.offset.`` stays the mean of log(service), 7.049), as without ``at`` -- where
    glmstat refuses it, naming offset=, which sets the grid's offset; the refusal said only that ``service`` is not a
    variable of the right-hand side."""
    s = pd.read_csv(FIXTURES / "data" / "ships.csv")
    s = s[s["service"] > 0]
    fit = (gs.glm("incidents ~ type + period", s, family=gs.Poisson(), offset="log(service)") if offset_argument
           else _fit())
    with pytest.raises(gs.GLMStatError, match=r"'service' is read only by the model's offset.*offset="):
        fit.emmeans("type", at={"service": [1000]})
