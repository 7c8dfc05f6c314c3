"""R functions a formula may not call, and why: those whose value for a row depends on the other rows (cumsum,
lag, rank: R's predict() computes them again over the new rows alone) or on chance (runif, sample) are refused
with the reason, not as unknown functions to pass through context=; a summary left standing as a term by the
formula's operators (x / sd(x)) is refused with the I() it needed."""

from __future__ import annotations

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
    assert f"{func}(), which glmstat refuses" in message and "compute it as a column of the data" in message
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
