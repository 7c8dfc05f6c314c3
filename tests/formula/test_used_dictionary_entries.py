"""A string column read from Parquet as a dictionary keeps only the entries its rows use
(:func:`glmstat.formula.arrow_tables.used_entries`).  Many row groups read together are one chunk each: their
dictionaries are unified and cut once (a file of 20,000 one-row row groups spent half its fit cutting them one by
one), but only where that is safe and bounded -- every code inside its chunk's dictionary, and no more entries in
all than rows; else each chunk is cut on its own (a forged dictionary of a million entries), or left as read (codes
outside the dictionary, for pyarrow to refuse).  Either way the rows read the strings they hold."""

from __future__ import annotations

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")

from glmstat.formula.arrow_tables import used_entries  # noqa: E402

import glmstat as gs  # noqa: E402


def _chunk(codes, dictionary):
    return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), pa.array(dictionary))


def _table(chunks):
    return pa.Table.from_arrays([pa.chunked_array(chunks)], names=["g"])


def test_many_chunks_are_unified_and_cut_once():
    # each chunk's dictionary holds an entry no row uses ("zz"), 3 entries for 3 rows
    chunks = [_chunk([0, 1, 0], ["b", "a", "zz"]), _chunk([1, 1, 2], ["zz", "c", "a"]),
              _chunk([None, 0, 0], ["a", "zz", "q"])]
    out = used_entries(_table(chunks), ["g"])
    column = out.column("g")
    assert column.num_chunks == 1
    assert sorted(column.chunk(0).dictionary.to_pylist()) == ["a", "b", "c"]
    assert column.to_pylist() == ["b", "a", "b", "c", "c", "a", None, "a", "a"]


def test_more_entries_than_rows_are_cut_chunk_by_chunk():
    big = [f"e{k}" for k in range(50)]
    chunks = [_chunk([3, 3], big), _chunk([7], big)]
    out = used_entries(_table(chunks), ["g"])
    column = out.column("g")
    assert column.num_chunks == 2
    assert [c.dictionary.to_pylist() for c in column.chunks] == [["e3"], ["e7"]]
    assert column.to_pylist() == ["e3", "e3", "e7"]


def test_a_code_outside_its_dictionary_is_left_as_read():
    # (built unchecked, as a forged file reads: pyarrow refuses it when it is validated or converted)
    forged = pa.DictionaryArray.from_arrays(pa.array([0, 5], type=pa.int32()), pa.array(["a", "b"]), safe=False)
    chunks = [_chunk([0, 0, 1], ["a", "b", "c"]), forged]
    out = used_entries(_table(chunks), ["g"])
    column = out.column("g")
    assert column.num_chunks == 2
    assert column.chunk(1) is forged or column.chunk(1).equals(forged)


def test_a_fit_to_many_one_row_row_groups_has_the_rows_levels(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    rng = np.random.default_rng(5)
    n = 600
    g = rng.choice(["lo", "mid", "hi"], n)
    x = rng.normal(size=n)
    y = (rng.random(n) < 0.5).astype(float)
    path = tmp_path / "one_row_groups.parquet"
    pq.write_table(pa.table({"y": y, "x": x, "g": g}), path, row_group_size=1)
    assert pq.ParquetFile(path).metadata.num_row_groups == n
    fit = gs.glm("y ~ x + g", str(path), family=gs.Binomial(), progress=False)
    # treatment contrasts of the sorted levels: "hi" the reference
    assert list(fit.coef.index) == ["Intercept", "x", "g[T.lo]", "g[T.mid]"]
    assert fit.nobs == n
