"""emmeans' ``cov.reduce`` and ``cov.keep``: the covariates' values on the reference grid.  emmeans holds a covariate
at its mean by default (keeping both values of one of at most two, ``cov.keep = "2"``); ``cov.reduce = median``
(``min``, ``max``) holds it at that value instead, ``cov.reduce = range`` at both ends -- an axis of the grid the means
average over (``Results are averaged over the levels of: hp``) or are given by (``~ am | hp``) --, a named list of
reductions each covariate its own; ``cov.keep`` keeps the covariates named at all their values (and none else: a
two-valued one not named goes to its reduction), or those of at most ``"3"`` values.  glmstat had the mean only;
``cov_reduce=`` takes the reductions by name (``"mean"``, ``"median"``, ``"range"``, ``"min"``, ``"max"``, or a dict
of them by covariate) and refuses a function, which it would have to run; ``cov_keep=`` a list of names or a number.

R's output: tests/fixtures/emmeans_cov_reduce/make_emmeans_cov_reduce.R -> r.json (emmeans 1.8.4: the means'
estimates, SEs, df and 90% intervals, their pairs' estimates, SEs, z or t ratios and p-values, and the notes printed
under each, for log, logit and identity links, one and two factors, by groups, type "response" and "link").
"""

from __future__ import annotations

import json
import statistics

import numpy as np
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, load_data
from emmeans_r_cases import assert_means_as_emmeans, assert_pairs_as_emmeans, fit_case, listed

R = json.loads((FIXTURES / "emmeans_cov_reduce" / "r.json").read_text())


def _call(case: dict) -> dict:
    keep = case.get("keep")
    if isinstance(keep, str):
        keep = int(keep) if keep.isdigit() else [keep]
    return dict(by=case["by"] if isinstance(case["by"], str) else None, type=case["type"],
                cov_reduce=case.get("reduce"), cov_keep=keep,
                at={k: listed(v) for k, v in case["at"].items()} if "at" in case else None)


@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['id']}-{c['type']}")
def test_means_at_the_covariate_values_as_emmeans(case):
    assert_means_as_emmeans(fit_case(case).emmeans(case["term"], level=0.9, **_call(case)), case)


@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['id']}-{c['type']}")
def test_pairs_at_the_covariate_values_as_emmeans(case):
    assert_pairs_as_emmeans(fit_case(case).emmeans_pairs(case["term"], **_call(case)), case)


@pytest.fixture(scope="module")
def cars() -> gs.GLMResults:
    return gs.glm("carb ~ factor(am) * hp + wt", load_data("mtcars"), family=gs.Poisson(), tol=1e-14, max_iter=100)


@pytest.mark.parametrize("kwargs, match", [
    (dict(cov_reduce=statistics.median), "cov_reduce= takes the name of a reduction .* not a function"),
    (dict(cov_reduce={"hp": np.median}), "cov_reduce= 'hp' takes the name of a reduction .* not a function"),
    (dict(cov_reduce="mode"), "unknown cov_reduce= 'mode'; use one of 'mean', 'median', 'range', 'min', 'max'"),
    (dict(cov_reduce={"am": "median"}), "cov_reduce= 'am': the factor 'am' has levels, not values to reduce"),
    (dict(cov_reduce={"zz": "median"}), "'zz' is not a variable of the model's right-hand side"),
    (dict(cov_keep=-1), "cov_keep= must be a list of covariates' names or a number of values"),
    (dict(cov_keep=["am"]), "cov_keep= 'am': the factor 'am' has levels, not values to keep"),
    (dict(cov_reduce="range", weights="proportional"),
     r"weights other than equal with cov_reduce='range' \('hp', 'wt'\)"),
])
def test_refusals_name_the_argument(cars, kwargs, match):
    with pytest.raises(gs.GLMStatError, match=match):
        cars.emmeans("am", **kwargs)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_reduce_as_in_memory(kind, tmp_path):
    from streamed_cases import as_streamed

    for case in (c for c in R if c["id"] in ("log_range_by", "log_min", "keep_name_by") and c["type"] == "link"):
        (tmp_path / case["id"]).mkdir()
        streamed = gs.glm(case["formula"], as_streamed(load_data(case["data"]), kind, tmp_path / case["id"], rows=8),
                          family=gs.Poisson(), tol=1e-14, max_iter=100)
        means = streamed.emmeans(case["term"], level=0.9, **_call(case))
        assert_close(means["estimate"], listed(case["estimate"]), rtol=1e-7)
        assert_close(means["std_error"], listed(case["se"]), rtol=1e-6)


def test_a_streamed_median_is_refused(tmp_path):
    from streamed_cases import as_streamed

    streamed = gs.glm("carb ~ factor(am) * hp", as_streamed(load_data("mtcars"), "parquet", tmp_path, rows=8),
                      family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match="cov_reduce= 'median' of a fit to streamed data"):
        streamed.emmeans("am", cov_reduce="median")
