"""The QR reducer's closed form for a structured design's widest factor (glmstat.engine.structured_qr)
against the dense QR of the same weighted rows: the same column geometry (R'R = A'WA), a triangular
factor, and R's aliasing decisions (a nested factor, a level whose rows all have weight 0, a numeric
column that is a combination of two others)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glmstat as gs
from conftest import dense_only
from glmstat.design.structured import Factor, StructuredDesign
from glmstat.engine.aliasing import aliased_in_order
from glmstat.engine.linalg import QRReducer
from glmstat.engine.structured_qr import FactorFirst, factor_first, structured_r, widest_factor


def _design(n: int = 3000, seed: int = 1):
    rng = np.random.default_rng(seed)
    big = rng.integers(0, 20, n)  # 19 columns (3..21)
    small = rng.integers(0, 5, n)  # 4 columns (22..25)
    x = rng.normal(size=(n, 2))
    x3 = x[:, 0] + 2 * x[:, 1]
    nested = big // 5  # 4 levels, each a union of `big` levels: 3 aliased columns (27..29)
    X = StructuredDesign(
        30, 0, np.asfortranarray(np.column_stack([x, x3])), [1, 2, 26],
        [Factor(big, np.concatenate([[-1], np.arange(3, 22)])),
         Factor(small, np.concatenate([[-1], np.arange(22, 26)])),
         Factor(nested, np.concatenate([[-1], np.arange(27, 30)]))])
    w = rng.uniform(0.2, 2.0, n)
    w[big == 7] = 0.0  # column 9 has no weight
    return X, w, rng.normal(size=n)


def test_widest_factor_is_taken_out():
    X, _, _ = _design()
    assert widest_factor(X) == 0


def test_structured_factor_has_the_dense_geometry_and_is_triangular():
    X, w, r = _design()
    R = structured_r(X, w, r, 0)
    A = np.column_stack([X.toarray(), r]) * np.sqrt(w)[:, None]
    G = A.T @ A
    # (level 7's row, without weight, is zero and left out of the QR: 30 rows for 31 columns)
    assert R.shape == (30, 31) and np.allclose(R, np.triu(R))
    np.testing.assert_allclose(R.T @ R, G, rtol=0, atol=1e-12 * np.abs(G).max())


def _wide(n: int = 40, levels: int = 300, seed: int = 3):
    """A factor of more levels than rows (most without a row) beside two numeric columns."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, levels, n)
    x = rng.normal(size=(n, 2))
    X = StructuredDesign(levels + 2, 0, np.asfortranarray(x), [1, levels + 1],
                         [Factor(codes, np.concatenate([[-1], np.arange(2, levels + 1)]))])
    return X, rng.uniform(0.5, 2.0, n), rng.normal(size=n), codes


def test_levels_without_rows_are_left_out_of_the_design_order_qr():
    # (a design wider than its rows: the QR of every level's row was O(k^2 p), the levels with rows are at most n)
    X, w, r, codes = _wide()
    parts = factor_first(X, w, r, 0)
    R = parts.design_order()
    weighted = np.unique(codes[codes > 0]).size  # (level 0 is the reference: no column)
    assert R.shape == (weighted + parts.R.shape[0], X.n_cols + 1) and np.allclose(R, np.triu(R))
    A = np.column_stack([X.toarray(), r]) * np.sqrt(w)[:, None]
    G = A.T @ A
    np.testing.assert_allclose(R.T @ R, G, rtol=0, atol=1e-12 * np.abs(G).max())
    dense = np.linalg.qr(A, mode="r")
    assert list(np.flatnonzero(aliased_in_order(R[:, :-1]))) == list(np.flatnonzero(aliased_in_order(dense[:, :-1])))


def test_gram_among_kept_columns_is_the_whole_gram_s_block():
    X, w, r, _ = _wide()
    parts = factor_first(X, w, r, 0)
    kept = np.zeros(X.n_cols, dtype=bool)
    kept[[0, 1, 5, 9, 40, 301]] = True
    whole, u = parts.gram_score()
    some, u_some = parts.gram_score(kept)
    assert np.array_equal(some[np.ix_(kept, kept)], whole[np.ix_(kept, kept)])
    assert not some[~kept].any() and not some[:, ~kept].any() and np.array_equal(u_some, u)


