"""A column set aside at the estimate by working weights that vanish where the fit runs off
(tests/fixtures/cauchit_separated_level, made by ``scripts/make_cauchit_separated_level.R``).

``y ~ g1`` with the cauchit link and a level of g1 whose responses are all 1: the estimates run off to
infinity, and at the last iterate the rows of three levels have working weights of 1e-22, so X'WX's kept
columns exceeded the engine's condition number for g1[T.sigma], which the factor at the estimate set aside.
The estimate itself still had g1[T.sigma] at -3.4e7 (the step that made it kept the column): glmstat reported
that coefficient NaN ("aliased only under the fit's working weights"), its deviance 39.117 with it but fitted
means without it (those of a deviance of 571), and, its separation test run on the other columns only, no
separation.  R keeps all four columns (rank 4).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, bernoulli_deviance

HERE = FIXTURES / "cauchit_separated_level"
REF = json.loads((HERE / "r.json").read_text())


@pytest.fixture(scope="module")
def fitted():
    data = pd.read_csv(HERE / "data.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", gs.GLMStatWarning)
        fit = gs.glm(REF["formula"], data, family=gs.Binomial(link="cauchit"), tol=1e-12, max_iter=100)
    return fit, caught


def test_every_column_is_kept_as_r_keeps_it(fitted):
    fit, _ = fitted
    assert fit.rank == REF["rank"]
    assert list(np.isnan(fit.coef.to_numpy())) == REF["aliased"]


def test_the_fitted_means_are_the_deviance_s(fitted):
    fit, _ = fitted
    assert bernoulli_deviance(fit) == pytest.approx(fit.deviance, rel=1e-9)
    # the deviance tends to its infimum, the other levels fitted at their own proportions, as R's does
    assert fit.deviance == pytest.approx(REF["deviance_limit"], rel=1e-7)
    assert REF["deviance"] == pytest.approx(REF["deviance_limit"], rel=1e-7)


def test_the_separation_is_found(fitted):
    fit, caught = fitted
    assert fit.separation is not None
    assert "every row at level 'gamma' of g1 has y = 1" in fit.separation.explanation
    assert any(issubclass(w.category, gs.SeparationWarning) for w in caught)
    assert not any(issubclass(w.category, gs.AliasingWarning) for w in caught)
