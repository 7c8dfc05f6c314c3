"""One design interface, two stores: every operation of a structured design (numeric block + factor codes)
and of a dense design equals the same arithmetic on the dense matrix -- X beta, X'v, X'WX (any sign of w),
X'WX and X'Wr blockwise, x_i'Cx_i, XM, per-group X'v, columns, column and row subsets -- with factors of
indicators and factors with values (a ``g:x`` interaction's columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glmstat as gs
from glmstat.engine.linalg import GramReducer
from glmstat.design.dense import DenseDesign
from glmstat.design.structured import CELL_LIMIT, Factor, StructuredDesign


def _design(rng, n, intercept, k, levels, full_first=False, valued=()):
    """A random structured design with columns in shuffled order; factor f has values where ``valued[f]``
    (normal, a tenth of them exactly 0)."""
    p = int(intercept) + k + sum(L - 1 for L in levels) + int(full_first and bool(levels))
    order = rng.permutation(p)
    pos = 0
    i0 = None
    if intercept:
        i0, pos = int(order[0]), 1
    dense_cols = order[pos:pos + k]
    pos += k
    factors = []
    for f, L in enumerate(levels):
        full = full_first and f == 0
        m = L if full else L - 1
        cols = order[pos:pos + m]
        pos += m
        colmap = cols if full else np.concatenate([[-1], cols])
        codes = rng.integers(0, L, n)
        codes[:L] = np.arange(L)
        values = None
        if f < len(valued) and valued[f]:
            values = rng.normal(size=n)
            values[rng.random(n) < 0.1] = 0.0
        factors.append(Factor(codes.astype(np.intp), np.asarray(colmap, dtype=np.intp), values))
    dense = np.asfortranarray(rng.normal(size=(n, k))) if k else None
    return StructuredDesign(p, i0, dense, dense_cols, factors, n_rows=n)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), intercept=st.booleans(), k=st.integers(0, 4),
       levels=st.lists(st.sampled_from([2, 3, 7, 40, 150]), max_size=3), full_first=st.booleans(),
       valued=st.lists(st.booleans(), min_size=3, max_size=3))
def test_products_match_dense(seed, intercept, k, levels, full_first, valued):
    rng = np.random.default_rng(seed)
    n = 400
    if not intercept and k == 0 and not levels:
        k = 1
    X = _design(rng, n, intercept, k, levels, full_first and not intercept, valued)
    D = X.toarray()
    assert D.shape == X.shape
    beta = rng.normal(size=X.shape[1])
    np.testing.assert_allclose(X.matvec(beta), D @ beta, rtol=1e-13, atol=1e-13)
    w = rng.uniform(0, 2, n)
    r = rng.normal(size=n)
    np.testing.assert_allclose(X.rmatvec(w * r), D.T @ (w * r), rtol=1e-12, atol=1e-12)
    for block in (n, 97):
        red = GramReducer(X.shape[1])
        for a in range(0, n, block):
            red.add(X.rows(a, a + block), w[a:a + block], r[a:a + block])
        np.testing.assert_allclose(red.gram, D.T @ (D * w[:, None]), rtol=1e-12, atol=1e-11)
        np.testing.assert_allclose(red.score, D.T @ (w * r), rtol=1e-12, atol=1e-11)
        assert np.array_equal(red.gram, red.gram.T)


@pytest.mark.parametrize("valued", [(), (True,), (False, True), (True, True)])
def test_factors_beyond_the_cell_limit_use_pairwise_codes(valued):
    rng = np.random.default_rng(1)
    X = _design(rng, 3000, True, 2, [70, 80], valued=valued)  # 5600 cells > CELL_LIMIT: two groups
    assert 70 * 80 > CELL_LIMIT and len(X.groups) == 2
    D = X.toarray()
    w = rng.uniform(0, 1, 3000)
    gram = X.gram(w)
    np.testing.assert_allclose(gram, D.T @ (D * w[:, None]), rtol=1e-12, atol=1e-11)


@pytest.mark.parametrize("n_blocks", [1, 3])
def test_a_factor_and_its_interaction_with_a_numeric_share_codes_and_a_diagonal_block(n_blocks):
    """g + g:x + h + x:h (treatment g, all of h's levels in x:h) + g:h: the pairs of factors whose levels
    imply each other's are found (a sparse block, not a table of L_a L_b cells), and every product is the
    dense matrix's."""
    rng = np.random.default_rng(4)
    n = 900
    g, h = rng.integers(0, 30, n), rng.integers(0, 5, n)
    x, z = rng.normal(size=n), rng.normal(size=n)
    x[g == 3] = 0.0  # (a level whose g:x column is zero)
    pg, ph = (("g", 30),), (("h", 5),)
    fg = Factor(g, np.r_[-1, np.arange(2, 31)], None, pg)
    fgx = Factor(g, np.r_[-1, np.arange(31, 60)], x, pg)
    fh = Factor(h, np.r_[-1, np.arange(60, 64)], None, ph)
    fhz = Factor(h, np.arange(64, 69), z, ph)
    gh = g + 30 * h  # g:h with treatment contrasts for both: a column for g > 0 and h > 0, g fastest
    cols_gh = np.where((np.arange(150) % 30 > 0) & (np.arange(150) // 30 > 0),
                       69 + (np.arange(150) % 30 - 1) + 29 * (np.arange(150) // 30 - 1), -1)
    fgh = Factor(gh, cols_gh, None, pg + ph)
    X = StructuredDesign(69 + 116, 0, np.asfortranarray(x[:, None]), [1], [fg, fgx, fh, fhz, fgh])
    assert set(X.nested) == {(0, 1), (2, 3), (0, 4), (1, 4), (2, 4), (3, 4)}
    assert X.nested[(0, 4)][:2] == (4, 0) and np.array_equal(X.nested[(2, 4)][2], np.arange(150) // 30)
    D = X.toarray()
    w, r = rng.uniform(0, 2, n), rng.normal(size=n)
    cuts = np.linspace(0, n, n_blocks + 1).astype(int)
    p = X.n_cols
    red = GramReducer(p)
    for a, b in zip(cuts[:-1], cuts[1:]):
        blk = X.rows(a, b)
        assert blk.nested is X.nested
        red.add(blk, w[a:b], r[a:b])
    np.testing.assert_allclose(red.gram, D.T @ (D * w[:, None]), rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(red.score, D.T @ (w * r), rtol=1e-12, atol=1e-11)
    A = rng.normal(size=(p, p))
    C = A @ A.T
    np.testing.assert_allclose(X.quadratic_diag(C, block_rows=256), np.einsum("ij,ij->i", D @ C, D), rtol=1e-10)
    beta = rng.normal(size=p)
    np.testing.assert_allclose(X.matvec(beta), D @ beta, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(X.take(np.arange(0, n, 7)).toarray(), D[::7])


def test_all_zero_level_column_is_zero_in_gram():
    codes = np.array([0, 0, 1, 1], dtype=np.intp)
    X = StructuredDesign(3, 0, None, [], [Factor(codes, np.array([-1, 1, 2]))], n_rows=4)
    G = X.gram(np.ones(4))
    assert G[2, 2] == 0 and G[0, 0] == 4 and G[1, 1] == 2


@pytest.mark.parametrize("n", [1, 5])
def test_tiny_designs(n):
    rng = np.random.default_rng(3)
    X = _design(rng, max(n, 3), True, 1, [3])
    D = X.toarray()
    np.testing.assert_allclose(X.matvec(np.ones(X.shape[1])), D.sum(axis=1))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), intercept=st.booleans(), k=st.integers(0, 3),
       levels=st.lists(st.sampled_from([2, 3, 70, 80]), max_size=3),
       valued=st.lists(st.booleans(), min_size=3, max_size=3))
def test_quadratic_diag_matches_dense(seed, intercept, k, levels, valued):
    rng = np.random.default_rng(seed)
    if not intercept and k == 0 and not levels:
        k = 1
    X = _design(rng, 300, intercept, k, levels, valued=valued)
    D = X.toarray()
    A = rng.normal(size=(X.shape[1], X.shape[1]))
    C = A @ A.T
    want = np.einsum("ij,ij->i", D @ C, D)
    np.testing.assert_allclose(X.quadratic_diag(C, block_rows=77), want, rtol=1e-10, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), intercept=st.booleans(), k=st.integers(0, 3),
       levels=st.lists(st.sampled_from([2, 3, 9, 60]), max_size=3), full_first=st.booleans(),
       dense_store=st.booleans(), valued=st.lists(st.booleans(), min_size=3, max_size=3))
def test_every_interface_operation_matches_the_dense_arithmetic(seed, intercept, k, levels, full_first, dense_store,
                                                                valued):
    rng = np.random.default_rng(seed)
    if not intercept and k == 0 and not levels:
        k = 1
    S = _design(rng, 200, intercept, k, levels, full_first and not intercept, valued)
    D = S.toarray()
    X = DenseDesign(D.copy()) if dense_store else S
    n, p = D.shape
    w = rng.normal(size=n)  # of any sign: a gram(w) is a quadratic form, not only a weighted fit's
    np.testing.assert_allclose(X.gram(w), D.T @ (D * w[:, None]), rtol=1e-11, atol=1e-10)
    M = rng.normal(size=(p, 3))
    np.testing.assert_allclose(X.matmat(M), D @ M, rtol=1e-12, atol=1e-12)
    groups = rng.integers(0, 7, n)
    want = np.zeros((7, p))
    np.add.at(want, groups, D * w[:, None])
    np.testing.assert_allclose(X.group_rmatvec(w, groups, 7), want, rtol=1e-11, atol=1e-11)
    for j in range(p):
        np.testing.assert_array_equal(X.column(j), D[:, j])
    cols = rng.permutation(p)[: max(1, p // 2)]
    np.testing.assert_array_equal(X.select(cols).toarray(), D[:, cols])
    rows = rng.choice(n, 37, replace=False)
    np.testing.assert_array_equal(X.take(rows).toarray(), D[rows])
    np.testing.assert_array_equal(X.rows(10, 20).toarray(), D[10:20])
    np.testing.assert_array_equal(X.column_abs_max(), np.abs(D).max(axis=0))
    v = rng.uniform(size=n)
    np.testing.assert_allclose(X.abs_rmatvec(v), np.abs(D).T @ v, rtol=1e-12, atol=1e-12)


def test_no_numpy_imitation():
    """The interface is the only way in: no X @ b, X[:, j], np.asarray(X) that would densify silently."""
    X = _design(np.random.default_rng(5), 60, True, 2, [3, 4])
    for attempt in (lambda: X @ np.ones(X.n_cols), lambda: X[:, 0], lambda: X.T, lambda: X * 2.0):
        with pytest.raises((TypeError, AttributeError)):
            attempt()


def test_compact_integer_codes_do_not_overflow_in_cell_codes():
    rng = np.random.default_rng(8)
    n = 2000
    c1 = rng.integers(0, 100, n).astype(np.int8)  # 100 x 40 = 4000 cells: one group, stride 40
    c2 = rng.integers(0, 40, n).astype(np.int8)
    c1[:100], c2[:40] = np.arange(100), np.arange(40)
    X = StructuredDesign(1 + 99 + 39, 0, None, [],
                         [Factor(c1, np.r_[-1, np.arange(1, 100)]), Factor(c2, np.r_[-1, np.arange(100, 139)])])
    assert len(X.groups) == 1
    D = X.toarray()
    w = rng.uniform(size=n)
    np.testing.assert_allclose(X.gram(w), D.T @ (D * w[:, None]), rtol=1e-12, atol=1e-12)
    beta = rng.normal(size=139)
    np.testing.assert_allclose(X.matvec(beta), D @ beta, rtol=1e-12)


def test_wide_dense_designs_are_fitted_in_blocks_of_bounded_size():
    from glmstat.design.policy import BLOCK_CELLS, MAX_BLOCK_ROWS, block_rows

    # min(65536, max(2 (p + 1), 2^22 / p)) rows per block of a dense design; structured designs keep 65,536
    for p, rows in ((3, MAX_BLOCK_ROWS), (64, MAX_BLOCK_ROWS), (1000, BLOCK_CELLS // 1000), (5000, 10002)):
        assert block_rows(DenseDesign(np.zeros((2, p)))) == rows
    g = pd.DataFrame({"g": np.repeat(np.arange(300), 4).astype(str), "y": np.arange(1200.0)})
    fit = gs.glm("y ~ g", g)
    assert block_rows(fit.fit_data.source.X) == MAX_BLOCK_ROWS


def test_a_wide_factor_is_fitted_in_blocks_of_at_least_p_squared_over_16_rows():
    # each block forms its own p x p X'WX: p = 3,000 gives blocks of 3,000^2 / 16 = 562,500 rows, at most 2^20
    from glmstat.design.policy import MAX_BLOCK_ROWS, MAX_STRUCTURED_BLOCK_ROWS, block_rows

    for levels, rows in ((300, MAX_BLOCK_ROWS), (1024, MAX_BLOCK_ROWS), (3000, 562_500),
                         (5000, MAX_STRUCTURED_BLOCK_ROWS)):
        g = pd.DataFrame({"g": np.arange(levels * 2) % levels, "y": np.arange(levels * 2.0)}).astype({"g": str})
        X = gs.glm("y ~ 0 + g", g).fit_data.source.X
        assert X.n_cols == levels and block_rows(X) == rows


def test_a_structured_design_with_a_wide_dense_block_keeps_its_blocks_within_bound():
    # a 400-level factor's 399 columns as codes and 299 dense columns: blocks of p^2 / 16 = 30,525 rows of 299
    # dense columns would be 70 MB each, BLOCK_CELLS // 299 = 14,027 rows are 32 MB
    from glmstat.design.policy import BLOCK_CELLS, block_rows
    from glmstat.design.structured import Factor, StructuredDesign

    n = 800
    dense = np.random.default_rng(2).normal(size=(n, 299))
    columns = np.concatenate([[-1], np.arange(300, 699)])
    X = StructuredDesign(699, 0, dense, np.arange(1, 300), [Factor(np.arange(n) % 400, columns)])
    assert block_rows(X) == BLOCK_CELLS // 299


def test_a_wide_interaction_is_fitted_without_copies_of_the_whole_design():
    # two 25-level factors crossed: 626 columns, a 100 MB design; the fit's working memory is a few blocks of
    # rows and p x p matrices, not copies of the design (before: a scaled copy and a QR of the whole of it)
    import tracemalloc

    rng = np.random.default_rng(1)
    n = 20_000
    d = pd.DataFrame({"a": rng.integers(0, 25, n).astype(str), "b": rng.integers(0, 25, n).astype(str),
                      "y": rng.normal(size=n)})
    design_bytes = n * 626 * 8
    tracemalloc.start()
    try:
        with pytest.warns(gs.AliasingWarning):
            fit = gs.glm("y ~ a:b", d)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(fit.coef) == 626
    from glmstat.design.policy import BLOCK_CELLS
    from glmstat.formula.encode import WORK_MATRICES

    # a few blocks (a scaled copy, the QR reducer's stack and LAPACK's copy of it) and the p x p matrices
    working = peak - design_bytes
    assert working < 6 * BLOCK_CELLS * 8 + WORK_MATRICES * 626**2 * 8, working / design_bytes
