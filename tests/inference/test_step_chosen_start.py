"""A step whose chosen model R's glm cannot start from its starting means (fixtures/step_chosen_start, made by
the R scripts beside it; Poisson identity link): backward, random case s765_0346; forward, ``addition_*``.

Dropping ``poly(x1, 3, raw = TRUE)`` gives the lowest AIC (drop1 refits that submodel from the model's fitted
means where R's starting means step out of the domain), but ``glm(y ~ exp(x2/5) + g2)`` from R's starting means
is refused, and so MASS::stepAIC stops.  glmstat fits the chosen model from the coefficients of the refit that
gave its AIC, and goes on: the path R's fits from the fitted means give (``inference/stepwise.py``,
``_chosen_model``).  Forward from ``y ~ 1`` with scope ``~ x1 + x2``: ``glm(y ~ x1)`` from R's starting means is
refused (R's add1.glm stops there already), the model with both candidates starts; glmstat's add1 refits ``y ~ x1``
on that model's columns from its estimate, and fits the chosen addition from those coefficients.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, structured_in_blocks

DIR = FIXTURES / "step_chosen_start"
REF = json.loads((DIR / "r.json").read_text())
FORMULA = "y ~ poly(x1, 3, raw = TRUE) + exp(x2/5) + g2"


def _full():
    data = pd.read_csv(DIR / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return data, gs.glm(FORMULA, data, family=gs.Poisson(link="identity"), tol=1e-12, max_iter=100)


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_step_goes_on_where_r_s_stepaic_cannot_start_the_chosen_model(monkeypatch, path):
    if path == "blocks":
        structured_in_blocks(monkeypatch, 4)
    data, full = _full()
    assert "no valid set of coefficients" in REF["stepAIC_error"]
    with pytest.raises(gs.InvalidStartError, match="no valid set of coefficients"):  # (as R's glm, from its start)
        gs.glm("y ~ exp(x2/5) + g2", data, family=gs.Poisson(link="identity"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        chosen = full.step(direction="backward")
    path_ = chosen.step_path
    assert list(path_["step"]) == ["", "- poly(x1, 3, raw = TRUE)", "- exp(x2/5)"]
    assert_close(path_["resid_dev"].to_numpy(), REF["deviance"], rtol=1e-8)
    assert_close(path_["aic"].to_numpy(), REF["aic"], rtol=1e-8)
    assert_close(path_["resid_df"].to_numpy(), REF["df_residual"])
    assert chosen.formula.replace(" ", "") == "y~g2"
    assert_close(chosen.coef, REF["last_coefficients"], rtol=1e-8)


def test_the_deletions_from_the_chosen_model_are_r_s_refits():
    """drop1 of the chosen model (fitted from R's own coefficients): y ~ g2, which R fits from its start, and
    y ~ exp(x2/5), which neither side can start from the starting means (R's from the fitted means)."""
    data, _ = _full()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        second = gs.glm("y ~ exp(x2/5) + g2", data, family=gs.Poisson(link="identity"), tol=1e-12, max_iter=100,
                        start=REF["second_coefficients"])
        table = second.drop1()
    assert_close([second.deviance, second.aic], [REF["deviance"][1], REF["aic"][1]], rtol=1e-9)
    want = REF["second_drop_aic"]
    assert_close(table.loc[["g2", "exp(x2/5)"], "aic"].to_numpy(), [want["g2"], want["exp(x2/5)"]], rtol=1e-8)


ADDITION = json.loads((DIR / "addition_r.json").read_text())


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_step_goes_on_where_r_cannot_start_the_chosen_addition(monkeypatch, path):
    if path == "blocks":
        structured_in_blocks(monkeypatch, 4)
    data = pd.read_csv(DIR / "addition_data.csv")
    family = gs.Poisson(link="identity")
    assert "no valid set of coefficients" in ADDITION["stepAIC_error"]
    with pytest.raises(gs.InvalidStartError, match="no valid set of coefficients"):  # (as R's glm, from its start)
        gs.glm("y ~ x1", data, family=family)
    null = gs.glm("y ~ 1", data, family=family, tol=1e-12, max_iter=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        first = null.add1("~ x1 + x2")
        chosen = null.step(scope="~ x1 + x2", direction="forward")
    want = ADDITION["first_add_aic"]
    assert_close(first.loc[["x1", "x2"], "aic"].to_numpy(), [want["x1"], want["x2"]], rtol=1e-8)
    path_ = chosen.step_path
    assert list(path_["step"]) == ["", "+ x1", "+ x2"]
    assert_close(path_["resid_dev"].to_numpy(), ADDITION["deviance"], rtol=1e-8)
    assert_close(path_["aic"].to_numpy(), ADDITION["aic"], rtol=1e-8)
    assert_close(path_["resid_df"].to_numpy(), ADDITION["df_residual"])
    assert chosen.formula.replace(" ", "") == "y~x1+x2"
    # (R's glm meets its deviance test where the score is still 1e-7: the optimum is its Newton steps' from there)
    assert ADDITION["last_score_newton"] < 1e-12
    assert_close(chosen.coef, ADDITION["last_coefficients_newton"], rtol=1e-9)
