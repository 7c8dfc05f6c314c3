"""``grepl()``, ``startsWith()`` and ``endsWith()`` in formulas and ``subset=`` against R (tests/fixtures/grepl,
from scripts/make_grepl.R in a UTF-8 locale): 66 patterns -- POSIX classes, bracket expressions, anchors,
repetition counts, word edges, perl = TRUE's readings (ASCII classes), ignore.case and fixed -- over 38 awkward
texts (a newline, a tab, accents, ß, regex signs, the empty text, NA), row by row; five fits.  And the promise the
engine keeps: time linear in the text, whatever the pattern (the patterns that stall a backtracking engine), with its
bounds."""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, expression_values
from glmstat.formula.regex import MAX_STATES, compile_regex

REF = json.loads((FIXTURES / "grepl" / "ref.json").read_text())
TEXTS = REF["texts"]


def _r_call(case: dict) -> str:
    """The case as the formula's R call, the pattern escaped as R writes a string."""
    pattern = case["pattern"].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    args = "".join(f", {k} = {'TRUE' if v else 'FALSE'}" for k, v in (case["args"] or {}).items())
    return f'grepl("{pattern}", s{args})'


@pytest.mark.parametrize("case", REF["grepl"], ids=[_r_call(c) for c in REF["grepl"]])
def test_grepl_is_r_s_row_by_row(case):
    import pandas as pd

    got = expression_values(pd.DataFrame({"s": TEXTS}), _r_call(case))
    assert [bool(v) for v in got] == case["result"]


@pytest.mark.parametrize("case", REF["affixes"], ids=[f"{c['fun']}-{c['affix']!r}" for c in REF["affixes"]])
def test_starts_and_ends_with_are_r_s(case):
    import pandas as pd

    affix = case["affix"].replace("\\", "\\\\").replace("\n", "\\n")
    got = expression_values(pd.DataFrame({"s": TEXTS}), f'{case["fun"]}(s, "{affix}")')
    assert [None if np.isnan(v) else bool(v) for v in got] == case["result"]


def _cars():
    d = gs.load_dataset("mtcars").reset_index(drop=True)
    d["model"] = REF["models"]
    d.loc[4, "model"] = None  # (R's fixture: model[5] <- NA)
    return d


@pytest.mark.parametrize("case", REF["fits"], ids=[f"{c['formula']} | {c['subset']}" for c in REF["fits"]])
def test_fits_are_r_s(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        fit = gs.glm(case["formula"], _cars(), subset=case["subset"] or None)
    assert fit.nobs == case["nobs"]
    assert [int(i) + 1 for i in fit.rows_used] == case["rows"]
    np.testing.assert_allclose(fit.coef.to_numpy(), case["coef"], rtol=1e-10)


def test_a_term_of_a_missing_text_that_is_known_keeps_its_row():
    # R's grepl gives FALSE for NA, and na.omit keeps the row (the fixture's fit without subset=): so does glmstat
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.DroppedRowsWarning)
        fit = gs.glm('mpg ~ wt + grepl("^Merc", model)', _cars())
    assert fit.nobs == 32


@pytest.mark.parametrize("pattern, text", [
    ("(a+)+$", "a" * 100_000 + "!"), ("(a|a)*b", "a" * 100_000), ("(x+x+)+y", "x" * 100_000),
    ("(.*a){20}c", "a" * 20_000 + "b"), ("^(a|aa)*c$", "a" * 100_000),
])
def test_patterns_that_stall_backtracking_take_linear_time(pattern, text):
    # (Python's re takes exponential time on each: a backtracking engine tries every split of the run)
    start = time.process_time()
    assert compile_regex(pattern).search(text) is False
    assert time.process_time() - start < 5.0  # (about 0.05 s; the bound is the engine's, not a benchmark)


def test_state_sets_that_never_repeat_are_refused_midway():
    rng = np.random.default_rng(0)
    text = "".join(rng.choice(["a", "b"], 100_000))
    with pytest.raises(gs.FormulaError, match="keeps too many automaton states alive"):
        compile_regex("[ab]*a[ab]{200}c").search(text)


@pytest.mark.parametrize("pattern, message", [
    ("(.{0,255}){0,19}x", f"more than {MAX_STATES:,} automaton states"),
    ("a{256}", "counts go from 0 to 255"), ("a{3,2}", "counts go from 0 to 255"),
    ("\\1", "back-reference"), ("(?=a)", "look-around"), ("a**", "repeats a repetition"), ("a{2}+", "repeats a"),
    ("*a", "nothing to repeat"),
    ("(a", "without its ')'"), ("a)", "unmatched ')'"), ("[a", "without its ']'"),
    ("[[:nope:]]", "unknown character class"), ("[z-a]", "invalid range"), ("a{", "opens no repetition"),
    ("[[=a=]]", "collating element"), ("a\\", "ends with a backslash"),
])
def test_patterns_it_cannot_read_are_refused_by_name(pattern, message):
    with pytest.raises(gs.FormulaError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")
                       .replace("{", r"\{").replace("[", r"\[")):
        compile_regex(pattern)


@pytest.mark.parametrize("term, message", [
    ('grepl(model, model)', "the pattern must be one string written in the formula, e.g. .*got a value per row"),
    ('grepl("a", model, fixed = TRUE, ignore.case = TRUE)', "takes neither ignore.case"),
    ('grepl("a", model, perl = 1)', "perl must be TRUE or FALSE"),
    ('grepl("a", model, useBytes = TRUE)', "useBytes = TRUE is not supported"),
    ('startsWith(cyl, "4")', "x must be text"),
    ('endsWith(model, model)', "the suffix must be one string"),
])
def test_arguments_are_refused_by_name(term, message):
    with pytest.raises(gs.GLMStatError, match=message):
        gs.glm(f"mpg ~ {term}", _cars())


