"""Data given as a dict of many columns: the check for text pandas cannot hold read the frame's dtypes once a
column (``df.dtypes``, a Series of every column's dtype, made anew each time): quadratic in the columns, 95 s of
CPU time for 200,000 columns of 5 rows (8 MB) fitted by ``y ~ x``.  The dtypes are read once; counted here by the
accesses to ``DataFrame.dtypes``, not timed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs


@pytest.fixture
def dtypes_read(monkeypatch):
    reads = []
    dtypes = pd.DataFrame.dtypes

    def counted(self):
        reads.append(self.shape[1])
        return dtypes.fget(self)

    monkeypatch.setattr(pd.DataFrame, "dtypes", property(counted))
    return reads


def data(p: int) -> dict:
    d = {f"c{j}": np.zeros(5) for j in range(p)}
    d.update(x=np.array([1.0, 2, 3, 4, 5]), y=np.array([1.0, 3, 2, 5, 4]), g=np.array(list("abaab"), dtype=object))
    return d


def test_a_dict_of_many_columns_reads_the_dtypes_of_its_frame_a_few_times(dtypes_read):
    fit = gs.glm("y ~ x", data(3_000))
    wide = [r for r in dtypes_read if r > 3_000]
    assert len(wide) <= 4, len(wide)
    # least squares of y on x: slope cov(x, y) / var(x) = 8 / 10
    np.testing.assert_allclose(fit.coef["x"], 0.8, rtol=1e-12)


def test_a_text_column_pandas_cannot_hold_is_still_refused():
    d = data(3)
    d["g"] = np.array(["a", "b\ud800", "a", "a", "b"], dtype=object)
    with pytest.raises(gs.DataError, match="not valid text"):
        gs.glm("y ~ x + g", d)
