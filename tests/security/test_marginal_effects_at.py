"""``average_marginal_effects(at=)`` bounds the evaluations of the model its settings ask for, before any.

``at={"x": list(range(2000))}`` -- 9 KB of JSON a web application may pass on -- was within the 10,000 settings
``at=`` allows, and each setting re-encoded the model's rows once per numeric variable twice and per level of a
factor: 16 ms a setting on a 60-row model of two numbers and a factor of three levels, more than 30 s in all (and
10,000 settings about 160 s).  The settings times the evaluations each takes (a numeric variable 2, a factor one
per level, one more when it is read only in terms of its own) are now counted from the model's variables and
refused beyond ``MAX_AT_EVALUATIONS`` when ``at=`` gives more than one setting; one setting asks for what the
effects without ``at=`` ask for (a factor of 3,000 levels: 3,001 evaluations), as before.

In-process: the refusal is checked to come before the first evaluation (none is made), not timed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.inference import margins

D = pd.DataFrame({"y": [0, 1, 0, 2, 3, 0, 5, 1, 2, 4, 3, 6], "x": np.linspace(-1.0, 1.0, 12),
                  "z": [0.3, -1.2, 0.5, 1.1, -0.4, 0.9, -0.7, 0.2, 1.4, -0.1, 0.6, -0.9],
                  "g": list("abcabcabcabc")})


@pytest.fixture(scope="module")
def fit():
    return gs.glm("y ~ x + z + g", D, family=gs.Poisson())


def test_many_settings_are_refused_before_any_evaluation(fit, monkeypatch):
    calls = []
    monkeypatch.setattr(margins, "encode_spec_design", lambda *a, **k: calls.append(1))
    with pytest.raises(gs.GLMStatError, match=r"^at= asks for 2,000 settings of 8 evaluations of the model each "
                                              r"\(16,000\), more than 4,096"):
        fit.average_marginal_effects(at={"x": list(range(2000))})
    assert calls == []


def test_the_evaluations_count_the_variables_asked_for(fit, monkeypatch):
    # (x alone: 2 evaluations a setting; 2,000 settings are still too many, 2,048 is the bound)
    with pytest.raises(gs.GLMStatError, match=r"^at= asks for 2,049 settings of 2 evaluations"):
        fit.average_marginal_effects(variables=["x"], at={"x": list(range(2049))})
    table = fit.average_marginal_effects(variables=["x"], at={"x": [0.5] * 2}, level=0.9)
    assert len(table) == 2


def test_settings_within_the_bound_give_each_setting_s_effects(fit):
    together = fit.average_marginal_effects(at={"x": [-0.5, 0.25], "g": ["b", "c"]})
    for x in (-0.5, 0.25):
        for g in ("b", "c"):
            alone = fit.average_marginal_effects(at={"x": x, "g": g})
            rows = together[(together["x"] == x) & (together["g"] == g)]
            assert np.allclose(rows["estimate"].to_numpy(), alone["estimate"].to_numpy(), rtol=1e-12, atol=0)
            assert np.allclose(rows["std_error"].to_numpy(), alone["std_error"].to_numpy(), rtol=1e-12, atol=0)


def test_one_setting_asks_for_what_no_setting_asks_for(monkeypatch):
    """One value of at= is not refused, whatever its evaluations: the effects without at= take as many (here the
    bound is lowered below a 12-level factor's 13)."""
    d = pd.DataFrame({"y": [0, 1, 0, 2, 3, 0, 5, 1, 2, 4, 3, 6] * 2, "x": np.linspace(-1.0, 1.0, 24),
                      "g": [f"l{i:02d}" for i in range(12)] * 2})
    fit = gs.glm("y ~ x + g", d, family=gs.Poisson())
    monkeypatch.setattr(margins, "MAX_AT_EVALUATIONS", 10)
    assert len(fit.average_marginal_effects(variables=["g"], at={"x": 0.0})) == 11
    with pytest.raises(gs.GLMStatError, match=r"^at= asks for 2 settings of 13 evaluations of the model each \(26\)"):
        fit.average_marginal_effects(variables=["g"], at={"x": [0.0, 1.0]})
