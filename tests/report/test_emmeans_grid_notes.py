"""The heading of ``emmeans()`` carries the notes emmeans prints under its grid of means, in its words and order:
``Results are averaged over the levels of: alcgp, tobgp`` (the factors, and the variables given several values by
``at=``, the means average over; not a covariate held at its mean), ``Results are given on the logit (not the
response) scale.`` (``type="link"``), ``Confidence level used: 0.95`` and ``Intervals are back-transformed from
the log scale`` (``type="response"``; ``sqrt[log]`` for a log link of a ``sqrt(y)`` response, emmeans' names of a
transformed response: ``log(mu + 1)``, ``2*sqrt``, ``scale(28.1, 13.2)``, ``identity(mu + 1)``), none of the scale
notes for an identity link.  The heading said only ``Estimated marginal means on the response scale (log link),
normal-based 95% intervals``: not which factors the means average over, nor emmeans' words for the scale.

R's output: tests/fixtures/emmeans_grid_notes/make_emmeans_grid_notes.R -> r.json (emmeans 1.8's printed notes
for logit, log, inverse and identity links, transformed responses, by groups, at= values, a nested factor,
type "response" and "link", levels 0.95 and 0.9).
"""

from __future__ import annotations

import json
import warnings

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


@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['id']}-{c['type']}-{c['level']}")
def test_emmeans_heading_carries_emmeans_notes(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(case["formula"], _data(case["data"]), family=FAMILIES[case["family"]](), tol=1e-14,
                     max_iter=100)
    by = case["by"] if isinstance(case["by"], str) else None
    table = fit.emmeans(case["term"], level=case["level"], by=by, type=case["type"], at=case.get("at"))
    assert table.attrs["heading"].split("\n")[1:] == case["notes"]
