"""Analyses of deviance of a fit that is a stationary point of the likelihood, not its maximum
(fixtures/anova_stationary_point, made by the R script beside it: random case s771_0141, Gaussian inverse link
without intercept).  From R's start the fit stops unconverged; from glmstat's estimate R's glm stays (score at
rounding), yet the submodel without log(x3):g2, which the model contains, has a lower deviance (2594332.10 against
3553503.15), so car's type II LR statistic of log(x3):g2 is negative (-12.956288).  glmstat's tables match R's and
say why: a submodel refitted below the model's deviance shows that the model's fit is not the maximum-likelihood
estimate (as the null model's deviance does, and the profile's refits).  Refitted from the submodel's estimate, the
model reaches the maximum (2579307.40) and the tests are R's there, without the warning."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, held_out_source

DIR = FIXTURES / "anova_stationary_point"
REF = json.loads((DIR / "r.json").read_text())
FAMILY = gs.Gaussian(link="inverse")


def _fit(data, start):
    return gs.glm(REF["formula"], data, family=FAMILY, tol=1e-12, max_iter=100, start=start)


def _below_model_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, gs.ConvergenceWarning)
            and "below the model's" in str(w.message)]


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_a_submodel_below_the_stationary_fit_is_reported(path, monkeypatch, tmp_path):
    data = held_out_source(pd.read_csv(DIR / "data.csv"), path, tmp_path, monkeypatch)
    r = REF["stationary"]
    assert r["converged"] and r["iterations"] == 1 and not REF["r_default"]["converged"]
    f = _fit(data, REF["start"])
    np.testing.assert_allclose(f.coef.to_numpy(), r["coefficients"], rtol=1e-8)
    np.testing.assert_allclose(f.deviance, r["deviance"], rtol=1e-12)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = f.anova(type=2, test="LR")
    a = r["anova_type2_lr"]
    np.testing.assert_allclose(table.loc[a["terms"], "statistic"], a["statistic"], rtol=1e-6)
    np.testing.assert_array_equal(table.loc[a["terms"], "df"], a["df"])
    messages = _below_model_warnings(caught)
    assert len(messages) == 1
    assert "'exp(x2/5)'" in messages[0] and "2594332.1" in messages[0] and "3553503.15" in messages[0]
    assert REF["submodel"]["deviance"] < r["deviance"]
    with pytest.warns(gs.ConvergenceWarning, match="below the model's"):
        dropped = f.drop1()
    np.testing.assert_allclose(dropped.loc["log(x3):g2", "deviance"], REF["submodel"]["deviance"], rtol=1e-10)


@pytest.mark.parametrize("path", ["memory", "blocks"])
def test_the_maximum_has_rs_tests_and_no_such_warning(path, monkeypatch, tmp_path):
    data = held_out_source(pd.read_csv(DIR / "data.csv"), path, tmp_path, monkeypatch)
    r = REF["maximum"]
    f = _fit(data, [REF["submodel"]["coefficients"], 0.0, 0.0])
    np.testing.assert_allclose(f.coef.to_numpy(), r["coefficients"], rtol=1e-8)
    np.testing.assert_allclose(f.deviance, r["deviance"], rtol=1e-12)
    assert r["deviance"] < REF["submodel"]["deviance"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = f.anova(type=2, test="LR")
        f.drop1()
    a = r["anova_type2_lr"]
    np.testing.assert_allclose(table.loc[a["terms"], "statistic"], a["statistic"], rtol=1e-6)
    assert _below_model_warnings(caught) == []
