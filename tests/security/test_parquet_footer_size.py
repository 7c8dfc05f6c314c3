"""A Parquet file's footer is refused by its size, read from the file's last 8 bytes, before pyarrow parses it.

pyarrow parses a footer whole, into objects of some 5 (key-value metadata) to 20 (row groups of small column chunks)
times its bytes: a file whose footer held 155 MB of metadata aborted pyarrow in a process of tight memory (or came
out as "not a valid Parquet file" where pyarrow's MemoryError was caught), and a footer of 26 MB declaring 200,000
row groups held 440 MB.  ``FormulaLimits.max_footer_bytes`` (16 MiB) bounds it, naming the file and the size, for
``glm()``'s data, ``predict()``'s new data and the command line's Parquet file alike, and the footers of a
directory's or a glob's files together (a reader keeps each file's parsed footer: 5 files of 12 MB footers held
977 MB); a file whose last 8 bytes are no Parquet footer (no ``PAR1``, or a length past the file's start) is
refused as not Parquet, unparsed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.errors import DataError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _write(path, metadata_bytes: int = 0) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=40)
    table = pa.Table.from_pandas(pd.DataFrame({"y": rng.poisson(np.exp(0.2 + 0.4 * x)).astype(float), "x": x}),
                                 preserve_index=False)
    if metadata_bytes:  # (written twice: as the footer's key-value metadata and inside ARROW:schema)
        table = table.replace_schema_metadata({**table.schema.metadata, b"junk": b"j" * metadata_bytes})
    pq.write_table(table, path)


def _footer_length(path) -> int:
    with open(path, "rb") as fh:
        fh.seek(-8, 2)
        return int.from_bytes(fh.read(4), "little")


@pytest.fixture
def parsed(monkeypatch) -> list:
    """The files pyarrow was asked to parse a footer of."""
    seen = []
    init = pq.ParquetFile.__init__

    def counted(self, source, *args, **kwargs):
        seen.append(source)
        init(self, source, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "__init__", counted)
    return seen


def test_a_footer_beyond_the_default_bound_is_refused_unparsed(tmp_path, parsed):
    path = tmp_path / "big.parquet"
    _write(path, metadata_bytes=9 * 2**20)  # (a footer of 18 MB: beyond the default 16 MiB)
    size = _footer_length(path)
    assert size > gs.FormulaLimits().max_footer_bytes == 16 * 2**20
    with pytest.raises(DataError, match=rf"big\.parquet.*footer.*{size:,} bytes.*max_footer_bytes"):
        gs.glm("y ~ x", str(path), family=gs.Poisson())
    assert parsed == []


def test_the_bound_is_a_limit_and_names_the_file(tmp_path, parsed):
    path = tmp_path / "meta.parquet"
    _write(path, metadata_bytes=200_000)
    size = _footer_length(path)
    small = gs.FormulaLimits(max_footer_bytes=size - 1)
    with pytest.raises(DataError, match=rf"meta\.parquet.*{size:,} bytes.*max_footer_bytes of {size - 1:,}"):
        gs.glm("y ~ x", str(path), family=gs.Poisson(), limits=small)
    assert parsed == []
    fit = gs.glm("y ~ x", str(path), family=gs.Poisson(), limits=gs.FormulaLimits(max_footer_bytes=size))
    assert fit.converged and fit.df_residual == 38


def test_new_data_footer_is_bounded_too(tmp_path, parsed):
    path = tmp_path / "new.parquet"
    _write(path, metadata_bytes=200_000)
    size = _footer_length(path)
    frame = pd.read_parquet(path)
    fit = gs.glm("y ~ x", frame, family=gs.Poisson(), limits=gs.FormulaLimits(max_footer_bytes=size - 1))
    with pytest.raises(DataError, match=rf"new\.parquet.*{size:,} bytes.*max_footer_bytes"):
        fit.predict(str(path))
    assert parsed == []


@pytest.mark.parametrize("tail", [b"\x00\x00\x00\x00PAR1", b"\xff\xff\xff\x7fPAR1", b"\x10\x00\x00\x00JUNK"])
def test_a_forged_tail_is_not_parquet(tmp_path, parsed, tail):
    path = tmp_path / "forged.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 64 + tail)
    with pytest.raises(DataError, match=r"forged\.parquet.*not a valid Parquet file"):
        gs.glm("y ~ x", str(path), family=gs.Poisson())
    assert parsed == []


def test_the_footers_of_a_directory_count_together(tmp_path, parsed):
    for i in range(3):
        _write(tmp_path / f"part{i}.parquet", metadata_bytes=100_000)
    size = _footer_length(tmp_path / "part0.parquet")
    assert all(_footer_length(tmp_path / f"part{i}.parquet") == size for i in range(3))
    two = gs.FormulaLimits(max_footer_bytes=2 * size)
    with pytest.raises(DataError, match=rf"part2\.parquet.*{size:,} bytes \(with the footers of the files before it, "
                                        rf"{3 * size:,} bytes\).*max_footer_bytes of {2 * size:,}"):
        gs.glm("y ~ x", str(tmp_path), family=gs.Poisson(), limits=two)
    assert len(parsed) == 2  # (the first two, each within the bound, before the third was measured)
    fit = gs.glm("y ~ x", str(tmp_path), family=gs.Poisson(), limits=gs.FormulaLimits(max_footer_bytes=3 * size))
    assert fit.df_residual == 3 * 40 - 2
