"""The memory of evaluating a formula's variable is bounded with the design's: ``FormulaLimits.max_design_bytes``.

A call holds the values of the arguments it has evaluated while it evaluates the next: 190 nested ``ifelse()`` on a
million rows held a test column at each nesting, 1.5 GB at the innermost, within the work bound (``max_eval_work``)
and never counted.  The columns held at once are read from the text before anything is evaluated
(:func:`glmstat.formula.evaluation_prices.held_columns`: each call's arguments evaluated so far, plus its own result
and a numpy step's scratch, 3; pmax() and paste() fold theirs in one), 8 bytes a row each.  A sign or ``!`` of a column
(``-x``) was taken for the column read, which holds nothing: ``sprintf()`` of 40 times ``-x`` on a million rows held
386 MB where its text was priced 24 MB (16 times), and a test and ``-x`` at each nesting of ``ifelse()`` twice the
price.  These tests scale the limit to a few rows, and measure with tracemalloc on 20,000.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import expression_value
from glmstat.formula.evaluation_prices import held_columns
from glmstat.formula.parser import parse_expression

N = 50
DATA = pd.DataFrame({"x": np.linspace(0.0, 1.0, N), "y": np.linspace(1.0, 2.0, N) ** 2})


def _nested_ifelse(depth: int, yes: str = "") -> str:
    text = "0"
    for k in range(depth):
        text = f"ifelse(x > {k / depth}, {yes or k}, {text})"
    return text


def _flat_ifelse(count: int) -> str:
    return " + ".join(f"ifelse(x > {k / count}, {k}, 0)" for k in range(count))


@pytest.mark.parametrize("text, held", [
    ("x", 0),
    ("log(x)", 3),                               # (its result and a step's scratch)
    ("x + (x + (x + x))", 4),                    # (a column read is the data's own: only each sum's result)
    ("x * 2 + (x * 3 + (x * 4 + x))", 6),        # (the left side of each + held while its right is evaluated)
    (_nested_ifelse(40), 43),                    # (a test held at each nesting)
    (_flat_ifelse(40), 5),                       # (one sum held beside each term)
    ("pmax(x * 1, x * 2, x * 3, x * 4, x * 5)", 4),  # (folded in one at a time)
    ("poly(x, 6) + x", 20),                      # (a basis of 6 columns held, and as many again and 6 as it is made)
    ("-x", 2),                                   # (a sign of a column makes a column: no column read)
    ('sprintf("%f%f%f", -x, !x, -(-x))', 11),    # (one argument's column, its codes of each, its sort's scratch)
    (_nested_ifelse(40, yes="-x"), 83),          # (a test and -x held at each nesting)
])
def test_the_columns_held_are_read_from_the_text(text, held):
    assert held_columns(parse_expression(text), 100) == held


@pytest.mark.parametrize("depth", [40, 120])
def test_nested_calls_beyond_the_memory_are_refused(depth):
    # (the limit scaled to N rows: room for 20 columns, where the nested ifelse() holds depth + 3)
    limits = gs.FormulaLimits(max_design_bytes=20 * N * 8)
    with pytest.raises(gs.FormulaError, match=f"holds {depth + 3} columns of rows at once") as e:
        gs.glm(f"y ~ I({_nested_ifelse(depth)})", DATA, limits=limits)
    assert "max_design_bytes" in str(e.value) and "ifelse(x > " in str(e.value)
    gs.glm(f"y ~ I({_flat_ifelse(depth)})", DATA, limits=limits)  # (the same calls side by side: 5 columns)


def _peak_bytes(data: pd.DataFrame, text: str) -> int:
    """The peak of the memory traced while ``text`` is evaluated on ``data``."""
    tracemalloc.start()
    try:
        expression_value(data, text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("text, least", [
    (_nested_ifelse(30), 30),
    # (a test and -x held at each nesting, where the text was priced the test alone: -x was taken for a column read)
    (_nested_ifelse(30, yes="-x"), 60),
])
def test_the_measured_peak_is_within_the_price(text, least):
    n = 20_000
    data = pd.DataFrame({"x": np.repeat(np.arange(4.0), n // 4)})  # (four texts: the rows' columns, not the texts')
    peak = _peak_bytes(data, text)
    priced = held_columns(parse_expression(text), 100) * n * 8
    assert least * n * 8 < peak <= 1.05 * priced


@pytest.mark.parametrize("text", ["choose(x, 3)", "lchoose(x, 2.5)", "choose(x + 0.5, 40)", "choose(x, x * 2)"])
def test_choose_holds_its_masks_for_a_block_of_rows(text):
    # (its branches' score of masks and products on every row at once: 4.8 to 6.3 times the price on 200,000 rows)
    n = 200_000
    data = pd.DataFrame({"x": np.resize([0.5, -3.0, 7.0, 40.5], n)})
    expression_value(data.head(8), text)  # (scipy's first call's tables, once a process)
    peak = _peak_bytes(data, text)
    assert peak <= 1.3 * held_columns(parse_expression(text), 100) * n * 8
