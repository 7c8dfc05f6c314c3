"""Where the left of ``*`` or ``/`` has no term, R's terms() keeps none of the right's either: R's CrossTerms and
NestTerms (model.c) append the other terms to the left's list and return that list, so ``(x - x) * g`` and
``(x - x) / g`` are no term at all, not ``g`` (the right side is still read: its variables' missing rows are
dropped, its ``0`` or ``-1`` drops the intercept).  glmstat fitted ``g``; a randomized comparison of the formula
coder with R (seed 1488) found it in ``((g + g + g)^2 - g:g:g) / (g) : f - 1``.  Reference: R 4.2,
tests/fixtures/scripts/make_empty_left_terms.R."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name
from glmstat.formula.parser import parse
from glmstat.formula.terms import expand_terms

REF = json.loads((FIXTURES / "formula" / "empty_left_terms.json").read_text())
AIRQUALITY = pd.read_csv(FIXTURES / "data" / "airquality.csv")


@pytest.mark.parametrize("case", REF["terms"], ids=lambda c: c["formula"])
def test_an_empty_left_of_star_or_slash_keeps_no_term_as_in_r(case):
    terms = expand_terms(parse(case["formula"]), ("y", "a", "b", "c", "t"))
    assert list(terms.labels) == case["labels"]
    assert terms.intercept == case["intercept"]


@pytest.mark.parametrize("case", REF["fits"], ids=lambda c: c["formula"])
def test_the_fit_is_r_and_drops_the_right_sides_missing_rows(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)  # (Ozone's and Solar.R's missing rows)
        fit = gs.glm(case["formula"], AIRQUALITY)
    assert [r_coef_name(c) for c in fit.column_names] == case["columns"]
    assert [i + 1 for i in fit.rows_used] == case["rows"]
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)
    assert fit.df_residual == case["df_residual"]


@pytest.mark.parametrize("formula", ["Temp ~ (Wind - Wind) * factor(Month)", "Temp ~ (Wind - Wind) / Solar.R",
                                     "Temp ~ (0) / factor(Month) + Wind"])
def test_the_terms_r_drops_silently_are_named_in_a_warning(formula):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        with pytest.warns(gs.FormulaWarning, match="has no term, so the right's terms are dropped"):
            gs.glm(formula, AIRQUALITY)


@pytest.mark.parametrize("formula", ["Temp ~ Wind * (Solar.R - Solar.R)", "Temp ~ (Wind - 1) / factor(Month)",
                                     "Temp ~ (Wind - Wind) * (Solar.R - Solar.R) + Month"])
def test_no_warning_where_nothing_is_dropped(formula):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        warnings.simplefilter("error", gs.FormulaWarning)
        gs.glm(formula, AIRQUALITY)


def test_update_names_the_terms_it_drops_and_refits_r_s_formula():
    """R 4.2: update(glm(y ~ x), . ~ . + (x - x) * g) is the model y ~ x (update.formula's terms() drops g too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        fit = gs.glm("Temp ~ Wind", AIRQUALITY)
        with pytest.warns(gs.FormulaWarning, match="has no term, so the right's terms are dropped"):
            again = fit.update(". ~ . + (Wind - Wind) * factor(Month)")
    assert again.column_names == fit.column_names
    assert_close(again.coef, fit.coef, rtol=1e-12)
