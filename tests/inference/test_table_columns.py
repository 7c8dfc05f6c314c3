"""The DataFrames a fit returns keep their columns and dtypes whatever the model: a model without
coefficients (``y ~ 0``) gives the same columns, of the same dtypes, as any other, so code that indexes or
concatenates them does not depend on the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs


@pytest.fixture(scope="module")
def fits():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"y": rng.poisson(3, 30), "x": rng.normal(size=30), "g": list("abc") * 10})
    return gs.glm("y ~ x + g", d, family=gs.Poisson()), gs.glm("y ~ 0", d, family=gs.Poisson())


def dtypes(table: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in table.dtypes.items()}


def test_tidy_of_a_model_without_coefficients_has_a_text_term_column(fits):
    full, empty = fits
    # (the term column of y ~ 0 was float64: pandas' dtype of an empty list)
    assert dtypes(empty.tidy()) == dtypes(full.tidy())
    # (text: the full fit's dtype, object before pandas 3 and str from it on -- pandas 2.0's is_string_dtype of an
    # empty object column is False, as it looks at the values)
    assert empty.tidy().empty and empty.tidy()["term"].dtype == full.tidy()["term"].dtype
    assert pd.api.types.is_string_dtype(full.tidy()["term"])
    assert list(full.tidy()["term"]) == ["Intercept", "x", "g[T.b]", "g[T.c]"]


def test_trace_of_a_model_without_coefficients_counts_halvings_in_integers(fits):
    full, empty = fits
    shared = ["iteration", "deviance", "loglik", "halvings"]
    assert list(empty.trace.columns) == shared and empty.trace.empty  # (R's iter is 0: no iterations)
    assert dtypes(empty.trace) == {c: t for c, t in dtypes(full.trace).items() if c in shared}
    assert str(empty.trace["halvings"].dtype) == "int64"  # (was float64 without rows)
