"""A structured design with interaction columns in its dense block (``y ~ g + f * x`` with a wide ``g``).

Factor main effects stay integer codes when their columns outnumber the other terms' or number at least
``CODED_COLUMNS`` (formula/encode.py); the interaction's columns join the numeric block.  Above the size
where a structured design is fitted as
such (65,536 cells), every number must be the dense design's: the fit, prediction with standard errors,
leverage, sandwich covariance, tests that refit (LR, Rao) and emmeans.  Against R: the large inference
fixtures ``large_*_interaction`` (tests/inference/test_large_inference.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import dense_only
from glmstat.design.structured import StructuredDesign

FORMULA = "y ~ g + f * x + z + offset(log(t))"


def _data(n: int = 6000, seed: int = 21) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 80, n)
    f = rng.choice(["p", "q", "r"], n)
    x, z, t = rng.normal(size=n), rng.uniform(size=n), rng.uniform(0.5, 2, n)
    eta = 0.2 + rng.normal(scale=0.3, size=80)[g] + 0.3 * x * (f == "q") - 0.2 * z
    return pd.DataFrame({"g": [f"g{i:02d}" for i in g], "f": f, "x": x, "z": z, "t": t,
                         "y": rng.poisson(t * np.exp(eta)).astype(float)})


@pytest.fixture(scope="module")
def fits():
    d = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        s = gs.glm(FORMULA, d, family=gs.Poisson(), tol=1e-12, max_iter=100)
        with dense_only():
            dd = gs.glm(FORMULA, d, family=gs.Poisson(), tol=1e-12, max_iter=100)
    return d, s, dd


def test_the_interaction_joins_the_dense_block_and_the_factors_stay_codes(fits):
    _, s, dd = fits
    X = s.model_frame.design
    assert isinstance(X, StructuredDesign) and len(X.factors) == 2 and X.n_rows * X.n_cols > 65536
    assert [s.coef.index[j] for j in X.dense_cols] == ["x", "z", "f[T.q]:x", "f[T.r]:x"]
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-10)
    np.testing.assert_allclose(s.vcov, dd.vcov, rtol=1e-9)
    assert s.deviance == pytest.approx(dd.deviance, rel=1e-12)


def test_inference_on_the_mixed_design_is_the_dense_designs(fits):
    d, s, dd = fits
    new = d.iloc[::97]
    pairs = [(s.predict(new, se_fit=True), dd.predict(new, se_fit=True)), (s.hat_values(), dd.hat_values()),
             (s.robust("HC3").std_errors, dd.robust("HC3").std_errors), (s.emmeans("f"), dd.emmeans("f"))]
    pairs += [(s.anova(type=2, test="LR"), dd.anova(type=2, test="LR")), (s.anova(test="Rao"), dd.anova(test="Rao"))]
    for a, b in pairs:
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-8)


def test_a_wide_factor_interacting_with_a_covariate_stays_codes_and_gives_the_dense_numbers():
    """``g * z`` with an 80-level ``g``: its 79 main-effect columns are codes (CODED_COLUMNS) although the
    interaction's dense columns outnumber them; every number is the dense design's."""
    d = _data(n=3000, seed=5)
    formula = "y ~ x + g * z + offset(log(t))"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        s = gs.glm(formula, d, family=gs.Poisson(), tol=1e-12, max_iter=100)
        with dense_only():
            dd = gs.glm(formula, d, family=gs.Poisson(), tol=1e-12, max_iter=100)
    X = s.model_frame.design
    assert isinstance(X, StructuredDesign) and len(X.factors) == 1 and len(X.dense_cols) == 81
    assert X.n_rows * X.n_cols > 65536 and isinstance(s.fit_data.source.X, StructuredDesign)
    assert not isinstance(dd.model_frame.design, StructuredDesign)
    np.testing.assert_allclose(s.coef, dd.coef, rtol=1e-9)
    np.testing.assert_allclose(s.std_errors, dd.std_errors, rtol=1e-9)
    new = d.iloc[::61]
    pairs = [(s.predict(new, se_fit=True), dd.predict(new, se_fit=True)), (s.hat_values(), dd.hat_values()),
             (s.robust("HC0").std_errors, dd.robust("HC0").std_errors),
             (s.anova(type=2, test="LR"), dd.anova(type=2, test="LR")),
             (s.conf_int(method="profile", parm=["x"]), dd.conf_int(method="profile", parm=["x"]))]
    for a, b in pairs:
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-8)
