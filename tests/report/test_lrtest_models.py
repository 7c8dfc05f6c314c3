"""``gs.lrtest(...)`` prints its models as ``lmtest::lrtest`` does, ``Model 1: `` then R's ``formula(fit)``
deparsed -- and ``anova()`` of nested fits heads its table the same way, as ``drop1()``, ``add1()`` and ``step()``
(MASS's ``stepAIC``) theirs: spaces where R's ``deparse`` puts them, a long formula broken after an operator past 60
characters (the next line indented by 4 spaces), and a ``.`` written out as the columns it stood for, in
parentheses where R puts them.  The lines showed the formula as typed: ``Model 1: y~z+offset( log(t) )`` where R
prints ``y ~ z + offset(log(t))``, a long formula on one line, and ``y ~ .`` where R prints ``y ~ z + g``.

R's output: tests/fixtures/lrtest_models/make_lrtest_models.R -> r.json and data.csv (lmtest's printed test, the
heading of R's anova table, drop1's and add1's model lines, stepAIC's initial and final models).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "lrtest_models"
R = json.loads((HERE / "r.json").read_text())


def _fits(case: dict) -> list[gs.GLMResults]:
    data = pd.read_csv(HERE / "data.csv")
    if case.get("columns"):
        data = data[case["columns"]]
    return [gs.glm(f, data, family=gs.Poisson(), tol=1e-12, max_iter=100) for f in case["formulas"]]


@pytest.mark.parametrize("case", R, ids=lambda c: c["id"])
def test_lrtest_prints_r_models(case):
    a, b = _fits(case)
    assert str(gs.lrtest(a, b)).splitlines() == case["lrtest"]


@pytest.mark.parametrize("case", R, ids=lambda c: c["id"])
def test_anova_heading_writes_r_models(case):
    a, b = _fits(case)
    heading = gs.anova(a, b).attrs["heading"].splitlines()
    assert heading[0] == "Analysis of Deviance Table" and heading[1:] == case["anova_heading"]


def _lines(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@pytest.mark.parametrize("case", R, ids=lambda c: c["id"])
def test_drop1_add1_step_headings_write_r_models(case):
    # drop1's and add1's heading: "Model:" then deparse(formula(fit)); stepAIC's: the initial and final models
    a, b = _fits(case)
    assert b.drop1().attrs["heading"].split("\n", 1)[1] == "Model: " + "\n".join(_lines(case["drop1_model"]))
    scope = "~ . + " + " + ".join(b.term_labels)
    assert a.add1(scope).attrs["heading"].split("\n", 1)[1] == "Model: " + "\n".join(_lines(case["add1_model"]))
    heading = b.step().step_path.attrs["heading"]
    initial, final = heading.split("\nInitial model: ", 1)[1].split("\nFinal model: ")
    assert initial == "\n".join(_lines(case["step_initial"])) and final == "\n".join(_lines(case["step_final"]))
