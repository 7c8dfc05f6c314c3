"""``gs.anova()`` of two or more negative binomial fits with theta estimated is MASS's ``anova.negbin`` table:
the heading ``Likelihood ratio tests of Negative Binomial Models`` then ``Response: Days``, the models (the index)
each its right-hand side only, as ``paste(formula(fit)[3L])`` writes it (R's ``formula(fit)`` deparsed on one
line: ``Eth * Age + Sex + Lrn``, ``x + offset(log(t))``, a ``.`` written out), the ``Test`` column (``1 vs 2``)
and R's numbers, models ordered by decreasing residual df.  The table's heading said ``Likelihood ratio tests of
negative binomial models`` without the response, the index held the formulas as typed (``Days ~ Eth*Age + Sex +
Lrn``, ``y~x+offset( log(t) )``, ``Days ~ .``), and there was no ``test`` column.

R's output: tests/fixtures/anova_negbin/make_anova_negbin.R -> r.json, quine.csv and data.csv (MASS's quine
models, MASS's own ``update(m1, . ~ . - Eth:Age:Lrn:Sex)`` example, three models out of order, a ``.``, an offset).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "anova_negbin"
R = json.loads((HERE / "r.json").read_text())


def _fits(case: dict) -> list[gs.GLMResults]:
    data = pd.read_csv(HERE / f"{case['data']}.csv")
    formulas = [case["formulas"]] if isinstance(case["formulas"], str) else case["formulas"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # (the quine crossings' empty cells are aliased)
        fits = [gs.glm(f, data, family=gs.NegativeBinomial(), tol=1e-12, max_iter=100) for f in formulas]
        if case.get("update"):
            fits = [fits[0].update(case["update"])] + fits
    return fits


@pytest.fixture(scope="module", params=R, ids=lambda c: c["id"])
def case_table(request):
    return request.param, gs.anova(*_fits(request.param))


def test_heading_names_the_response(case_table):
    case, table = case_table
    assert table.attrs["heading"].split("\n") == [case["heading"][0].rstrip("\n"), case["heading"][1]]


def test_models_are_right_hand_sides_and_tests_are_labelled(case_table):
    case, table = case_table
    assert list(table.index) == case["model"]
    assert list(table["test"]) == case["test"]


def test_numbers_are_r_numbers(case_table):
    case, table = case_table
    for name in ("theta", "resid_df", "twice_loglik", "df", "statistic", "p_value"):
        want = np.array([np.nan if v is None else v for v in case[name]], dtype=float)
        np.testing.assert_allclose(table[name].to_numpy(dtype=float), want, rtol=1e-6, err_msg=name)
    assert list(table.columns) == ["theta", "resid_df", "twice_loglik", "test", "df", "statistic", "p_value"]


def test_markdown_and_html_show_r_models(case_table):
    case, table = case_table
    html, markdown = table.to_html(), table.to_markdown()
    for model, test in zip(case["model"], case["test"]):
        assert f"<th>{model}</th>" in html and model.replace("*", "\\*").replace("~", "\\~") in markdown
        assert not test or f"<td>{test}</td>" in html and test in markdown
