"""Blockwise leverage and Cook's distance against R's hatvalues() and cooks.distance()."""

from __future__ import annotations

import numpy as np
import pytest

from glmstat.inference.leverage import cooks_distance, hat_values

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
    h = hat_values(fit)
    assert_close(h[keep], ref["hat"], rtol=1e-6)
    assert_close(cooks_distance(fit, h)[keep], ref["cooks"], rtol=1e-6)


@pytest.mark.parametrize("case_id", CASES)
def test_hat_and_cooks_together_match_r(case_id):
    from glmstat.inference.leverage import hat_and_cooks

    ref = load_ref(case_id)
    fit = fit_ref(ref)
    keep = _positive_weight_rows(ref, fit)
    h, c = hat_and_cooks(fit)
    assert_close(h[keep], ref["hat"], rtol=1e-6)
    assert_close(c[keep], ref["cooks"], rtol=1e-6)
