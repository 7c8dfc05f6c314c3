"""``sub()`` and ``gsub()`` in formulas against R (tests/fixtures/sub_gsub, from scripts/make_sub_gsub.R in a UTF-8
locale): 36 patterns and replacements -- leftmost-longest alternatives, matches of nothing (``gsub("b*", "-",
x)``), anchors and word edges where R's search starts again after a match, escapes in the replacement,
ignore.case, fixed -- over 21 awkward texts, row by row for both; three fits that read numbers or groups from
cleaned text; what is refused, by name; bounded work."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, expression_value, r_replace_call
from glmstat.formula.regex import MAX_SCANNED, RegexBudget, compile_regex

REF = json.loads((FIXTURES / "sub_gsub" / "ref.json").read_text())
#: the back-references' fixture (tests/formula/test_sub_groups.py tests the rest of them), compared the same way
GROUPS = json.loads((FIXTURES / "sub_groups" / "ref.json").read_text())
CASES = [(ref, fn, c) for ref in (REF, GROUPS) for fn in ("sub", "gsub") for c in ref[fn]]


@pytest.mark.parametrize("ref, fn, case", CASES, ids=[r_replace_call(fn, c) for _, fn, c in CASES])
def test_each_text_is_r_s(ref, fn, case):
    v = expression_value(pd.DataFrame({"s": ref["texts"]}), r_replace_call(fn, case))
    assert [None if k < 0 else v.levels[k] for k in v.codes] == case["result"]
    assert v.text  # (R's character vector: as.numeric() of it reads numbers)


@pytest.mark.parametrize("ref, fit_ref", [(r, f) for r in (REF, GROUPS) for f in r["fits"]],
                         ids=[f["formula"] for r in (REF, GROUPS) for f in r["fits"]])
def test_fits_are_r_s(ref, fit_ref):
    fit = gs.glm(fit_ref["formula"], pd.DataFrame(ref["data"]))
    np.testing.assert_allclose(fit.coef.to_numpy(), fit_ref["coef"], rtol=1e-10)
    assert len(fit.column_names) == len(fit_ref["names"])


@pytest.mark.parametrize("term, message", [
    ('gsub("(a)\\\\1", "-", s)', "back-reference \\\\1, which no finite automaton matches"),
    ('gsub("a*?", "-", s)', "lazy quantifier"),
    ('gsub("", "-", s)', "the pattern is empty"),
    ('gsub("", "-", s, fixed = TRUE)', "the pattern is empty"),
    ('sub("a", "b", s, perl = TRUE)', "leftmost-first"),
    ('sub("(a", "b", s)', "has a '\\(' without its '\\)'"),
    ('sub("a", s, s)', "the replacement must be one string"),
    ('sub("a", "b", s, fixed = TRUE, ignore.case = TRUE)', "takes neither ignore.case"),
])
def test_what_it_cannot_do_is_refused_by_name(term, message):
    with pytest.raises(gs.GLMStatError, match=message):
        gs.glm(f"y ~ {term}", pd.DataFrame({"s": ["ab", "ba", "aa"], "y": [1.0, 2.0, 3.0]}))


def test_longest_matches_reading_to_the_end_again_and_again_are_bounded():
    # (each match of "a.*b|a" in a run of a's reads to the end of the text for its longest extent: quadratic)
    # (the characters read count with those searched too, whose bound, max_regex_chars, is the lower by default)
    rx = compile_regex("a.*b|a")
    with pytest.raises(gs.FormulaError, match=f"more than ({MAX_SCANNED:,}|{gs.FormulaLimits().max_regex_chars:,}) "
                                              "characters"):
        rx.replace("a" * 10_000, "-", True)
    with pytest.raises(gs.FormulaError, match=f"more than {MAX_SCANNED:,} characters"):
        compile_regex("a.*b|a", budget=RegexBudget(gs.FormulaLimits(max_regex_chars=10**8))).replace(
            "a" * 10_000, "-", True)
    assert compile_regex("a.*b|a").replace("a" * 100 + "b", "-", True) == "-"


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import as_streamed

    d = pd.DataFrame(REF["data"])
    formula = 'y ~ as.numeric(gsub(",", "", amount)) + sub("-[0-9]+$", "", id)'
    mem = gs.glm(formula, d)
    streamed = gs.glm(formula, as_streamed(d, kind, tmp_path, rows=2))
    assert streamed.column_names == mem.column_names
    np.testing.assert_allclose(streamed.coef.to_numpy(), mem.coef.to_numpy(), rtol=1e-10)
