"""Factors coded by sum, Helmert or polynomial contrasts at scale: X = Z T, the store Z holding the factor's codes
(every level's indicator) and T the contrast matrices (design/transformed.py), never the dense columns.

Every product of the design interface equals the dense encoder's matrix's (whose columns are R's, checked against
``model.matrix`` elsewhere); the fit and the inference on it equal the dense design's; a 100,000-row fit of a
300-level sum-coded factor stays within a few tens of MB where its dense columns alone are 240 MB.  Against R:
``tests/r_parity/test_r_parity_contrasts.py``.
"""

from __future__ import annotations

import pickle
import tracemalloc
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import glmstat as gs
from conftest import dense_only
from glmstat.design.transformed import TransformedDesign
from glmstat.engine.linalg import GramReducer


def _data(n: int = 3000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.r_[np.arange(120), rng.integers(0, 120, n - 120)]
    h = rng.integers(0, 3, n)
    o = np.r_[np.arange(70), rng.integers(0, 70, n - 70)]
    x, z = rng.normal(size=n), rng.uniform(0.5, 2.0, n)
    eta = 1.5 + rng.normal(scale=0.3, size=120)[g] + 0.2 * x + 0.1 * (h == 2) + 0.01 * o
    d = pd.DataFrame({"g": [f"g{i:03d}" for i in g], "h": np.array(["a", "b", "c"])[h],
                      "o": pd.Categorical(o, categories=range(70), ordered=True), "x": x, "z": z,
                      "w": rng.uniform(0.5, 2.0, n), "y": rng.poisson(z * np.exp(eta)).astype(float)})
    return d


#: Terms of each kind of contrast, alone, crossed with a factor and with a numeric variable; treatment-coded
#: factors beside them; ``C(h, sum):g`` has an empty cell (aliased, below)
FORMULAS = [
    "y ~ x + C(g, sum)",
    "y ~ C(g, helmert) + x",
    "y ~ C(o, poly) + x",
    "y ~ o + x",  # an ordered factor: polynomial contrasts by default, as in R
    "y ~ C(g, sum) * x",
    "y ~ C(g, sum) + C(g, sum):z + h",
    "y ~ C(h, sum) * g + x",
    "y ~ g + C(h, sum):g",
    "y ~ C(h, sum) + C(h, sum):C(g, helmert)",  # (h:g: h by indicators, g by Helmert contrasts, as in R)
    "y ~ 0 + z + h + C(g, sum)",  # (no intercept: h by indicators, g by contrasts)
]


@lru_cache(maxsize=None)
def _fits(formula: str):
    """The structured and the dense fit of ``formula`` on the module's data (each fitted once)."""
    return _designs(formula, _data())


def _designs(formula: str, d: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        s = gs.glm(formula, d, family=gs.Poisson())
        with dense_only():
            dd = gs.glm(formula, d, family=gs.Poisson())
    return s, dd


@pytest.fixture(scope="module")
def data():
    return _data()


@pytest.mark.parametrize("formula", FORMULAS)
def test_every_product_is_the_dense_matrix_s(formula):
    s, dd = _fits(formula)
    X, D = s.model_frame.design, dd.model_frame.design.toarray()
    assert isinstance(X, TransformedDesign) and X.shape == D.shape
    assert X.nbytes < D.nbytes / 4  # (codes, one per row and factor, and the sparse contrast matrices)
    rng = np.random.default_rng(0)
    n, p = D.shape
    b, v = rng.normal(size=p), rng.normal(size=n)
    w = rng.uniform(-0.5, 2.0, n)  # (a sandwich's weights can be negative)
    tight = dict(rtol=1e-11, atol=1e-10)
    np.testing.assert_allclose(X.toarray(), D, rtol=0, atol=1e-15)
    np.testing.assert_allclose(X.tosparse().toarray(), D, rtol=0, atol=1e-15)
    np.testing.assert_allclose(X.matvec(b), D @ b, **tight)
    np.testing.assert_allclose(X.rmatvec(v), D.T @ v, **tight)
    G = X.gram(w)
    np.testing.assert_allclose(G, D.T @ (D * w[:, None]), **tight)
    assert np.array_equal(G, G.T)
    red = GramReducer(p)
    for a in range(0, n, 1100):  # (blocks of rows, as a pass reduces them)
        red.add(X.rows(a, a + 1100), np.abs(w[a:a + 1100]), v[a:a + 1100])
    np.testing.assert_allclose(red.gram, D.T @ (D * np.abs(w)[:, None]), **tight)
    np.testing.assert_allclose(red.score, D.T @ (np.abs(w) * v), **tight)
    A = rng.normal(size=(p, p))
    C = A @ A.T
    np.testing.assert_allclose(X.quadratic_diag(C), np.einsum("ij,jk,ik->i", D, C, D), rtol=1e-10, atol=1e-9)
    M = rng.normal(size=(p, 3))
    np.testing.assert_allclose(X.matmat(M), D @ M, **tight)
    groups = rng.integers(0, 7, n)
    expect = np.zeros((7, p))
    np.add.at(expect, groups, D * v[:, None])
    np.testing.assert_allclose(X.group_rmatvec(v, groups, 7), expect, **tight)
    for j in (0, p // 2, p - 1):
        np.testing.assert_allclose(X.column(j), D[:, j], rtol=0, atol=1e-15)
    np.testing.assert_allclose(X.column_abs_max(), np.abs(D).max(axis=0), rtol=0, atol=1e-15)
    np.testing.assert_allclose(X.abs_rmatvec(np.abs(v)), np.abs(D).T @ np.abs(v), **tight)
    cols = [p - 1, 0, p // 3]
    np.testing.assert_allclose(X.select(cols).toarray(), D[:, cols], rtol=0, atol=1e-15)
    rows = rng.choice(n, 50, replace=False)
    np.testing.assert_allclose(X.take(rows).toarray(), D[rows], rtol=0, atol=1e-15)
    np.testing.assert_allclose(X.rows(10, 400).matvec(b), D[10:400] @ b, **tight)
    back = pickle.loads(pickle.dumps(X))
    np.testing.assert_array_equal(back.matvec(b), X.matvec(b))


@pytest.mark.parametrize("formula", FORMULAS)
def test_the_fit_and_its_inference_are_the_dense_designs(formula, data):
    s, dd = _fits(formula)
    assert isinstance(s.fit_data.source.X, TransformedDesign)
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(s.std_errors, dd.std_errors, rtol=1e-9)
    assert s.deviance == pytest.approx(dd.deviance, rel=1e-12)
    assert list(s.aliased) == list(dd.aliased)
    new = data.iloc[::97]
    pairs = [(s.predict(new, se_fit=True), dd.predict(new, se_fit=True)), (s.hat_values(), dd.hat_values()),
             (s.cooks_distance(), dd.cooks_distance()), (s.robust("HC3").std_errors, dd.robust("HC3").std_errors),
             (s.anova(type=3, test="Wald"), dd.anova(type=3, test="Wald"))]
    for a, b in pairs:  # (Cook's distances of rows fitted exactly are rounding, 1e-34)
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-8, atol=1e-20)


def test_aliased_cells_are_found_as_in_the_dense_design(data):
    """``g + C(h, sum):g`` with one (g, h) cell empty: the fit goes through the QR reducer, which reads the
    design a bounded block of rows at a time, and names the same aliased column as the dense fit (and R)."""
    d = data[~((data["g"] == "g007") & (data["h"] == "b"))]
    s, dd = _designs("y ~ x + g + C(h, sum):g", d)
    assert list(s.aliased) == list(dd.aliased) and len(s.aliased) == 1
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-9)
    np.testing.assert_allclose(s.std_errors, dd.std_errors, rtol=1e-9)


def test_the_refits_of_anova_and_drop1_are_the_dense_designs(data):
    s, dd = _designs("y ~ C(h, sum) * g + x", data)
    for a, b in [(s.anova(type=2, test="LR"), dd.anova(type=2, test="LR")),
                 (s.drop1(test="Rao"), dd.drop1(test="Rao")),
                 (s.conf_int(method="profile", parm=["x"]), dd.conf_int(method="profile", parm=["x"]))]:
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-8)


def test_a_wide_treatment_factor_beside_contrasts_keeps_its_diagonal_solve_and_closed_form_qr():
    """``g + C(f, sum) + xg`` with a 600-level g: g's columns are the store's own (T maps them to themselves), so
    X'WX is still solved through their diagonal block, and the QR that finds the aliased xg (constant within
    g's levels) takes g's columns out in closed form, as for a treatment-coded design."""
    from glmstat.engine.structured_qr import factor_first, widest_factor

    rng = np.random.default_rng(5)
    n = 4000
    g, f = np.r_[np.arange(600), rng.integers(0, 600, n - 600)], rng.integers(0, 80, n)
    d = pd.DataFrame({"g": [f"g{i:03d}" for i in g], "f": [f"f{i:02d}" for i in f], "x": rng.normal(size=n),
                      "xg": rng.normal(size=600)[g]})
    d["y"] = rng.poisson(np.exp(0.2 * d["x"] + rng.normal(scale=0.2, size=600)[g]))
    s, dd = _designs("y ~ x + g + C(f, sum) + xg", d)
    X = s.fit_data.source.X
    assert isinstance(X, TransformedDesign)
    np.testing.assert_array_equal(X.diagonal_columns(), np.arange(2, 601))
    i = widest_factor(X)
    assert i is not None and np.array_equal(np.sort(X.factor(i).columns[X.factor(i).columns >= 0]), np.arange(2, 601))
    w, r = rng.uniform(0.5, 2.0, n), rng.normal(size=n)
    R = factor_first(X, w, r, i).design_order()
    A = np.column_stack([X.toarray(), r]) * np.sqrt(w)[:, None]
    np.testing.assert_allclose(R.T @ R, A.T @ A, rtol=1e-9, atol=1e-7)
    assert s.aliased == dd.aliased == ["xg"]
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-9)
    np.testing.assert_allclose(s.std_errors, dd.std_errors, rtol=1e-9)


