"""Planned contrasts of fewer than L - 1 columns against R (tests/fixtures/fewer_contrasts, made by
scripts/make_fewer_contrasts.R): ``C(g, m)`` completes them as R's ``contrasts<-`` does (columns of the QR of
cbind(1, m)); ``glm(contrasts = {"g": m})`` codes the factor with m's columns alone, as R's ``model.matrix``, and
``C(g, contr, how.many)`` with the first how.many columns of contr's matrix; on the small data and past the
structured-design threshold, streamed, and what is refused."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_type3_is_car_s, dense_only, r_coef_name

REF = json.loads((FIXTURES / "fewer_contrasts" / "ref.json").read_text())
SMALL = pd.read_csv(FIXTURES / "contrast_matrices" / "data.csv")


def _large() -> pd.DataFrame:
    """The script's 12,000 rows without random numbers: f the level (11 i mod 70), x = sin(i), y = 13 i mod 11."""
    i = np.arange(12_000)
    return pd.DataFrame({"f": [f"L{k:02d}" for k in (i * 11) % 70], "x": np.sin(i), "y": (i * 13) % 11})


LARGE = _large()


def _data(ref: dict) -> pd.DataFrame:
    return LARGE if "f" in ref["contrasts"] or "C(f," in ref["formula"] else SMALL


#: R names the columns of C(g, treatment | sum | helmert, how.many) by position, glmstat by level (README)
_BY_LEVEL = ("treatment", "sum", "helmert", "how.many")


def _by_cells(formula: str, data: pd.DataFrame, **kw) -> bool:
    """The front end stores the design by its cells' indicators times the contrast matrices (structured)."""
    from glmstat.design.transformed import TransformedDesign
    from glmstat.formula.frame import build_model_frame

    return isinstance(build_model_frame(formula, data, gs.Poisson(), **kw).design, TransformedDesign)


def _fit(formula: str, data: pd.DataFrame, **kw) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(formula, data, family=gs.Poisson(), tol=1e-12, max_iter=100, **kw)


def _check(fit: gs.GLMResults, ref: dict, data: pd.DataFrame) -> None:
    assert_close(fit.coef.to_numpy(), ref["coef"], rtol=1e-7)
    assert_close(fit.std_errors.to_numpy(), ref["se"], rtol=1e-6)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(fit.predict(data.head(4)), ref["predict"], rtol=1e-9)


@pytest.mark.parametrize("ref", REF["cases"], ids=[c["formula"] for c in REF["cases"]])
def test_c_completes_fewer_columns_as_r_does(ref):
    data = _data(ref)
    fit = _fit(ref["formula"], data)
    _check(fit, ref, data)
    names = [r_coef_name(n) for n in fit.coef.index]
    assert len(names) == len(ref["coef_names"])
    for ours, theirs in zip(names, ref["coef_names"]):
        # (R names its added columns "" when m's columns have names; glmstat by their position, one name each)
        assert ours == theirs or (theirs.endswith(")") and ours[len(theirs):].isdigit() and ours.startswith(theirs))
    if "anova3" in ref:
        assert_type3_is_car_s(fit, ref["anova3"])


@pytest.mark.parametrize("case, factor", [(0, "g"), (1, "g"), (3, "h"), (4, "g")])
def test_the_added_columns_are_r_s_matrix(case, factor):
    """The completed matrix itself, as R's fit records it (m's columns, then the QR's), read from the model
    matrix of the data's first rows: one row of it per level."""
    ref = REF["cases"][case]
    fit = _fit(ref["formula"], SMALL)
    (term, R), = [(t, np.array(k, dtype=float)) for t, k in ref["contrasts"].items() if t.startswith("C(")]
    X = fit.model_matrix(SMALL.head(40)).to_numpy()
    cols = [j for j, n in enumerate(fit.coef.index) if n.startswith(term + "[")]
    levels = np.searchsorted(np.array(sorted(set(SMALL[factor]))), SMALL[factor].head(40).to_numpy())
    assert_close(X[:, cols], R[levels], rtol=1e-12, atol=1e-15)


def test_a_structured_design_completes_as_the_dense_one():
    """69 contrast columns of a 70-level factor past 65,536 cells: the structured design (its cells' indicators
    times the completed matrix) and the dense one both give R's fit."""
    ref = REF["cases"][5]
    assert _by_cells(ref["formula"], LARGE)
    _check(_fit(ref["formula"], LARGE), ref, LARGE)
    with dense_only():
        dense = _fit(ref["formula"], LARGE)
    _check(dense, ref, LARGE)


@pytest.mark.parametrize("key", ["one", "two", "large"])
def test_glm_contrasts_with_fewer_columns_code_the_factor_with_them_alone(key):
    """R's model.matrix sets a matrix of glm(contrasts=) with how.many = its columns: no columns added, the
    factor's effect constrained to them; its sequential deviance table has that many degrees of freedom.  The
    large case: 66 Helmert columns of a 70-level factor, a structured design."""
    ref = REF["contrasts"][key]
    data = _data(ref)
    if key == "large":
        given = np.zeros((70, 66))
        for j in range(1, 67):  # R's contr.helmert(70)[, 1:66]
            given[:j, j - 1], given[j, j - 1] = -1.0, float(j)
        contrasts = {"f": given}
        assert _by_cells(ref["formula"], data, contrasts=contrasts)
    else:
        contrasts = {"g": np.array(ref["contrasts"]["g"], dtype=float)}
    fit = _fit(ref["formula"], data, contrasts=contrasts)
    _check(fit, ref, data)
    assert [r_coef_name(n) for n in fit.coef.index] == ref["coef_names"]
    if "anova1" in ref:
        rows = fit.anova().loc[ref["anova1"]["terms"]]
        assert list(rows["df"]) == ref["anova1"]["df"]
        assert_close(rows["deviance"], ref["anova1"]["deviance"], rtol=1e-6)
    if key == "large":
        with dense_only():
            _check(_fit(ref["formula"], data, contrasts=contrasts), ref, data)


