"""Dense designs with more columns than rows (helper-47's finding: ``poly(x, 70):poly(z, 70)`` on 100 rows).

Such a design has a singular X'WX: it is fitted by the QR of its n rows from the first pass, O(n^2 p) a pass,
never by a p x p Cholesky (O(p^3)) that can only fail; at most n columns are kept, the others are aliased as
R's pivoted QR aliases them.  The sklearn front end's penalized fits solve their model through the rows' SVD.
The p x p work that remains (a design's p^3) is counted in ``max_pass_work`` and refused before the fit.
R references: ``glm(y ~ ., data = read.csv(...), family = poisson())`` (and gaussian()), R 4.x, and
``glm(y ~ poly(x, 20):poly(z, 20))`` on the 100 rows below.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.engine import irls as irls_module
from glmstat.engine import scoring_pass
from glmstat.engine.penalized import _solve_psd, _wide_solve
from glmstat.design.dense import DenseDesign


def _wide20() -> pd.DataFrame:
    """20 rows, 30 integer columns of rank 4 (a1..a4 and 26 integer combinations of them), a Poisson count."""
    rng = np.random.default_rng(7)
    n = 20
    B = rng.integers(0, 10, size=(n, 4))
    C = rng.integers(-2, 3, size=(4, 26))
    d = pd.DataFrame(np.hstack([B, B @ C]), columns=[f"a{j}" for j in range(1, 31)])
    d["y"] = rng.poisson(np.exp(0.1 * B[:, 0] - 0.05 * B[:, 1] + 0.5))
    return d


# R: coef(glm(y ~ ., data = d, family = ...)) where not NA (rank 5: the intercept and a1..a4), deviance
R_WIDE = {
    "poisson": (19.897793644433808, 25.229810236366617,
                [0.68510536939122313, 0.089247469674538893, -0.053989641332290117, 0.0056038795815645812,
                 0.017196196946245849]),
    "gaussian": (51.490268586385703, 67.799999999999997,
                 [1.9697789456644463, 0.25992967352409435, -0.17265632360191555, 0.006053977156173564,
                  0.067675480063787055]),
}


@pytest.mark.parametrize("family", ["poisson", "gaussian"])
def test_more_columns_than_rows_matches_r(family, monkeypatch):
    """31 columns on 20 rows: R's kept columns, coefficients and deviance, and no solve of more than n columns."""
    solved = []
    real = irls_module.factor_gram

    def spy(gram, score, kept, *args, **kwargs):
        solved.append(int(np.count_nonzero(kept)))
        return real(gram, score, kept, *args, **kwargs)

    monkeypatch.setattr(irls_module, "factor_gram", spy)
    monkeypatch.setattr(scoring_pass, "factor_gram", spy)  # (the pass's factor; the loop's check of the Gram path)
    d = _wide20()
    fam = gs.Poisson() if family == "poisson" else gs.Gaussian()
    with pytest.warns(gs.AliasingWarning):
        fit = gs.glm("y ~ .", d, family=fam)
    dev, null, coef = R_WIDE[family]
    kept = np.isfinite(np.asarray(fit.coef))
    assert list(np.asarray(fit.column_names)[kept]) == ["Intercept", "a1", "a2", "a3", "a4"]
    np.testing.assert_allclose(np.asarray(fit.coef)[kept], coef, rtol=1e-8)
    assert fit.deviance == pytest.approx(dev, rel=1e-10)
    assert fit.null_deviance == pytest.approx(null, rel=1e-10)
    assert fit.converged and fit.rank == 5
    assert max(solved, default=0) <= len(d)  # (the Cholesky path saw the kept columns only, never all 31)


def _xz100() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"y": rng.normal(size=100), "x": rng.normal(size=100), "z": rng.normal(size=100)})


