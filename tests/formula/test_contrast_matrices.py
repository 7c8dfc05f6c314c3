"""Contrasts beyond R's four names against R (tests/fixtures/contrast_matrices, made by
scripts/make_contrast_matrices.R): contr.SAS, treatment against another level, R's contrast functions of a number of
levels, planned contrasts of one's own (cbind(), matrix(), glm(contrasts=) with a matrix), a singular matrix, in
interactions; car's type III tests; the same on a structured design and streamed data; what is refused."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_type3_is_car_s, r_coef_name

HERE = FIXTURES / "contrast_matrices"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


def _fit(formula: str, data=DATA, **kw) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(formula, data, family=gs.Poisson(), tol=1e-12, max_iter=100, **kw)


def _check(fit: gs.GLMResults, ref: dict, names: bool = True) -> None:
    coef, se = np.array(ref["coef"], dtype=float), np.array(ref["se"], dtype=float)
    assert np.array_equal(np.isnan(fit.coef.to_numpy()), np.isnan(coef))  # (R's NA: an aliased column)
    assert_close(fit.coef.to_numpy()[~np.isnan(coef)], coef[~np.isnan(coef)], rtol=1e-7)
    assert_close(fit.std_errors.to_numpy()[~np.isnan(se)], se[~np.isnan(se)], rtol=1e-6)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(fit.predict(DATA.head(4)), ref["predict"], rtol=1e-9)
    if names:
        assert [r_coef_name(n) for n in fit.coef.index] == ref["coef_names"]


#: R names the columns of C(g, contr.SAS), C(g, contr.treatment, base =) by position; glmstat by level (README)
_BY_LEVEL = ("contr.SAS)", "base = 3)", "base = 2)", "base = 1)")


@pytest.mark.parametrize("ref", REF["cases"], ids=[c["formula"] for c in REF["cases"]])
def test_contrasts_in_the_formula_are_r_s(ref):
    fit = _fit(ref["formula"])
    _check(fit, ref, names=not any(k in ref["formula"] for k in _BY_LEVEL))
    if "anova3" in ref:
        assert_type3_is_car_s(fit, ref["anova3"])


def test_names_by_level_where_r_names_by_position():
    fit = _fit("y ~ C(g, contr.treatment, base = 3) + x")
    assert list(fit.coef.index[1:4]) == [f"C(g, contr.treatment, base = 3)[T.{v}]" for v in "abd"]
    assert list(_fit("y ~ C(g, contr.SAS)").coef.index[1:]) == [f"C(g, contr.SAS)[T.{v}]" for v in "abc"]


def test_base_without_contrasts_is_treatment_against_that_level():
    """R's C(g, base = 2) passes base = to the default contrasts, contr.treatment for an unordered factor (glmstat
    refused it); for an ordered factor they are contr.poly, which R refuses ("unused argument (base = 2)")."""
    assert list(_fit("y ~ C(g, base = 2) + x").coef.index[1:4]) == [f"C(g, base = 2)[T.{v}]" for v in "acd"]
    with pytest.raises(gs.FormulaError, match="an ordered factor's default contrasts are polynomials"):
        _fit("y ~ C(ordered(g), base = 2)")


@pytest.mark.parametrize("how", ["array", "list", "frame"])
def test_a_matrix_as_glm_contrasts_is_r_s(how):
    M = np.array(REF["matrix"], dtype=float)
    given = {"array": M, "list": M.tolist(), "frame": pd.DataFrame(M, columns=["1", "2", "3"])}[how]
    _check(_fit("y ~ g * x", contrasts={"g": given}), REF["contrasts"]["matrix"])
    _check(_fit("y ~ g + h", contrasts={"g": "contr.SAS"}), REF["contrasts"]["sas"])


def test_refits_keep_the_contrasts():
    M = np.array(REF["matrix"], dtype=float)
    fit = _fit("y ~ g * x", contrasts={"g": M})
    _check(fit.update(". ~ ."), REF["contrasts"]["matrix"])
    full = _fit("y ~ g * x + h", contrasts={"g": M})
    assert_close(full.drop1().loc["h", "deviance"], fit.deviance, rtol=1e-9)


#: a planned matrix with named columns, and treatment contrasts of levels given as n (columns named by them)
_STREAMED = [REF["cases"][6], next(c for c in REF["cases"] if 'contr.treatment(c("a"' in c["formula"])]


@pytest.mark.parametrize("ref", _STREAMED, ids=["cbind", "levels_as_n"])
@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, ref, tmp_path):
    from streamed_cases import as_streamed

    streamed = _fit(ref["formula"], as_streamed(DATA, kind, tmp_path, rows=9))
    _check(streamed, ref)


def test_a_structured_design_takes_a_matrix_as_the_dense_one_does():
    """A 300-level factor with Helmert contrasts given as a matrix and by name, and contr.SAS against relevel():
    the same fit (the structured store times the contrast matrix)."""
    from conftest import dense_only

    r = np.random.default_rng(5)
    n, L = 30_000, 300
    data = pd.DataFrame({"g": pd.Series(r.integers(0, L, n)).astype(str).str.zfill(3), "x": r.normal(size=n)})
    data["y"] = r.poisson(np.exp(0.3 + 0.1 * data["x"]))
    H = np.zeros((L, L - 1))
    for j in range(1, L):
        H[:j, j - 1], H[j, j - 1] = -1.0, float(j)
    by_matrix = _fit("y ~ g + x", data, contrasts={"g": H})
    by_name = _fit("y ~ g + x", data, contrasts={"g": "helmert"})
    np.testing.assert_allclose(by_matrix.coef.to_numpy(), by_name.coef.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(by_matrix.std_errors.to_numpy(), by_name.std_errors.to_numpy(), rtol=1e-10)
    with dense_only():
        dense = _fit("y ~ g + x", data, contrasts={"g": H})
    np.testing.assert_allclose(by_matrix.coef.to_numpy(), dense.coef.to_numpy(), rtol=1e-9, atol=1e-12)
    sas = _fit("y ~ C(g, contr.SAS) + x", data)
    last = _fit('y ~ relevel(g, ref = "299") + x', data)
    np.testing.assert_allclose(sas.coef.to_numpy(), last.coef.to_numpy(), rtol=1e-10)  # (the same columns)


@pytest.mark.parametrize("term, match", [
    ("C(g, cbind(c(1, -1, 0, 0), c(1, 1, -2, 0), c(1, 1, 1, -3), c(1, 0, 0, -1)))",
     "has 4 columns where the factor's 4 levels take at most 3 \\(R would drop the last ones silently\\)"),
    ("C(g, cbind(c(1, -1, 0), c(1, 1, -2), c(1, 1, 1)))", "has 3 rows for the factor's 4 levels"),
    ("C(g, matrix(c(1, 2, 3), 2))", "do not fill 2 x 1"),
    ("C(g, cbind(c(1, -1), c(1, 1, -2)))", "differ in length"),
    ('C(g, cbind(c(1, -1, 0, "a"), c(1, 1, -2, 0), c(1, 1, 1, -3)))', "must be numbers written in the formula"),
    ("C(g, cbind(c(1, -1, 0, Inf), c(1, 1, -2, 0), c(1, 1, 1, -3)))", "finite numbers"),
    ("C(g, contr.treatment, base = 5)", "base = 5 is no level's position"),
    ("C(g, contr.sum, base = 2)", "base = is for treatment contrasts"),
    ("C(g, contr.treatment(4, base = 9))", "base = 9 is no level's position"),
    ("C(g, contr.SAS(3))", "has 3 rows for the factor's 4 levels"),
    ("C(g, contr.poly(100))", "takes from 2 to 95 levels"),
    ("C(g, somefunction(4))", "unknown contrasts somefunction\\(4\\)"),
    # (the levels given as n: R's contr.treatment(c("a", "b", "c")) has 3 rows, as contr.treatment(3))
    ('C(g, contr.treatment(c("a", "b", "c")))', "has 3 rows for the factor's 4 levels"),
    ('C(g, contr.treatment(c("a", "a", "b", "c")))', "n \\(the levels\\) has duplicate levels"),
    ('C(g, contr.sum(c("a", NA, "b", "c")))', "n \\(the levels\\) holds NA"),
    ('C(g, contr.helmert("a"))', "takes from 2 to 500 levels"),
    ("C(g, contr.poly(x))", "n \\(the number of levels\\) must be"),
])
def test_refusals(term, match):
    with pytest.raises(gs.GLMStatError, match=match):
        _fit(f"y ~ {term}")


@pytest.mark.parametrize("formula, match", [
    # R 4.2.2 stops at C() itself: "wrong number of contrast matrix rows", "baseline group number out of range"
    ("y ~ 0 + C(g, cbind(c(1, -1, 0), c(1, 1, -2)))", "has 3 rows for the factor's 4 levels"),
    ("y ~ 0 + C(g, contr.treatment, base = 5)", "base = 5 is no level's position"),
    ("y ~ 0 + C(g, contr.SAS(3))", "has 3 rows for the factor's 4 levels"),
    ("y ~ C(g, cbind(c(1, -1, 0))):x", "has 3 rows for the factor's 4 levels"),
    ("y ~ x + C(g, cbind(c(1, -1, 0))) - C(g, cbind(c(1, -1, 0)))", "has 3 rows for the factor's 4 levels"),
])
def test_contrasts_that_cannot_code_the_factor_are_refused_where_its_terms_take_indicators(formula, match):
    """C()'s contrasts are checked against the factor's levels where every term codes it by indicators too, or
    only a removed term names it (glmstat fitted these, never using the matrix; R's C() sets the contrasts when
    the model frame evaluates it and stops)."""
    with pytest.raises(gs.DataError, match=match):
        _fit(formula)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
@pytest.mark.parametrize("formula", ["y ~ x + C(g, cbind(c(1, -1, 0))) - C(g, cbind(c(1, -1, 0)))",
                                     "y ~ C(g, cbind(c(1, -1, 0))):x"])
def test_streamed_fits_refuse_contrasts_that_cannot_code_the_factor(formula, kind, tmp_path):
    """The same refusals streamed (R 4.2.2: "wrong number of contrast matrix rows"), the factor's levels merged over
    the chunks, none of which has all four."""
    from streamed_cases import as_streamed

    with pytest.raises(gs.DataError, match="has 3 rows for the factor's 4 levels"):
        _fit(formula, as_streamed(DATA, kind, tmp_path, rows=3))
    assert _fit(formula.replace("c(1, -1, 0)", "c(1, -1, 0, 0)"), as_streamed(DATA, kind, tmp_path, rows=3)).converged


class _Loud:
    """An object whose conversion to a number is code of its own: it must never run."""

    def __init__(self, v: float) -> None:
        self.v = v

    def __float__(self) -> float:
        raise AssertionError("a contrast matrix's object was converted")


@pytest.mark.parametrize("given, match", [
    (np.ones((4, 3, 1)), "a matrix of one row per level"),
    (np.full((4, 3), np.nan), "finite numbers"),
    (np.ones((600, 600)), "at most 250,000 entries"),
    ([["a", "b"]], "must be numbers"),
    (np.array([[_Loud(1.0)] * 3] * 4, dtype=object), "must be numbers"),
    (pd.DataFrame({"u": ["1", "2", "3", "4"]}), "must be numbers"),
    (lambda: 1, "a name such as 'contr.sum' or a matrix"),
    ("contr.bogus", "unknown contrasts 'contr.bogus'"),
])
def test_refusals_of_glm_contrasts(given, match):
    with pytest.raises(gs.GLMStatError, match=match):
        _fit("y ~ g", contrasts={"g": given})


def test_a_frame_s_index_names_the_level_of_each_row():
    """A DataFrame whose index names the levels is matched to them by text, whatever its order; its index must
    name every level (a RangeIndex: the factor's levels in order, as R takes a matrix)."""
    M = pd.DataFrame(REF["matrix"], columns=["1", "2", "3"], index=["a", "b", "c", "d"])
    _check(_fit("y ~ g * x", contrasts={"g": M.iloc[[2, 0, 3, 1]]}), REF["contrasts"]["matrix"])
    with pytest.raises(gs.DataError, match="rows name the levels 'a', 'b', 'c', 'e', without 'd'; 'e' is no level"):
        _fit("y ~ g", contrasts={"g": M.rename(index={"d": "e"})})
