"""The heading of ``emmeans_pairs()`` and ``emmeans_contrasts()`` carries emmeans' notes of the adjustment made to
the p-values (``P value adjustment: ...``) and, with ``level=``, to the intervals (``Confidence level used: 0.9``,
``Conf-level adjustment: ...``, Bonferroni's for R's other p.adjust methods), in its words and with the numbers it
prints: Tukey's family of means (``tukey method for comparing a family of 6 estimates``; emmeans' family of 18 for
pairs of means nested in three groups, which the p-values use), Scheffe's rank (``scheffe method with rank 2`` for
contrasts of one's own, two of them proportional), the number of tests of the other methods.  The heading said
``p-values adjusted by tukey for 15 comparisons`` for the six means of R's note, ``scheffe for 3 comparisons`` for
rank 2, and ``tukey for 6 comparisons a group`` where the adjustment took the nested family of 18; the intervals
were ``0.9 intervals adjusted by tukey``.  Where emmeans prints no note (no adjustment, or one comparison a group)
the heading says the p-values are not adjusted; emmeans prints none of Tukey's or Scheffe's adjustment of a family
of two means either, which it makes (Scheffe's of rank 2 of two means themselves changes the p-values), and the
heading's first line then names it.  Where groups differ in size emmeans writes the last group's family
or ``(varies)``; glmstat writes the least and greatest (not a case here).

R's output: tests/fixtures/emmeans_notes/make_emmeans_notes.R -> r.json (emmeans 1.8's printed notes and p-values).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, load_data

R = json.loads((FIXTURES / "emmeans_notes" / "r.json").read_text())
DATA = {"insectsprays": lambda: load_data("insectsprays"), "warpbreaks": lambda: load_data("warpbreaks"),
        "nested": lambda: pd.read_csv(FIXTURES / "emmeans_two_nested" / "data.csv")}


def _table(case: dict, level: float | None = None) -> pd.DataFrame:
    fit = gs.glm(case["formula"], DATA[case["data"]](), family=gs.Poisson(), tol=1e-14, max_iter=100)
    by = case["by"]
    if case["method"] == "pairwise":
        return fit.emmeans_pairs(case["term"], adjust=case["adjust"], by=by, level=level)
    method = case["contrasts"] if case["method"] == "custom" else case["method"]
    return fit.emmeans_contrasts(case["term"], method, case["adjust"], by=by, level=level)


@pytest.mark.parametrize("case", R, ids=lambda c: c["id"])
def test_heading_carries_emmeans_adjustment_note(case):
    table = _table(case)
    heading = table.attrs["heading"]
    if case["note"] is None:
        # (emmeans prints no note of Scheffe's adjustment of a family of two means, which it makes: the heading's
        # first line says it)
        first = heading.split("\n")[0]
        assert "p-values not adjusted" in first or f"p-values adjusted: {case['adjust']} method" in first
        assert "P value adjustment" not in heading
    else:
        assert f"P value adjustment: {case['note']}" in heading.split("\n")
    r = np.array(case["p_value"], dtype=float)
    got = table["p_value"].to_numpy()
    shown = r > 1e-10  # (R's sidak of p below the rounding of 1 - p is 0)
    np.testing.assert_allclose(got[shown], r[shown], rtol=1e-6)


@pytest.mark.parametrize("case", R, ids=lambda c: c["id"])
def test_heading_carries_emmeans_interval_notes(case):
    lines = _table(case, level=0.9).attrs["heading"].split("\n")
    assert f"Confidence level used: {case['level_note']}" in lines
    if case["conf_note"] is None:
        assert not any("Conf-level adjustment" in line for line in lines)
    else:
        assert f"Conf-level adjustment: {case['conf_note']}" in lines
