"""emmeans' ``regrid = "response"``: the reference grid's cells are back-transformed (the inverse link, then a
transformed response's inverse) before the means average over them, with delta-method standard errors -- a mean is
the average of its cells' probabilities or rates, not the back-transformed average of their linear predictors --,
its interval is the estimate -/+ q SE, and ``pairs()`` and ``contrast()`` compare the means on that scale:
differences of probabilities or rates (``H - L``), not odds ratios or ratios, with no note of a link's scale.
``type`` has no effect after it (emmeans gives the same numbers for "link").  glmstat had no regrid.

R's output: tests/fixtures/emmeans_regrid/make_emmeans_regrid.R -> r.json (emmeans 1.8.4: the means' estimates,
SEs, df and 90% intervals, their pairs' and ``"eff"`` contrasts' estimates, SEs, z or t ratios and p-values, and the
notes printed under each, for log, logit and identity links -- a ``log(y)`` response too --, one and two factors,
by groups, a covariate, type "response" and "link").
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, load_data
from emmeans_r_cases import assert_means_as_emmeans, assert_pairs_as_emmeans, fit_case, listed

R = json.loads((FIXTURES / "emmeans_regrid" / "r.json").read_text())


def _call(case: dict) -> dict:
    return dict(by=case["by"] if isinstance(case["by"], str) else None, type=case["type"], regrid="response")


@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['id']}-{c['type']}")
def test_regridded_means_as_emmeans(case):
    means = fit_case(case).emmeans(case["term"], level=0.9, **_call(case))
    assert_means_as_emmeans(means, case)
    assert means.attrs["estimate"] == case["estimate_name"]


@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['id']}-{c['type']}")
def test_regridded_pairs_are_differences_as_emmeans(case):
    assert_pairs_as_emmeans(fit_case(case).emmeans_pairs(case["term"], **_call(case)), case)


@pytest.mark.parametrize("case", R, ids=lambda c: f"{c['id']}-{c['type']}")
def test_regridded_effects_as_emmeans(case):
    eff = fit_case(case).emmeans_contrasts(case["term"], "eff", **_call(case))
    assert list(eff.index.get_level_values("contrast")) == listed(case["eff_contrast"])
    assert_close(eff["estimate"], listed(case["eff_estimate"]), rtol=1e-7)
    assert_close(eff["std_error"], listed(case["eff_se"]), rtol=1e-6)
    assert_close(eff["p_value"], listed(case["eff_p_value"]), rtol=1e-6, atol=1e-12)
    assert eff.attrs["heading"].split("\n")[1:] == listed(case["eff_notes"])


def test_other_regrids_are_refused():
    fit = fit_case(R[0])
    with pytest.raises(gs.GLMStatError, match="unknown regrid= 'log'; use 'response'"):
        fit.emmeans("tension", regrid="log")


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_regrid_as_in_memory(kind, tmp_path):
    from streamed_cases import as_streamed

    case = next(c for c in R if c["id"] == "logit_averaged" and c["type"] == "response")
    streamed = gs.glm(case["formula"], as_streamed(load_data(case["data"]), kind, tmp_path, rows=20),
                      family=gs.Binomial(), tol=1e-14, max_iter=100)
    means = streamed.emmeans(case["term"], level=0.9, **_call(case))
    assert_close(means["estimate"], case["estimate"], rtol=1e-7)
    assert_close(means["std_error"], case["se"], rtol=1e-6)


def test_a_cell_that_is_not_estimable_is_nan_where_emmeans_regrids_garbage():
    """warpbreaks without wool A at tension L, ``breaks ~ wool * tension`` (Poisson; one aliased column).  The model
    is saturated, so each estimable cell's rate is its cells' mean of breaks (a closed form: B at H 18.7778); the
    empty cell's is not estimable.  emmeans 1.8.4's ``emmeans(m, ~ tension | wool, regrid = "response")`` gives A
    at L a rate of 0.0 (SE 0.0693), B at H 18.2 and B at L 30.1 with an SE of 0 ("Negative variance estimate
    obtained!"): its regrid drops the grid's non-estimability -- the README's "emmeans' regrid of a grid with
    aliased columns"."""
    data = load_data("warpbreaks")
    data = data[~((data["wool"] == "A") & (data["tension"] == "L"))]
    fit = gs.glm("breaks ~ wool * tension", data, family=gs.Poisson(), tol=1e-14, max_iter=100)
    means = fit.emmeans("tension", by="wool", regrid="response")
    cells = data.groupby(["tension", "wool"])["breaks"].mean()
    for (tension, wool), row in means.iterrows():
        if (tension, wool) == ("L", "A"):
            assert np.isnan(row["estimate"]) and np.isnan(row["std_error"])
        else:
            assert_close(row["estimate"], cells[(tension, wool)], rtol=1e-9)
    pairs = fit.emmeans_pairs("tension", by="wool", regrid="response")
    assert pairs["estimate"].isna().tolist() == [True, False, True, False, False, False]
