"""The benchmark scripts still run against the engine they measure.

They are not part of the suite's timing (no test here looks at a time): this only keeps the engine's pass
interface, which ``benchmarks/scaleout.py`` folds over a fit's source to split a pass's cost, and the
bare-numpy floor of ``benchmarks/small_floor.py`` in step with the package (a rename of the engine's pass
result once broke the scale-out benchmark without any test noticing).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

scaleout = pytest.importorskip("benchmarks.scaleout")
small_floor = pytest.importorskip("benchmarks.small_floor")


def test_scaleout_pass_costs_fold_the_engines_pass():
    rng = np.random.default_rng(3)
    n = 3000
    d = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("abcdefgh"), n)})
    d["y"] = rng.poisson(np.exp(0.3 + 0.2 * d.x))
    fit = gs.glm("y ~ x + g", d, family=gs.Poisson())
    costs = scaleout.pass_costs(fit, 1)
    assert costs["chunks"] >= 1
    assert costs["part_bytes"] > 0
    for key in ("full_pass_s", "full_parts_s", "null_pass_s", "null_parts_s", "client_part_s"):
        assert np.isfinite(costs[key]) and costs[key] >= 0.0


def test_small_floor_fits_the_same_model():
    # the floor is the same maximum-likelihood fit without glmstat's machinery: R's start and deviance test stop
    # it about 1e-6 from the optimum, which glmstat reaches exactly
    d = small_floor.data()
    se = small_floor.floor_fit(d)
    fit = gs.glm("passed ~ hours + score", d, family=gs.Binomial())
    np.testing.assert_allclose(se, fit.std_errors.to_numpy(), rtol=1e-4)
