"""Generalized variance-inflation factors (fit.vif) against car::vif (fixtures/inference2)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import glmstat as gs
from glmstat.inference import vif as vif_module
from conftest import assert_close
from inference2_refs import as_list, fit, numbers, params, ref


@pytest.mark.parametrize("cid", params("vif"))
def test_matches_car_vif(cid):
    v = ref(cid)["vif"]
    if "error" in v:
        pytest.fail(f"R refused: {v['error']}")
    terms = as_list(v["terms"])
    got = fit(cid).vif()
    assert list(got.index) == terms
    assert_close(got["gvif"], numbers(v["gvif"]))
    if "df" in v:  # car prints df and GVIF^(1/(2 df)) when some term has several columns
        assert_close(got["df"], numbers(v["df"]))
        assert_close(got["gvif_adj"], numbers(v["gvif_adj"]))
    else:
        assert np.all(got["df"] == 1)
        assert_close(got["gvif_adj"], np.sqrt(numbers(v["gvif"])))


@pytest.mark.parametrize("cid", params("vif"))
def test_a_robust_covariance_leaves_the_inflation_factors_as_car_gives_them(cid):
    # car::vif reads vcov(glm), the model's covariance: the inflation of the design with the fit's weights.  A
    # sandwich covariance on the fit (fit.robust) does not change it; glmstat took the sandwich's correlation
    v = ref(cid)["vif"]
    got = fit(cid).robust("HC3").vif()
    assert list(got.index) == as_list(v["terms"])
    assert_close(got["gvif"], numbers(v["gvif"]))


def test_refuses_aliased_and_single_term():
    with pytest.raises(gs.GLMStatError, match="aliased"):
        fit("mtcars_gauss_aliased").vif()
    with pytest.raises(gs.GLMStatError, match="at least 2 terms"):
        fit("insectsprays_poisson").vif()


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 9), st.integers(1, 4), st.integers(0, 2**32 - 1), st.floats(0.0, 0.999))
def test_one_inverse_form_is_the_determinants_ratio(p, size, seed, pull):
    """GVIF_T = det(R_TT) det(R_OO) / det(R) = det(R_TT) det((R^-1)_TT) (the partitioned inverse), on random
    correlation matrices pulled towards singularity; a matrix that is not positive definite takes the ratio."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(p + 2, p))
    A[:, -1] = pull * A[:, 0] + (1 - pull) * A[:, -1]  # near-collinear columns
    C = np.cov(A, rowvar=False)
    sd = np.sqrt(np.diag(C))
    R = C / np.outer(sd, sd)
    mine = np.sort(rng.choice(p, size=min(size, p - 1), replace=False))
    rest = np.setdiff1d(np.arange(p), mine)
    sign, whole = np.linalg.slogdet(R)
    assume(sign > 0)
    ratio = np.linalg.slogdet(R[np.ix_(mine, mine)])[1] + np.linalg.slogdet(R[np.ix_(rest, rest)])[1] - whole
    Ri = vif_module._inverse(R)
    assert Ri is not None
    assert vif_module._log_gvif(R, Ri, mine, 0.0) == pytest.approx(ratio, rel=1e-8, abs=1e-8)
    assert vif_module._log_gvif(R, None, mine, whole) == pytest.approx(ratio, rel=1e-12, abs=1e-12)


def test_not_positive_definite_takes_the_ratio():
    R = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # two equal columns: singular
    assert vif_module._inverse(R) is None
    assert vif_module._logdet(R) == -np.inf
