"""sprintf() in a formula from someone else: its format is parsed by glmstat and each conversion rebuilt before
Python's ``%`` writes it (no mapping key, ``*`` or ``n$``, no width beyond R's 8,192), and the texts it would write
are counted -- distinct values, combinations, the widest text of each conversion -- before any is written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.formula.limits import FormulaLimits

N = 100_000
ROWS = pd.DataFrame({"a": np.arange(N) % 100, "b": np.arange(N) % 1000, "y": np.arange(N, dtype=float) % 7})


@pytest.mark.parametrize("fmt", ["%(a)s", "%(__class__)s", "%*d", "%1$d", "%.*f", "%n", "%p", "%c", "%x", "%ls",
                                 "{0.__class__}%d %", "%9999d", "%.99999f"])
def test_a_format_glmstat_does_not_write_is_refused_naming_the_call(fmt):
    with pytest.raises(gs.FormulaError, match=r"sprintf\("):
        gs.glm(f"y ~ sprintf({fmt!r}, a)".replace("'", '"'), ROWS.iloc[:50])


def test_wide_conversions_of_a_column_are_counted_before_any_text_is_written():
    # (1,000 values x 3 x 8,000 characters: 24 MB of texts, beyond a bound of 10 MB)
    with pytest.raises(gs.FormulaError, match="max_design_bytes"):
        gs.glm('y ~ sprintf("%8000d%8000d%8000d", b, b, b)', ROWS, limits=FormulaLimits(max_design_bytes=10**7))


def test_a_nested_text_of_values_that_are_one_each_is_no_longer_than_the_formula():
    inner = 'sprintf("%8000s%8000s", "a", "b")'
    with pytest.raises(gs.FormulaError, match="max_length"):
        gs.glm(f'y ~ nchar(sprintf("%s%s", {inner}, {inner})) + a', ROWS.iloc[:50])


def test_distinct_combinations_are_bounded_before_any_text_is_written():
    # (100 and 7 values, each within the bound of 400 texts; 700 combinations of them)
    with pytest.raises(gs.FormulaError, match="take 700 combinations, more texts than 400"):
        gs.glm('y ~ a + sprintf("%d.%d", a, y)', ROWS, limits=FormulaLimits(max_columns=20))
