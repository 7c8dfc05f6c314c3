"""The Call line is the call R prints: the formula deparsed with R's spaces (``a * b``, ``x/10``, ``a:b``),
the family as R takes it (quasi's variance, negative.binomial's theta, statmod's tweedie, power()),
``weights =`` and ``offset =`` columns, and R's line breaks (deparse's width.cutoff = 60).

R's output: tests/fixtures/scripts/make_call_fixtures.R -> call.json (deparse() of each call as typed, without
data =); the glm.nb calls from make_negbin_display.R -> negbin_display.json.
"""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, load_data
from glmstat.report.call import call_lines

R = json.loads((FIXTURES / "call.json").read_text())
NB = json.loads((FIXTURES / "negbin_display.json").read_text())["fits"]

FAMILIES = {  # the family R's call names -> the same family in glmstat
    'gaussian(link = "identity")': gs.Gaussian(),
    'binomial(link = "logit")': gs.Binomial(),
    'binomial(link = "probit")': gs.Binomial(link="probit"),
    'poisson(link = "log")': gs.Poisson(),
    'poisson(link = "sqrt")': gs.Poisson(link="sqrt"),
    'quasi(link = "log", variance = "mu^2")': gs.Quasi(link="log", variance="mu^2"),
    'Gamma(link = "log")': gs.Gamma(link="log"),
    "tweedie(var.power = 1.5, link.power = 0)": gs.Tweedie(var_power=1.5, link_power=0),
    "gaussian(link = power(0.333333333333333))": gs.Gaussian(link=gs.links.Power(1 / 3)),
    'negative.binomial(theta = 2, link = "log")': gs.NegativeBinomial(theta=2),
}


def data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 60
    s = rng.integers(1, 9, n)
    d = pd.DataFrame({
        "y": rng.integers(1, 20, n).astype(float), "x": rng.uniform(0.5, 3, n), "z": rng.uniform(0.5, 3, n),
        "t": rng.uniform(1, 4, n), "a": rng.choice(["b1", "b2", "b3"], n), "b": rng.choice(["c1", "c2"], n),
        "s": s, "f": 10 - s, "w0": rng.uniform(0.5, 2, n), "o": rng.uniform(-0.1, 0.1, n),
        "odd name": rng.normal(size=n),
    })
    d["successes_long_name"], d["failures_long_name_abcdefgh"] = d["s"], d["f"]
    return d


def fit_case(case: dict, d: pd.DataFrame | str) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(case["formula"], d, family=FAMILIES[case["family"]], weights=case["weights"],
                      offset=case["offset"])  # (R's default control: its call names none)


@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "parquet"])
@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['formula'][:40]}|{c['family'][:20]}")
def test_call_is_r_deparse(case, streamed, tmp_path):
    d: pd.DataFrame | str = data()
    if streamed:  # a frame of streamed rows records its weights= column as an in-memory one does
        d = str(tmp_path / "d.parquet")
        data().to_parquet(d, row_group_size=25)
    fit = fit_case(case, d)
    lines = call_lines(fit)
    assert lines == case["lines"]
    assert str(fit.summary()).split("Call:\n")[1].startswith("\n".join(lines) + "\n\n")
    assert repr(fit).startswith("\nCall:  " + "\n".join(lines) + "\n\n")  # print.glm


@pytest.mark.parametrize("case", ["quine", "warpbreaks"])
def test_glm_nb_call_is_r_deparse(case):
    fit = gs.glm(NB[case]["formula"], load_data(case), family=gs.NegativeBinomial())
    # init.theta is signif(theta, 10): glmstat's exact estimate and R's glm.nb differ in the last digit
    r_theta = re.search(r"init\.theta = ([0-9.]+)", " ".join(NB[case]["call"])).group(1)
    ours = [ln.replace(f"{fit.theta:.10g}", r_theta) for ln in call_lines(fit)]
    assert ours == NB[case]["call"]


def test_weights_and_offset_given_as_arrays_are_left_out():
    case = next(c for c in R if c["offset"] == "o" and c["weights"] is None)  # y ~ x+a, offset = o
    d = data()
    fit = gs.glm(case["formula"], d, family=gs.Poisson(), weights=d["w0"].to_numpy(), offset="o")
    assert call_lines(fit) == case["lines"]  # the offset column named, the weights array not
    fit = gs.glm(case["formula"], d, family=gs.Poisson(), offset=d["o"].to_numpy())
    assert call_lines(fit) == [case["lines"][0].replace(", offset = o", "")]
