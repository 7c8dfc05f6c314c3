"""R's ave() in formulas against R 4.2 (tests/fixtures/ave, made by scripts/make_ave.R): its values -- FUN = mean,
sum, min, max and length, one and two grouping variables, a missing x (its group missing) and a missing group
(the row keeps its x) -- and fits that centre within groups; the groups' summaries learned once, for new data and
streamed data (ave() as a variable of its own too, whose missing groups decide the rows kept); what is refused, by
name."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_values

HERE = FIXTURES / "ave"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values=[""])
FAMILIES = {"poisson": gs.Poisson(), "gaussian": gs.Gaussian()}


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_values_are_r_s(expr):
    want = np.array([np.nan if v is None else v for v in REF["values"][expr]], dtype=float)
    np.testing.assert_allclose(expression_values(DATA, expr), want, rtol=1e-13, equal_nan=True)


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    fit = assert_fit_is_r_s(ref, DATA, FAMILIES[ref["family"]])
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)


def test_new_data_takes_the_training_groups_summaries():
    # (R's predict computes ave() again over the new rows; glmstat keeps the fit's, as it keeps mean(x))
    fit = gs.glm(REF["fits"][0]["formula"], DATA)
    rows = DATA.dropna().iloc[:5]
    assert_close(fit.predict(rows), fit.fitted_values.loc[rows.index], rtol=1e-12)
    unseen = fit.predict(rows.assign(g="zz"))
    assert np.isnan(unseen).all()


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import as_streamed

    formula = REF["fits"][1]["formula"]
    mem = gs.glm(formula, DATA, family=gs.Poisson())
    streamed = gs.glm(formula, as_streamed(DATA, kind, tmp_path, rows=7), family=gs.Poisson())
    np.testing.assert_allclose(streamed.coef.to_numpy(), mem.coef.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_ave_as_a_variable_of_its_own_is_r_s(kind, tmp_path):
    # (y ~ ave(x, g) + h: no expression computes on ave()'s values, yet they decide the rows kept -- the group of a
    # missing x is missing -- so the chunks are read again with the groups' summaries; the first pass's placeholder,
    # every row missing, was taken for the rows kept: "no complete rows")
    from streamed_cases import as_streamed

    ref = REF["fits"][2]
    streamed = gs.glm(ref["formula"], as_streamed(DATA, kind, tmp_path, rows=7))
    assert streamed.nobs == ref["nobs"]
    assert_close(streamed.coef.to_numpy(), ref["coef"], rtol=1e-9)
    assert_close(streamed.std_errors.to_numpy(), ref["se"], rtol=1e-9)


@pytest.mark.parametrize("term, match", [
    ("ave(x, g, FUN = median)", "FUN must be one of"),
    ("ave(x, g, FUN = 'mean')", "FUN must be one of"),
    ("ave(x, g, na.rm = TRUE)", "takes x, the grouping variables and FUN"),
    ("ave(g, h)", "factor"),
])
def test_refusals(term, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ {term}", DATA)
