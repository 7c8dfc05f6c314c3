"""The memory of the formula's text functions is priced before their texts are written, and what they hold stays
within the price (:mod:`glmstat.formula.text_memory`, :func:`glmstat.formula.evaluation_prices.held_columns`).

Each text function writes a text for each distinct value its rows take, at most 20 times ``max_columns`` (100,000), and
only that bound limited their memory: on 100,000 distinct texts ``toupper()``, ``gsub()`` and ``sprintf()`` held 7 to
10 times the columns of rows priced, and a formula of many of them held hundreds of megabytes where the design was
allowed 16.  The functions that code each row by the sorted distinct values of a column (``factor(x)``, ``paste()``,
``sprintf()``, ``ave()``, ``substring()``, and every text function, ``relevel()`` and ``%in%`` of an argument of
numbers) held 2 to 4 times their columns of rows.  These tests measure memory with tracemalloc, never time.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import traced_evaluation


def _data(n: int, distinct: int) -> pd.DataFrame:
    k = np.arange(n) % distinct
    return pd.DataFrame({
        "g": np.array([f"id{v:07d}" for v in k], dtype=object), "x": k + 0.5, "k": k.astype(float),
        "z": np.linspace(-1.0, 1.0, n), "h": np.array(["a", "b", "c", "d"], dtype=object)[np.arange(n) % 4],
        "y": np.linspace(0.0, 1.0, n) ** 2,
    })


def _measured(data: pd.DataFrame, text: str) -> tuple[int, int]:
    """The peak of the memory traced while ``text`` is evaluated on ``data`` (the data's columns read before), and its
    price: the columns of rows it holds (``held_bytes``) and the texts its calls wrote (``text_bytes``)."""
    ev, peak = traced_evaluation(data, text)
    return peak, ev.held_bytes + ev.text_bytes


@pytest.mark.parametrize("text", [
    "toupper(g)", "trimws(g)", 'gsub("id", "ID", g)', "as.character(x)", "paste(x)", 'sprintf("%f", x)',
    'sprintf("%s_%d", g, k)', "substring(g, 2, k)", "toupper(paste0(g, 1))", "ave(z, k)", "reorder(g, z)",
])
def test_the_texts_of_distinct_values_are_within_their_price(text):
    # (3,000 rows of as many distinct values: the texts' memory, 2.7 to 10 times the price before)
    peak, priced = _measured(_data(3_000, 3_000), text)
    assert peak <= 1.5 * priced, peak / priced


@pytest.mark.parametrize("text", [
    "factor(x)", "as.character(x)", "paste(x)", "paste(g, h, x)", 'sprintf("%f", x)', 'sprintf("%s_%d", g, k)',
    "ave(z, x)", "interaction(x, h)", "substring(g, 2, k)", "nchar(x)", 'gsub("1", "2", x)', 'relevel(x, "1.5")',
    'x %in% c("1.5")',
])
def test_the_rows_coded_by_sorted_values_are_within_their_price(text):
    # (50,000 rows of 100 values: the sort's columns of rows, 2 to 4 times the price before)
    peak, priced = _measured(_data(50_000, 100), text)
    assert peak <= 1.5 * priced, peak / priced


#: a design allowed 750 KB, where one text function's 4,000 texts hold more
_SMALL = gs.FormulaLimits(max_design_bytes=750_000)


@pytest.mark.parametrize("term, call", [
    ("nchar(toupper(g))", "toupper(g)"),
    ('nchar(gsub("id", "", g))', 'gsub("id", "", g)'),
    ("nchar(as.character(x))", "as.character(x)"),
    ('nchar(paste(g, "a"))', 'paste(g, "a")'),
    ('nchar(sprintf("%s-%f", g, x))', 'sprintf("%s-%f", g, x)'),
    ("nchar(substring(g, 2, k))", "substring(g, 2, k)"),
    ("ave(z, g)", "ave(z, g)"),
])
def test_texts_beyond_the_design_memory_are_refused_naming_the_call(term, call):
    data = _data(4_000, 4_000)
    with pytest.raises(gs.FormulaError, match="max_design_bytes") as e:
        gs.glm(f"y ~ {term}", data, limits=_SMALL)
    assert f"'{call}' writes 4,00" in str(e.value)  # (4,000 texts; as.character's "NaN" besides)
    gs.glm(f"y ~ {term}", data.head(400), limits=_SMALL)  # (a tenth of the texts: within it)


def test_the_texts_of_a_formula_count_together():
    # (each call's texts within the limit, the five together beyond: each call's are held as paste() joins them)
    data = _data(1_000, 1_000)
    one = "nchar(paste(toupper(g), tolower(g)))"
    gs.glm(f"y ~ {one}", data, limits=_SMALL)
    many = "nchar(paste(" + ", ".join(f"toupper(paste0(g, {k}))" for k in range(5)) + "))"
    with pytest.raises(gs.FormulaError, match="distinct texts, which with the formula's other texts"):
        gs.glm(f"y ~ {many}", data, limits=_SMALL)


def test_reorder_of_many_numbers_is_refused_before_their_texts_are_written():
    # (100,000 levels of numbers: three texts of each, 4 s, before the design's bound on its columns refused them)
    data = _data(100_000, 100_000)
    with pytest.raises(gs.FormulaError, match=r"'reorder\(factor\(x\), z\)': its texts.*max_text_chars"):
        gs.glm("y ~ reorder(factor(x), z)", data)
