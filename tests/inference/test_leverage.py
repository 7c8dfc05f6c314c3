"""Blockwise leverage and Cook's distance against R's hatvalues() and cooks.distance(): the results'
methods, and the influence pass that computes them (alone, or with the residual measures)."""

from __future__ import annotations

import numpy as np
import pytest

from glmstat.inference.influence import influence

from conftest import all_case_ids, assert_close, fit_ref, load_data, load_ref

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
