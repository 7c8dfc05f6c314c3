"""factor() of whole numbers of 16 digits and more -- IDs -- has R's levels (tests/fixtures/integer_levels,
``make_integer_levels.R``).

R's levels are ``as.character()`` of the values, which writes a whole number in full while fixed notation is
the narrower: 1234567890123456 and 1234567890123457 are two levels, as are 2^53 and 2^53 + 2.  glmstat took
every value to 15 significant digits and made each such pair one level, silently: a coefficient fewer than
R's, and another meaning for the rest.  A double holds every whole number only up to 2^53, so R, reading
9007199254740993 as 9007199254740992, makes them one level; glmstat refuses an integer column that holds
both exactly (tests/formula/test_inexact_integers.py) and, from the doubles R reads, makes R's one level.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "integer_levels" / "r.json").read_text())


def _ints(texts: list[str], dtype: str) -> object:
    """The IDs as a column of ``dtype``: exact integers (int64, Int64, Python ints) or R's doubles."""
    values = [int(t) for t in texts]
    if dtype == "object":
        return pd.Series(values, dtype=object)
    if dtype == "float64":
        return np.array(values, dtype=float)
    return pd.array(values, dtype=dtype)


def _glmstat_name(r_name: str, term: str) -> str:
    return "Intercept" if r_name == "(Intercept)" else f"{term}[T.{r_name[len(term):]}]"


def _check(fit: gs.GLMResults, ref: dict, term: str) -> None:
    assert list(fit.coef.index) == [_glmstat_name(n, term) for n in ref["names"]]
    assert_close(fit.coef, ref["coef"], rtol=1e-10)
    assert_close(fit.std_errors, ref["se"], rtol=1e-10)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-10)


@pytest.mark.parametrize("dtype", ["int64", "Int64", "uint64", "object", "float64"])
def test_ids_of_16_to_19_digits_are_r_levels(dtype):
    data = pd.DataFrame({"y": REF["y"], "k": _ints(REF["k"], dtype)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.DataWarning)  # (no pair of these is one level)
        fit = gs.glm("y ~ factor(k)", data)
    _check(fit, REF["factor_k"], "factor(k)")
    # the level R writes 1234567890123457 is its own in new data, and in relevel() and factor(levels = )
    new = pd.DataFrame({"k": _ints(["1234567890123456", "1234567890123457"], dtype)})
    b = REF["factor_k"]["coef"]
    assert_close(fit.predict(new), [b[0] + b[1], b[0] + b[2]], rtol=1e-10)
    ref = gs.glm("y ~ relevel(factor(k), ref = '1234567890123457')", data)
    assert_close(ref.coef.iloc[0], b[0] + b[2], rtol=1e-10)
    given = gs.glm("y ~ factor(k, levels = c(1234567890123457, 5, 1234567890123456, 9007199254740992, "
                   "9007199254740994, 4611686018427387904))", data)
    assert_close(given.coef.iloc[0], b[0] + b[2], rtol=1e-10)


@pytest.mark.parametrize("dtype", ["int64", "Int64", "object"])
def test_ids_beyond_2_53_that_share_a_double_are_refused_from_exact_integers(dtype):
    data = pd.DataFrame({"y": REF["y"], "j": _ints(REF["j"], dtype)})
    with pytest.raises(gs.DataError, match=r"'j' holds integers beyond 2\^53 .*9007199254740993 reads as "
                                           r"9007199254740992"):
        gs.glm("y ~ factor(j)", data)


def test_ids_beyond_2_53_read_as_doubles_are_r_levels():
    data = pd.DataFrame({"y": REF["y"], "j": _ints(REF["j"], "float64")})
    _check(gs.glm("y ~ factor(j)", data), REF["factor_j"], "factor(j)")


def test_values_alike_to_15_digits_about_1e15_are_one_level_as_in_r():
    """999999999999999.9 and 1e15 are both "1e+15" in R (R's text is taken from 1e15 on, by the value
    rounded to 15 digits, so the two fall on one side), as 99999999999999.99 and 1e14 are "1e+14"."""
    near = [999999999999999.9, 1e15, 99999999999999.99, 1e14, 5.0]
    data = pd.DataFrame({"y": np.arange(10.0) ** 2, "v": near * 2})
    fit = gs.glm("y ~ factor(v)", data)
    assert list(fit.coef.index) == ["Intercept"] + [f"factor(v)[T.{lv}]" for lv in REF["near_levels"][1:]]