def test_poly_20_by_20_on_100_rows_converges():
    """The auditor's 401 columns on 100 rows stopped unconverged at max_iter (the deviance's rounding, 1e-8
    relative for coefficients of 1e12, kept R's test from passing); its steps are now seen to be rounding
    of the solve.  R: rank 100, deviance 3.4e-8 of a null deviance of 92.5695024224880 (a saturated fit,
    coefficients ~1e11); glmstat sets one more column aside (the kept columns were singular together beyond
    1e13) and leaves 4e-4 of it."""
    d = _xz100()
    with pytest.warns(gs.AliasingWarning), pytest.warns(gs.ConvergenceWarning, match="rounding of its solve"):
        fit = gs.glm("y ~ poly(x, 20):poly(z, 20)", d)
    assert fit._state.at_rounding
    assert fit.converged and fit.iterations <= 3
    assert fit.null_deviance == pytest.approx(92.569502422488043, rel=1e-12)
    assert fit.deviance < 1e-5 * fit.null_deviance
    assert 99 <= fit.rank <= 100 and len(fit.coef) == 401  # (in 3 iterations, where 25 took 25-45 s)


def test_poly_70_by_70_on_100_rows_is_refused_before_the_fit(monkeypatch):
    import glmstat.api

    def fitted(*args, **kwargs):
        raise AssertionError("the 4,901-column design reached the fit")

    d = _xz100()
    monkeypatch.setattr(glmstat.api, "irls", fitted)
    with pytest.raises(gs.FormulaError) as e:
        gs.glm("y ~ poly(x, 70):poly(z, 70)", d)
    msg = str(e.value)
    assert "4,901 dense columns, more than its 100 rows" in msg
    assert "'poly(x, 70):poly(z, 70)' has 4,900 of them" in msg
    assert f": {4901 ** 3:,}, where the limit max_pass_work is 100,000,000,000" in msg
    # raising the limit is what the message says to do; a lower one refuses the 401 columns too
    with pytest.raises(gs.FormulaError, match=f": {401 ** 3:,}, where the limit max_pass_work is"):
        gs.glm("y ~ poly(x, 20):poly(z, 20)", d, limits=gs.FormulaLimits(max_pass_work=401 ** 3 - 1))


def test_columns_cubed_counted_only_beyond_the_rows():
    """p <= n: the factorisation costs no more than forming X'WX (rows x p^2), the bound as before."""
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"y": rng.normal(size=1000), "x": rng.normal(size=1000)})
    fit = gs.glm("y ~ poly(x, 100)", d, limits=gs.FormulaLimits(max_pass_work=1000 * 101 ** 2))
    assert len(fit.coef) == 101


@pytest.mark.parametrize("l2", [0.3, 1e-6, 0.0])
@pytest.mark.parametrize("intercept", [True, False])
def test_wide_solve_is_the_p_by_p_solve(l2, intercept):
    """The rows' SVD gives the p x p model's solution: (A'A + l2 I) x = rhs, A = sqrt(W) (X - 1 mean')."""
    rng = np.random.default_rng(5)
    n, p = 15, 40
    X = rng.normal(size=(n, p))
    W = rng.uniform(0.1, 1.0, size=n)
    mean = (X.T @ W) / W.sum() if intercept else None
    A = np.sqrt(W)[:, None] * (X - (mean if intercept else 0.0))
    Q = A.T @ A + l2 * np.eye(p)
    rhs = A.T @ rng.normal(size=n) if l2 == 0 else rng.normal(size=p)  # (singular Q: rhs in its range)
    x = _wide_solve(DenseDesign(X), W, mean, l2, rhs)
    # (backward stable: the residual is rounding of ||Q|| ||x||, whatever Q's condition)
    assert np.abs(Q @ x - rhs).max() <= 1e-12 * np.abs(Q).sum(axis=0).max() * np.abs(x).max()
    if l2 > 1e-3:
        np.testing.assert_allclose(x, _solve_psd(Q, rhs), rtol=1e-9, atol=1e-12)
