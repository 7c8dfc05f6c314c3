"""Hexadecimal number literals with a point or a binary exponent (``0x1p3``, ``0x1.8p1``, ``0xAp-2``), against R 4.2
(tests/fixtures/hex_literals, made by scripts/make_hex_literals.R): 39 edge cases and 2,000 random literals of 1 to
16 significant digits, read bit for bit as R's parser reads them (R_strtod: the digits in a long double, the factor
2^|e| a double, so that ``0x1p-1074`` is 0).  They were refused ("the number '0x1' is followed by 'p'").  A
literal of more significant digits than 64 bits, which R rounds digit by digit in its long double, is refused.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, expression_value, r_double
from glmstat.formula.values import RInteger

REF = json.loads((FIXTURES / "hex_literals" / "ref.json").read_text())
DATA = pd.DataFrame({"x": [1.0, 2.0]})
CASES = list(zip(REF["literal"], REF["value"], REF["type"]))


def _value(literal: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return expression_value(DATA, literal)


@pytest.mark.parametrize("literal, value, kind", CASES[:39], ids=[c[0] for c in CASES[:39]])
def test_edge_literals_are_r_s(literal, value, kind):
    v = _value(literal)
    assert float(v).hex() == r_double(value).hex()
    assert isinstance(v, RInteger) == (kind == "integer")


def test_random_literals_are_r_s_bit_for_bit():
    got = [float(_value(lit)).hex() for lit, _, _ in CASES[39:]]
    assert got == [r_double(v).hex() for _, v, _ in CASES[39:]]


def test_a_literal_in_a_model_is_its_number():
    data = pd.DataFrame({"x": [0.5, 1.5, 2.0, 3.5, 4.0, 5.5], "y": [1.0, 2.2, 2.9, 4.1, 5.2, 6.0]})
    a = gs.glm("y ~ I(x * 0x1.8p1)", data)
    b = gs.glm("y ~ I(x * 3)", data)
    assert a.coef.iloc[1] * 3 == pytest.approx(b.coef.iloc[1] * 3, rel=1e-12)


@pytest.mark.parametrize("literal, match", [
    ("0x123456789abcdef01p0", "more significant digits than 64 bits"),
    ("0x1.ffffffffffffffffp1022", "more significant digits than 64 bits"),
    ("0x1.8", "has a point but no binary exponent"),
    ("0x1p", "incomplete binary exponent"),
    ("0x1p+", "incomplete binary exponent"),
    ("0xp3", "without digits"),
    ("0x.p3", "without digits"),
])
def test_what_r_cannot_read_or_glmstat_cannot_reproduce_is_refused(literal, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ I(x * {literal})", pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 4.0]}))
