"""``factor(x, labels = "u")`` -- one label for a factor of several levels -- names the levels ``u1``, ``u2``, ...
as R's ``factor()`` does (``paste0(labels, seq_along(levels))``; ``ordered()`` too); glmstat refused it ("labels
has 1 values for 4 levels").  Found beside a randomized comparison of the formula coder with R (seed 1506).
Reference: R 4.2, tests/fixtures/scripts/make_one_label.R."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name

REF = json.loads((FIXTURES / "one_label" / "one_label.json").read_text())
DATA = pd.DataFrame(REF["data"]).astype({"k": float})


@pytest.mark.parametrize("case", REF["fits"], ids=lambda c: c["formula"][4:])
def test_one_label_numbers_the_levels(case):
    fit = gs.glm(case["formula"], DATA)
    assert [r_coef_name(c) for c in fit.column_names] == case["columns"]
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)
    assert fit.nobs == case["nobs"]


def test_one_label_predicts_the_fits_levels():
    fit = gs.glm(REF["fits"][0]["formula"], DATA)
    b = REF["fits"][0]["coefficients"]
    assert_close(fit.predict(pd.DataFrame({"k": [1.0, 4.0]})), [b[0], b[0] + b[3]], rtol=1e-9)