@pytest.mark.parametrize("ref", REF["how_many"], ids=[c["formula"] for c in REF["how_many"]])
def test_how_many_takes_the_first_columns_as_r_does(ref):
    """``C(g, poly, 1)``: a linear trend alone; a matrix's first columns; a matrix of fewer columns with
    how.many = L - 1, completed; 66 Helmert columns of a 70-level factor, a structured design."""
    data = _data(ref)
    if "66" in ref["formula"]:
        assert _by_cells(ref["formula"], data)
    fit = _fit(ref["formula"], data)
    _check(fit, ref, data)
    if not any(k in ref["formula"] for k in _BY_LEVEL):
        assert [r_coef_name(n) for n in fit.coef.index] == ref["coef_names"]
    if "anova1" in ref:
        rows = fit.anova().loc[ref["anova1"]["terms"]]
        assert list(rows["df"]) == ref["anova1"]["df"]
        assert_close(rows["deviance"], ref["anova1"]["deviance"], rtol=1e-6)
    if "anova3" in ref:
        assert_type3_is_car_s(fit, ref["anova3"])


def test_how_many_names_by_level():
    assert list(_fit("y ~ C(g, treatment, 1)", SMALL).coef.index) == ["Intercept", "C(g, treatment, 1)[T.b]"]
    assert list(_fit("y ~ C(g, sum, 2)", SMALL).coef.index[1:]) == ["C(g, sum, 2)[S.a]", "C(g, sum, 2)[S.b]"]


@pytest.mark.parametrize("term, match", [
    ("C(g, poly, 5)", "how.many = 5 is more than the 3 columns of the factor's 4 levels"),
    ("C(g, poly, 0)", "how.many must be a whole number from 1"),
    ("C(g, cbind(c(1, 1, -1, -1)), 2)", "how.many = 2 with a matrix of 1 column: R completes it to all 3 columns"),
])
def test_how_many_refusals(term, match):
    with pytest.raises(gs.GLMStatError, match=match):
        _fit(f"y ~ {term}", SMALL)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_complete_as_in_memory(kind, tmp_path):
    from streamed_cases import as_streamed

    for ref in (REF["cases"][2], REF["how_many"][1]):
        _check(_fit(ref["formula"], as_streamed(SMALL, kind, tmp_path, rows=9)), ref, SMALL)


@pytest.mark.parametrize("ref", REF["refused"], ids=[c["formula"] for c in REF["refused"]])
def test_a_singular_matrix_is_refused_as_r_refuses_it(ref):
    assert ref["error"] == "singular contrast matrix"
    with pytest.raises(gs.DataError, match="linearly dependent \\(R: singular contrast matrix\\)"):
        _fit(ref["formula"], SMALL)


def test_completing_is_priced_before_the_matrix_is_made():
    """One column for a 600-level factor would complete to 600 x 599 entries, past the bound of a matrix of one's
    own: refused before the QR of a 600 x 600 matrix (and an attacker's 250,000 levels before 6e10 entries)."""
    data = pd.DataFrame({"g": [f"l{k:03d}" for k in range(600)] * 2, "y": [1.0, 2.0] * 600})
    column = "c(" + ", ".join(["1"] * 599 + ["-599"]) + ")"
    with pytest.raises(gs.DataError, match="600 x 599 entries, more than the 250,000"):
        _fit(f"y ~ C(g, cbind({column}))", data)
    with pytest.raises(gs.DataError, match="columns of a 600 x 599 contrast matrix, more than the 250,000"):
        _fit("y ~ C(g, helmert, 2)", data)


@settings(max_examples=60)
@given(data=st.data(), levels=st.integers(3, 8))
def test_the_added_columns_complete_the_contrasts_orthonormally(data, levels):
    """For any matrix of fewer columns that with the constant is of full rank, the completed matrix keeps its
    columns and adds orthonormal ones orthogonal to the constant and to them: together a basis of the contrasts,
    so that the fit is the factor's own (the same deviance)."""
    from glmstat.formula.contrasts import ContrastMatrix, resolved_contrasts

    k = data.draw(st.integers(1, levels - 2))
    M = np.array(data.draw(st.lists(st.lists(st.integers(-3, 3), min_size=k, max_size=k), min_size=levels,
                                    max_size=levels)), dtype=float)
    assume(np.linalg.matrix_rank(np.column_stack([np.ones(levels), M])) == k + 1)
    names = tuple(str(j) for j in range(1, k + 1))
    kind = ContrastMatrix(tuple(map(tuple, M.tolist())), names, None, fill=True)
    C = resolved_contrasts(kind, tuple(range(levels))).matrix_for(tuple(range(levels)))
    assert C.shape == (levels, levels - 1)
    np.testing.assert_array_equal(C[:, :k], M)
    added = C[:, k:]
    np.testing.assert_allclose(added.T @ added, np.eye(levels - 1 - k), atol=1e-12)
    np.testing.assert_allclose(added.T @ np.column_stack([np.ones(levels), M]), 0.0, atol=1e-12)
