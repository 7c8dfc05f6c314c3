"""A factor that no term keeps but the formula names (a removed term's variable, or one of a term dropped for
holding an offset) is held in R's model frame, and model.matrix sets contrasts on it: one of a single level in the
rows used stops R's glm ("contrasts can be applied only to factors with 2 or more levels"), and glmstat's, in
memory and streamed; a logical (coded FALSE/TRUE whatever its rows) and a factor of two levels are fitted.  A
randomized comparison of the formula coder with R (seed 1490) found glmstat fitting
``yN ~ factor(findInterval(x3, c(1, 3))) + factor(is.na(x3)) - factor(is.na(x3))``.  Reference: R 4.2,
tests/fixtures/scripts/make_removed_single_level.R."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "formula" / "removed_single_level.json").read_text())["cases"]
AIRQUALITY = pd.read_csv(FIXTURES / "data" / "airquality.csv")
REFUSED = [c for c in REF.values() if "error" in c]
FITTED = [c for c in REF.values() if "error" not in c]


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c["id"])
def test_a_single_level_factor_no_term_keeps_is_refused_as_in_r(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        with pytest.raises(gs.DataError, match="2 or more levels"):
            gs.glm(case["formula"], AIRQUALITY)


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c["id"])
def test_a_single_level_factor_no_term_keeps_is_refused_streamed(case, tmp_path):
    path = tmp_path / "aq.parquet"
    AIRQUALITY.to_parquet(path, row_group_size=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        with pytest.raises(gs.DataError, match="2 or more levels"):
            gs.glm(case["formula"], str(path))


@pytest.mark.parametrize("case", FITTED, ids=lambda c: c["id"])
def test_a_logical_or_two_levels_no_term_keeps_are_fitted_as_in_r(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        fit = gs.glm(case["formula"], AIRQUALITY)
    assert list(fit.rows_used) == case["rows"]
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)
