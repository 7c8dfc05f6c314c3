"""Backslash escapes in a formula's strings read as R's parser reads them (tests/fixtures/string_escapes, from
scripts/make_string_escapes.R): R's one-character escapes, octal, hex and Unicode code points; every other escape
refused, as R refuses it -- ``"\\d"`` read as ``"d"`` would make a regular expression another pattern."""

from __future__ import annotations

import json

import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.formula.lexer import tokenize

REF = json.loads((FIXTURES / "string_escapes" / "ref.json").read_text())


@pytest.mark.parametrize("ref", REF, ids=[r["literal"] for r in REF])
def test_string_literal_reads_as_r_reads_it(ref):
    if not ref["ok"]:
        with pytest.raises(gs.FormulaError, match="escape|digits|nul character"):
            tokenize(ref["literal"])
        return
    codes = ref["codes"] if isinstance(ref["codes"], list) else [ref["codes"]]
    assert [ord(c) for c in tokenize(ref["literal"])[0].value] == codes


def test_a_surrogate_code_point_is_refused():
    with pytest.raises(gs.FormulaError, match="no character"):
        tokenize('"\\ud800"')


def test_the_message_shows_how_r_writes_a_backslash():
    with pytest.raises(gs.FormulaError, match=r"unrecognized escape .* a regular expression's \\d is \"\\\\d\""):
        gs.glm('mpg ~ I(wt > 3) + factor(paste0("\\d", cyl))', gs.load_dataset("mtcars"))
