"""The formula's total work of evaluation is bounded: rows x passes over them, ``FormulaLimits.max_eval_work``.

Each node's result is one column, and the formula's length bounds its nodes, but not what they cost together:
``pmax()`` of 60 sums of 150 ``x`` (9,000 additions, 18,000 characters) took 4 s on a million rows, and 50
``choose(x, 3)`` (612 characters) 24 s.  The passes are counted from the text before a variable is evaluated
(:func:`glmstat.formula.evaluation_prices.evaluation_passes`), so these tests count, never time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.formula.evaluation_prices import evaluation_passes
from glmstat.formula.functions import BUILTINS, PASSES
from glmstat.formula.parser import parse_expression

rng = np.random.default_rng(11)
N = 1000
D = pd.DataFrame({"y": rng.normal(size=N), "x": rng.uniform(0.5, 1.5, N), "z": rng.uniform(0.5, 1.5, N),
                  "g": rng.choice(["a", "b", "c"], N)})


@pytest.mark.parametrize("text, passes", [
    ("x", 0),                                   # a column is read once
    ("x + z", 1),
    ("x + x + x + x", 3),
    ("-x", 1),
    ("-1", 0), ("log(2)", 0), ("c(0, 1, 2)", 0), ("(3) * -2", 0),  # literals make no pass over the rows
    ("log(x)", PASSES["log"]),
    ("exp(log(x))", 1 + PASSES["log"]),
    ("x > 1 & z < 1", PASSES[">"] + PASSES["<"] + PASSES["&"]),
    ("pmax(x, z, x + z)", 3 * PASSES["pmax"] + 1),   # a call: its passes for each argument not a literal
    ("pmax(x, 0, 1)", PASSES["pmax"]),
    ("choose(x, 3)", PASSES["choose"]),
    ("stats::qnorm(x / 2)", 1 + PASSES["qnorm"]),
    ("cut(x, breaks = c(0, 1, 2))", PASSES["cut"]),
    ("myfun(x, z)", 2),                         # a context= function: a pass per argument
    ("poly(x, 100)", PASSES["poly"] * 100),     # a basis transform: its passes for each column it makes
    # (at least 2: bs(x) and ns(x) took 120 ns a row, the knots' and the sorted values' work)
    ("stats::poly(x, degree = 3)", PASSES["poly"] * 3), ("bs(x, df = 10)", PASSES["bs"] * 10),
    ("ns(x, knots = c(1, 2))", PASSES["ns"] * 2), ("poly(x, 10**6)", PASSES["poly"] * 2),  # (not a number: one)
    ("bs(x, df = 1e6)", PASSES["bs"] * 100),      # (at most max_basis, which refuses more when it is made)
])
def test_passes_are_read_from_the_text(text, passes):
    assert evaluation_passes(parse_expression(text)) == passes


def test_every_priced_name_is_a_function_or_an_operator():
    operators = {"==", "!=", "<", ">", "<=", ">=", "&", "&&", "|", "||", "!", "^", "%%", "%/%", "%in%"}
    assert set(PASSES) - operators <= set(BUILTINS) | {"cbind"}  # (cbind: rowSums()' columns, not a function alone)


def test_the_formula_is_refused_past_the_limit_and_fits_at_it():
    # y ~ I(x + x + x): 2 passes of 1,000 rows, with the other variables (y and x: none)
    limits = gs.FormulaLimits(max_eval_work=2 * N - 1)
    with pytest.raises(gs.FormulaError, match=r"evaluating 'I\(x \+ x \+ x\)' on 1,000 rows, with the formula's "
                                              r"other variables, needs more work than allowed \(rows x passes over "
                                              r"them\): 2,000, where the limit max_eval_work is 1,999; .*"
                                              r"FormulaLimits\(max_eval_work=\.\.\.\)"):
        gs.glm("y ~ I(x + x + x)", D, limits=limits)
    assert len(gs.glm("y ~ I(x + x + x)", D, limits=gs.FormulaLimits(max_eval_work=2 * N)).coef) == 2


def test_the_work_of_every_variable_counts_together():
    # log(x) and log(z) and the weights' and the subset's passes: each within the limit, not all together
    each = PASSES["log"] * N
    limits = gs.FormulaLimits(max_eval_work=2 * each)
    assert len(gs.glm("y ~ log(x) + log(z)", D, limits=limits).coef) == 3
    with pytest.raises(gs.FormulaError, match="max_eval_work"):
        gs.glm("y ~ log(x) + log(z) + sqrt(x)", D, limits=limits)
    with pytest.raises(gs.FormulaError, match="max_eval_work"):
        gs.glm("y ~ log(x) + log(z)", D, weights="x + z", limits=limits)
    with pytest.raises(gs.FormulaError, match="max_eval_work"):
        gs.glm("y ~ log(x) + log(z)", D, subset="x > 0.6", limits=limits)


def test_the_work_is_counted_before_it_is_done():
    # a context= function counts its calls: the variable that passes the limit is never evaluated
    calls = []

    def twice(v):
        calls.append(1)
        return 2 * v

    formula = "y ~ " + " + ".join(f"twice(x + {k})" for k in range(1, 11))  # 2 passes each
    # (the formula's variables are counted together before the first is evaluated: refused before any call)
    with pytest.raises(gs.FormulaError, match=r"evaluating 'twice\(x \+ 1\)'.*: 20,000, where the limit"):
        gs.glm(formula, D, context={"twice": twice}, limits=gs.FormulaLimits(max_eval_work=10 * N + 1))
    assert calls == []
    # weights= is counted as it is evaluated, the terms' variables before it: twice(x) is never called
    with pytest.raises(gs.FormulaError, match="max_eval_work"):
        gs.glm("y ~ twice(x)", D, context={"twice": twice}, weights="x + z + x + z + x",
               limits=gs.FormulaLimits(max_eval_work=4 * N))
    assert calls == []


def test_predict_counts_the_new_rows():
    fit = gs.glm("y ~ I(x + x + x)", D, limits=gs.FormulaLimits(max_eval_work=2 * N))
    assert len(fit.predict(D.iloc[:N])) == N
    with pytest.raises(gs.FormulaError, match="max_eval_work"):
        fit.predict(pd.concat([D, D.iloc[:1]]))


def test_a_long_term_is_quoted_cut_in_the_message():
    # the message names the term (cut to 60 characters), once, whatever its length
    term = "I(pmax(" + ", ".join(["choose(x, 3)"] * 50) + "))"
    with pytest.raises(gs.FormulaError) as e:
        gs.glm(f"y ~ {term}", D, limits=gs.FormulaLimits(max_eval_work=10**6))
    msg = str(e.value)
    assert len(msg) < 400 and msg.count("choose(x, 3), choose(x, 3), choose(x, 3)") == 1, msg
    assert f": {50 * PASSES['choose'] * N + 50 * PASSES['pmax'] * N:,}, where the limit max_eval_work" in msg
