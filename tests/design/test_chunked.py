"""The engine fits a chunked (Parquet row-group) source exactly as the in-memory source."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.design.sources import InMemorySource
from glmstat.engine.fit_state import Control
from glmstat.engine.irls import irls
from glmstat.formula.frame import build_model_frame

pytest.importorskip("pyarrow")
from glmstat.design.parquet import ParquetSource, write_parquet  # noqa: E402


def _data(n=3000, seed=7):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, n))
    g = pd.Categorical(rng.choice([f"l{i:02d}" for i in range(12)], n))
    h = pd.Categorical(rng.choice(list("abcde"), n))
    expo = rng.uniform(0.5, 3, n)
    eta = 0.3 * x1 - 0.2 * x2 + np.log(expo) + (g.codes % 3) * 0.1
    return pd.DataFrame({"x1": x1, "x2": x2, "g": g, "h": h, "expo": expo,
                         "count": rng.poisson(np.exp(eta)).astype(float),
                         "yes": (rng.uniform(size=n) < 1 / (1 + np.exp(-eta + 0.5))).astype(float),
                         "w": rng.uniform(0.5, 2, n)})


def _states(formula, family, tmp_path, block_rows, group_rows, weights=None):
    frame = build_model_frame(formula, _data(), family, weights=weights)
    mem = InMemorySource(frame.design, frame.y, frame.prior_weights * frame.trials, frame.trials,
                         frame.offset, block_rows=block_rows)
    path = tmp_path / "rows.parquet"
    write_parquet(path, mem, row_group_rows=group_rows)
    disk = ParquetSource(path)
    assert (disk.n_rows, disk.n_cols) == (mem.n_rows, mem.n_cols)
    ctl = Control(tol=1e-10)
    return irls(mem, family, ctl), irls(disk, family, ctl)


CASES = [
    ("yes ~ x1 + x2 + g + h", gs.Binomial(), None),
    ("count ~ x1 + g + h + offset(log(expo))", gs.Poisson(), None),
    ("count ~ 0 + g + x2", gs.Poisson(), "w"),
    ("yes ~ x1 * g", gs.Binomial(), None),  # (x1:g: g's codes and x1's values)
    ("count ~ x2 + g * h + offset(log(expo))", gs.Poisson(), None),  # (g:h: the combined levels)
    ("yes ~ x1 * poly(x2, 2)", gs.Binomial(), None),  # a dense design (numeric interactions)
]


@pytest.mark.parametrize("formula", ["yes ~ x1 * g", "count ~ x2 + g * h + x1:g:h"])
def test_written_designs_read_back_with_their_factors_values_and_parts(formula, tmp_path):
    frame = build_model_frame(formula, _data(), gs.Binomial() if formula.startswith("yes") else gs.Poisson())
    X = frame.design
    mem = InMemorySource(X, frame.y, frame.prior_weights, frame.trials, frame.offset, block_rows=1000)
    write_parquet(tmp_path / "rows.parquet", mem, row_group_rows=1000)
    back = next(iter(ParquetSource(tmp_path / "rows.parquet").blocks())).X
    assert any(f.values is not None for f in X.factors) or any(len(f.parts) > 1 for f in X.factors)
    for a, b in zip(X.factors, back.factors):
        np.testing.assert_array_equal(a.codes[:1000], b.codes)
        assert (a.values is None) == (b.values is None) and a.parts == b.parts
        if a.values is not None:
            np.testing.assert_array_equal(a.values[:1000], b.values)
    assert set(back.nested) == set(X.nested)
    np.testing.assert_array_equal(back.toarray(), X.toarray()[:1000])


@pytest.mark.parametrize("formula, family, weights", CASES)
def test_same_row_groups_same_fit(formula, family, weights, tmp_path):
    mem, disk = _states(formula, family, tmp_path, 500, 500, weights)
    np.testing.assert_array_equal(mem.kept, disk.kept)
    np.testing.assert_allclose(disk.coef, mem.coef, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(disk.cov_unscaled, mem.cov_unscaled, rtol=1e-12, atol=1e-15)
    assert disk.deviance == pytest.approx(mem.deviance, rel=1e-14)
    assert disk.pearson_chi2 == pytest.approx(mem.pearson_chi2, rel=1e-13)
    assert (disk.n_ok, disk.iterations, disk.converged) == (mem.n_ok, mem.iterations, mem.converged)


@pytest.mark.parametrize("formula, family, weights", CASES[:2])
def test_other_chunking_same_estimates(formula, family, weights, tmp_path):
    mem, disk = _states(formula, family, tmp_path, 65536, 777, weights)
    np.testing.assert_allclose(disk.coef, mem.coef, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(disk.cov_unscaled, mem.cov_unscaled, rtol=1e-9)
    assert disk.deviance == pytest.approx(mem.deviance, rel=1e-12)
