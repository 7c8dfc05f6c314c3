"""Large designs against R (tests/fixtures/large): fits that take the *structured* path (more than 2**16
cells: numeric block plus factor codes, never dummy columns) over more than one in-memory block (70,000 rows,
blocks of 65,536).

The data (``scripts/make_large_data.py``, gzip-compressed) have factors of 8 and 40 levels, missing values,
prior weights with every row of one level at weight 0 (its column is aliased), a numeric column that is a
linear combination of two others and a factor nested in another (both aliased), an offset and a
``cbind()`` response with prior weights.  ``scripts/make_reference.R --qr-tol=1e-11`` fitted them in R at the
exact MLE (with glm.fit's QR tolerance at R's default 1e-11, which the reference script's epsilon of 1e-13
would otherwise lower to 1e-16: see the script) and at R's default control.  Every quantity compares to 1e-6
relative (profile limits 1e-5); the default-control output to 1e-8 with R's iteration count.

The ``ab2_*`` cases (``data/ab2.csv.gz``, 20,000 rows, one block) are interactions of factors stored as codes:
a 30 x 4 factor pair with five empty cells (aliased columns), prior weights with a level at weight 0, ``a:b``
without its margins beside ``b:x``, ``a:x`` under a Gamma log link and ``b * poly(z, 2)``.
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

LARGE = FIXTURES / "large"
IDS = [c["id"] for c in json.loads((LARGE / "cases.json").read_text())]


def load(case_id: str, kind: str = "r") -> dict:
    return json.loads((LARGE / kind / f"{case_id}.json").read_text())


@lru_cache(maxsize=None)
def data(name: str = "large") -> pd.DataFrame:
    return pd.read_csv(LARGE / "data" / f"{name}.csv.gz")


def fit_case(case_id: str, **kw) -> gs.GLMResults:
    ref = load(case_id)
    if ref.get("weights"):
        kw["weights"] = ref["weights"]
    kw.setdefault("tol", 1e-12)
    kw.setdefault("max_iter", 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(ref["formula"], data(ref["data"]), family=family_of(ref["family"]), **kw)


_fits: dict = {}


def matrix_rows(m: pd.DataFrame, ref: dict) -> pd.DataFrame:
    """The rows of a covariance matrix that a reference with many coefficients keeps (``matrix_rows``, see
    scripts/trim_large_refs.py: positions in R's matrix, which for sandwich covariances has no aliased rows),
    or all of them."""
    if "matrix_rows" not in ref:
        return m
    return m.iloc[[i for i in ref["matrix_rows"] if i < m.shape[0]]]


def fitted(case_id: str) -> gs.GLMResults:
    if case_id not in _fits:
        _fits[case_id] = fit_case(case_id)
    return _fits[case_id]


@pytest.mark.parametrize("case_id", IDS)
def test_the_large_cases_are_fitted_structured_over_several_blocks(case_id):
    f = fitted(case_id)
    assert isinstance(f.fit_data.source.X, StructuredDesign)
    assert f.model_frame.design.n_rows * len(f.coef) > 2**16
    assert f.model_frame.design.n_rows > 65536 or load(case_id)["data"] != "large"


@pytest.mark.parametrize("case_id", IDS)
def test_large_fit_matches_r(case_id):
    ref, f = load(case_id), fitted(case_id)
    assert list(np.isnan(f.coef.to_numpy())) == ref["aliased"]
    for got, key in ((f.coef, "coefficients"), (f.std_errors, "std_errors"), (f.statistic, "statistic"),
                     (matrix_rows(f.vcov, ref), "vcov"), (f.conf_int(method="wald"), "confint_wald")):
        assert_close(got, ref[key])
    assert_close(f.p_values, ref["p_values"], rtol=1e-5)
    for key in ("deviance", "null_deviance", "dispersion", "aic", "bic", "loglik", "df_residual", "nobs"):
        assert_close([getattr(f, key)], [ref[key]])
    # per-row values at R's sample of the rows used (every 97th and the last 40, in the second block)
    at = np.asarray(ref["sample"])
    for got, key in ((f.fitted_values, "fitted"), (f.linear_predictor, "linear_predictor"),
                     (f.residuals("pearson"), "resid_pearson"), (f.residuals("working"), "resid_working"),
                     (f.residuals("response"), "resid_response"), (f.residuals("deviance"), "resid_deviance")):
        assert_close(got.to_numpy()[at], ref[key])
    dropped = sorted(set(range(1, ref["n_rows_data"] + 1)) - set(f.rows_used + 1))
    assert dropped == ref["rows_dropped"]


@pytest.mark.parametrize("case_id", IDS)
def test_large_influence_sandwich_and_anova_match_r(case_id):
    ref, f = load(case_id), fitted(case_id)
    aug = f.augment()
    rows = f.rows_used.to_numpy()  # the data's default RangeIndex: positions
    pos = np.asarray(data(ref["data"])[ref["weights"]], float)[rows] > 0 if ref.get("weights") else np.ones(rows.size, bool)
    at = np.asarray(ref["sample_influence"])  # positions among the rows of positive weight (as R keeps them)
    for col, key in (("hat", "hat"), ("cooks_d", "cooks"), ("std_resid", "rstandard")):
        assert_close(aug[col].to_numpy()[pos][at], ref[key])
    assert_close(aug["student_resid"].to_numpy()[pos][at], ref["rstudent"], rtol=1e-5)
    for hc in ("hc0", "hc1", "hc3"):  # (R's sandwich leaves out aliased columns)
        if ref.get(f"vcov_{hc}") is not None:
            robust = f.robust(hc.upper()).vcov.dropna(how="all").dropna(axis=1, how="all")
            assert_close(matrix_rows(robust, ref), ref[f"vcov_{hc}"])
    t = f.anova()
    assert_close(t["resid_dev"], ref["anova"]["resid_dev"])
    assert_close(t["p_value"], ref["anova"]["p_value"], rtol=1e-5)


def test_large_profile_intervals_match_r():
    """Profile limits of a few coefficients (each is a root-finding of refits over every row)."""
    ref, f = load("large_poisson_offset"), fitted("large_poisson_offset")
    names = list(f.coef.index)
    parm = ["x1", "g[T.a07]", "h[T.d5]"]
    want = [ref["confint_profile"][names.index(p)] for p in parm]
    assert_close(f.conf_int(method="profile", parm=parm), want, rtol=1e-5)


def test_offset_argument_gives_the_formula_offset_s_fit():
    """offset= log(exposure) as an argument is the same model as offset(log(exposure)) in the formula."""
    ref = load("large_poisson_offset")
    formula = ref["formula"].replace(" + offset(log(exposure))", "")
    assert formula != ref["formula"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = gs.glm(formula, data(), family=gs.Poisson(), offset=np.log(data()["exposure"].to_numpy()), tol=1e-12,
                   max_iter=100)
    assert_close(f.coef, ref["coefficients"])
    assert_close(f.std_errors, ref["std_errors"])
    assert_close([f.deviance, f.null_deviance, f.aic], [ref["deviance"], ref["null_deviance"], ref["aic"]])


@pytest.mark.parametrize("case_id", [i for i in IDS if (LARGE / "rdefault" / f"{i}.json").exists()])
def test_large_convergence_r_reproduces_r_s_default_output(case_id):
    """R's default control on the large designs: a cbind() response with prior weights starts from R's
    (n y + 0.5) / (n + 1) with n the trials, whatever the weights (binomial()$initialize)."""
    ref = load(case_id, "rdefault")
    f = fit_case(case_id, tol=1e-8, max_iter=25, convergence="R")
    assert_close(f.coef, ref["coefficients"], rtol=1e-8)
    assert_close(f.std_errors, ref["std_errors"], rtol=1e-8)
    assert_close([f.deviance, f.dispersion], [ref["deviance"], ref["dispersion"]], rtol=1e-8)
    assert f.iterations == ref["iterations"]
