"""relevel() on streamed data: the level order is decided over every chunk, as on all the rows at once.

The shared data's level l99 occurs only in the last row group (the last partition): the other chunks cannot
relevel to it, and their own levels differ.  Before, a chunk without the reference level was refused ("not a
level"), and with ref = a position each chunk counted in its own levels, which silently fitted another
reference level (the coefficients of another model)."""

from __future__ import annotations

import pandas as pd
import pytest

import glmstat as gs
from streamed_cases import assert_same_fit, data, fit, row_groups

pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data()


@pytest.fixture(scope="module")
def path(frame, tmp_path_factory) -> str:
    return row_groups(frame, tmp_path_factory.mktemp("relevel"))


@pytest.mark.parametrize("formula", ['count ~ x1 + relevel(factor(g), ref = "l99") + h',
                                     'count ~ x1 + relevel(g, "l03") + relevel(h, ref = "c")'])
def test_relevel_to_a_level_some_chunks_lack(formula, frame, path):
    mem = fit(formula, frame, gs.Poisson(), None)
    streamed = fit(formula, path, gs.Poisson(), None)
    assert_same_fit(streamed, mem, path, frame)
    # the reference level is the one named: its column is the one missing
    assert not any("l99]" in c for c in streamed.column_names if formula.count("l99"))


def test_relevel_to_a_position_is_refused_when_chunks_hold_different_levels(frame, path):
    formula = "count ~ x1 + relevel(factor(g), ref = 2)"
    assert fit(formula, frame, gs.Poisson(), None).column_names[2].endswith("[T.l00]")  # in memory, as R
    with pytest.raises(gs.DataError, match="relevel\\(\\) with a level's position needs the levels of all the rows"):
        fit(formula, path, gs.Poisson(), None)


@pytest.mark.parametrize("variable", ["g", "h"])  # chunks with different levels, and with the same ones
def test_a_level_no_chunk_holds_is_refused(variable, path):
    with pytest.raises(gs.DataError, match='ref = .zz. is not a level in any chunk'):
        fit(f'count ~ relevel(factor({variable}), ref = "zz")', path, gs.Poisson(), None)
