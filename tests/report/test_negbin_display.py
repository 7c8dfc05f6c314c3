"""The negative binomial printed as MASS prints it: the family name ``Negative Binomial(1.2749)``
(``format(round(theta, 4))``), print.summary.negbin's Theta / Std. Err. / 2 x log-likelihood block, and the
``glm.nb(...)`` call with its ``init.theta``.

R's output: tests/fixtures/scripts/make_negbin_display.R -> negbin_display.json (MASS's glm.nb on quine,
warpbreaks and InsectSprays, whose standard errors of theta give 3, 2 and 1 decimals);
tests/fixtures/negbin_rounding/make_negbin_rounding.R -> r.json (the same texts at decimal midpoints, where R's
round() and Python's differ).
"""

from __future__ import annotations

import json
import math
import re

import pytest

import glmstat as gs
from conftest import FIXTURES, load_data
from glmstat.report.display import negbin_texts

R = json.loads((FIXTURES / "negbin_display.json").read_text())
MIDPOINTS = json.loads((FIXTURES / "negbin_rounding" / "r.json").read_text())
FITS = {  # case -> (data, link), the formula in the fixture
    "quine": ("quine", "log"), "quine_sqrt": ("quine", "sqrt"), "warpbreaks": ("warpbreaks", "log"),
    "insectsprays": ("insectsprays", "log"),
}


def fit_case(case: str) -> gs.GLMResults:
    data, link = FITS[case]
    return gs.glm(R["fits"][case]["formula"], load_data(data), family=gs.NegativeBinomial(link=link))


def test_family_name_is_mass():
    assert [gs.NegativeBinomial(theta=t).label for t in R["family"]["theta"]] == R["family"]["name"]


@pytest.mark.parametrize("case", sorted(FITS))
def test_estimated_theta_prints_mass_block(case):
    lines = str(fit_case(case).summary()).splitlines()
    r = R["fits"][case]["summary"]
    tail = r.index(next(ln for ln in r if ln.startswith("Number of Fisher Scoring iterations")))
    assert lines[-len(r[tail:]):] == r[tail:]  # iterations, then Theta, Std. Err., 2 x log-likelihood
    dispersion = next(ln for ln in r if ln.startswith("(Dispersion parameter"))
    assert dispersion in lines  # Negative Binomial(1.2749), not 1.275


def test_fixed_theta_family_line():
    fit = gs.glm("Days ~ Eth + Sex + Age + Lrn", load_data("quine"), family=gs.NegativeBinomial(theta=2))
    r_line = next(ln for ln in R["fixed_summary"] if ln.startswith("(Dispersion parameter"))
    # R: (Dispersion parameter for Negative Binomial(2) family taken to be 1.483669) -- glm() with MASS's
    # family estimates a dispersion; glmstat keeps glm.nb's 1 (documented), so the family name is compared
    assert f"for {fit.family.label} family" in r_line
    theta = R["fits"]["quine"]["theta"]
    assert gs.NegativeBinomial(theta=theta).label in str(R["fits"]["quine"]["summary"])


@pytest.mark.parametrize("case", sorted(FITS))
def test_call_is_glm_nb_with_init_theta(case):
    fit = fit_case(case)
    ours = " ".join(str(fit.summary()).split("Call:\n")[1].split("\n\n")[0].split())
    want = " ".join(" ".join(R["fits"][case]["call"]).split())
    # init.theta is signif(theta, 10): glmstat's exact estimate and R's glm.nb differ by ~1e-9 (relative)
    theta = re.compile(r"init\.theta = ([0-9.e+-]+)")
    ours_theta, r_theta = theta.search(ours).group(1), theta.search(want).group(1)
    assert ours_theta == f"{fit.theta:.10g}" and math.isclose(float(ours_theta), float(r_theta), rel_tol=1e-8)
    assert theta.sub("init.theta = THETA", ours) == theta.sub("init.theta = THETA", want)


def test_fixed_theta_call_names_theta():
    fit = gs.glm("Days ~ Eth", load_data("quine"), family=gs.NegativeBinomial(theta=1.5, link="sqrt"))
    assert 'family = negative.binomial(theta = 1.5, link = "sqrt")' in " ".join(str(fit.summary()).split())


def test_family_name_rounds_as_r_at_decimal_midpoints():
    # format(round(theta, 4)) with R's round: 2.12345 is 2.1234 (Python's round gives 2.1235), 5e-05 is 0
    f = MIDPOINTS["family"]
    assert [gs.NegativeBinomial(theta=float(t)).label for t in f["theta"]] == f["name"]


@pytest.mark.parametrize("block", MIDPOINTS["blocks"], ids=lambda b: b["theta"])
def test_theta_block_rounds_as_r_at_decimal_midpoints(block):
    # MASS's own print.summary.negbin lines; -0.0005 to 3 decimals is 0 in R (Python's round gives -0.001)
    theta, se, twologlik = negbin_texts(float(block["theta"]), float(block["se"]), float(block["twologlik"]))
    assert block["lines"] == [f"              Theta:  {theta} ", f"          Std. Err.:  {se} ",
                              f" 2 x log-likelihood:  {twologlik} "]
