"""``gs.anova(*fits)`` bounds the models it compares as ``compare()`` does, before it reads any of them.

Each model costs a check, a nesting test against its neighbour and a row of the table, about 0.2 ms however small:
``anova(*[fit] * 2_000)`` took 0.44 s, and the count had no bound (a web application passing its users' list of
models through).  ``compare()`` refuses more than ``MAX_MODELS`` (200) models; ``anova()`` now refuses them too,
naming the count, before any model is checked.  R's ``anova.glmlist`` has no such bound (a deliberate difference,
as compare()'s).

In-process: the refusal is checked to come before any model is read (no check runs), not timed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.inference import anova as anova_module
from glmstat.report import compare as compare_module

D = pd.DataFrame({"y": [1, 0, 2, 3, 1, 4, 2, 0, 1, 3, 2, 5], "x": np.arange(12.0)})


@pytest.fixture(scope="module")
def fit():
    return gs.glm("y ~ x", D, family=gs.Poisson())


def test_many_models_are_refused_before_any_is_read(fit, monkeypatch):
    checked = []
    real = anova_module.check_ml_fit
    monkeypatch.setattr(anova_module, "check_ml_fit", lambda f, what: checked.append(1) or real(f, what))
    with pytest.raises(gs.GLMStatError, match=r"^anova\(\) takes at most 200 models in one table, got 10,000"):
        gs.anova(*[fit] * 10_000)
    assert checked == []


def test_anova_and_compare_share_one_bound(fit):
    assert anova_module.MAX_MODELS == compare_module.MAX_MODELS == 200
    table = gs.anova(*[fit] * 200)  # (the most: the same model 200 times, each adding nothing)
    assert table.shape[0] == 200
    assert np.all(table["resid_df"].to_numpy() == 10.0)
    assert np.all(table["deviance"].to_numpy()[1:] == 0.0)
