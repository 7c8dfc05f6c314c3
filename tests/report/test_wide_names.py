"""Names that take more or fewer terminal columns than characters -- CJK (two columns each), a combining
accent (none) -- are padded as R pads them, by their width on the terminal, so the columns of the summary,
print(fit) and compare() stay aligned; and the Call line of such names breaks where R's deparse breaks it
(its width.cutoff counts UTF-8 bytes).

R's output: tests/fixtures/wide_names/make_wide_names.R -> r.json (print(summary(m)) and print(m) in a UTF-8
locale, the coefficients renamed as glmstat names them; deparse() of a call with CJK names).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES
from glmstat.report.call import call_lines
from glmstat.report.rformat import display_width

R = json.loads((FIXTURES / "wide_names" / "r.json").read_text())


def text(codepoints: list[int]) -> str:
    return "".join(map(chr, codepoints))


TEMP, CAFE = text(R["temp"]), text(R["cafe"])
LEVELS_G = [text(c) for c in R["levels_g"]]


def data(temp: str = TEMP, levels_g: list[str] = LEVELS_G, cafe: str = CAFE) -> pd.DataFrame:
    return pd.DataFrame({
        temp: R["t"],
        "g": pd.Categorical.from_codes([k - 1 for k in R["g"]], levels_g),
        "h": pd.Categorical.from_codes([k - 1 for k in R["h"]], ["a", cafe]),
        "y": R["y"],
    })


def fit(**names: object) -> gs.GLMResults:
    d = data(**names)
    return gs.glm(f"y ~ {d.columns[0]} + g + h", d)


def test_display_width_counts_terminal_columns():
    assert [display_width(s) for s in (TEMP, LEVELS_G[2], CAFE, "plain")] == [4, 6, 4, 5]


def test_summary_table_pads_by_width_as_r():
    lines = str(fit().summary()).splitlines()
    start = lines.index("Coefficients:") + 1
    table = [ln for ln in lines[start:lines.index("---")]]
    assert table == [text(c) for c in R["summary_table"]]


def test_print_pads_by_width_as_r():
    lines = repr(fit()).splitlines()
    start = lines.index("Coefficients:") + 1
    assert lines[start:start + 2] == [text(c) for c in R["print_coefficients"]]


def test_compare_lays_out_wide_names_as_ascii_names_of_the_same_width():
    ascii_names = dict(temp="tttt", levels_g=["b", "dddd", "eeeeee"], cafe="cccc")
    wide = str(gs.compare(fit(), names=["模型"]))
    narrow = str(gs.compare(fit(**ascii_names), names=["mmmm"]))
    for old, new in [(TEMP, "tttt"), (LEVELS_G[1], "dddd"), (LEVELS_G[2], "eeeeee"), (CAFE, "cccc"),
                     ("模型", "mmmm")]:
        wide = wide.replace(old, new)
    assert wide == narrow


def test_call_breaks_by_bytes_as_r_deparse():
    names = [text(c) for c in R["call_names"]]
    rng = np.random.default_rng(0)
    d = pd.DataFrame({k: rng.normal(size=10) for k in names + ["y"]})
    assert call_lines(gs.glm("y ~ " + " + ".join(names), d)) == [text(c) for c in R["call_lines"]]
