"""The row groups and column chunks a Parquet data's footers declare are bounded (``FormulaLimits.max_row_groups``,
100,000, and ``FormulaLimits.max_column_chunks``, 250,000, the files of a directory or a glob together), refused
naming the file and the count once its footer is parsed, before its schema is built or a row group is read.

They were bounded only through the footer's bytes (``test_parquet_footer_size.py``), as pyarrow writes them: some
66 bytes a column chunk.  A footer written compactly (every required field once, no statistics; every row group
pointing at the same two pages) takes 55 bytes a row group of two columns: a file of 16.5 MB, within the footer
bound, declared 300,000 row groups of one row, which pyarrow held in 505 MB parsed (31 times the footer's bytes,
not the 5 to 20 that bound was set for) and a fit of ``y ~ x`` took 7.5 s of CPU time, 3 s a pass over the row
groups (each a read, some 10 us however few its rows); one row group of 300,000 columns (a 14.7 MB footer) took
8.3 s and 1.47 GB to fit ``y ~ x`` of two of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.errors import DataError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _write(path, rows: int, group_rows: int, columns: int = 0) -> None:
    x = np.arange(rows, dtype=float)
    frame = {"y": (x * 7) % 5, "x": x, **{f"c{k}": x for k in range(columns)}}
    pq.write_table(pa.table(frame), path, row_group_size=group_rows)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _zigzag(n: int) -> bytes:
    return _varint((n << 1) ^ (n >> 63))


def _compact(path, groups: int) -> None:
    """A file of ``groups`` one-row row groups of the numbers y and x, its footer in Thrift's compact protocol with
    only the required fields, every row group pointing at the pages of a one-row file pyarrow wrote."""
    src = str(path) + ".one"
    pq.write_table(pa.table({"y": [1.0], "x": [2.0]}), src, write_statistics=False, compression="NONE",
                   use_dictionary=False, store_schema=False)
    meta = pq.ParquetFile(src).metadata
    pages = [meta.row_group(0).column(j) for j in range(2)]
    raw = open(src, "rb").read()
    body = raw[:len(raw) - 8 - int.from_bytes(raw[-8:-4], "little")]
    i32, i64, struct, lst = 0x15, 0x16, 0x1C, 0x19  # (field delta 1 and its type)

    def schema_element(name: bytes, children: int | None) -> bytes:
        if children is not None:  # (the root: name (4), num_children (5))
            return bytes([0x48]) + _varint(len(name)) + name + bytes([i32]) + _zigzag(children) + b"\x00"
        # (type (1) DOUBLE, repetition (3) OPTIONAL, name (4))
        return bytes([i32]) + _zigzag(5) + bytes([0x25]) + _zigzag(1) + bytes([0x18]) + _varint(len(name)) + \
            name + b"\x00"

    def chunk(page, name: bytes) -> bytes:
        offset = page.data_page_offset
        column_meta = (bytes([i32]) + _zigzag(5) + bytes([lst, 0x15]) + _zigzag(0) + bytes([lst, 0x18])
                       + _varint(len(name)) + name + bytes([i32]) + _zigzag(0) + bytes([i64]) + _zigzag(1)
                       + bytes([i64]) + _zigzag(page.total_uncompressed_size) + bytes([i64])
                       + _zigzag(page.total_compressed_size) + bytes([0x26]) + _zigzag(offset) + b"\x00")
        return bytes([0x26]) + _zigzag(offset) + bytes([struct]) + column_meta + b"\x00"

    group = bytes([lst, 0x2C]) + chunk(pages[0], b"y") + chunk(pages[1], b"x") + bytes([i64]) + _zigzag(32) + \
        bytes([i64]) + _zigzag(1) + b"\x00"
    footer = (bytes([i32]) + _zigzag(1) + bytes([lst, 0x3C]) + schema_element(b"schema", 2)
              + schema_element(b"y", None) + schema_element(b"x", None) + bytes([i64]) + _zigzag(groups)
              + bytes([lst, 0xFC]) + _varint(groups) + group * groups + b"\x00")
    with open(path, "wb") as fh:
        fh.write(body + footer + len(footer).to_bytes(4, "little") + b"PAR1")


def test_the_default_bounds():
    assert gs.FormulaLimits().max_row_groups == 100_000 and gs.FormulaLimits().max_column_chunks == 250_000


def test_a_compact_footer_of_many_row_groups_within_the_footer_bound_is_refused(tmp_path):
    path = tmp_path / "compact.parquet"
    _compact(path, 120_000)
    footer = path.stat().st_size
    assert footer < gs.FormulaLimits().max_footer_bytes
    few = tmp_path / "few.parquet"
    _compact(few, 50)
    assert pq.ParquetFile(few).read_row_groups([0, 49]).to_pydict() == {"y": [1.0, 1.0], "x": [2.0, 2.0]}
    with pytest.raises(DataError, match=r"compact\.parquet.* 120,000 row groups.*max_row_groups of 100,000"):
        gs.glm("y ~ x", str(path))


def test_the_row_group_bound_is_a_limit_naming_the_file_and_the_count(tmp_path):
    path = tmp_path / "groups.parquet"
    _write(path, 300, 1)
    with pytest.raises(DataError, match=r"groups\.parquet.* 300 row groups.*max_row_groups of 299.*"
                                        r"FormulaLimits\(max_row_groups="):
        gs.glm("y ~ x", str(path), limits=gs.FormulaLimits(max_row_groups=299))
    fit = gs.glm("y ~ x", str(path), limits=gs.FormulaLimits(max_row_groups=300))
    assert fit.df_residual == 298


def test_the_files_of_a_directory_count_together(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    for k in range(3):
        _write(folder / f"part{k}.parquet", 100, 1)
    with pytest.raises(DataError, match=r"part2\.parquet.* 100 row groups.*files before it, 300.*max_row_groups of "
                                        r"250"):
        gs.glm("y ~ x", str(folder), limits=gs.FormulaLimits(max_row_groups=250))
    assert gs.glm("y ~ x", str(folder), limits=gs.FormulaLimits(max_row_groups=300)).df_residual == 298


def test_column_chunks_are_row_groups_times_the_file_s_columns(tmp_path):
    path = tmp_path / "wide.parquet"
    _write(path, 40, 10, columns=48)  # (4 row groups of 50 columns: 200 column chunks)
    with pytest.raises(DataError, match=r"wide\.parquet.* 200 column chunks \(4 row groups of 50 columns\).*"
                                        r"max_column_chunks of 199"):
        gs.glm("y ~ x", str(path), limits=gs.FormulaLimits(max_column_chunks=199))
    assert gs.glm("y ~ x", str(path), limits=gs.FormulaLimits(max_column_chunks=200)).df_residual == 38


def test_new_data_and_update_are_bounded_too(tmp_path):
    path = tmp_path / "new.parquet"
    _write(path, 300, 1)
    data = pd.DataFrame({"y": np.arange(20.0) % 3, "x": np.arange(20.0)})
    fit = gs.glm("y ~ x", data, limits=gs.FormulaLimits(max_row_groups=299))
    with pytest.raises(DataError, match=r"new\.parquet.* 300 row groups"):
        fit.predict(str(path))
    with pytest.raises(DataError, match=r"new\.parquet.* 300 row groups"):
        fit.update(data=str(path))
