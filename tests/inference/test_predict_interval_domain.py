"""Confidence intervals of the mean for links whose inverse is one-to-one only on one side of eta = 0 (sqrt,
R's power(0.4), 1/mu^2, inverse, statmod's tweedie link.power = 0.4), at new rows whose interval of eta reaches
past 0.  glmstat mapped both limits of eta by the inverse link: for sqrt the limits (-1.23)^2 and 1.29^2 did not
hold the fit (0.0009 outside [1.52, 1.67]), for 1/mu^2 and the power links the NaN of a negative limit left a
single point.  Now the interval of eta is cut at 0 on the side of the estimate, then mapped.  The reference is that
closed form of R's link-scale fit and standard error (tests/fixtures/predict_interval_domain,
make_predict_interval_domain.R).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "predict_interval_domain"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
NEW = pd.read_csv(HERE / "newdata.csv")
Z = 1.959963984540054  # qnorm(0.975)
EPS = np.finfo(float).eps

# (family, inverse link in closed form, the side of 0 the inverse is one-to-one on: "positive" or "nonzero")
CASES = {
    "Gamma_sqrt": (lambda: gs.Gamma(link="sqrt"), lambda e: e * e, "positive"),
    "Gamma_power0.4": (lambda: gs.Gamma(link=gs.links.Power(0.4)), lambda e: np.maximum(e ** 2.5, EPS), "positive"),
    "Gamma_inverse": (lambda: gs.Gamma(link="inverse"), lambda e: 1.0 / e, "nonzero"),
    "inverse.gaussian": (lambda: gs.InverseGaussian(), lambda e: 1.0 / np.sqrt(e), "positive"),
    "tweedie_link0.4": (lambda: gs.Tweedie(1.5, 0.4), lambda e: e ** 2.5, "positive"),
}


def expected_limits(fit: np.ndarray, se: np.ndarray, inverse, side: str) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = fit - Z * se, fit + Z * se
    lo = np.where(fit > 0, np.maximum(lo, 0.0), lo)
    hi = np.where(fit < 0, np.minimum(hi, -0.0), hi)
    outside = fit <= 0 if side == "positive" else fit == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = inverse(lo), inverse(hi)
    return np.where(outside, np.nan, np.minimum(a, b)), np.where(outside, np.nan, np.maximum(a, b))


@pytest.mark.parametrize("ref", REF, ids=[r["id"] for r in REF])
def test_interval_of_the_mean_is_cut_at_the_links_domain(ref):
    family, inverse, side = CASES[ref["id"]]
    fit = gs.glm("y ~ x + g", DATA, family=family())
    link = fit.predict(NEW, type="link", se_fit=True)
    assert_close(link["fit"], ref["fit"], rtol=1e-7)
    assert_close(link["se"], ref["se"], rtol=1e-7)
    mean = fit.predict(NEW, type="response", se_fit=True, interval="confidence")
    assert_close(mean["fit"], ref["response"], rtol=1e-7)
    lo, hi = expected_limits(np.array(ref["fit"]), np.array(ref["se"]), inverse, side)
    assert_close(mean["lower"], lo, rtol=1e-7, atol=1e-300)
    assert_close(mean["upper"], hi, rtol=1e-7, atol=1e-300)
    inside = ~np.isnan(lo)
    assert np.all((mean["lower"][inside] <= mean["fit"][inside]) & (mean["fit"][inside] <= mean["upper"][inside]))
    assert ((np.array(ref["fit"]) - Z * np.array(ref["se"]) < 0) & inside).any()  # (an interval reaches past 0)


@pytest.mark.parametrize("link_power, shift", [(1.0, 2.0), (1 / 3, 0.0)])
def test_tweedie_link_of_an_odd_root_is_not_cut(link_power, shift):
    """statmod's tweedie link eta = mu^p with 1/p an odd integer is one-to-one over every eta (no clamp), and a
    Tweedie mean with var.power 0 may be negative: the interval of the mean is the image of eta's, uncut, on
    either side of 0 (mu = eta^(1/p) of each limit)."""
    fit = gs.glm("y ~ x + g", DATA.assign(y=DATA["y"] - shift), family=gs.Tweedie(0.0, link_power))
    new = pd.concat([NEW, pd.DataFrame({"x": [-3.0, -5.0], "g": ["a", "a"]})], ignore_index=True)
    link = fit.predict(new, type="link", interval="confidence")
    mean = fit.predict(new, type="response", interval="confidence")
    assert (link["lower"] < 0).any() and (link["upper"] > 0).any()
    assert_close(mean["lower"], np.sign(link["lower"]) * np.abs(link["lower"]) ** (1 / link_power), rtol=1e-12)
    assert_close(mean["upper"], np.sign(link["upper"]) * np.abs(link["upper"]) ** (1 / link_power), rtol=1e-12)
