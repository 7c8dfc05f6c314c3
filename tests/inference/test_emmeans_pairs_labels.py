"""The pairs of a 30-level factor's means (435 pairs) against emmeans' ``pairs()`` and ``contrast(,
"revpairwise")``: their labels in emmeans' order (a level holding "-" in parentheses, "a / b" for the ratios of a
Poisson fit), estimates, standard errors, df, statistics and Tukey p-values (the range of 30 means on 4 residual
df for the Gaussian fit).  The labels of every pair are made at once, not one by one (499,500 of a 1,000-level
factor took a Python loop): the same text.

R's output: tests/fixtures/emmeans_pairs_labels/make_emmeans_pairs_labels.R -> r.json (R 4.2.2, emmeans 1.8.4;
the data it draws, data.csv).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "emmeans_pairs_labels"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")

#: (formula, family, method, adjust, the relative tolerance of the p-values)
CASES = {"gaussian": ("y ~ g", gs.Gaussian(), "pairwise", "tukey", 4e-3),
         "gaussian_unadjusted": ("y ~ g", gs.Gaussian(), "pairwise", "none", 1e-6),
         "poisson": ("count ~ g", gs.Poisson(), "pairwise", "tukey", 1e-6),
         "gaussian_revpairwise": ("y ~ g", gs.Gaussian(), "revpairwise", "tukey", 4e-3)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_pairs_of_thirty_levels_are_emmeans(case):
    """Tukey's p-values of the Gaussian fit are R's to 4e-3 only: R's ptukey of 30 means on 4 df is a coarse
    quadrature (README, "Tukey's p-values"), 0.0117423 for the pair "L03 - L29" (t = -10.5549) where the range's
    tail is 0.01170885 (scipy's studentized_range.sf, a double adaptive integral, and glmstat agree to 1e-14);
    the same pairs' unadjusted p-values, and the Poisson fit's Tukey p-values on infinite df, are R's to 1e-6."""
    formula, family, method, adjust, p_tol = CASES[case]
    fit = gs.glm(formula, DATA, family=family, tol=1e-12, max_iter=50)
    got = fit.emmeans_contrasts("g", method, adjust=adjust)
    r = R[case]
    assert list(got.index) == r["contrast"] and got.index.name == "contrast"
    assert_close(got["estimate"].to_numpy(), np.array(r["estimate"]), rtol=1e-6)
    assert_close(got["std_error"].to_numpy(), np.array(r["std_error"]), rtol=1e-6)
    df = np.array([np.inf if v == "Inf" else v for v in r["df"]], dtype=float)
    assert np.array_equal(got["df"].to_numpy(), df)
    assert_close(got["statistic"].to_numpy(), np.array(r["statistic"]), rtol=1e-6)
    assert_close(got["p_value"].to_numpy(), np.array(r["p_value"]), rtol=p_tol)
