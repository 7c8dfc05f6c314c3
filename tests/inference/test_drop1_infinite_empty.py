"""drop1() and step() where the empty submodel's deviance is infinite (fixtures/drop1_infinite_empty, made by the R
script beside it: random case s787_0018, inverse Gaussian identity link, ``y ~ x2 - 1``).  Dropping x2 leaves
eta = 0, means R's glm.fit accepts (inverse.gaussian()$validmu is TRUE) where the deviance is Inf: R's drop1
reports it and stepAIC goes on without that model; glmstat refused the refit, so its step() stopped with an
error."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_values, structured_in_blocks

DIR = FIXTURES / "drop1_infinite_empty"
REF = json.loads((DIR / "r.json").read_text())


def _fit():
    return gs.glm("y ~ x2 - 1", pd.read_csv(DIR / "data.csv"), family=gs.InverseGaussian(link="identity"))


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_drop1_reports_the_infinite_deviance_as_r(monkeypatch, path):
    if path == "blocks":
        structured_in_blocks(monkeypatch, 8)
    fit = _fit()
    for test, stat in [("Chisq", "chisq"), ("F", "f")]:
        table = fit.drop1(test=test)
        assert list(table.index) == REF["terms"]
        assert_close(table["deviance"], r_values(REF["deviance"]), rtol=1e-8)
        assert_close(table["aic"], r_values(REF["aic"]), rtol=1e-8)
        assert_close(table["statistic"], r_values(REF[stat]))
        assert_close(table["p_value"], r_values(REF[stat + "_p"]))
    # R's Rao stops (glm.fit of the residuals with infinite weights); glmstat's score there is NaN, not a number
    assert REF["rao_error"]
    assert np.isnan(fit.drop1(test="Rao").loc["x2", "statistic"])


def test_step_goes_on_without_the_model_of_infinite_deviance():
    chosen = _fit().step(direction="both", scope={"upper": "~ x2", "lower": "~ 1"})
    assert list(chosen.term_labels) == list(np.atleast_1d(REF["step_terms"]))
    assert_close(chosen.step_path["aic"], r_values(np.atleast_1d(REF["step_aic"])), rtol=1e-8)


def test_the_empty_model_itself_is_still_refused():
    """R's glm(y ~ 0) returns deviance Inf and AIC Inf; glmstat says why it cannot fit it."""
    with pytest.raises(gs.FitError, match="not a valid mean for the inverse.gaussian family"):
        gs.glm("y ~ 0", pd.read_csv(DIR / "data.csv"), family=gs.InverseGaussian(link="identity"))
