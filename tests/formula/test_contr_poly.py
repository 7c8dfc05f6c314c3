"""Polynomial contrasts (R's ``contr.poly``, the coding of an ordered factor) with many levels.

From about 20 levels on, the powers R orthogonalizes are dependent in double precision and R's columns of high
degree are what its QR with limited pivoting (LINPACK ``dqrdc2``, tol 1e-7) leaves there; an unpivoted
Householder QR gave other columns (0.9 apart at 23 levels), so the coefficients of an ordered factor's high
degrees were not R's.  Reference: R 4.2, tests/fixtures/scripts/make_contr_poly_fixtures.R (the last columns of
contr.poly(n) for n up to 95, R's refusal of 96 levels, and glm fits with ordered factors of 30 and 40 levels:
exact MLE and R's default control).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.formula.contrasts import coding_of

REF = json.loads((FIXTURES / "formula" / "contr_poly.json").read_text())


@pytest.mark.parametrize("case", REF["contr_poly"], ids=lambda c: f"n{c['n']}")
def test_contr_poly_columns_are_r_s(case):
    n = case["n"]
    M = coding_of(tuple(f"l{i}" for i in range(n)), "poly").matrix
    assert M.shape == (n, n - 1)
    want = np.array(case["values"], dtype=float).T  # (R's columns, 1-based)
    got = M[:, np.asarray(case["columns"]) - 1]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13)


def test_more_than_95_levels_are_refused_as_in_r():
    assert REF["refused_96"].startswith("orthogonal polynomials cannot be represented accurately enough")
    d = pd.DataFrame({"y": np.arange(192.0) % 5,
                      "f": pd.Categorical([f"l{i % 96:02d}" for i in range(192)], ordered=True)})
    with pytest.raises(gs.DataError, match="cannot be represented accurately enough for 95 degrees of freedom"):
        gs.glm("y ~ f", d, family=gs.Poisson())
    # an unordered factor of as many levels is fine, and 95 ordered levels are R's limit
    assert np.isfinite(gs.glm("y ~ factor(f, ordered = FALSE)", d, family=gs.Poisson()).deviance)
    d95 = d.assign(f=pd.Categorical([f"l{i % 95:02d}" for i in range(192)], ordered=True))
    assert np.isfinite(gs.glm("y ~ f", d95, family=gs.Poisson()).deviance)


def _data(fit: dict) -> pd.DataFrame:
    d = pd.DataFrame({k: fit["data"][k] for k in ("y", "x", "f")})
    d["f"] = pd.Categorical(d["f"], categories=fit["levels"], ordered=True)
    return d


def _family(fit: dict) -> gs.Family:
    return gs.Poisson() if fit["family"] == "poisson" else gs.Gamma(link=fit["link"])


@pytest.mark.parametrize("fit", REF["fits"], ids=lambda f: f["id"])
def test_ordered_factor_fit_matches_r(fit):
    f = gs.glm(fit["formula"], _data(fit), family=_family(fit), tol=1e-12, max_iter=100)
    ref = fit["exact"]
    assert_close(f.coef, ref["coefficients"], rtol=1e-7)
    assert_close(f.std_errors, ref["std_errors"], rtol=1e-7)
    assert_close([f.deviance, f.dispersion], [ref["deviance"], ref["dispersion"]], rtol=1e-9)


@pytest.mark.parametrize("fit", REF["fits"], ids=lambda f: f["id"])
def test_ordered_factor_fit_at_r_s_default_control(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = gs.glm(fit["formula"], _data(fit), family=_family(fit), convergence="R")
    ref = fit["rdefault"]
    assert_close(f.coef, ref["coefficients"], rtol=1e-8)
    assert_close(f.std_errors, ref["std_errors"], rtol=1e-8)
    assert_close([f.deviance, f.dispersion], [ref["deviance"], ref["dispersion"]], rtol=1e-8)
    assert f.iterations == ref["iterations"]
