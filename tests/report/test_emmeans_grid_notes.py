"""The heading of ``emmeans()`` carries the notes emmeans prints under its grid of means, in its words and order:
``Results are averaged over the levels of: alcgp, tobgp`` (the factors, and the variables given several values by
``at=``, the means average over; not a covariate held at its mean), ``Results are given on the logit (not the
response) scale.`` (``type="link"``), ``Confidence level used: 0.95`` and ``Intervals are back-transformed from
the log scale`` (``type="response"``; ``sqrt[log]`` for a log link of a ``sqrt(y)`` response, emmeans' names of a
transformed response: ``log(mu + 1)``, ``2*sqrt``, ``scale(28.1, 13.2)``, ``identity(mu + 1)``), none of the scale
notes for an identity link.  The heading said only ``Estimated marginal means on the response scale (log link),
normal-based 95% intervals``: not which factors the means average over, nor emmeans' words for the scale.

The headings of ``emmeans_pairs()`` and ``emmeans_contrasts()`` carry the notes emmeans prints under ``pairs()``
and ``contrast(, "trt.vs.ctrl")`` of that grid, in its words and order: the variables averaged over, ``Tests are
performed on the log odds ratio scale`` (ratios of ``type="response"`` means: ``log``, ``log10``, ``sqrt[log]``),
``Results are given on the log odds ratio (not the response) scale.`` (``type="link"``: differences of eta),
``Note: contrasts are still on the inverse scale`` (differences on a scale that is not the response's: an inverse
link, a ``2*sqrt``, ``scale(...)`` or ``I(y + 1)`` response), and with a ``level`` (emmeans' ``summary(infer =
c(TRUE, TRUE))``) the confidence level, its adjustment and ``Intervals are back-transformed from the log scale``,
before ``P value adjustment: ...``.  The headings said only ``(ratios; tests on the log scale; P value adjustment:
...)``: not which factors the means average over; and the comparisons had no ``type``: always ratios where the
link made them.

R's output: tests/fixtures/emmeans_grid_notes/make_emmeans_grid_notes.R -> r.json (emmeans 1.8's printed notes
for logit, log, inverse and identity links, transformed responses, by groups, at= values, a nested factor,
type "response" and "link", levels 0.95 and 0.9; under the grid, its pairs() and contrast(, "trt.vs.ctrl")).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, load_data

R = json.loads((FIXTURES / "emmeans_grid_notes" / "r.json").read_text())
FAMILIES = {"poisson": gs.Poisson, "gaussian": gs.Gaussian, "binomial": gs.Binomial, "gamma_inverse": gs.Gamma,
            "gamma_log": lambda: gs.Gamma(link="log")}


def _data(name: str) -> pd.DataFrame:
    if name == "nested":
        return pd.read_csv(FIXTURES / "emmeans_two_nested" / "data.csv")
    return load_data(name)


def _fit(case: dict) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(case["formula"], _data(case["data"]), family=FAMILIES[case["family"]](), tol=1e-14,
                      max_iter=100)


def _lines(notes: str | list) -> list:
    return [notes] if isinstance(notes, str) else notes  # (jsonlite's auto_unbox writes one line as a string)


@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['id']}-{c['type']}-{c['level']}")
def test_emmeans_heading_carries_emmeans_notes(case):
    fit = _fit(case)
    by = case["by"] if isinstance(case["by"], str) else None
    table = fit.emmeans(case["term"], level=case["level"], by=by, type=case["type"], at=case.get("at"))
    assert table.attrs["heading"].split("\n")[1:] == case["notes"]


@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['id']}-{c['type']}-{c['level']}")
def test_pairs_and_contrasts_headings_carry_emmeans_notes(case):
    fit = _fit(case)
    by = case["by"] if isinstance(case["by"], str) else None
    common = dict(by=by, type=case["type"], at=case.get("at"))
    pairs = fit.emmeans_pairs(case["term"], **common)
    assert pairs.attrs["heading"].split("\n")[1:] == _lines(case["pairs_notes"])
    # (the comparisons the notes describe: ratios of type="response" means, differences of type="link" ones)
    np.testing.assert_allclose(pairs["estimate"], np.ravel(case["pairs_estimate"]), rtol=1e-6)
    r = np.ravel(case["pairs_p_value"]).astype(float)
    # (R's ptukey is good to about 3e-11 absolute in the tail and keeps no digits below 1e-10: test_emmeans.py)
    shown = r > 1e-10
    np.testing.assert_allclose(pairs["p_value"].to_numpy()[shown], r[shown], rtol=1e-6, atol=3e-11)
    with_level = fit.emmeans_pairs(case["term"], level=case["level"], **common)
    assert with_level.attrs["heading"].split("\n")[1:] == _lines(case["pairs_level_notes"])
    control = fit.emmeans_contrasts(case["term"], "trt.vs.ctrl", **common)
    assert control.attrs["heading"].split("\n")[1:] == _lines(case["trt_notes"])