def test_a_300_level_sum_coded_factor_on_100000_rows_is_fitted_without_its_dense_columns():
    rng = np.random.default_rng(11)
    n = 100_000
    g = rng.integers(0, 300, n)
    d = pd.DataFrame({"g": [f"g{i:03d}" for i in g], "x": rng.normal(size=n)})
    d["y"] = (rng.random(n) < 1 / (1 + np.exp(-(0.3 * d["x"] + rng.normal(scale=0.3, size=300)[g])))).astype(float)
    gs.glm("y ~ x + C(g, sum)", d.iloc[:20_000], family=gs.Binomial())  # (imports and first-use caches)
    tracemalloc.start()
    try:
        fit = gs.glm("y ~ x + C(g, sum)", d, family=gs.Binomial())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(fit.model_frame.design, TransformedDesign) and len(fit.coef) == 301
    assert peak < 60 * 2**20  # (the dense columns alone: 1e5 x 301 x 8 bytes = 241 MB)
    # the sum-coded coefficients are deviations from the mean of the levels: the treatment-coded fit's
    # effects, centred (a closed form of the reparametrisation)
    t = gs.glm("y ~ x + g", d, family=gs.Binomial())
    effects = np.r_[0.0, t.coef.to_numpy()[2:]]
    np.testing.assert_allclose(fit.coef.to_numpy()[2:], (effects - effects.mean())[:-1], rtol=1e-8, atol=1e-10)
    assert fit.deviance == pytest.approx(t.deviance, rel=1e-12)


