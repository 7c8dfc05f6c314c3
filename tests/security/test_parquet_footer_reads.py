"""A fit opens each Parquet file's footer once and builds its Arrow schema once, however many passes it makes.

A file from someone else may carry key-value metadata of any size in its schema (and pyarrow writes it twice:
as the footer's key-value metadata and inside the base64 ``ARROW:schema``).  ``glm("y ~ x", path)`` of a 116 MB
file carrying 50 MB of it opened the footer five times (``ParquetFile`` once, ``read_schema`` twice, ``ParquetFile``
of the footer once per pass) and built its Arrow schema ten times: 11 s and 0.95 GB of peak memory where pyarrow
reads the file in 1.6 s and 0.8 GB.  The reader now keeps the schema it built when it opened the file (cut to
the pandas metadata, the only key it reads) and hands the footer it parsed then to every later read.  Counted
here, not timed: the openings of a footer from the path (``ParquetFile`` without ``metadata=``, ``read_schema``,
``read_metadata``, ``read_table``) and the builds of a ``ParquetFile``'s Arrow schema.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

#: key-value metadata glmstat never reads (small: the reads are counted, not timed)
_NOISE = {f"k{i}".encode(): b"v" * 1000 for i in range(50)}


def _write(path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    x = rng.normal(size=n)
    frame = pd.DataFrame({"y": rng.poisson(np.exp(0.3 + 0.5 * x)), "x": x,
                          "g": rng.choice(["a", "b", "c"], size=n)})
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**table.schema.metadata, **_NOISE})
    pq.write_table(table, path, row_group_size=20)


def _counting(monkeypatch) -> dict[str, int]:
    counts = {"opened": 0, "schemas": 0}
    init = pq.ParquetFile.__init__
    schema = pq.ParquetFile.schema_arrow

    def counted_init(self, *args, **kwargs):
        counts["opened"] += kwargs.get("metadata") is None
        init(self, *args, **kwargs)

    def counted_schema(self):
        counts["schemas"] += 1
        return schema.fget(self)

    monkeypatch.setattr(pq.ParquetFile, "__init__", counted_init)
    monkeypatch.setattr(pq.ParquetFile, "schema_arrow", property(counted_schema))
    for name in ("read_schema", "read_metadata", "read_table"):
        real = getattr(pq, name)

        def counted(*args, _real=real, **kwargs):
            counts["opened"] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(pq, name, counted)
    return counts


@pytest.mark.parametrize("files", [1, 2])
def test_one_fit_opens_each_footer_once(files, tmp_path, monkeypatch):
    for i in range(files):
        _write(tmp_path / f"part{i}.parquet", seed=i)
    source = str(tmp_path / "part0.parquet") if files == 1 else str(tmp_path)
    counts = _counting(monkeypatch)
    fit = gs.glm("y ~ x + g", source, family=gs.Poisson())  # (an IRLS pass per iteration, each reading the files)
    assert fit.converged and fit.df_residual == 60 * files - 4
    assert counts == {"opened": files, "schemas": files}


def test_the_schema_kept_holds_only_the_pandas_metadata(tmp_path):
    from glmstat.formula.readers import ParquetReader

    path = tmp_path / "noise.parquet"
    _write(path, seed=0)
    [stamp] = ParquetReader.open(str(path)).stamps
    assert set(stamp.schema.metadata) == {b"pandas"}
    assert stamp.schema.names == pq.read_schema(path).names
