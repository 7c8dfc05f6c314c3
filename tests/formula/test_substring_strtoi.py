"""R's ``substring()`` and ``strtoi()`` in formulas against R 4.2 (tests/fixtures/substring_strtoi, made by
scripts/make_substring_strtoi.R): each row's value -- positions as numbers or columns (truncated, below 1, last
before first, NA), C's strtol rules of strtoi in every base -- fits of them, and what is refused, by name."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_value, expression_values
from glmstat.formula.limits import FormulaLimits

HERE = FIXTURES / "substring_strtoi"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values={"k": [""]}, dtype={"s": str})


def _texts(expr: str) -> list:
    f = expression_value(DATA, expr)
    return [None if c < 0 else f.levels[c] for c in f.codes]


@pytest.mark.parametrize("expr", list(REF["texts"]))
def test_each_row_s_text_is_r_s(expr):
    assert _texts(expr) == REF["texts"][expr]


@pytest.mark.parametrize("expr", list(REF["numbers"]))
def test_each_row_s_integer_is_r_s(expr):
    want = np.array([np.nan if v is None else v for v in REF["numbers"][expr]], dtype=float)
    np.testing.assert_array_equal(expression_values(DATA, expr), want)


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    fit = assert_fit_is_r_s(ref, DATA, gs.Gaussian())
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(fit.fitted_values, ref["fitted"], rtol=1e-9)


@pytest.mark.parametrize("term, match", [
    ("substring(s, c(1, 2))", "first must be a number, or a column"),
    ("substring(s, 1, \"a\")", "last must be a number"),
    ("substring(s)", "the argument 'first' is missing"),
    ("strtoi(s, 1)", "invalid 'base' argument"),
    ("strtoi(s, 37L)", "invalid 'base' argument"),
    ("strtoi(s, k)", "invalid 'base' argument"),
])
def test_refusals_name_the_call(term, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ {term}", DATA)


def test_the_combinations_of_text_and_positions_are_bounded():
    # (50 texts and 7 positions, each within the bound of 100 texts; 350 combinations of them, beyond it)
    rows = pd.DataFrame({"s": [f"t{i % 50}" for i in range(400)], "k": np.arange(400) % 7, "y": np.arange(400.0)})
    with pytest.raises(gs.FormulaError, match="350 combinations, more texts than 100"):
        gs.glm("y ~ nchar(substring(s, k, k + 2))", rows, limits=FormulaLimits(max_columns=5))
