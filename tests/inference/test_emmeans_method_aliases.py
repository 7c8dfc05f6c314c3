"""emmeans' other names of its comparison families: ``contrast(emm, "tukey")`` is ``"pairwise"`` (tukey.emmc calls
pairwise.emmc), ``"dunnett"`` and ``"trt.vs.ctrl1"`` are ``"trt.vs.ctrl"`` with the first level as control (``ref =``
taken too), with the same labels, p-value adjustments and notes.  glmstat refused the three names.

R's numbers (emmeans 1.8.4, R 4.2.2), printed with 15 digits::

    fit <- glm(breaks ~ tension + wool, poisson, warpbreaks, control = glm.control(epsilon = 1e-14, maxit = 100))
    emm <- emmeans(fit, "tension")
    s <- as.data.frame(contrast(emm, m)); s$estimate; s$SE; s$p.value
"""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs

R = {
    "tukey": (["L - M", "L - H", "M - H"], [0.321320431600611, 0.518488496511560, 0.197168064910949],
              [0.0602659166952202, 0.0639595193957467, 0.0683327573128144],
              [2.91425788057076e-07, 3.88578058618805e-14, 1.09102401759381e-02]),
    "dunnett": (["M - L", "H - L"], [-0.321320431600611, -0.518488496511560], [0.0602659166952202, 0.0639595193957467],
                [1.94499201522369e-07, 1.70974345792274e-14]),
}
R["trt.vs.ctrl1"] = R["dunnett"]
CANONICAL = {"tukey": "pairwise", "dunnett": "trt.vs.ctrl", "trt.vs.ctrl1": "trt.vs.ctrl"}


@pytest.fixture(scope="module")
def fit():
    return gs.glm("breaks ~ tension + wool", gs.load_dataset("warpbreaks"), family=gs.Poisson(), tol=1e-14,
                  max_iter=100)


@pytest.mark.parametrize("method", list(R))
def test_an_alias_is_emmeans_family_of_that_name(fit, method):
    table = fit.emmeans_contrasts("tension", method, type="link")
    labels, estimate, se, p = R[method]
    assert list(table.index.get_level_values("contrast")) == labels
    np.testing.assert_allclose(table["estimate"], estimate, rtol=1e-6)
    np.testing.assert_allclose(table["std_error"], se, rtol=1e-6)
    # (R's ptukey and .pdunnx are 1 less a lower tail: a p-value below 1e-13 is R's rounding, 3.9e-14 for 1.6e-15)
    np.testing.assert_allclose(table["p_value"], p, rtol=1e-6, atol=5e-14)
    # the heading and its notes too: emmeans prints the same for both names
    same = fit.emmeans_contrasts("tension", CANONICAL[method], type="link")
    assert table.attrs["heading"] == same.attrs["heading"]


def test_dunnett_takes_a_control(fit):
    # R: contrast(emm, "dunnett", ref = 2): L - M 0.321320431600611 (p 1.94499201522369e-07), H - M -0.197168064910949
    # (p 7.65223629257827e-03)
    table = fit.emmeans_contrasts("tension", "dunnett", ref=2, type="link")
    assert list(table.index.get_level_values("contrast")) == ["L - M", "H - M"]
    np.testing.assert_allclose(table["estimate"], [0.321320431600611, -0.197168064910949], rtol=1e-6)
    np.testing.assert_allclose(table["p_value"], [1.94499201522369e-07, 7.65223629257827e-03], rtol=1e-6)


def test_an_unknown_name_is_refused(fit):
    with pytest.raises(gs.GLMStatError, match="unknown comparisons 'tukey_hsd'"):
        fit.emmeans_contrasts("tension", "tukey_hsd")
