"""add1() and step() where an addition separates the data (fixtures/add1_separated_candidate, made by the R script
beside it: random case s1_0250, binomial cloglog link).  The refit of + g1:g2 from R's starting means runs off
towards deviance 0 and does not converge; glmstat refitted it again from the estimate of the model with every
candidate, which converged to a deviance of 72.09 -- above the model's own 27.27 -- and kept that, so step() took
- x2:g1 (AIC 49.49) where R's stepAIC takes + g1:g2 (AIC 34).  A warm refit that stops above the first is no
longer kept."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, structured_in_blocks

DIR = FIXTURES / "add1_separated_candidate"
REF = json.loads((DIR / "r.json").read_text())
FORMULA = "y ~ sqrt(x3) + x2*g1 + g2/x1"


def _fit():
    return gs.glm(FORMULA, pd.read_csv(DIR / "data.csv"), family=gs.Binomial(link="cloglog"))


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_add1_keeps_the_separated_refit_below_the_model(monkeypatch, path):
    if path == "blocks":
        structured_in_blocks(monkeypatch, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = _fit().update("~ . + sqrt(x3):x2")
        table = fit.add1("~ (sqrt(x3) + x2*g1 + g2/x1)^2")
    assert_close(fit.deviance, REF["model_deviance"], rtol=1e-8)
    assert list(table.index) == REF["add1_terms"]
    dev, aic = table["deviance"].to_numpy(), table["aic"].to_numpy()
    for i, term in enumerate(REF["add1_terms"]):
        if term == "sqrt(x3):g2":  # (R's refit goes away from the optimum, to 648.79: R's glm from the model's
            assert_close(dev[i], REF["sqrt_x3_g2_from_model"], rtol=1e-7)  # estimate gives glmstat's)
        elif term == "g1:g2":  # (a separation: both refits at 25 iterations of the run-off towards 0)
            assert not REF["g1g2_converged"]
            assert_close(dev[i], REF["add1_deviance"][i], rtol=1e-5, atol=1e-10)
            assert_close(aic[i], REF["add1_aic"][i], rtol=1e-9)
        else:
            assert_close(dev[i], REF["add1_deviance"][i], rtol=1e-7)
            assert_close(aic[i], REF["add1_aic"][i], rtol=1e-7)


def test_step_takes_the_separating_addition_as_r():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        chosen = _fit().step(direction="both", scope={"lower": "~ 1", "upper": "~ .^2"}, steps=4)
    path = chosen.step_path
    assert list(path["step"]) == REF["step_path"]
    assert_close(path["resid_dev"].to_numpy(), REF["step_resid_dev"], rtol=1e-5, atol=1e-10)
    assert_close(path["aic"].to_numpy(), REF["step_aic"], rtol=1e-7)
    assert sorted(chosen.term_labels) == sorted(REF["step_terms"])
