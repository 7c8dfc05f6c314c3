"""Sequential anova and drop1 where R's anova.glm and drop1.glm stop (fixtures/anova_fitted_means_start, made by the
R script beside it): an inverse Gaussian fit with the 1/mu^2 link, y ~ g + x2 + x1 + g:x1, a 77-level g on 18,079
rows (random structured case st580_019).  The submodel y ~ g + x2 + x1 cannot be refitted from the family's
starting means ("no valid set of coefficients") nor from the model's coefficients on its columns; glmstat then
takes the first step R's glm takes from the model's fitted means (mustart = fitted(m)), from which R converges, and
the tables R cannot give are those of R's refits (``glmstat.engine.starts.fitted_means_start``)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "anova_fitted_means_start"
REF = json.loads((HERE / "ref.json").read_text())


@pytest.fixture(scope="module")
def fit() -> gs.GLMResults:
    assert all(REF["converged"]) and "no valid set" in REF["anova_error"] and "no valid set" in REF["drop1_error"]
    assert REF["from_r_start_error"] and REF["from_estimate_error"]
    data = pd.read_csv(HERE / "data.csv.gz", dtype={"g": str})
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ConvergenceWarning)
        return gs.glm(REF["formula"], data, family=gs.InverseGaussian(link="1/mu^2"), tol=1e-12)


def test_sequential_anova_from_the_fitted_means_where_r_stops(fit):
    assert_close([fit.deviance, fit.null_deviance], [REF["deviance"], REF["null_deviance"]], rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ConvergenceWarning)
        table = fit.anova()
    assert list(table.index) == ["NULL", "g", "x2", "x1", "g:x1"]
    assert_close(table["resid_dev"], REF["anova_resid_dev"], rtol=1e-9)
    np.testing.assert_array_equal(table["resid_df"], REF["anova_resid_df"])


def test_drop1_from_the_fitted_means_where_r_stops(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ConvergenceWarning)
        table = fit.drop1()
    assert list(table.index) == ["<none>", *REF["drop1_terms"]]
    assert_close(table["deviance"], [REF["deviance"], *REF["drop1_deviance"]], rtol=1e-9)
