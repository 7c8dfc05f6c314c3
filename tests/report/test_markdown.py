"""Markdown (summary and compare) shows data as text: a factor level, column or model name holding HTML,
a ``|``, backticks, ``*`` or ``&`` is escaped in every cell, heading and note, so a viewer renders no tag
and no table splits; the call and R's legend are code spans a backtick cannot end early.  Checked by
CommonMark's rules (tests/markdown_check.py): what is shown is the name; nothing opens raw HTML."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import glmstat as gs
from glmstat.report.call import call_text
from glmstat.report.rformat import encode_string
from markdown_check import cells, raw_html, shown

LEVEL = "z<img src=x onerror=alert(1)>"
COLUMN = "w|<b>*x*</b>`&amp;\\"
FORMULA = "y ~ g + `w|<b>*x*</b>\\`&amp;\\\\` + alias"  # the column in backticks, its ` and \ escaped


@pytest.fixture(scope="module")
def hostile():
    d = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 6, 8, 7, 9, 12], "g": ["a", LEVEL] * 5,
                      COLUMN: [1.0, 2, 3, 4, 5, 6, 7, 9, 8, 10]})
    d["alias"] = 2 * d[COLUMN]  # a note that names the hostile column
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(FORMULA, d)


def test_summary_markdown_escapes_names_levels_and_notes(hostile):
    md = hostile.summary().to_markdown()
    assert raw_html(md) == []
    table = next(p for p in md.split("\n\n") if p.startswith("| term"))  # (the residuals' table comes first)
    rows = [cells(ln) for ln in table.splitlines()]
    assert {len(r) for r in rows} == {6}  # term, 4 numbers, codes: no cell split by a | of the data
    names = [shown(r[0]) for r in rows[2:]]  # what is shown is the name as the text summary prints it
    assert names == [encode_string(n) for n in hostile.summary()._term_names()]
    assert names[1] == f"g[T.{LEVEL}]"
    warning = md.split("**Warning**")[1]
    assert raw_html(warning) == [] and shown(warning).strip() == f"1. {hostile.notes[0]}"
    assert "`w|<b>*x*</b>" in hostile.notes[0]  # the note names the hostile column


def test_summary_markdown_escapes_row_names_of_the_residuals():
    """With 5 residual df or fewer the residuals are headed by the rows' names, text from the data."""
    names = [LEVEL, COLUMN, "a", "b", "c", "d"]
    d = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 7], "x": [1.0, 2, 3, 4, 5, 6]}, index=names)
    md = gs.glm("y ~ x", d).summary().to_markdown()
    block = md.split("**Deviance residuals**\n\n")[1].split("\n\n")[0].splitlines()
    assert raw_html(md) == []
    assert [shown(c) for c in cells(block[0])] == [encode_string(n) for n in names]  # (as the text summary)
    assert len(cells(block[2])) == 6


def test_summary_markdown_call_is_one_code_span(hostile):
    first = hostile.summary().to_markdown().split("\n\n")[0]
    assert first.startswith("``") and first.endswith("``")  # a longer fence: the names' backticks stay inside
    assert shown(first) == call_text(hostile)


def test_compare_markdown_escapes_term_and_model_names(hostile):
    md = gs.compare(hostile, names=["m<script>alert(1)</script>|x"]).to_markdown()
    assert raw_html(md) == []
    rows = [cells(ln) for ln in md.splitlines() if ln.startswith("|")]
    assert {len(r) for r in rows} == {2}
    assert shown(rows[0][1]) == "m<script>alert(1)</script>|x"
    assert f"g[T.{LEVEL}]" in [shown(r[0]) for r in rows]
