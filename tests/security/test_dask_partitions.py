"""A dask DataFrame whose partitions are not what its metadata says: ``dd.read_csv`` of files from someone else, of
which one lacks a column the first file has, or a ``map_partitions`` whose ``meta=`` names columns a partition
does not compute.  dask's own check raised a raw ``ValueError`` ("The columns in the computed data do not match
the columns in the provided metadata", listing the columns whole) out of ``glm()``'s first pass; it is a
DataError naming the problem, with dask's words cut.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

dd = pytest.importorskip("dask.dataframe")

D = pd.DataFrame({"y": [1.0, 0, 2, 3, 1, 4, 2, 5, 3], "x": [0.1, 0.4, 0.2, 0.9, 0.5, 1.3, 0.7, 1.6, 1.1]})


@pytest.mark.parametrize("rename", [None, "q" * 1_000_000], ids=["missing", "missing-and-a-huge-extra"])
def test_a_partition_without_a_column_of_the_metadata_is_refused(rename):
    def lying(part: pd.DataFrame) -> pd.DataFrame:
        if part.index[0] != 0:  # (the first partition is as the metadata says, the others lack x)
            part = part.drop(columns=["x"]) if rename is None else part.rename(columns={"x": rename})
        return part

    ddf = dd.from_pandas(D, npartitions=3).map_partitions(lying, meta=D)
    with pytest.raises(gs.DataError, match="^a partition of the dask DataFrame does not have the columns the "
                                           "DataFrame names \\(dask: \"The columns in the computed data") as e:
        gs.glm("y ~ x", ddf, family=gs.Poisson())
    assert len(str(e.value)) < 600 and (rename is not None or "Missing: ['x']" in str(e.value))


def test_partitions_as_the_metadata_says_fit():
    fit = gs.glm("y ~ x", dd.from_pandas(D, npartitions=3), family=gs.Poisson())
    np.testing.assert_allclose(fit.coef.to_numpy(), gs.glm("y ~ x", D, family=gs.Poisson()).coef.to_numpy(),
                               rtol=1e-10)
