"""Influence measures with ``convergence="R"`` against R's at its default control (tests/fixtures/rdefault_influence,
made by scripts/make_rdefault_influence.R): R's ``hatvalues`` come from the QR of its last iteration, weighted at
the coefficients before it, as the covariance ``convergence="R"`` reports, so the leverages -- and with them Cook's
distances, standardized and studentized residuals and dfbeta -- are those of that weighted least squares fit.
They once took the working weights at the estimate instead, against the covariance of the step before: leverages
off R's by up to 1e-3 relative that did not even sum to the rank.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, family_of

REFS = FIXTURES / "rdefault_influence"
IDS = sorted(p.stem for p in (REFS / "r").glob("*.json"))
CASES = {c["id"]: c for c in json.loads((REFS / "cases.json").read_text())}


def fit(case: dict, convergence: str = "R") -> gs.GLMResults:
    d = pd.read_csv(FIXTURES / case["data"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(case["formula"], d, family=family_of(case["family"]), weights=case.get("weights"),
                      convergence=convergence)


@pytest.mark.parametrize("case_id", IDS)
def test_convergence_r_influence_is_r_s(case_id):
    ref = json.loads((REFS / "r" / f"{case_id}.json").read_text())
    f = fit(CASES[case_id])
    assert f.iterations == ref["iterations"]
    assert_close(f.coef.dropna(), ref["coefficients"], rtol=1e-8)
    rows = pd.Index(np.asarray(ref["rows"]) - 1)  # R's labels are the data's rows, from 1
    aug = f.augment().loc[rows]
    assert_close(f.hat_values().loc[rows], ref["hat"], rtol=1e-8)
    assert_close(aug["hat"], ref["hat"], rtol=1e-8)
    assert_close(f.cooks_distance().loc[rows], ref["cooks"], rtol=1e-7)
    assert_close(f.std_residuals("deviance").loc[rows], ref["rstandard_deviance"], rtol=1e-7)
    assert_close(f.std_residuals("pearson").loc[rows], ref["rstandard_pearson"], rtol=1e-7)
    assert_close(aug["student_resid"], ref["rstudent"], rtol=1e-7)
    dfbeta = f.dfbeta().dropna(axis=1, how="all").loc[np.asarray(ref["dfbeta_rows"]) - 1]
    assert_close(dfbeta, ref["dfbeta"], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("case_id", IDS)
def test_leverages_sum_to_the_rank_in_either_mode(case_id):
    """The leverages are the diagonal of a projection of rank ``rank``, whichever covariance it is of."""
    for convergence in ("R", "exact"):
        f = fit(CASES[case_id], convergence)
        assert f.hat_values().sum() == pytest.approx(f.rank, rel=1e-10)


def _square(values: list) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    k = int(round(np.sqrt(v.size)))
    return v.reshape(k, k, order="F")  # R's matrices by column


@pytest.mark.parametrize("case_id", IDS)
def test_convergence_r_sandwich_is_sandwich_s(case_id):
    """sandwich's estfun.glm multiplies the working residuals at the estimate by the fit's working weights --
    R's, from the start of its last iteration -- and its hat values are R's hatvalues: with convergence="R" the
    meat is made from those weights, as the bread (the covariance) is."""
    ref = json.loads((REFS / "r" / f"{case_id}.json").read_text())
    case = CASES[case_id]
    f = fit(case)
    kept = f.coef.notna()
    for name, type, cluster in (("hc0", "HC0", None), ("hc3", "HC3", None),
                                ("cl_hc0", "HC0", case.get("cluster")), ("cl_hc1", "HC1", case.get("cluster"))):
        if name not in ref:
            continue
        V = f.robust(type, cluster=cluster).vcov.loc[kept, kept]
        assert_close(V.to_numpy(), _square(ref[name]), rtol=1e-7, atol=1e-14)
