"""A NUL byte in a CSV file the command line reads is placed (its row and column, for the refusal) in numpy, not by
a step of Python for each comma, quote and line end before it.

The command line refuses a file holding a NUL, naming where it is (``glmstat.rcsv.refuse_nul``); where pandas' reader
does not keep the NUL in a field (a field of numbers cut at it, before pandas 3, or a column not read), the file is
searched for it and the byte placed by the marks before it.  Those marks were a regular expression's matches, each
a step of Python: a NUL at the end of a 24 MB file of three million rows took 3.2 s of CPU time to place, where
reading the file takes 1 (a 1 GB file some two minutes).  They are counted in numpy now
(``glmstat.csv_rows.place``); the Python calls made while placing it are counted here, not the time.
"""

from __future__ import annotations

import sys

from glmstat.rcsv import _nul_in_file


def _calls(fn, *args):
    """``fn(*args)`` and the calls of functions (Python's and C's) made while it ran."""
    count = [0]

    def profile(frame, event, arg):
        if event in ("call", "c_call"):
            count[0] += 1

    sys.setprofile(profile)
    try:
        out = fn(*args)
    finally:
        sys.setprofile(None)
    return out, count[0]


def test_a_nul_after_many_rows_is_placed_in_few_steps(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"y,x,z\n" + b"".join(b"%d,%d,1\n" % (i % 5, i % 13) for i in range(200_000)) + b"1,2,3\x00\n")
    where, calls = _calls(_nul_in_file, path)
    assert where == ["row 200001, column 3"]
    assert calls < 2_000, calls


def test_the_place_counts_rows_as_r_does(tmp_path):
    path = tmp_path / "places.csv"
    # (a BOM, blank lines before the header and between rows, quoted commas and line ends, doubled quotes)
    path.write_bytes(b'\xef\xbb\xbf\n\ny,g,x\r\n1,"a,\nb",1\n\n\n2,"say ""hi"", ok",2\r\n3,x"y,3\x00\n')
    assert _nul_in_file(path) == ["row 3, column 3"]
    path.write_bytes(b'\n"y","g\x00",x\n1,2,3\n')
    assert _nul_in_file(path) == ["the header (column 2)"]
    path.write_bytes(b'y,g,x\n1,"a\x00,b",3\n')
    assert _nul_in_file(path) == ["row 1, column 2"]
