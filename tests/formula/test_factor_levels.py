"""A factor's levels from its labels: sorted as R's ``factor()`` sorts them in the C locale (texts by code point),
whether pandas.factorize finds them or, for a few rows (a one-row prediction), a Python set and sort."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from glmstat.formula import values

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
