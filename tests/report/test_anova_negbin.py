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


@pytest.mark.parametrize("width, key", [(80, "printed"), (50, "printed50")])
def test_to_r_is_mass_print(case_table, width, key):
    """``to_r()`` is MASS's ``print.Anova``: the heading's lines (a blank line after the title), then
    ``print.data.frame`` of ``format.data.frame``'s cells (7 digits, NA blank): rows numbered 1 to n, the model
    right-justified under ``Model``, MASS's names (``Resid. df``, ``   2 x log-lik.``, ``   df``, ``LR stat.``,
    ``Pr(Chi)``), wrapped at the width."""
    case, table = case_table
    assert table.to_r(width=width).split("\n") == case[key]


@pytest.mark.parametrize("width, key", [(80, "sequential"), (50, "sequential50")])
@pytest.mark.parametrize("case", [c for c in R if c["sequential"]], ids=lambda c: c["id"])
def test_sequential_anova_of_one_model_is_r_print(case, width, key):
    """``anova()`` of one negative binomial fit is ``anova.negbin``'s ``NextMethod``: ``anova.glm`` with theta held
    at the fit's (``Model: Negative Binomial(1.3799), link: log``), printed as R prints it."""
    fit = _fits(case)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # (tests made without re-estimating theta)
        table = fit.anova()
    assert table.to_r(width=width).split("\n") == case[key]
