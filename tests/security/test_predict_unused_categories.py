"""New data for ``predict()`` whose pandas Categorical column declares many categories its rows do not take.

R's ``model.frame`` drops a variable's unused levels before it matches them with the fit's (``xi[, drop = TRUE]``),
so they never matter.  ``interaction(g, g)`` of new data mapped every category of ``g`` onto the fit's levels by
its text, several Python texts a category, before the unused ones were counted: two rows whose ``g`` declared 5
million categories took 123 s (about 25 us a category) to be refused, 200,000 categories 9 s.  Each argument's
unused levels are now dropped first, and the prediction is that of the same rows as plain text.

In-process: the texts made of the levels are counted, not timed.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.formula import combination_functions

D = pd.DataFrame({"y": [1, 0, 2, 3, 1, 4, 2, 0, 1, 3, 2, 2], "x": np.arange(12.0),
                  "g": list("abcabcabcabc"), "h": list("uuvvuuvvuuvv")})
UNUSED = 20_000


def _categories(values: list[str]) -> pd.Categorical:
    extra = [f"u{i}" for i in range(UNUSED)]
    return pd.Categorical(values, categories=["a", "b", "c"] + extra)


@pytest.fixture
def texts(monkeypatch):
    made = []
    real = combination_functions.r_text
    monkeypatch.setattr(combination_functions, "r_text", lambda v: made.append(1) or real(v))
    return made


@pytest.mark.parametrize("formula", ["y ~ x + interaction(g, h)", "y ~ x + interaction(g, h, drop = TRUE)",
                                     "y ~ x + interaction(g, g)"])
def test_unused_categories_are_not_mapped(formula, texts):
    fit = gs.glm(formula, D, family=gs.Poisson())
    plain = pd.DataFrame({"x": [1.0, 2.0], "g": ["a", "b"], "h": ["u", "v"]})
    expected = fit.predict(plain).to_numpy()
    texts.clear()
    got = fit.predict(plain.assign(g=_categories(["a", "b"]))).to_numpy()
    assert len(texts) < 1_000  # (each of 20,000 categories' texts, several times each, before)
    assert np.allclose(got, expected, rtol=1e-12, atol=0)


def test_r_predicts_as_with_plain_text():
    """R 4.2.2: ``f <- glm(y ~ x + interaction(g, h), poisson, d)``, ``predict(f, data.frame(x = c(1, 2), g =
    factor(c("a", "b"), levels = c("a", "b", "c", paste0("u", 0:19999))), h = c("u", "v")), type = "response")``
    (where glmstat refused the 20,003 x 2 combinations)."""
    fit = gs.glm("y ~ x + interaction(g, h)", D, family=gs.Poisson())
    new = pd.DataFrame({"x": [1.0, 2.0], "g": _categories(["a", "b"]), "h": ["u", "v"]})
    assert np.allclose(fit.predict(new).to_numpy(), [1.714069226045277, 0.771836074290184], rtol=1e-9, atol=0)


def test_a_new_level_the_rows_take_is_still_refused(texts):
    fit = gs.glm("y ~ x + interaction(g, h)", D, family=gs.Poisson())
    new = pd.DataFrame({"x": [1.0, 2.0], "g": _categories(["a", "u7"]), "h": ["u", "v"]})
    with pytest.raises(gs.GLMStatError, match="u7"):
        fit.predict(new)


TEXT_REF = json.loads((FIXTURES / "predict_unused_text" / "r.json").read_text())


@pytest.mark.parametrize("case", TEXT_REF["cases"], ids=[c["formula"] for c in TEXT_REF["cases"]])
def test_text_functions_read_the_rows_texts_as_r_does(case):
    """R 4.2.2 predicts through its text functions (``scripts/make_predict_unused_text.R``): they read each row's
    text, so the 20,000 categories no row takes never matter.  glmstat counted them against its bound on the texts
    a call writes (20 times ``max_columns``, here 500: 10,000) and refused, where ``interaction()`` drops them
    first; they are now dropped before the texts are counted or written."""
    limits = gs.FormulaLimits(max_columns=500)
    fit = gs.glm(case["formula"], D, family=gs.Poisson(), limits=limits)
    new = pd.DataFrame({"x": [1.0, 2.0], "g": _categories(["a", "b"]), "h": ["u", "v"]})
    assert_close(fit.predict(new).to_numpy(), case["predicted"], rtol=1e-6)


def test_text_functions_still_bound_the_texts_rows_take():
    fit = gs.glm("y ~ x + paste(g, h)", D, family=gs.Poisson(), limits=gs.FormulaLimits(max_columns=10))
    new = pd.DataFrame({"x": np.arange(300.0), "g": [f"a{i}" for i in range(300)], "h": "u"})
    with pytest.raises(gs.FormulaError, match=r"paste\(g, h\): it would write the texts of 300 distinct values"):
        fit.predict(new)
