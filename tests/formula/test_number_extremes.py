"""R's number functions at the ends of the doubles, against R 4.2 (tests/fixtures/number_extremes, made by
scripts/make_number_extremes.R), to the last bit.

* ``signif(x, d)`` of numbers beyond 1e+-306 (R's fprec, "LARGE or small"): 10^e10 is split as 10^(d +- 22) times
  the rest; with a split of 10^(d + 1) or 10^(d + 6) the rest overflowed, so that ``signif(1e-320, 3)`` was NaN
  (a row dropped as missing) and ``signif(1.7e308, 3)`` Inf, and the numbers in between were a unit in the last
  place from R's.
* ``lgamma()`` and ``lbeta()`` of a subnormal number are -log(x) (R's denormalized range), not Inf.
* ``choose()`` and ``lchoose()`` of a fractional n and k = Inf are 0 and -Inf, ``beta()`` and ``lbeta()`` with an
  infinite argument 0 and -Inf, as R has them (they were NaN, a row dropped).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import FIXTURES, expression_values, r_double

REF = json.loads((FIXTURES / "number_extremes" / "ref.json").read_text())


def _doubles(key: str) -> np.ndarray:
    return np.array([r_double(t) for t in REF[key]])


def _assert_same(got: np.ndarray, want: np.ndarray) -> None:
    same = (np.isnan(got) & np.isnan(want)) | (got == want)
    assert same.all(), list(zip(got[~same], want[~same]))


@pytest.mark.parametrize("digits", list(REF["signif"]))
def test_signif_beyond_1e306_is_r_s(digits):
    want = np.array([r_double(t) for t in REF["signif"][digits]])
    _assert_same(expression_values(pd.DataFrame({"x": _doubles("x")}), f"signif(x, {digits})"), want)


def test_lgamma_of_subnormal_numbers_is_r_s():
    _assert_same(expression_values(pd.DataFrame({"x": _doubles("tiny")}), "lgamma(x)"), _doubles("lgamma"))


def test_choose_of_an_infinite_k_is_r_s():
    n = pd.DataFrame({"n": _doubles("n")})
    _assert_same(expression_values(n, "choose(n, Inf)"), _doubles("choose"))
    _assert_same(expression_values(n, "lchoose(n, Inf)"), _doubles("lchoose"))


@pytest.mark.parametrize("fn", ["beta", "lbeta"])
def test_beta_at_its_edges_is_r_s(fn):
    _assert_same(expression_values(pd.DataFrame({"a": _doubles("a"), "b": _doubles("b")}), f"{fn}(a, b)"),
                 _doubles(fn))
