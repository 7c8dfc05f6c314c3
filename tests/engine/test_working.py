"""Fused IRLS kernels equal the generic family/link computation; fixed-weight and structured fits equal
the dense, generic ones; aliasing on a structured design is found as on the dense one."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.engine.passes import offset_null_deviance
from glmstat.engine import kernel as working
from glmstat.design.sources import InMemorySource
from glmstat.engine.fit_state import Control
from glmstat.engine.irls import irls
from glmstat.formula.frame import build_model_frame

from conftest import dense_only
from glmstat.design.dense import DenseDesign
from glmstat.design.structured import StructuredDesign

FUSED = [
    (gs.Binomial(), lambda rng, n: rng.integers(0, 2, n).astype(float)),
    (gs.Binomial(), lambda rng, n: rng.integers(0, 5, n) / 4.0),
    (gs.QuasiBinomial(), lambda rng, n: rng.integers(0, 2, n).astype(float)),
    (gs.Poisson(), lambda rng, n: rng.poisson(2.0, n).astype(float)),
    (gs.QuasiPoisson(), lambda rng, n: rng.poisson(2.0, n).astype(float)),
    (gs.Gamma(link="log"), lambda rng, n: rng.gamma(2.0, 1.0, n)),
    (gs.Gaussian(), lambda rng, n: rng.normal(size=n)),
]


@pytest.mark.parametrize("family, draw", FUSED, ids=lambda v: str(v) if isinstance(v, gs.Family) else "")
def test_fused_kernel_equals_generic(family, draw):
    rng = np.random.default_rng(11)
    n = 500
    y, w = draw(rng, n), rng.uniform(0, 3, n)
    w[:5] = 0.0
    eta = rng.uniform(-4, 2, n)
    fused = working.kernel_for(family)(y, w, eta)
    plain = working.generic(family, y, w, eta)
    assert fused.deviance == pytest.approx(plain.deviance, rel=1e-12)
    assert fused.pearson == pytest.approx(plain.pearson, rel=1e-12)
    assert fused.valid and plain.valid and fused.n_boundary == plain.n_boundary
    np.testing.assert_allclose(fused.W, plain.W, rtol=1e-12)
    pos = w > 0
    np.testing.assert_allclose(fused.r[pos], plain.r[pos], rtol=1e-10, atol=1e-12)


def test_fused_kernel_leaves_clamped_region_to_generic():
    y = np.array([0.0, 1.0, 1.0])
    w = np.ones(3)
    eta = np.array([-40.0, 0.5, 35.0])  # R's logit clamps are active: the generic code must run
    got = working.kernel_for(gs.Binomial())(y, w, eta)
    want = working.generic(gs.Binomial(), y, w, eta)
    assert got.deviance == want.deviance and got.n_boundary == want.n_boundary == 2


def _big_data(n=20000, seed=2):
    rng = np.random.default_rng(seed)
    g = rng.choice(list("abcde"), n)
    x = rng.normal(size=n)
    eta = 0.5 * x + (pd.Series(g).map({"a": 0, "b": 0.3, "c": -0.2, "d": 0.1, "e": 0.4}).to_numpy())
    return pd.DataFrame({
        "x": x, "z": rng.normal(size=n), "g": pd.Categorical(g),
        "h": pd.Categorical(np.char.add("h", g)),  # the same grouping as g: its columns are aliased
        "yes": (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float),
        "pos": rng.gamma(2.0, np.exp(0.2 + 0.1 * x) / 2.0),
    })


def _general(formula, data, family):
    with dense_only(), warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(formula, data, family=family)


@pytest.mark.parametrize("formula, family", [
    ("yes ~ x + z + g", gs.Binomial()),
    ("pos ~ x + z + g", gs.Gamma(link="log")),
    ("yes ~ x + g + h", gs.Binomial()),  # aliased: the Cholesky path refuses, the QR path finds them
])
def test_structured_fit_equals_dense_fit(formula, family):
    d = _big_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fast = gs.glm(formula, d, family=family)
    assert isinstance(fast.model_frame.design, StructuredDesign)  # fitted without dummies
    slow = _general(formula, d, family)
    assert fast.aliased == slow.aliased
    np.testing.assert_allclose(fast.coef, slow.coef, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast.std_errors, slow.std_errors, rtol=1e-9)
    assert fast.deviance == pytest.approx(slow.deviance, rel=1e-12)
    assert fast.null_deviance == pytest.approx(slow.null_deviance, rel=1e-12)
    assert [a.relation for a in fast.aliasing] == [a.relation for a in slow.aliasing]


def test_fixed_weights_reuse_the_gram_exactly():
    d = _big_data()
    fam = gs.Gamma(link="log")
    frame = build_model_frame("pos ~ x + z + g", d, fam)
    src = InMemorySource(frame.design, frame.y, frame.prior_weights, frame.trials, frame.offset)
    fast = irls(src, fam, Control(tol=1e-10))
    saved = working.kernel_for
    working.kernel_for = lambda family: (lambda y, w, eta: working.generic(family, y, w, eta))
    try:
        import glmstat.engine.irls as engine

        engine.kernel_for = working.kernel_for
        plain = irls(src, fam, Control(tol=1e-10))
    finally:
        working.kernel_for = saved
        engine.kernel_for = saved
    np.testing.assert_allclose(fast.coef, plain.coef, rtol=1e-10)
    np.testing.assert_allclose(fast.cov_unscaled, plain.cov_unscaled, rtol=1e-9)


@pytest.mark.parametrize("family, draw", FUSED[:6] + [(gs.Gamma(), lambda rng, n: rng.gamma(2.0, 1.0, n))],
                         ids=lambda v: str(v) if isinstance(v, gs.Family) else "")
def test_constant_mean_deviance_equals_row_sum(family, draw):
    rng = np.random.default_rng(4)
    y, w = draw(rng, 300), rng.uniform(0, 2, 300)
    mu = float(w @ y / w.sum())
    want = float(np.sum(w * family.unit_deviance(y, np.full_like(y, mu))))
    assert working.constant_mean_deviance(family, y, w, mu) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("family, draw", [FUSED[3], FUSED[5]], ids=["poisson", "gamma"])
def test_block_sums_kept_between_passes_give_the_uncached_values(family, draw):
    rng = np.random.default_rng(9)
    n = 1000
    y, w = draw(rng, n), rng.uniform(0.5, 2, n)
    kernel = working.kernel_for(family)
    for _ in range(2):  # the second pass reads the kept sums
        for a in range(0, n, 300):
            eta = rng.uniform(-1, 1, min(n, a + 300) - a)
            got = kernel(y[a:a + 300], w[a:a + 300], eta)
            want = working.generic(family, y[a:a + 300], w[a:a + 300], eta)
            assert got.deviance == pytest.approx(want.deviance, rel=1e-12)


@pytest.mark.parametrize("family", [gs.Poisson(), gs.Gamma(link="log"), gs.Gaussian()], ids=str)
def test_null_deviance_with_offset_equals_intercept_only_fit(family):
    rng = np.random.default_rng(12)
    n = 400
    off = rng.uniform(-0.5, 0.5, n)
    y = rng.poisson(np.exp(0.3 + off)).astype(float) if isinstance(family, gs.Poisson) else \
        rng.gamma(2.0, np.exp(0.3 + off) / 2.0)
    w = rng.uniform(0.5, 2, n)
    src = InMemorySource(DenseDesign(np.ones((n, 1))), y, w, np.ones(n), off)
    want = irls(src, family, Control(tol=1e-12)).deviance
    assert offset_null_deviance(src, family) == pytest.approx(want, rel=1e-10)
    blocks = InMemorySource(DenseDesign(np.ones((n, 1))), y, w, np.ones(n), off, block_rows=37)
    assert offset_null_deviance(blocks, family) == pytest.approx(want, rel=1e-10)
