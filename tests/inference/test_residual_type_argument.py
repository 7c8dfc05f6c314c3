"""``residuals(type=)`` and ``std_residuals(type=)``: R's name for the kind of residual, as in
``residuals(fit, type = "pearson")`` and ``rstandard(fit, type = "pearson")``, against R's numbers."""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs
from conftest import assert_close, load_data, load_ref
from inference_refs import REF_CASES, positive_weight_rows, ref_fit

CASE = REF_CASES[0]


@pytest.mark.parametrize("kind", ["deviance", "pearson", "working", "response"])
def test_residuals_type_is_r_s_name_for_kind(kind):
    ref, fit = load_ref(CASE), ref_fit(CASE)
    assert_close(fit.residuals(type=kind), ref[f"resid_{kind}"])
    assert_close(fit.residuals(kind, type=kind), ref[f"resid_{kind}"])


def test_std_residuals_type_is_r_s_name_for_kind():
    ref, fit = load_ref(CASE), ref_fit(CASE)
    pos = positive_weight_rows(ref, load_data(ref["data"]))
    assert_close(fit.std_residuals(type="deviance").to_numpy()[pos], ref["rstandard"])


def test_kind_and_another_type_are_refused():
    fit = ref_fit(CASE)
    with pytest.raises(gs.GLMStatError, match="kind='pearson' or type='working', not both"):
        fit.residuals("pearson", type="working")
    with pytest.raises(gs.GLMStatError, match="not both"):
        fit.std_residuals("pearson", type="deviance")
    with pytest.raises(gs.GLMStatError, match="unknown residual kind"):
        fit.residuals(type="partal")
    with pytest.raises(gs.GLMStatError, match="not both"):
        fit.residuals("pearson", type=np.array(["pearson"]))  # (no elementwise comparison, no ValueError)


def test_partial_residuals_by_type_are_the_working_residual_plus_each_term():
    ref, fit = load_ref(CASE), ref_fit(CASE)
    want = fit.predict(type="terms").add(np.asarray(ref["resid_working"]), axis=0)
    assert_close(fit.residuals(type="partial").to_numpy(), want.to_numpy())
