"""``x^2`` of a single variable is ``x`` in R's formula algebra: glmstat fits ``x``, as R does, and warns
(FormulaWarning) suggesting ``I(x^2)``; the interaction operator used as intended, ``(a + b)^2``, does not warn.

The term labels are R 4.2's: ``attr(terms(f), "term.labels")``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({
    "y": [1.2, 2.3, 2.9, 4.8, 5.1, 7.4, 8.2, 9.9, 12.1, 13.0],
    "x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    "a": [0.5, 1.5, 0.2, 2.2, 1.1, 0.7, 2.9, 1.8, 0.4, 2.5],
    "b": [3.1, 1.2, 2.2, 0.4, 1.9, 2.8, 0.3, 1.6, 2.4, 0.9],
})


def _fit(formula):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(formula, D)
    return fit, [w for w in caught if issubclass(w.category, gs.FormulaWarning)]


@pytest.mark.parametrize("formula,r_labels,suggestion", [
    ("y ~ x^2", ["x"], "I(x^2)"),
    ("y ~ x**2", ["x"], "I(x^2)"),
    ("y ~ a + x^3", ["a", "x"], "I(x^3)"),
    ("y ~ (x)^2", ["x"], "x + I((x)^2)"),
    ("y ~ log(x + 1)^2", ["log(x + 1)"], "I(log(x + 1)^2)"),
])
def test_power_of_one_variable_fits_the_variable_and_warns(formula, r_labels, suggestion):
    fit, caught = _fit(formula)
    assert list(fit.coef.index) == ["Intercept", *r_labels]  # R's terms; glmstat calls (Intercept) Intercept
    assert len(caught) == 1
    message = str(caught[0].message)
    assert suggestion in message and "not" in message
    assert caught[0].filename == __file__  # points at the caller's line, not into glmstat


def test_power_of_one_variable_is_the_same_model_as_the_variable():
    fit, _ = _fit("y ~ x^2")
    plain, caught = _fit("y ~ x")
    assert not caught
    np.testing.assert_array_equal(fit.coef.to_numpy(), plain.coef.to_numpy())


@pytest.mark.parametrize("formula,r_labels", [
    ("y ~ (a + b)^2", ["a", "b", "a:b"]),
    ("y ~ (a + b + x)^2 - x", ["a", "b", "a:b", "a:x", "b:x"]),
    ("y ~ I(x^2)", ["I(x^2)"]),
    ("y ~ x + I(x**2)", ["x", "I(x^2)"]),
    ("y ~ log(x^2)", ["log(x^2)"]),
    ("y ~ x^1", ["x"]),  # R refuses a power of 1 ("invalid power in formula"); glmstat reads it as x
])
def test_no_warning_where_the_power_is_meant(formula, r_labels):
    fit, caught = _fit(formula)
    assert list(fit.coef.index) == ["Intercept", *r_labels]
    assert caught == []


def test_every_fit_warns_not_only_the_first():
    # the parsed terms are cached; the warning is not
    for _ in range(2):
        _, caught = _fit("y ~ x^2")
        assert len(caught) == 1


def test_one_warning_per_power():
    _, caught = _fit("y ~ x^2 + a^2")
    assert sorted(str(w.message).split("'")[1] for w in caught) == ["a^2", "x^2"]


def test_the_warning_can_be_made_an_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.FormulaWarning)
        with pytest.raises(gs.FormulaWarning, match=r"I\(x\^2\)"):
            gs.glm("y ~ x^2", D)
