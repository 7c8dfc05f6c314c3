"""The response and update() of a formula, pinned against R where a differential test of glmstat's formula
front end found them handled differently: the response written again as a term of the right-hand side
(``y ~ x + y``), which R's model.matrix drops with a warning (glmstat fitted y by itself, deviance 0);
update() of a fit whose response is an expression of operators (``s/n ~ x``), whose refitted formula R writes
without parentheses; update(), add1() and step() of a model with a comparison as a variable (``y ~ z + (x > 0)``),
whose refitted formula was written from term labels (``y ~ z + x > 0 + w``: one comparison), as R writes it.
Reference: R 4.2, tests/fixtures/scripts/make_formula_response_update_fixtures.R."""

from __future__ import annotations

import json
import re

import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, load_data

REF = json.loads((FIXTURES / "formula" / "response_update.json").read_text())["cases"]


def _as_r(name: str) -> str:
    """glmstat's column name as R writes it: 'Intercept' -> '(Intercept)', 'f[T.b]' -> 'fb', a logical's
    'f[T.True]' -> 'fTRUE'."""
    if name == "Intercept":
        return "(Intercept)"
    name = name.replace("[T.True]", "TRUE").replace("[True]", "TRUE").replace("[False]", "FALSE")
    return re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", name)


@pytest.mark.parametrize("case", ["response_as_term", "response_call_as_term", "response_alone"])
def test_response_as_a_term_is_dropped_with_a_warning(case):
    ref = REF[case]
    with pytest.warns(gs.FormulaWarning, match="response .* right-hand side .* dropped"):
        fit = gs.glm(ref["formula"], load_data("mtcars"))
    assert [_as_r(c) for c in fit.column_names] == ref["column_names"]
    assert_close(fit.coef, ref["coefficients"], rtol=1e-8)
    assert_close(fit.deviance, ref["deviance"], rtol=1e-8)
    assert fit.df_residual == ref["df_residual"]


def test_interaction_with_the_response_is_kept_as_r_keeps_it():
    ref = REF["response_interaction_kept"]
    with pytest.warns(gs.PerfectFitWarning):  # (y explained by y times a factor's indicators)
        fit = gs.glm(ref["formula"], load_data("mtcars"))
    assert [_as_r(c) for c in fit.column_names] == ref["column_names"]
    assert fit.df_residual == ref["df_residual"]
    assert fit.deviance < 1e-20


@pytest.mark.parametrize("case", ["update_ratio_response", "update_ratio_response_no_lhs"])
def test_update_keeps_a_response_of_operators_as_r_writes_it(case):
    # '. ~ ...' (or no left side) of 'numdead/total ~ ...': R refits 'numdead/total ~ ...'; glmstat wrote
    # '(numdead/total) ~ ...' (in fit.formula and the summary's Call line)
    ref = REF[case]
    fit = gs.glm(ref["formula"], load_data("budworm"), family=gs.Binomial(), weights="total")
    new = fit.update(ref["update"])
    assert new.formula == ref["updated"]
    assert f"glm(formula = {ref['updated']}," in str(new.summary())
    assert_close(new.coef, ref["coefficients"], rtol=1e-6)
    assert_close(new.deviance, ref["deviance"], rtol=1e-8)


def test_update_adding_the_response_warns_and_drops_it():
    # R's update(glm(mpg ~ wt + hp), ~ . + mpg) refits mpg ~ wt + hp + mpg, whose mpg term model.matrix drops:
    # the fit of case response_as_term
    ref = REF["response_as_term"]
    fit = gs.glm("mpg ~ wt + hp", load_data("mtcars"))
    with pytest.warns(gs.FormulaWarning, match="response 'mpg' .* dropped"):
        new = fit.update("~ . + mpg")
    assert [_as_r(c) for c in new.column_names] == ref["column_names"]
    assert_close(new.coef, ref["coefficients"], rtol=1e-8)


@pytest.mark.filterwarnings("ignore::glmstat.AliasingWarning")  # (the interaction's last cell, aliased in R too)
@pytest.mark.parametrize("case", ["update_comparison_main", "update_comparison_interaction"])
def test_update_keeps_a_comparison_variable_one_variable(case):
    # R's update writes the refitted formula from term labels, 'mpg ~ wt + hp > 150 + qsec' (recorded in the
    # fixture), which reads back as a single comparison; glmstat refitted that one-term model too.  The
    # reference is R's fit of the intended model.
    ref = REF[case]
    assert " > 150 + " in ref["r_update_formula"] or " > 150:" in ref["r_update_formula"]
    fit = gs.glm(ref["formula"], load_data("mtcars"))
    new = fit.update(ref["update"])
    assert [t for t in new.model_frame.term_labels if t != "(Intercept)"] == ref["term_labels"]
    assert [_as_r(c) for c in new.column_names] == ref["column_names"]
    assert_close(new.coef, ref["coefficients"], rtol=1e-8, atol=1e-10)
    assert_close(new.deviance, ref["deviance"], rtol=1e-8)


