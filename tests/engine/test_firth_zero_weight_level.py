"""method="firth" when every row of a factor level has weight 0: the level's column is aliased, as in glm.

brglm2 looks for aliasing in the unweighted design (zero-weight rows included), finds none, and stops with
"failed to invert the information matrix"; glmstat stopped too, telling the user to pass start= (which
cannot help: X'WX is singular at every coefficient).  The column is now set aside as glm's IRLS sets it
aside, and the fit is brglm2's fit to the rows without that level.

R 4.2 (fixtures/firth_zero_weight_level, make_firth_zero_weight_level.R): brglm2 on all rows (its error) and
on the rows of the other levels.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "firth_zero_weight_level"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


def fit(rows):
    with pytest.warns(gs.AliasingWarning, match=r"g\[T\.d\] is zero in every row used with a positive weight"):
        return gs.glm(R["formula"], rows, family=gs.Binomial(), weights=R["weights"], method="firth", tol=1e-12)


def check(m):
    assert m.converged
    assert list(m.aliased) == ["g[T.d]"]
    kept = np.isfinite(m.coef.to_numpy())
    np.testing.assert_allclose(m.coef.to_numpy()[kept], R["coefficients"], rtol=1e-7)
    np.testing.assert_allclose(m.std_errors.to_numpy()[kept], R["std_errors"], rtol=1e-7)
    np.testing.assert_allclose([m.deviance, m.null_deviance, m.aic], [R["deviance"], R["null_deviance"], R["aic"]],
                               rtol=1e-9)
    assert (m.df_residual, m.df_null) == (R["df_residual"], R["df_null"])
    fitted = np.asarray(m.fitted_values, dtype=float)
    np.testing.assert_allclose(fitted[(DATA["g"] != "d").to_numpy()], R["fitted"], rtol=1e-7)


def test_brglm2_fails_on_every_row():
    assert R["brglm2_on_all_rows"]["error"]


def test_the_zero_weight_level_is_aliased_and_the_fit_is_brglm2s_without_it():
    check(fit(DATA))


def test_a_parquet_file_gives_the_same_fit(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "rows.parquet"
    DATA.to_parquet(path, row_group_size=60, index=False)
    check(fit(str(path)))
