"""R's NA written in a formula, against R 4.2 (tests/fixtures/literal_na, made by scripts/make_literal_na.R).

* ``factor(x, levels = c(3.5, NA, 1))`` leaves NA out of the levels (R's default ``exclude = NA``); the key of the
  number NaN raised a raw ``ValueError`` (not enough values to unpack) from ``factor()``, ``ordered()``,
  ``as.factor()`` and ``relevel(f, ref = NA)``.  With ``exclude = NULL``, where R makes NA a level at its place,
  and in ``C(g, levels = )``, it is refused.
* ``sort(c(1, NA, -1))`` leaves the missing values out (R's ``na.last = NA``): they stayed, unsorted, and
  ``cut(x, sort(...))`` was refused.
* ``ifelse(x > 0, "pos", NA)`` is missing where the test takes NA: it was the text "NaN", a level of its own, and
  the model was fitted with it (R: one level left, refused).  R writes NaN as "NaN", which ``NaN`` stays.
* ``g == NA`` of a factor is NA on every row, not FALSE: the model was fitted with a column of zeros, where R
  has no row to fit.
* ``paste(g, NA)`` and ``sprintf("%5.1f", NA)`` write "NA", as R's do (they wrote "NaN", the text of the number
  the formula holds R's NA as); NaN stays "NaN".  So do ``paste(g, k)`` and ``sprintf("%f", log(k - 2))`` where
  a column the argument reads is missing (R's NA goes through arithmetic), "NaN" where it is computed from numbers
  (log(-1)): such a row is not dropped, its text is not missing, and "aNaN" was another level than R's "aNA".
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_coef_is_r_s, expression_value, r_double
from glmstat.formula.values import label_text

HERE = FIXTURES / "literal_na"
REF = json.loads((HERE / "ref.json").read_text())
# (the text "NaN" of g is a level, as R's read.csv keeps it; an empty field is missing)
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=[""])


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_values_are_r_s(expr):
    want = REF["values"][expr]
    v = expression_value(DATA, expr)
    if "values" in want:
        np.testing.assert_array_equal(np.asarray(v.values, dtype=float), [r_double(t) for t in want["values"]])
        return
    levels = [want["levels"]] if isinstance(want["levels"], str) else want["levels"]
    assert [label_text(lv) for lv in v.levels] == levels
    assert [None if c < 0 else int(c) + 1 for c in v.codes] == want["codes"]
    assert v.ordered == want["ordered"]


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    assert_coef_is_r_s(ref, DATA)


@pytest.mark.parametrize("formula", list(REF["errors"]))
def test_what_r_cannot_fit_is_refused(formula):
    # (R: no row left of g == NA; one level left of ifelse(x > 0, NA, "pos"))
    with pytest.raises(gs.DataError, match="no complete rows|single level"):
        gs.glm(formula, DATA)


@pytest.mark.parametrize("term, match", [
    ("C(factor(k), levels = c(1, NA))", "levels holds NA, which is no level here"),
    ("factor(k, levels = NA)", "levels holds NA alone"),
    ("relevel(factor(k), ref = NA)", "ref = NA must be a level's position"),
    ("relevel(factor(k), ref = NaN)", "ref = NaN must be a level's position"),
])
def test_refusals(term, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ {term}", DATA)


def test_new_data_take_the_fit_s_levels_without_na():
    fit = gs.glm("y ~ factor(k, levels = c(3.5, NA, 1)) + ifelse(x > 0, NaN, g)", DATA)
    new = DATA.iloc[:12]
    p = fit.predict(new)
    kept = new["k"].isin([3.5, 1]) & ((new["x"] > 0) | new["g"].notna())
    assert np.isfinite(p[kept.to_numpy()]).all() and np.isnan(p[~kept.to_numpy()]).all()
