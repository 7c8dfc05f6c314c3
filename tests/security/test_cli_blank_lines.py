"""Blank lines between a CSV file's header and its first row are skipped in one step, not one token at a time.

The command line counts the first row's fields before pandas reads the file (R's "more columns than column
names"), token by token from the header's end; each blank line before that row was a token of its own, read in
Python: a 5 MB file of five million line ends after the header took 5 s (15 s profiled) before a fit of three
rows, and time grows with the file.  A run of line ends is now one match.  Checked here by the tokens read (the
pattern's matches), not by time: a handful for the file, whatever the blank lines; the rows and the refusal of a
first row of too many fields after them are unchanged.
"""

from __future__ import annotations

import io
import sys

import pytest

from conftest import CountingPattern
from glmstat import cli

BLANK = 100_000


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_blank_lines_after_the_header_are_one_step(tmp_path, monkeypatch, end):
    path = tmp_path / "blank.csv"
    path.write_bytes(("y,x" + end + end * BLANK + end.join(["1,2", "3,4", "5,7", "2,1"]) + end).encode())
    counting = CountingPattern(cli._CSV_TOKEN)
    monkeypatch.setattr(cli, "_CSV_TOKEN", counting)
    data = cli.read_data(str(path))
    assert data.shape == (4, 2) and data["x"].tolist() == [2, 4, 7, 1]
    assert counting.calls < 10, counting.calls  # (the first row's three tokens and its line end)


def test_a_first_row_of_too_many_fields_after_blank_lines_is_still_refused(tmp_path, monkeypatch):
    path = tmp_path / "wide.csv"
    path.write_text("y,x\n" + "\n" * BLANK + "1,2,3,4\n3,4\n", encoding="utf-8")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    status = cli.main(["fit", "y ~ x", str(path), "--family", "gaussian"])
    assert status == 1
    assert "its first row has more fields than the header's 2 names" in err.getvalue()
