"""A CSV file of many columns: the command line counts its first row's fields (R's "more columns than column names")
before pandas reads it, one token at a time in Python -- each field and each comma a match of a regular expression:
a file of a million empty columns and five rows (13 MB) spent 11 s of CPU time there (17 s profiled) before its fit
of ``y ~ x``.  A first row holding no quote is now counted in one step (its commas, counted in C); one with quotes
is still read token by token, as it must be (a quoted field may hold commas and line ends).  Checked here by the
tokens read, not by time; the refusal of a first row of too many fields is unchanged.
"""

from __future__ import annotations

import io
import sys

import pytest

from conftest import CountingPattern
from glmstat import cli

WIDE = 100_000


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_a_first_row_without_quotes_is_counted_in_one_step(tmp_path, monkeypatch, end):
    path = tmp_path / "wide.csv"
    header = "y,x," + ",".join(f"c{i}" for i in range(WIDE))
    rows = [f"{y},{x}" + "," * WIDE for y, x in [(1, 2), (3, 4), (5, 7), (2, 1)]]
    path.write_bytes(end.join([header, *rows, ""]).encode())
    counting = CountingPattern(cli._CSV_TOKEN)
    monkeypatch.setattr(cli, "_CSV_TOKEN", counting)
    data = cli.read_data(str(path), frozenset({"y", "x"}))
    assert data["x"].tolist() == [2, 4, 7, 1] and data["y"].tolist() == [1, 3, 5, 2]
    assert counting.calls < 10, counting.calls


@pytest.mark.parametrize("row", ["1,2,3,4", '1,2,"3,4",5', "1,2,3,4\r", "1,2,3,,"],
                         ids=["plain", "quoted", "cr", "empty-fields"])
def test_a_first_row_of_too_many_fields_is_still_refused(tmp_path, monkeypatch, row):
    path = tmp_path / "wide.csv"
    path.write_text("y,x\n" + row + "\n3,4\n", encoding="utf-8")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    status = cli.main(["fit", "y ~ x", str(path), "--family", "gaussian"])
    assert status == 1
    assert "its first row has more fields than the header's 2 names" in err.getvalue()


@pytest.mark.parametrize("row", ['1,2,"3,\n4"', "1,2,3", '1,"2,3",4'], ids=["quoted-line-end", "row-name", "quoted"])
def test_a_first_row_of_the_header_and_a_row_name_is_read(tmp_path, row):
    path = tmp_path / "named.csv"
    path.write_text("y,x\n" + row + "\n5,6,7\n", encoding="utf-8")
    data = cli.read_data(str(path))
    assert data.shape == (2, 2)
