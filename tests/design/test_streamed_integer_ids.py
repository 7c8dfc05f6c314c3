"""Integer columns with missing values in streamed data: ids beyond 2^53 (2^53 + k, k = 0..3) in a nullable
integer column that is missing in rows dropped for a missing x.

pyarrow reads an integer column that holds a null as float64, and pandas converts a nullable integer column
that holds a missing value to float64 too: the ids 2^53 and 2^53 + 1 (and 2^53 + 3 and 2^53 + 4) became one
double.  So a Parquet fit's factor(id) merged distinct ids into one level, where the DataFrame's column is
refused as inexact, and a streamed fit's sandwich clustered by the ids had three clusters instead of four.
Reference: R 4.2, tests/fixtures/streamed_integer_ids/make_streamed_integer_ids.R (the ids as the levels of k).
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

pa = pytest.importorskip("pyarrow")
dd = pytest.importorskip("dask.dataframe")

HERE = FIXTURES / "streamed_integer_ids"
REF = json.loads((HERE / "ref.json").read_text())
ROWS = 10  # rows per partition: the dropped rows 7 and 31 (1-based) are in the first and the fourth
BIG = 2 ** 53


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    d = pd.read_csv(HERE / "data.csv")
    d["z"] = d["z"].astype("Int64")
    d["id"] = (d["k"].astype("Int64") + BIG).astype("Int64")  # (exact: Int64 arithmetic, not doubles)
    assert d["id"].nunique() == 4 and d["id"].isna().sum() == 2
    return d.drop(columns="k")


@pytest.fixture(scope="module")
def sources(frame, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("integer_ids") / "rows.parquet"
    frame.to_parquet(path, row_group_size=ROWS, index=False)
    # (one row group, so one chunk that holds the missing ids, as a file of long row groups reads)
    whole = path.with_name("one_group.parquet")
    frame.to_parquet(whole, index=False)
    return {"memory": frame, "parquet": str(path), "parquet_one_group": str(whole),
            "dask": dd.from_pandas(frame, npartitions=len(frame) // ROWS, sort=False)}


def _fit(formula, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        return gs.glm(formula, data, family=gs.Poisson(), tol=1e-12, max_iter=100)


@pytest.mark.parametrize("kind", ["memory", "parquet", "parquet_one_group", "dask"])
def test_clusters_of_ids_beyond_2_53_stay_distinct(kind, sources):
    ref = REF["y ~ x"]
    f = _fit("y ~ x", sources[kind])
    assert f.nobs == ref["nobs"]
    assert_close(f.coef, ref["coefficients"])
    for type_ in ("HC0", "HC1"):
        robust = f.robust(type_, cluster="id")
        assert robust.covariance_type == f"{type_}, clustered by id, 4 clusters"
        assert_close(robust.std_errors, ref[type_])


@pytest.mark.parametrize("kind", ["memory", "parquet", "parquet_one_group", "dask"])
def test_a_nullable_integer_column_is_a_number(kind, sources):
    ref = REF["y ~ x + z"]
    f = _fit("y ~ x + z", sources[kind])
    assert f.nobs == ref["nobs"]
    assert_close(f.coef, ref["coefficients"])
    assert_close(f.std_errors, ref["std_errors"])
    assert_close(f.deviance, ref["deviance"])


@pytest.mark.parametrize("kind", ["memory", "parquet", "parquet_one_group", "dask", "arrow"])
def test_a_factor_of_inexact_ids_is_refused(kind, sources, frame):
    # (an Arrow table without pandas' metadata, as another tool writes it: nothing says the column was Int64)
    data = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None) if kind == "arrow" \
        else sources[kind]
    with pytest.raises(gs.DataError, match=r"factor\(id\).*beyond 2\^53"):
        _fit("y ~ x + factor(id)", data)
