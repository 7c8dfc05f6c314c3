"""``fit.gamma_shape()`` against R's ``MASS::gamma.shape`` (tests/fixtures/mass_extras, from
scripts/make_mass_extras.R): McCullagh & Nelder's clotting times and the trees' volumes, with and without prior
weights (one of them 0, which R's gamma.shape cannot take: its answer on the fit without the row).  At the exact
maximum (R carried there by eps.max = 1e-13), MASS's own iteration on a ``convergence="R"`` fit (R's default
glm and gamma.shape), the printed lines, and ``summary(dispersion=1/alpha)``."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "mass_extras" / "ref.json").read_text())
CASES = REF["gamma_shape"]


def _fit(ref: dict, data=None, **kw) -> gs.GLMResults:
    d = gs.load_dataset(ref["data"]) if data is None else data
    weights = None
    if ref["weights"]:
        d, weights = d.assign(w=REF["trees_weights"][ref["weights"]]), "w"
    return gs.glm(ref["formula"], d, family=gs.Gamma(link=ref["link"]), weights=weights, **kw)


@pytest.mark.parametrize("ref", CASES, ids=[r["id"] for r in CASES])
def test_exact_shape_and_standard_error_are_r_s(ref):
    s = _fit(ref, tol=1e-12, max_iter=100).gamma_shape()
    assert s.converged
    assert_close([s.alpha, s.se, s.dispersion], [ref["alpha"], ref["se"], 1 / ref["alpha"]], rtol=1e-9)
    assert str(s) == ref["printed"]


@pytest.mark.parametrize("ref", CASES, ids=[r["id"] for r in CASES])
def test_convergence_r_is_mass_s_iteration_on_r_s_fit(ref):
    s = _fit(ref, convergence="R").gamma_shape()
    # (its standard error is the information's at the iterate before the last: 8e-6 of itself from the exact)
    assert_close([s.alpha, s.se], [ref["r_default_alpha"], ref["r_default_se"]], rtol=1e-8)


@pytest.mark.parametrize("ref", CASES, ids=[r["id"] for r in CASES])
def test_summary_at_the_maximum_likelihood_dispersion(ref):
    fit = _fit(ref, tol=1e-12, max_iter=100)
    s = fit.summary(dispersion=fit.gamma_shape().dispersion)
    assert_close(s.table["std_error"], ref["summary_se"], rtol=1e-8)
    assert_close(s.table["p_value"], ref["summary_p"], rtol=1e-6)


def test_streamed_fit_gives_the_in_memory_shape(tmp_path):
    from streamed_cases import as_streamed

    ref = CASES[3]  # prior weights
    d = gs.load_dataset(ref["data"]).assign(w=REF["trees_weights"][ref["weights"]])
    s = gs.glm(ref["formula"], as_streamed(d, "parquet", tmp_path, rows=5), family=gs.Gamma(link="log"),
               weights="w", tol=1e-12, max_iter=100).gamma_shape()
    assert_close([s.alpha, s.se], [ref["alpha"], ref["se"]], rtol=1e-9)


def test_other_families_are_refused():
    fit = gs.glm("lot1 ~ log(u)", gs.load_dataset("clotting"), family=gs.Gaussian())
    with pytest.raises(gs.GLMStatError, match="from a Gamma fit; this fit uses the gaussian family"):
        fit.gamma_shape()


def test_no_residual_degrees_of_freedom_is_refused():
    d = gs.load_dataset("clotting").head(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("lot1 ~ log(u)", d, family=gs.Gamma())
    with pytest.raises(gs.GLMStatError, match="no residual degrees of freedom"):
        fit.gamma_shape()


def test_a_structured_design_gives_the_dense_design_s_shape():
    import numpy as np

    from conftest import dense_only, structured_frame

    rng = np.random.default_rng(7)
    n = 3000
    d = pd.DataFrame({"g": rng.integers(0, 100, n).astype(str), "x": rng.normal(size=n)})
    d["y"] = rng.gamma(4.0, np.exp(0.3 * d["x"] + (d["g"].astype(int) % 7) / 10) / 4.0)
    formula = "y ~ g + x"
    assert structured_frame(formula, d, gs.Gamma(link="log")) is not None  # (above 2**16 cells)
    s = gs.glm(formula, d, family=gs.Gamma(link="log"), tol=1e-12).gamma_shape()
    with dense_only():
        dense = gs.glm(formula, d, family=gs.Gamma(link="log"), tol=1e-12).gamma_shape()
    assert_close([s.alpha, s.se], [dense.alpha, dense.se], rtol=1e-9)
    assert 3.5 < s.alpha < 4.5  # (the shape the rows were drawn with, 4, within a few standard errors)


@pytest.mark.parametrize("formula", ["y ~ x", "y ~ 1"])
def test_a_fit_of_no_deviance_is_refused_by_name(formula):
    # a constant response fits with a deviance of 0 (-0.0): the starting value 1/0 raised Python's
    # ZeroDivisionError, from gamma_shape() and from simulate(), which draws with its shape
    d = pd.DataFrame({"x": [float(i) for i in range(10)], "y": [1.0] * 10})
    fit = gs.glm(formula, d, family=gs.Gamma(link="log"))
    for call in (fit.gamma_shape, lambda: fit.simulate(2, seed=1)):
        with pytest.raises(gs.GLMStatError, match="cannot be estimated from a deviance of .*0: a fit whose responses "
                                                  "equal their fitted means"):
            call()
