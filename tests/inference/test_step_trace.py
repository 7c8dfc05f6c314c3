"""step(trace=True) prints the search as MASS::stepAIC prints it (trace = 1), character for character, and the same
text is the chosen fit's ``step_trace`` (fixtures/step_trace, made by make_step_trace.R beside it): "Start:  AIC=",
the model as R's deparse(formula(fit)) writes it, a blank line, the table of moves as print.anova formats dropterm's
and addterm's Df, Deviance and AIC, sorted by AIC ("<none>" with a blank Df), then "Step:  AIC=" after each move.

Cases: backward from a full logistic model (race: Df 2), forward with scope= (Poisson), both with lower and upper
scopes and k = log(n) (Gamma), backward Gaussian, a model no move improves (one table), steps = 1 and 0 (R prints the
last "Step:" when steps= stops the search), an aliased term (0 df: dropped first, no table), an interaction (R's
updated formula), a formula deparse breaks (and a move whose refit AIC is higher: "Step:" printed, the search stopped
there), term labels so long that the table wraps its columns past 80 characters (two and three blocks, as R's print
wraps them), a negative binomial with theta estimated (MASS's tables of Df and AIC; backward, and both ways), y ~ .,
a model without an intercept, a scope of two-way interactions, and 6,000 rows with a 300-level factor (structured
design).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, held_out_source, load_data, structured_in_blocks

DIR = FIXTURES / "step_trace"
REF = {case["id"]: case for case in json.loads((DIR / "r.json").read_text())}
FULL_BIRTHWT = "low ~ age + lwt + race + smoke + ptl + ht + ui + ftv"


def _fit(case: str) -> tuple[gs.GLMResults, dict]:
    """The starting model of ``case`` and stepAIC's arguments, as make_step_trace.R writes them."""
    if case in ("backward_binomial", "steps_one", "steps_zero"):
        args = {"steps": {"steps_one": 1, "steps_zero": 0}.get(case, 1000)}
        return gs.glm(FULL_BIRTHWT, load_data("birthwt"), family=gs.Binomial()), args
    if case == "forward_poisson":
        return (gs.glm("Days ~ 1", load_data("quine"), family=gs.Poisson()),
                {"direction": "forward", "scope": "~ Eth + Sex + Age + Lrn"})
    if case == "both_gamma_bic":
        return (gs.glm("mpg ~ wt", load_data("mtcars"), family=gs.Gamma(link="log")),
                {"direction": "both", "k": math.log(32),
                 "scope": {"upper": "~ wt + hp + disp + factor(cyl) + qsec + drat", "lower": "~ 1"}})
    if case == "backward_gaussian":
        return gs.glm("mpg ~ wt + hp + disp + drat + qsec + factor(gear)", load_data("mtcars")), {}
    if case == "no_move":
        return gs.glm("incidents ~ type + year + period + offset(log(service))", load_data("ships"),
                      family=gs.Poisson()), {}
    if case == "aliased":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            return gs.glm("mpg ~ wt + hp + I(2 * wt) + qsec", load_data("mtcars")), {}
    if case == "interaction":
        return gs.glm("mpg ~ wt * factor(am) + qsec + hp", load_data("mtcars")), {}
    if case == "long_formula":
        return gs.glm("mpg ~ wt + hp + disp + drat + qsec + factor(gear) + factor(carb) + vs + am", load_data("mtcars"),
                      family=gs.Gamma(link="log")), {}
    if case in ("wide_labels", "wider_labels"):
        name = "a_really_quite_long_variable_name_for_the_width_of_a_table"
        wide = load_data("mtcars").assign(**{name: lambda d: d["disp"]})
        term = {"wide_labels": "sqrt(a_really_quite_long_variable_name_for_the_width_of_a_table)",
                "wider_labels": "log(a_really_quite_long_variable_name_for_the_width_of_a_table^2 + 1)"}[case]
        return gs.glm(f"mpg ~ wt + {term} + qsec", wide), {}
    if case == "negbin_both":
        return (gs.glm("Days ~ Eth", load_data("quine"), family=gs.NegativeBinomial(), tol=1e-12),
                {"direction": "both", "scope": "~ Eth + Sex + Age + Lrn"})
    if case == "dot":
        return gs.glm("mpg ~ .", load_data("mtcars")[["mpg", "wt", "hp", "qsec", "drat"]]), {}
    if case == "no_intercept":
        return gs.glm("mpg ~ wt + hp + qsec + drat - 1", load_data("mtcars")), {}
    if case == "scope_crossed":
        return gs.glm("Days ~ Eth + Sex + Age", load_data("quine"), family=gs.Poisson()), {"scope": "~ .^2"}
    if case == "negbin":
        return gs.glm("Days ~ Eth + Sex + Age + Lrn", load_data("quine"), family=gs.NegativeBinomial(), tol=1e-12), {}
    assert case == "structured"
    return (gs.glm("y ~ x1 + x3", pd.read_csv(DIR / "structured.csv"), family=gs.Poisson()),
            {"direction": "both", "scope": "~ x1 + x2 + x3 + g"})


