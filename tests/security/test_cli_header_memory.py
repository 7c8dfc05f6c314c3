"""The header of a CSV file whose lines end in a lone ``\\r`` (old Mac line ends) is read in blocks, holding the
header's lines only, not the file.

The command line reads a CSV header with the csv module, its lines split at ``\\r``, ``\\n`` and ``\\r\\n`` as pandas
splits them; the file was walked by Python's binary lines, which end at ``\\n`` only, so a file of ``\\r`` line ends
was one line: read whole and split whole into a bytes object a line, before the header's first row was taken.
A 100 MB file of rows ``1,2\\r`` held 1.44 GB and took 2 s to read its header of two names (a 1 GB file, 14 GB).
Measured here with tracemalloc, the most memory held while the header is read.
"""

from __future__ import annotations

import tracemalloc

import pytest

from glmstat import cli


def _peak(fn, *args):
    tracemalloc.start()
    try:
        out = fn(*args)
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("end", [b"\r", b"\n", b"\r\n"], ids=["cr", "lf", "crlf"])
def test_the_header_of_a_file_of_short_lines_is_read_in_bounded_memory(tmp_path, end):
    path = tmp_path / "lines.csv"
    path.write_bytes(b"y,x" + end + (b"1,2" + end) * 5_000_000)  # (20 to 25 MB)
    (names, consumed, renamed), peak = _peak(cli._header_names, path)
    assert (names, consumed, renamed) == (["y", "x"], 3 + len(end), False)
    assert peak < 2**21, peak


@pytest.mark.parametrize("end", [b"\r", b"\n", b"\r\n"], ids=["cr", "lf", "crlf"])
def test_a_header_across_blocks_is_read_whole(tmp_path, end):
    # (a header of 200,000 bytes, a quoted field's line ends and a \r\n split between two blocks among them)
    names = [f"c{k:06d}" for k in range(25_000)]
    quoted = b'"a' + end + b'b"'
    path = tmp_path / "wide.csv"
    header = ",".join(names).encode() + b"," + quoted
    path.write_bytes(end * 3 + header + end + b"1" + b",1" * 25_000 + end)
    got, consumed, renamed = cli._header_names(path)
    assert got == names + ["a" + end.decode() + "b"] and consumed == 3 * len(end) + len(header) + len(end)
    assert cli.read_data(str(path)).shape == (1, 25_001)


@pytest.mark.parametrize("block", [1, 2, 7])
def test_line_ends_split_between_blocks_are_one(tmp_path, monkeypatch, block):
    monkeypatch.setattr(cli, "_HEADER_BLOCK", block)
    path = tmp_path / "small.csv"
    path.write_bytes(b'\r\n\r\ny,"a\r\nb",x\r\n1,2,3\r\n')
    assert cli._header_names(path) == (["y", "a\r\nb", "x"], 16, False)
    path.write_bytes(b"y,x\r\r\n1,2\n")
    assert cli._header_names(path) == (["y", "x"], 4, False)
