"""Structured designs with interactions (``y ~ g + f * x + f * h + z + x:z`` with a wide ``g``).

Factor main effects stay integer codes, and so do the interactions of treatment-coded factors (``f:h``: the
combined levels) and their interactions with numeric variables (``f:x``: the codes of f and the values of x),
when the coded columns outnumber the other terms' or number at least ``CODED_COLUMNS`` (formula/encode.py);
numeric interactions (``x:z``) join the numeric block.
Above the size where a structured design is fitted as such (65,536 cells), every number must be the dense
design's: the fit, prediction with standard errors, leverage, sandwich covariance, tests that refit (LR, Rao)
and emmeans.  Against R: the large fixtures ``large_*_interaction`` (tests/r_parity/test_r_parity_large.py,
tests/inference/test_large_inference.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import dense_only
from glmstat.design.structured import StructuredDesign

FORMULA = "y ~ g + f * x + f * h + z + x:z + offset(log(t))"


def _data(n: int = 6000, seed: int = 21) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 80, n)
    f = rng.choice(["p", "q", "r"], n)
    h = rng.choice(["u", "v"], n)
    x, z, t = rng.normal(size=n), rng.uniform(size=n), rng.uniform(0.5, 2, n)
    eta = 0.2 + rng.normal(scale=0.3, size=80)[g] + 0.3 * x * (f == "q") - 0.2 * z + 0.1 * (h == "v") * (f == "r")
    return pd.DataFrame({"g": [f"g{i:02d}" for i in g], "f": f, "h": h, "x": x, "z": z, "t": t,
                         "y": rng.poisson(t * np.exp(eta)).astype(float)})


def _structured_and_dense(formula: str, d: pd.DataFrame) -> tuple[gs.GLMResults, gs.GLMResults]:
    """The Poisson fit of ``formula`` with the structured design and with every design dense."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        s = gs.glm(formula, d, family=gs.Poisson(), tol=1e-12, max_iter=100)
        with dense_only():
            dd = gs.glm(formula, d, family=gs.Poisson(), tol=1e-12, max_iter=100)
    return s, dd


def _assert_pairs_equal(pairs) -> None:
    for a, b in pairs:
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-8)


@pytest.fixture(scope="module")
def fits():
    d = _data()
    return (d,) + _structured_and_dense(FORMULA, d)


def test_interactions_of_factors_are_codes_and_numeric_interactions_join_the_dense_block(fits):
    d, s, dd = fits
    X = s.model_frame.design
    assert isinstance(X, StructuredDesign) and X.n_rows * X.n_cols > 65536
    assert [s.coef.index[j] for j in X.dense_cols] == ["x", "z", "x:z"]
    assert [f.n_levels for f in X.factors] == [80, 3, 2, 3, 6]  # (terms by degree: g, f, h, f:x, f:h)
    fx, fh = X.factors[3], X.factors[4]  # f:x: f's codes, x's values; f:h: the cells of f and h
    assert [s.coef.index[j] for j in fx.columns if j >= 0] == ["f[T.q]:x", "f[T.r]:x"]
    np.testing.assert_array_equal(fx.values, d["x"].to_numpy())
    assert [s.coef.index[j] for j in fh.columns if j >= 0] == ["f[T.q]:h[T.v]", "f[T.r]:h[T.v]"]
    assert all(f.values is None for i, f in enumerate(X.factors) if i != 3)
    # the levels of f:x and f:h imply f's, f:h's imply h's and f:x's: sparse blocks of X'WX
    assert set(X.nested) == {(1, 3), (1, 4), (2, 4), (3, 4)}
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-10)
    np.testing.assert_allclose(s.vcov, dd.vcov, rtol=1e-9, atol=1e-15)
    assert s.deviance == pytest.approx(dd.deviance, rel=1e-12)