def test_a_perl_unknown_escape_is_an_error_where_tre_reads_the_letter():
    assert compile_regex("\\q").search("q")  # (TRE: an escaped letter it does not know is the letter)
    with pytest.raises(gs.FormulaError, match="the escape \\\\q"):
        compile_regex("\\q", perl=True)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import as_streamed

    d = _cars().dropna()
    formula, subset = 'mpg ~ wt + grepl("^M[a-z]+ ", model)', '!endsWith(model, "C")'
    mem = gs.glm(formula, d, subset=subset)
    streamed = gs.glm(formula, as_streamed(d, kind, tmp_path, rows=5), subset=subset)
    assert streamed.nobs == mem.nobs == 29  # (31 named cars, two of them ending in C)
    np.testing.assert_allclose(streamed.coef.to_numpy(), mem.coef.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize("pattern, matches", [
    # R 4.2: a count after a quantifier repeats the repetition (a+{2} is (a+){2}); "" "a" "aa" "aaa" "b"
    ("a*{2}", "11111"), ("a+{2}", "00110"), ("a{1}{2}", "00110"), ("a??", "11111"), ("a{2}?", "00110"),
    # TRE's word edges: both ends of the text are edges for \b, and \B never holds there
    ("\\b", "11111"), ("\\B", "00110"), ("a\\b", "01110"),
])
def test_tre_s_readings(pattern, matches):
    rx = compile_regex(pattern)
    assert "".join(str(int(rx.search(t))) for t in ["", "a", "aa", "aaa", "b"]) == matches


def test_starts_with_arguments_by_name_in_any_order():
    # (the prefix was read as the second argument given: by name first, it was x, refused as "not one string")
    d = pd.DataFrame({"s": ["ab", "ba", None]})
    got = expression_values(d, 'startsWith(prefix = "a", x = s)')
    np.testing.assert_array_equal(got, [1.0, 0.0, np.nan])


@pytest.mark.parametrize("pattern, text, ignore_case, want", [  # (R 4's grepl in a UTF-8 locale)
    ("İ", "i̇", True, True), ("İ", "i", True, True),   # (TRE: a letter's two cases, C's towlower and towupper)
    ("I", "ı", True, False), ("ı", "I", True, True),    # (the pattern's cases, not the text's: ı's upper is I)
    ("Σ", "ς", True, False), ("ς", "Σ", True, True),
    ("ǅ", "ǅ", True, False), ("ǅ", "ǆ", True, True), ("ǅ", "Ǆ", True, True),  # (a title case letter: not itself)
    ("[A-Z]", "ı", True, False), ("[[:lower:]]", "İ", True, True),  # (a class: the text's two cases)
    ("[[:upper:]]", "ǅ", False, True), ("[[:lower:]]", "ǅ", False, True),  # (glibc: both)
    ("[[:punct:]]", "x\u0301", False, True), ("[[:punct:]]", "\u00a0x", False, True),  # (glibc: graphic, no
    ("[[:punct:]]", "x\u200b", False, True), ("[[:punct:]]", "\u2028", False, False),  # letter, no digit)
    ("[[:punct:]]", "\u0660", False, False), ("ß", "SS", True, False), ("[a-z]", "\u212a", True, False),
])
def test_unicode_cases_and_classes_are_tre_s(pattern, text, ignore_case, want):
    # found by comparing 1,512 patterns and texts of case pairs, title case letters and marks with R: 21 differed
    # (the text's cases were tried for every character, with Python's full case mapping, İ.lower() of two)
    assert compile_regex(pattern, False, ignore_case).search(text) is want


@pytest.mark.parametrize("pattern, text, want", [  # (R 4's grepl in a UTF-8 locale: glibc's classes)
    ("[[:space:]]", "\u3000", True), ("\\s", "\u2028", True), ("[[:space:]]", "\u00a0", False),
    ("[[:space:]]", "\u202f", False), ("[[:space:]]", "\u0085", False), ("[[:blank:]]", "\u1680", True),
    ("[[:cntrl:]]", "\u2028", True), ("[[:print:]]", "\u2028", False), ("[[:print:]]", "\u3000", True),
    ("[[:graph:]]", "\u3000", False), ("[[:graph:]]", "\u00a0", True), ("[[:print:]]", "\u200b", True),
    ("[[:alpha:]]", "\u0660", True), ("[[:alpha:]]", "\u2170", True), ("[[:alpha:]]", "\u24b6", True),
    ("[[:alpha:]]", "\u093f", True), ("[[:alpha:]]", "\u0301", False), ("[[:punct:]]", "\u24b6", False),
    ("\\w", "\u00b2", False), ("\\w", "\u2080", False), ("[[:alnum:]]", "\u00bd", False), ("\\w", "\u0660", True),
    ("[[:punct:]]", "\u2080", True), ("\\bx", "\u00b2x", True),
])
def test_unicode_classes_are_glibc_s(pattern, text, want):
    # 17,976 classes and characters of every category compared with R: 193 differed (Python's isspace, isprintable
    # and isalnum are not glibc's), now 16 -- marks that do not space yet are Alphabetic (U+0941), whose Unicode
    # property Python does not carry
    assert compile_regex(pattern).search(text) is want
