"""The printed line of a Wald test of linear hypotheses (``fit.wald_test``) shows R's numbers as R prints them:
the statistic by ``print.htest``'s rule, ``format(x, digits = 5)`` (car's ``linearHypothesis`` table shows the
same five significant digits, rounded to 4 decimals, so that a statistic of 4.3e-12 is its ``0``), the p-value
``format.pval(p, digits = 4)``.  The line printed the statistic with ``%.6g``, one digit more than R's:
``Chisq = 28.4271`` where R prints 28.427, ``F = 3.05705`` where R prints 3.057.

R's output: tests/fixtures/wald_print/make_wald_print.R -> r.json (R's statistic and p-value texts, and car's
printed table).
"""

from __future__ import annotations

import json

import pytest

import glmstat as gs
from conftest import FIXTURES, load_data

R = json.loads((FIXTURES / "wald_print" / "r.json").read_text())
FAMILIES = {"poisson": gs.Poisson(), "binomial": gs.Binomial(), "gamma_log": gs.Gamma(link="log")}


def _line(case: dict) -> str:
    """The line as R's numbers make it: glmstat's words, R's texts of the statistic and p-value."""
    df = f"{case['df']} and {case['df_residual']}" if case["test"] == "F" else f"{case['df']}"
    p = case["p_text"]
    return (f"{'F' if case['test'] == 'F' else 'Chisq'} = {case['statistic_text']} on {df} df, "
            f"p-value {p if p.startswith('<') else '= ' + p}")


@pytest.mark.parametrize("case", R, ids=lambda c: c["id"])
def test_wald_line_prints_r_digits(case):
    fit = gs.glm(case["formula"], load_data(case["data"]), family=FAMILIES[case["family"]], tol=1e-13, max_iter=100)
    t = fit.wald_test(case["hypotheses"], test="F" if case["test"] == "F" else "chisq")
    assert abs(t.statistic - case["statistic"]) <= 1e-6 * case["statistic"]
    line = _line(case)
    assert t.result_line() == line
    assert str(t).splitlines()[-1] == line
    assert line.replace("<", "&lt;") in t._repr_html_()