@pytest.mark.parametrize("formula", ["y ~ x + C(g, sum)", "y ~ C(g, helmert) + x", "y ~ C(o, poly) + x",
                                     "y ~ C(h, sum) + C(h, sum):C(g, helmert)", "y ~ 0 + z + h + C(g, sum)"])
def test_the_qr_of_contrasts_is_the_store_s_closed_form_qr_mapped(data, formula, monkeypatch):
    """The QR reducer (the Gram path's fallback: aliased columns, or separation) takes the store's wide factor out
    in closed form and maps its factor by T: sqrt(W) [Z | r] = Q R_Z, so X's factor is that of R_Z diag(T, 1),
    never a dense QR of the rows (each pass of a 100,000-row fit with a 300-level C(g, sum) took 1.2 s so).
    R'R is [X | r]' W [X | r]."""
    import glmstat.engine.linalg as linalg

    X = gs.glm(formula, data, family=gs.Poisson()).fit_data.source.X
    assert isinstance(X, TransformedDesign)

    def refuse(self):
        raise AssertionError("the QR densified the rows")

    rng = np.random.default_rng(2)
    n = X.n_rows
    w, r = rng.uniform(0.5, 2.0, n), rng.normal(size=n)
    A = np.column_stack([X.toarray(), r]) * np.sqrt(w)[:, None]
    monkeypatch.setattr(TransformedDesign, "toarray", refuse)
    red = linalg.QRReducer(X.n_cols)
    for a, b in [(0, 1000), (1000, n)]:  # (two blocks, merged as a pass merges them)
        part = linalg.QRReducer(X.n_cols)
        part.add(X.rows(a, b), w[a:b], r[a:b])
        red.merge(part)
    np.testing.assert_allclose(red.R.T @ red.R, A.T @ A, rtol=1e-10, atol=1e-8)


