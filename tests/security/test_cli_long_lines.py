"""A CSV line longer than the command line's bound, ``glmstat.cli.MAX_LINE_BYTES`` (16 MiB), is refused naming the
file, the line and the bound, before the header or the rows are read.

The command line read a CSV file whole, as R's ``read.csv``: a header of one field of 1 GB asked for some gigabytes
(the csv module and pandas hold a line several times over), bounded by memory alone (a 150 MB one ended in a
MemoryError in a process allowed 400 MB: ``test_cli_memory.py``).  The file's rows are measured in numpy before
anything is read, a window at a time (a row's quoted line ends its own: ``test_cli_quoted_rows.py``), and a file
no longer than the bound is not searched.  Checked here with a bound of 1,000
bytes: no reader is asked for the file's fields once a line is found too long, and lines at the bound are read.
"""

from __future__ import annotations

import pytest

from conftest import cli_fit
from glmstat import cli


@pytest.fixture
def small_bound(monkeypatch):
    monkeypatch.setattr(cli, "MAX_LINE_BYTES", 1000)
    return 1000


def test_the_default_bound():
    assert cli.MAX_LINE_BYTES == 16 * 2**20


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("line", [1, 2, 40])
def test_a_long_line_is_refused_naming_file_line_and_bound(tmp_path, small_bound, unread, end, line):
    rows = ["y,x"] + [f"{i % 5},{i}" for i in range(60)]
    rows[line - 1] = rows[line - 1] + "," + "z" * small_bound
    path = tmp_path / "long.csv"
    path.write_bytes(end.join(rows + [""]).encode())
    status, err = cli_fit(path)
    assert status == 1 and err.count("\n") == 1, err
    assert "long.csv" in err and f"line {line} " in err and "1,000 bytes" in err, err


def test_a_quoted_line_end_does_not_hide_a_long_line(tmp_path, small_bound, unread):
    path = tmp_path / "quoted.csv"
    path.write_text('y,x\n1,"a\nb"\n2,' + "7" * 2000 + "\n", encoding="ascii")
    status, err = cli_fit(path)
    assert status == 1 and "line 4 " in err, err


def test_lines_at_the_bound_are_read(tmp_path, small_bound):
    rows = ["y,x"] + [f"{i % 5},{i}" for i in range(30)]
    rows[7] = "3," + "1" * (small_bound - 2)  # (exactly the bound, its line end not counted)
    path = tmp_path / "fine.csv"
    path.write_text("\n".join(rows) + "\n", encoding="ascii")
    data = cli.read_data(str(path))
    assert data.shape == (30, 2) and data["y"].iloc[6] == 3


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_many_windows_of_short_lines_and_lines_at_the_bound_are_read(tmp_path, small_bound, end):
    rows = ["y,x"] + [f"{i % 5},{i}" for i in range(5000)]  # (some 40 windows of the bound)
    for k in (10, 997, 2500, 4999):
        rows[k] = "3," + "1" * (small_bound - 2)
    path = tmp_path / "many.csv"
    path.write_bytes(end.join(rows + [""]).encode())
    assert cli.read_data(str(path)).shape == (5000, 2)
