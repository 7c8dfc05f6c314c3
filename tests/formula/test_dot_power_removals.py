"""A power of ``.`` with removals, ``y ~ (. - x04 - ... - x20)^3``: R's terms() removes the columns inside the
parentheses before it raises what is left (R's DeleteTerms, then PowerTerms), three columns and their
interactions here.  glmstat's bound on the terms a formula builds, counted before anything is expanded, raised the
columns and the removed names together (37 cubed) and refused the formula ("more terms than allowed: 2,001");
a randomized comparison of the formula coder with R (by hand beside seed 1496) found it.  Reference: R 4.2,
tests/fixtures/scripts/make_dot_power_removals.R."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name
from glmstat.formula.parser import parse
from glmstat.formula.terms import check_term_count

REF = json.loads((FIXTURES / "formula" / "dot_power_removals.json").read_text())
DATA = pd.DataFrame(REF["data"])


@pytest.mark.parametrize("case", REF["fits"], ids=lambda c: c["formula"][:40])
def test_a_power_of_dot_with_removals_is_rs_model(case):
    fit = gs.glm(case["formula"], DATA)
    assert [t for t in fit.model_frame.term_labels if t != "(Intercept)"] == case["labels"]
    assert [r_coef_name(c) for c in fit.column_names] == case["columns"]
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)
    assert fit.df_residual == case["df_residual"]


def test_what_a_removal_builds_is_still_counted():
    """The terms a ``-`` removes are built before they are removed, so they still count: 26 columns removed as
    their 26th power (67 million terms) are refused, inside a power as outside."""
    columns = ["y"] + [f"x{i}" for i in range(26)]
    rhs = " + ".join(f"x{i}" for i in range(26))
    for formula in (f"y ~ x0 - ({rhs})^26", f"y ~ (x0 + x1 - ({rhs})^26)^2", f"y ~ (. - ({rhs})^26)^3"):
        with pytest.raises(gs.FormulaError, match="more terms than allowed"):
            check_term_count(parse(formula), columns)
