"""emmeans' ``contrast(emm, "mean_chg")``: for each level but the last, the mean of the levels after it less the mean of
it and the levels before, ``"a|b"`` (each group's k - 1 of them, with levels in parentheses where emmeans puts them),
ratios of ``type="response"`` means of a log link and differences otherwise, adjusted by the method asked for (Tukey's
changed to Sidak's, as emmeans changes it; its default ``"mvt"`` is simulated and refused, as for ``"consec"``), with
simultaneous intervals and emmeans' notes.  glmstat did not offer the method.

R's output: tests/fixtures/emmeans_mean_chg/make_emmeans_mean_chg.R -> r.json (emmeans 1.8).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, load_data

R = json.loads((FIXTURES / "emmeans_mean_chg" / "r.json").read_text())
FAMILIES = {"poisson": gs.Poisson, "probit": lambda: gs.Binomial(link="probit")}


def _fit(case: dict) -> gs.GLMResults:
    return gs.glm(case["formula"], load_data(case["data"]), family=FAMILIES[case["family"]](), tol=1e-14,
                  max_iter=100)


def _lines(notes: str | list) -> list:
    return [notes] if isinstance(notes, str) else list(notes)


@pytest.mark.parametrize("case", R, ids=[f"{c['id']}-{c['type']}-{c['adjust']}" for c in R])
def test_mean_chg_as_emmeans(case):
    fit = _fit(case)
    by = case["by"] if isinstance(case["by"], str) else None
    table = fit.emmeans_contrasts(case["term"], "mean_chg", case["adjust"], by=by, type=case["type"])
    assert table.attrs["heading"].split("\n")[1:] == _lines(case["notes"])
    assert list(table.index.get_level_values("contrast")) == case["contrast"]
    for column, key in (("estimate", "estimate"), ("std_error", "se"), ("statistic", "statistic"),
                        ("p_value", "p_value")):
        assert_close(table[column], case[key], rtol=1e-6, atol=1e-12)
    assert np.isinf(table["df"]).all()
    with_level = fit.emmeans_contrasts(case["term"], "mean_chg", case["adjust"], by=by, type=case["type"], level=0.9)
    assert with_level.attrs["heading"].split("\n")[1:] == _lines(case["level_notes"])
    assert_close(with_level["lower"], case["lower"], rtol=1e-6, atol=1e-12)
    assert_close(with_level["upper"], case["upper"], rtol=1e-6, atol=1e-12)


def test_mean_chg_default_adjustment_is_refused_as_emmeans_simulates_it():
    fit = gs.glm("count ~ spray", load_data("insectsprays"), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match="emmeans' default for mean_chg comparisons, \"mvt\""):
        fit.emmeans_contrasts("spray", "mean_chg")
