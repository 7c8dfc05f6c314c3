"""Firth's bias-reduced binomial regression against brglm2 (``brglmFit``, ``type = "AS_mean"``).

References: ``fixtures/firth`` (made by ``fixtures/firth/make_firth.R``: every binomial link brglm2 and
glmstat share, cbind, proportions with weights, zero weights, an offset, no intercept, separated and aliased
data) and the ``firth`` field of the main reference cases.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.engine.firth import d2mu_deta
from conftest import R_VECTORS, all_case_ids, assert_close, load_data, load_ref, FIXTURES

FIRTH = FIXTURES / "firth"
FIRTH_IDS = sorted(p.stem for p in (FIRTH / "r").glob("*.json"))


def _data(name: str) -> pd.DataFrame:
    for folder in ("data", "extra/data"):
        path = FIXTURES / folder / f"{name}.csv"
        if path.exists():
            return pd.read_csv(path)
    raise FileNotFoundError(name)


def _ref(case_id: str) -> dict:
    return json.loads((FIRTH / "r" / f"{case_id}.json").read_text())


_fits: dict = {}


def firth_fit(case_id: str) -> gs.GLMResults:
    if case_id not in _fits:
        ref = _ref(case_id)
        kw = {"weights": ref["weights"]} if ref.get("weights") else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            _fits[case_id] = gs.glm(ref["formula"], _data(ref["data"]), family=gs.Binomial(link=ref["link"]),
                                    method="firth", tol=1e-12, max_iter=100, **kw)
    return _fits[case_id]


VECTORS = {k: R_VECTORS[k] for k in ("coefficients", "std_errors", "statistic", "p_values", "fitted")}
SCALARS = ["deviance", "null_deviance", "aic", "df_residual", "df_null", "rank"]


@pytest.mark.parametrize("case_id", FIRTH_IDS)
@pytest.mark.parametrize("quantity", list(VECTORS))
def test_firth_vectors_match_brglm2(case_id, quantity):
    assert_close(VECTORS[quantity](firth_fit(case_id)), _ref(case_id)[quantity], rtol=1e-6)


@pytest.mark.parametrize("case_id", FIRTH_IDS)
@pytest.mark.parametrize("quantity", SCALARS)
def test_firth_scalars_match_brglm2(case_id, quantity):
    assert_close([getattr(firth_fit(case_id), quantity)], [_ref(case_id)[quantity]], rtol=1e-6)


MAIN_FIRTH = [c for c in all_case_ids() if "firth" in load_ref(c)]


@pytest.mark.parametrize("case_id", MAIN_FIRTH)
def test_firth_field_of_reference_cases(case_id):
    ref = load_ref(case_id)
    kw = {"weights": ref["weights"]} if ref.get("weights") else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], load_data(ref["data"]), family=gs.Binomial(), method="firth",
                     tol=1e-12, max_iter=100, **kw)
    assert_close(fit.coef, ref["firth"]["coefficients"], rtol=1e-6)
    assert_close(fit.std_errors, ref["firth"]["std_errors"], rtol=1e-6)


def test_separated_data_gives_finite_estimates_and_no_separation_warning(students):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm("passed ~ hours", students, family=gs.Binomial(), method="firth")
    assert fit.method == "firth" and fit.converged
    assert np.all(np.isfinite(fit.coef)) and np.all(np.isfinite(fit.std_errors))
    assert not any(issubclass(w.category, gs.SeparationWarning) for w in caught)


def test_ml_fit_of_separated_data_points_to_firth(students):
    with pytest.warns(gs.SeparationWarning, match='method="firth"'):
        gs.glm("passed ~ hours", students, family=gs.Binomial())


def test_aliased_column_is_na_and_explained(students):
    with pytest.warns(gs.AliasingWarning, match="score = 50 \\+ 5 \\* hours"):
        fit = gs.glm("passed ~ hours + score", students, family=gs.Binomial(), method="firth")
    assert fit.aliased == ["score"] and np.isnan(fit.coef["score"]) and np.isnan(fit.std_errors["score"])


def test_default_tolerance_reaches_the_same_estimate():
    ref = _ref("esoph_logit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], _data("esoph"), family=gs.Binomial(), method="firth")
    assert_close(fit.coef, ref["coefficients"], rtol=1e-7)


def test_logit_adjusted_score_vanishes_at_the_estimate():
    """At the estimate X'(y - mu + h (1/2 - mu)) = 0, with h the leverages of the weighted fit."""
    fit = firth_fit("mtcars_logit")
    f = fit.model_frame
    mu = fit.fitted_values.to_numpy()
    w = f.prior_weights * f.trials
    W = w * mu * (1 - mu)
    A = f.X * np.sqrt(W)[:, None]
    h = np.sum(A @ np.linalg.inv(A.T @ A) * A, axis=1)
    u = f.X.T @ (w * (f.y - mu) + h * (0.5 - mu))
    assert np.max(np.abs(u)) < 1e-9


