"""R's NA and NaN kept apart, against R 4.2 (tests/fixtures/na_versus_nan, made by scripts/make_na_versus_nan.R).

The formula's numbers hold both as NaN; R's NA written in the formula is the NaN of R's payload
(glmstat.formula.na_values), which arithmetic carries as R's does, and a data column's missing value is NA.

* ``%in%``: R's match() matches NA to NA and NaN to NaN only.  ``x %in% c(1, NaN)`` was TRUE where x is missing,
  ``log(x) %in% NA`` TRUE where x is negative (NaN), ``log(x) %in% NaN`` TRUE where x is missing.
* ``paste(NA + 1)``, ``paste(NA_real_ * x)``, ``as.character(NA + 1)``, ``sprintf("%f", NA + 1)`` wrote "NaN" (R:
  "NA"), ``paste(ifelse(x > 0, NA, NaN))`` "NaN" on every row where x is not missing (R: "NA" where x > 0).
* ``as.character(log(x))``, ``toupper()``, ``substr()`` of it made a NaN missing (a row dropped), where R's text is
  "NaN"; ``ifelse(x > 0, NA + 1, "pos")`` and ``ifelse(x > 0, 0/0, g)`` were refused (R: missing, resp. "NaN").
* ``paste(g, ifelse(z > 10, sqrt(-1), x * 0))`` (found by the formula differential fuzz, seed 1456) was "NA" where
  z > 10 and x is missing, a column the row's value does not read (R: "NaN"): a data column's missing doubles are
  now R's NA, and arithmetic, math functions and ifelse() of them say exactly which NaN is NA.
* ``is.nan()``, which glmstat did not know (its suggestion, ``np.isnan()``, is TRUE for NA too), is R's where the
  NaNs say which are NA, refused elsewhere.
* ``choose(log(z), NA)``, ``atan2(NaN, NA)``, ``choose(NA, 2)`` were "NaN" (R's math2: NA where either argument
  is NA, else NaN), ``!NA`` and ``!(0/0)`` FALSE (R: NA).
* ``paste(NaN %/% x)`` was "NA" where x is missing (R: "NaN", the left's: %/% keeps a NaN's payload as / does),
  ``(-Inf)^NA`` "NaN" (R_pow: x + y where y is NaN, so NA); ``tanh(NA)`` of one value "NaN" (numpy's tanh does
  not keep a NaN's payload; R's math1 returns the NaN argument); ``paste(pmin(x, NaN))`` "NA" where x is missing
  (R: the later argument's NaN, "NaN").
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_coef_is_r_s, expression_value, r_double
from glmstat.formula.na_values import r_na_mask
from glmstat.formula.values import FactorVec, label_text

HERE = FIXTURES / "na_versus_nan"
REF = json.loads((HERE / "ref.json").read_text())
# (the text "NaN" of g is a level, as R's read.csv keeps it; an empty field is missing)
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=[""])
N = len(DATA)


def _r_missing(texts: list[str]) -> np.ndarray:
    return np.array([t == "NA" for t in texts])


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_values_are_r_s(expr):
    want = REF["values"][expr]
    v = expression_value(DATA, expr)
    if "values" in want:
        got = np.broadcast_to(np.asarray(getattr(v, "values", v), dtype=float), (N,))
        np.testing.assert_array_equal(got, [r_double(t) for t in want["values"]])
        return
    levels = [want["levels"]] if isinstance(want["levels"], str) else want["levels"]
    if not isinstance(v, FactorVec):  # (one text, or R's NA of one value)
        assert levels == [label_text(v)] and want["codes"] == [1] * N
        return
    assert [label_text(lv) for lv in v.levels] == levels
    assert [None if c < 0 else int(c) + 1 for c in v.codes] == want["codes"]


@pytest.mark.parametrize("expr, na", [
    ("NA_real_ * x", lambda x: np.ones(N, dtype=bool)),
    ("-(NA) + x", lambda x: np.ones(N, dtype=bool)),
    ("log(NA_real_ + x)", lambda x: np.ones(N, dtype=bool)),
    ("ifelse(x > 0, NA, NaN)", lambda x: x > 0),
    ("log(x)", lambda x: np.zeros(N, dtype=bool)),
])
def test_r_s_na_is_carried_through_arithmetic(expr, na):
    # (R's is.na(v) & !is.nan(v) of a value computed from NA written in the formula, where x is not missing: where
    # it is, the row is R's NA by the column read, na_rows)
    x = DATA["x"].to_numpy()
    got = r_na_mask(np.asarray(expression_value(DATA, expr).values, dtype=float))
    np.testing.assert_array_equal(got[~np.isnan(x)], na(x)[~np.isnan(x)])


def test_is_nan_of_a_value_whose_nans_are_not_told_apart_is_refused():
    # (scale() of a column does not carry R's NA, which no payload tells here; R: is.nan(scale(c(NA, 1, 2))) is
    # FALSE where x is NA.  pmax(), which was the example, now carries it)
    with pytest.raises(gs.FormulaError, match="which missing values of scale\\(x\\) are NaN rather than NA"):
        expression_value(DATA, "is.nan(scale(x))")


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    assert_coef_is_r_s(ref, DATA)
