"""anova(), drop1(), add1() and the type II tests of a ``convergence="R"`` fit whose submodel does not converge
at R's default control (fixtures/r_submodel_not_converged, from make_r_submodel_not_converged.R): y ~ g of an
inverse Gaussian log-link fit of y ~ x + g stops at glm.fit's 25 iterations with a deviance of 9.16996, and R's
tables (and car's) use that refit.  glmstat refitted such a submodel again from the model's own estimate, whose
scoring "converged" at 9.68272, and reported that: drop1's F for x was 1162.1 where R prints 1095.5.  With
``convergence="R"`` the refit from R's starting values is kept, with a ConvergenceWarning that names the
submodel."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "r_submodel_not_converged"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
FAMILY = gs.InverseGaussian(link="log")


def _fit(formula: str) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.ConvergenceWarning)
        return gs.glm(formula, DATA, family=FAMILY, convergence="R")


def _quietly(method, *args, **kw):
    """The table and the warnings given while making it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = method(*args, **kw)
    return table, [str(w.message) for w in caught if issubclass(w.category, gs.ConvergenceWarning)]


def test_the_submodel_is_r_s_refit_stopped_at_maxit():
    fit = _fit("y ~ x + g")
    assert fit.iterations == REF["iterations"] and fit.converged == REF["converged"]
    assert_close([fit.deviance], [REF["deviance"]], rtol=1e-8)
    sub = _fit(REF["submodel"]["formula"])
    assert sub.iterations == REF["submodel"]["iterations"] and sub.converged == REF["submodel"]["converged"]
    assert_close([sub.deviance], [REF["submodel"]["deviance"]], rtol=1e-8)


def test_drop1_uses_the_refit_r_uses():
    table, notes = _quietly(_fit("y ~ x + g").drop1, test="F")
    ref = REF["drop1"]
    assert list(table.index) == ref["terms"]
    assert_close(table["deviance"], ref["deviance"], rtol=1e-8)
    assert_close(table["aic"], ref["aic"], rtol=1e-8)
    assert_close(table["statistic"], ref["statistic"], rtol=1e-7)
    assert_close(table["p_value"], ref["p_value"], rtol=1e-6)
    assert any("did not converge in 25 iterations" in n and "g[T.b]" in n for n in notes)


@pytest.mark.parametrize("formula, key", [("y ~ x + g", "anova_x_g"), ("y ~ g + x", "anova_g_x")])
def test_sequential_anova_uses_the_refit_r_uses(formula, key):
    table, _ = _quietly(_fit(formula).anova, test="F")
    ref = REF[key]
    assert list(table.index) == ref["terms"]
    assert_close(table["resid_dev"], ref["resid_dev"], rtol=1e-8)
    assert_close(table["statistic"], ref["statistic"], rtol=1e-7, atol=1e-9)
    assert_close(table["p_value"], ref["p_value"], rtol=1e-6)


def test_add1_uses_the_refit_r_uses():
    table, _ = _quietly(_fit("y ~ 1").add1, "~ . + x + g", test="F")
    ref = REF["add1"]
    assert list(table.index) == ref["terms"]
    assert_close(table["deviance"], ref["deviance"], rtol=1e-8)
    assert_close(table["statistic"], ref["statistic"], rtol=1e-7)
    assert_close(table["p_value"], ref["p_value"], rtol=1e-6)


def test_type_ii_tests_use_the_refit_car_uses():
    """car::Anova refits the submodels with glm.fit at the model's control too: y ~ g for the test of x."""
    table, _ = _quietly(_fit("y ~ x + g").anova, type=2, test="LR")
    ref = REF["type2"]
    assert list(table.index) == ref["terms"]
    assert_close(table["statistic"], ref["statistic"], rtol=1e-7)
    assert_close(table["p_value"], ref["p_value"], rtol=1e-5)
