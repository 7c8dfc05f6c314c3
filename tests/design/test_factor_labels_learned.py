"""``factor(x, labels = ...)`` names the levels of the fit's rows one by one: those levels are learned once, and
new data and every chunk of streamed data are coded on them.

Before, each evaluation labelled its own levels.  A Parquet row group or dask partition lacking a level was
refused ("labels has 9 values for 8 levels"); new data lacking one could not be predicted (R's predict()
fails there too: "invalid 'labels'"); and new data holding a value the fit never saw, with as many levels as
labels, had every label after it shifted -- a silently wrong prediction (as in R).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from streamed_cases import assert_same_dask_fit, assert_same_fit, close, data, fit, row_groups

LEVELS = [f"l{i:02d}" for i in range(8)] + ["l99"]  # l99: only in the last row group (partition)
FORMULA = ("count ~ x1 + factor(g, labels = c(" + ", ".join(f'"L{i}"' for i in range(9)) + "))"
           " + offset(log(expo))")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data()


@pytest.fixture(scope="module")
def mem(frame) -> gs.GLMResults:
    return fit(FORMULA, frame, gs.Poisson(), None)


def test_the_labels_name_the_levels_in_order(mem):
    # (the factor's levels sorted as R sorts them, L0 the reference: l99 is labelled L8)
    assert [c.rsplit("[", 1)[1] for c in mem.column_names[2:]] == [f"T.L{i}]" for i in range(1, 9)]


def test_new_data_lacking_levels_is_predicted_as_its_rows_are_fitted(frame, mem):
    rows = [0, 1, len(frame) - 1]  # a row of level l99 (L8) and two others
    one = [mem.predict(frame.iloc[[i]]).iloc[0] for i in rows]
    close(one, mem.fitted_values.loc[frame.index[rows]], rtol=1e-12)
    assert frame["g"].iloc[rows].nunique() < len(LEVELS)


def test_a_value_the_fit_never_saw_is_refused(frame, mem):
    # nine values, as many as the labels: labelled one by one they would shift L3 ... L8 onto other levels
    new = frame.iloc[:9].assign(g=["l00", "l01", "l02", "l025", "l03", "l04", "l05", "l06", "l07"])
    with pytest.raises(gs.FormulaError, match=r"'l025' is not one of the levels the fit's rows take \('l00', "
                                              r"'l01', .*\), which labels= name in order"):
        mem.predict(new)


def test_parquet_row_groups_lacking_a_level_fit_as_in_memory(frame, mem, tmp_path):
    pytest.importorskip("pyarrow")
    path = row_groups(frame, tmp_path)
    assert_same_fit(fit(FORMULA, path, gs.Poisson(), None), mem, path, frame)


def test_dask_partitions_lacking_a_level_fit_as_in_memory(frame, mem):
    pytest.importorskip("dask.dataframe")
    assert_same_dask_fit(FORMULA, frame, mem)


def test_more_levels_than_labels_is_refused_in_memory_and_streamed(frame, tmp_path):
    pytest.importorskip("pyarrow")
    # every row group holds eight of the nine levels: labelled each on its own, they would all fit
    formula = "count ~ x1 + factor(g, labels = c(" + ", ".join(f'"L{i}"' for i in range(8)) + "))"
    for source in (frame, row_groups(frame, tmp_path)):
        with pytest.raises(gs.FormulaError, match="labels has 8 values for 9 levels"):
            fit(formula, source, gs.Poisson(), None)
    assert np.isin(LEVELS, frame["g"]).all()
