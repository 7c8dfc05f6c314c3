"""format_r and the printCoefmat cells against R on random input: mixed signs, magnitudes 1e-8..1e8, values
next to a power of ten, few significant digits, zeros, NA and infinities, digits 1..15.

R's output: tests/fixtures/scripts/make_format_fuzz.R (a sample: seed 20240611, 400 vectors, 60 coefficient
tables -> format_fuzz.json; the same script with other seeds and 5000 vectors / 2000 tables matched too).
"""

from __future__ import annotations

import json
import math

import pandas as pd

import glmstat as gs
from conftest import FIXTURES
from glmstat.report.display import SIGNIF_LEGEND, matrix_lines
from glmstat.report.rformat import format_r
from glmstat.report.summary import format_coef_table

R = json.loads((FIXTURES / "format_fuzz.json").read_text())


def num(text: str) -> float:
    return math.nan if text == "NA" else float(text)


def test_format_matches_r_on_random_vectors():
    wrong = [(c["x"], c["digits"], format_r([num(t) for t in c["x"]], c["digits"]), c["formatted"])
             for c in R["vectors"] if format_r([num(t) for t in c["x"]], c["digits"]) != c["formatted"]]
    assert not wrong, wrong[:5]


def test_coefficient_tables_match_printcoefmat_on_random_tables():
    for c in R["tables"]:
        table = pd.DataFrame({k: [num(v) for v in c[k]] for k in ("estimate", "std_error", "statistic", "p_value")})
        header, rows = format_coef_table(table, "z")
        lines = matrix_lines([f"b{k}" for k in range(1, len(rows) + 1)], header, rows)
        assert lines + (["---", SIGNIF_LEGEND] if header[-1] == "" else []) == c["lines"]


def test_the_sign_is_counted_per_element():
    # R 4.2: format(c(123456, -1.234), digits = 4) -> "123456.000" "    -1.234"; the widest number is
    # positive, so the negative one's sign fits in its own width and fixed notation is not wider
    assert format_r([123456, -1.234], 4) == ["123456.000", "    -1.234"]
    # format(c(-123456, 1.234), digits = 4) -> "-1.235e+05"  " 1.234e+00": here the sign widens fixed notation
    assert format_r([-123456, 1.234], 4) == ["-1.235e+05", " 1.234e+00"]


def test_print_glm_shows_r_fixed_notation():
    g = R["glm"]
    fit = gs.glm("y ~ x", pd.DataFrame({"x": g["x"], "y": [num(t) for t in g["y"]]}))
    lines = repr(fit).splitlines()
    values = lines[lines.index("Coefficients:") + 2].split()
    assert values == g["lines"][g["lines"].index("Coefficients:") + 2].split()  # 123456.002  -1.234


def test_one_number_is_formatted_as_r_formats_a_vector_of_it():
    """format_number (a level's text, R's as.character at 15 digits) is format_r's layout of one element,
    computed directly: R's own texts of each number of the random vectors, and format_r's of any double."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from glmstat.report.rformat import format_number

    singles = [c for c in R["vectors"] if len(c["x"]) == 1]
    assert len(singles) == 62
    for c in singles:
        assert format_number(num(c["x"][0]), c["digits"]) == c["formatted"][0].strip()

    @settings(max_examples=3000, deadline=None)
    @given(st.floats(allow_nan=False), st.sampled_from([1, 4, 7, 15]))
    def agrees(x, digits):
        assert format_number(x, digits) == format_r([x], digits)[0].strip()

    agrees()
