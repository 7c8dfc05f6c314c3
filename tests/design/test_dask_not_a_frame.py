"""A dask collection that is not a DataFrame (a Series, an Index, an Array) as ``data=`` or ``newdata=`` is
refused as any other object is, with a DataError naming its type.  Taken for a dask DataFrame (it has
partitions), a Series failed with Python's TypeError, an Array with an AttributeError, and ``predict`` of a
Series returned predictions for it."""

from __future__ import annotations

import pandas as pd
import pytest

import glmstat as gs

dd = pytest.importorskip("dask.dataframe")
da = pytest.importorskip("dask.array")

FRAME = pd.DataFrame({"y": [1.0, 0.0, 2.0, 3.0, 1.0, 4.0], "x": [0.1, -0.4, 0.3, 1.2, 0.0, 1.5]})


def _collections():
    ddf = dd.from_pandas(FRAME, npartitions=2)
    return {"series": ddf["x"], "index": ddf.index, "array": da.ones((6, 2), chunks=3)}


@pytest.mark.parametrize("kind", ["series", "index", "array"])
def test_data_that_is_not_a_dask_dataframe_is_refused(kind):
    with pytest.raises(gs.DataError, match=r"data must be a pandas DataFrame.*got dask\."):
        gs.glm("y ~ x", _collections()[kind], family=gs.Poisson())


@pytest.mark.parametrize("kind", ["series", "index", "array"])
def test_newdata_that_is_not_a_dask_dataframe_is_refused(kind):
    fit = gs.glm("y ~ x", FRAME, family=gs.Poisson())
    with pytest.raises(gs.DataError, match=r"newdata must be a pandas DataFrame.*got dask\."):
        fit.predict(_collections()[kind])
