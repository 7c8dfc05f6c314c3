"""Back-references in ``sub()``/``gsub()``'s replacement (``\\1`` to ``\\9``) against R (tests/fixtures/sub_groups,
from scripts/make_sub_groups.R in a UTF-8 locale): its 40 patterns -- dates reordered, names swapped, numbers and
units split, groups that take no part, nested groups, nine groups, ignore.case, word edges where gsub's search
starts again -- over 21 awkward texts, row by row for both, and its three fits are compared in test_sub_gsub.py
with the other replacements; here sequences of three groups that POSIX leaves to the engine (TRE's left grouping),
what is refused by name, the bounded work of finding groups, and streamed fits."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, expression_value
from glmstat.formula.regex import compile_regex
from glmstat.formula.regex_groups import MAX_GROUP_WORK, GroupBudget
from glmstat.formula.text_functions import replacement_template

REF = json.loads((FIXTURES / "sub_groups" / "ref.json").read_text())


# POSIX leaves open how a sequence of three parts is grouped; the AT&T regex tests (Fowler's testregex) list both
# answers: "leftassoc" (the first two parts together the longest) and "rightassoc" (the first part the longest).
# R's TRE gives the left one, and so does glmstat.
@pytest.mark.parametrize("pattern, text, leftassoc, rightassoc", [
    ("(a|ab)(c|bcd)(d*)", "abcd", "<a,bcd,>", "<ab,c,d>"),
    ("(a*)(b|abc)(c*)", "abc", "<,abc,>", "<a,b,c>"),
])
def test_a_sequence_of_three_groups_is_grouped_from_the_left_as_tre_does(pattern, text, leftassoc, rightassoc):
    assert compile_regex(pattern).replace(text, replacement_template("<\\1,\\2,\\3>"), False) == leftassoc


@pytest.mark.parametrize("pattern", ["(a|b)+", "(a)*", "x(ab)?", "(a){2}", "((a)|b)+c", "(a)(b*)+"])
def test_a_group_inside_a_repetition_is_refused_by_name(pattern):
    # (TRE picks the iteration a repeated group reports by rules of its own: R gives "<a>" for sub("(a*){1,3}", ...)
    # on "aaa" but "<aa>" for sub("(a*)*", ...), and a repeated group beside other parts takes more than its share)
    with pytest.raises(gs.GLMStatError, match="repeats its group"):
        gs.glm(f'y ~ sub("{pattern}", "<\\\\1>", s)', pd.DataFrame({"s": ["ab", "ba", "aa"], "y": [1.0, 2.0, 3.0]}))
    # (without back-references the pattern is taken)
    assert expression_value(pd.DataFrame({"s": ["ab"]}), f'sub("{pattern}", "-", s)').levels


def test_a_back_reference_in_the_pattern_is_refused_by_name():
    with pytest.raises(gs.GLMStatError, match="back-reference"):
        gs.glm('y ~ sub("(a)\\\\1", "-", s)', pd.DataFrame({"s": ["aa", "ab", "ba"], "y": [1.0, 2.0, 3.0]}))


def test_a_replacement_without_back_references_is_one_text():
    assert replacement_template("a\\0b\\\\c") == "a0b\\c"
    assert replacement_template("x\\2y") == ("x", 2, "y")


def test_finding_groups_is_bounded():
    # (the second group the shortest that ends the match: its start tried at each position from the end back to the
    # x at the front, a set of the whole text's positions each time -- quadratic in the text's length)
    rx, text = compile_regex("(.*)(x.*)"), "x" + "y" * 100_000
    with pytest.raises(gs.FormulaError, match=f"more than {MAX_GROUP_WORK:,} steps"):
        rx.replace(text, replacement_template("\\2"), True, GroupBudget(rx.pattern))
    assert rx.replace(text[:1001], replacement_template("<\\1|\\2>"), True) == "<|" + text[:1001] + ">"
    # (a run of a character set costs one addition, whatever its length)
    assert compile_regex("(.*)_(.*)").replace("a" * 300_000 + "_b", replacement_template("\\2"), False) == "b"


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import as_streamed

    d = pd.DataFrame(REF["data"])
    formula = 'y ~ as.numeric(sub("^([a-z])-([0-9]+)$", "\\\\2", id)) + sub("^([a-z])-.*", "\\\\1", id)'
    mem = gs.glm(formula, d)
    streamed = gs.glm(formula, as_streamed(d, kind, tmp_path, rows=3))
    assert streamed.column_names == mem.column_names
    np.testing.assert_allclose(streamed.coef.to_numpy(), mem.coef.to_numpy(), rtol=1e-10)


def test_the_bound_holds_the_formula_s_calls_together():
    # (each call's texts well within the bound, the formula's together beyond it)
    d = pd.DataFrame({"s": [f"x{'y' * 40}{i}" for i in range(2000)], "y": np.arange(2000.0)})
    term = 'nchar(sub("(.*)(y.*)", "\\\\2", s))'
    gs.glm(f"y ~ {term}", d)
    with pytest.raises(gs.FormulaError, match="with the formula's other sub.*steps to find the groups"):
        gs.glm("y ~ " + " + ".join(f"I({term} + {k})" for k in range(40)), d)
