"""Expressions of a stateful transform's values on streamed data (``log(scale(x2))``,
``factor(round(scale(x2)))``): the first pass summarizes the chunks again once the transform's parameters are
learned, so the rows made missing and the levels taken are those of the in-memory fit.

Before, the first pass saw the transform's placeholder (0 wherever its input was not missing): a Parquet fit
of ``log(scale(x2))`` kept every row and then refused its own data as changed, and one of
``factor(round(scale(x2)))`` refused the factor as having the single level 0."""

from __future__ import annotations

import pandas as pd
import pytest

import glmstat as gs
from streamed_cases import TRANSFORM_VALUES, assert_same_fit, data, fit, row_groups

pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data()


@pytest.fixture(scope="module")
def path(frame, tmp_path_factory) -> str:
    return row_groups(frame, tmp_path_factory.mktemp("transform_values"))


@pytest.mark.parametrize("case", list(TRANSFORM_VALUES))
def test_an_expression_of_a_transform_equals_the_in_memory_fit(case, frame, path):
    formula, family = TRANSFORM_VALUES[case]
    mem = fit(formula, frame, family, None)
    assert mem.n_dropped > 1000 if case == "log_of_scale" else len(mem.column_names) > 6
    assert_same_fit(fit(formula, path, family, None), mem, path, frame)


@pytest.mark.parametrize("formula, passes", [("count ~ poly(x1, 2) + scale(x2) + offset(scale(expo))", 1),
                                             ("count ~ x1 + I(scale(x2)^2)", 2)])
def test_the_chunks_are_summarized_again_only_for_an_expression_of_a_transform(formula, passes, path,
                                                                              monkeypatch):
    from glmstat.formula import stream

    calls = []
    original = stream._summaries

    def counted(read, columns, summarize_chunk, *rest):
        calls.append(columns)
        return original(read, columns, summarize_chunk, *rest)

    monkeypatch.setattr(stream, "_summaries", counted)
    fit(formula, path, gs.Poisson(), None)
    assert len(calls) == passes


def test_a_transform_met_twice_learns_from_each_row_once(frame, path):
    # (each chunk gave scale(x2) its values twice: the standard deviation of 2n values over 2n - 1, 2e-5 off)
    formula = "count ~ scale(x2) + I(scale(x2)^2)"
    mem = fit(formula, frame, gs.Poisson(), None)
    streamed = fit(formula, path, gs.Poisson(), None)
    assert_same_fit(streamed, mem, path, frame)
