"""A directory or glob given as data lists at most ``FormulaLimits.max_listed`` directory entries.

A path string can come from someone else as a formula can: ``"/**/*.parquet"`` walked every directory of the
file system (8 s on a development machine, minutes on a server) before the fit refused the files it found; a
directory given as data is looked through for Parquet files in its subdirectories, as far down as they go.
The entries are counted as they are listed, so the count is exact: a layout of ``k`` subdirectories of ``m``
entries each lists ``k`` entries at the top and ``k * m`` below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

pytest.importorskip("pyarrow")

SUBDIRS, FILES, NOTES = 3, 1, 4  # each subdirectory: one Parquet file and four other files
LISTED = SUBDIRS + SUBDIRS * (FILES + NOTES)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    x = rng.normal(size=90)
    return pd.DataFrame({"x": x, "y": 1.0 + 2.0 * x + rng.normal(size=90)})


@pytest.fixture(scope="module")
def tree(frame, tmp_path_factory):
    """``top/part{i}/`` holding ``rows.parquet`` and four notes, and ``flat/`` holding the three files alone."""
    top = tmp_path_factory.mktemp("listing")
    (top / "flat").mkdir()
    for i in range(SUBDIRS):
        d = top / "tree" / f"part{i}"
        d.mkdir(parents=True)
        frame.iloc[i * 30:(i + 1) * 30].to_parquet(d / "rows.parquet")
        frame.iloc[i * 30:(i + 1) * 30].to_parquet(top / "flat" / f"rows{i}.parquet")
        for k in range(NOTES):
            (d / f"note{k}.txt").write_text("not data")
    return top


@pytest.mark.parametrize("pattern", ["*/*.parquet", "**/*.parquet"])
def test_a_glob_lists_at_most_max_listed_entries(pattern, frame, tree):
    source = str(tree / "tree" / pattern)
    fit = gs.glm("y ~ x", source, limits=gs.FormulaLimits(max_listed=LISTED))
    assert fit.nobs == len(frame)
    np.testing.assert_allclose(fit.coef, gs.glm("y ~ x", frame).coef, rtol=1e-10)
    with pytest.raises(gs.FormulaError, match=f"lists more directory entries than allowed: {LISTED:,}, where the "
                                              f"limit max_listed is {LISTED - 1:,}; .*FormulaLimits\\(max_listed="):
        gs.glm("y ~ x", source, limits=gs.FormulaLimits(max_listed=LISTED - 1))


def test_a_directory_is_looked_through_within_max_listed_entries(tree):
    """The search for nested Parquet files is bounded: a deep tree is refused by the limit, not walked."""
    with pytest.raises(gs.FormulaError, match="max_listed is 5;"):
        gs.glm("y ~ x", str(tree / "tree"), limits=gs.FormulaLimits(max_listed=5))
    with pytest.raises(gs.DataError, match="has Parquet files in subdirectories"):  # (within it: the old refusal)
        gs.glm("y ~ x", str(tree / "tree"), limits=gs.FormulaLimits(max_listed=LISTED))


def test_a_directory_of_files_lists_each_once(frame, tree):
    fit = gs.glm("y ~ x", str(tree / "flat"), limits=gs.FormulaLimits(max_listed=SUBDIRS))
    assert fit.nobs == len(frame)
    with pytest.raises(gs.FormulaError, match="max_listed is 2;"):
        gs.glm("y ~ x", str(tree / "flat"), limits=gs.FormulaLimits(max_listed=SUBDIRS - 1))


def test_new_data_given_as_a_glob_is_listed_within_the_fits_limit(frame, tree):
    fit = gs.glm("y ~ x", frame, limits=gs.FormulaLimits(max_listed=LISTED - 1))
    with pytest.raises(gs.FormulaError, match="max_listed"):
        fit.predict(str(tree / "tree" / "**" / "*.parquet"))
    wide = gs.glm("y ~ x", frame, limits=gs.FormulaLimits(max_listed=LISTED))
    got = wide.predict(str(tree / "tree" / "**" / "*.parquet"))
    np.testing.assert_allclose(np.asarray(got), np.asarray(wide.predict(frame)), rtol=1e-12)


def test_max_listed_is_a_positive_integer():
    with pytest.raises(gs.FormulaError, match="max_listed must be a positive integer"):
        gs.FormulaLimits(max_listed=0)