def _printed(case: str) -> str:
    """What R printed (capture.output's lines, each ended by its newline)."""
    return "".join(line + "\n" for line in REF[case]["printed"])


def _step(case: str, **kw) -> gs.GLMResults:
    start, args = _fit(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return start.step(**args, **kw)


SMALL = [c for c in REF if c != "structured"]


@pytest.mark.parametrize("case", SMALL)
def test_step_trace_prints_stepaic_s_output(case, capsys):
    chosen = _step(case, trace=True)
    assert capsys.readouterr().out == _printed(case)
    assert chosen.term_labels == list(np.atleast_1d(REF[case]["final_terms"]))


@pytest.mark.parametrize("case", SMALL)
def test_step_trace_text_without_printing(case, capsys):
    chosen = _step(case)
    assert capsys.readouterr().out == ""  # (trace=False, the default: a Python function prints nothing)
    assert chosen.step_trace.text == _printed(case)
    assert str(chosen.step_trace) == _printed(case)[:-1]  # (so that print() writes R's text)
    path, ref = chosen.step_path, REF[case]["path"]
    assert list(path["step"]) == list(np.atleast_1d(ref["step"]))
    assert_close(path["aic"].to_numpy(), np.atleast_1d(ref["aic"]), rtol=1e-6)


@pytest.mark.parametrize("path", ["blocks", "parquet"])
def test_step_trace_of_streamed_rows(path, tmp_path, monkeypatch, capsys):
    # the search refitted from Parquet row groups (or over blocks of a structured design) prints R's text too
    both = REF["both_gamma_bic"]
    data = held_out_source(load_data("mtcars"), path, tmp_path, monkeypatch, rows=8)
    start = gs.glm("mpg ~ wt", data, family=gs.Gamma(link="log"))
    chosen = start.step(direction="both", k=math.log(32), trace=True,
                        scope={"upper": "~ wt + hp + disp + factor(cyl) + qsec + drat", "lower": "~ 1"})
    assert capsys.readouterr().out == _printed("both_gamma_bic") == chosen.step_trace.text
    assert chosen.term_labels == both["final_terms"]


def test_step_trace_is_none_for_a_fit_not_chosen_by_step():
    assert gs.glm("mpg ~ wt", load_data("mtcars")).step_trace is None


def test_step_trace_refuses_a_trace_that_is_not_a_bool():
    fit = gs.glm("mpg ~ wt + hp", load_data("mtcars"))
    with pytest.raises(gs.GLMStatError, match="trace must be True or False"):
        fit.step(trace="yes")


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_step_trace_of_a_300_level_factor(path, monkeypatch, capsys):
    if path == "blocks":
        structured_in_blocks(monkeypatch, 1000)
    chosen = _step("structured", trace=True)
    assert capsys.readouterr().out == _printed("structured")
    ref = REF["structured"]["path"]
    assert list(chosen.step_path["step"]) == ref["step"]
    assert_close(chosen.step_path["resid_dev"].to_numpy(), ref["resid_dev"], rtol=1e-6)
    assert_close(chosen.step_path["aic"].to_numpy(), ref["aic"], rtol=1e-6)


def test_step_trace_escapes_a_name_from_the_data():
    # a column name with a terminal escape is printed as R's encodeString writes it, never raw
    rng = np.random.default_rng(297)
    d = pd.DataFrame({"y": rng.poisson(3, 50), "x\x1b[2J": rng.normal(size=50), "z": rng.normal(size=50)})
    text = gs.glm("y ~ `x\x1b[2J` + z", d, family=gs.Poisson()).step().step_trace.text
    assert "\x1b" not in text and "- `x\\033[2J`" in text and "y ~ `x\\033[2J` + z" in text
