"""``fit.augment(path=...)`` of a dask fit: the row labels in a column ``row``, as in the file a Parquet or an
in-memory fit writes.  The dask fit wrote them as dask's index, a column ``__null_dask_index__`` that pandas
reads back as the index, so ``pd.read_parquet(path)["row"]`` failed for a dask fit only.
Reference: R 4.2, tests/fixtures/streamed_integer_ids/make_streamed_integer_ids.R (hatvalues of y ~ x)."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("pyarrow")

HERE = FIXTURES / "streamed_integer_ids"
REF = json.loads((HERE / "ref.json").read_text())["y ~ x"]
DROPPED = (6, 30)  # (0-based: R's rows 7 and 31, whose x is missing)


@pytest.mark.parametrize("labels", ["numbers", "strings"])
def test_the_row_labels_are_the_column_row(labels, tmp_path):
    d = pd.read_csv(HERE / "data.csv")[["x", "y"]]
    d.index = [f"r{i:02d}" for i in range(len(d))] if labels == "strings" else range(100, 100 + len(d))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        f = gs.glm("y ~ x", dd.from_pandas(d, npartitions=4, sort=False), family=gs.Poisson(), tol=1e-12)
    written = pd.read_parquet(f.augment(path=str(tmp_path / "augment")))
    assert list(written.columns) == ["row", *gs.glm("y ~ x", d, family=gs.Poisson()).augment().columns]
    assert list(written["row"]) == [lab for i, lab in enumerate(d.index) if i not in DROPPED]
    assert_close(written["hat"], REF["hat"])
