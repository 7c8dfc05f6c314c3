"""Integer columns beyond 2^53 (ids such as 9007199254740993): a double holds every integer up to 2^53 and only
some beyond, so neighbouring ids read as one number.  ``factor(id)`` of four distinct ids made two levels,
``id == k`` and ``id %% 2`` answered for another id, silently.  Such a column is still a number where rounding
it does not matter (``y ~ id``, ``id > k``), and is refused, with the column and a value named, where it would
merge distinct values.  (R has no 64-bit integers: it reads such ids as doubles, merged.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

BIG = 2 ** 53  # the first integer whose neighbour above is not a double: 2^53 + 1 reads as 2^53


def _data(ids) -> pd.DataFrame:
    return pd.DataFrame({"id": ids, "y": np.arange(20.0) % 7})


INEXACT = {
    "int64": np.array([BIG, BIG + 1, BIG + 2, BIG + 3] * 5, dtype=np.int64),
    "Int64": pd.array([BIG, BIG + 1, None, BIG + 3] * 5, dtype="Int64"),
    "int64-max": np.array([2 ** 63 - 1, 2 ** 63 - 2, 5, 6] * 5, dtype=np.int64),
    "uint64-max": np.array([2 ** 64 - 1, 2 ** 64 - 2, 5, 6] * 5, dtype=np.uint64),
}


@pytest.mark.parametrize("kind", list(INEXACT))
@pytest.mark.parametrize("formula", ["y ~ factor(id)", "y ~ C(id, sum)", "y ~ relevel(factor(id), ref = 2)",
                                     "y ~ I(id == 5)", "y ~ I(id != 5)", "y ~ I(id %in% c(1, 2))", "y ~ I(id %% 2)",
                                     "y ~ I(id %/% 2)"])
def test_operations_that_need_exact_integers_are_refused(kind, formula):
    with pytest.raises(gs.DataError, match=r"the column 'id' holds integers beyond 2\^53 .*\(\d+ reads as \d+\)"):
        gs.glm(formula, _data(INEXACT[kind]))


def test_the_first_merged_id_is_named():
    with pytest.raises(gs.DataError, match=r"\(9007199254740993 reads as 9007199254740992\)"):
        gs.glm("y ~ factor(id)", _data(INEXACT["int64"]))


@pytest.mark.parametrize("formula", ["y ~ id", "y ~ I(id > 2)", "y ~ log(id)"])
def test_uses_that_rounding_does_not_change_still_fit(formula):
    fit = gs.glm(formula, _data(INEXACT["int64"]))
    assert fit.converged


def test_integers_that_doubles_hold_are_levels_of_their_own():
    # beyond 2^53 too: even numbers up to 2^54 are doubles
    ids = np.array([BIG, BIG + 2, BIG + 4, -BIG - 2] * 5, dtype=np.int64)
    fit = gs.glm("y ~ factor(id)", _data(ids))
    assert len(fit.coef) == 4
    fit = gs.glm("y ~ factor(id)", _data(INEXACT["int64"].astype(str)))  # as strings, every id is a level
    assert len(fit.coef) == 4


def test_streamed_and_new_data_are_refused_too(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "ids.parquet"
    _data(INEXACT["int64"]).to_parquet(path, row_group_size=4)
    with pytest.raises(gs.DataError, match="beyond 2\\^53"):
        gs.glm("y ~ factor(id)", str(path))
    fit = gs.glm("y ~ I(id == 3)", _data(np.array([1, 2, 3, 4] * 5, dtype=np.int64)))
    with pytest.raises(gs.DataError, match="beyond 2\\^53"):
        fit.predict(pd.DataFrame({"id": np.array([BIG + 1, 3], dtype=np.int64)}))
