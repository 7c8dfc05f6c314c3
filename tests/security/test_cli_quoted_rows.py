"""A CSV row whose quoted fields hold line ends is bounded as a line is: longer than ``glmstat.cli.MAX_LINE_BYTES``
(16 MiB), its line ends counted, it is refused naming the file, the row, its first line and the bound, before the
header or the rows are read.

The command line's bound on a line (``test_cli_long_lines.py``) counted a quoted field's line ends as lines' ends,
so a field of a million short lines passed it: pandas (and R's ``read.csv``) read such a field whole, and the csv
module reading a header that holds one kept it whole too, bounded by memory alone.  A row ends at a line end outside
quotes, as pandas' reader ends it: a quote opens a quoted field only at a field's start (``ab"c`` is text), a run
of quotes inside one closes it when its length is odd (``""`` is a quote of the text).  Checked here with a bound
of 1,000 bytes and windows of 4,096 bytes (the file is measured a window at a time, in numpy).
"""

from __future__ import annotations

import pytest

from conftest import cli_fit
from glmstat import cli, csv_rows


@pytest.fixture
def small_bound(monkeypatch):
    monkeypatch.setattr(cli, "MAX_LINE_BYTES", 1000)
    monkeypatch.setattr(csv_rows, "WINDOW_BYTES", 4096)
    return 1000


def _rows(n: int) -> list[str]:
    return ["y,x,s"] + [f"{i % 5},{i},a" for i in range(n)]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("row", [1, 7, 900])
def test_a_quoted_field_of_many_short_lines_is_refused_naming_file_row_and_bound(tmp_path, small_bound, unread,
                                                                                 end, row):
    rows = _rows(1000)
    rows[row] = f'{row % 5},{row},"' + end.join(["ab"] * 600) + '"'  # (1,800 bytes or more in short lines)
    path = tmp_path / "quoted.csv"
    path.write_bytes(end.join(rows + [""]).encode())
    status, err = cli_fit(path)
    assert status == 1 and err.count("\n") == 1, err
    assert "quoted.csv" in err and f"row {row:,} " in err and f"line {row + 1:,}" in err, err
    assert "1,000 bytes" in err, err


def test_a_header_of_a_quoted_field_of_many_lines_is_refused(tmp_path, small_bound, unread):
    path = tmp_path / "header.csv"
    path.write_text('y,x,"' + "\n".join(["z"] * 2000) + '"\n1,2,3\n' + "4,5,6\n" * 2000, encoding="ascii")
    status, err = cli_fit(path)
    assert status == 1 and "header.csv" in err and "the header" in err and "1,000 bytes" in err, err


def test_a_field_opened_by_a_run_of_three_quotes_is_quoted(tmp_path, small_bound, unread):
    # ("""a is a quoted field beginning with a quote: its line ends are the row's)
    rows = _rows(800)
    rows[3] = '3,3,"""' + "\n".join(["q"] * 700) + '"'
    path = tmp_path / "three.csv"
    path.write_text("\n".join(rows) + "\n", encoding="ascii")
    status, err = cli_fit(path)
    assert status == 1 and "row 3 " in err, err


def test_blank_lines_are_no_rows(tmp_path, small_bound, unread):
    rows = _rows(800)
    rows[5] = '0,5,"' + "\n".join(["b"] * 700) + '"'
    path = tmp_path / "blank.csv"
    path.write_text("\n\n" + "\n".join(rows[:3]) + "\n\n\n" + "\n".join(rows[3:]) + "\n", encoding="ascii")
    status, err = cli_fit(path)
    assert status == 1 and "row 5 " in err and "line 10" in err, err


def test_quoted_rows_within_the_bound_are_read(tmp_path, small_bound):
    rows = _rows(3000)  # (some 10 windows)
    for k in (4, 1500, 2999):  # (rows of exactly the bound's bytes, 3 of them line ends)
        text = "\n".join(["u" * 300] * 3)
        rows[k] = f'1,{k},"' + text + "u" * (1000 - len(f'1,{k},""') - len(text)) + '"'
        assert len(rows[k]) == 1000
    rows[9] = '2,9,"a ""quoted"" word' + "\n" * 5 + ' and, a comma"'
    path = tmp_path / "fine.csv"
    path.write_text("\n".join(rows) + "\n", encoding="ascii")
    data = cli.read_data(str(path))
    assert data.shape == (3000, 3) and data["x"].iloc[-1] == 2999
    assert data["s"].iloc[3].count("\n") == 2 and data["s"].iloc[8] == 'a "quoted" word\n\n\n\n\n and, a comma'


def test_a_quote_inside_an_unquoted_field_opens_nothing(tmp_path, small_bound):
    # (pandas reads ab"c as text with a quote: the lines after it are rows of their own, not one quoted field)
    rows = _rows(3000)
    rows[2] = 'ab"c,1,x'
    rows[3] = '1,2,"x"y"'  # (closed, then text with a quote of its own)
    path = tmp_path / "stray.csv"
    path.write_text("\n".join(rows) + "\n", encoding="ascii")
    data = cli.read_data(str(path))
    assert data.shape == (3000, 3) and data["y"].iloc[1] == 'ab"c' and data["s"].iloc[2] == 'xy"'


def test_a_run_of_quotes_longer_than_a_window_is_a_long_row(tmp_path, small_bound, unread):
    rows = _rows(10)
    rows[2] = '1,1,"' + '"' * 9000 + 'a"'
    path = tmp_path / "quotes.csv"
    path.write_text("\n".join(rows) + "\n", encoding="ascii")
    status, err = cli_fit(path)
    assert status == 1 and "row 2" in err and "line 3" in err, err


def test_an_unclosed_quote_is_a_row_to_the_end_of_the_file(tmp_path, small_bound, unread):
    rows = _rows(2000)
    rows[1800] = '1,1,"open'
    path = tmp_path / "open.csv"
    path.write_text("\n".join(rows) + "\n", encoding="ascii")
    status, err = cli_fit(path)
    assert status == 1 and "row 1,800 " in err, err


def test_the_default_bound_refuses_a_field_of_17_mib_of_short_lines(tmp_path, unread):
    path = tmp_path / "field.csv"
    with open(path, "w", encoding="ascii") as fh:
        fh.write('y,x\n1,2\n3,"' + "ab\n" * (17 * 2**20 // 3) + '"\n5,6\n')
    status, err = cli_fit(path)
    assert status == 1 and "row 2 (line 3 to line 5,941,933" in err and "16,777,216 bytes" in err, err
