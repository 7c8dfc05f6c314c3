"""Work that the formula's functions do in Python, a step per distinct text or group rather than numpy's per row,
which ``max_eval_work`` (rows x passes) does not bound: the date functions' reading and writing
(``FormulaLimits.max_date_steps``), the texts of ``ave()``'s groups (20 times ``max_columns``, the formula's calls
together), and the pricing of the newer functions' passes over the rows.

Each attack is refused before the work it asks for is done: the functions that would do it are replaced by ones
that fail the test when called, so that the test asserts on what was counted, never on time.  Before the fixes:
``as.Date(day, format = "%Y-%m-%d" + 2,000 spaces)`` read 100,000 distinct dates in 17 s (white space in a format
matches any, so that every text walks the whole format); a format of 2,000 ``%B`` wrote 18 KB a date; ``ave()`` of
16 grouping variables on 100,000 rows of distinct values wrote 1.6 million texts (4 s), and a formula may call
it 64 times; ``ave(x, g, ...)`` was priced one pass an argument where it sorts each (6 s on a million rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.formula import date_functions, group_functions
from glmstat.formula.evaluation_prices import evaluation_passes
from glmstat.formula.parser import parse_expression

N = 400
DAYS = pd.DataFrame({"y": np.arange(N, dtype=float) % 7, "x": np.arange(N, dtype=float),
                     "day": pd.date_range("2001-01-01", periods=N, freq="D").strftime("%Y-%m-%d"),
                     "id": np.arange(N), "g": np.arange(N) % 3})


def _never(*args, **kwargs):
    raise AssertionError("the work was done before the refusal")


@pytest.fixture
def no_date_work(monkeypatch):
    monkeypatch.setattr(date_functions, "parse_date", _never)
    monkeypatch.setattr(date_functions, "format_date", _never)


def refused(formula: str, match: str, data=DAYS, **kwargs) -> str:
    with pytest.raises(gs.FormulaError, match=match) as info:
        gs.glm(formula, data, **kwargs)
    message = str(info.value)
    assert len(message) < 600, message  # (a format of 19,000 characters is cut in the message)
    return message


@pytest.mark.parametrize("formula", [
    'y ~ as.Date(day, format = "%Y-%m-%d' + " " * 19_000 + '")',  # (white space in a format matches any)
    'y ~ as.Date(day, format = "%Y' + "%b" * 6_000 + '")',  # (a name tries 24 spellings)
    'y ~ format(as.Date(x), "' + "%B" * 8_000 + '")',  # (18 KB a date written)
])
def test_a_long_format_is_refused_before_any_text_is_read_or_written(no_date_work, formula):
    message = refused(formula, "max_date_steps")
    assert "FormulaLimits(max_date_steps=...)" in message


def test_long_texts_are_counted_by_their_characters(no_date_work):
    data = DAYS.assign(day=[" " * 20_000 + d for d in DAYS.day])  # (spaces before a number are skipped)
    refused("y ~ as.Date(day)", "max_date_steps", data)


def test_the_date_calls_of_a_formula_are_counted_together():
    refused("y ~ " + " + ".join(f'format(as.Date(x + {k}), "' + "%Y" * 900 + '")' for k in range(10)),
            "max_date_steps")  # (each call 720,000 steps)


def test_the_steps_counted_are_the_work_of_an_ordinary_call():
    one = 2 * 10 * N + N * 16
    formula = "y ~ I(julian(as.Date(day)) + julian(as.Date(day)))"
    fit = gs.glm(formula, DAYS, limits=gs.FormulaLimits(max_date_steps=2 * one))
    assert fit.coef.size == 2
    refused(formula, "max_date_steps", limits=gs.FormulaLimits(max_date_steps=2 * one - 1))
    written = N * (len("%Y-%m-%d") + 24)  # (a date's table of codes once, then a step a character)
    gs.glm('y ~ format(as.Date(x), "%Y-%m-%d")', DAYS, limits=gs.FormulaLimits(max_date_steps=written))
    refused('y ~ format(as.Date(x), "%Y-%m-%d")', "max_date_steps", limits=gs.FormulaLimits(max_date_steps=written - 1))


@pytest.fixture
def no_group_texts(monkeypatch):
    monkeypatch.setattr(group_functions, "label_text", _never)


SMALL = gs.FormulaLimits(max_columns=10)  # (200 texts: 20 times max_columns)


@pytest.mark.parametrize("formula", [
    "y ~ I(ave(x, id %% 150, g))",  # (150 groups of 2 values)
    "y ~ I(ave(x, g, g, g, g, g, g, g, g, g, g, g, g, g, g, g, id %% 5))",  # (15 groups of 16)
])
def test_the_texts_of_ave_groups_are_counted_before_they_are_written(no_group_texts, formula):
    refused(formula, "max_columns", limits=SMALL)


def test_the_texts_of_a_formula_s_ave_groups_are_counted_together():
    refused("y ~ I(ave(x, id %% 150)) + I(ave(x, id %% 51))", "other ave", limits=SMALL)


def test_ave_within_the_texts_of_its_groups_fits():
    fit = gs.glm("y ~ I(ave(x, id %% 60, g)) + I(ave(x, id %% 80))", DAYS, limits=SMALL)  # (60 x 2 + 80 texts)
    assert fit.coef.size == 3


@pytest.mark.parametrize("expr, passes", [
    ("ave(x, g)", 2 * 96), ("ave(x, g, id)", 3 * 96), ("as.Date(day)", 64), ('format(as.Date(day), "%Y")', 2 * 64),
    ("months(as.Date(day))", 2 * 64), ("replace(x, x > 3, 0)", 2 * 8 + 8), ("rowSums(cbind(x, g))", 8 + 2 * 16),
    ("rowMeans(cbind(x, g, 1))", 8 + 2 * 16),
])
def test_the_newer_functions_are_priced_as_what_they_do(expr, passes):
    assert evaluation_passes(parse_expression(expr)) == passes


def test_ave_of_many_grouping_variables_is_refused_by_its_price():
    rows = 1_000_000
    passes = evaluation_passes(parse_expression("ave(x, " + ", ".join(["g"] * 16) + ")"))
    assert rows * passes * 5 > gs.FormulaLimits().max_eval_work  # (five such calls on a million rows: 30 s)


def _ids_parquet(tmp_path, rows: int, per_group: int, row_group: int):
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = np.arange(rows) // per_group
    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"y": (ids % 7).astype(float), "x": np.arange(rows, dtype=float), "id": ids}), path,
                   row_group_size=row_group)
    return str(path)


def test_ave_groups_of_every_chunk_together_are_bounded(tmp_path):
    # (chunks of 100 rows, 50 ids each, 500 in all: each chunk within the 200 groups, the file not; it gave the
    # model a table of a million groups, evaluated again with each pass over the chunks, in 50 s)
    path = _ids_parquet(tmp_path, 1_000, 2, 100)
    refused("y ~ I(ave(x, id))", "chunks of the data hold more than 200 groups together", path, limits=SMALL)
    fit = gs.glm("y ~ I(ave(x, id %% 150))", path, limits=SMALL)
    assert fit.coef.size == 2


def test_ave_parts_gathered_from_the_chunks_count_their_memory(tmp_path):
    # (every chunk's groups are held until the last is read: a dict was counted 32 bytes whatever it held)
    path = _ids_parquet(tmp_path, 1_000, 1, 100)
    one = 100 * (250 + 32 + 2)  # (a chunk's 100 groups: their entries and one text each of 1 to 3 characters)
    refused("y ~ I(ave(x, id %% 100))", "gathered from every chunk .* max_design_bytes", path,
            limits=gs.FormulaLimits(max_columns=10, max_design_bytes=5 * one))


def test_the_texts_as_date_learns_its_format_from_are_bounded_over_the_chunks(tmp_path):
    # (each chunk's texts are counted as it is evaluated, within the limit; the format was then learned from every
    # chunk's together, uncounted: a million distinct texts in chunks of 83,000 took 7 s, the fit 88 s)
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = np.arange(1_000) // 2
    path = tmp_path / "days.parquet"
    pq.write_table(pa.table({"y": (ids % 7).astype(float), "day": [f"2020-01-01 {i:04d}" for i in ids]}), path,
                   row_group_size=100)
    one = 2 * 15 + 16  # (a text of 15 characters read with R's two formats)
    limits = gs.FormulaLimits(max_date_steps=100 * one)  # (a chunk's 50 texts within, the 500 of the file not)
    refused("y ~ julian(as.Date(day))", "every chunk of the data, 500, .*max_date_steps", str(path), limits=limits)
    with pytest.warns(gs.AliasingWarning):  # (every text the same day)
        gs.glm("y ~ julian(as.Date(day))", str(path), limits=gs.FormulaLimits(max_date_steps=500 * one))


@pytest.mark.parametrize("texts", [["2020-01-01" + "a" * 100_000, "2020/01/02"], ["a" * 100_000, "b"]])
def test_a_text_as_date_cannot_read_is_cut_in_its_message(texts):
    message = refused("y ~ as.Date(s)", "give format", pd.DataFrame({"y": [1.0, 2], "s": texts}))
    assert "a" * 61 not in message


TEXTS = pd.DataFrame({"y": np.arange(10.0), "g": [f"{i}" + "ab" * 50 for i in range(10)]})  # (1,010 characters)


@pytest.mark.parametrize("name, formula", [
    ("max_text_chars", "y ~ I(nchar(toupper(g)) + nchar(tolower(g)))"),
    ("max_regex_chars", 'y ~ I(grepl("a", g) + grepl("b", g))'),
    ("max_regex_written", 'y ~ nchar(gsub("a", "aaaa", g))'),
])
def test_the_text_bounds_are_limits_a_refusal_names(name, formula):
    # (they were the modules' constants: a refusal said what was too large, and nothing could raise it)
    small = gs.FormulaLimits(**{name: 1_500})
    message = refused(formula, f"FormulaLimits\\({name}=...\\)", TEXTS, limits=small)
    assert f"the limit {name} is 1,500" in message
    with pytest.warns(gs.AliasingWarning):  # (each text gives the same count)
        gs.glm(formula, TEXTS, limits=gs.FormulaLimits(**{name: 10_000}))


def test_the_text_limits_keep_their_defaults():
    limits = gs.FormulaLimits()
    assert (limits.max_text_chars, limits.max_regex_chars, limits.max_regex_written, limits.max_date_steps) == (
        500_000_000, 4_000_000, 20_000_000, 6_000_000)


@pytest.fixture
def no_basis(monkeypatch):
    from glmstat.formula import basis_functions

    for name in ("_poly_coefs", "_poly_predict", "bspline_basis", "natural_spline_basis"):
        monkeypatch.setattr(basis_functions, name, _never)


@pytest.mark.parametrize("formula", [
    "y ~ pmax(poly(x, 100), 1)", "y ~ I(poly(x, 3) + 1)", "y ~ log(bs(x, df = 50))", "y ~ I(-poly(x, 2))",
    "y ~ x", "y ~ I(sqrt((splines::ns(x, df = 3))))",  # (the 'x' of the weights below)
])
def test_a_basis_as_an_argument_of_one_column_is_refused_before_it_is_computed(no_basis, formula):
    # (left open by the last review: pmax(poly(x, 100), 1) computed the basis, work the limits allow -- poly(x, 70)
    # of a million rows, 4 s -- before its value was refused)
    weights = "pmin(poly(x, 5), 2)" if formula == "y ~ x" else None
    refused(formula, "has several columns", weights=weights)


def test_a_basis_is_still_taken_where_a_basis_may_stand():
    for formula in ("y ~ poly(x, 3)", "y ~ I(poly(x, 2))", "y ~ unclass(poly(x, 2))", "y ~ as.vector(poly(x, 2))",
                    "y ~ ns(x, df = 3):factor(g)"):
        assert gs.glm(formula, DAYS).coef.size > 1


@pytest.mark.parametrize("formula", [
    "y ~ nchar(as.character(x))", 'y ~ I(paste(x, "a") == "1 a")', 'y ~ ifelse(x > 3, factor(x), "small")',
])
def test_the_texts_of_numbers_are_counted_by_their_work_before_any_is_written(monkeypatch, formula):
    # (R's 15 significant digits take some 20 microseconds a number: ten as.character(x + k) of 100,000 distinct
    # numbers took 27 s, each call within its bound on distinct values and the characters they made far within
    # the formula's; a number's text now counts NUMBER_TEXT_CHARS, before it is written)
    from glmstat.formula import functions, text_functions

    monkeypatch.setattr(text_functions, "r_text", _never)
    monkeypatch.setattr(functions, "r_text", _never)
    limits = gs.FormulaLimits(max_text_chars=300 * text_functions.NUMBER_TEXT_CHARS)  # (400 distinct numbers)
    refused(formula, "max_text_chars", limits=limits)


def test_the_texts_of_numbers_within_the_limit_are_written():
    from glmstat.formula.text_functions import NUMBER_TEXT_CHARS

    limits = gs.FormulaLimits(max_text_chars=500 * NUMBER_TEXT_CHARS)
    assert gs.glm("y ~ nchar(as.character(x))", DAYS, limits=limits).coef.size == 2
    refused("y ~ nchar(as.character(x)) + nchar(as.character(x + 1))", "max_text_chars", limits=limits)
