"""A fit whose optimum holds a cell's mean on an edge that pulls it across reaches that optimum, where Fisher
scoring oscillates.

``fixtures/negbin_zero_cell_edge`` (a held-out random case, seed 733 case 258): a negative binomial (theta 3,
identity link) fit of ``y ~ g2 + g1`` with prior weights, whose cell sigma:L2 has six rows of zeros.  Its mean
is pulled across 0, so the optimum is on the boundary: the cell's mean at 0.  Fisher scoring oscillates with a
growing amplitude on the way; the rescue's Newton steps then cannot difference the observed weights of the rows
held at 0 (a neighbouring linear predictor is outside the domain), fell back on Fisher steps that never shrank
(at 1e-6 of the coefficients, their working weights 1e15) and the fit was returned unconverged after 100
iterations.  The Newton step that holds those rows on the edge reaches the optimum in a few steps.  R's optimum
(Newton steps on the constrained problem, from R's own glm with maxit = 1000, which stops 3e-8 off it):
``scripts/make_negbin_zero_cell_edge.R``.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_double

HERE = FIXTURES / "negbin_zero_cell_edge"


def _fit(**kw):
    ref = json.loads((HERE / "r.json").read_text())
    d = pd.read_csv(HERE / "data.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(ref["formula"], d, family=gs.NegativeBinomial(theta=3, link="identity"), weights="w", **kw)
    return fit, ref, [w.category for w in caught if issubclass(w.category, gs.GLMStatWarning)]


@pytest.mark.parametrize("kw", [{}, {"tol": 1e-12, "max_iter": 100}])
def test_optimum_with_a_cell_held_on_the_edge_is_reached(kw):
    fit, ref, caught = _fit(**kw)
    assert r_double(ref["score"][4]) < 0  # (the multiplier pulls the cell's mean across 0: a boundary optimum)
    assert fit.converged and gs.ConvergenceWarning not in caught
    assert gs.BoundaryWarning in caught  # the estimate is on the boundary, and says so
    assert_close(fit.coef, [r_double(v) for v in ref["coefficients"]], rtol=1e-9)
    assert_close([fit.deviance], [r_double(ref["deviance"])], rtol=1e-12)
