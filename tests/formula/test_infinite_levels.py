"""factor() of a column holding Inf and -Inf has R's levels, ``-Inf``, ..., ``Inf`` (tests/fixtures/infinite_levels,
``make_infinite_levels.R``).

R's levels are ``as.character()`` of the values, and an infinite value is a level like any other.  glmstat's key
of a numeric level read the exponent of its 15-digit text, which ``inf`` has not: ``y ~ factor(x)`` ended in a
ValueError ("not enough values to unpack") for any infinite x, as did every formula that made x a factor.
"""

from __future__ import annotations

import json

import pandas as pd

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "infinite_levels" / "r.json").read_text())


def _data() -> pd.DataFrame:
    return pd.DataFrame({"y": REF["y"], "x": [float(t) for t in REF["x"]]})


def _check(fit: gs.GLMResults, ref: dict, term: str) -> None:
    names = ["Intercept" if n == "(Intercept)" else f"{term}[T.{n[len(term):]}]" for n in ref["names"]]
    assert list(fit.coef.index) == names
    assert_close(fit.coef, ref["coef"], rtol=1e-10)
    assert_close(fit.std_errors, ref["se"], rtol=1e-10)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-10)


def test_infinite_values_are_levels_as_in_r():
    fit = gs.glm("y ~ factor(x)", _data())
    _check(fit, REF["factor_x"], "factor(x)")
    new = pd.DataFrame({"x": [float(t) for t in REF["new_x"]]})
    assert_close(fit.predict(new), REF["predict"], rtol=1e-10)
    assert [str(v) for v in fit.emmeans("x").index] == REF["levels"]


def test_an_infinite_level_is_named_by_its_text():
    term = 'relevel(factor(x), ref = "Inf")'
    _check(gs.glm(f"y ~ {term}", _data()), REF["relevel_inf"], term)
