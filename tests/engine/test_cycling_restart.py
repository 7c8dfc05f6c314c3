"""A fit whose Fisher scoring cycles at the edge of the domain until max_iter, far above a deviance it reached.

Titanic survival by class and sex with the cloglog link on the long table (a 0/1 response with frequency
weights): from R's default start, scoring rises after its first step, runs to the edge and cycles there, and
R's glm stops after 25 iterations at deviance 44388.12, not converged.  The maximum-likelihood estimate is
finite (every class-sex cell has survivors and victims), deviance 2163.73: R reaches it from start = 0
(``scripts/make_titanic_cycling.R``, refitted to the exact MLE).  The exact fit restarts from its lowest iterate
with damped Newton steps; convergence="R" still stops where R stops.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "titanic_cycling"


def _ref_and_data():
    return json.loads((HERE / "titanic_cloglog.json").read_text()), pd.read_csv(HERE / "titanic.csv")


def test_exact_fit_restarts_from_the_lowest_iterate_and_reaches_the_mle():
    ref, d = _ref_and_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], d, family=gs.Binomial(link="cloglog"), weights="Freq", tol=1e-12, max_iter=100)
    assert fit.converged
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(fit.coef, ref["coefficients"], rtol=1e-7)
    assert_close(fit.std_errors, ref["std_errors"], rtol=1e-6)
    assert_close([fit.null_deviance], [ref["null_deviance"]], rtol=1e-9)


def test_default_max_iter_also_reaches_the_mle():
    ref, d = _ref_and_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], d, family=gs.Binomial(link="cloglog"), weights="Freq")
    assert fit.converged
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)


def test_convergence_r_stops_where_r_stops():
    ref, d = _ref_and_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], d, family=gs.Binomial(link="cloglog"), weights="Freq", convergence="R")
    assert not fit.converged
    assert fit.iterations == ref["r_default"]["iterations"]
    assert_close([fit.deviance], [ref["r_default"]["deviance"]], rtol=1e-8)
