"""A factor of texts compared with TRUE or FALSE, against R 4.2 (tests/fixtures/text_versus_logical, made by
scripts/make_text_versus_logical.R): R compares its labels with ``as.character()`` of the logical, "TRUE" and
"FALSE".  ``t == TRUE``, ``t %in% TRUE`` and ``is.element(t, FALSE)`` matched the texts "True" and "False" instead
(Python's spelling of the logical, which a formula's names use), the rows R matches not, and so did
``factor(t, levels = c(TRUE, FALSE))``; a logical column's own levels match either way.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, expression_value, expression_values, r_coef_name, r_double
from glmstat.formula.values import label_text

REF = json.loads((FIXTURES / "text_versus_logical" / "ref.json").read_text())
DATA = pd.DataFrame({"t": REF["t"], "b": REF["b"], "y": REF["y"]})


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_comparisons_with_a_logical_are_r_s(expr):
    np.testing.assert_array_equal(expression_values(DATA, expr), REF["values"][expr])


def test_a_fit_on_such_a_comparison_is_r_s():
    fit = gs.glm("y ~ I(t == TRUE)", DATA)
    assert [r_coef_name(n) for n in fit.coef.index] == REF["coef_names"]
    np.testing.assert_allclose(fit.coef, [r_double(t) for t in REF["coef"]], rtol=1e-12)


@pytest.mark.parametrize("expr", list(REF["factors"]))
def test_levels_given_as_logicals_match_r_s_texts(expr):
    want = REF["factors"][expr]
    f = expression_value(DATA, expr)
    assert [label_text(lv).upper() for lv in f.levels] == want["levels"]
    assert [None if c < 0 else int(c) + 1 for c in f.codes] == want["codes"]
