"""Profile intervals that are the whole line: the deviance along a run-off tends to a limit below the threshold
(held-out random case s751_0318; R's numbers in tests/fixtures/random_held_out/runoff_profile.json, made by
``scripts/make_runoff_profile.R``).

``y ~ x1 + I(x2^2) - 1`` with the Gaussian inverse link, mu = 1 / eta.  Hold either coefficient at any b and let the
other run to +/-inf: x2^2 > 0 and x1 != 0 on every row, so every eta runs off, every mean tends to 0 and the deviance
to sum y^2 = 36541.97 (closed form), below the 95% threshold D_hat + q^2 phi = 33725.12 + 3.84 * 1053.91 = 37773.67.
So the profile deviance (the infimum over the other coefficient) is below the threshold at every b: both profile
intervals are (-inf, inf).  R's confint fails ("profiling has found a better solution"); its refits, local minima,
gave (0.504, Inf) and (NA, Inf) in the held-out reference.  glmstat's search reported NaN ("cannot be refitted
beyond -9.52e7", though every refit was valid: Newton steps on a dz of rounding noise crept out by 0.1% each until
the steps ran out) and let numpy's overflow warning out of a run-off refit.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, r_double

HERE = FIXTURES / "random_held_out"
REF = json.loads((HERE / "runoff_profile.json").read_text())
DATA = pd.read_csv(HERE / "data" / "s751_0318.csv")
FAMILY = gs.Gaussian(link="inverse")
THRESHOLD = r_double(REF["fit"]["threshold"])
COLUMNS = (DATA.x1.to_numpy(), DATA.x2.to_numpy() ** 2)


@pytest.fixture(scope="module")
def fit():
    return gs.glm("y ~ x1 + I(x2^2) - 1", DATA, family=FAMILY, tol=1e-12, max_iter=100)


def test_every_run_off_ends_below_the_threshold(fit):
    assert fit.deviance == pytest.approx(r_double(REF["fit"]["deviance"]), rel=1e-12)
    assert fit.dispersion == pytest.approx(r_double(REF["fit"]["dispersion"]), rel=1e-9)
    assert fit.deviance + fit.dispersion * 1.959963984540054 ** 2 == pytest.approx(THRESHOLD, rel=1e-12)
    # along a run-off every mean tends to 0: the deviance to sum y^2, below the threshold at every b
    assert np.all(COLUMNS[0] != 0) and np.all(COLUMNS[1] > 0)
    limit = float(np.sum(DATA.y ** 2))
    assert limit == pytest.approx(r_double(REF["sum_y2"]), rel=1e-15)
    assert limit < THRESHOLD
    for r in REF["run_off"]:  # R's deviance at points on such run-offs (the other coefficient at +/-1e8)
        assert r_double(r["deviance"]) == pytest.approx(limit, rel=1e-7)


@pytest.mark.parametrize("r", REF["refits"], ids=lambda r: f"{r['column']}@{r['b']:g}")
def test_refits_far_out_are_below_the_threshold_as_r_s(r):
    j = r["column"]
    other = "I(x2^2)" if j == 0 else "x1"
    refit = gs.glm(f"y ~ {other} - 1", DATA, family=FAMILY, offset=r["b"] * COLUMNS[j],
                   start=[r_double(r["start"])], tol=1e-12, max_iter=100)
    assert r["converged"] and refit.converged
    assert refit.deviance == pytest.approx(r_double(r["deviance"]), rel=1e-9)
    assert refit.coef.iloc[0] == pytest.approx(r_double(r["coefficient"]), rel=1e-7)
    assert refit.deviance < THRESHOLD
    if abs(r["b"]) >= 1e6:  # far out: the run-off keeping the row k of largest |y| fitted, sum_{i != k} y_i^2
        assert refit.deviance == pytest.approx(r_double(REF["largest_kept"]), rel=1e-7)


def test_the_profile_intervals_are_the_whole_line_with_a_profile_warning(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)  # (no numpy warning may reach the user)
        ci = fit.conf_int(method="profile")
    assert ci.to_numpy().tolist() == [[-np.inf, np.inf], [-np.inf, np.inf]]
    said = [str(w.message) for w in caught if w.category is gs.ProfileWarning]
    assert len(said) == 4
    assert all("the deviance stays below the threshold 37773.6715 however far the coefficient goes" in m
               for m in said)
