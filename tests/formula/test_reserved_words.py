"""R's reserved constants beside columns of the same names.

``TRUE``, ``FALSE``, ``NULL``, ``Inf``, ``NaN``, ``NA``, ``NA_integer_``, ``NA_real_``, ``NA_character_`` are
reserved words in R: written bare they are always the constant, and a column of that name is read only in
backticks (`` `Inf` ``).  A column named ``Inf`` used to shadow the constant (``I(pmin(x, Inf))`` read the
column), and names written back out (update(), step(), term labels) left the backticks off.  ``T``, ``F`` and
``pi`` are ordinary names in R, which a column masks.  The numbers are R's (tests/fixtures/reserved_words, from
make_reserved_words.R).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.formula.deparse import deparse, r_name
from glmstat.formula.nodes import Const, Name
from glmstat.formula.parser import parse_expression

HERE = FIXTURES / "reserved_words"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
NEW = pd.DataFrame({"x": [0.5, 2.5, 4.0], "z": [0.0, 1.0, -1.0], "Inf": [-1.0, 0.0, 2.0], "NA": [1.0, 0.0, -1.0],
                    "TRUE": [0.5, 1.0, 1.5], "T": [2.0, -2.0, 0.0]})
FITS = ["pmin_inf", "na_constant", "true_constant", "t_masked", "dot", "plus_true", "minus_true", "plus_false",
        "plus_null"]


def _r_names(fit: gs.GLMResults) -> list[str]:
    return ["(Intercept)" if n == "Intercept" else n for n in fit.coef.index]


def _fit(formula: str, data: pd.DataFrame = DATA) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (gs.DroppedRowsWarning, gs.AliasingWarning))
        return gs.glm(formula, data, family=gs.Poisson())


@pytest.mark.parametrize("key", FITS)
def test_reserved_constants_and_columns_as_r(key):
    ref = REF[key]
    fit = _fit(ref["formula"][0])
    assert list(fit.term_labels) == ref["labels"]
    assert _r_names(fit) == ref["coef_names"]
    assert_close(fit.coef, ref["coef"])
    assert_close([fit.deviance], ref["deviance"])
    assert fit.nobs == ref["nobs"][0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = fit.predict(NEW, type="link")
    assert_close(np.asarray(got, dtype=float), ref["predict_link"])


def test_update_writes_reserved_column_names_in_backticks_as_r():
    ref = REF["update_dot"]
    new = _fit("y ~ .").update("~ . - `NA` + I(pmax(`Inf`, -Inf))")
    assert new.formula == ref["formula"][0]
    assert _r_names(new) == ref["coef_names"]
    assert_close(new.coef, ref["coef"])
    assert_close([new.deviance], ref["deviance"])
    # and the text it wrote reads back as the same model
    again = _fit(new.formula)
    assert_close(again.coef, ref["coef"])


def test_drop1_and_step_refit_the_reserved_columns():
    fit = _fit("y ~ x + `Inf` + `NA` + `TRUE` + I(pmin(x, Inf))")
    assert list(fit.drop1().index) == ["<none>", "x", "`Inf`", "`NA`", "`TRUE`", "I(pmin(x, Inf))"]
    # every model step() visits is written out and read back: a bare Inf or NA would be refused as a term
    chosen = fit.step()
    assert set(chosen.term_labels) <= {"x", "`Inf`", "`NA`", "`TRUE`", "I(pmin(x, Inf))"}
    assert "`Inf`" in chosen.formula or "Inf" not in chosen.formula.replace("pmin(x, Inf)", "")


def test_the_call_line_keeps_the_backticks():
    fit = _fit("y ~ `Inf` + I(pmin(x, Inf))")
    assert "formula = y ~ `Inf` + I(pmin(x, Inf))" in str(fit.summary())


def test_the_constant_never_reads_the_column():
    """A column named Inf of zeros made pmin(x, Inf) zero (an aliased term); NA of numbers made ifelse()'s NA
    a number, and TRUE of 5s multiplied by 5."""
    d = DATA.assign(**{"Inf": 0.0, "NA": 3.0, "TRUE": 5.0, "NaN": 1.0, "NA_real_": 2.0, "NULL": 1.0})
    plain = DATA[["x", "y"]]
    for formula in ["y ~ I(pmin(x, Inf))", "y ~ I(x * TRUE)", "y ~ I(ifelse(x > 2.5, NA, x))",
                    "y ~ I(ifelse(x > 2.5, NA_real_, x))", "y ~ I(ifelse(x > 2.5, NaN, x))"]:
        assert_close(_fit(formula, d).coef, _fit(formula, plain).coef, rtol=1e-12)


@pytest.mark.parametrize("word", ["TRUE", "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_",
                                  "NA_character_", "NA_complex_"])
def test_parser_reads_reserved_words_as_constants_and_backticks_as_names(word):
    assert parse_expression(word) == Const(word)
    assert parse_expression(f"`{word}`") == Name(word)
    assert r_name(word) == f"`{word}`"
    assert deparse(Name(word)) == f"`{word}`" and deparse(Const(word)) == word
    # the text written reads back as the same node
    for node in (Name(word), Const(word)):
        assert parse_expression(deparse(node)) == node


@pytest.mark.parametrize("word", ["T", "F", "pi"])
def test_t_f_and_pi_are_names_a_column_masks(word):
    assert parse_expression(word) == Name(word)
    assert r_name(word) == word


def test_keywords_and_dots_are_written_in_backticks():
    for word in ["if", "function", "in", "...", "..1", "..12"]:
        assert r_name(word) == f"`{word}`"
    assert r_name("..x") == "..x" and r_name("TRUE.x") == "TRUE.x"


@pytest.mark.parametrize("formula, match", [
    ("y ~ x + Inf", "R's constant Inf stands where a term is expected"),
    ("y ~ x + NA_character_", "R's constant NA_character_"),
    ("y ~ x:NaN", "R's constant NaN"),
    ("y ~ TRUE(x)", "TRUE is a constant of R, not a function"),
    ("y ~ I(x + NULL)", "uses NULL as a value"),
    ("y ~ bs(x, knots = NULL)", "uses NULL as a value"),
    ("y ~ `NaN`", "'NaN', which is not a column"),
])
def test_reserved_words_refused_with_a_clear_message(formula, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(formula, DATA, family=gs.Poisson())


def test_sklearn_features_named_as_reserved_words():
    pytest.importorskip("sklearn")  # (an optional dependency: glmstat[sklearn])
    from glmstat.sklearn import GLMRegressor

    X = DATA[["NA", "Inf", "x"]]
    est = GLMRegressor(family=gs.Poisson()).fit(X, DATA["y"])
    results = est.results_
    assert list(results.coef.index) == ["Intercept", "`NA`", "`Inf`", "x"]
    assert_close(results.coef.to_numpy()[1:], est.coef_, rtol=1e-6)


def test_streamed_fit_reads_the_constant_not_the_column(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "d.parquet"
    DATA.to_parquet(path, row_group_size=16)
    ref = REF["pmin_inf"]
    fit = _fit(ref["formula"][0], str(path))
    assert_close(fit.coef, ref["coef"])