def test_the_qr_reducer_reads_a_long_block_a_bounded_number_of_rows_at_a_time(monkeypatch):
    """A store without a factor wide enough for the closed form is densified in pieces of BLOCK_CELLS cells (here
    made small: 3,000 rows of 6 columns are pieces of 14 rows), and R'R is [X | r]' W [X | r]."""
    import glmstat.engine.linalg as linalg
    from glmstat.design.structured import Factor, StructuredDesign

    rng = np.random.default_rng(2)
    n = 3000
    codes = rng.integers(0, 5, n).astype(np.intp)
    # the intercept, two numeric columns and a 5-level factor's 4 indicators (4 < MIN_FACTOR_COLUMNS), mapped
    # to 3 differences of neighbouring levels' indicators
    Z = StructuredDesign(7, 0, np.asfortranarray(rng.normal(size=(n, 2))), [1, 2],
                         [Factor(codes, np.array([-1, 3, 4, 5, 6]))], n_rows=n)
    T = np.zeros((7, 6))
    T[[0, 1, 2], [0, 1, 2]] = 1.0
    T[3:, 3:] = [[1, 0, 0], [-1, 1, 0], [0, -1, 1], [0, 0, -1]]
    X = TransformedDesign(Z, sparse.csc_matrix(T))
    monkeypatch.setattr(linalg, "BLOCK_CELLS", 50)
    w, r = rng.uniform(0.5, 2.0, n), rng.normal(size=n)
    seen = []
    original = linalg.QRReducer._stack
    monkeypatch.setattr(linalg.QRReducer, "_stack", lambda self, A: (seen.append(A.shape[0]), original(self, A)))
    red = linalg.QRReducer(X.n_cols)
    red.add(X, w, r)
    A = np.column_stack([X.toarray(), r]) * np.sqrt(w)[:, None]
    assert max(seen) <= 2 * (X.n_cols + 1)
    np.testing.assert_allclose(red.R.T @ red.R, A.T @ A, rtol=1e-10, atol=1e-8)


def test_the_memory_bound_counts_the_store_s_columns():
    """``C(a, sum) * C(b, sum)`` (2 and 100 levels) has 200 columns, but its store holds every cell's indicator,
    302 columns: the fit's p x p matrices are the store's (WORK_MATRICES of them), and max_design_bytes is checked
    on those before anything is allocated."""
    from glmstat.formula.encode import WORK_MATRICES

    rng = np.random.default_rng(9)
    n = 1000
    d = pd.DataFrame({"a": rng.choice(["u", "v"], n), "b": [f"b{i:03d}" for i in np.r_[np.arange(100),
                                                                                      rng.integers(0, 100, n - 100)]],
                      "y": rng.normal(size=n)})
    formula = "y ~ C(a, sum) * C(b, sum)"
    assert WORK_MATRICES * 200 ** 2 * 8 < 6e6 < WORK_MATRICES * 302 ** 2 * 8 < 9e6
    with pytest.raises(gs.FormulaError, match="max_design_bytes"):
        gs.glm(formula, d, limits=gs.FormulaLimits(max_design_bytes=6_000_000))
    fit = gs.glm(formula, d, limits=gs.FormulaLimits(max_design_bytes=9_000_000))
    assert len(fit.coef) == 200 and fit.model_frame.design.inner.n_cols == 302


