"""Names from the data (column names, factor levels, row labels) are written into text output as R's
``encodeString`` writes them: a terminal escape, a newline or a bidi override in a hostile CSV cannot
clear the screen, split a row or reorder the text of the summary, print(fit), compare(), the
likelihood-ratio test or the command line.

R's output: tests/fixtures/scripts/make_escape_fixtures.R -> escape.json (encodeString() of hostile strings,
print(coef(m)) and print(summary(m)) of a fit with a hostile factor level and row names).  Bidi and other
format characters, which R prints raw, are checked in closed form (\\uXXXX).
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.cli import main
from glmstat.report.rformat import encode_string

R = json.loads((FIXTURES / "escape.json").read_text())
FIT = R["fit"]


def text(codepoints: list[int]) -> str:
    return "".join(map(chr, codepoints))


LEVEL, ROW_NAMES = text(FIT["level"]), [text(c) for c in FIT["row_names"]]
R_LEVEL = FIT["coef_lines"][0].split()[1][1:]  # R's "gc\033[31mred" less the "g"
BIDI = "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u200e\u200f\ufeff\u2028\u2029"


def unprintable(s: str) -> list[str]:
    """The characters of ``s`` a terminal would act on (control, format, separators), apart from the newlines
    and the tabs of R's own layout (print.glm's deviance lines)."""
    return [c for c in s if c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")]


def hostile_data() -> pd.DataFrame:
    d = pd.DataFrame({"y": FIT["y"], "g": [text(c) for c in FIT["g"]], "x": FIT["x"]})
    d.index = ROW_NAMES
    return d


@pytest.fixture(scope="module")
def hostile_fit():
    return gs.glm("y ~ g + x", hostile_data())


@pytest.mark.parametrize("case", R["encode"], ids=lambda c: c["encoded"])
def test_encode_string_is_r_encodestring(case):
    assert encode_string(text(case["codepoints"])) == case["encoded"]


def test_bidi_and_format_characters_are_escaped_as_code_points():
    assert encode_string("a" + BIDI + "b") == "a" + "".join(f"\\u{ord(c):04x}" for c in BIDI) + "b"
    assert encode_string("tag\U000e0001") == "tag\\U000e0001"
    assert encode_string("\ud800") == "\\ud800"  # a lone surrogate (cannot even be written as UTF-8)


def test_backslashes_kept_for_text_that_is_already_escaped():
    assert encode_string("f('a\\nb') \x1b", backslash=False) == "f('a\\nb') \\033"


def test_summary_prints_names_as_r(hostile_fit):
    lines = str(hostile_fit.summary()).splitlines()
    r = FIT["summary_lines"]
    resid = r.index("Deviance Residuals: ")
    assert lines[lines.index("Deviance Residuals: ") + 1:][:2] == r[resid + 1:resid + 3]  # R's row labels
    row = next(ln for ln in lines if ln.startswith("g[T."))
    r_row = next(ln for ln in r if ln.startswith("g" + R_LEVEL))
    assert row.split() == [f"g[T.{R_LEVEL}]"] + r_row.split()[1:]  # one row, R's numbers
    assert not unprintable("\n".join(lines))


def test_print_fit_prints_names_as_r(hostile_fit):
    out = repr(hostile_fit)
    assert f"g[T.{R_LEVEL}]" in out.split() and not unprintable(out)


def test_column_names_in_formula_call_and_notes_are_escaped():
    d = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 6], "x\x1b[2J": [1.0, 2, 3, 4, 5, 7]})
    d["a\u202eb"] = 2 * d["x\x1b[2J"] + 1  # aliased: named in the note
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm("y ~ `x\x1b[2J` + `a\u202eb`", d)
    out = str(fit.summary())
    assert not unprintable(out) and not unprintable(repr(fit))
    assert "`x\\033[2J`" in out.split("Call:")[1].splitlines()[1]  # the call line
    assert re.search(r"^`x\\033\[2J` ", out, re.M)  # the coefficient row
    warning = out.split("Warning message:\n")[1]
    assert "`a\\u202eb` = 1 + 2 * `x\\033[2J`" in warning
    md, tex, html = fit.summary().to_markdown(), fit.summary().to_latex(), fit.summary().to_html()
    assert not unprintable(md) and not unprintable(tex) and not unprintable(html)


def test_compare_and_lrtest_text_escape_names(hostile_fit):
    small = gs.glm("y ~ x", hostile_data())
    table = gs.compare(hostile_fit, small, names=["m\x1b[1m", "n\u202e"])
    for out in (str(table), table.to_markdown(), table.to_latex(), table.to_html()):
        assert not unprintable(out)
    assert f"g[T.{R_LEVEL}]" in str(table).split()
    assert "m\\033[1m" in str(table).splitlines()[0]
    lr = gs.lrtest(small, gs.glm("y ~ x + `z\x1b[0m`", hostile_data().assign(**{"z\x1b[0m": [1.0, 0, 2, 5, 1]})))
    assert "Model 2: y ~ x + `z\\033[0m`" in str(lr).splitlines()


def test_command_line_escapes_names_from_a_hostile_csv(tmp_path, capsys):
    path = tmp_path / "hostile.csv"
    d = hostile_data().reset_index(drop=True)
    d["w\u202e\x1b[2J"] = [1.0, 2, 1, 2, 1]
    d.to_csv(path, index=False)
    assert main(["fit", "y ~ .", str(path), "--family", "gaussian"]) == 0
    out = capsys.readouterr().out
    assert not unprintable(out)
    assert f"g[T.{R_LEVEL}]" in out and "`w\\u202e\\033[2J`" in out