def test_inference_on_the_mixed_design_is_the_dense_designs(fits):
    d, s, dd = fits
    new = d.iloc[::97]
    pairs = [(s.predict(new, se_fit=True), dd.predict(new, se_fit=True)), (s.hat_values(), dd.hat_values()),
             (s.robust("HC3").std_errors, dd.robust("HC3").std_errors), (s.emmeans("f"), dd.emmeans("f"))]
    pairs += [(s.anova(type=2, test="LR"), dd.anova(type=2, test="LR")), (s.anova(test="Rao"), dd.anova(test="Rao"))]
    _assert_pairs_equal(pairs)


def test_a_wide_factor_interacting_with_a_covariate_stays_codes_and_gives_the_dense_numbers():
    """``g * z`` with an 80-level ``g``: g's columns and g:z's are codes (g:z with z's values), nothing of
    theirs is dense; every number is the dense design's."""
    d = _data(n=3000, seed=5)
    formula = "y ~ x + g * z + offset(log(t))"
    s, dd = _structured_and_dense(formula, d)
    X = s.model_frame.design
    assert isinstance(X, StructuredDesign) and len(X.factors) == 2 and len(X.dense_cols) == 2
    assert X.factors[0].values is None and X.factors[1].values is not None and set(X.nested) == {(0, 1)}
    assert X.n_rows * X.n_cols > 65536 and isinstance(s.fit_data.source.X, StructuredDesign)
    assert not isinstance(dd.model_frame.design, StructuredDesign)
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-9)
    np.testing.assert_allclose(s.std_errors, dd.std_errors, rtol=1e-9)
    new = d.iloc[::61]
    pairs = [(s.predict(new, se_fit=True), dd.predict(new, se_fit=True)), (s.hat_values(), dd.hat_values()),
             (s.robust("HC0").std_errors, dd.robust("HC0").std_errors),
             (s.anova(type=2, test="LR"), dd.anova(type=2, test="LR")),
             (s.conf_int(method="profile", parm=["x"]), dd.conf_int(method="profile", parm=["x"]))]
    _assert_pairs_equal(pairs)


def test_a_factor_by_numeric_interaction_past_the_diagonal_solve_width_gives_the_dense_numbers():
    """``y ~ x + g:z`` with 600 levels: X'WX is solved through the diagonal block of g:z (600 columns of z times
    an indicator, DIAGONAL_SOLVE_COLUMNS).  One level has z = 0 on every row, so its g:z column is zero and
    aliased (NaN, as R); every number is the dense design's."""
    from glmstat.design.structured import DIAGONAL_SOLVE_COLUMNS

    rng = np.random.default_rng(8)
    n, L = 3000, 600
    g = np.r_[np.arange(L), rng.integers(0, L, n - L)]
    x, z = rng.normal(size=n), rng.uniform(0.5, 1.5, n)
    z[g == 5] = 0.0
    eta = 0.3 + 0.2 * x + rng.normal(scale=0.2, size=L)[g] * z
    d = pd.DataFrame({"g": [f"g{i:03d}" for i in g], "x": x, "z": z, "y": rng.poisson(np.exp(eta)).astype(float)})
    formula = "y ~ x + g:z"
    s, dd = _structured_and_dense(formula, d)
    X = s.fit_data.source.X
    assert isinstance(X, StructuredDesign) and len(X.dense_cols) == 1 and X.factors[0].values is not None
    np.testing.assert_array_equal(X.diagonal_columns(), np.arange(2, 2 + L))
    assert L >= DIAGONAL_SOLVE_COLUMNS and np.isnan(s.coef["g[g005]:z"])
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-9)
    np.testing.assert_allclose(s.std_errors, dd.std_errors, rtol=1e-9)
    assert s.deviance == pytest.approx(dd.deviance, rel=1e-12)
    pairs = [(s.hat_values(), dd.hat_values()), (s.robust("HC0").std_errors, dd.robust("HC0").std_errors),
             (s.predict(d.iloc[::101], se_fit=True), dd.predict(d.iloc[::101], se_fit=True)),
             (s.drop1(test="Rao"), dd.drop1(test="Rao"))]
    _assert_pairs_equal(pairs)
