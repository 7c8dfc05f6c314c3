"""NA among ``factor()``'s ``levels =`` with ``exclude = NULL`` (or an ``exclude =`` that does not name NA):
R's NA level at its place -- first (the reference), in the middle or last -- which the rows missing x take, the
rows of values ``levels =`` does not name missing; an NA level no row takes is dropped, as R's glm drops unused
levels; new data missing x are predicted at it.  glmstat refused it ("levels holds NA, which is no level here"),
where only addNA() made an NA level, last.  Met by the randomized comparison of the formula coder with R (beside
seed 1506).  Reference: R 4.2, tests/fixtures/scripts/make_na_level_at_place.R."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "na_level_at_place" / "na_level_at_place.json").read_text())


def _r_name(name: str) -> str:
    """glmstat's column name as R's model.matrix writes it: the level's brackets (the last of a variable, before
    ':' or the end) dropped, a logical's level as TRUE -- not the brackets of a subscript inside the label."""
    name = name.replace("[T.True]", "TRUE").replace("[T.False]", "FALSE")
    return "(Intercept)" if name == "Intercept" else re.sub(r"\[(?:T\.)?([^\[\]]*)\](?=:|$)", r"\1", name)


def _data() -> pd.DataFrame:
    d = pd.DataFrame(REF["data"]).astype({"x": float, "k": float, "y": float})
    d["g"] = pd.Categorical(d["g"], categories=["a", "b", "c"])
    d["lg"] = pd.array(d["lg"], dtype="boolean")
    return d


@pytest.mark.parametrize("case", REF["fits"], ids=lambda c: c["formula"][4:])
def test_na_level_stands_where_levels_put_it(case):
    fit = gs.glm(case["formula"], _data())
    assert [_r_name(c) for c in fit.column_names] == case["columns"]
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)
    assert fit.nobs == case["nobs"]


def test_new_rows_missing_x_are_predicted_at_the_na_level():
    fit = gs.glm('y ~ x + factor(g, levels = c("b", NA, "a", "c"), exclude = NULL)', _data())
    new = pd.DataFrame({"x": REF["new"]["x"], "g": pd.Categorical(REF["new"]["g"], categories=["a", "b", "c"])})
    assert_close(np.asarray(fit.predict(new)), REF["predict"], rtol=1e-9)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
@pytest.mark.parametrize("formula", ['y ~ x + factor(g, levels = c("b", NA, "a", "c"), exclude = NULL)',
                                     "y ~ factor(k, levels = c(3, NA, 1), exclude = NULL) * x"])
def test_streamed_fits_are_the_in_memory_fit(kind, formula, tmp_path):
    from streamed_cases import assert_streamed_is_in_memory

    # (chunks of 7 rows: some hold no missing g or k)
    assert_streamed_is_in_memory(formula, _data(), kind, tmp_path, rows=7, rtol=1e-10)
