"""``context=`` functions on streamed data, which is evaluated one chunk (row group, partition) at a time.

A function that computes each row's value from that row alone gives the fit on all the rows.  One whose value
for a row depends on the other rows -- a standardization ``(x - x.mean()) / x.std()``, a rank, lumping the
rare levels of a factor -- computed other values on each chunk, and the streamed fit silently differed from the
in-memory fit (coefficients off by 2 to 10 per cent); it is refused, naming the call.  An array of values
is refused too: nothing matches it to the rows of a chunk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from streamed_cases import GROUP, N, close, data, row_groups

pytest.importorskip("pyarrow")
dd = pytest.importorskip("dask.dataframe")

BY_ROWS = {
    "shrink": lambda x: np.log1p(np.abs(x)),
    "side": lambda x: np.where(x > 0, "pos", "neg"),  # (a factor)
    "pair": lambda g: pd.Categorical(np.where(np.isin(np.asarray(g, dtype=object), ["l00", "l01"]), "yes", "no"),
                                     categories=["yes", "no"]),
    "bent": lambda x, by=1.0: np.exp(x * by) + np.sin(x),
    "two": lambda x: 2.0,  # (a constant)
}
ACROSS_ROWS = {
    "standardize": lambda x: (x - np.nanmean(x)) / np.nanstd(x),
    "rank": lambda x: pd.Series(x).rank().to_numpy(),
    "lump": lambda g: (lambda s: np.where(s.isin(s.value_counts().index[:3]), s, "rare"))(  # (the 3 most frequent)
        pd.Series(np.asarray(g, dtype=object))),
}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data()


@pytest.fixture(scope="module")
def path(frame, tmp_path_factory) -> str:
    return row_groups(frame, tmp_path_factory.mktemp("context"))


def sources(frame, path):
    return {"parquet": path, "dask": dd.from_pandas(frame, npartitions=N // GROUP, sort=False)}


def streamed_fit(formula, data, context):
    return gs.glm(formula, data, family=gs.Poisson(), context=context)


@pytest.mark.parametrize("formula", ["count ~ shrink(x1) + side(x2) + h", "count ~ pair(g) + bent(x1, by = 0.5)",
                                     "count ~ I(x1 + two(x2)) + g"])
def test_a_function_of_each_row_alone_gives_the_in_memory_fit(formula, frame, path):
    with pytest.warns(gs.DroppedRowsWarning):
        mem = streamed_fit(formula, frame, BY_ROWS)
    for kind, given in sources(frame, path).items():
        with pytest.warns(gs.DroppedRowsWarning):
            streamed = streamed_fit(formula, given, BY_ROWS)
        assert streamed.column_names == mem.column_names, kind
        close(streamed.coef, mem.coef, what=kind)
        close(streamed.std_errors, mem.std_errors, what=kind)


@pytest.mark.parametrize("call", ["standardize(x2)", "rank(x1)", "lump(g)"])
def test_a_function_of_every_row_is_refused_on_chunks(call, frame, path):
    for given in sources(frame, path).values():
        with pytest.raises(gs.FormulaError, match=rf"'{call.replace('(', '[(]').replace(')', '[)]')}': the "
                                                  r"context= function's value for a row depends on the other rows"):
            streamed_fit(f"count ~ {call} + h", given, ACROSS_ROWS)


def test_data_read_in_one_chunk_fits_a_function_of_every_row(frame, path, monkeypatch):
    # (conftest reads the file a row group per chunk; glmstat reads a file this short in one)
    from glmstat.formula import readers

    monkeypatch.setattr(readers, "RUN_ROWS", readers.BATCH_ROWS)
    formula = "count ~ standardize(x2) + h"
    with pytest.warns(gs.DroppedRowsWarning):
        mem = streamed_fit(formula, frame, ACROSS_ROWS)
    with pytest.warns(gs.DroppedRowsWarning):
        streamed = streamed_fit(formula, path, ACROSS_ROWS)
    close(streamed.coef, mem.coef, what="coef")


@pytest.mark.parametrize("values", ["array", "series"])
def test_an_array_of_values_is_refused_whatever_the_chunks_length(values, frame, path):
    # a chunk's rows were matched by length: an array as long as a partition was used for every partition,
    # one as long as the data was refused as having the wrong length
    n = GROUP if values == "array" else N
    a = np.arange(n, dtype=float) if values == "array" else pd.Series(np.arange(n, dtype=float), index=frame.index)
    for given in sources(frame, path).values():
        with pytest.raises(gs.DataError, match="context= entry 'a' is an array of values, which cannot be matched "
                                               "to the rows of streamed data"):
            streamed_fit("count ~ I(x1 + a) + h", given, {"a": a})
