"""R functions a formula may not call, and why: those whose value for a row depends on the other rows (cumsum,
lag, rank: R's predict() computes them again over the new rows alone) or on chance (runif, sample) are refused
with the reason, not as unknown functions to pass through context=; a summary left standing as a term by the
formula's operators (x / sd(x)) is refused with the I() it needed."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.formula.functions import REFUSED_FUNCTIONS

DATA = pd.DataFrame({"x": np.arange(1.0, 21.0), "y": np.arange(20.0) % 7})


@pytest.mark.parametrize("func", sorted(REFUSED_FUNCTIONS))
def test_refused_with_the_reason(func):
    with pytest.raises(gs.FormulaError) as info:
        gs.glm(f"y ~ {func}(x)", DATA)
    message = str(info.value)
    assert re.search(rf"{re.escape(func)}\(\)( of a column)?, which glmstat refuses", message)
    assert "compute it as a column of the data" in message
    assert "context=" not in message  # (a function of one's own would be evaluated again on new data too)
    assert ("other rows" in message) != ("random" in message)


def test_namespaced_row_order_function_is_refused_as_unknown_to_its_namespace():
    with pytest.raises(gs.FormulaError, match="stats::"):
        gs.glm("y ~ stats::lag(x)", DATA)


def test_a_context_function_of_that_name_is_the_caller_s():
    fit = gs.glm("y ~ rank(x)", DATA, context={"rank": lambda v: v / 2})
    assert np.isclose(fit.coef["rank(x)"], 2 * gs.glm("y ~ x", DATA).coef["x"])


@pytest.mark.parametrize("formula", ["y ~ x / sd(x)", "y ~ (x - min(x)) / (max(x) - min(x))", "y ~ x * mean(x)"])
def test_a_summary_standing_as_a_term_says_to_use_I(formula):
    with pytest.raises(gs.FormulaError, match=r"is a constant.*outside I\(\).*I\(x / sd\(x\)\)"):
        gs.glm(formula, DATA)


def test_the_arithmetic_inside_I_is_fitted():
    fit = gs.glm("y ~ I(x / sd(x))", DATA)
    assert np.isclose(fit.coef["I(x/sd(x))"], gs.glm("y ~ x", DATA).coef["x"] * DATA["x"].std())


@pytest.mark.parametrize("formula, same", [
    ("y ~ factor(x %% 3, levels = rev(c(0, 1, 2)))", "y ~ factor(x %% 3, levels = c(2, 1, 0))"),
    ("y ~ factor(x %% 3, levels = sort(c(1, 2, 0), decreasing = TRUE))", "y ~ factor(x %% 3, levels = c(2, 1, 0))"),
    ("y ~ cut(x, sort(c(20, 0, 10)))", "y ~ cut(x, c(0, 10, 20))"),
])
def test_rev_and_sort_of_literal_values_are_r_s(formula, same):
    # (of literal values they depend on no row: R's values, the literal vector reversed or sorted)
    a, b = gs.glm(formula, DATA), gs.glm(same, DATA)
    np.testing.assert_array_equal(a.coef.to_numpy(), b.coef.to_numpy())
    assert [n.rsplit("[", 1)[1] for n in a.coef.index[1:]] == [n.rsplit("[", 1)[1] for n in b.coef.index[1:]]


def test_sort_of_numbers_and_texts_together_is_refused():
    with pytest.raises(gs.FormulaError, match="numbers or texts, not both"):
        gs.glm('y ~ factor(x %% 3, levels = sort(c(1, "a")))', DATA)


@pytest.mark.parametrize("formula, match", [
    ("y ~ s(x)", r"calls s\(\), a smooth term of a generalized additive model .*ns\(x, df = 4\)"),
    ("y ~ te(x, x)", r"calls te\(\), a smooth term"),
    ("y ~ year(x)", r"calls year\(\), lubridate's"),
    ("y ~ as.POSIXct(x)", r"calls as.POSIXct\(\), a formula reads no date-time from text"),
    ("y ~ strata(x)", r"calls strata\(\), the survival package's"),
    ("y ~ x + (1 | x)", r"\(1 \| g\) is a random effect of lme4's mixed models.*fit.robust\(cluster="),
])
def test_other_packages_functions_are_named_with_what_a_glm_has(formula, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(formula, DATA)


def test_a_context_function_of_such_a_name_is_the_caller_s():
    fit = gs.glm("y ~ s(x)", DATA, context={"s": lambda v: 2 * v})
    assert np.isclose(fit.coef["s(x)"], gs.glm("y ~ x", DATA).coef["x"] / 2)
