"""``factor(x, labels = )`` with duplicated labels merges the levels that share one, as R's factor() does since R
3.4.0 (?factor: "Duplicated values in labels can be used to map different values of x to the same factor
level"), the merged levels in the order of the labels' first appearance.  glmstat refused them ("labels has
duplicate levels"); a randomized comparison of the formula coder with R (by hand beside seed 1496) found it.
Reference: R 4.2, tests/fixtures/scripts/make_merged_labels.R."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name

REF = json.loads((FIXTURES / "merged_labels" / "merged_labels.json").read_text())
DATA = pd.DataFrame(REF["data"]).assign(tension=lambda d: pd.Categorical(d["tension"], categories=["L", "M", "H"]))


@pytest.mark.parametrize("case", [c for c in REF["fits"] if "error" not in c], ids=lambda c: c["formula"][9:50])
def test_duplicated_labels_merge_their_levels_as_in_r(case):
    fit = gs.glm(case["formula"], DATA, family=gs.Poisson())
    assert [r_coef_name(c) for c in fit.column_names] == case["columns"]
    assert_close(fit.coef, case["coefficients"], rtol=1e-8)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)
    assert fit.df_residual == case["df_residual"]


@pytest.mark.parametrize("case", [c for c in REF["fits"] if "error" in c], ids=lambda c: c["formula"][9:50])
def test_labels_that_merge_every_level_leave_one_as_r_refuses(case):
    with pytest.raises(gs.DataError, match="single level|one level|2 or more levels"):
        gs.glm(case["formula"], DATA, family=gs.Poisson())


def test_a_prediction_merges_new_rows_as_the_fit_did():
    fit = gs.glm('breaks ~ factor(k, labels = c("a", "a", "b", "b", "c", "c"))', DATA, family=gs.Poisson())
    new = pd.DataFrame({"k": [1.0, 2.0, 6.0]})
    p = fit.predict(new, type="link").to_numpy()
    b = REF["fits"][0]["coefficients"]
    assert_close(p, [b[0], b[0], b[0] + b[2]], rtol=1e-8)
