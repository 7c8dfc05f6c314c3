"""R's ``contr.poly(n, scores = ...)``: orthonormal polynomials in the given scores (R's ``make.poly(n, scores)``),
in ``C(f, contr.poly(4, scores = c(1, 2, 4, 8)))`` and as a matrix of ``glm(contrasts=)``.  glmstat took ``n`` alone
and refused ``scores =`` as an unknown argument.  Reference: R 4.2, tests/fixtures/scripts/make_contr_poly_scores.R
(the matrices to the last bit, R's refusals, and glm fits: exact MLE).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name
from glmstat.formula.contrasts import poly_contrasts

REF = json.loads((FIXTURES / "formula" / "contr_poly_scores.json").read_text())


def _data() -> pd.DataFrame:
    d = pd.DataFrame({k: REF["data"][k] for k in ("y_pois", "y_gauss", "x")})
    for f in ("f4", "f6"):
        d[f] = pd.Categorical(REF["data"][f], categories=REF["levels"][f], ordered=True)
    return d


@pytest.mark.parametrize("case", REF["contr_poly"], ids=lambda c: f"n{c['n']}_{c['scores'][0]}_{c['scores'][-1]}")
def test_contr_poly_with_scores_is_r_s(case):
    scores = [float(v) for v in case["scores"]]
    got = poly_contrasts(case["n"], scores)
    want = np.array(case["values"], dtype=float).T  # (R's columns, written with 17 digits)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)


def test_default_scores_are_contr_poly_of_n():
    for n in (2, 5, 23):
        np.testing.assert_array_equal(poly_contrasts(n, list(range(1, n + 1))), poly_contrasts(n))


@pytest.mark.parametrize("fit", REF["fits"], ids=lambda f: f["id"])
def test_fit_with_scored_polynomials_matches_r(fit):
    kw = {}
    if fit.get("contrasts_scores"):  # (R: glm(contrasts = list(f4 = contr.poly(4, scores = ...))))
        M = poly_contrasts(4, fit["contrasts_scores"])
        kw["contrasts"] = {"f4": pd.DataFrame(M, columns=[".L", ".Q", ".C"])}
    family = gs.Poisson() if fit["family"] == "poisson" else gs.Gaussian()
    f = gs.glm(fit["formula"], _data(), family=family, tol=1e-12, max_iter=100, **kw)
    ref = fit["report"]
    assert [r_coef_name(n) for n in f.coef.index] == ref["names"]
    assert_close(f.coef, ref["coefficients"], rtol=1e-7)
    assert_close(f.std_errors, ref["std_errors"], rtol=1e-7)
    assert_close([f.deviance, f.dispersion], [ref["deviance"], ref["dispersion"]], rtol=1e-9)


def test_r_s_refusals():
    assert REF["refusals"] == {"wrong_length": "'scores' argument is of the wrong length",
                               "repeated": "'scores' must all be different numbers",
                               "logical": "'scores' must all be different numbers"}


@pytest.mark.parametrize("term, match", [
    ("C(f4, contr.poly(4, scores = c(1, 2, 3)))", r"scores \(1\.0, 2\.0, 3\.0\) are 3 for 4 levels.*wrong length"),
    ("C(f4, contr.poly(4, scores = c(1, 2, 2, 3)))", "the score 2.0 is given twice.*must all be different numbers"),
    ("C(f4, contr.poly(4, scores = c(TRUE, FALSE, TRUE, FALSE)))", "must be numbers.*must all be different numbers"),
    ("C(f4, contr.poly(4, scores = c(1, 2, Inf, 3)))", "must be finite numbers"),
    ("C(f4, contr.poly(4, scores = x))", "scores = a column must be numbers written in the formula"),
    ('C(f4, contr.poly(4, scores = c("a", "b", "c", "d")))', "must be numbers written in the formula"),
])
def test_scores_that_are_not_distinct_numbers_one_per_level_are_refused(term, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y_pois ~ {term}", _data(), family=gs.Poisson())


@pytest.mark.parametrize("scores, match", [
    ([1.0, 2.0], "are 2 for 3 levels"), ([1.0, 1.0, 2.0], "given twice"), ([1.0, np.nan, 2.0], "finite"),
    (["a", "b", "c"], "must be numbers"),
])
def test_poly_contrasts_refuses_bad_scores(scores, match):
    with pytest.raises(gs.FormulaError, match=match):
        poly_contrasts(3, scores)
