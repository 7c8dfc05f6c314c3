"""add1() and forward step() where neither R's start nor the model with every candidate starts an addition
(fixtures/add1_current_start, made by the R script beside it: random case s792_0169, inverse Gaussian 1/mu^2).
From y ~ 1, R's add1.glm stops ("no valid set of coefficients has been found") and glmstat refused too; the
current model's estimate with 0 for the added columns gives the current model's linear predictor, a valid start
from which R's glm.fit fits every addition: glmstat's table and path are R's from there."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_values, structured_in_blocks

DIR = FIXTURES / "add1_current_start"
REF = json.loads((DIR / "r.json").read_text())
SCOPE = "~ I(x2^2) + x1 + exp(x2/5) + log(x3)"


def _null_fit():
    return gs.glm("y ~ 1", pd.read_csv(DIR / "data.csv"), family=gs.InverseGaussian(link="1/mu^2"))


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_add1_starts_an_addition_from_the_current_model(monkeypatch, path):
    if path == "blocks":
        structured_in_blocks(monkeypatch, 8)
    assert "no valid set of coefficients" in REF["r_add1_error"]  # (R's own add1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        table = _null_fit().add1(SCOPE, test="Chisq")
    assert list(table.index) == REF["add1_terms"]
    assert_close(table["deviance"], REF["add1_deviance"], rtol=1e-8)
    assert_close(table["aic"], REF["add1_aic"], rtol=1e-8)
    assert_close(table["statistic"], r_values(REF["add1_lrt"]), rtol=1e-7)


def test_forward_step_goes_on_from_the_current_model():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        chosen = _null_fit().step(scope=SCOPE, direction="forward")
    assert list(chosen.step_path["step"])[1:] == REF["step_path"]
    assert_close(chosen.step_path["aic"], REF["step_aic"], rtol=1e-8)
    assert chosen.formula == REF["step_formula"]
    assert_close(chosen.coef, REF["step_coefficients"], rtol=1e-7)
    assert_close([chosen.deviance], [REF["step_deviance"]], rtol=1e-9)
