"""Progress of long fits: iteration, deviance and rows per second on standard error or in a notebook,
shown after a few seconds by default, always with progress=True, never with progress=False."""

from __future__ import annotations

import sys
import types

import pytest

import glmstat as gs
import glmstat.api as api_module
from glmstat.report import progress as progress_module


@pytest.fixture
def data():
    return gs.load_dataset("students_overlap")


def test_progress_true_reports_every_iteration(data, capsys):
    f = gs.glm("passed ~ hours", data, family=gs.Binomial(), progress=True)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) >= f.iterations
    first = lines[0]
    assert first.startswith("IRLS iteration 1: deviance ") and f"{f.nobs:,} rows" in first and "rows/s" in first
    assert f"deviance {f.trace['deviance'].iloc[0]:.4g}," in first


def test_a_bias_reduced_fit_reports_its_own_iterations(data, capsys):
    f = gs.glm("passed ~ hours", data, family=gs.Binomial(), method="firth", progress=True)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == f.iterations
    assert all(line.startswith(f"Firth iteration {k}: deviance ") for k, line in enumerate(lines, 1))


def test_short_fits_show_nothing_by_default_and_false_never(data, capsys, monkeypatch):
    gs.glm("passed ~ hours", data, family=gs.Binomial())
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(progress_module, "AFTER_SECONDS", 0.0)  # every fit is now "long"...
    gs.glm("passed ~ hours", data, family=gs.Binomial())  # ...but a design this small is never watched
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(api_module, "_SMALL_CELLS", 0)  # ...unless it counts as large
    gs.glm("passed ~ hours", data, family=gs.Binomial(), progress=False)
    assert capsys.readouterr().err == ""
    gs.glm("passed ~ hours", data, family=gs.Binomial())
    assert "IRLS iteration 1" in capsys.readouterr().err


def test_progress_in_a_notebook_updates_one_output(data, monkeypatch, capsys):
    updates: list[str] = []

    class Handle:
        def update(self, text):
            updates.append(text)

    class ZMQInteractiveShell:  # the class name Jupyter kernels use
        pass

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: ZMQInteractiveShell()
    display = types.ModuleType("IPython.display")
    display.display = lambda obj, display_id=False: Handle()
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    f = gs.glm("passed ~ hours", data, family=gs.Binomial(), progress=True)
    assert len(updates) >= f.iterations and updates[0].startswith("IRLS iteration 1")
    assert capsys.readouterr().err == ""


def test_progress_must_be_none_or_a_bool(data):
    with pytest.raises(gs.FitError, match="progress must be None, True or False, got 'yes'"):
        gs.glm("passed ~ hours", data, family=gs.Binomial(), progress="yes")
