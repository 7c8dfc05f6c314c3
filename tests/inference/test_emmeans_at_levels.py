"""emmeans' ``at = list(B = c("b1", "b2"))`` of a factor: the reference grid holds the factor at the levels given
only, in the order given -- the means average over those levels, or, for the term's (or by's) own factor, are
those levels' means, and their pairs are made among them.  glmstat refused a factor in ``at=`` ("its levels are
all on the grid").  A level the factor does not have is refused naming the level and the factor (R's
``model.frame`` stops: "factor tension has new levels Z"), and so is a level given twice (emmeans then finds a
nesting of the other factors in it that the model does not have).  A factor of numbers (``factor(cyl)``) takes
its levels as numbers, as emmeans does, or as their labels (emmeans' ``round()`` stops on ``c("4", "8")``).

R's output: tests/fixtures/emmeans_at_levels/make_emmeans_at_levels.R -> r.json (emmeans 1.8.4: the means' estimates,
SEs, df and 90% intervals, their pairs' estimates, SEs, z or t ratios and p-values, and the notes printed under
each, for log, logit and identity links, one and two factors, by groups, type "response" and "link"; several
values of a covariate given by ``at=``, as by groups -- ``~ A | x``, the grid gaining rows -- or averaged over; a
factor nested in another; and emmeans' weights other than equal over a grid of factors at the levels given, from the
rows at those levels).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, load_data
from emmeans_r_cases import assert_means_as_emmeans, assert_pairs_as_emmeans, fit_case, listed

R = json.loads((FIXTURES / "emmeans_at_levels" / "r.json").read_text())


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "emmeans_two_nested" / "data.csv") if name == "nested" else load_data(name)


def _call(case: dict) -> dict:
    by = case["by"] if isinstance(case["by"], str) else None
    return dict(by=by, type=case["type"], at={k: listed(v) for k, v in case["at"].items()},
                weights=case.get("weights", "equal"))


@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['id']}-{c['type']}")
def test_means_at_the_levels_given_as_emmeans(case):
    assert_means_as_emmeans(fit_case(case, _data).emmeans(case["term"], level=0.9, **_call(case)), case)


@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['id']}-{c['type']}")
def test_pairs_of_the_levels_given_as_emmeans(case):
    assert_pairs_as_emmeans(fit_case(case, _data).emmeans_pairs(case["term"], **_call(case)), case)


@pytest.fixture(scope="module")
def warp() -> gs.GLMResults:
    return gs.glm("breaks ~ wool * tension", load_data("warpbreaks"), family=gs.Poisson(), tol=1e-14, max_iter=100)


@pytest.mark.parametrize("at, match", [
    ({"tension": ["L", "Z"]}, "at= 'tension': 'Z' is not a level of the factor 'tension' "
                              r"\(its levels: 'H', 'L', 'M'\)"),
    ({"tension": ["L", "M", "L"]}, "at= 'tension' gives the level 'L' twice"),
    ({"tension": []}, "at= 'tension': give 1 to 3 of the factor's levels"),
    ({"tension": 1.5}, "at= 'tension': 1.5 is not a level of the factor 'tension'"),
])
def test_levels_the_factor_does_not_have_are_refused(warp, at, match):
    with pytest.raises(gs.GLMStatError, match=match):
        warp.emmeans("wool", at=at)


def test_weights_with_numeric_at_are_refused_with_a_factor_at_too(warp):
    # (the rows used seldom take the values given: emmeans' weights of such cells are 0)
    fit = gs.glm("carb ~ factor(am) * hp", load_data("mtcars"), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match="weights other than equal with at= of a numeric variable"):
        fit.emmeans("am", at={"hp": [100, 250], "am": [0, 1]}, weights="proportional")


def test_a_numbered_factor_takes_its_labels_too():
    fit = gs.glm("mpg ~ factor(cyl) + wt", load_data("mtcars"), tol=1e-14, max_iter=100)
    by_number = fit.emmeans("cyl", at={"cyl": [4, 8]})
    by_label = fit.emmeans("cyl", at={"cyl": ["4", "8"]})
    pd.testing.assert_frame_equal(by_number, by_label)


def test_a_factor_read_through_its_codes_is_refused():
    # (R's ?esoph model: emmeans holds unclass(tobgp) at the mean of its codes, a covariate)
    fit = gs.glm("cbind(ncases, ncontrols) ~ agegp + unclass(tobgp)", load_data("esoph"), family=gs.Binomial())
    with pytest.raises(gs.GLMStatError, match="at= 'tobgp': the model reads this factor only through its level"):
        fit.emmeans("agegp", at={"tobgp": ["0-9g/day"]})


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_take_the_levels_as_in_memory(kind, tmp_path):
    from streamed_cases import as_streamed

    case = next(c for c in R if c["id"] == "logit_by" and c["type"] == "response")
    data = load_data(case["data"])
    streamed = gs.glm(case["formula"], as_streamed(data, kind, tmp_path, rows=20), family=gs.Binomial(), tol=1e-14,
                      max_iter=100)
    means = streamed.emmeans(case["term"], level=0.9, **_call(case))
    assert_close(means["estimate"], listed(case["estimate"]), rtol=1e-7)
    assert_close(means["std_error"], listed(case["se"]), rtol=1e-6)


def test_a_logical_factor_takes_true_and_its_label():
    """R (emmeans 1.8.4)::

        d <- read.csv("mtcars.csv"); d$manual <- d$am == 1
        m <- glm(carb ~ factor(cyl) + manual, poisson, d, control = glm.control(epsilon = 1e-14, maxit = 100))
        s <- as.data.frame(emmeans(m, ~ cyl, at = list(manual = TRUE))); s$emmean; s$SE

    glmstat refused True ("True is not a level of the factor 'manual'"), taking only the label "TRUE"."""
    data = load_data("mtcars")
    data["manual"] = data["am"] == 1
    fit = gs.glm("carb ~ factor(cyl) + manual", data, family=gs.Poisson(), tol=1e-14, max_iter=100)
    for level in (True, np.True_, "TRUE"):
        means = fit.emmeans("cyl", type="link", at={"manual": [level]})
        assert_close(means["estimate"], [0.552321283069227, 1.495264917022864, 1.678982380977697], rtol=1e-7)
        assert_close(means["std_error"], [0.246579445963386, 0.230861086066831, 0.238051848835882], rtol=1e-6)
        assert means.attrs["heading"].split("\n")[1] == "Results are given on the log (not the response) scale."
    with pytest.raises(gs.GLMStatError, match="at= 'manual': 1 is not a level of the factor 'manual'"):
        fit.emmeans("cyl", at={"manual": [1]})
