"""``compare()`` bounds the models and the cells of its table before it reads any model's numbers.

Each model costs some milliseconds of pandas and formatting whatever its size, and each cell (coefficient x model)
some tens of microseconds in Python: ``compare(*[fit] * 10_000)`` of a two-coefficient fit took 37 s and printing it
17 s more, and ten models of the most coefficients a model may have (5,000) would make 50,000 cells of each
rendering.  More than ``MAX_MODELS`` (200) models, or more than ``MAX_CELLS`` (50,000) cells, are now refused naming
the count, before any interval, frame or cell is made.

In-process: the refusal is checked to come before any table is made (none is), not timed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.report import compare as compare_module

D = pd.DataFrame({"y": [1, 0, 2, 3, 1, 4, 2, 0, 1, 3, 2, 5], "x": np.arange(12.0),
                  "g": list("abcdefabcdef")})


@pytest.fixture(scope="module")
def fits():
    return gs.glm("y ~ x", D, family=gs.Poisson()), gs.glm("y ~ g", D, family=gs.Poisson())


@pytest.fixture
def tables(monkeypatch):
    made = []
    real = compare_module.printable_table
    monkeypatch.setattr(compare_module, "printable_table", lambda t: made.append(1) or real(t))
    return made


def test_many_models_are_refused_before_any_table(fits, tables):
    with pytest.raises(gs.GLMStatError, match=r"^compare\(\) takes at most 200 models in one table, got 10,000"):
        gs.compare(*[fits[0]] * 10_000)
    assert tables == []


def test_many_cells_are_refused_before_any_table(fits, tables, monkeypatch):
    monkeypatch.setattr(compare_module, "MAX_CELLS", 20)
    # (y ~ x: 2 coefficients; y ~ g: 5 more, 7 in all; three models: 21 cells)
    with pytest.raises(gs.GLMStatError, match=r"^compare\(\) of 3 models of 7 coefficients in all would make a "
                                              r"table of 21 cells, more than 20"):
        gs.compare(fits[0], fits[1], fits[0], names=["a", "b", "c"])
    assert tables == []
    assert gs.compare(fits[0], fits[1]).estimates.shape == (7, 2)  # (14 cells)


def test_the_most_models_are_compared(fits):
    table = gs.compare(*[fits[0]] * 200)
    assert table.estimates.shape == (2, 200)
    assert np.all(table.estimates.iloc[1].to_numpy() == fits[0].coef["x"])
