"""Fuzzing the public glm(): random frames (NaN, inf, strings, empty, huge values), random formulas over their
columns, every family, random weights.  Whatever the input, glm() either returns results or raises a
gs.GLMStatError; it emits no warning outside gs.GLMStatWarning (no numpy RuntimeWarning spam); it never
returns non-finite coefficients or standard errors without a warning; it never modifies the caller's data;
and every rendering and accessor of a returned fit works.

A second test draws plausible data (numbers, factors, a response suited to the family): when such a fit
emits no warning at all, its numbers must be finite and it must satisfy the score equations
X' diag(w mu'(eta) / V(mu)) (y - mu) = 0, i.e. it is the maximum-likelihood estimate, not a silently wrong one.

The suite runs a modest number of examples; run more with e.g. ``GLMSTAT_FUZZ_EXAMPLES=5000``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import glmstat as gs
from fuzz_strategies import PLAUSIBLE_KINDS, families, formulas, frames, offsets_for, weights_for

EXAMPLES = int(os.environ.get("GLMSTAT_FUZZ_EXAMPLES", "300"))


def _exercise(fit: gs.GLMResults) -> None:
    """Touch every cheap public quantity and rendering of a fit."""
    for name in ("coef", "std_errors", "statistic", "p_values", "vcov", "deviance", "null_deviance", "df_residual",
                 "df_null", "nobs", "rank", "aic", "bic", "loglik", "dispersion", "converged", "iterations",
                 "aliased", "fitted_values", "linear_predictor", "notes"):
        getattr(fit, name)
    for kind in ("deviance", "pearson", "working", "response"):
        fit.residuals(kind)
    fit.conf_int()
    fit.tidy()
    fit.glance()
    s = fit.summary()
    str(s)
    s.to_markdown()
    s.to_latex()
    s._repr_html_()
    repr(fit)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=st.data())
def test_glm_stays_inside_the_taxonomy(data):
    family = data.draw(families(), label="family")
    df = data.draw(frames(family), label="data")
    formula = data.draw(formulas(df, family), label="formula")
    weights = data.draw(weights_for(df), label="weights")
    offset = data.draw(offsets_for(df), label="offset")
    na_action = data.draw(st.sampled_from(["drop", "drop", "drop", "raise"]), label="na_action")
    before = df.copy(deep=True)
    fit = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = gs.glm(formula, df, family=family, weights=weights, offset=offset, na_action=na_action)
        except gs.GLMStatError as e:
            assert str(e)  # every error says something
            event(f"error {type(e).__name__}")
        else:
            event("fitted")
        if fit is not None:
            _exercise(fit)
    foreign = [f"{w.category.__name__}: {w.message}" for w in caught if not issubclass(w.category, gs.GLMStatWarning)]
    assert not foreign, foreign
    pd.testing.assert_frame_equal(df, before)
    if fit is not None:
        ours = [w for w in caught if issubclass(w.category, gs.GLMStatWarning)]
        if not np.all(np.isfinite(fit.coef.to_numpy())):
            assert ours, f"non-finite coefficients without a warning: {fit.coef.to_dict()}"
        if not np.all(np.isfinite(fit.std_errors.to_numpy())):
            assert ours, f"non-finite standard errors without a warning: {fit.std_errors.to_dict()}"
        assert len(fit.fitted_values) == fit.nobs + int(
            np.sum(fit.model_frame.prior_weights * fit.model_frame.trials == 0))


@settings(max_examples=max(EXAMPLES // 3, 50), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=st.data())
def test_silent_fits_solve_the_score_equations(data):
    family = data.draw(families(), label="family")
    df = data.draw(frames(family, kinds=PLAUSIBLE_KINDS), label="data")
    formula = data.draw(formulas(df, family), label="formula")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = gs.glm(formula, df, family=family)
        except gs.GLMStatError as e:
            event(f"error {type(e).__name__}")
            return
    foreign = [f"{w.category.__name__}: {w.message}" for w in caught if not issubclass(w.category, gs.GLMStatWarning)]
    assert not foreign, foreign
    if caught:
        for w in caught:
            event(f"warning {w.category.__name__}")
        return
    event("fitted silently")
    assert fit.converged
    assert np.all(np.isfinite(fit.coef)) and np.all(np.isfinite(fit.std_errors)) and np.all(fit.std_errors > 0)
    f = fit.model_frame
    kept = ~np.isnan(fit.coef.to_numpy())
    X = f.X[:, kept]
    eta, mu = fit.linear_predictor.to_numpy(), fit.fitted_values.to_numpy()
    fam = fit.family
    w = (f.prior_weights * f.trials) * fam.link.mu_eta(eta) / fam.variance(mu)
    terms = X * (w * (f.y - mu))[:, None]
    score, scale = terms.sum(axis=0), np.abs(terms).sum(axis=0)
    # an exact fit has every residual at rounding level: measure the score against the data's own scale too
    data_scale = np.abs(X * (np.abs(w) * (np.abs(f.y) + np.abs(mu)))[:, None]).sum(axis=0)
    assert np.all(np.abs(score) <= 1e-6 * scale + 1e-12 * data_scale + 1e-12), (score, scale)
