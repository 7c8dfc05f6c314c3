"""Sequential anova where R's anova.glm refuses a submodel from its own start (fixtures/anova_refused_start, made
by the R script beside it): an inverse Gaussian fit with the 1/mu^2 link and prior weights (some 0),
y ~ g + x1 + poly(x2, 2) + f2 with a 40-level g and a 60-level f2 on 1,500 rows of a random structured case (seed
582).  R's refit of y ~ g + x1 + poly(x2, 2), started from the family's mustart, steps out of eta > 0 ("no valid
set of coefficients"); from the full fit's coefficients it converges, and glmstat's refits, warm-started so where
the start fails (inference/anova.py), reach R's deviances and F tests, on the dense design and the structured one."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close, FIXTURES, structured_in_blocks

HERE = FIXTURES / "anova_refused_start"


@pytest.mark.parametrize("structured", [False, True], ids=["dense", "structured in blocks"])
def test_sequential_anova_matches_r_s_refits_from_a_valid_start(structured, monkeypatch):
    if structured:  # (the design kept structured however small, passes over blocks of 256 rows)
        structured_in_blocks(monkeypatch, 256)
    ref = json.loads((HERE / "ref.json").read_text())
    assert "no valid set of coefficients" in ref["r_error"] and ref["refused_from_r_start"] == ["poly(x2, 2)"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.AliasingWarning)  # (a level of g whose rows all have weight 0)
        warnings.simplefilter("error", gs.ConvergenceWarning)
        fit = gs.glm(ref["formula"], pd.read_csv(HERE / "data.csv"), family=gs.InverseGaussian(link="1/mu^2"),
                     weights="w", tol=1e-12)
        table = fit.anova(test="F")
    assert_close([fit.dispersion, fit.df_residual], [ref["dispersion"], ref["df_residual"]], rtol=1e-8)
    assert list(table.index) == ["NULL", *ref["terms"]]
    assert_close(table["resid_dev"], ref["resid_dev"], rtol=1e-8)
    assert_close(table["resid_df"], ref["resid_df"], rtol=0)
    terms = table.iloc[1:]
    assert_close(terms["df"], ref["df"], rtol=0)
    assert_close(terms["deviance"], ref["deviance"], rtol=1e-7)
    assert_close(terms["statistic"], ref["statistic"], rtol=1e-7)
    assert_close(terms["p_value"], ref["p_value"], rtol=1e-6)
