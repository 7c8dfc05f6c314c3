"""The structured design (factor codes) encodes exactly the model frame that the dense design encodes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.formula.frame import build_model_frame
from glmstat.design.dense import DenseDesign
from glmstat.design.structured import StructuredDesign

from conftest import all_case_ids, family_of, dense_only, load_data, load_ref, structured_frame


def _general(formula, data, family, **kw):
    with dense_only():
        return build_model_frame(formula, data, family, **kw)


def _assert_same_frame(fast, slow):
    assert fast.column_names == slow.column_names
    assert fast.term_labels == slow.term_labels
    assert fast.term_columns == slow.term_columns
    np.testing.assert_array_equal(fast.X, slow.X)
    for field in ("y", "prior_weights", "trials", "offset"):
        np.testing.assert_array_equal(getattr(fast, field), getattr(slow, field))
    assert fast.has_offset == slow.has_offset
    assert fast.has_intercept == slow.has_intercept
    assert list(fast.rows_used) == list(slow.rows_used)
    assert fast.n_dropped == slow.n_dropped
    assert dict(fast.dropped_by) == dict(slow.dropped_by)
    assert fast.response_name == slow.response_name
    assert dict(fast.spec.levels) == dict(slow.spec.levels)
    assert fast.spec.columns == slow.spec.columns
    assert fast.spec.offset_column_arg == slow.spec.offset_column_arg


@pytest.mark.parametrize("case_id", all_case_ids())
def test_reference_cases_same_frame(case_id):
    ref = load_ref(case_id)
    d = load_data(ref["data"])
    fam = family_of(ref["family"])
    fast = structured_frame(ref["formula"], d, fam, weights=ref.get("weights"))
    if fast is None:
        pytest.skip("not a simple formula: the general front end builds it")
    assert isinstance(fast.design, StructuredDesign)
    _assert_same_frame(fast, _general(ref["formula"], d, fam, weights=ref.get("weights")))


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[3] = np.nan
    s = rng.choice(["beta", "alpha", "gamma"], n).astype(object)
    s[5] = None
    cat = pd.Categorical(rng.choice(["p", "q", "r", "unused"], n, p=[0.4, 0.3, 0.3, 0.0]),
                         categories=["r", "q", "p", "unused"])
    icat = pd.Categorical(rng.choice([3, 1, 2], n))
    return pd.DataFrame({
        "y": rng.integers(0, 2, n).astype(float),
        "count": rng.poisson(3, n),
        "x": x,
        "k": rng.integers(0, 5, n),
        "s": s,
        "cat": cat,
        "icat": icat,
        "flag": rng.integers(0, 2, n).astype(bool),
        "expo": rng.uniform(1, 2, n),
        "w": rng.uniform(0.5, 2, n),
    })


FORMULAS = [
    "y ~ x + s + cat",
    "y ~ 0 + cat + x + s",
    "y ~ x - 1 + s",
    "y ~ flag + icat",
    "y ~ 1",
    "y ~ k + x",
    "count ~ s + offset(log(expo))",
    "y ~ cat + flag + s + icat + x + k",
    "y ~ 0 + x + cat",
]


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("weights", [None, "w"])
def test_synthetic_same_frame(formula, weights):
    d = _data()
    fam = gs.Poisson() if formula.startswith("count") else gs.Binomial()
    fast = structured_frame(formula, d, fam, weights=weights)
    assert fast is not None
    _assert_same_frame(fast, _general(formula, d, fam, weights=weights))


@pytest.mark.parametrize("formula", ["y ~ C(cat, sum)", "y ~ x * C(s, sum)", "y ~ x:k", "y ~ C(cat, helmert) * s"])
def test_numeric_interactions_and_other_contrasts_are_dense(formula):
    assert structured_frame(formula, _data(), gs.Binomial()) is None


@pytest.mark.parametrize("formula", ["y ~ x * s", "y ~ x:cat", "y ~ s:x + cat", "y ~ x:s:k + s", "y ~ 0 + s:x",
                                     "y ~ cat:s", "y ~ cat * s", "y ~ cat * s * x", "y ~ 0 + cat:s + s:flag",
                                     "y ~ s + poly(x, 2):cat", "y ~ cat:poly(x, 2):s + s", "y ~ x:cat:k:s"])
@pytest.mark.parametrize("weights", [None, "w"])
def test_interactions_of_treatment_coded_factors_are_codes(formula, weights):
    """A term whose factors are all coded by treatment contrasts or indicators is stored as codes: ``s:x``
    (``x:s:k``) as s's codes and the values of x (x k), ``cat:s`` by the combined levels, ``poly(x, 2):cat``
    as one factor per column of poly.  The frame is the dense design's, with R's columns."""
    d = _data()
    fast = structured_frame(formula, d, gs.Binomial(), weights=weights)
    assert fast is not None
    interactions = [j for label, cols in zip(fast.term_labels, fast.term_columns) if ":" in label for j in cols]
    assert interactions and not set(interactions) & set(fast.design.dense_cols.tolist())
    _assert_same_frame(fast, _general(formula, d, gs.Binomial(), weights=weights))


@pytest.mark.parametrize("formula", ["y ~ s + cat + x:flag", "y ~ cat + s + C(k, sum)", "y ~ cat * x + s + icat",
                                     "y ~ s + cat + icat + cat:x", "y ~ 0 + s + icat + poly(x, 2):flag"])
def test_factor_main_effects_stay_codes_beside_few_interaction_columns(formula):
    """When the coded factors' columns outnumber the dense ones, the other terms (interactions, other
    contrasts) go into the dense block and the factors stay codes: the same frame as the dense design."""
    d = _data()
    fast = structured_frame(formula, d, gs.Binomial())
    assert fast is not None and fast.design.factors
    _assert_same_frame(fast, _general(formula, d, gs.Binomial()))


@pytest.mark.parametrize("formula", ["y ~ log(expo) + x", "y ~ C(k)", "y ~ poly(x, 2) + factor(k)", "y ~ I(x > 1)"])
def test_single_variable_terms_are_structured(formula):
    d = _data()
    fast = structured_frame(formula, d, gs.Binomial())
    assert fast is not None
    _assert_same_frame(fast, _general(formula, d, gs.Binomial()))


def test_fit_through_fast_path_matches_general_path():
    d = _data(200, seed=3)
    fam = gs.Binomial()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fast = gs.glm("y ~ x + s + cat + flag", d, family=fam)
        with dense_only():
            slow = gs.glm("y ~ x + s + cat + flag", d, family=fam)
    np.testing.assert_allclose(fast.coef, slow.coef, rtol=1e-12)
    np.testing.assert_allclose(fast.std_errors, slow.std_errors, rtol=1e-10)
    np.testing.assert_allclose(fast.fitted_values, slow.fitted_values, rtol=1e-12)
    assert fast.deviance == pytest.approx(slow.deviance, rel=1e-13)


def test_predict_spec_encodes_new_data_like_training():
    from glmstat.formula.frame import encode_new_data

    d = _data(60, seed=4).dropna()
    fam = gs.Binomial()
    fast = structured_frame("y ~ x + s + cat + flag", d, fam)
    slow = _general("y ~ x + s + cat + flag", d, fam)
    # a few rows (a one-row predict) are encoded dense, more than SMALL_CELLS cells keep the factor codes
    for new, kind in ((d.iloc[:7], DenseDesign), (pd.concat([d] * 200, ignore_index=True), StructuredDesign)):
        Xf, of, okf = encode_new_data(fast.spec, new)
        Xs, os_, oks = encode_new_data(slow.spec, new)
        assert isinstance(Xf, kind)
        np.testing.assert_array_equal(Xf.toarray(), Xs.toarray())
        np.testing.assert_array_equal(okf, oks)


def test_a_design_of_many_interactions_keeps_them_dense():
    """h + (a + b + ... + g)^7 has 120 interaction terms, more than MAX_CODED_INTERACTIONS: each coded term
    adds sums per pair to every pass, so the interactions go to the dense block and the main effects stay
    codes; with fewer (^2: 21 of them) they are codes.  Both frames are the dense encoder's."""
    from glmstat.formula.encode import MAX_CODED_INTERACTIONS

    rng = np.random.default_rng(5)
    d = pd.DataFrame({c: rng.choice(["u", "v"], 400) for c in "abcdefg"})
    d["h"] = [f"h{i:02d}" for i in np.r_[np.arange(80), rng.integers(0, 80, 320)]]
    d["y"] = rng.integers(0, 2, 400).astype(float)
    for power, coded in ((7, 8), (2, 29)):
        formula = f"y ~ h + (a + b + c + d + e + f + g)^{power}"
        fast = structured_frame(formula, d, gs.Binomial())
        n_interactions = sum(":" in t for t in fast.term_labels)
        assert (n_interactions > MAX_CODED_INTERACTIONS) == (power == 7)
        assert len(fast.design.factors) == coded
        _assert_same_frame(fast, _general(formula, d, gs.Binomial()))
