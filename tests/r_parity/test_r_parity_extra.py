"""Core fit quantities against R for the extra reference cases (tests/fixtures/extra), 1e-6 relative.

The extra cases widen coverage beyond the visible ones: gaussian/Gamma/inverse Gaussian with other links,
cauchit/log/cloglog binomial, proportions with weights, quasi with every variance function, negative
binomial with a fixed theta, Poisson identity, Tweedie powers, offsets, interactions, factor() of numbers,
I(x^2), no intercept, zero weights, NA rows and ``cbind(x, N - x)``.  They were made by
``extra/make_reference_extra.R`` (the project's reference script with a few steps guarded) on data sets
exported by ``scripts/export_data.R``.  Comparisons of quantities that this branch does not implement yet
(influence, profile intervals, sandwich, predict, anova) are skipped when the results lack the method.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import R_SCALARS, R_VECTORS, assert_close, family_of, r_array, FIXTURES

EXTRA = FIXTURES / "extra"
CASES = {c["id"]: c for c in json.loads((EXTRA / "cases.json").read_text())}

SCALARS = R_SCALARS
VECTORS = {**R_VECTORS, "confint_wald": lambda f: f.conf_int(method="wald")}


def load(case_id: str) -> dict:
    return json.loads((EXTRA / "r" / f"{case_id}.json").read_text())


def data(name: str) -> pd.DataFrame:
    return pd.read_csv(EXTRA / "data" / f"{name}.csv")


_fits: dict = {}


def fitted(case_id: str, method: str = "irls") -> gs.GLMResults:
    key = (case_id, method)
    if key not in _fits:
        ref = load(case_id)
        fam = family_of(ref["family"])
        kw = {"weights": ref["weights"]} if ref.get("weights") else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            _fits[key] = gs.glm(ref["formula"], data(ref["data"]), family=fam, method=method, tol=1e-12,
                                max_iter=100, **kw)
    return _fits[key]


IDS = sorted(CASES)

#: Known differences from R: (case, quantity or None for every quantity) -> reason.  None left: the
#: differences these cases found (zero-weight binomial y, BIC's n, dotted names, a 'class' response, the
#: order of variables in interactions) were fixed in the core.
KNOWN: dict[tuple[str, str | None], str] = {}


def cases(ids, quantity=None):
    """``ids`` as pytest params, each known difference marked as a strict xfail."""
    out = []
    for cid in ids:
        reason = KNOWN.get((cid, None)) or KNOWN.get((cid, quantity))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(cid, marks=marks, id=cid))
    return out


def params(ids, quantities):
    """(case, quantity) pairs as pytest params with the known differences marked."""
    return [pytest.param(p.values[0], q, marks=p.marks, id=f"{q}-{p.id}")
            for q in quantities for p in cases(ids, q)]


@pytest.mark.parametrize("case_id, quantity", params(IDS, list(VECTORS)))
def test_vector_quantities_match_r(case_id, quantity):
    ref = load(case_id)
    rtol = 1e-5 if quantity == "p_values" else 1e-6
    assert_close(VECTORS[quantity](fitted(case_id)), ref[quantity], rtol=rtol)


@pytest.mark.parametrize("case_id, quantity", params(IDS, SCALARS))
def test_scalar_quantities_match_r(case_id, quantity):
    ref = load(case_id)
    want = ref[quantity]
    got = getattr(fitted(case_id), quantity)
    if want is None:  # R's NA: no likelihood (quasi, Tweedie) or R's infinite AIC with zero Gaussian weights
        if quantity in ("aic", "bic", "loglik") and ref["family"]["name"] in ("gaussian",) and ref.get("weights"):
            pytest.skip("R reports an infinite AIC when a Gaussian prior weight is zero (log(0) in its aic)")
        assert np.isnan(got)
    else:
        assert_close([got], [want], rtol=1e-7 if quantity == "deviance" else 1e-6)


@pytest.mark.parametrize("case_id", cases(IDS))
def test_design_rows_and_names_match_r(case_id):
    ref = load(case_id)
    fit = fitted(case_id)
    assert fit.statistic_kind == ref["statistic_kind"]
    assert list(fit.rows_used + 1) == ref["rows_used"]
    assert fit.n_dropped == ref["n_dropped_na"]
    assert len(fit.column_names) == len(ref["coef_names_r"])
    assert [a for a in ref["aliased"] if a] == [a for a in np.isnan(fit.coef.to_numpy()) if a]


FIRTH = [c for c in IDS if "firth" in load(c)]


@pytest.mark.parametrize("case_id", cases(FIRTH))
def test_firth_matches_brglm2(case_id):
    ref = load(case_id)
    fit = fitted(case_id, "firth")
    assert_close(fit.coef, ref["firth"]["coefficients"], rtol=1e-5)
    assert_close(fit.std_errors, ref["firth"]["std_errors"], rtol=1e-5)


# -- quantities implemented on other branches: compared once the results offer them -------------------

def _needs(fit, attr):
    if not hasattr(fit, attr):
        pytest.skip(f"GLMResults.{attr} is not implemented on this branch")


def _positive_weight_rows(ref):
    rows = [i - 1 for i in ref["rows_used"]]
    if not ref.get("weights"):
        return np.ones(len(rows), bool)
    return np.asarray(data(ref["data"])[ref["weights"]], float)[rows] > 0


INFLUENCE = {"hat": "hat", "cooks": "cooks_d", "rstandard": "std_resid", "rstudent": "student_resid"}


@pytest.mark.parametrize("case_id, quantity", params(IDS, list(INFLUENCE)))
def test_influence_matches_r(case_id, quantity):
    ref = load(case_id)
    fit = fitted(case_id)
    _needs(fit, "augment")
    v = np.asarray(fit.augment()[INFLUENCE[quantity]], float)
    pos = _positive_weight_rows(ref)
    if len(v) == len(pos) and not pos.all():  # R drops zero-weight rows from influence measures
        v = v[pos]
    assert_close(v, ref[quantity], rtol=1e-5 if quantity == "rstudent" else 1e-6)


@pytest.mark.parametrize("case_id", cases(IDS))
def test_profile_intervals_match_r(case_id):
    ref = load(case_id)
    if ref["confint_profile"] is None:
        pytest.skip("R could not profile this fit (glm.fit finds no valid start away from the optimum)")
    fit = fitted(case_id)
    try:
        ci = fit.conf_int(method="profile")
    except gs.GLMStatError as e:
        if "profile" in str(e) and "unknown interval method" in str(e):
            pytest.skip("profile intervals are not implemented on this branch")
        raise
    assert_close(ci, ref["confint_profile"], rtol=1e-5)


def _has_zero_weights(case_id):
    ref = load(case_id)
    return bool(ref.get("weights")) and bool((data(ref["data"])[ref["weights"]] == 0).any())


@pytest.mark.parametrize("case_id, kind",
                         params([c for c in IDS if not _has_zero_weights(c)], ["hc0", "hc1", "hc3"]))
def test_sandwich_matches_r(case_id, kind):
    # (zero-weight cases are left out: there sandwich's HC3 recycles a vector of the wrong length)
    ref = load(case_id)
    fit = fitted(case_id)
    _needs(fit, "robust")
    vc = fit.robust(kind.upper()).vcov.to_numpy()
    kept = ~np.asarray(ref["aliased"], dtype=bool)  # sandwich leaves aliased columns out, glmstat shows NaN
    assert np.isnan(vc[~kept]).all()
    assert_close(vc[np.ix_(kept, kept)], ref[f"vcov_{kind}"])


@pytest.mark.parametrize("case_id, kind", params(IDS, ["link", "response"]))
def test_predict_matches_r(case_id, kind):
    ref = load(case_id)
    fit = fitted(case_id)
    _needs(fit, "predict")
    nd = data(ref["data"]).iloc[[i - 1 for i in ref["predict_rows"]]]
    p = fit.predict(nd, type=kind, se_fit=True)
    assert_close(p["fit"], ref[f"predict_{kind}"])
    assert_close(p["se"], ref[f"predict_{kind}_se"])


@pytest.mark.parametrize("case_id", cases([c for c in IDS if load(c).get("anova")]))
def test_anova_matches_r(case_id):
    ref = load(case_id)
    fit = fitted(case_id)
    _needs(fit, "anova")
    t = fit.anova()
    assert_close(t["resid_dev"], ref["anova"]["resid_dev"])
    assert_close(t["p_value"], ref["anova"]["p_value"], rtol=1e-5)


def test_every_case_has_its_data_and_reference():
    for cid, case in CASES.items():
        assert (EXTRA / "data" / f"{case['data']}.csv").exists(), cid
        ref = load(cid)
        assert ref["formula"] == case["formula"] and ref["family"] == case["family"], cid
        assert r_array(ref["coefficients"]).shape == (len(ref["coef_names_r"]),)
