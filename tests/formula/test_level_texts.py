"""A factor of numbers matched to a text -- ``factor(x) == "1"``, ``%in%``, ``ordered(x) < "2"``,
``relevel(factor(x), ref = "5")``, ``factor(x, levels = c(1, 2))`` -- as R matches it
(tests/fixtures/level_texts, ``make_level_texts.R``), and with the texts of only the few numbers near the text
written.

R's levels are ``as.character()`` of the values, 15 significant digits: ``factor(x) == "1"`` is TRUE where that
text is "1" (1 + 2e-16 too), and a text that is no value's ("1e5" for 1e+05, " 2", "02", "inf") matches
nothing.  glmstat wrote the text of every distinct value and compared them in a Python loop: on a million
distinct doubles each such term took 10-17 s of CPU, which a formula could repeat up to the design's limits.
Only the values within a unit of the 15th digit of the number a text reads as can be written as it, and only
theirs are written now: the work-count tests count the texts.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from conftest import FIXTURES
from glmstat.errors import FormulaError
from glmstat.formula import evaluate, functions, values
from glmstat.formula.data_columns import DataColumns
from glmstat.formula.evaluate import Evaluator
from glmstat.formula.frame import as_frame, column_names
from glmstat.formula.limits import DEFAULT_LIMITS
from glmstat.formula.parser import parse_expression

REF = json.loads((FIXTURES / "level_texts" / "r.json").read_text())
X = np.array([float.fromhex(v) for v in REF["x"]])


def _r_string(text: str) -> str:
    """``text`` as an R string literal in a formula (the fixture's texts have no quote or backslash)."""
    return '"' + text + '"'


def _value(expression: str, data: pd.DataFrame) -> values.Value:
    """What ``expression`` evaluates to on ``data``, as a model frame evaluates its terms."""
    df = as_frame(data)
    names, positions = column_names(df)
    ev = Evaluator(DataColumns(df, names, positions), {}, {}, "fit", DEFAULT_LIMITS)
    return ev.eval(parse_expression(expression))


def _logical(value: values.Value) -> list[bool]:
    assert isinstance(value, values.NumVec) and value.logical
    assert not np.isnan(value.values).any()
    return [bool(v) for v in value.values]


def test_the_fixture_s_values_are_its_levels():
    f = _value("factor(x)", pd.DataFrame({"x": X}))
    assert [values.label_text(lv) for lv in f.levels] == REF["levels"]


@pytest.mark.parametrize("i", range(len(REF["texts"])))
def test_equal_and_less_match_texts_as_r(i):
    text = REF["texts"][i]
    data = pd.DataFrame({"x": X})
    assert _logical(_value(f"factor(x) == {_r_string(text)}", data)) == REF["equal"][i]
    assert _logical(_value(f"factor(x) != {_r_string(text)}", data)) == [not v for v in REF["equal"][i]]
    if REF["less"][i] is None:  # (R: NA, not a level)
        with pytest.raises(FormulaError, match="needs an ordered factor and one of its levels"):
            _value(f"ordered(x) < {_r_string(text)}", data)
    else:
        assert _logical(_value(f"ordered(x) < {_r_string(text)}", data)) == REF["less"][i]


@pytest.mark.parametrize("i", range(len(REF["sets"])))
def test_in_matches_texts_as_r(i):
    items = "c(" + ", ".join(map(_r_string, REF["sets"][i])) + ")"
    data = pd.DataFrame({"x": X})
    assert _logical(_value(f"factor(x) %in% {items}", data)) == REF["member"][i]
    assert _logical(_value(f"x %in% {items}", data)) == REF["numeric_member"][i]


@pytest.mark.parametrize("i", range(len(REF["texts"])))
def test_relevel_finds_the_level_r_finds(i):
    text = REF["texts"][i]
    data = pd.DataFrame({"x": X})
    expression = f"relevel(factor(x), ref = {_r_string(text)})"
    if REF["relevel"][i] is None:  # (R: "'ref' must be an existing level")
        with pytest.raises(FormulaError, match=re.escape(f"ref = {_r_string(text)} is not a level")):
            _value(expression, data)
        return
    f = _value(expression, data)
    assert [values.label_text(lv) for lv in f.levels] == REF["relevel"][i]
    base = _value("factor(x)", data)
    assert [f.levels[c] for c in f.codes] == [base.levels[c] for c in base.codes]  # (every row keeps its value)


@pytest.mark.parametrize("i", range(len(REF["given_levels"])))
def test_given_levels_code_the_rows_as_r(i):
    given = REF["given_levels"][i]
    items = ", ".join(given if REF["given_numeric"][i] else map(_r_string, given))
    f = _value(f"factor(x, levels = c({items}))", pd.DataFrame({"x": X}))
    assert [values.label_text(lv) for lv in f.levels] == given
    assert f.codes.tolist() == REF["given_codes"][i]


# -- the work: texts written for the values near the text only -------------------------------------------

def _counted(monkeypatch) -> list[int]:
    """Count the texts and 15-digit keys of numbers written while the test runs (``number_text`` and
    ``number_level_key``, wherever they are called from)."""
    calls = [0]

    def counting(fn):
        def counted(*args, **kwargs):
            calls[0] += 1
            return fn(*args, **kwargs)
        return counted

    originals = {name: getattr(values, name) for name in ("number_text", "number_level_key")}
    for module in (values, functions, evaluate):
        for name, fn in originals.items():
            if hasattr(module, name):
                monkeypatch.setattr(module, name, counting(fn))
    return calls


def _many_distinct() -> pd.DataFrame:
    """50,000 distinct doubles -- 1, 2, 1 + 2e-16 (whose text is "1"), and others from 1e-9 to 1e-4 apart near 1
    and 2 -- and 50,000 distinct integers, 1, 2 and 5 first."""
    rng = np.random.default_rng(7)
    n = 50_000
    steps = np.arange(1, n // 2 - 1)
    x = rng.permutation(np.concatenate([1 + 1e-9 * steps * (-1) ** steps, 2 + 1e-4 * steps]))
    x = np.concatenate([[1.0, 2.0, 1 + 2e-16], x])
    others = rng.permutation(np.unique(rng.integers(10, 10**9, 2 * x.size)))[:x.size - 3]
    k = np.concatenate([[1, 2, 5], others])
    return pd.DataFrame({"x": x, "k": k})


@pytest.mark.parametrize("expression, check", [
    ("factor(x) == '1'", lambda r: _logical(r)[:3] == [True, False, True] and sum(_logical(r)) == 2),
    ("factor(x) %in% c('1', '2')", lambda r: _logical(r)[:3] == [True, True, True] and sum(_logical(r)) == 3),
    ("x %in% c('1', '2', 'a')", lambda r: _logical(r)[:3] == [True, True, True] and sum(_logical(r)) == 3),
    ("ordered(x) <= '1'", lambda r: _logical(r)[0] and not _logical(r)[1] and _logical(r)[2]),
    ("relevel(factor(k), ref = '5')", lambda f: values.label_text(f.levels[0]) == "5" and f.codes[2] == 0),
    ("factor(k, levels = c(1, 2, 3))", lambda f: f.codes[:3].tolist() == [0, 1, -1] and (f.codes[3:] == -1).all()),
    ("factor(k, levels = c('1', '5'))", lambda f: f.codes[:3].tolist() == [0, -1, 1]),
])
def test_matching_a_text_writes_the_texts_of_a_few_levels(monkeypatch, expression, check):
    data = _many_distinct()
    calls = _counted(monkeypatch)
    result = _value(expression, data)
    assert check(result)
    assert calls[0] <= 100, f"{calls[0]} texts written for {expression}"


def test_relevel_to_a_missing_level_is_refused_after_a_few_texts(monkeypatch):
    data = _many_distinct()
    calls = _counted(monkeypatch)
    with pytest.raises(FormulaError, match="ref = \"3\" is not a level"):
        _value("relevel(factor(k), ref = '3')", data)
    assert calls[0] <= 100


def test_relevel_to_a_number_that_is_no_position_names_its_level_after_a_few_keys(monkeypatch):
    data = _many_distinct()
    calls = _counted(monkeypatch)
    with pytest.raises(FormulaError, match=re.escape('for the level 1 write ref = "1"')):
        _value("relevel(factor(x), ref = 1 + 2e-16)", data)
    assert calls[0] <= 100
