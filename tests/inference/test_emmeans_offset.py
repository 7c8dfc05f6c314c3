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


AT = json.loads((FIXTURES / "emmeans_offset" / "at.json").read_text())


def _ships_by_year() -> pd.DataFrame:
    s = pd.read_csv(FIXTURES / "data" / "ships.csv")
    s = s[s["service"] > 0].copy()
    s["yr"] = s["year"].str[1:].astype(float)  # (R's as.numeric(substr(year, 2, 3)): "y60" is 60)
    return s


@pytest.mark.parametrize("case", ["one_value", "averaged_offset_0", "as_term", "as_by", "as_term_consec",
                                  "as_by_trt", "as_by_del_eff"])
def test_an_offset_with_a_covariate_held_by_at_as_emmeans(case):
    """A covariate held by at= in a model with an offset, in the formula (``offset(log(service))``) or as the offset
    argument: the rates and their notes, and the comparisons (ratios) of the means of the values asked for and of
    the types within them, against R (fixtures/emmeans_offset/make_emmeans_offset_at.R -> at.json)."""
    s = _ships_by_year()
    in_formula = gs.glm("incidents ~ type + yr + offset(log(service))", s, family=gs.Poisson(), tol=1e-14,
                        max_iter=100)
    as_argument = gs.glm("incidents ~ type * yr", s, family=gs.Poisson(), offset="log(service)", tol=1e-14,
                         max_iter=100)
    calls = {"one_value": lambda: in_formula.emmeans("type", at={"yr": [65]}),
             "averaged_offset_0": lambda: in_formula.emmeans("type", at={"yr": [65, 70]}, offset=0),
             "as_term": lambda: in_formula.emmeans("yr", at={"yr": [62, 67, 72]}),
             "as_term_consec": lambda: in_formula.emmeans_contrasts("yr", "consec", "none", at={"yr": [62, 67, 72]}),
             "as_by": lambda: as_argument.emmeans("type", by="yr", at={"yr": [62, 72]}, offset=math.log(100)),
             "as_by_trt": lambda: as_argument.emmeans_contrasts("type", "trt.vs.ctrl", by="yr", at={"yr": [62, 72]}),
             "as_by_del_eff": lambda: as_argument.emmeans_contrasts("type", "del.eff", by="yr",
                                                                    at={"yr": [62, 72]})}
    r = AT[case]
    table = calls[case]()
    notes = [r["notes"]] if isinstance(r["notes"], str) else r["notes"]
    assert table.attrs["heading"].split("\n")[1:] == notes
    columns = (("estimate", "estimate"), ("std_error", "se"))
    if "contrast" in r:
        assert list(table.index.get_level_values("contrast")) == r["contrast"]
        columns += (("statistic", "statistic"), ("p_value", "p_value"))
    else:
        columns += (("lower", "lower"), ("upper", "upper"))
    for column, key in columns:
        assert_close(table[column], r[key], rtol=1e-6, atol=1e-12)