def test_logit_estimate_maximises_jeffreys_penalised_likelihood():
    """For the logit link the estimate maximises l(b) + log det(X'WX) / 2 (Firth 1993)."""
    fit = firth_fit("budworm_cbind_logit")
    f = fit.model_frame
    w = f.prior_weights * f.trials

    def penalised(b):
        mu = 1 / (1 + np.exp(-(f.X @ b)))
        ll = np.sum(w * (f.y * np.log(mu) + (1 - f.y) * np.log1p(-mu)))
        W = w * mu * (1 - mu)
        return ll + 0.5 * np.linalg.slogdet(f.X.T @ (f.X * W[:, None]))[1]

    b = fit.coef.to_numpy()
    best = penalised(b)
    rng = np.random.default_rng(1)
    for _ in range(20):
        assert penalised(b + 1e-3 * rng.standard_normal(b.size)) < best


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog", "cauchit", "log"])
def test_second_derivative_of_inverse_link_matches_finite_differences(link):
    eta = np.array([-3.0, -1.2, -0.3, 0.4, 1.7]) if link != "log" else np.array([-4.0, -2.0, -0.5, -0.1])
    lk = gs.links.get_link(link)
    h = 1e-5
    numeric = (lk.mu_eta(eta + h) - lk.mu_eta(eta - h)) / (2 * h)
    np.testing.assert_allclose(d2mu_deta(link, eta), numeric, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("family", [gs.Poisson(), gs.QuasiBinomial(), gs.Gaussian()])
def test_non_binomial_family_is_refused(family, students):
    with pytest.raises(gs.FamilyError, match="firth"):
        gs.glm("passed ~ hours", students, family=family, method="firth")


def test_summary_names_the_method(students):
    fit = gs.glm("passed ~ hours", students, family=gs.Binomial(), method="firth")
    text = str(fit.summary())
    assert 'method = "brglmFit"' in text  # brglm2's, as R prints it (tests/report/test_firth_call.py)


def test_trace_records_the_quasi_fisher_iterations(capsys):
    """fit.trace, fit.trace_fitted, fit.plot("trace") and trace=True work for a bias-reduced fit: one row per
    iteration, the last the estimate (the record was empty, and fit.trace a numpy reshape error)."""
    ref = _ref("budworm_cbind_logit")
    data = _data(ref["data"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], data, family=gs.Binomial(), method="firth", trace=True)
    printed = capsys.readouterr().out.splitlines()
    tr = fit.trace
    assert len(tr) == fit.iterations == len(printed) > 1
    assert printed[-1] == f"Deviance = {fit.deviance:.7g} Iterations - {fit.iterations}"
    np.testing.assert_allclose(tr[fit.column_names].iloc[-1], fit.coef, rtol=1e-12)
    np.testing.assert_allclose(tr["deviance"].iloc[-1], fit.deviance, rtol=1e-12)
    np.testing.assert_allclose(tr["loglik"].iloc[-1], fit.loglik, rtol=1e-12)
    np.testing.assert_allclose(fit.trace_fitted.iloc[:, -1], fit.fitted_values, rtol=1e-12)
    assert_close(tr[fit.column_names].iloc[-1], ref["coefficients"], rtol=1e-6)


@pytest.mark.parametrize("formula", ["cbind(numdead, numalive) ~ 0 + offset(ldose - 3)",
                                     "cbind(numdead, numalive) ~ 0"])
def test_a_model_without_coefficients_is_the_fit_at_the_offset(formula, tmp_path):
    """No coefficient, no adjusted score: the fit is the binomial model at eta = offset, whose deviance is a
    closed form (the quasi-Fisher loop took the maximum of an empty array, a raw ValueError; brglm2 fails
    there too, with "object 'dispersion' not found")."""
    from scipy.special import expit, xlogy

    data = _data("budworm")
    d, a = data["numdead"].to_numpy(float), data["numalive"].to_numpy(float)
    n = d + a
    p = expit(data["ldose"].to_numpy(float) - 3) if "offset" in formula else np.full(d.size, 0.5)
    deviance = 2 * np.sum(xlogy(d, d / (n * p)) + xlogy(a, a / (n * (1 - p))))
    pytest.importorskip("pyarrow")
    path = tmp_path / "budworm.parquet"
    data.to_parquet(path, row_group_size=5, index=False)
    for rows in (data, str(path)):
        fit = gs.glm(formula, rows, family=gs.Binomial(), method="firth")
        assert fit.converged and fit.rank == 0 and fit.coef.size == 0
        np.testing.assert_allclose([fit.deviance, fit.null_deviance], [deviance, deviance], rtol=1e-12)
        assert fit.df_residual == fit.df_null == d.size
        np.testing.assert_allclose(fit.fitted_values.to_numpy(), p, rtol=1e-12)


def test_a_start_outside_the_domain_is_refused_for_what_it_is(students):
    """A log-link start whose fitted probabilities exceed 1 was refused as 'X'WX is singular at the starting
    values ... pass start= coefficients', though start= coefficients were what had been passed."""
    with pytest.raises(gs.FitError, match=r"cannot start from the start= coefficients given: a fitted "
                                          r"probability leaves \(0, 1\)"):
        gs.glm("passed ~ hours", students, family=gs.Binomial(link="log"), method="firth", start=[1.0, 1.0])


def test_tolerance_below_rounding_stops_at_rounding():
    """tol=1e-300 cannot be met by any step: the iteration stops, converged, once its step is within the rounding
    of its solve (as IRLS does), a few steps after the default fit, not at max_iter (it ran all 10,000)."""
    d = pd.DataFrame({"y": [0, 0, 1, 0, 1, 1, 0, 1], "x": [1.0, 2, 3, 4, 5, 6, 7, 8]})
    default = gs.glm("y ~ x", d, family=gs.Binomial(), method="firth")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.GLMStatWarning)
        tiny = gs.glm("y ~ x", d, family=gs.Binomial(), method="firth", tol=1e-300, max_iter=10000)
    assert tiny.converged and tiny.iterations < 100
    np.testing.assert_allclose(tiny.coef.to_numpy(), default.coef.to_numpy(), rtol=1e-10, atol=0)
    np.testing.assert_allclose(tiny.std_errors.to_numpy(), default.std_errors.to_numpy(), rtol=1e-10, atol=0)