def test_structured_factor_aliases_as_the_dense_qr():
    X, w, r = _design()
    dense = np.linalg.qr(np.column_stack([X.toarray(), r]) * np.sqrt(w)[:, None], mode="r")
    got = np.flatnonzero(aliased_in_order(structured_r(X, w, r, 0)[:, :30]))
    assert list(got) == list(np.flatnonzero(aliased_in_order(dense[:, :30]))) == [9, 26, 27, 28, 29]


def test_qr_reducer_over_blocks_uses_the_closed_form():
    X, w, r = _design()
    red = QRReducer(30)
    for a, b in ((0, 1000), (1000, 3000)):
        red.add(X.rows(a, b), w[a:b], r[a:b])
    A = np.column_stack([X.toarray(), r]) * np.sqrt(w)[:, None]
    np.testing.assert_allclose(red.R.T @ red.R, A.T @ A, rtol=0, atol=1e-12 * np.abs(A.T @ A).max())


def test_aliased_structured_fit_equals_the_dense_fit():
    """A fit whose Gram path refuses (aliased columns) through the structured QR gives the dense fit's
    numbers, with the same columns aliased."""
    rng = np.random.default_rng(3)
    n = 4000
    g = rng.integers(0, 30, n)
    d = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.uniform(size=n), "g": [f"g{i:02d}" for i in g],
                      "grp": [f"r{i // 10}" for i in g], "w": np.where(g == 4, 0.0, rng.uniform(0.5, 2, n))})
    d["x3"] = d["x1"] - 3 * d["x2"]
    d["y"] = rng.poisson(np.exp(0.2 * d["x1"] + (g % 7) / 10))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        s = gs.glm("y ~ x1 + x2 + x3 + g + grp", d, family=gs.Poisson(), weights="w", tol=1e-12, max_iter=100)
        with dense_only():
            dd = gs.glm("y ~ x1 + x2 + x3 + g + grp", d, family=gs.Poisson(), weights="w", tol=1e-12, max_iter=100)
    assert isinstance(s.model_frame.design, StructuredDesign)
    assert list(s.coef.index[s.coef.isna()]) == list(dd.coef.index[dd.coef.isna()]) == \
        ["x3", "g[T.g04]", "grp[T.r1]", "grp[T.r2]"]
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-10)
    np.testing.assert_allclose(s.std_errors, dd.std_errors, rtol=1e-10)
    assert s.deviance == pytest.approx(dd.deviance, rel=1e-12)


# --- R's aliasing in the design's order from the factor-first parts (FactorFirst.aliased) -----------------------

_BLOCKS = ("x1", "x2", "x3", "z", "big", "grp")
#: with factors of values too: big:x1 (all 25 levels, the widest) and big:z (z is constant within the levels
#: of big, so big:z's columns are multiples of big's indicators: aliased)
_VALUED_BLOCKS = _BLOCKS + ("bigx", "bigz")


