"""The design glmstat's own formula coder builds equals R's model.matrix, column for column, for contrasts
(treatment, sum, helmert, polynomial for ordered factors), interactions without margins, %in%, /, ^ and -,
poly() (orthogonal, with predictions on new data by R's recurrence), bs(), scale(), factor(levels=) and
logical terms; the term labels are R's, and so are the fitted coefficients.
Reference: R 4.2, tests/fixtures/scripts/make_formula_fixtures.R."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_array

REF = json.loads((FIXTURES / "formula" / "model_matrix.json").read_text())
FAMILIES = {"gaussian": gs.Gaussian(), "binomial": gs.Binomial(), "poisson": gs.Poisson()}


def _data(name: str) -> pd.DataFrame:
    if name == "esoph_ordered":
        d = pd.read_csv(FIXTURES / "data" / "esoph.csv")
        for col, levels in REF["esoph_levels"].items():
            d[col] = pd.Categorical(d[col], categories=levels, ordered=True)
        return d
    return pd.read_csv(FIXTURES / "data" / f"{name}.csv")


def _as_r(name: str) -> str:
    """glmstat's column name as R writes it: 'g[T.b]' -> 'gb', 'g[.L]' -> 'g.L', 'poly(x, 2)[1]' -> 'poly(x, 2)1',
    'I(x > 1)[T.True]' -> 'I(x > 1)TRUE'."""
    name = name.replace("Intercept", "(Intercept)") if name == "Intercept" else name
    name = re.sub(r"\[T\.True\]", "TRUE", name)
    name = re.sub(r"\[T\.False\]", "FALSE", name)
    return re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", name)


@pytest.fixture(scope="module", params=sorted(REF["cases"]))
def case(request):
    ref = REF["cases"][request.param]
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = gs.glm(ref["formula"], _data(ref["data"]), family=FAMILIES[ref["family"]], tol=1e-12,
                         max_iter=100)
    return ref, fit


def test_term_labels_are_r(case):
    ref, fit = case
    labels = ref["term_labels"] if isinstance(ref["term_labels"], list) else [ref["term_labels"]]
    assert [t for t in fit.model_frame.term_labels if t != "(Intercept)"] == labels


def test_design_equals_r_model_matrix(case):
    ref, fit = case
    assert_close(fit.model_frame.X, r_array(ref["X"]), rtol=1e-10, atol=1e-12)


def test_column_names_read_as_r(case):
    ref, fit = case
    if "sum_helmert" in ref["id"]:  # R numbers sum and helmert columns 1, 2; glmstat names their levels
        assert list(fit.column_names[1:5]) == ["C(factor(gear), contr.sum)[S.3]", "C(factor(gear), contr.sum)[S.4]",
                                         "C(factor(cyl), contr.helmert)[H.6]", "C(factor(cyl), contr.helmert)[H.8]"]
        return
    assert [_as_r(c) if c != "Intercept" else "(Intercept)" for c in fit.column_names] == ref["column_names"]


def test_coefficients_are_r(case):
    ref, fit = case
    assert_close(fit.coef, r_array(ref["coefficients"]), rtol=1e-6, atol=1e-9)
    assert_close(fit.deviance, ref["deviance"], rtol=1e-8)


def test_predictions_on_new_data_use_the_training_transform(case):
    ref, fit = case
    if "predict_link" not in ref:
        pytest.skip("no new data for this case")
    new = pd.DataFrame(REF["newdata"])
    assert_close(fit.predict(new, type="link"), r_array(ref["predict_link"]), rtol=1e-8, atol=1e-9)
