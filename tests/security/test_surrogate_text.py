"""Text that is not text: a string holding a lone surrogate (U+D800 to U+DFFF).

Python's JSON reader makes one of an escape such as ``"\\ud800"`` -- a web application's request body can hold
it anywhere -- and a file name decoded with ``surrogateescape`` holds them.  No UTF-8 writes such a string, and
R's strings cannot hold one.  Column names holding one were already refused; as a factor's level (an object
column, a ``string[python]`` column, a Categorical's category, a dict of columns, new data), in the formula's
text (a string literal, a backtick-quoted name), in the cluster values of ``robust()`` or as a model name of
``compare()``, one ended in a raw ``UnicodeEncodeError`` from pandas' Arrow-backed strings (the coefficient
names, a table's index) -- or in "data columns must all have the same length".  Each is now refused with a
GLMStatError naming the column or the position.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import glmstat as gs

Y = [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3, 5.4, 4.1, 6.3, 5.2]
X = [float(i) for i in range(12)]
LONE = ["a\ud800", "b", "c\udcff"] * 4
CLEAN = pd.DataFrame({"y": Y, "x": X, "g": list("abc" * 4)})
LEVEL = r"column 'g' holds a value that is not valid text \(a lone surrogate\): 'a\\ud800'; replace or drop it$"


def refused(call, cls: type, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(gs.GLMStatError) as info:
            call()
    assert isinstance(info.value, cls), f"{type(info.value).__name__}: {info.value}"
    assert re.search(match, str(info.value)), str(info.value)


@pytest.mark.parametrize("column", [
    lambda: pd.Series(LONE, dtype=object),
    lambda: pd.Series(LONE, dtype="string[python]"),
    lambda: pd.Categorical(pd.Series(LONE, dtype=object)),
], ids=["object", "string-python", "categorical"])
@pytest.mark.parametrize("formula,family", [("y ~ g", None), ("g ~ x", gs.Binomial())], ids=["predictor", "response"])
def test_a_level_that_is_not_text_is_refused(column, formula, family):
    data = CLEAN.assign(g=column())
    refused(lambda: gs.glm(formula, data, family=family), gs.DataError, "^" + LEVEL)


def test_a_dict_of_columns_and_new_data_holding_one_are_refused_by_column():
    refused(lambda: gs.glm("y ~ g", {"y": Y, "g": LONE}), gs.DataError, "^data " + LEVEL)
    fit = gs.glm("y ~ g", CLEAN)
    refused(lambda: fit.predict({"g": ["\udabc"]}), gs.DataError,
            r"^newdata column 'g' holds a value that is not valid text \(a lone surrogate\): '\\udabc'")
    refused(lambda: fit.predict(pd.DataFrame({"g": pd.Series(["\udabc"], dtype=object)})), gs.DataError,
            r"^column 'g' holds a value that is not valid text")


@pytest.mark.parametrize("formula,position", [
    ('y ~ relevel(g, ref = "\ud800")', 23), ('y ~ ifelse(g == "\ud800", 1, 0)', 18), ("y ~ `\ud800`", 6),
    ('y ~ factor(g, levels = c("a", "b", "c"), labels = c("\ud800", "q", "r"))', 54),
])
def test_a_formula_holding_one_is_refused_where_it_is(formula, position):
    # (positions count from 1, as the lexer's other messages)
    refused(lambda: gs.glm(formula, CLEAN), gs.FormulaError,
            rf"^cannot read the formula: the unexpected character U\+D800 \(a lone surrogate, not text\) at position "
            rf"{position}$")


def test_cluster_values_and_model_names_holding_one_are_refused():
    fit = gs.glm("y ~ x", CLEAN)
    refused(lambda: fit.robust(cluster=pd.Series(LONE, dtype=object)), gs.DataError,
            r"^cluster 'cluster' holds a value that is not valid text \(a lone surrogate\)")
    refused(lambda: gs.compare(fit, names=["\ud800"]), gs.GLMStatError,
            r"^model names must be text, got '\\ud800' \(a lone surrogate\)$")


def test_text_outside_the_basic_plane_is_text():
    # (a character beyond U+FFFF, which UTF-16 writes as a pair of surrogates, is text: an emoji level fits)
    fit = gs.glm("y ~ g", CLEAN.assign(g=["\U0001f600", "b", "c"] * 4))
    assert list(fit.coef.index) == ["Intercept", "g[T.c]", "g[T.\U0001f600]"]
