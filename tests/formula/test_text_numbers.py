"""``as.numeric()`` and ``as.integer()`` of text read numbers as R reads them (tests/fixtures/text_numbers, from
scripts/make_text_numbers.R): 49 awkward texts (white space, hex, exponents without digits or beyond the doubles,
a thousand hex digits, Inf and NaN in any case, other scripts' digits), and fits reading numbers from
``as.character()`` of a column (R's idiom for a factor's numbers), ``substr()`` and ``paste0()``, with their
predictions on new data.  A factor's ``as.numeric()`` -- a column of text is one, as R's
``read.csv(stringsAsFactors = TRUE)`` reads it -- still gives its level codes (tests/formula/test_level_codes.py)."""

from __future__ import annotations

import json
import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, expression_values
from glmstat.formula.text_numbers import r_text_number

REF = json.loads((FIXTURES / "text_numbers" / "ref.json").read_text())
_SPECIAL = {"Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan, "NA": None}


def _r_value(v):
    return _SPECIAL[v] if isinstance(v, str) else float(v)


@pytest.mark.parametrize("text, want", list(zip(REF["texts"], REF["numeric"])), ids=[repr(t) for t in REF["texts"]])
def test_each_text_reads_as_r_reads_it(text, want):
    got, want = r_text_number(text), _r_value(want)
    if text == "NA":  # (missing without the coercion warning: NaN here)
        assert got is not None and math.isnan(got)
    elif want is None:
        assert got is None
    elif math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(want, rel=1e-14, abs=0)


def test_as_integer_truncates_and_refuses_what_r_refuses():
    d = pd.DataFrame({"s": REF["texts"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.FormulaWarning)
        got = expression_values(d, "as.integer(as.character(s))")
    want = [np.nan if v == "NA" else float(v) for v in REF["integer"]]
    np.testing.assert_array_equal(got, want)


def _data() -> pd.DataFrame:
    d = pd.DataFrame(REF["data"])
    d["g"] = pd.Categorical(d["g"])  # (R's factor)
    return d


@pytest.mark.parametrize("ref", REF["fits"], ids=[r["formula"] for r in REF["fits"]])
def test_fits_and_predictions_are_r_s(ref):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm(ref["formula"], _data())
    assert fit.nobs == ref["nobs"]
    np.testing.assert_allclose(fit.coef.to_numpy(), ref["coef"], rtol=1e-10)
    new = pd.DataFrame({"dose": ["2.5", "10"], "g": pd.Categorical(["20", "40"], categories=["10", "20", "40"]),
                        "code": ["z-9", "q-0"]})
    np.testing.assert_allclose(fit.predict(new).to_numpy(), ref["predict"], rtol=1e-10)


def test_a_text_that_reads_as_no_number_is_missing_with_r_s_warning():
    with pytest.warns(gs.FormulaWarning, match=r"as.numeric\(as.character\(dose\)\): 1 value\(s\) read as no "
                                               r"number and became NA, as R's 'NAs introduced by coercion' \(the "
                                               r"texts 'x'\)"):
        fit = gs.glm("y ~ as.numeric(as.character(dose))", _data())
    assert fit.n_dropped == 1


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_read_the_numbers_too(kind, tmp_path):
    from streamed_cases import as_streamed

    d = _data().astype({"g": str})  # (text in every chunk)
    formula = "y ~ as.numeric(as.character(g)) + as.numeric(substr(code, 3, 3))"
    mem = gs.glm(formula, d)
    streamed = gs.glm(formula, as_streamed(d, kind, tmp_path, rows=3))
    np.testing.assert_allclose(streamed.coef.to_numpy(), mem.coef.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(mem.model_matrix()["as.numeric(as.character(g))"].to_numpy(),
                               [10, 20, 40, 10, 20, 40, 10, 20])


@pytest.mark.parametrize("text, want", [
    ("0x1p" + "0" * 10 + "1", 2.0),            # (an exponent's leading zeros count for nothing, as R_strtod reads
    ("0x1p-" + "0" * 10 + "1", 0.5),           # them: more than six digits were taken as beyond the doubles)
    ("0x1p" + "0" * 5000 + "3", 8.0),          # (5,000 digits: Python's int() would refuse to read them)
    ("0X1P+00000000010", 1024.0),
])
def test_hex_exponents_with_leading_zeros(text, want):
    assert r_text_number(text) == want


@pytest.mark.parametrize("text, want", [  # (R 4.2's as.numeric(), printed with sprintf("%a"))
    ("0x1.8p1", 3.0), ("-0x.8p1", -1.0), ("0x1.0000000000001p-1022", float.fromhex("0x1.0000000000001p-1022")),
    ("0x1.8p-1074", 0.0), (" 0xA.Cp-2 ", float.fromhex("0x1.58p+1")), ("0x.000001p30", 64.0), ("0x1.p2", 4.0),
])
def test_hex_numbers_with_a_point_and_an_exponent_are_r_s(text, want):
    # (R_strtod, as its parser reads the literal: they were missing, with R's coercion warning, where R reads them)
    assert r_text_number(text) == want


@pytest.mark.parametrize("text", ["0x1.8", "0x.8", "0xp2", "0x.", "0x1.2.3p1", "0x1p"])
def test_hex_numbers_r_reads_by_a_quirk_are_refused_with_the_call_and_the_text(text):
    # (R 4.2: 24, 8, 0, 0, 36.375 -- the last point's digits only -- and 1; they were missing, with R's warning)
    data = pd.DataFrame({"s": [text, "2", "3", "5"], "y": [1.0, 2.0, 2.5, 4.0]})
    with pytest.raises(gs.DataError, match=f"as.numeric\\(as.character\\(s\\)\\): the text '{re.escape(text)}' is "
                                           "a hexadecimal number that R 4.2 reads by a quirk"):
        gs.glm("y ~ as.numeric(as.character(s))", data)


def test_hex_numbers_with_a_point_of_more_than_64_bits_are_refused():
    with pytest.raises(gs.DataError, match="'0x1.ffffffffffffffffffffp1' is a hexadecimal number of more than 64"):
        r_text_number("0x1." + "f" * 20 + "p1")


@pytest.mark.parametrize("text, want", [  # (R 4's as.numeric(), printed with sprintf("%a"))
    ("0x1p-1074", 0.0), ("0x1p-1023", float.fromhex("0x0.8p-1022")), ("0x1p1023", 2.0**1023),
    ("0x1p1024", math.inf), ("-0x1p-1075", -0.0), ("0x" + "f" * 1000 + "p-5000", 0.0),
    ("0x" + "f" * 1000 + "p-1000", math.inf), ("0x" + "f" * 4097 + "p-1000", math.inf),
    ("0x" + "f" * 4097 + "p-1024", math.nan), ("0x" + "f" * 4096 + "p-1024", math.nan),
    ("0x" + "f" * 300 + "p-500", float.fromhex("0x1p+700")), ("0x0p99999999999", 0.0), ("0x1p99989", math.inf),
])
def test_hex_numbers_beyond_the_doubles_are_r_s(text, want):
    # R_strtod: the digits in a long double, 2^exponent in a double, one divided by the other: 0x1p-1074 is 0 in R
    # (glmstat gave the smallest subnormal), 1,000 digits of f with p-5000 is 0 (glmstat gave 9e-302); of 3,000
    # random hexadecimal texts, 549 were read otherwise than R reads them, now none
    got = r_text_number(text)
    if math.isnan(want):
        assert got is not None and math.isnan(got)
    else:
        assert got == want and math.copysign(1.0, got) == math.copysign(1.0, want)
