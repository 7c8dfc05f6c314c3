"""The labels of the terms a scope adds, as R's add1.glm and stepAIC write them (fixtures/step_scope_labels, made
by the R script beside it): both read a scope through ``update.formula``, whose simplified formula orders a term's
variables by their first appearance -- ``~ .^2`` of ``y ~ x1:x2 + g2 + log(x3)`` adds ``g2:x1:x2`` (``g2``, a
main effect, comes before ``x1:x2``), where the formula as written orders x1, x2, g2."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, structured_in_blocks

DIR = FIXTURES / "step_scope_labels"
REF = json.loads((DIR / "r.json").read_text())


def _fit():
    data = pd.read_csv(DIR / "data.csv")
    return gs.glm("y ~ x1:x2 + g2 + log(x3)", data, family=gs.Poisson(), tol=1e-12)


def test_the_model_s_labels_are_r_s():
    assert list(_fit().term_labels) == REF["model_terms"]


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_add1_names_the_scope_s_terms_as_r(monkeypatch, path):
    if path == "blocks":
        structured_in_blocks(monkeypatch, 8)
    table = _fit().add1("~ .^2")
    assert list(table.index) == REF["add1_terms"]
    assert_close(table["aic"].to_numpy(), REF["add1_aic"], rtol=1e-9)
    assert_close(table["deviance"].to_numpy(), REF["add1_deviance"], rtol=1e-9)


def test_step_adds_the_terms_r_names_and_ends_at_r_s_model():
    chosen = _fit().step(scope="~ .^2", direction="forward")
    assert list(chosen.step_path["step"]) == REF["step_path"]
    assert_close(chosen.step_path["aic"].to_numpy(), REF["step_aic"], rtol=1e-9)
    assert list(chosen.term_labels) == REF["step_terms"]
