"""A column set aside midway by working weights that vanish where the fit runs off
(tests/fixtures/cauchit_aliased_midway, made by ``scripts/make_cauchit_aliased_midway.R``).

``y ~ g`` with the cauchit link, level a all 1 and level b 1, 1, 0: the coefficients run off along (1, -1) and at
iteration 24 the weights of level a (3e-23) put g[T.b] below the aliasing rule while the estimate used it at
-2.3e7.  The next step, solved without it, zeroed it: every mean went to 1, a deviance of 36.19 above the null
model's 5.00 where the run-off had reached its infimum, 3.82, and no separation was found (the fit "went away from
the optimum").  R's glm at a tight epsilon keeps both columns (rank 2) and runs off to that infimum.  The engine now
stops at the estimate whose step kept the column, and the diagnosis names the separation.  The same happened to the
held-out random case s701_0174 (quasibinomial, prior weights, three more columns: 289 above a null deviance of 37.6).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, bernoulli_deviance

HERE = FIXTURES / "cauchit_aliased_midway"
REF = json.loads((HERE / "r.json").read_text())


@pytest.fixture(scope="module", params=[{"tol": 1e-12, "max_iter": 100}, {}], ids=["tight", "default"])
def fitted(request):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", gs.GLMStatWarning)
        fit = gs.glm(REF["formula"], pd.read_csv(HERE / "data.csv"), family=gs.Binomial(link="cauchit"),
                     **request.param)
    return fit, caught


def test_the_separation_is_found_in_words_that_hold(fitted):
    fit, caught = fitted
    assert fit.separation is not None
    # (level a, where g[T.b] is 0, is all 1; level b has both)
    assert fit.separation.explanation == "every row with g[T.b] = 0 has y = 1"
    assert any(issubclass(w.category, gs.SeparationWarning) for w in caught)
    assert not any(issubclass(w.category, gs.AliasingWarning) for w in caught)


def test_every_column_is_kept_as_r_keeps_it(fitted):
    fit, _ = fitted
    assert fit.rank == REF["rank"]
    assert list(np.isnan(fit.coef.to_numpy())) == REF["aliased"]


def test_the_deviance_is_the_run_off_s_infimum(fitted):
    fit, _ = fitted
    assert bernoulli_deviance(fit) == pytest.approx(fit.deviance, rel=1e-9)
    assert fit.deviance == pytest.approx(REF["deviance_limit"], rel=1e-7)
    assert REF["deviance"] == pytest.approx(REF["deviance_limit"], rel=1e-7)
    assert fit.deviance < fit.null_deviance == pytest.approx(REF["null_deviance"], rel=1e-9)
