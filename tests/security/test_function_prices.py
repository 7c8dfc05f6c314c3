"""Each formula function's price -- its passes over the rows (``functions.PASSES``, ``max_eval_work``) and the columns
of rows it holds (``evaluation_prices.held_columns``, ``max_design_bytes``) -- against what it was measured to cost.

Measured on a million rows in CPU time (a numpy addition 1 ns a row, a column 8 MB), these took 3 to 25 times their
price: R's sinpi(), cospi() and tanpi() (C's sin one value at a time, 80 to 110 ns a row, priced 32 passes), atan2()
(4 ns, priced 1), the summaries of a column (sd(), var(), IQR(), mad(): 10 to 25 ns, priced 1, bounded only by their
count, 64), an ifelse() of text (60 ns a row, one nested in another 310 for the two, priced 8 a call); choose(x, 40)
of a million distinct fractional x computed R's log-gamma in Python for each, 4.7 s where it was priced 0.5.  In
memory signif() held 18 columns of rows, x %/% 1e-5 16, round(x, 2) and lbeta() 9, sinpi() 7, ifelse(x > 3, "a", "b")
15 and a nested one 29, poly(x), bs(x) and ns(x) 7 to 9.6, where each was priced 3 to 5.  These tests count the
prices, never time, and measure memory with tracemalloc.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import expression_values, traced_evaluation
from glmstat.formula.date_steps import CODE_STEPS
from glmstat.formula.data_columns import DataColumns
from glmstat.formula.evaluate import Evaluator
from glmstat.formula.evaluation_prices import DISTINCT_BYTES, evaluation_passes
from glmstat.formula.frame import model_terms
from glmstat.formula.functions import DISTINCT_PASSES, PASSES
from glmstat.formula.limits import DEFAULT_LIMITS
from glmstat.formula.parser import parse_expression
from glmstat.formula.rows import variables_used

N = 20_000  # (three blocks of choose(), computed a block of rows at a time, 8,192 rows)


def _data(n: int = N) -> pd.DataFrame:
    k = np.arange(n) % 100
    days = np.array([str(np.datetime64("1900-01-01") + d) for d in range(60_000)], dtype=object)
    return pd.DataFrame({"x": k + 0.5, "z": np.linspace(0.01, 29.99, n), "g": (k % 7).astype(float),
                         "s": days[np.arange(n) % 60_000]})


def _evaluated(data: pd.DataFrame, text: str, limits: gs.FormulaLimits = DEFAULT_LIMITS,
               traced: bool = True) -> tuple[Evaluator, int]:
    """The evaluator after ``text`` is evaluated on ``data``, and the peak of the memory traced meanwhile."""
    return traced_evaluation(data, text, limits, traced)


@pytest.mark.parametrize("text, passes", [
    ("sinpi(x)", 128), ("cospi(x)", 128), ("tanpi(x)", 128), ("signif(x, 3)", 256), ("atan2(x, 2)", 8),
    ("tanh(x)", 8), ("x - mean(x)", 1 + 8), ("x / sd(x)", 1 + 16), ("x / var(x)", 1 + 16), ("x / IQR(x)", 1 + 32),
    ("x / mad(x)", 1 + 32),
    ('ifelse(x > 1, "a", "b")', PASSES[">"] + 64),                      # (an ifelse() of text: a factor's coding)
    ('ifelse(x > 1, 1, 0)', PASSES[">"] + PASSES["ifelse"]),           # (of numbers: np.where)
    ('ifelse(x > 2, "hi", ifelse(x < 1, "lo", "mid"))', 2 * PASSES[">"] + 2 * 64 + 64),
    ("poly(x)", PASSES["poly"] * 2), ("bs(x)", PASSES["bs"] * 2),    # (at least two columns' worth)
    ("poly(x, 10)", PASSES["poly"] * 10),
    # (a hash table of the rows, 9 to 75 ns a row, where np.unique's argsort took 150 to 270; 100,000 levels' texts,
    # 600 ns a row of reorder(g, x) on a million rows, count against max_text_chars)
    ("factor(x)", 96), ("relevel(x, 1)", 96), ("x %in% c(1)", 96), ("reorder(g, x)", 2 * 96),
    ("toupper(x)", 192), ("paste(x, g)", 2 * 256),  # (their texts' work on 100,000 distinct texts: 89 to 250 ns a row)
    # (a contrast, a summary or a flag named where a column could be is no column: C(x, sum) was priced as two)
    ("C(x, sum)", 96), ("C(x, contr.sum)", 96), ("C(object = x, contr = sum)", 96), ("ave(z, x, FUN = max)", 2 * 96),
    ("reorder(g, x, max)", 2 * 96), ("reorder(g, x, FUN = max, decreasing = TRUE)", 2 * 96),
])
def test_the_prices_measured_are_read_from_the_text(text, passes):
    assert evaluation_passes(parse_expression(text)) == passes


@pytest.mark.parametrize("text", [
    "signif(x, 3)", "signif(z, g)", "sinpi(z)", "cospi(z)", "tanpi(z)", "x %/% 1e-5", "x %% 1e-5", "z %% 7",
    "round(z, 2)", "lbeta(z, 2)", "beta(z, 2)", "pnorm(z)", "dnorm(z)", 'ifelse(x > 3, "a", "b")',
    'ifelse(x > 2, "hi", ifelse(x < 1, "lo", "mid"))', "poly(z)", "bs(z)", "ns(z, df = 10)", "addNA(z)",
    "as.Date(s)", "months(as.Date(s))", 'format(as.Date(s), "%d/%m")', 'cut(as.Date(s), "month")',
])
def test_what_a_function_holds_is_within_its_price(text):
    # (before: signif() 5.9 times its price, x %/% 1e-5 5.4, round(z, 2) and the ifelse() of text 3.2 to 5.8,
    # sinpi() 2.3, the basis transforms 1.8 to 3.2, the date functions 1.4 to 1.8)
    _evaluated(_data(100), text, traced=False)  # (the modules a function imports when first called are no rows')
    ev, peak = _evaluated(_data(120_000), text)  # (a block's scratch, 8,192 rows, is a part of 120,000 rows')
    priced = ev.held_bytes + ev.text_bytes
    assert peak <= 1.5 * priced, peak / priced


def test_the_values_computed_by_blocks_are_those_of_every_row_at_once():
    # (a block of rows at a time: the same numbers; R's: signif(123.456, 2) 120, sinpi(0.5) 1, 7.5 %/% 2 3,
    # -7.5 %% 2 0.5)
    x = np.concatenate([np.full(20_000, 123.456), np.full(20_000, 0.5), np.full(10_000, -7.5)])
    d = pd.DataFrame({"x": x})
    values = {text: expression_values(d, text) for text in ("signif(x, 2)", "sinpi(x)", "x %/% 2", "x %% 2")}
    assert np.array_equal(values["signif(x, 2)"][:20_000], np.full(20_000, 120.0))
    assert np.array_equal(values["sinpi(x)"][20_000:40_000], np.full(20_000, 1.0))
    assert np.array_equal(values["x %/% 2"][40_000:], np.full(10_000, -4.0))
    assert np.array_equal(values["x %% 2"][40_000:], np.full(10_000, 0.5))


def test_choose_prices_the_pairs_it_computes_in_python():
    # z: 20,000 distinct fractional numbers below k - 1, each choose(z, 40) a pair of R's log-gamma in Python
    ev, _ = _evaluated(_data(), "choose(z, 40)", traced=False)
    assert ev.work == N * PASSES["choose"] + N * 4096


@pytest.mark.parametrize("text", ["choose(z, 40)", "lchoose(z, 45)"])
def test_choose_of_distinct_pairs_past_the_work_is_refused(text):
    limits = gs.FormulaLimits(max_eval_work=4 * 10**7)  # (the rows' passes, 1e7, within it; 20,000 pairs past it)
    with pytest.raises(gs.FormulaError, match=rf"'{text.replace('(', '[(]').replace(')', '[)]')}' computes R's "
                                              r"log-gamma of [\d,]+ distinct pairs .* max_eval_work is 40,000,000"):
        _evaluated(_data(), text, limits, traced=False)


def test_choose_of_whole_numbers_or_small_k_takes_no_pair():
    # (R's product for k < 30, and whole n: no log-gamma of a pair)
    ev, _ = _evaluated(_data(), "choose(g, 40) + choose(z, 3)", traced=False)
    assert ev.work == N * (2 * PASSES["choose"] + 1)


def test_a_model_of_many_slow_terms_is_refused_before_it_is_evaluated():
    # 150 sinpi() of a million rows: 15 s of CPU time, priced 4.95e9 (within 5e9) before
    data = pd.DataFrame({"y": np.zeros(1_000_000), "x": np.zeros(1_000_000)})
    with pytest.raises(gs.FormulaError, match="max_eval_work"):
        gs.glm("y ~ I(" + " + ".join(["sinpi(x)"] * 150) + ")", data)


def test_the_distinct_values_sorted_are_priced_once_found():
    # z: 20,000 distinct numbers, each sorted once the rows' hash table has found them (a million distinct took 196 to
    # 350 ns a row of CPU time, priced 96 + 448), x: 100
    ev, _ = _evaluated(_data(), "factor(z)", traced=False)
    assert ev.work == N * PASSES["factor"] + N * DISTINCT_PASSES
    ev, _ = _evaluated(_data(), 'relevel(x, "1.5")', traced=False)
    assert ev.work == N * PASSES["relevel"] + 100 * DISTINCT_PASSES
    limits = gs.FormulaLimits(max_eval_work=N * PASSES["factor"] + 1_000)  # (the rows' passes within it)
    with pytest.raises(gs.FormulaError, match=r"'factor\(z\)' sorts the 20,000 distinct values of its rows on 20,000 "
                                              r"rows, .*max_eval_work is 1,921,000"):
        _evaluated(_data(), "factor(z)", limits, traced=False)


def _expect_work(formula: str, rows: int) -> int:
    """The work (rows x passes) the evaluator prices ``formula``'s variables at on ``rows`` rows, as a fit does before
    it evaluates any (refusing it past ``max_eval_work``): rows with no column, so none is built."""
    terms = model_terms(formula, (), DEFAULT_LIMITS)
    ev = Evaluator(DataColumns(pd.DataFrame(index=pd.RangeIndex(rows)), (), {}), {}, {}, "fit", DEFAULT_LIMITS)
    variables = [terms.response, *terms.offsets, *variables_used(terms)]
    ev.expect_work(variables)
    return rows * sum(evaluation_passes(v) for v in variables)


def test_three_factors_of_ten_million_rows_are_within_the_default_work():
    # (each factor() was priced 192 passes a row, for np.unique's sort of the rows: 5.76e9 past the 5e9 allowed; a
    # hash table of the rows takes some nanoseconds a row, functions.PASSES)
    work = _expect_work("y ~ factor(region) + factor(year) + factor(store)", 10**7)
    assert work == 3 * 10**7 * PASSES["factor"] <= DEFAULT_LIMITS.max_eval_work
    many = DEFAULT_LIMITS.max_eval_work // (10**7 * PASSES["factor"]) + 1  # (the fewest factor() calls past it)
    with pytest.raises(gs.FormulaError, match="max_eval_work"):
        _expect_work("y ~ " + " + ".join(f"factor(g{i})" for i in range(many)), 10**7)


_IDS = pd.DataFrame({"y": np.arange(200.0), "g": [f"id{i:05d}" for i in range(200)]})  # (7 characters each)


@pytest.mark.parametrize("pattern, replacement, groups", [(".", "x", 0), ("(.)", "\\\\1", 1), ("(((.)))", "\\\\3", 3)])
def test_the_matches_of_sub_and_gsub_count_with_the_characters_searched(pattern, replacement, groups):
    # each of the 1,400 characters a match: the characters read for its extent, 2 a match, and 8 and 2 a group for a
    # replacement of back-references (gsub("(((((.)))))", "\\5", g) of 100,000 ids took 8 s of CPU time, counted as
    # 900,000 characters of the 4 million allowed)
    from glmstat.formula.regex import FILL_CHARS, GROUP_CHARS, MATCH_CHARS

    ev, _ = _evaluated(_IDS, f'gsub("{pattern}", "{replacement}", g)', traced=False)
    budget = ev.regex_budget
    per_match = MATCH_CHARS + (FILL_CHARS + GROUP_CHARS * groups if groups else 0)
    assert budget.searched == 1_400 + 2 + budget.scanned + 1_400 * per_match  # (2: R's "NA", the missing rows' text)


def test_sub_and_gsub_past_the_characters_searched_are_refused_by_their_matches():
    # grepl() of the 1,400 characters is within a limit of 3,000; gsub()'s matches of the same texts are not
    limits = gs.FormulaLimits(max_regex_chars=3_000)
    _evaluated(_IDS, 'grepl("[0-9]", g)', limits, traced=False)
    with pytest.raises(gs.FormulaError, match=r"the matches of the pattern '\[0-9\]', with the texts the formula's "
                                              r"grepl\(\), sub\(\) and gsub\(\) calls search, take more than 3,000 "
                                              r"characters' work .*max_regex_chars is 3,000"):
        _evaluated(_IDS, 'gsub("[0-9]", "", g)', limits, traced=False)


_DISTINCT_ROWS = 120_000  # (u: as many distinct numbers, whose hash table and levels hold more than their rows')


def _distinct_data() -> pd.DataFrame:
    order = np.random.default_rng(1).permutation(_DISTINCT_ROWS)
    return pd.DataFrame({"u": order + 0.5, "x": order % 100 + 0.5, "z": np.linspace(0.0, 1.0, _DISTINCT_ROWS)})


@pytest.mark.parametrize("text", ['u %in% c("1.5")', 'is.element(u, c("1.5"))', 'x %in% c("1.5")', 'relevel(u, "1.5")',
                                  "reorder(x, z)", "factor(u)", "addNA(u)", "C(u, sum)"])
def test_what_the_distinct_values_of_a_column_hold_is_within_the_price(text):
    # (before, measured as here and on a million rows alike: u %in% c("1.5") 2.81 times its price, its values' texts
    # found in a tuple of a Python float each; relevel(u, "1.5") 1.71, reorder(x, z) 2.16, factor(u) 1.43)
    data = _distinct_data()
    _evaluated(data.iloc[:100], "factor(u)", traced=False)  # (the modules imported when first called are no rows')
    ev, peak = _evaluated(data, text)
    assert peak <= 1.5 * (ev.held_bytes + ev.text_bytes), peak / (ev.held_bytes + ev.text_bytes)


def test_the_memory_of_the_distinct_values_is_counted_once_found():
    data = _distinct_data()
    few, _ = _evaluated(data, "factor(x)", traced=False)
    many, _ = _evaluated(data, "factor(u)", traced=False)
    assert many.held_bytes - few.held_bytes == (_DISTINCT_ROWS - 100) * DISTINCT_BYTES
    limits = gs.FormulaLimits(max_design_bytes=few.held_bytes + 100 * DISTINCT_BYTES)  # (x's 100 values within it)
    _evaluated(data, "factor(x)", limits, traced=False)
    with pytest.raises(gs.FormulaError, match=r"'factor\(u\)' holds the 120,000 distinct values of its rows .*"
                                              r"max_design_bytes"):
        _evaluated(data, "factor(u)", limits, traced=False)


#: the steps of writing a date's text, "2024-01-31": its format's 8 characters and a date's codes (date_steps)
_DATE_STEPS = 8 + CODE_STEPS
_DATES = _data(2_000)  # (2,000 distinct days)


@pytest.mark.parametrize("text", ["factor(as.Date(s))", "as.factor(as.Date(s))", "ordered(as.Date(s))",
                                  "as.character(as.Date(s))", "paste(as.Date(s))", 'paste0("d", as.Date(s))',
                                  'sprintf("%s", as.Date(s))', "levels(factor(as.Date(s)))",
                                  'relevel(as.Date(s), "1900-01-05")', "C(as.Date(s), sum)"])
def test_the_texts_of_dates_count_as_the_date_functions_steps(text):
    # the levels of factor() of dates were written in Python, 6 microseconds each (a million distinct dates on a
    # million rows: 5.9 s, priced as 608 ns a row), counted nowhere: 2,000 distinct dates here, s's texts read first
    days = _DATES
    read, _ = _evaluated(days, "as.Date(s)", traced=False)
    ev, _ = _evaluated(days, text, traced=False)
    assert ev.date_steps - read.date_steps == 2_000 * _DATE_STEPS
    limits = gs.FormulaLimits(max_date_steps=read.date_steps + 2_000 * _DATE_STEPS - 1)
    with pytest.raises(gs.FormulaError, match="max_date_steps"):
        _evaluated(days, text, limits, traced=False)


def test_dates_of_a_million_rows_and_ten_years_are_well_within_the_date_steps():
    # (3,653 distinct days of ten years: their texts are 117,000 steps of the 6 million allowed, whatever the rows)
    days = pd.DataFrame({"s": [str(np.datetime64("2010-01-01") + d) for d in np.arange(10_000) % 3_653]})
    ev, _ = _evaluated(days, "factor(as.Date(s))", traced=False)
    read, _ = _evaluated(days, "as.Date(s)", traced=False)
    assert ev.date_steps - read.date_steps == 3_653 * _DATE_STEPS < DEFAULT_LIMITS.max_date_steps / 50


def test_the_levels_of_distinct_dates_are_within_the_price():
    # (their texts were priced nowhere: factor(as.Date(u)) of 20,000 distinct dates held 2.4 times its price, of a
    # million on a million rows 2.4 as well, 133.7 MB where it was priced 56)
    data = pd.DataFrame({"u": np.random.default_rng(1).permutation(20_000) + 0.5})
    _evaluated(data.iloc[:100], "factor(as.Date(u))", traced=False)  # (the modules imported when first called)
    ev, peak = _evaluated(data, "factor(as.Date(u))")
    assert peak <= 1.5 * (ev.held_bytes + ev.text_bytes), peak / (ev.held_bytes + ev.text_bytes)
