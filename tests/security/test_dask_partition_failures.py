"""A dask DataFrame one of whose partitions cannot be computed: ``dd.read_csv`` of files from someone else, of
which one is malformed (a row of more fields than the header: pandas' ``ParserError``; a column of numbers that
holds a text further down: dask's ``ValueError`` "Mismatched dtypes found in `pd.read_csv`"), or a partition whose
function raises or returns a Series.  The raw exception came out of ``glm()``'s first pass; it is now a DataError
naming the partition's failure (its type and its message, cut).  An exception glmstat's own code raises on a
worker is not wrapped (it is glmstat's bug, or its own refusal).
"""

from __future__ import annotations

import pandas as pd
import pytest

import glmstat as gs

dd = pytest.importorskip("dask.dataframe")

D = pd.DataFrame({"y": [1.0, 0, 2, 3, 1, 4, 2, 5, 3], "x": [0.1, 0.4, 0.2, 0.9, 0.5, 1.3, 0.7, 1.6, 1.1]})


@pytest.mark.parametrize("second, kind", [("y,x\n3,0.9\n1,0.5,7,8\n4,1.3\n", "ParserError"),
                                          ("y,x\n3,0.9\n1,abc\n4,1.3\n", "ValueError")],
                         ids=["extra-fields", "text-among-numbers"])
def test_a_malformed_csv_file_is_a_data_error(tmp_path, second, kind):
    (tmp_path / "a.csv").write_text("y,x\n1,0.1\n0,0.4\n2,0.2\n")
    (tmp_path / "b.csv").write_text(second)
    ddf = dd.read_csv([str(tmp_path / "a.csv"), str(tmp_path / "b.csv")])
    with pytest.raises(gs.DataError, match=f"^a partition of the dask DataFrame could not be computed \\({kind}: "):
        gs.glm("y ~ x", ddf, family=gs.Poisson())


def _raising(part: pd.DataFrame) -> pd.DataFrame:
    if part.index[0] != 0:
        raise RuntimeError("no such partition " + "q" * 100_000)
    return part


def _series(part: pd.DataFrame) -> pd.Series:
    return part["x"]


@pytest.mark.parametrize("fn, kind", [(_raising, "RuntimeError"), (_series, "")], ids=["raises", "a-series"])
def test_a_partition_that_fails_is_a_data_error(fn, kind):
    ddf = dd.from_pandas(D, npartitions=3).map_partitions(fn, meta=D)
    with pytest.raises(gs.DataError, match=f"^a partition of the dask DataFrame could not be computed \\({kind}") as e:
        gs.glm("y ~ x", ddf, family=gs.Poisson())
    assert len(str(e.value)) < 600


def test_glmstat_s_own_refusal_on_a_worker_is_not_wrapped():
    bad = D.assign(y=-D["y"])
    with pytest.raises(gs.DataError, match="must lie in"):
        gs.glm("y ~ x", dd.from_pandas(bad, npartitions=3), family=gs.Poisson())


def test_an_error_of_glmstat_s_own_code_on_a_worker_is_not_wrapped(monkeypatch):
    from glmstat.formula import stream

    def broken(df):
        raise TypeError("a fault of glmstat's own")

    monkeypatch.setattr(stream, "column_names", broken)
    with pytest.raises(TypeError, match="a fault of glmstat's own"):
        gs.glm("y ~ x", dd.from_pandas(D, npartitions=3), family=gs.Poisson())
