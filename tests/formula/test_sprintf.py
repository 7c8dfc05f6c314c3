"""R's ``sprintf()`` in formulas against R 4.2 (tests/fixtures/sprintf, made by scripts/make_sprintf.R): each row's
text for every conversion glmstat writes (flags, widths, precisions; missing, infinite and NaN values; a value
recycled beside columns), formats of values that are one each, fits of keys built with it, what is refused by name,
and the bounds on its texts (counted before any is written)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_value, r_coef_name, r_double
from glmstat.formula.limits import FormulaLimits
from glmstat.formula.text_formats import _write, parse_format

HERE = FIXTURES / "sprintf"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


@pytest.mark.parametrize("expr", list(REF["texts"]))
def test_each_row_s_text_is_r_s(expr):
    f = expression_value(DATA, expr)
    assert [f.levels[c] for c in f.codes] == REF["texts"][expr]


@pytest.mark.parametrize("expr", list(REF["scalars"]))
def test_a_text_of_values_that_are_one_each_is_r_s(expr):
    assert expression_value(DATA, expr) == REF["scalars"][expr]


def test_each_conversion_of_one_number_is_r_s():
    # (600 drawn at random: flags, width, precision and conversion of numbers, R's NA among them; C's rules that
    # Python's % does not follow -- a precision makes %d ignore the 0 flag, 0 of precision 0 writes no digit)
    wrong = []
    for case in REF["conversions"]:
        (spec,) = parse_format(case["fmt"], None)
        kind = "logical" if case["na"] else "number"  # (R's NA: a logical one, as a missing logical is written)
        got = _write(r_double(case["value"]), kind, spec)
        if got != case["text"]:
            wrong.append((case["fmt"], case["value"], case["text"], got))
    assert wrong == []


@pytest.mark.parametrize("case", REF["utf8"], ids=[f"{c['fmt']} {c['text']}" for c in REF["utf8"]])
def test_a_text_beyond_ascii_is_as_wide_as_r_counts_it(case):
    # (R counts %s's width and precision in UTF-8 bytes, as C's printf: "%5s" of "é" is three spaces and "é")
    assert expression_value(DATA, f'sprintf("{case["fmt"]}", "{case["text"]}")') == case["out"]


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    fit = assert_fit_is_r_s(ref, DATA, gs.Gaussian())
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(fit.fitted_values, ref["fitted"], rtol=1e-9)
    assert_close(fit.predict(DATA.iloc[:6]), ref["fitted"][:6], rtol=1e-9)


@pytest.mark.parametrize("term, match", [
    ("sprintf(\"%d\", x)", r"invalid format '%d'; use format %f, %e, %g or %a for numeric objects"),
    ("sprintf(\"%d\", w * 2^31)", r"invalid format '%d'"),
    ("sprintf(\"%f\", g)", r"'%f' of a factor"),
    ("sprintf(\"%d\", as.character(g))", r"invalid format '%d'; use format %s for character objects"),
    ("sprintf(\"%s %s\", g)", "too few arguments"),
    ("sprintf(\"%s\", g, w)", "1 arguments not used by the format"),
    ("sprintf(\"%y\", w)", "unrecognised format specification '%y'"),
    ("sprintf(\"%5\", w)", "unrecognised format specification '%5'"),
    ("sprintf(\"%*d\", 5, w)", "'\\*' widths and 'n\\$' positions are not supported"),
    ("sprintf(\"%1$s\", g)", "'\\*' widths and 'n\\$' positions are not supported"),
    ("sprintf(\"%9000s\", g)", "a width of 9,000, more than 8,192"),
    ("sprintf(\"%.9000f\", x)", "a precision of 9,000, more than 8,192"),
    ("sprintf(g, w)", "the format must be one string"),
    ("sprintf(\"%s\", c(1, 2))", "recycles a vector of values along the rows"),
    ("sprintf(fmt = \"%s\", x = g)", "takes the format and the values by position"),
    ("sprintf()", "the argument 'fmt' is missing"),
])
def test_refusals_name_the_call(term, match):
    with pytest.raises(gs.FormulaError, match=match) as e:
        gs.glm(f"y ~ {term}", DATA)
    assert "sprintf(" in str(e.value)


def test_the_distinct_values_and_their_combinations_are_bounded_before_any_text_is_written():
    rows = pd.DataFrame({"a": np.arange(300) % 60, "b": np.arange(300) % 7, "y": np.arange(300.0)})
    limits = FormulaLimits(max_columns=5)  # (100 texts)
    with pytest.raises(gs.FormulaError, match="argument 1 takes 300 distinct values, more texts than 100"):
        gs.glm("y ~ sprintf(\"%d\", y)", rows, limits=limits)
    with pytest.raises(gs.FormulaError, match="take 300 combinations, more texts than 100"):
        gs.glm("y ~ sprintf(\"%d-%d\", a, b)", rows, limits=limits)


def test_the_characters_written_are_bounded_before_any_is_written():
    rows = pd.DataFrame({"a": np.arange(300) % 60, "y": np.arange(300.0)})
    with pytest.raises(gs.FormulaError, match="max_design_bytes"):
        gs.glm("y ~ sprintf(\"%8000d%8000d%8000d\", a, a, a)", rows, limits=FormulaLimits(max_design_bytes=10**6))
    with pytest.raises(gs.FormulaError, match="max_length"):  # (one text of values that are one each)
        gs.glm("y ~ a + nchar(sprintf(\"%8000d%8000d%8000d\", 1, 2, 3))", rows)


SIGNED = json.loads((FIXTURES / "signed_zero" / "ref.json").read_text())


@pytest.mark.parametrize("fmt", list(SIGNED["texts"]))
def test_zero_and_negative_zero_are_written_as_r_writes_them(fmt):
    # (tests/fixtures/signed_zero, scripts/make_signed_zero.R: %f, %e and %g write the sign of -0, two levels in R;
    # the distinct values were found by np.unique, which made 0 and -0 one, written as whichever sorted first)
    data = pd.DataFrame({"x": [r_double(t) for t in SIGNED["x"]]})
    f = expression_value(data, f'sprintf("{fmt}", x)')
    assert [f.levels[c] for c in f.codes] == SIGNED["texts"][fmt]


def test_a_fit_keeps_negative_zero_apart_as_r_does():
    data = pd.DataFrame({"x": [r_double(t) for t in SIGNED["x"]], "y": SIGNED["y"]})
    fit = gs.glm('y ~ sprintf("%+.1f", x)', data)
    assert [r_coef_name(n) for n in fit.coef.index] == SIGNED["coef_names"]
    np.testing.assert_allclose(fit.coef, [r_double(t) for t in SIGNED["coef"]], rtol=1e-12)


@pytest.mark.parametrize("expr", list(SIGNED["zeros"]))
def test_the_zeros_of_r_s_arithmetic_have_r_s_sign(expr):
    # (pmax/pmin keep the first of equal values, as R's, where numpy's maximum took the second; as.integer, ^ and
    # %% give R's unsigned 0 where numpy's was -0: sprintf's %f writes the sign)
    data = pd.DataFrame({"x": [r_double(t) for t in SIGNED["x"]]})
    f = expression_value(data, f'sprintf("%+.1f", {expr})')
    assert [f.levels[c] for c in f.codes] == SIGNED["zeros"][expr]
