"""A pandas Categorical's categories that no row uses (as ``pd.read_parquet`` reads a file's dictionary) are
levels of the factor until the model frame drops them, as in R (tests/fixtures/unused_levels,
``scripts/make_unused_levels.R``): ``relevel()`` by a level, by its position among all the levels and to an unused
level, and ``factor(levels = )``, whatever the number of unused categories (200,000 here: relevel() of a million
took 13 s, matched level by level) and whether the categories are Arrow-backed strings or Python objects."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "unused_levels" / "r.json").read_text())["fits"]
Y = [1.2, 0.7, 2.9, 2.1, 3.8, 2.6, 4.9, 3.7, 5.4, 4.1, 6.3, 5.2]


def _data(more: int, dtype: str) -> pd.DataFrame:
    """R's data: h's levels u1, a, b, c, u2 -- with ``more`` further unused categories after u2."""
    cats = pd.Index(["u1", "a", "b", "c", "u2"] + [f"v{i}" for i in range(more)], dtype=dtype)
    return pd.DataFrame({"y": Y, "x": np.arange(1.0, 13.0), "h": pd.Categorical(list("abc") * 4, categories=cats)})


@pytest.mark.parametrize("dtype", ["str", "object"])
@pytest.mark.parametrize("more", [0, 200_000])
@pytest.mark.parametrize("ref", REF, ids=[r["formula"] for r in REF])
def test_unused_categories_are_levels_until_the_model_frame_drops_them(ref, more, dtype):
    fit = gs.glm(ref["formula"], _data(more, dtype))
    assert len(fit.coef) == len(ref["coef"])
    assert_close(fit.coef.to_numpy(), ref["coef"], rtol=1e-9)
    assert_close(fit.deviance, ref["deviance"], rtol=1e-9)
    assert [n.rpartition("[T.")[2].rstrip("]") for n in fit.coef.index[2:]] == \
        [n[-1] for n in ref["coef_names"][2:]]


INT_REF = json.loads((FIXTURES / "unused_levels" / "r.json").read_text())["int_fits"]


@pytest.mark.parametrize("more", [0, 200_000])
@pytest.mark.parametrize("ref", INT_REF, ids=[r["formula"] for r in INT_REF])
def test_unused_integer_categories_are_levels_until_the_model_frame_drops_them(ref, more):
    """A Categorical of integers (levels 0 to 4, and ``more`` unused ones after): relevel() by a level's text and
    by its position is R's (relevel(k, ref = "2") of a million integer categories: 15 s and more)."""
    d = _data(0, "object").assign(k=pd.Categorical([1, 2, 3] * 4, categories=list(range(5 + more))))
    fit = gs.glm(ref["formula"], d)
    assert_close(fit.coef.to_numpy(), ref["coef"], rtol=1e-9)
    assert [n.rpartition("[T.")[2].rstrip("]") for n in fit.coef.index[2:]] == \
        [n[-1] for n in ref["coef_names"][2:]]
