"""The regular expressions of one formula are bounded together, not each call alone.

Every ``grepl()``, ``sub()`` and ``gsub()`` was bounded by itself -- 10 million characters of distinct texts to
search, 5 million characters read for the longest matches, 5 million automaton states visited -- and a formula has
room for a thousand calls: five ``grepl()`` of 10 million characters took 31 s.  And what ``sub()`` and ``gsub()``
write was not bounded at all: a replacement of 10,000 characters for each of two million matches ended in a
``MemoryError`` after 4 GB.  Now the formula's calls count together (:class:`glmstat.formula.regex.RegexBudget`),
the characters written as each match is replaced.  Counted, never timed.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.formula import regex
from glmstat.formula.regex import RegexBudget, compile_regex
from glmstat.formula.regex_syntax import MAX_GROUPS


def _texts(n: int, length: int) -> pd.DataFrame:
    """``n`` rows of distinct texts of about ``length`` characters each, "a" and "b" after a number."""
    return pd.DataFrame({"y": np.arange(n, dtype=float), "x": np.arange(n) % 3 * 1.0,
                         "g": [f"{i:06d}" + "ab" * ((length - 6) // 2) for i in range(n)]})


@pytest.fixture
def small_bounds(monkeypatch):
    """The bounds at a thousandth (those of the texts searched and written, the limits' max_regex_chars and
    max_regex_written, in ``limits``) or a hundredth (the engine's; the counts are what is tested, not the time a
    bound's worth of work takes)."""
    for name in ("MAX_SCANNED", "MAX_WORK"):
        monkeypatch.setattr(regex, name, getattr(regex, name) // 100)
    default = gs.FormulaLimits()
    limits = gs.FormulaLimits(max_regex_chars=default.max_regex_chars // 1000,
                              max_regex_written=default.max_regex_written // 1000)
    return SimpleNamespace(MAX_SEARCHED=limits.max_regex_chars, MAX_WRITTEN=limits.max_regex_written,
                           MAX_SCANNED=regex.MAX_SCANNED, MAX_WORK=regex.MAX_WORK, limits=limits)


def test_the_characters_searched_count_over_the_formula(small_bounds):
    bound = small_bounds.MAX_SEARCHED
    d = _texts(40, bound // 100)  # (40 texts of a hundredth each: each call within the bound)
    limits = small_bounds.limits
    assert gs.glm('y ~ x + grepl("c", g) + grepl("b$", g)', d, limits=limits).coef.size == 4  # (two fifths of it)
    with pytest.raises(gs.FormulaError, match=r'grepl\("d", g\)\': its distinct texts, with those the formula\'s '
                                              r"other grepl\(\), sub\(\) and gsub\(\) calls search, hold more than "
                                              f"{bound:,} characters.*FormulaLimits\\(max_regex_chars=...\\)"):
        gs.glm('y ~ x + ' + " + ".join(f'grepl("{c}", g)' for c in "bcd"), d, limits=limits)
    with pytest.raises(gs.FormulaError, match=f"more than {bound:,} characters to search"):
        gs.glm('y ~ x + grepl("c", g) + grepl("b$", g)', d, subset='!grepl("d", g)', limits=limits)


def test_the_characters_written_are_bounded_as_each_match_is_replaced(small_bounds):
    bound = small_bounds.MAX_WRITTEN
    d = _texts(10, 200)  # (970 "a", each a match)
    long = "b" * (bound // 500)
    # (the matches count with the characters searched, 6,000 characters' work: room for them, beside the bound tested)
    limits = gs.FormulaLimits(max_regex_chars=10 * small_bounds.MAX_SEARCHED, max_regex_written=bound)
    for fixed in ("FALSE", "TRUE"):
        with pytest.raises(gs.FormulaError, match=f"the replacements of the pattern 'a'.*more than {bound:,} "
                                                  "characters.*max_regex_written"):
            gs.glm(f'y ~ x + nchar(gsub("a", "{long}", g, fixed = {fixed}))', d, limits=limits)
        assert gs.glm(f'y ~ x + nchar(gsub("a", "{long[:2]}", g, fixed = {fixed}))', d, limits=limits).coef.size == 3
    # ... and nested calls together, each writing four times what it reads
    nested = "g"
    for _ in range(4):
        nested = f'gsub("a", "aaaa", {nested}, fixed = TRUE)'
    with pytest.raises(gs.FormulaError, match=f"more than ({bound:,}|{small_bounds.MAX_SEARCHED:,}) characters"):
        gs.glm(f"y ~ x + nchar({nested})", d, limits=small_bounds.limits)


def test_one_budget_holds_every_pattern_of_a_formula(small_bounds):
    budget = RegexBudget()
    compile_regex("a.*b|a", budget=budget).replace("a" * 200, "-", True)  # (20,100 characters read, of 50,000)
    assert 0 < budget.scanned < small_bounds.MAX_SCANNED
    with pytest.raises(gs.FormulaError, match="with the formula's other patterns, would read more than "
                                              f"{small_bounds.MAX_SCANNED:,} characters"):
        for k in range(2):
            compile_regex(f"a.*b{k}|a", budget=budget).replace("a" * 200, "-", True)
    # the state visits too: a pattern of many live states, and others
    budget = RegexBudget()
    compile_regex("[ab]*a[ab]{5}c", budget=budget).search("ab" * 20)
    assert 0 < budget.work < small_bounds.MAX_WORK
    with pytest.raises(gs.FormulaError, match="with the formula's other patterns"):
        for k in range(small_bounds.MAX_WORK // budget.work + 1):
            compile_regex(f"[ab]*a[ab]{{5}}c{k}", budget=budget).search("ab" * 20)


def test_a_long_pattern_is_quoted_cut():
    pattern = "(" + "|".join(f"x{k:04d}" for k in range(2_000)) + ")"  # (more than 5,000 states)
    with pytest.raises(gs.FormulaError) as e:
        compile_regex(pattern)
    assert "compiles to more than" in str(e.value) and len(str(e.value)) < 300


@pytest.mark.parametrize("depth", [MAX_GROUPS + 1, 5_000])
def test_groups_nested_too_deep_are_refused_by_name(depth):
    # 5,000 nested groups, 10,000 characters of a formula's string, raised Python's RecursionError (reported as the
    # formula nesting more deeply than Python's recursion allows, which it did not)
    pattern = "(" * depth + "a" + ")" * depth
    d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "g": ["a", "b", "a", "c"]})
    for term in (f'grepl("{pattern}", g)', f'nchar(gsub("{pattern}", "b", g))'):
        with pytest.raises(gs.FormulaError, match=f"nests groups more than {MAX_GROUPS} deep at position "
                                                  f"{MAX_GROUPS + 1}"):
            gs.glm(f"y ~ {term}", d)
    with pytest.raises(gs.FormulaError, match="nests groups"):
        gs.glm("y ~ 1", d, subset=f'grepl("{pattern}", g)')


def test_groups_as_deep_as_allowed_in_a_formula_as_deep_as_allowed():
    pattern = "(" * MAX_GROUPS + "a" + ")" * MAX_GROUPS
    d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "g": ["a", "b", "a", "c"]})
    depth = gs.FormulaLimits().max_depth - 4
    for term in (f'grepl("{pattern}", g)', f'nchar(gsub("{pattern}", "b", g))'):
        fit = gs.glm("y ~ I(" + "abs(" * depth + term + ")" * depth + ")", d)
        assert fit.coef.size == 2


def test_the_states_compiled_count_over_the_formula():
    # each pattern is bounded (5,000 states), not the formula's: 300 patterns of 4,846 states were compiled, and read
    big = "(a{255}){19}"  # (4,846 states)
    budget = RegexBudget()
    for k in range(regex.MAX_COMPILED // 4_846):
        compile_regex(f"{big}{k}", budget=budget)
    with pytest.raises(gs.FormulaError, match=f"with the formula's other patterns, compiles to more than "
                                              f"{regex.MAX_COMPILED:,} automaton states"):
        compile_regex(f"{big}x", budget=budget)
    d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "g": ["a", "b", "a", "c"]})
    terms = ", ".join(f'grepl("{big}{k}", g)' for k in range(regex.MAX_COMPILED // 4_846 + 1))
    with pytest.raises(gs.FormulaError, match="compiles to more than"):
        gs.glm(f"y ~ I(pmax({terms}))", d)
