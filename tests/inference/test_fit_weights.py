"""``fit.weights("prior" | "working")`` against R's ``weights(m, "prior")`` and ``weights(m, "working")``
(fixtures/fit_weights, make_fit_weights.R): a binomial cbind() fit with prior weights, a Poisson fit with a zero
prior weight and a row dropped for a missing value, and a Gamma fit, at the exact MLE and at R's default control
(``convergence="R"``, whose working weights are those of the coefficients before R's last iteration); in
memory, from Parquet and on dask."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from streamed_cases import as_streamed

HERE = FIXTURES / "fit_weights"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"binomial": gs.Binomial(), "poisson": gs.Poisson(), "Gamma": gs.Gamma(link="inverse")}
IDS = ["binomial_cbind", "poisson_zero_weight", "gamma"]


def fitted(ref: dict, data, convergence: str = "exact") -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        return gs.glm(ref["formula"], data, family=FAMILIES[ref["family"]], weights=ref["weights"],
                      tol=1e-12 if convergence == "exact" else 1e-8, convergence=convergence)


@pytest.mark.parametrize("ref", REF, ids=IDS)
def test_weights_as_r_at_the_mle(ref):
    fit = fitted(ref, pd.read_csv(HERE / "data.csv"))
    prior, default = fit.weights("prior"), fit.weights()  # (the default: prior, as R's weights(m))
    assert list(prior.index) == [r - 1 for r in ref["rows"]]
    assert_close(prior.to_numpy(), ref["prior"], rtol=0)
    assert_close(default.to_numpy(), ref["prior"], rtol=0)
    assert_close(fit.weights("working").to_numpy(), ref["working"], rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("ref", REF, ids=IDS)
def test_working_weights_as_r_default(ref):
    fit = fitted(ref, pd.read_csv(HERE / "data.csv"), convergence="R")
    assert fit.iterations == ref["iterations_r_default"]
    assert_close(fit.weights("working").to_numpy(), ref["working_r_default"], rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_weights_streamed_equal_in_memory(kind, tmp_path):
    ref = REF[1]  # (a zero prior weight and a dropped row)
    d = pd.read_csv(HERE / "data.csv")
    data = as_streamed(d, kind, tmp_path)
    fit = fitted(ref, data)
    for type_, values in (("prior", ref["prior"]), ("working", ref["working"])):
        got = fit.weights(type_)
        got = got.compute() if kind == "dask" else got
        assert list(got.index) == [r - 1 for r in ref["rows"]]
        assert_close(got.to_numpy(), values, rtol=1e-8, atol=1e-14)


def test_unknown_weights_type_is_refused():
    fit = fitted(REF[2], pd.read_csv(HERE / "data.csv"))
    with pytest.raises(gs.GLMStatError, match="unknown weights type 'pearson'; use 'prior' or 'working'"):
        fit.weights("pearson")