def test_add1_and_step_refit_a_comparison_variable_as_one_variable():
    # add1 and step refit candidate models from the same text: their deviance with qsec added is the fit of
    # mpg ~ wt + (hp > 150) + qsec
    ref = REF["update_comparison_main"]
    fit = gs.glm(ref["formula"], load_data("mtcars"))
    assert_close(fit.add1("~ . + qsec").loc["qsec", "deviance"], ref["deviance"], rtol=1e-8)
    chosen = fit.step(scope="~ . + qsec", direction="forward")
    assert chosen.formula == "mpg ~ wt + (hp > 150) + qsec"
    assert_close(chosen.deviance, ref["deviance"], rtol=1e-8)


def test_update_reads_dot_as_the_model_fitted_with_other_data():
    # R: update(glm(mpg ~ ., data = mtcars[, c("mpg", "wt", "hp")]), ~ . - hp, data = <with qsec too>) refits
    # mpg ~ wt; glmstat expanded '.' against the new data and refitted mpg ~ wt + qsec
    ref = REF["dot_update_other_data"]
    mt = load_data("mtcars")
    fit = gs.glm(ref["formula"], mt[["mpg", "wt", "hp"]])
    new = fit.update(ref["update"], data=mt[["mpg", "wt", "hp", "qsec"]])
    assert new.formula == ref["updated"]
    assert [_as_r(c) for c in new.column_names] == ref["column_names"]
    assert_close(new.coef, ref["coefficients"], rtol=1e-8)


def test_update_reads_dot_as_the_model_fitted_with_another_response():
    # R: update(glm(mpg ~ ., data = mtcars[, c("mpg", "wt", "hp")]), hp ~ .) refits hp ~ wt + hp, and drops hp
    # as the response; glmstat expanded '.' without hp and refitted hp ~ mpg + wt
    ref = REF["dot_update_other_response"]
    fit = gs.glm(ref["formula"], load_data("mtcars")[["mpg", "wt", "hp"]])
    with pytest.warns(gs.FormulaWarning, match="response 'hp'"):
        new = fit.update(ref["update"])
    assert [_as_r(c) for c in new.column_names] == ref["column_names"]
    assert_close(new.coef, ref["coefficients"], rtol=1e-8)
    assert_close(new.deviance, ref["deviance"], rtol=1e-8)


def test_update_writes_dot_out_in_place():
    # R's formula(fit) has '.' written out where it stood, so '^2' of the update joins I(wt^2):log(hp) first
    ref = REF["dot_update_in_place"]
    fit = gs.glm(ref["formula"], load_data("mtcars")[["mpg", "wt", "hp", "qsec"]])
    new = fit.update(ref["update"])
    assert new.formula == ref["updated"]
    assert [t for t in new.model_frame.term_labels if t != "(Intercept)"] == ref["term_labels"]
    assert [_as_r(c) for c in new.column_names] == ref["column_names"]
    assert_close(new.coef, ref["coefficients"], rtol=1e-6)


def test_add1_reads_a_label_of_a_comparison_as_one_term():
    # R's label of (hp > 150) is 'hp > 150'; a scope given as labels made '~ . + hp > 150', which reads as the
    # one comparison wt + qsec + hp > 150 (R's add1 with that label returns a row of 0 df)
    ref = REF["update_comparison_main"]  # R's fit of mpg ~ wt + (hp > 150) + qsec
    fit = gs.glm("mpg ~ wt + qsec", load_data("mtcars"))
    table = fit.add1(["hp > 150"])
    assert list(table.index) == ["<none>", "hp > 150"]
    assert table.loc["hp > 150", "df"] == 1
    assert_close(table.loc["hp > 150", "deviance"], ref["deviance"], rtol=1e-8)


def test_dot_refuses_a_column_with_an_empty_name():
    """A column named '' was a term of '.' (R: "attempt to use zero-length variable name"); the fit worked, and
    update(), drop1() and step() then failed on the formula they wrote ("an empty backtick name").  Now '.' is
    refused, naming the column; a formula that does not use '.' still fits."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    d = pd.DataFrame({"": rng.normal(size=20), "z": rng.normal(size=20), "y": rng.normal(size=20)})
    with pytest.raises(gs.FormulaError, match=r"empty name \(''\)"):
        gs.glm("y ~ .", d)
    fit = gs.glm("y ~ z", d)
    assert list(fit.update("~ . - z").coef.index) == ["Intercept"]
