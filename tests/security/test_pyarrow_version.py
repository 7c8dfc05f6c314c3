"""A Parquet file from someone else is read only with a pyarrow that does not run code it holds.

pyarrow 0.14.0 to 14.0.0 unpickled the extension type (``arrow.py_extension_type``) a column of a Parquet or
IPC file declares: reading such a file ran the code of whoever wrote it (CVE-2023-47248).  The ``parquet``
extra asks for pyarrow 14.0.1 or later, but a pyarrow installed before, or for another package, is used as it
is; ``glm(formula, "file.parquet")`` and ``glmstat fit`` read with it.  Such a version is now refused before
any file is opened, unless ``pyarrow_hotfix`` (the fix for those versions) was imported.  The version is
patched here: the installed pyarrow is a safe one.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.cli import main
from glmstat.formula.readers import SAFE_PYARROW, _version

pa = pytest.importorskip("pyarrow")


@pytest.fixture
def parquet_file(tmp_path):
    path = tmp_path / "data.parquet"
    pd.DataFrame({"y": np.linspace(1.0, 3.0, 12), "x": np.arange(12.0)}).to_parquet(path)
    return path


@pytest.fixture
def old_pyarrow(monkeypatch):
    monkeypatch.setattr(pa, "__version__", "13.0.0")
    monkeypatch.delitem(sys.modules, "pyarrow_hotfix", raising=False)


def test_an_unsafe_pyarrow_is_refused_before_reading(parquet_file, old_pyarrow, monkeypatch):
    opened = []
    monkeypatch.setattr(pa.parquet, "ParquetFile", lambda *a, **k: opened.append(a) or 1 / 0)
    with pytest.raises(gs.MissingDependencyError, match=r"^reading Parquet files needs pyarrow 14\.0\.1 or later: "
                                                        r"pyarrow '13\.0\.0' runs code .*CVE-2023-47248"):
        gs.glm("y ~ x", str(parquet_file))
    assert opened == []


def test_the_command_line_refuses_it_in_one_line(parquet_file, old_pyarrow, capsys):
    code = main(["fit", "y ~ x", str(parquet_file), "--family", "gaussian"])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code == 1 and captured.out == "" and len(lines) == 1, lines
    assert lines[0].startswith("glmstat: error: ") and "CVE-2023-47248" in lines[0]


def test_with_the_hotfix_or_a_safe_version_the_file_is_read(parquet_file, old_pyarrow, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow_hotfix", types.ModuleType("pyarrow_hotfix"))
    assert gs.glm("y ~ x", str(parquet_file)).nobs == 12
    monkeypatch.delitem(sys.modules, "pyarrow_hotfix")
    monkeypatch.setattr(pa, "__version__", "14.0.1")
    assert gs.glm("y ~ x", str(parquet_file)).nobs == 12


@pytest.mark.parametrize("text, parsed", [("14.0.1", (14, 0, 1)), ("14.0.0", (14, 0, 0)), ("0.14.1", (0, 14, 1)),
                                          ("26.0.1", (26, 0, 1)), ("14.0.1.dev3+g1", (14, 0, 1)), ("15", (15, 0, 0)),
                                          ("14.0rc1", (14, 0, 0)), ("", (0, 0, 0)), ("x", (0, 0, 0))])
def test_versions_are_read_by_their_numbers(text, parsed):
    assert _version(text) == parsed
    assert (_version(text) >= SAFE_PYARROW) == (parsed >= (14, 0, 1))