def _ordered_design(order: tuple[str, ...], n: int, seed: int, empty_level: bool, zero_weight_level: bool):
    """[intercept, blocks in ``order``]: x1, x2 numeric; x3 = x1 - 2 x2; z constant within the levels of `big`
    (a covariate nested in the factor); big a 25-level factor (24 columns); grp = big // 5 (4 columns, nested);
    bigx: big's 25 indicators times x1; bigz: big's 24 treatment columns times z.
    ``empty_level``: no row has level 3 of big; ``zero_weight_level``: level 7's rows all have weight 0."""
    rng = np.random.default_rng(seed)
    big = rng.integers(0, 25, n)
    if empty_level:
        big[big == 3] = 4
    x1, x2 = rng.normal(size=n), rng.uniform(size=n)
    numeric = {"x1": x1, "x2": x2, "x3": x1 - 2 * x2, "z": rng.normal(size=25)[big]}
    col, dense_cols, dense, factors = 1, [], [], []
    for b in order:
        if b in numeric:
            dense_cols.append(col)
            dense.append(numeric[b])
            col += 1
        elif b == "bigx":
            factors.append(Factor(big, np.arange(col, col + 25), x1))
            col += 25
        else:
            codes, L = (big, 25) if b in ("big", "bigz") else (big // 5, 5)
            factors.append(Factor(codes, np.concatenate([[-1], np.arange(col, col + L - 1)]),
                                  numeric["z"] if b == "bigz" else None))
            col += L - 1
    X = StructuredDesign(col, 0, np.asfortranarray(np.column_stack(dense)), dense_cols, factors)
    w = rng.uniform(0.2, 2.0, n)
    if zero_weight_level:
        w[big == 7] = 0.0
    return X, w, rng.normal(size=n)


@settings(max_examples=40, deadline=None)
@given(order=st.one_of(st.permutations(_BLOCKS), st.permutations(_VALUED_BLOCKS)), seed=st.integers(0, 2**31),
       empty_level=st.booleans(), zero_weight_level=st.booleans(), n_blocks=st.integers(1, 3))
def test_factor_first_parts_alias_as_the_design_order_qr(order, seed, empty_level, zero_weight_level, n_blocks):
    """Whatever the order of the blocks (the factor before or after the columns nested in it), R's aliased
    columns read from the factor-first parts are those of the dense QR in the design's order; the parts
    merged over row blocks have the design's geometry.  The factor taken out may have values (big:x1)."""
    n = 800
    X, w, r = _ordered_design(tuple(order), n, seed, empty_level, zero_weight_level)
    factor = widest_factor(X)
    cuts = np.linspace(0, n, n_blocks + 1).astype(int)
    parts = None
    for a, b in zip(cuts[:-1], cuts[1:]):
        part = factor_first(X.rows(a, b), w[a:b], r[a:b], factor)
        parts = part if parts is None else parts.merge(part)
    A = np.column_stack([X.toarray(), r]) * np.sqrt(w)[:, None]
    want = aliased_in_order(A[:, :-1])
    assert want.any()
    np.testing.assert_array_equal(parts.aliased(), want)
    N = parts.null_space()  # the same subspace as the dense design's null space (SVD)
    _, sv, Vt = np.linalg.svd(A[:, :-1], full_matrices=False)
    dense_null = Vt[int(np.sum(sv > 1e-9 * sv[0])):].T
    np.testing.assert_allclose(N @ N.T, dense_null @ dense_null.T, atol=1e-8)
    G, u = parts.gram_score()
    full = A.T @ A
    np.testing.assert_allclose(G, full[:-1, :-1], rtol=0, atol=1e-11 * np.abs(full).max())
    np.testing.assert_allclose(u, full[:-1, -1], rtol=0, atol=1e-11 * np.abs(full).max())


@pytest.mark.parametrize("formula", ["y ~ x + z + a", "y ~ z + a + x + x2", "y ~ a + z + x"])
def test_wide_factor_with_nested_covariate_fits_as_the_dense_design(formula, monkeypatch):
    """A covariate constant within the levels of a wide factor: before the factor R aliases one of the
    factor's columns, after it the covariate.  The fit through the factor-first parts (forced for a
    60-level factor) aliases the same columns as the dense QR and has its numbers."""
    import glmstat.design.structured as structured

    rng = np.random.default_rng(8)
    n = 3000
    a = rng.integers(0, 60, n)
    d = pd.DataFrame({"x": rng.normal(size=n), "a": [f"a{i:02d}" for i in a], "z": rng.normal(size=60)[a]})
    d["x2"] = 3 * d["x"]
    d["y"] = rng.poisson(np.exp(0.3 * d["x"] + 0.2 * d["z"])).astype(float)
    calls = []
    original = FactorFirst.aliased
    monkeypatch.setattr(FactorFirst, "aliased", lambda self, *a: calls.append(1) or original(self, *a))
    monkeypatch.setattr(structured, "DIAGONAL_SOLVE_COLUMNS", 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        s = gs.glm(formula, d, family=gs.Poisson(), tol=1e-12, max_iter=100)
        with dense_only():
            dd = gs.glm(formula, d, family=gs.Poisson(), tol=1e-12, max_iter=100)
    assert calls and isinstance(s.model_frame.design, StructuredDesign)
    assert list(s.coef.index[s.coef.isna()]) == list(dd.coef.index[dd.coef.isna()])
    assert s.coef.isna().sum() == (2 if "x2" in formula else 1)
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-9)
    np.testing.assert_allclose(s.std_errors, dd.std_errors, rtol=1e-9)
    assert s.deviance == pytest.approx(dd.deviance, rel=1e-12)
    if "z + a" in formula:  # z at its mean is off every level's own z: R's emmeans calls every level's mean
        # non-estimable (NaN), whichever column is aliased
        em, dem = s.emmeans("a"), dd.emmeans("a")
        assert em["estimate"].isna().all() and dem["estimate"].isna().all()
