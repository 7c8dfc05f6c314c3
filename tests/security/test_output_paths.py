"""``augment(path=...)`` never writes over the data it reads.

A fit to Parquet files writes its augmented rows block by block as it reads them.  Given the path of a file the
fit reads -- by its name, through a symbolic link or a hard link -- the writer cut the file short at the first
block: a later row group then read as "damaged" data (a DataError after the data was gone), or, when the fit
kept its rows in memory, the data file was replaced without a word.  A dask fit wrote its part files into a
directory as it was: into the directory its data was read from, it replaced the data; into the directory of an
earlier ``augment``, the earlier table's extra part files stayed, and reading the directory gave their rows
too (10,000 rows for a 5,000-row fit).  Both are refused before anything is written.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
import glmstat.design.chunked as chunked

pytest.importorskip("pyarrow")

N = 4000


def _rows(seed: int, n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": rng.poisson(np.exp(0.3 * x))})


def _digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture(params=["kept", "read-again"])
def keep(request, monkeypatch):
    """The fit keeps its rows in memory after the first pass, or (KEEP_BYTES 0) reads the files every pass."""
    if request.param == "read-again":
        monkeypatch.setattr(chunked, "KEEP_BYTES", 0)
    return request.param


@pytest.mark.parametrize("how", ["same name", "symlink", "hard link", "second file of a directory"])
def test_augment_refuses_a_file_the_fit_reads(tmp_path, keep, how):
    data = tmp_path / "data"
    data.mkdir()
    for k in range(2 if how == "second file of a directory" else 1):
        _rows(k).to_parquet(data / f"{k}.parquet", row_group_size=500)
    source = data if how == "second file of a directory" else data / "0.parquet"
    victim = data / ("1.parquet" if how == "second file of a directory" else "0.parquet")
    target = {"symlink": tmp_path / "link.parquet", "hard link": tmp_path / "hard.parquet"}.get(how, victim)
    if how == "symlink":
        target.symlink_to(victim)
    elif how == "hard link":
        os.link(victim, target)
    before = _digest(victim)
    fit = gs.glm("y ~ x", str(source), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match=r"^path='.*' is the Parquet file '.*\.parquet' this fit reads its "
                                              r"rows from: writing it would destroy the data"):
        fit.augment(path=str(target))
    assert _digest(victim) == before  # (was: the augmented table, or half of it)
    # the fit still reads its data, and writes elsewhere
    out = pd.read_parquet(fit.augment(path=str(tmp_path / "augment.parquet")))
    assert len(out) == (2 if how == "second file of a directory" else 1) * N
    np.testing.assert_allclose(out["fitted"].to_numpy(), fit.fitted_values.to_numpy(), rtol=1e-12)


def test_augment_of_a_parquet_fit_overwrites_another_file(tmp_path):
    """A file that is not the data is written over, as to_parquet writes over it."""
    _rows(0).to_parquet(tmp_path / "data.parquet")
    _rows(1, 10).to_parquet(tmp_path / "old.parquet")
    fit = gs.glm("y ~ x", str(tmp_path / "data.parquet"), family=gs.Poisson())
    assert len(pd.read_parquet(fit.augment(path=str(tmp_path / "old.parquet")))) == N


@pytest.fixture
def dd():
    return pytest.importorskip("dask.dataframe")


def test_dask_augment_refuses_the_directory_of_its_data(tmp_path, dd):
    data = tmp_path / "data"
    dd.from_pandas(_rows(0), npartitions=4).to_parquet(str(data))
    before = {p.name: _digest(p) for p in data.iterdir()}
    fit = gs.glm("y ~ x", dd.read_parquet(str(data)), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match=r"^path='.*data' is a directory that already holds files"):
        fit.augment(path=str(data))
    assert {p.name: _digest(p) for p in data.iterdir()} == before  # (was: the part files written over)


def test_dask_augment_refuses_a_directory_an_earlier_table_filled(tmp_path, dd):
    out = tmp_path / "out"
    four = gs.glm("y ~ x", dd.from_pandas(_rows(0), npartitions=4), family=gs.Poisson())
    two = gs.glm("y ~ x", dd.from_pandas(_rows(1, N // 2), npartitions=2), family=gs.Poisson())
    assert len(pd.read_parquet(four.augment(path=str(out)))) == N
    with pytest.raises(gs.GLMStatError, match="already holds files"):
        two.augment(path=str(out))  # (was: written, and the directory read back as N rows, not N / 2)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert len(pd.read_parquet(two.augment(path=str(empty)))) == N // 2


@pytest.mark.parametrize("where", ["memory", "parquet"])
@pytest.mark.parametrize("path,match", [
    ("http://127.0.0.1:9/out.parquet", r"names a URL or another file system \('http:'\)"),
    ("mock:out.parquet", r"names a URL or another file system \('mock:'\)"),
    ("simplecache::file:///{tmp}/out.parquet", r"names a URL or another file system \('simplecache::file:'\)"),
    ("file://{tmp}/out.parquet", r"names a URL or another file system \('file:'\)"),
    ("~/out.parquet", r"glmstat reads a path as written and does not expand a leading ~"),
], ids=["http", "pyarrow-scheme", "fsspec-chain", "file-url", "home"])
def test_augment_writes_a_local_path_as_written(tmp_path, monkeypatch, where, path, match):
    """The writers read more than a path: pandas handed 'http://...' to urllib (a connection opened) and 's3://...'
    to fsspec (the bucket's region looked up over the network), pyarrow's writer of a streamed fit took any
    'scheme:' that is no local file for its file systems ('mock:' wrote into memory and returned the path, 'hdfs:'
    loaded the JVM), and both expanded '~' to the home directory, where glmstat's checks of the path (the fit's
    data file, a named pipe) and its readers read it as written."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    _rows(0, 200).to_parquet(tmp_path / "data.parquet")
    fit = gs.glm("y ~ x", _rows(0, 200) if where == "memory" else str(tmp_path / "data.parquet"),
                 family=gs.Poisson())
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(gs.GLMStatError, match=r"^path='.*': " + match):
        fit.augment(path=path.format(tmp=str(tmp_path).lstrip("/")))
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # (nothing written, here or at home)


def test_a_local_name_with_a_colon_is_refused_with_its_local_spelling(tmp_path, monkeypatch):
    """'notes:v2.parquet' reads as the scheme 'notes:' (pyarrow's file systems take any): refused, the message
    giving './notes:v2.parquet', which names the local file and is written there."""
    monkeypatch.chdir(tmp_path)
    fit = gs.glm("y ~ x", _rows(0, 200), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match=r"^path='notes:v2.parquet': .* e\.g\. './notes:v2.parquet' for a file"):
        fit.augment(path="notes:v2.parquet")
    with pytest.raises(gs.GLMStatError, match=r"give a path on this machine$"):
        fit.augment(path="http://127.0.0.1:9/out.parquet")  # (no './http://...')
    assert len(pd.read_parquet(fit.augment(path="./notes:v2.parquet"))) == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes:v2.parquet"]
