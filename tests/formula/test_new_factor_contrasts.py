"""A factor made anew from one whose contrasts ``C()`` set is coded by the default contrasts, as in R: R's
``factor()`` keeps its argument's values, not its attributes, so ``factor()``, ``ordered()``, ``droplevels()``,
``relevel()``, ``reorder()``, ``addNA()`` and ``as.ordered()`` of an unordered factor drop C()'s contrasts
(treatment, or polynomials for an ordered result), while ``as.factor()`` of a factor, ``as.ordered()`` of an
ordered one and ``addNA(ifany = TRUE)`` of a factor with no missing value return it as it is, contrasts and all.
glmstat kept C()'s contrasts through factor(), ordered(), as.ordered(), droplevels() and relevel() (sum contrasts
where R fits treatment ones: other coefficients), and dropped them from addNA(ifany = TRUE); a randomized comparison
of the formula coder with R (by hand beside seed 1496) found it.  Reference: R 4.2,
tests/fixtures/scripts/make_new_factor_contrasts.R."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name

REF = json.loads((FIXTURES / "new_factor_contrasts" / "new_factor_contrasts.json").read_text())
DATA = pd.DataFrame(REF["data"]).assign(tension=lambda d: pd.Categorical(d["tension"], categories=["L", "M", "H"]))


@pytest.mark.parametrize("case", REF["fits"], ids=lambda c: c["formula"][9:60])
def test_a_new_factor_has_rs_contrasts(case):
    fit = gs.glm(case["formula"], DATA)
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)
    assert fit.df_residual == case["df_residual"]
    if not any(c[-1].isdigit() for c in case["columns"]):  # (R names the columns of C()'s contrasts 1, 2, ...)
        assert [r_coef_name(c) for c in fit.column_names] == case["columns"]


def test_a_new_factor_predicts_with_the_fits_coding():
    fit = gs.glm('breaks ~ relevel(C(tension, contr.sum), ref = "H")', DATA)
    b = REF["fits"][4]["coefficients"]
    new = pd.DataFrame({"tension": pd.Categorical(["H", "L", "M"], categories=["L", "M", "H"])})
    assert_close(fit.predict(new), [b[0], b[0] + b[1], b[0] + b[2]], rtol=1e-9)
