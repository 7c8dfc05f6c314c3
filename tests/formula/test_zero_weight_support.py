"""A response outside the family's support in a row of prior weight 0 is refused naming the row and its value, as
R's families refuse it (their initialize expressions check every row): glmstat let the row through its check,
and the fit then failed with "cannot find valid starting values ... pass start= coefficients", naming no row
(an inverse Gaussian fit went through). A binomial proportion is set to 0 at weight 0 first, as R sets it, and
fits R's numbers.

R's outcomes: tests/fixtures/zero_weight_support (make_zero_weight_support.R on data.csv; row 4 has weight 0).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "zero_weight_support"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")

CASES = {
    "poisson": ("y_count", gs.Poisson(), "[0, inf)", -1),
    "quasipoisson": ("y_count", gs.QuasiPoisson(), "[0, inf)", -1),
    "negative_binomial": ("y_count", gs.NegativeBinomial(theta=2), "[0, inf)", -1),
    "gamma": ("y_pos", gs.Gamma(), "(0, inf)", 0),
    "inverse_gaussian": ("y_count", gs.InverseGaussian(), "(0, inf)", -1),
}


@pytest.mark.parametrize("case", list(CASES))
def test_out_of_support_response_at_weight_zero_is_refused_as_r_refuses_it(case):
    assert R[case]["refused"]  # (R: "negative values not allowed for the 'Poisson' family", ...)
    column, family, support, value = CASES[case]
    with pytest.raises(gs.DataError) as info:
        gs.glm(f"{column} ~ x", DATA, family=family, weights="w", start=np.zeros(2) + 0.5)
    msg = str(info.value)
    assert msg.startswith(f"the response '{column}' must lie in {support} for the {family.name} family; row 3 has "
                          f"{value:g} (1 row outside); that row has weight 0")
    assert "drop such rows from the data" in msg


def test_a_refused_row_of_positive_weight_says_nothing_of_weights():
    data = DATA.assign(w=1.0)
    with pytest.raises(gs.DataError, match=r"row 3 has -1 \(1 row outside\)$"):
        gs.glm("y_count ~ x", data, family=gs.Poisson(), weights="w")


def test_streamed_rows_are_checked_at_weight_zero_too(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "d.parquet"
    DATA.to_parquet(path, row_group_size=2)
    with pytest.raises(gs.DataError, match=r"row 3 has -1 \(1 row outside\); that row has weight 0"):
        gs.glm("y_count ~ x", str(path), family=gs.Poisson(), weights="w")


def test_a_binomial_proportion_above_1_at_weight_zero_fits_as_in_r():
    ref = R["binomial"]
    assert not ref["refused"]
    fit = gs.glm("y_prop ~ x", DATA, family=gs.Binomial(), weights="w")
    np.testing.assert_allclose(fit.coef.to_numpy(), ref["coefficients"], rtol=1e-6)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), ref["std_errors"], rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, ref["deviance"], rtol=1e-6)
