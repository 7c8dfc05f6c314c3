"""The Parquet files a directory or a glob given as data names are at most ``FormulaLimits.max_files`` (5,000),
refused naming the data and the count once they are listed, before any is opened.

Each file costs every fit its opening, its footer and schema, and a check and a read at every pass however few its
rows, some 1.3 ms of CPU time: a directory of 20,000 copies of one 763-byte file of two rows (15 MB, their footers
14 MB together, within ``max_footer_bytes``) took 26 s of CPU time (51 s on a loaded machine) to fit ``y ~ x``.
"""

from __future__ import annotations

import pandas as pd
import pytest

import glmstat as gs
from glmstat.errors import DataError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "parts"
    d.mkdir()
    for k in range(12):
        pq.write_table(pa.table({"y": [float(k % 3), 1.0], "x": [float(k), 0.5 * k]}), d / f"part{k:02d}.parquet")
    return d


@pytest.fixture
def unopened(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a file was opened")

    monkeypatch.setattr(pq, "ParquetFile", fail)


def test_the_default_bound():
    assert gs.FormulaLimits().max_files == 5_000


@pytest.mark.parametrize("glob", [False, True], ids=["directory", "glob"])
def test_more_files_than_the_bound_are_refused_unopened(folder, unopened, glob):
    data = str(folder / "*.parquet") if glob else str(folder)
    with pytest.raises(DataError, match=r"parts.* 12 Parquet files.*max_files of 11.*FormulaLimits\(max_files="):
        gs.glm("y ~ x", data, limits=gs.FormulaLimits(max_files=11))


def test_files_within_the_bound_are_read(folder):
    fit = gs.glm("y ~ x", str(folder), limits=gs.FormulaLimits(max_files=12))
    assert fit.df_residual == 22


def test_new_data_is_bounded_too(folder):
    fit = gs.glm("y ~ x", pd.DataFrame({"y": [0.0, 1, 2, 1, 0], "x": [1.0, 2, 3, 4, 5]}),
                 limits=gs.FormulaLimits(max_files=11))
    with pytest.raises(DataError, match=r"newdata.* 12 Parquet files.*max_files of 11"):
        fit.predict(str(folder))
