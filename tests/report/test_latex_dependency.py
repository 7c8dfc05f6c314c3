"""A table's to_latex() writes through pandas' LaTeX writer, which needs jinja2 (the optional extra
glmstat[latex]): without it the refusal is glmstat's MissingDependencyError naming what to install, not pandas'
ImportError from inside its Styler; the summary's own LaTeX needs nothing."""

from __future__ import annotations

import sys

import pytest

import glmstat as gs
from conftest import load_data


@pytest.fixture
def no_jinja2(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setitem(sys.modules, "jinja2", None)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jinja2" else real(name, *a))


def test_a_table_s_latex_without_jinja2_names_the_extra(no_jinja2):
    fit = gs.glm("mpg ~ wt", load_data("mtcars"))
    with pytest.raises(gs.MissingDependencyError, match=r"jinja2: pip install 'glmstat\[latex\]'"):
        fit.tidy().to_latex()
    assert "\\begin{tabular}" in fit.summary().to_latex()
