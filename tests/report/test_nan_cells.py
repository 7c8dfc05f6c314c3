"""NaN is not NA: a fit without residual degrees of freedom has a NaN dispersion, and summary.glm prints the
standard errors, statistics and p-values computed from it as "NaN" (and the dispersion as NaN), keeping "NA"
for the row of an aliased coefficient -- in the text, Markdown and HTML alike, and compare() by the same rule.

R's output: tests/fixtures/nan_cells/make_nan_cells.R -> r.json.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd

import glmstat as gs
from conftest import FIXTURES

R = json.loads((FIXTURES / "nan_cells" / "r.json").read_text())


def fit():
    d = pd.DataFrame({"x": R["x"], "z": R["z"], "y": R["y"]})
    d["w"] = d.x + d.z
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (aliasing, a perfect fit: the point of the case)
        return gs.glm("y ~ x + z + w", d)


def summary():
    return fit().summary()


def test_text_prints_nan_and_na_as_r():
    lines = str(summary()).splitlines()
    start = lines.index(R["coefficients"][0])
    assert lines[start:start + len(R["coefficients"])] == R["coefficients"]
    assert R["dispersion"] in lines


def test_markdown_and_html_show_the_same_cells():
    s = summary()
    md = s.to_markdown()
    assert "| Intercept |    -0.1667 |          NaN |       NaN |          NaN |" in md
    assert "| w         |         NA |           NA |        NA |           NA |" in md
    assert "- Dispersion parameter: NaN (gaussian family)" in md
    assert s.to_html().count('<td class="gs-num">NaN</td>') == 3 * 3 + 1  # three cells of three rows, dispersion


def test_compare_shows_nan_standard_errors_as_the_summary():
    rows = gs.compare(fit()).coefficient_rows()
    assert rows[:2] == [["Intercept", "-0.1667"], ["", "(NaN)"]]  # the summary's cells: -0.1667, NaN
    assert rows[6:] == [["w", "NA"], ["", "(aliased)"]]
