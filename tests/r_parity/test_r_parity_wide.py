"""Wide factors against R (tests/fixtures/wide): a 510-level factor, whose 509 columns glmstat solves X'WX
through (the factor's diagonal block, ``DIAGONAL_SOLVE_COLUMNS``), and a 300-level factor interacting with a
covariate (``g300 * x2``: the factor's codes times the covariate's values).

10,000 rows (``README.md`` there): prior weights with zeros and one level all at weight 0 (its column aliased),
missing values, an offset, and a covariate constant within the levels of the wide factor (aliased after
it).  ``scripts/make_reference.R --qr-tol=1e-11`` fitted them in R at the exact MLE and at R's default
control; ``scripts/trim_large_refs.py`` kept per-row values at a sample of rows and every k-th row of the
covariance matrices.  Every quantity compares to 1e-6 relative; the default-control output to 1e-8 with R's
iteration count.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, family_of
from glmstat.design.structured import StructuredDesign

WIDE = FIXTURES / "wide"
IDS = [c["id"] for c in json.loads((WIDE / "cases.json").read_text())]


def load(case_id: str, kind: str = "r") -> dict:
    return json.loads((WIDE / kind / f"{case_id}.json").read_text())


@lru_cache(maxsize=None)
def data() -> pd.DataFrame:
    return pd.read_csv(WIDE / "data" / "wide.csv.gz")


def fit_case(case_id: str, **kw) -> gs.GLMResults:
    ref = load(case_id)
    if ref.get("weights"):
        kw["weights"] = ref["weights"]
    kw.setdefault("tol", 1e-12)
    kw.setdefault("max_iter", 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(ref["formula"], data(), family=family_of(ref["family"]), **kw)


_fits: dict = {}


def fitted(case_id: str) -> gs.GLMResults:
    if case_id not in _fits:
        _fits[case_id] = fit_case(case_id)
    return _fits[case_id]


@pytest.mark.parametrize("case_id", IDS)
def test_wide_fit_matches_r(case_id):
    ref, f = load(case_id), fitted(case_id)
    design = f.model_frame.design
    assert isinstance(design, StructuredDesign)
    if case_id.startswith("wide_"):  # the 510-level factor: X'WX solved through its diagonal block
        assert design.diagonal_columns() is not None and len(design.diagonal_columns()) == 509
    assert list(np.isnan(f.coef.to_numpy())) == ref["aliased"]
    for got, key in ((f.coef, "coefficients"), (f.std_errors, "std_errors"), (f.statistic, "statistic"),
                     (f.conf_int(method="wald"), "confint_wald")):
        assert_close(got, ref[key])
    assert_close(f.p_values, ref["p_values"], rtol=1e-5)
    rows = ref["matrix_rows"]
    assert_close(f.vcov.to_numpy()[rows], ref["vcov"])
    for key in ("deviance", "null_deviance", "dispersion", "aic", "bic", "loglik", "df_residual", "nobs"):
        assert_close([getattr(f, key)], [ref[key]])
    at = np.asarray(ref["sample"])
    for got, key in ((f.fitted_values, "fitted"), (f.linear_predictor, "linear_predictor"),
                     (f.residuals("pearson"), "resid_pearson"), (f.residuals("working"), "resid_working"),
                     (f.residuals("response"), "resid_response"), (f.residuals("deviance"), "resid_deviance")):
        assert_close(got.to_numpy()[at], ref[key])
    dropped = sorted(set(range(1, ref["n_rows_data"] + 1)) - set(f.rows_used + 1))
    assert dropped == ref["rows_dropped"]


@pytest.mark.parametrize("case_id", IDS)
def test_wide_influence_sandwich_and_anova_match_r(case_id):
    ref, f = load(case_id), fitted(case_id)
    aug = f.augment()
    rows = f.rows_used.to_numpy()
    pos = np.asarray(data()[ref["weights"]], float)[rows] > 0 if ref.get("weights") else np.ones(rows.size, bool)
    at = np.asarray(ref["sample_influence"])  # positions among the rows of positive weight (as R keeps them)
    for col, key in (("hat", "hat"), ("cooks_d", "cooks"), ("std_resid", "rstandard")):
        assert_close(aug[col].to_numpy()[pos][at], ref[key])
    assert_close(aug["student_resid"].to_numpy()[pos][at], ref["rstudent"], rtol=1e-5)
    kept = ~np.asarray(ref["aliased"])
    # (R's sandwich leaves out aliased columns: its rows are those of the kept columns)
    rows_kept = [i for i in ref["matrix_rows"] if i < int(kept.sum())]
    for hc in ("hc0", "hc1", "hc3"):
        if ref.get(f"vcov_{hc}") is not None:
            v = f.robust(hc.upper()).vcov.to_numpy()[np.ix_(kept, kept)]
            assert_close(v[rows_kept], ref[f"vcov_{hc}"])
    t = f.anova()
    assert_close(t["resid_dev"], ref["anova"]["resid_dev"])
    assert_close(t["p_value"], ref["anova"]["p_value"], rtol=1e-5)


@pytest.mark.parametrize("case_id", IDS)
def test_wide_convergence_r_reproduces_r_s_default_output(case_id):
    ref = load(case_id, "rdefault")
    f = fit_case(case_id, tol=1e-8, max_iter=25, convergence="R")
    assert_close(f.coef, ref["coefficients"], rtol=1e-8)
    assert_close(f.std_errors, ref["std_errors"], rtol=1e-8)
    assert_close([f.deviance, f.dispersion], [ref["deviance"], ref["dispersion"]], rtol=1e-8)
    assert f.iterations == ref["iterations"]
