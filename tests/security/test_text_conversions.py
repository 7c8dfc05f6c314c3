"""Texts from someone else's data read by strtoi() and substring(): a text of ten million digits is read as R reads
it (NA: beyond R's integers) without growing a number with it, and positions beyond R's integers are NA, as R's
as.integer makes them, never an index into the text."""

from __future__ import annotations

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import expression_values
from glmstat.formula.text_functions import strtoi_text


def test_a_text_of_ten_million_digits_is_na():
    digits = "1" * 10_000_000
    assert np.isnan(strtoi_text(digits, 10)) and np.isnan(strtoi_text("0x" + "f" * 10_000_000, 16))
    assert strtoi_text("0" * 10_000_000 + "17", 10) == 17.0  # (leading zeros are no digits of the value)
    rows = pd.DataFrame({"s": [digits, "12", "7"] * 3, "y": np.arange(9.0)})
    assert np.isnan(expression_values(rows, "strtoi(s, 10L)")[0])


def test_positions_beyond_r_s_integers_are_na():
    rows = pd.DataFrame({"s": ["abc", "defg"] * 3, "k": [2.0**40, 1.0] * 3, "y": np.arange(6.0)})
    fit = gs.glm("y ~ nchar(substring(s, k))", rows)
    assert fit.nobs == 3  # (the rows of k = 2^40 are NA, as R's as.integer makes it, and dropped)