@pytest.mark.parametrize("levels, rows, stored", [
    (64, 3000, False),  # 63 columns of contrasts: below CODED_COLUMNS, a dense design
    (65, 3000, True),  # 64: the contrasts' codes and matrix
    (65, 500, True),  # ... and fitted from the dense matrix, at most DENSE_BELOW cells
])
def test_both_sides_of_the_contrast_thresholds_give_the_dense_fit(levels, rows, stored):
    from glmstat.design.dense import DenseDesign
    from glmstat.design.policy import DENSE_BELOW
    from glmstat.formula.encode import CODED_COLUMNS

    rng = np.random.default_rng(levels + rows)
    g = np.r_[np.arange(levels), rng.integers(0, levels, rows - levels)]
    d = pd.DataFrame({"g": [f"g{i:02d}" for i in g], "x": rng.normal(size=rows)})
    d["y"] = rng.poisson(np.exp(1.0 + 0.2 * d["x"] + rng.normal(scale=0.2, size=levels)[g])).astype(float)
    s, dd = _designs("y ~ x + C(g, sum)", d)
    assert (levels - 1 >= CODED_COLUMNS) == stored
    assert isinstance(s.model_frame.design, TransformedDesign) == stored
    # (below the threshold the whole design is dense; above it, a small one is still fitted from its matrix)
    assert isinstance(s.fit_data.source.X, DenseDesign) == (not stored or rows * (levels + 1) <= DENSE_BELOW)
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-9)
    np.testing.assert_allclose(s.std_errors, dd.std_errors, rtol=1e-9)
    np.testing.assert_allclose(s.hat_values(), dd.hat_values(), rtol=1e-8)


@pytest.mark.parametrize("rows", [150, 600])  # fewer rows than the store's 242 columns, and more
def test_fewer_rows_than_store_columns_take_x_s_own_rows(rows):
    """``C(g, sum) * x`` (120 levels) is stored as 242 columns: the intercept, x, g's 120 indicators and g:x's.
    Where the rows are fewer than the store's columns, X'WX is summed over X's rows (the store's 242 x 242
    Z'WZ would be larger than X), and the QR reducer's rows are sqrt(W) [X | r] itself (the store's closed-form
    factor has 120 + 123 rows, more than 150); with more rows, the store's products.  Either side: X'WX, X'W r
    and R'R equal the dense matrix's."""
    from glmstat.engine.linalg import mapped_factor_rows

    d = _data(rows, seed=5)
    X = gs.glm("y ~ C(g, sum) * x", d, family=gs.Poisson()).model_frame.design
    assert isinstance(X, TransformedDesign) and X.inner.n_cols == 242
    assert (X.n_rows < X.inner.n_cols) == (rows == 150)
    D = X.toarray()
    rng = np.random.default_rng(1)
    w, r = rng.uniform(0.5, 2.0, rows), rng.normal(size=rows)
    tight = dict(rtol=1e-11, atol=1e-10)
    G = X.gram(w)
    np.testing.assert_allclose(G, D.T @ (D * w[:, None]), **tight)
    assert np.array_equal(G, G.T)
    G2, u = X.gram_score(w, r)
    np.testing.assert_allclose(G2, G, **tight)
    np.testing.assert_allclose(u, D.T @ (w * r), **tight)
    A = mapped_factor_rows(X, w, r)
    assert (A.shape[0] == rows) == (rows == 150) and A.shape[0] <= rows
    B = np.column_stack([D, r]) * np.sqrt(w)[:, None]
    np.testing.assert_allclose(A.T @ A, B.T @ B, rtol=1e-10, atol=1e-8)
