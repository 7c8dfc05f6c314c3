"""Formulas where a randomized comparison of glmstat's formula coder with R's model.matrix found glmstat
different, pinned against R: the term order of '^' applied to a sum holding interactions (R's PowerTerms);
the rows dropped for missing values of variables that only a removed term names (``y ~ . - z``: R's model
frame still reads z); nested powers of a few variables, which the bound on the number of terms refused;
factor() of an ordered factor, which stays ordered (polynomial contrasts) as in R; relevel() with a number,
which R reads as the reference level's position; numbers in factor levels and term labels as R writes
them (15 significant digits, 1e+05), values alike to 15 digits one level; an offset written twice (one
variable, one offset) and terms holding an offset (dropped, as R drops them).  Reference: R 4.2,
tests/fixtures/scripts/make_formula_differential_fixtures.R."""

from __future__ import annotations

import json
import re
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_array

REF = json.loads((FIXTURES / "formula" / "differential.json").read_text())["cases"]


def _as_r(name: str) -> str:
    """glmstat's column name as R writes it: 'Intercept' -> '(Intercept)', 'f[T.b]' -> 'fb'."""
    return "(Intercept)" if name == "Intercept" else re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", name)


@pytest.fixture(scope="module", params=sorted(REF))
def case(request):
    ref = REF[request.param]
    data = pd.read_csv(FIXTURES / "data" / f"{ref['data']}.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm(ref["formula"], data, family=gs.Gaussian())
    return ref, fit


def test_terms_and_columns_are_r(case):
    ref, fit = case
    assert [t for t in fit.model_frame.term_labels if t != "(Intercept)"] == ref["term_labels"]
    assert [_as_r(c) for c in fit.column_names] == ref["column_names"]


def test_rows_used_are_r(case):
    ref, fit = case
    assert list(fit.rows_used) == ref["rows"]


def test_design_and_fit_are_r(case):
    ref, fit = case
    assert_close(fit.model_frame.X, r_array(ref["X"]), rtol=1e-10, atol=1e-12)
    assert_close(fit.coef, r_array(ref["coefficients"]), rtol=1e-6, atol=1e-9)
    assert_close(fit.deviance, ref["deviance"], rtol=1e-8)


def test_relevel_number_is_a_position_not_a_value():
    # R 4.2: relevel(factor(c(10, 20, 30)), ref = 20) is an error "ref = 20 must be in 1L:3"
    data = pd.read_csv(FIXTURES / "data" / "mtcars.csv")
    with pytest.raises(gs.FormulaError, match=r"position from 1 to 3.*ref = \"6\""):
        gs.glm("mpg ~ relevel(factor(cyl), ref = 6)", data)


def test_third_argument_of_C_is_how_many():
    # R's C(object, contr, how.many): C(f, sum, 1) keeps one contrast column (glmstat once read the 1 as
    # levels = and dropped every row); levels = c(...) still reorders when named.
    data = pd.read_csv(FIXTURES / "data" / "mtcars.csv")
    # R 4.2.2: coef(glm(mpg ~ C(factor(cyl), sum, 1), data = mtcars))
    one = gs.glm("mpg ~ C(factor(cyl), sum, 1)", data)
    assert_close(one.coef, [20.6298356510745826, 5.7515802781289516], rtol=1e-10)
    assert one.column_names[1:] == ["C(factor(cyl), sum, 1)[S.4]"]
    fit = gs.glm("mpg ~ C(factor(cyl), sum, levels = c(8, 6, 4))", data)
    assert fit.column_names[1:] == ["C(factor(cyl), sum, levels = c(8, 6, 4))[S.8]",
                                    "C(factor(cyl), sum, levels = c(8, 6, 4))[S.6]"]
