"""Confidence limits at levels near 1 match R's (tests/fixtures/extreme_levels, ``scripts/make_extreme_levels.R``).

The critical value of a two-sided interval was ``qnorm(0.5 + level / 2)``: near 1 that probability rounds to a
multiple of 2^-53, so the tail lost its digits (limits 2e-3 relative from emmeans' at level 1 - 1e-15) and at
the largest level below 1 it was 1, an infinite critical value: Wald limits of +/-inf, and a profile search
that ran for seconds, leaked a thousand numpy RuntimeWarnings and reported -inf and NaN for every limit.  It
is now R's ``-qnorm((1 - level) / 2)``, from the exact lower tail, as emmeans and ``confint.default``'s
lower limits compute it.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.distributions import interval_quantile

DIR = FIXTURES / "extreme_levels"
REF = {c["level"]: c for c in json.loads((DIR / "r.json").read_text())["cases"]}
LEVELS = {"0.95": 0.95, "1 - 1e-12": 1 - 1e-12, "1 - 1e-15": 1 - 1e-15, "1 - 2**-53": 1 - 2**-53}
NEW = pd.DataFrame({"x": [-1, 0.5, 2], "g": ["a", "b", "c"]})


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(DIR / "data.csv")


@pytest.fixture(scope="module")
def fits(data):
    """R's default output (convergence="R"): the Poisson and Gaussian fits of make_extreme_levels.R."""
    return (gs.glm("y ~ x + g", data, family=gs.Poisson(), convergence="R"),
            gs.glm("yg ~ x + g", data, family=gs.Gaussian(), convergence="R"))


def test_the_levels_are_read_alike():
    assert LEVELS["1 - 2**-53"] == np.nextafter(1.0, 0.0) and set(LEVELS) == set(REF)


@pytest.mark.parametrize("text", list(LEVELS))
def test_critical_values(text):
    ref = REF[text]
    assert_close([interval_quantile(LEVELS[text])], [ref["z"]], rtol=1e-12)
    assert_close([interval_quantile(LEVELS[text], ref["t_df"])], [ref["t"]], rtol=1e-10)


@pytest.mark.parametrize("text", list(LEVELS))
def test_wald_limits(fits, text):
    pois, _ = fits
    level, ref = LEVELS[text], REF[text]
    ci = pois.conf_int(level=level)
    assert_close(ci["lower"], ref["confint_lower"], rtol=1e-7)
    # symmetric about the estimate (R's upper limits come from qnorm(1 - (1 - level) / 2), which rounds near 1)
    assert_close(ci["upper"] - pois.coef, pois.coef - ci["lower"], rtol=1e-12)
    assert np.isfinite(ci.to_numpy()).all()


@pytest.mark.parametrize("text", list(LEVELS))
def test_emmeans_limits(fits, text):
    pois, gaus = fits
    level, ref = LEVELS[text], REF[text]
    for fit, key in ((pois, "emmeans_poisson"), (gaus, "emmeans_gaussian")):
        em = fit.emmeans("g", level=level)
        assert_close(em["lower"], ref[key]["lower"], rtol=1e-7)
        assert_close(em["upper"], ref[key]["upper"], rtol=1e-7)


@pytest.mark.parametrize("text", list(LEVELS))
def test_prediction_limits(fits, text):
    pois, _ = fits
    level, ref = LEVELS[text], REF[text]
    p = pois.predict(NEW, type="link", interval="confidence", level=level)
    assert_close(p["lower"], ref["predict_link"]["lower"], rtol=1e-7)
    assert_close(p["upper"], ref["predict_link"]["upper"], rtol=1e-7)


@pytest.mark.parametrize("text", list(LEVELS))
def test_profile_limits(data, text):
    fit = gs.glm("y ~ x + g", data, family=gs.Poisson(), tol=1e-12, max_iter=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a thousand RuntimeWarnings and two ProfileWarnings at 1 - 2**-53)
        ci = fit.conf_int(method="profile", level=LEVELS[text], parm=["x"])
    assert_close(ci.loc["x"].to_numpy(), REF[text]["profile_x"], rtol=1e-6)
