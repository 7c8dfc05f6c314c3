"""emmeans' ``at = list(x = c(...))``: numeric variables held at the values given instead of their mean, against
R (fixtures/emmeans_at, scripts/make_emmeans_at.R): one value, several averaged over, two variables, the values
asked for as the term and as by, with their pairs; what is refused."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "emmeans_at" / "ref.json").read_text())


def _fit() -> gs.GLMResults:
    b = pd.read_csv(FIXTURES / "data" / "birthwt.csv")
    b["race"] = pd.Categorical(b["race"], categories=["white", "black", "other"])
    return gs.glm(REF["formula"], b, family=gs.Binomial(), tol=1e-12)


FIT = _fit()


@pytest.mark.parametrize("case", REF["cases"], ids=[c["id"] for c in REF["cases"]])
def test_means_at_the_values_given_as_emmeans(case):
    term, _, by = case["spec"].removeprefix("~ ").partition(" | ")
    means = FIT.emmeans(term, by=by or None, at=case["at"])
    assert_close(means["estimate"], case["estimate"], rtol=1e-7)
    assert_close(means["std_error"], case["se"], rtol=1e-6)
    pairs = FIT.emmeans_pairs(term, by=by or None, at=case["at"])
    assert_close(pairs["statistic"], case["pair_statistic"], rtol=1e-7)
    assert_close(pairs["p_value"], case["pair_p"], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("at, match", [
    ({"race": ["asian"]}, "at= 'race': 'asian' is not a level of the factor 'race'"),
    ({"lwt": []}, "at= 'lwt': give 1 to 1000 finite numbers"),
    ({"lwt": [float("nan")]}, "give 1 to 1000 finite numbers"),
    ({"lwt": ["100"]}, "give 1 to 1000 finite numbers"),
    # (a standard error of 1e308 overflowed to inf with numpy's RuntimeWarning; the data's bound, 1e100)
    ({"lwt": [120, 1e308]}, r"at= 'lwt': 1e\+308 is larger than 1e\+100 in size"),
    ({"lwt": -1e101}, r"at= 'lwt': -1e\+101 is larger than 1e\+100 in size"),
    ({"height": [1.0]}, "'height' is not a variable of the model's right-hand side"),
    ([("lwt", 1)], "at= must be a dict of variables and their values"),
])
def test_refusals(at, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a leaked numpy warning fails)
        with pytest.raises(gs.GLMStatError, match=match):
            FIT.emmeans("race", at=at)


def test_weights_with_at_are_refused():
    with pytest.raises(gs.GLMStatError,
                       match="weights other than equal with at= of a numeric variable .'lwt'. are not supported"):
        FIT.emmeans("race", at={"lwt": [120]}, weights="cells")


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_take_the_values_as_in_memory(kind, tmp_path):
    from streamed_cases import as_streamed

    b = pd.read_csv(FIXTURES / "data" / "birthwt.csv")
    b["race"] = pd.Categorical(b["race"], categories=["white", "black", "other"])
    streamed = gs.glm(REF["formula"], as_streamed(b, kind, tmp_path, rows=40), family=gs.Binomial(), tol=1e-12)
    at = REF["cases"][2]["at"]
    assert_close(streamed.emmeans("race", at=at)["estimate"], FIT.emmeans("race", at=at)["estimate"], rtol=1e-9)
