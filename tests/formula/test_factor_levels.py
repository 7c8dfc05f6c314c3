"""A factor's levels from its labels: sorted as R's ``factor()`` sorts them in the C locale (texts by code point),
whether pandas.factorize finds them or, for a few rows (a one-row prediction), a Python set and sort."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glmstat as gs
from glmstat.formula import values
from glmstat.formula.values import ARRAY_FACTORIZE_ROWS, column_value, factor_from_labels

TEXTS = st.lists(st.text(min_size=0, max_size=4), min_size=1, max_size=values._FEW_LABELS)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_few_labels_give_factorize_s_levels_and_codes(labels):
    arr = np.array(labels, dtype=object)
    few = values.factor_from_labels(arr)
    original = values._FEW_LABELS
    try:
        values._FEW_LABELS = 0  # (pandas.factorize for any number of rows)
        many = values.factor_from_labels(arr)
    finally:
        values._FEW_LABELS = original
    assert few.levels == many.levels == tuple(sorted(set(labels)))
    assert np.array_equal(few.codes, many.codes)


@pytest.mark.parametrize("categories, codes", [
    ([0.1 + 0.2, 0.3, 1.0], [0, 0, 1, 1, 2, 2]),            # two doubles R writes as "0.3"
    (["1", 1, "b"], [0, 0, 1, 1, 2, 2]),                     # a text and a number
    (["True", True, "b"], [0, 0, 1, 1, 2, 2]),               # a text and a logical
])
def test_a_categorical_whose_levels_print_alike_is_refused(categories, codes):
    """Levels are named, and new data matched to them, by their text (R's levels are text, and R refuses a
    duplicated level): two categories of one text would give one name to two columns and predict, emmeans
    and marginal effects the wrong level's value."""
    df = pd.DataFrame({"y": [1.0, 2, 10, 11, 20, 21], "v": pd.Categorical.from_codes(codes, categories)})
    with pytest.raises(gs.DataError, match=r"the factor 'v' has two levels that print alike, .* both '(0\.3|1|True)'"):
        gs.glm("y ~ v", df)
    with pytest.raises(gs.DataError, match="print alike"):
        gs.glm("y ~ 0 + v", df)  # (coded by indicators: every level named)


def test_factor_of_numbers_that_print_alike_merges_them_as_r():
    """R's factor() of numbers matches the values by their text: 0.1 + 0.2 and 0.3 are one level, "0.3".
    R 4.2: y = c(1, 2, 3, 4), x = c(0.1 + 0.2, 0.3, 1, 1); coef(glm(y ~ factor(x))) is 1.5, 2."""
    df = pd.DataFrame({"y": [1.0, 2, 3, 4], "x": [0.1 + 0.2, 0.3, 1, 1]})
    fit = gs.glm("y ~ factor(x)", df)
    assert list(fit.coef.index) == ["Intercept", "factor(x)[T.1]"]
    np.testing.assert_allclose(fit.coef.to_numpy(), [1.5, 2.0], rtol=1e-12)


@pytest.mark.parametrize("dtype", [object, "string[python]", "string[pyarrow]", "str"])
@pytest.mark.parametrize("n", [1, 3, 200])  # (a few labels are sorted by Python, more by pandas.factorize)
def test_a_column_of_text_is_the_same_factor_whatever_its_string_dtype(dtype, n):
    """pandas' string dtypes (and the default "str" of pandas 3) are read by their dtype, object columns by the
    values' kinds: the same levels (code-point order, as R's factor() in the C locale) and missing rows."""
    if dtype == "str" and not isinstance(pd.api.types.pandas_dtype("str"), pd.StringDtype):
        pytest.skip("before pandas 3 'str' is numpy's text dtype, which makes None the text 'None'")
    labels = np.array(["b", "a", "\u00e9", "B", ""] * 40, dtype=object)[:n]
    raw = pd.array(np.where(np.arange(n) % 7 == 6, None, labels), dtype=dtype)
    got = values.column_value("g", raw)
    present = [v for i, v in enumerate(labels) if i % 7 != 6]
    assert got.levels == tuple(sorted(set(present)))
    assert np.array_equal(got.codes < 0, np.arange(n) % 7 == 6)
    assert [got.levels[c] for c in got.codes if c >= 0] == present


@pytest.mark.parametrize("dtype", ["string", "str"])
@pytest.mark.parametrize("n", [5, ARRAY_FACTORIZE_ROWS - 1, ARRAY_FACTORIZE_ROWS, 3 * ARRAY_FACTORIZE_ROWS])
def test_pandas_strings_give_the_same_factor_on_both_sides_of_the_array_path(dtype, n):
    """A column of pandas' strings is factorized by its labels below ARRAY_FACTORIZE_ROWS rows and by its array
    (Arrow's hashing and sort) from there: the same levels, in R's code-point order, and the same codes."""
    rng = np.random.default_rng(n)
    words = np.array(["b", "a", "Z", "é", "a b", "10", "9", "", "ß"], dtype=object)
    x = pd.Series(rng.choice(words, n), dtype=dtype)
    x[rng.random(n) < 0.1] = None
    got = column_value("x", x)
    want = factor_from_labels(np.asarray(x.to_numpy(dtype=object), dtype=object), np.asarray(x.isna(), dtype=bool))
    assert got.levels == want.levels == tuple(sorted(set(x.dropna())))
    np.testing.assert_array_equal(got.codes, want.codes)
