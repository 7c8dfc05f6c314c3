"""Overdispersion check of Poisson fits against R (AER::dispersiontest(trafo = 2), Pearson, Dean-Lawless).

References in ``fixtures/overdispersion`` (made by ``make_overdispersion.R``).
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close, FIXTURES

OD = FIXTURES / "overdispersion"
IDS = sorted(p.stem for p in (OD / "r").glob("*.json"))
FIELDS = ["pearson_chi2", "df_residual", "ratio", "pearson_p_value", "alpha", "score_statistic", "score_p_value",
          "dean_lawless_statistic", "dean_lawless_p_value"]


def _fit(ref: dict) -> gs.GLMResults:
    d = pd.read_csv(FIXTURES / f"{ref['data']}.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(ref["formula"], d, family=gs.Poisson(link=ref["link"]), tol=1e-12, max_iter=100)


@pytest.mark.parametrize("case_id", IDS)
def test_overdispersion_matches_r(case_id):
    ref = json.loads((OD / "r" / f"{case_id}.json").read_text())
    fit = _fit(ref)
    assert_close(fit.coef, ref["coefficients"], rtol=1e-8)
    got = fit.overdispersion()
    for name in FIELDS:
        rtol = 1e-5 if name.endswith("p_value") else 1e-6
        assert_close([getattr(got, name)], [ref[name]], rtol=rtol, atol=1e-300)
    assert got.overdispersed == (ref["score_p_value"] < 0.05)


def test_verdict_recommends_negative_binomial_when_overdispersed():
    ref = json.loads((OD / "r" / "quine.json").read_text())
    res = _fit(ref).overdispersion()
    assert res.overdispersed
    assert "NegativeBinomial()" in str(res) and "overdispersed" in res.conclusion


def test_verdict_when_not_overdispersed():
    ref = json.loads((OD / "r" / "insurance_offset.json").read_text())
    res = _fit(ref).overdispersion()
    assert not res.overdispersed and "No evidence of overdispersion" in str(res)


def test_verdict_when_only_pearson_is_large():
    ref = json.loads((OD / "r" / "ships_offset.json").read_text())  # Pearson p = 0.017, score p = 0.73
    res = _fit(ref).overdispersion()
    assert not res.overdispersed and "check the mean model" in str(res)


def test_result_is_immutable():
    res = _fit(json.loads((OD / "r" / "dobson.json").read_text())).overdispersion()
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.alpha = 0.0


def test_simulated_poisson_counts_rarely_reject_and_negbin_counts_do():
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 2, 400)
    mu = np.exp(0.5 + 0.8 * x)
    pois = pd.DataFrame({"y": rng.poisson(mu), "x": x})
    nb = pd.DataFrame({"y": rng.negative_binomial(2.0, 2.0 / (2.0 + mu)), "x": x})
    assert not gs.glm("y ~ x", pois, family=gs.Poisson()).overdispersion().overdispersed
    res = gs.glm("y ~ x", nb, family=gs.Poisson()).overdispersion()
    assert res.overdispersed and abs(res.alpha - 0.5) < 0.25  # Var = mu + mu^2 / 2


@pytest.mark.parametrize("family", [gs.QuasiPoisson(), gs.NegativeBinomial(theta=2.0), gs.Gaussian()])
def test_non_poisson_fits_are_refused(family):
    d = pd.DataFrame({"y": [1, 3, 2, 5, 4, 7, 6, 9], "x": np.arange(8.0)})
    fit = gs.glm("y ~ x", d, family=family)
    with pytest.raises(gs.GLMStatError, match="Poisson"):
        fit.overdispersion()


def test_weighted_poisson_fit_is_refused():
    d = pd.DataFrame({"y": [1, 3, 2, 5, 4, 7, 6, 9], "x": np.arange(8.0), "w": [1, 2] * 4})
    with pytest.raises(gs.GLMStatError, match="weights"):
        gs.glm("y ~ x", d, family=gs.Poisson(), weights="w").overdispersion()
