"""R formula syntax runs unchanged; every expected number comes from R 4.2.2 on the same data (mtcars)."""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs
from conftest import load_data

MTCARS = load_data("mtcars")


@pytest.mark.parametrize("formula,deviance", [
    ("mpg ~ .", 147.494430016651),              # every other column
    ("mpg ~ . - disp", 151.411097110212),       # dot minus a column
    ("mpg ~ (wt + hp + qsec)^2", 116.429695752677),  # all two-way interactions
])
def test_expansions_match_r(formula, deviance):
    assert gs.glm(formula, MTCARS).deviance == pytest.approx(deviance, rel=1e-10)


def test_nesting_factor_slash_numeric_matches_r():
    fit = gs.glm("mpg ~ factor(cyl)/wt", MTCARS)
    assert fit.column_names == ["Intercept", "factor(cyl)[T.6]", "factor(cyl)[T.8]",
                                "factor(cyl)[4]:wt", "factor(cyl)[6]:wt", "factor(cyl)[8]:wt"]
    np.testing.assert_allclose(fit.coef, [39.57119601303766, -11.16235149984228, -15.70316693703814,
                                          -5.64702526124227, -2.78010593915526, -2.19243792644972], rtol=1e-10)


def test_caret_inside_I_is_a_power():
    fit = gs.glm("mpg ~ wt + I(wt^2)", MTCARS)
    np.testing.assert_allclose(fit.coef, [49.9308109494518, -13.3803370835673, 1.1710868938265], rtol=1e-10)


def test_log_with_a_base_as_r():
    fit = gs.glm("mpg ~ wt + log(hp, 10)", MTCARS)
    np.testing.assert_allclose(fit.coef, [59.57094223040584, -3.28561506743563, -13.63540899411441], rtol=1e-10)


def test_empty_model_with_only_an_offset():
    fit = gs.glm("mpg ~ 0 + offset(wt)", MTCARS)
    assert fit.rank == 0 and fit.df_residual == 32
    assert fit.deviance == pytest.approx(10583.705469999999, rel=1e-12)
    assert fit.aic == pytest.approx(278.454785317243, rel=1e-12)
    assert "No Coefficients" in str(fit.summary())


def test_factor_and_as_factor_are_treatment_coded_factors():
    a = gs.glm("mpg ~ factor(gear)", MTCARS)
    b = gs.glm("mpg ~ as.factor(gear)", MTCARS)
    assert a.column_names == ["Intercept", "factor(gear)[T.4]", "factor(gear)[T.5]"]
    np.testing.assert_allclose(a.coef, b.coef)


def test_backticks_offsets_and_cbind():
    air = load_data("airquality")
    fit = gs.glm("Ozone ~ `Solar.R` + Wind", air, family=gs.Gamma(link="log"))
    assert fit.column_names == ["Intercept", "Solar.R", "Wind"]
    bud = load_data("budworm")
    a = gs.glm("cbind(numdead, numalive) ~ ldose", bud, family=gs.Binomial())
    b = gs.glm("cbind(numdead, total - numdead) ~ ldose", bud, family=gs.Binomial())
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-12)
    ships = load_data("ships")
    c = gs.glm("incidents ~ type + offset(log(service))", ships, family=gs.Poisson())
    d = gs.glm("incidents ~ type", ships, family=gs.Poisson(), offset=np.log(ships["service"]))
    np.testing.assert_allclose(c.coef, d.coef, rtol=1e-12)
    assert c.null_deviance == pytest.approx(d.null_deviance, rel=1e-12)


def test_bool_and_two_level_string_responses(students):
    d = students.assign(passed_b=students.passed == 1, passed_s=np.where(students.passed == 1, "yes", "no"))
    fits = [gs.glm(f"{r} ~ hours", d.iloc[[0, 1, 2, 3, 5, 6]].assign(**{r: d[r].iloc[[0, 3, 2, 1, 5, 6]].to_numpy()}),
                   family=gs.Binomial()) for r in ("passed", "passed_b", "passed_s")]
    for f in fits[1:]:
        np.testing.assert_allclose(f.coef, fits[0].coef, rtol=1e-12)


def test_ill_conditioned_polynomial_design_matches_r():
    """kappa(X) = 3.7e8 for this cubic in disp: the weighted least squares must stay accurate (R 4.2.2)."""
    fit = gs.glm("mpg ~ disp + I(disp^2) + I(disp^3)", MTCARS)
    np.testing.assert_allclose(fit.coef, [5.0698059197384971e+01, -3.3720773655030989e-01,
                                          1.1092448933912708e-03, -1.2167514983512107e-06], rtol=1e-8)
    np.testing.assert_allclose(fit.std_errors, [3.8090873560916489e+00, 5.5258090805519501e-02,
                                                2.2652693794284127e-04, 2.7764082234714529e-07], rtol=1e-8)
    assert fit.deviance == pytest.approx(138.4359504959595, rel=1e-10)
    # the same design with a non-canonical link (R refitted from its own estimate to the exact MLE)
    g = gs.glm("mpg ~ disp + I(disp^2) + I(disp^3) + hp", MTCARS, family=gs.Gamma(link="log"), tol=1e-12)
    np.testing.assert_allclose(g.coef, [4.3602669196121653e+00, -1.4307446697837293e-02, 5.1918440042693615e-05,
                                        -6.1773533261952213e-08, -1.3190767408088760e-03], rtol=1e-7)
    np.testing.assert_allclose(g.std_errors, [1.8479287729735377e-01, 2.6420020440157382e-03,
                                              1.0954344747896341e-05, 1.3526036833343627e-08,
                                              4.8495678227965705e-04], rtol=1e-7)
    assert g.deviance == pytest.approx(0.30154784665493783, rel=1e-10)
