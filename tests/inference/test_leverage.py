"""Blockwise leverage and Cook's distance against R's hatvalues() and cooks.distance(): the results'
methods, and the influence pass that computes them (alone, or with the residual measures)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.inference.influence import influence

from conftest import FIXTURES, all_case_ids, assert_close, family_of, fit_ref, load_data, load_ref

CASES = [c for c in all_case_ids() if "hat" in load_ref(c)]


def _positive_weight_rows(ref, fit):
    if not ref.get("weights"):
        return slice(None)
    d = load_data(ref["data"])
    rows = [i - 1 for i in ref["rows_used"]]
    return np.asarray(d[ref["weights"]], float)[rows] > 0


@pytest.mark.parametrize("case_id", CASES)
def test_hat_and_cooks_match_r(case_id):
    ref = load_ref(case_id)
    fit = fit_ref(ref)
    keep = _positive_weight_rows(ref, fit)
    assert_close(fit.hat_values().to_numpy()[keep], ref["hat"], rtol=1e-6)
    assert_close(fit.cooks_distance().to_numpy()[keep], ref["cooks"], rtol=1e-6)


@pytest.mark.parametrize("case_id", CASES)
def test_hat_and_cooks_together_match_r(case_id):
    ref = load_ref(case_id)
    fit = fit_ref(ref)
    keep = _positive_weight_rows(ref, fit)
    alone, full = influence(fit.fit_data, full=False), influence(fit.fit_data)
    np.testing.assert_array_equal(alone.hat, full.hat)
    np.testing.assert_array_equal(alone.cooks_d, full.cooks_d)
    h, c = alone.hat, alone.cooks_d
    assert_close(h[keep], ref["hat"], rtol=1e-6)
    assert_close(c[keep], ref["cooks"], rtol=1e-6)


def test_leverages_of_a_diverging_fit_stay_within_0_and_1():
    """Random case s1_0095 (cauchit, quasi-complete separation; R did not converge either): the estimate runs off
    to 4e7 and C = (X'WX)^-1 is not numerically positive definite, so w x'Cx lost every digit (leverages down to
    -1.6e7).  From the QR factor of sqrt(W) X, as R's hatvalues, a leverage is a sum of squares: within [0, 1],
    summing to the rank (the trace of a projection)."""
    here = FIXTURES / "random"
    case = next(c for c in json.loads((here / "cases.json").read_text()) if c["id"] == "s1_0095")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm(case["formula"], pd.read_csv(here / "data" / f"{case['data']}.csv"),
                     family=family_of(case["family"]), tol=1e-12, max_iter=100)
    assert fit.separation is not None
    h = fit.hat_values().to_numpy()
    assert h.min() >= 0.0 and h.max() <= 1.0
    assert_close(h.sum(), fit.rank, rtol=1e-6)
    assert (fit.cooks_distance().dropna() >= 0).all()
