"""The IRLS iteration record (``fit.trace``, ``fit.trace_fitted``, ``trace=True``) and ``fit.iterations``
against R's iterations (tests/fixtures/trace, made by scripts/make_trace.R: what ``glm(..., trace = TRUE)``
prints, and the coefficients, deviance, log-likelihood and fitted means after iteration k, from ``glm`` with
``maxit = k``).  Cases: binomial/logit, Gamma/inverse, inverse Gaussian/log (9 iterations), Poisson with an
offset, quasi-Poisson (no likelihood), and Poisson/identity whose second step R halves back into the domain.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close, family_of, FIXTURES

TRACE = FIXTURES / "trace"
IDS = [c["id"] for c in json.loads((TRACE / "cases.json").read_text())]
DATA = {c["id"]: c["data"] for c in json.loads((TRACE / "cases.json").read_text())}


def load(case_id: str) -> dict:
    return json.loads((TRACE / "r" / f"{case_id}.json").read_text())


def fit(case_id: str, **kw) -> gs.GLMResults:
    ref = load(case_id)
    d = pd.read_csv(TRACE / "data" / f"{DATA[case_id]}.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(ref["formula"], d, family=family_of(ref["family"]), **kw)


@pytest.mark.parametrize("convergence", ["R", "exact"])
@pytest.mark.parametrize("case_id", IDS)
def test_trace_rows_are_r_s_iterations_and_the_last_is_the_estimate(case_id, convergence):
    ref = load(case_id)
    f = fit(case_id, convergence=convergence)
    t = f.trace
    assert list(t.columns) == ["iteration", "deviance", "loglik", "halvings", *f.coef.index]
    assert f.iterations == ref["iter"] and f.converged
    assert list(t["iteration"]) == list(range(1, len(t) + 1))
    assert len(t) == ref["iter"] + (0 if convergence == "R" else f._state.polish_steps)
    for k, it in enumerate(ref["iterations"]):
        assert_close(t.iloc[k][list(f.coef.index)].to_numpy(), it["coefficients"], rtol=1e-8)
        assert_close([t["deviance"].iloc[k]], [it["deviance"]], rtol=1e-10)
        assert_close([t["loglik"].iloc[k]], it["loglik"], rtol=1e-9)  # NaN for quasi-Poisson, as R's NA
    last = t.iloc[-1]
    np.testing.assert_allclose(last[list(f.coef.index)].to_numpy(float), f.coef.to_numpy(), rtol=1e-8)
    assert abs(last["deviance"] - f.deviance) <= 1e-8 * f.deviance
    halved = [k for k, line in enumerate(ref["trace_lines"]) if line.startswith("Step halved")]
    assert (t["halvings"].iloc[: ref["iter"]] > 0).sum() == len(halved)


@pytest.mark.parametrize("case_id", IDS)
def test_trace_fitted_has_the_means_of_each_iteration(case_id):
    ref = load(case_id)
    f = fit(case_id, convergence="R")
    tf = f.trace_fitted
    assert list(tf.columns) == list(range(1, ref["iter"] + 1)) and tf.index.equals(f.fitted_values.index)
    for k, it in enumerate(ref["iterations"]):
        assert_close(tf[k + 1], it["fitted"], rtol=1e-8)
    np.testing.assert_allclose(tf[ref["iter"]], f.fitted_values, rtol=1e-12)


@pytest.mark.parametrize("case_id", IDS)
def test_trace_true_prints_r_s_lines(case_id, capsys):
    ref = load(case_id)
    # R also prints the iterations of the null model's refit when the model has an offset; glmstat does not
    mine = ref["trace_lines"][: next(k for k, line in enumerate(ref["trace_lines"])
                                     if line.endswith(f"Iterations - {ref['iter']}")) + 1]
    fit(case_id, convergence="R", trace=True)
    assert capsys.readouterr().out.splitlines() == mine
    f = fit(case_id, trace=True)
    out = capsys.readouterr().out.splitlines()
    assert out[: len(mine)] == mine
    assert len(out) == len(mine) + f._state.polish_steps
    assert all(line.startswith("Polishing step ") for line in out[len(mine):])


@pytest.mark.parametrize("k", [1, 5])
def test_max_iter_k_stops_after_k_iterations_as_r_maxit(k):
    # R: glm(dist ~ speed, inverse.gaussian("log"), cars, control = glm.control(maxit = k)) takes k iterations
    # (iter = k, converged FALSE); it needs 9 at the default epsilon
    ref = load("cars_invgauss_log")
    d = pd.read_csv(TRACE / "data" / "cars.csv")
    with pytest.warns(gs.ConvergenceWarning, match=f"did not converge in {k} iterations"):
        f = gs.glm(ref["formula"], d, family=family_of(ref["family"]), max_iter=k)
    assert f.iterations == k and not f.converged and len(f.trace) == k
    assert_close(f.coef, ref["iterations"][k - 1]["coefficients"], rtol=1e-8)
    assert_close([f.deviance], [ref["iterations"][k - 1]["deviance"]], rtol=1e-10)


def test_convergence_and_trace_arguments_are_checked():
    d = pd.DataFrame({"y": [1.0, 2.0, 4.0, 3.0], "x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(gs.FitError, match="convergence must be one of 'exact', 'R'"):
        gs.glm("y ~ x", d, convergence="r")
    with pytest.raises(gs.FitError, match="trace must be True or False"):
        gs.glm("y ~ x", d, trace="yes")
    assert gs.glm("y ~ x", d, convergence="R").convergence == "R"


LINES_IDS = [c["id"] for c in json.loads((TRACE / "lines_cases.json").read_text())]


@pytest.mark.parametrize("case_id", LINES_IDS)
def test_trace_true_prints_nan_for_a_step_whose_deviance_is_not_a_number(case_id, capsys):
    """R's trace prints ``Deviance = NaN`` for a step that leaves the domain (a Gamma identity mean below 0: log of
    a negative ratio), then the halved step's deviance; glmstat printed ``NA`` there (the tables' spelling)."""
    ref = json.loads((TRACE / "lines" / f"{case_id}.json").read_text())
    case = next(c for c in json.loads((TRACE / "lines_cases.json").read_text()) if c["id"] == case_id)
    d = pd.read_csv(TRACE / "data" / f"{case['data']}.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = gs.glm(ref["formula"], d, family=family_of(ref["family"]), convergence="R", trace=True)
    assert capsys.readouterr().out.splitlines() == ref["trace_lines"]
    assert f.iterations == ref["iter"] and f.converged == ref["converged"]
    assert_close([f.deviance], [ref["deviance"]], rtol=1e-10)


def test_a_coefficient_named_as_a_trace_column_has_a_column_of_its_own():
    """Predictors named deviance, iteration, loglik and halvings gave the trace two columns of each name:
    ``trace["deviance"]`` was a two-column frame, and ``fit.plot("trace")`` left the coefficient out (or, for
    ``iteration``, drew against both).  Their columns are named in backticks, as R quotes a name."""
    rng = np.random.default_rng(5)
    names = ["deviance", "iteration", "loglik", "halvings"]
    d = pd.DataFrame({"y": rng.poisson(3, 40), **{n: rng.normal(size=40) for n in names}})
    f = gs.glm("y ~ " + " + ".join(names), d, family=gs.Poisson())
    t = f.trace
    assert list(t.columns) == ["iteration", "deviance", "loglik", "halvings", "Intercept",
                               *(f"`{n}`" for n in names)]
    assert t.columns.is_unique
    assert list(t["iteration"]) == list(range(1, len(t) + 1))
    assert abs(t["deviance"].iloc[-1] - f.deviance) <= 1e-8 * f.deviance
    assert abs(t["loglik"].iloc[-1] - f.loglik) <= 1e-8 * abs(f.loglik)
    for n in names:
        assert abs(t[f"`{n}`"].iloc[-1] - f.coef[n]) <= 1e-8 * abs(f.coef[n])
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    fig = f.plot("trace")
    assert fig.axes[0].get_legend_handles_labels()[1] == ["Intercept", *(f"`{n}`" for n in names)]
