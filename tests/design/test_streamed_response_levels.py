"""A binomial factor response releveled in the formula (``relevel(factor(y), ref = "yes") ~ x``), fitted from
chunks that hold different levels of it: R takes the first level of the releveled factor as failure.  The
streamed fit merged the chunks' levels without the relevel() (sorted: "no" first), so a chunk lacking the
reference level made failure another level, and every coefficient changed sign.
Reference: R 4.2, tests/fixtures/streamed_response_levels/make_streamed_response_levels.R."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

pq = pytest.importorskip("pyarrow.parquet")
dd = pytest.importorskip("dask.dataframe")

HERE = FIXTURES / "streamed_response_levels"
REF = json.loads((HERE / "ref.json").read_text())
ROWS = 10  # rows per row group and partition: the first holds only "no", and "a" is in the first two only


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(HERE / "data.csv")


@pytest.fixture(scope="module")
def sources(frame, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("response_levels") / "rows.parquet"
    frame.to_parquet(path, row_group_size=ROWS, index=False)
    assert pq.ParquetFile(path).num_row_groups == len(frame) // ROWS
    return {"memory": frame, "parquet": str(path),
            "dask": dd.from_pandas(frame, npartitions=len(frame) // ROWS, sort=False)}


@pytest.mark.parametrize("formula", sorted(REF))
@pytest.mark.parametrize("kind", ["memory", "parquet", "dask"])
def test_the_first_level_of_the_releveled_response_is_failure_as_in_r(formula, kind, sources):
    ref = REF[formula]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        warnings.simplefilter("ignore", gs.DataWarning)  # (three levels: "a" and "b" are both success, as in R)
        f = gs.glm(formula, sources[kind], family=gs.Binomial(), tol=1e-12, max_iter=100)
    assert f.nobs == ref["nobs"]
    assert_close(f.coef, ref["coefficients"])
    assert_close(f.std_errors, ref["std_errors"])
    assert_close([f.deviance, f.null_deviance], [ref["deviance"], ref["null_deviance"]])
