"""A fit whose Fisher scoring went away from the optimum is restarted from its lowest iterate and finished there
at the exact MLE, even where that optimum has means on the edge of the domain.

``fixtures/probit_restart_optimum`` (a held-out random case, seed 729 case 145): a quasibinomial probit fit of 25
rows with a raw cubic in a covariate of size 0.02.  Scoring lowers the deviance to 6.03 in six steps, then leaps
to 77 and 1157, and R's glm.fit (which halves only a non-finite deviance) stops at 288, above the null deviance
of 27.6.  glmstat restarted from the lowest iterate, but its first damped Newton steps put more rows' means past
the probit's clamp while their linear predictors moved on, and it read that as a creep to an optimum at infinity:
it stopped at 6.03 with "the estimates are still moving".  There is no separation (the optimum is finite: R's
Newton steps from the same iterate, then glm from there, reach 4.7276315832 with a score of 1e-13) -- it has
twelve rows' means at the clamp's 0 or 1.  R's numbers: ``scripts/make_probit_restart_optimum.R``.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "probit_restart_optimum"


def _fit():
    ref = json.loads((HERE / "r.json").read_text())
    d = pd.read_csv(HERE / "data.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(ref["formula"], d, family=gs.QuasiBinomial(link="probit"), tol=1e-12, max_iter=100)
    return fit, ref, [w for w in caught if issubclass(w.category, gs.GLMStatWarning)]


def test_restarted_fit_reaches_r_s_exact_optimum():
    fit, ref, caught = _fit()
    assert ref["deviance"] < min(ref["r_iterate_deviances"])  # (the optimum is below every iterate of R's)
    assert fit.converged and fit.separation is None
    assert not [w for w in caught if issubclass(w.category, (gs.ConvergenceWarning, gs.SeparationWarning))]
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(fit.coef, ref["coefficients"], rtol=1e-6)
    assert_close(fit.std_errors, ref["std_errors"], rtol=1e-6)
    assert_close([fit.dispersion], [ref["dispersion"]], rtol=1e-6)
    assert_close(fit.fitted_values, ref["fitted"], rtol=1e-6, atol=1e-10)
