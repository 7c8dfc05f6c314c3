"""The command line's summary of someone else's CSV, written to a stdout whose encoding cannot write its texts.

A factor level ``é`` (or ``€``, or any text of another script) in a CSV is a coefficient's name; sent to an ASCII
stdout (``PYTHONIOENCODING=ascii``, a Windows console's code page), the summary ended the command with
``glmstat: internal error: UnicodeEncodeError``.  Such a character is now written as R writes one in such a
locale, ``<U+00E9>`` (``&#233;`` in an HTML page, which then reads as the character); stderr escapes such
characters itself (Python's ``backslashreplace``).
"""

from __future__ import annotations

import io
import sys

import pytest

from glmstat.cli import main

CSV = "y,x,g\n1,2,\u00e9\n2,3,a\n3,5,\u00e9\n4,4,a\n5,6,\u20ac\n2,1,\u20ac\n"


@pytest.mark.parametrize("fmt, written", [("text", ["g[T.<U+00E9>]", "g[T.<U+20AC>]"]),
                                          ("markdown", [r"g\[T.<U+00E9>\]", r"g\[T.<U+20AC>\]"]),
                                          ("latex", ["g[T.<U+00E9>]", "g[T.<U+20AC>]"]),
                                          ("html", ["g[T.&#233;]", "g[T.&#8364;]"])])
def test_a_level_the_stdout_encoding_cannot_write(tmp_path, monkeypatch, capsys, fmt, written):
    path = tmp_path / "levels.csv"
    path.write_text(CSV, encoding="utf-8")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii", newline="\n")
    with capsys.disabled():
        monkeypatch.setattr(sys, "stdout", out)
        err = io.StringIO()
        monkeypatch.setattr(sys, "stderr", err)
        status = main(["fit", "y ~ x + g", str(path), "--family", "poisson", "--format", fmt])
        out.flush()
    assert status == 0, err.getvalue()
    text = raw.getvalue().decode("ascii")
    for name in written:
        assert name in text
