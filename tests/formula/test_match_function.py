"""R's ``match(x, table, nomatch)`` in a formula, against R 4.2 (tests/fixtures/match_function, made by
scripts/make_match_function.R).  glmstat refused the call ("not a function glmstat knows").

match() gives the position of the first value of ``table`` equal to x's: a factor by its labels, numbers by
value, every value as its text when the table holds a text (a double's 15 significant digits, an integer in full,
a logical TRUE/FALSE); NA matches NA and NaN matches NaN only; ``nomatch`` where there is none.  ``%in%`` and
``is.element()`` are ``match(x, table, nomatch = 0) > 0`` and share its code, so they are compared here too.
The values are R's integers (a factor of them is labelled as R labels one); the fits are R's, rows where
match() is NA dropped.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_coef_is_r_s, expression_value, r_double
from glmstat.formula.na_values import r_na_mask

HERE = FIXTURES / "match_function"
REF = json.loads((HERE / "ref.json").read_text())
# (the text "NaN" of g is a level, as R's read.csv keeps it; an empty field is missing; i and b as R reads them)
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=[""], dtype={"i": "Int64", "b": "boolean"})
N = len(DATA)


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_values_are_r_s(expr):
    want = REF["values"][expr]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (log(x) of x = -1, as R warns)
        v = expression_value(DATA, expr)
    got = np.broadcast_to(np.asarray(getattr(v, "values", v), dtype=float), (N,))
    np.testing.assert_array_equal(got, [r_double(t) for t in want["values"]])
    np.testing.assert_array_equal(r_na_mask(got) | np.isnan(got) & (want["type"] == "integer"),
                                  [t == "NA" for t in want["values"]])
    if want["type"] == "integer" and expr.startswith("match("):
        assert getattr(v, "integer", True), "match() gives R's integers"


def test_a_factor_of_positions_is_labelled_by_the_integers():
    v = expression_value(DATA, 'factor(match(i, c(100000, 1)))')
    assert [str(lv) for lv in v.levels] == ["1", "2"]


@pytest.mark.parametrize("expr, message", [
    ('match(g, c("a"), incomparables = "a")', "incomparables = is not supported"),
    ("match(x, c(1, 2), nomatch = 0.5)", "nomatch must be a whole number"),
    ("match(x, x)", "match\\(\\)'s table must be literal values"),
    ("match(x)", "match"),
])
def test_what_match_cannot_do_is_refused_by_name(expr, message):
    with pytest.raises(gs.FormulaError, match=message):
        expression_value(DATA, expr)


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert_coef_is_r_s(ref, DATA)
