"""A fit that did not converge says what its iterations did: where Fisher scoring stopped, what the Newton steps
after it reached, and which rows' means ran off.

An inverse Gaussian log-link fit of a cubic in x1 (random case s792_0014, tests/fixtures/inverse_gaussian_run_off,
R's output by make_inverse_gaussian_run_off.R): R's glm.fit stops at its fifth iteration with "inner loop 1; cannot
correct step size", its deviance NaN (the means of the rows of largest x1 overflow).  glmstat's scoring stops there
too, and the Newton steps after it settle the deviance (its relative change 1e-12 a step) with 17 means beyond 1e10
times the largest response; the warning used to say "did not converge in 5 iterations (last relative deviance change
1)", true of the scoring but silent on the 22 steps after it and on the means.
"""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.diagnosis.degenerate import FAR_MEAN_RATIO
from glmstat.errors import ConvergenceWarning

HERE = FIXTURES / "inverse_gaussian_run_off"
R = json.loads((HERE / "r.json").read_text())


def _fit():
    data = pd.read_csv(HERE / "data.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm("y ~ poly(x1, 3, raw = TRUE) - 1", data, family=gs.InverseGaussian(link="log"))
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    return data, fit, messages


def test_the_warning_says_where_scoring_stopped_as_r_and_what_the_newton_steps_reached():
    data, fit, messages = _fit()
    assert not fit.converged and len(messages) == 1
    msg = messages[0]
    assert R["error"].endswith("cannot correct step size")
    assert f"Fisher scoring stopped at iteration {R['iterations']}," in msg and "cannot correct step size" in msg
    steps = len(fit.trace) - R["iterations"]
    assert steps > 0 and f"the {steps} Newton steps after it lowered the deviance to {fit.deviance:.10g}" in msg
    last = abs(fit.trace["deviance"].iloc[-1] - fit.trace["deviance"].iloc[-2]) / (fit.deviance + 0.1)
    assert f"(last relative change {last:.2g})" in msg and "did not converge in" not in msg


def test_the_warning_names_the_rows_whose_means_ran_off():
    data, fit, messages = _fit()
    used = data.dropna()
    assert len(used) == R["complete"]
    far = np.abs(np.asarray(fit.fitted_values)) > FAR_MEAN_RATIO * used["y"].abs().max()
    assert far.sum() > 0
    m = re.search(r"the fitted means of (\d+) rows run off beyond 1e\+10 times the largest response \(up to (\S+); "
                  r"rows ([\d, ]+)", messages[0])
    assert m and int(m[1]) == far.sum()
    np.testing.assert_allclose(float(m[2]), np.abs(np.asarray(fit.fitted_values)).max(), rtol=5e-3)
    named = [int(v) for v in m[3].rstrip(", ").split(", ")]
    assert named == [int(v) for v in np.asarray(fit.fitted_values.index)[far][:len(named)]]
    # the inverse Gaussian unit deviance (y - mu)^2 / (y mu^2) tends to 1/y: the message says it levels off
    assert "inverse.gaussian deviance of a row levels off" in messages[0]


@pytest.mark.parametrize("family,levels", [
    (gs.InverseGaussian(), True), (gs.Tweedie(var_power=2.5, link_power=0), True), (gs.Gamma(), False),
    (gs.Poisson(), False), (gs.Tweedie(var_power=1.5, link_power=0), False)])
def test_only_a_variance_power_above_2_levels_off(family, levels):
    # closed forms: the unit deviance's limit as mu -> infinity is finite exactly when the variance power exceeds 2
    # (inverse Gaussian 1/y; Tweedie 2 y^(2-p) / ((1-p)(2-p))); Gamma's grows as 2 log(mu), Poisson's as 2 mu
    from glmstat.diagnosis.degenerate import _deviance_levels_off

    assert _deviance_levels_off(family) is levels


def test_the_diagnosis_and_the_run_off_message_read_the_response_range_once(monkeypatch):
    """The message's scale (the largest |response|) comes from the pass the diagnosis made: one read of the data,
    which for streamed rows is a pass over the file."""
    from glmstat.diagnosis import response_range

    calls = []
    real = response_range.fold_lazy  # (the pass itself, whichever module holds the reader's name)
    monkeypatch.setattr(response_range, "fold_lazy", lambda *args: calls.append(1) or real(*args))
    _, fit, messages = _fit()
    assert not fit.converged and "run off beyond" in messages[0]
    assert len(calls) == 1
