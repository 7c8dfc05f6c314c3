"""influence.measures against R (fixtures/influence_measures, made by make_influence_measures.R): dfbetas,
dffit, cov.r, cook.d and hat of every row, and the rows and measures R flags (is.inf), for a logit, a Poisson
with an interaction and a Gamma log-link fit with prior weights (its dispersion estimated)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "influence_measures"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"binomial": gs.Binomial, "poisson": gs.Poisson, "Gamma": lambda: gs.Gamma(link="log")}


@pytest.mark.parametrize("kind", ["in-memory", "parquet"])
@pytest.mark.parametrize("ref", REF, ids=[r["id"] for r in REF])
def test_influence_measures_as_r(ref, kind, tmp_path):
    d = pd.read_csv(FIXTURES / "data" / f"{ref['data']}.csv")
    data = d
    if kind == "parquet":
        pytest.importorskip("pyarrow")
        d.to_parquet(tmp_path / "d.parquet", row_group_size=11, index=False)
        data = str(tmp_path / "d.parquet")
    fit = gs.glm(ref["formula"], data, family=FAMILIES[ref["family"]](), weights=ref["weights"], tol=1e-12)
    got = fit.influence_measures()
    p = len(ref["columns"]) - 4
    assert list(got.columns) == [f"dfb_{c}" for c in fit.column_names] + [
        "dffit", "cov_ratio", "cooks_d", "hat", "influential", "flagged"]
    assert_close(got.iloc[:, :p + 4].to_numpy(), np.array(ref["infmat"]).T, rtol=1e-8, atol=1e-12)
    flags = np.array(ref["is_inf"]).T
    assert np.array_equal(got["influential"].to_numpy(), flags.any(axis=1))
    names = list(got.columns[:p + 4])
    want = [", ".join(names[j] for j in np.flatnonzero(row)) for row in flags]
    assert list(got["flagged"]) == want


TOO_FEW = FIXTURES / "influence_too_few_cases"


@pytest.mark.parametrize("ref", json.loads((TOO_FEW / "ref.json").read_text()), ids=lambda r: r["id"])
def test_influence_measures_refused_without_residual_df_as_r(ref):
    # (fixtures/influence_too_few_cases: R refuses where the rows of positive leverage are no more than the
    # coefficients; glmstat divided by n - k = 0, a ZeroDivisionError, found on the random case s789_0232)
    d = pd.read_csv(TOO_FEW / "data.csv").iloc[ref["rows"]]
    fit = gs.glm("y ~ g", d, family=gs.Poisson(), weights="w")
    assert (fit.rank, fit.df_residual) == (ref["rank"], ref["df_residual"])
    with pytest.raises(gs.GLMStatError, match="too few rows of positive leverage"):
        fit.influence_measures()


ZERO_CELL = FIXTURES / "influence_zero_cell"


@pytest.mark.parametrize("kind", ["in-memory", "parquet"])
def test_influence_measures_of_a_level_of_zero_counts_held_on_the_edge_as_r(kind, tmp_path):
    # (fixtures/influence_zero_cell: Poisson identity, a level of four zero counts whose mean the optimum holds on
    # the edge 0; each row's leverage is 1/4 at any weight, R's, and cov.r tends to (12/11)^3 / (3/4) -- glmstat
    # gave those rows leverage 1, the limit for a row alone in its direction, and NaN dffit, cov.r and Cook's
    # distance; found on the random case s792_0329.  Parquet row groups of 3 rows put the level in two blocks.)
    ref = json.loads((ZERO_CELL / "ref.json").read_text())
    data = pd.read_csv(ZERO_CELL / "data.csv")
    if kind == "parquet":
        pytest.importorskip("pyarrow")
        data.to_parquet(tmp_path / "d.parquet", row_group_size=3, index=False)
        data = str(tmp_path / "d.parquet")
    fit = gs.glm(ref["formula"], data, family=gs.Poisson(link="identity"))
    assert fit.deviance == pytest.approx(ref["deviance"], rel=1e-10)
    got = fit.influence_measures().iloc[:, :7].to_numpy()
    assert_close(got, np.array(ref["infmat"]).T, rtol=1e-8, atol=1e-8)  # (dffit, dfbetas of those rows: ~ 0)
    assert_close(got[:4, 6], np.full(4, 0.25), rtol=1e-14)
    assert_close(got[:4, 4], np.full(4, ref["cov_r_limit"]), rtol=1e-12)
    assert_close(fit.hat_values().to_numpy()[:4], np.full(4, 0.25), rtol=1e-14)
