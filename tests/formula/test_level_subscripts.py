"""Subscripts of literal values in a formula, R's ``x[i]``: ``factor(g, levels = levels(g)[1:2])``, ``I(g %in%
levels(g)[2:3])``, ``c(3, 1, 4, 2)[-2]`` -- positions picked in the order written (a fraction truncated towards 0,
0 dropped) or, negative, excluded, as R indexes.  glmstat refused '[' ("the unexpected character '['").  Found by the
randomized comparison of the formula coder with R (seed 1506).  Only literal values are indexed (levels(), unique(),
c(), rev()...), by literal positions within them; a position past the end (R's NA; an exclusion past the end R
ignores), positive and negative positions mixed (R's error), NA, a column indexed or indexing, ``[[`` and ``x[i, j]``
are refused.  Reference: R 4.2, tests/fixtures/scripts/make_level_subscripts.R."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.formula.deparse import deparse
from glmstat.formula.parser import parse_expression

REF = json.loads((FIXTURES / "level_subscripts" / "level_subscripts.json").read_text())
DATA = pd.DataFrame(REF["data"]).astype({"x": float, "k": float})


def _r_name(name: str) -> str:
    """glmstat's column name as R's model.matrix writes it: the level's brackets (the last of a variable, before
    ':' or the end) dropped, a logical's level as TRUE -- not the brackets of a subscript inside the label."""
    name = name.replace("[T.True]", "TRUE").replace("[T.False]", "FALSE")
    return "(Intercept)" if name == "Intercept" else re.sub(r"\[(?:T\.)?([^\[\]]*)\](?=:|$)", r"\1", name)


@pytest.mark.parametrize("case", REF["fits"], ids=lambda c: c["formula"][4:])
def test_subscripts_of_literal_values_are_r_s(case):
    fit = gs.glm(case["formula"], DATA)
    assert [_r_name(c) for c in fit.column_names] == case["columns"]
    assert [t for t in fit.model_frame.term_labels if t != "(Intercept)"] == case["terms"]
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)
    assert fit.nobs == case["nobs"]


def test_subscripted_levels_predict_as_the_fit():
    fit = gs.glm("y ~ factor(g, levels = levels(g)[-1])", DATA)
    b = fit.coef.to_numpy()
    got = fit.predict(pd.DataFrame({"g": ["b", "c", "d", "a"]}))
    assert_close(got.iloc[:3], [b[0], b[0] + b[1], b[0] + b[2]], rtol=1e-12)
    assert got.isna().iloc[3]


@pytest.mark.parametrize("text", ["levels(g)[1:2]", "c(3, 1, 4)[-c(1, 2)]", "-x[1]", "rev(levels(g))[2]^2",
                                  "(a + b)[1]"])
def test_subscripts_deparse_as_r(text):  # R 4.2: deparse(quote(<text>)) is <text>
    assert deparse(parse_expression(text)) == text


@pytest.mark.parametrize("formula, message", [
    ("y ~ factor(g, levels = levels(g)[5])", r"position 5 is past the end of levels\(g\) \(4 values\)"),
    ("y ~ factor(g, levels = levels(g)[-5])", r"position -5 is past the end of levels\(g\) \(4 values\)"),
    ("y ~ factor(g, levels = levels(g)[c(-1, 2)])", "positive and negative positions"),
    ("y ~ factor(g, levels = levels(g)[NA])", "missing position"),
    ("y ~ factor(g, levels = levels(g)[k])", r"levels\(g\)\[k\]: the positions k are a column"),
    ("y ~ I(x[1])", r"x\[1\]: only literal values .* not a column"),
    ("y ~ factor(g, levels = levels(g)[TRUE])", "logical"),
    ("y ~ factor(g, levels = levels(g)[[1]])", r"'\[\['"),
    ("y ~ factor(g, levels = levels(g)[])", "no position"),
    ("y ~ factor(g, levels = levels(g)[1, 2])", "one subscript"),
    ('y ~ factor(g, levels = levels(g)["a"])', "numbers"),
])
def test_subscripts_beyond_literal_positions_are_refused(formula, message):
    with pytest.raises(gs.FormulaError, match=message):
        gs.glm(formula, DATA)

