"""Optima that put a fitted probability on the edge of its domain, mu = 1, with a log link.

Three held-out random cases (fixtures/edge_approach, R's exact-MLE references by make_reference_random.R): two
binomial and a quasibinomial log-link model in which the optimum holds one row of successes at mu = 1.  Fisher
scoring only approaches it geometrically, and polishing stopped with that mean 6e-10 (5e-13) from the edge: no
BoundaryWarning, a deviance residual of 7e-5 against R's 4e-8, a leverage of 1 - 1e-9 and a Cook's distance of
1.5e8 where R's leverage is 1.  The engine now puts such rows on the edge by the Fisher step constrained there
(glmstat.engine.edge_approach), says so, and reports what R reports at a leverage of 1.  In s702_0168 each Fisher
step covers only 2.7% of the distance left, so scoring crawls to max_iter and the rescue's Newton steps finish
the fit; they stopped 6e-10 from the edge too (same symptoms), and are finished on the edge the same way.

R's deviance and Pearson residuals of that row are sqrt(w k ulp), k the ulps its mean stopped below 1 (1 or 2; 1 to
3 here): they compare to 1e-7.  In s99_0132 R's leverage of that row is 1 - 2.4e-14, from the weights of the step
before, and its Cook's distance and rstandard are numbers of that step (r_steps.json, make_edge_approach_steps.R):
glmstat gives the limit at the optimum, a leverage of 1 and NaN.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, family_of, r_array
from glmstat.design.policy import DENSE_BELOW
from glmstat.design.structured import StructuredDesign

HERE = FIXTURES / "edge_approach"
CASES = ("s98_0047", "s99_0132", "s702_0168")
STEPS = json.loads((HERE / "r_steps.json").read_text())
_EDGE = 10 * np.finfo(float).eps


def _load(case_id: str) -> tuple[dict, pd.DataFrame]:
    ref = json.loads((HERE / "r" / f"{case_id}.json").read_text())
    return ref, pd.read_csv(HERE / "data" / f"{ref['data']}.csv")


def _fit(ref: dict, data, **control):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(ref["formula"], data, family=family_of(ref["family"]), **control)
    return fit, [w for w in caught if issubclass(w.category, gs.GLMStatWarning)]


def _edge_row(case_id: str) -> int:
    return STEPS[case_id]["row"] - 1  # (R's 1-based row; every row is used)


def _close(got, want, rtol: float = 1e-6, atol: float | np.ndarray = 1e-10) -> None:
    got = np.asarray(got.to_numpy() if hasattr(got, "to_numpy") else got, dtype=float)
    want = r_array(want) if isinstance(want, list) else np.asarray(want, dtype=float)
    assert got.shape == want.shape
    bad = ~((np.isnan(got) & np.isnan(want)) | (np.abs(got - want) <= rtol * np.abs(want) + atol))
    assert not bad.any(), f"{int(bad.sum())} off: got {got[bad][:3]} want {want[bad][:3]}"


def _covariance_atol(ref: dict, key: str) -> np.ndarray:
    """An entry near 0 (a correlation of 1e-14) carries the rounding of the entries around it: 1e-8 of
    sqrt(V_ii V_jj)."""
    d = np.sqrt(np.abs(np.diag(r_array(ref[key]))))
    return 1e-8 * np.outer(d, d) + 1e-12


def _says_on_edge(caught, rows: int = 1) -> bool:
    counted = "mean of 1 row" if rows == 1 else f"means of {rows} rows"
    return any(w.category is gs.BoundaryWarning and f"the fitted {counted}" in str(w.message)
               and "which the log link reaches at a finite linear predictor" in str(w.message) for w in caught)


@pytest.mark.parametrize("control", [{"tol": 1e-12, "max_iter": 100}, {}], ids=["tight", "default"])
@pytest.mark.parametrize("case_id", CASES)
def test_the_row_is_put_on_the_edge_and_the_fit_matches_r(case_id, control):
    ref, data = _load(case_id)
    fit, caught = _fit(ref, data, **control)
    assert fit.converged and _says_on_edge(caught)
    assert not any(w.category is gs.ConvergenceWarning for w in caught)
    i = _edge_row(case_id)
    mu = fit.fitted_values.to_numpy()
    assert 0 < 1 - mu[i] <= _EDGE and r_array(ref["fitted"])[i] > 1 - _EDGE
    _close(fit.coef, ref["coefficients"])
    _close(fit.std_errors, ref["std_errors"])
    _close(fit.vcov, ref["vcov"], atol=_covariance_atol(ref, "vcov"))
    _close(fit.robust("HC0").vcov, ref["vcov_hc0"], atol=_covariance_atol(ref, "vcov_hc0"))
    _close(fit.conf_int(method="wald"), ref["confint_wald"])
    _close([fit.deviance], [ref["deviance"]], rtol=1e-7)
    _close([fit.null_deviance, fit.dispersion, fit.df_residual, fit.nobs],
           [ref["null_deviance"], ref["dispersion"], ref["df_residual"], ref["nobs"]])
    if ref["aic"] is not None:
        _close([fit.aic, fit.loglik], [ref["aic"], ref["loglik"]])
    _close(fit.fitted_values, ref["fitted"])
    for kind in ("working", "response"):
        _close(fit.residuals(kind), ref[f"resid_{kind}"])
    for kind in ("deviance", "pearson"):  # (the edge row's: sqrt(w k ulp) on both sides)
        _close(fit.residuals(kind), ref[f"resid_{kind}"], atol=1e-7)
    aug = fit.augment()
    _close(aug["hat"], ref["hat"])
    assert aug["hat"].iloc[i] == 1.0
    others = np.arange(len(mu)) != i
    for col, key, rtol in (("cooks_d", "cooks", 1e-6), ("std_resid", "rstandard", 1e-6),
                           ("student_resid", "rstudent", 1e-5)):
        assert np.isnan(aug[col].iloc[i])
        _close(aug[col].to_numpy()[others], r_array(ref[key])[others], rtol=rtol)


def test_rs_numbers_for_that_row_are_those_of_its_last_step():
    """s99_0132: R reports a Cook's distance and rstandard for the row on the edge (its leverage 1 - 2.4e-14, from
    the weights of the step before), which consecutive Fisher steps of R's glm there change by a factor of 10 and
    2: no property of the fit, which has a leverage of 1 at its optimum and no Cook's distance (R's NaN, as in
    s98_0047, where R's leverage rounds to 1)."""
    last = STEPS["s99_0132"]["steps"][-6:]
    cooks, rstandard = [s["cooks"] for s in last], [s["rstandard"] for s in last]
    assert max(cooks) / min(cooks) > 10 and max(rstandard) / min(rstandard) > 2
    assert all(s["one_minus_mu"] <= 4e-15 for s in last)
    assert all(s["cooks"] is None and s["one_minus_hat"] == 0 for s in STEPS["s98_0047"]["steps"][-6:])
    ref, data = _load("s99_0132")
    fit, _ = _fit(ref, data, tol=1e-12, max_iter=100)
    aug = fit.augment()
    i = _edge_row("s99_0132")
    assert aug["hat"].iloc[i] == 1.0 and np.isnan(aug["cooks_d"].iloc[i]) and np.isnan(aug["std_resid"].iloc[i])


