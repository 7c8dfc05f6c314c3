"""R's choose() and lchoose() on hard pairs, against R 4.2 (tests/fixtures/choose_hard_pairs, made by
scripts/make_choose_hard_pairs.R): 336 pairs of 21 n (fractional, negative, whole) and 16 k from 30 to 1e15.

A fractional n below k - 1 is R's exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)), signed, whose terms of
up to 1e16 cancel: scipy's gammaln made ``choose(0.5, 1e9)`` 3.8e-6 relative from R's, ``lchoose(0.25, 1e15)`` -44
(R: -40), and scipy's gammasgn gave ``choose(0.5, 3e9)`` the wrong sign (17 of the choose pairs and 10 of the
lchoose pairs beyond 1e-6).  Now R's log-gamma (glmstat.formula.log_gamma); the pairs of other branches (scipy's
lbeta where R has its own) are within 2e-9.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import FIXTURES, expression_values, r_double

HERE = FIXTURES / "choose_hard_pairs"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


def test_the_pairs_are_r_s():
    np.testing.assert_array_equal(DATA["n"], [r_double(t) for t in REF["n"]])
    np.testing.assert_array_equal(DATA["k"], [r_double(t) for t in REF["k"]])


@pytest.mark.parametrize("fn", ["choose", "lchoose"])
def test_values_are_r_s(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (R's warning of a k rounded is none here: every k is whole)
        got = expression_values(DATA, f"{fn}(n, k)")
    np.testing.assert_allclose(got, [r_double(t) for t in REF[fn]], rtol=1e-8, atol=0)
