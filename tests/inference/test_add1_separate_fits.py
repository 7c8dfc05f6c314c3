"""add1() and step() where the model with every candidate cannot start from R's starting means
(fixtures/add1_separate_fits, made by the R script beside it: random case s1_0093, binomial log link with prior
weights).  R's add1.glm never fits that model -- it fits the current columns and each addition's from the
starting means -- so its table and stepAIC's path exist; glmstat fits each addition on its own there too."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_values, structured_in_blocks

DIR = FIXTURES / "add1_separate_fits"
REF = json.loads((DIR / "r.json").read_text())
FORMULA = "y ~ factor(k) + g1 + sqrt(x3) + x1"


def _fit():
    data = pd.read_csv(DIR / "data.csv")
    return data, gs.glm(FORMULA, data, family=gs.Binomial(link="log"), weights="w", tol=1e-12)


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_add1_fits_each_addition_where_the_model_with_all_cannot_start(monkeypatch, path):
    if path == "blocks":
        structured_in_blocks(monkeypatch, 4)
    data, fit = _fit()
    assert "no valid set of coefficients" in REF["upper_error"]
    upper = "y ~ (factor(k) + g1 + sqrt(x3) + x1)^2"
    with pytest.raises(gs.InvalidStartError, match="no valid set of coefficients"):  # (as R's glm, from its start)
        gs.glm(upper, data, family=gs.Binomial(link="log"), weights="w")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        table = fit.add1("~ .^2")
    assert list(table.index) == REF["add1_terms"]
    assert_close(table["deviance"].to_numpy(), REF["add1_deviance"], rtol=1e-8)
    assert_close(table["aic"].to_numpy(), REF["add1_aic"], rtol=1e-8)


def test_step_takes_r_s_path():
    _, fit = _fit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        chosen = fit.step(direction="both", scope={"lower": "~ 1", "upper": "~ .^2"})
    path = chosen.step_path
    assert list(path["step"]) == REF["step_path"]
    assert_close(path["resid_dev"].to_numpy(), REF["step_resid_dev"], rtol=1e-8)
    assert_close(path["aic"].to_numpy(), REF["step_aic"], rtol=1e-8)
    assert list(chosen.term_labels) == REF["step_terms"]
    assert_close(chosen.coef, REF["step_coefficients"], rtol=1e-8)  # (R refitted to its optimum)


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_the_score_test_of_the_additions_needs_only_their_columns(monkeypatch, path):
    """R's add1.glm scores each addition with glm.fit(X, r, w) of the current fit's working residuals on the
    addition's columns: the model with every candidate is never needed (glmstat refused the test there).  R's
    glm stops 3e-7 short of the current model's optimum, which moves the smallest score by 6e-6: the scores are
    compared with add1.glm's from the current model refitted to its optimum, the p-values with add1's own."""
    if path == "blocks":
        structured_in_blocks(monkeypatch, 4)
    _, fit = _fit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        table = fit.add1("~ .^2", test="Rao")
    assert_close(table["statistic"].to_numpy(), r_values(REF["add1_rao_at_optimum"]), rtol=1e-8)
    assert_close(table["p_value"].to_numpy(), r_values(REF["add1_rao_p"]), rtol=1e-6)
