"""A variable that only a removed term names is evaluated as R's model frame evaluates it, so an error in it is
an error of the formula: ``y ~ x + relevel(ordered(g), ref = "b") - relevel(ordered(g), ref = "b")`` and
``y ~ x - nosuch`` stop R's glm, and glmstat's; a removed column glmstat cannot read as a model variable (dates
left out by ``- date``) is still left out.  A randomized comparison of the formula coder with R (seed 1473) found
glmstat fitting such formulas, the removed variable silently left out.  Reference: R 4.2,
tests/fixtures/scripts/make_removed_variable_errors.R."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "formula" / "removed_variable_errors.json").read_text())["cases"]
MTCARS = pd.read_csv(FIXTURES / "data" / "mtcars.csv")


@pytest.mark.parametrize("case", [c for c in REF.values() if "error" in c], ids=lambda c: c["id"])
def test_an_error_in_a_removed_variable_is_an_error_as_in_r(case):
    with pytest.raises(gs.GLMStatError):
        gs.glm(case["formula"], MTCARS)


def test_a_removed_variable_r_reads_drops_its_missing_rows():
    case = REF["removed_readable"]
    with pytest.warns(gs.DroppedRowsWarning):
        fit = gs.glm(case["formula"], MTCARS)
    assert list(fit.rows_used) == case["rows"]
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
