"""R's ``paste()``, ``paste0()``, ``toupper()``, ``tolower()``, ``trimws()``, ``substr()`` and ``nchar()`` in
formulas: each row's text (numbers as R's as.character writes them,
TRUE/FALSE, NaN) and fits whose model frame makes a factor of them, levels sorted as text, against R 4.2
(tests/fixtures/text_functions, made by scripts/make_text_functions.R); the texts are written for the
combinations the rows take only, and bounded."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_value, expression_values
from glmstat.formula.values import label_text

REF = json.loads((FIXTURES / "text_functions" / "ref.json").read_text())
DATA = {"mt": pd.read_csv(FIXTURES / "data" / "mtcars.csv"), "aq": pd.read_csv(FIXTURES / "data" / "airquality.csv"),
        "es": pd.read_csv(FIXTURES / "data" / "esoph.csv")}
FAMILIES = {"binomial": gs.Binomial(), "poisson": gs.Poisson(), "gaussian": gs.Gaussian()}


def _texts(expr: str, data: pd.DataFrame) -> list[str]:
    f = expression_value(data, expr)
    return [label_text(f.levels[c]) for c in f.codes]


@pytest.mark.parametrize("expr", list(REF["texts"]))
def test_each_row_s_text_is_r_s(expr):
    assert _texts(expr, DATA["mt"]) == REF["texts"][expr]


#: awkward texts (spaces, a tab and a newline, an empty string) beside numbers, as R read them
TX = pd.read_csv(FIXTURES / "text_functions" / "data.csv", keep_default_na=False, dtype={"s": str})


@pytest.mark.parametrize("expr", list(REF["texts_tx"]))
def test_text_functions_give_r_s_texts(expr):
    assert _texts(expr, TX) == REF["texts_tx"][expr]


@pytest.mark.parametrize("expr", list(REF["nchars_tx"]))
def test_nchar_is_r_s(expr):
    assert expression_values(TX, expr).tolist() == REF["nchars_tx"][expr]


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_using_them_are_r_s(ref):
    fit = assert_fit_is_r_s(ref, DATA[ref["data"]], FAMILIES[ref["family"]])
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import assert_streamed_is_in_memory

    assert_streamed_is_in_memory(REF["fits"][0]["formula"], DATA["mt"], kind, tmp_path, rows=5, rtol=1e-9)


def test_new_rows_take_the_fit_s_levels():
    fit = gs.glm(REF["fits"][0]["formula"], DATA["mt"])
    new = DATA["mt"].iloc[[0, 2, 4]]
    assert_close(fit.predict(new), fit.fitted_values.to_numpy()[[0, 2, 4]], rtol=1e-12)


@pytest.mark.parametrize("formula, match", [
    ('mpg ~ paste(cyl, collapse = "")', "one text of every row"),
    ("mpg ~ paste0(cyl, sep = '-')", "unknown argument 'sep'"),
    ("mpg ~ paste(cyl, sep = 1)", "sep must be a string"),
])
def test_refusals(formula, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(formula, DATA["mt"])


def test_combinations_are_bounded_before_their_texts_are_written():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"y": rng.normal(size=3000), "a": rng.normal(size=3000), "b": rng.normal(size=3000)})
    limits = gs.FormulaLimits(max_columns=100)  # (20 x 100 = 2,000 texts at most)
    with pytest.raises(gs.FormulaError, match="distinct values, more texts than 2,000"):
        gs.glm("y ~ I(paste(a, b) == 'x')", d, limits=limits)
    with pytest.raises(gs.FormulaError, match="combinations, more texts than 2,000"):
        gs.glm("y ~ I(paste(round(a, 2), round(b, 2)) == 'x')", d, limits=limits)


def test_a_sep_per_row_is_refused_without_naming_internal_types():
    with pytest.raises(gs.GLMStatError, match=r"sep must be a string, e.g. sep = \"_\", got a value per row$"):
        gs.glm("mpg ~ I(paste(cyl, gear, sep = paste0(am)) == 'a')", gs.load_dataset("mtcars"))


def test_the_characters_the_text_functions_read_count_over_the_formula():
    # each call is bounded in its distinct texts, not their length: 20 toupper() of 10,000 texts of 10,000
    # characters took 3.5 s, and a formula has room for a thousand; the formula's calls count together
    d = pd.DataFrame({"y": np.arange(10.0), "g": [f"{i}" + "ab" * 50 for i in range(10)]})  # (1,010 characters)
    limits = gs.FormulaLimits(max_text_chars=6_500)
    calls = [f"nchar({fn}(g))" for fn in ("toupper", "tolower", "trimws")]
    # (six reads, each of 1,010 characters and the missing value's "NA")
    assert gs.glm(f"y ~ I(pmax({', '.join(calls)}))", d, limits=limits).coef.size == 2
    with pytest.raises(gs.FormulaError, match=r"substr\(g, 2, 5\)'?: its texts, with those the formula's other text "
                                              r"functions read, hold more than 6,500 characters.*"
                                              r"FormulaLimits\(max_text_chars=...\)"):
        gs.glm(f"y ~ I(pmax({', '.join(calls + ['nchar(substr(g, 2, 5))'])}))", d, limits=limits)
    with pytest.raises(gs.FormulaError, match="more than 6,500 characters"):
        gs.glm("y ~ I(paste(g, g, g, g, g, g, g) == 'a')", d, limits=limits)