@pytest.mark.parametrize("case_id", CASES)
def test_the_rows_repeated_on_a_structured_design_reach_the_edge_alike(case_id):
    """Every row 300 times (a structured design of more than DENSE_BELOW cells): the same optimum, each copy of
    the row on the edge, X'WX 300 times R's (the quasibinomial dispersion differs, by its degrees of freedom)."""
    ref, data = _load(case_id)
    reps = 300
    fit, caught = _fit(ref, pd.concat([data] * reps, ignore_index=True), tol=1e-12, max_iter=100)
    design = fit.model_frame.design
    assert isinstance(design, StructuredDesign) and design.n_rows * design.n_cols > DENSE_BELOW
    assert fit.converged and _says_on_edge(caught, reps)
    _close(fit.coef, ref["coefficients"])
    cov = fit.vcov.to_numpy() / fit.dispersion * reps
    want = r_array(ref["vcov"]) / ref["dispersion"]
    _close(cov, want, atol=_covariance_atol(ref, "vcov") / ref["dispersion"])
    _close([fit.deviance], [reps * ref["deviance"]], rtol=1e-7)
    mu = fit.fitted_values.to_numpy().reshape(reps, -1)
    i = _edge_row(case_id)
    assert np.all(1 - mu[:, i] <= _EDGE)
    hat = fit.augment()["hat"].to_numpy().reshape(reps, -1)
    # (the 300 copies of the row are held on the edge together: each has leverage 1/300, the limit of rows sharing
    # one direction -- the one row's 1 shared, as every other row's leverage is its own / 300;
    # fixtures/influence_zero_cell)
    _close(hat[:, i], np.full(reps, 1.0 / reps), rtol=1e-12)
    _close(np.delete(hat, i, axis=1), np.tile(np.delete(r_array(ref["hat"]), i) / reps, (reps, 1)))


def test_a_parquet_file_gives_the_same_fit(tmp_path):
    pytest.importorskip("pyarrow")
    ref, data = _load("s98_0047")
    path = tmp_path / "rows.parquet"
    data.to_parquet(path, row_group_size=5, index=False)
    fit, caught = _fit(ref, str(path), tol=1e-12, max_iter=100)
    assert fit.converged and _says_on_edge(caught)
    _close(fit.coef, ref["coefficients"])
    _close(fit.std_errors, ref["std_errors"])
    assert 1 - fit.fitted_values.to_numpy()[_edge_row("s98_0047")] <= _EDGE
