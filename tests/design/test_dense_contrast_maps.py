"""Factors whose contrasts are dense (a Helmert contrast's column map is half full, a polynomial one's full) are
multiplied through their map as dense matrices: scipy's product of a sparse matrix and a dense one, one
multiply-add at a time, made a pass of a 4,500-level Helmert factor take 80 s where ``max_pass_work`` counts
seconds, and the standard errors of 100 predictions of a 2,000-level one 7 s.  The fit, its Cook's distances and
its predictions with standard errors are R's (tests/fixtures/dense_contrasts, ``scripts/make_dense_contrasts.R``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "dense_contrasts" / "r.json").read_text())


def _helmert_data(n: int = 600, levels: int = 300) -> pd.DataFrame:
    i = np.arange(1, n + 1)
    return pd.DataFrame({"y": np.sin(i) + i % 7 / 3, "x": np.cos(i), "h": [f"l{k:05d}" for k in (i - 1) % levels]})


def _poly_data(m: int = 400) -> pd.DataFrame:
    i = np.arange(1, m + 1)
    return pd.DataFrame({"count": (i * 7) % 11, "x": np.cos(i), "k": [f"k{k:03d}" for k in (i - 1) % 40]})


@pytest.mark.parametrize("case", ["helmert", "poly"])
def test_dense_contrasts_give_rs_fit_influence_and_predictions(case):
    if case == "helmert":
        d, fit = _helmert_data(), gs.glm("y ~ x + C(h, helmert)", _helmert_data())
    else:
        d, fit = _poly_data(), gs.glm("count ~ x + C(k, poly)", _poly_data(), family=gs.Poisson())
    ref = REF[case]
    assert_close(fit.coef.to_numpy(), ref["coef"], rtol=1e-7, atol=1e-9)
    assert_close(fit.deviance, ref["deviance"], rtol=1e-9)
    assert_close(fit.cooks_distance().to_numpy(), ref["cooks"], rtol=1e-6, atol=1e-12)
    pred = fit.predict(d.iloc[:40], type="link", se_fit=True)
    assert_close(pred["fit"].to_numpy(), ref["fit"], rtol=1e-9, atol=1e-12)
    assert_close(pred["se"].to_numpy(), ref["se_fit"], rtol=1e-7)
