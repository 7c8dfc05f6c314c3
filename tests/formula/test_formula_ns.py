"""``ns()``, R's natural cubic splines (``splines::ns``): the basis, column for column and sign for sign, for
knots from df, given knots, an intercept and given boundary knots; the basis at new x (linear beyond the
boundary knots); glm fits using ns() (Gaussian, with a factor, Poisson with missing values, binomial) and
their predictions on new data, one row at a time too and after pickling; and the arguments it refuses.
Reference: R 4.2, tests/fixtures/scripts/make_ns_fixtures.R."""

from __future__ import annotations

import json
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_array
from glmstat.formula.frame import encode_new_data

REF = json.loads((FIXTURES / "formula" / "ns.json").read_text())
FAMILIES = {"gaussian": gs.Gaussian(), "binomial": gs.Binomial(), "poisson": gs.Poisson()}


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "data" / f"{name}.csv")


def _fit(formula: str, data: pd.DataFrame, family: gs.families.Family = gs.Gaussian()):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        return gs.glm(formula, data, family=family, tol=1e-12, max_iter=100)


def _as_r(name: str) -> str:
    """glmstat's column name as R writes it: 'ns(x, df = 4)[1]' -> 'ns(x, df = 4)1', 'factor(cyl)[T.6]' ->
    'factor(cyl)6'."""
    return "(Intercept)" if name == "Intercept" else re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", name)


# -- the basis ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=sorted(REF["basis"]))
def basis_case(request):
    ref = REF["basis"][request.param]
    x = r_array(ref["x"])
    fit = _fit(f"y ~ {ref['call']} - 1", pd.DataFrame({"x": x, "y": np.arange(x.size, dtype=float)}))
    return ref, fit


def test_training_basis_equals_r(basis_case):
    ref, fit = basis_case
    want = r_array(ref["basis"])
    assert_close(fit.model_frame.X, want[~np.isnan(want).any(axis=1)], rtol=1e-10, atol=1e-12)


def test_basis_at_new_x_equals_r_predict_also_beyond_the_boundary(basis_case):
    ref, fit = basis_case
    newx = r_array(ref["newx"])
    want = r_array(ref["predict"])
    X, _, ok = encode_new_data(fit.model_frame.spec, pd.DataFrame({"x": newx}))
    np.testing.assert_array_equal(ok, ~np.isnan(newx))
    assert_close(X.toarray(), want[ok], rtol=1e-10, atol=1e-12)


def test_basis_at_one_new_row_is_that_row_of_the_basis(basis_case):
    ref, fit = basis_case
    want = r_array(ref["predict"])
    for i, v in enumerate(r_array(ref["newx"])):
        if not np.isnan(v):
            X, _, _ = encode_new_data(fit.model_frame.spec, pd.DataFrame({"x": [v]}))
            assert_close(X.toarray(), want[i:i + 1], rtol=1e-10, atol=1e-12)


def test_the_basis_is_linear_beyond_the_boundary_knots():
    ref = REF["basis"]["df3"]
    fit = _fit(f"y ~ {ref['call']} - 1", pd.DataFrame({"x": r_array(ref["x"]), "y": np.arange(32.0)}))
    lo, hi = ref["boundary"]
    for edge, step in ((lo, -1.0), (hi, 1.0)):
        X, _, _ = encode_new_data(fit.model_frame.spec, pd.DataFrame({"x": edge + step * np.array([10.0, 20, 40])}))
        B = X.toarray()
        np.testing.assert_allclose(B[2] - B[1], 2 * (B[1] - B[0]), rtol=1e-10, atol=1e-12)


# -- glm fits ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=sorted(REF["fits"]))
def fit_case(request):
    ref = REF["fits"][request.param]
    return ref, _fit(ref["formula"], _data(ref["data"]), FAMILIES[ref["family"]])


def test_design_and_column_names_are_r(fit_case):
    ref, fit = fit_case
    assert [_as_r(c) for c in fit.column_names] == ref["column_names"]
    assert_close(fit.model_frame.X, r_array(ref["X"]), rtol=1e-10, atol=1e-12)
    assert fit.nobs == ref["nobs"]


def test_coefficients_and_standard_errors_are_r(fit_case):
    ref, fit = fit_case
    assert_close(fit.coef, ref["coefficients"], rtol=1e-6, atol=1e-9)
    assert_close(fit.std_errors, ref["std_errors"], rtol=1e-6, atol=1e-9)
    assert_close(fit.deviance, ref["deviance"], rtol=1e-8)


def test_predictions_on_new_data_inside_and_outside_the_boundary_are_r(fit_case):
    ref, fit = fit_case
    new = pd.DataFrame(REF["newdata"][ref["data"]])
    assert_close(fit.predict(new, type="link"), ref["predict_link"], rtol=1e-6, atol=1e-9)
    assert_close(fit.predict(new, type="response"), ref["predict_response"], rtol=1e-6, atol=1e-9)
    se = fit.predict(new, type="link", se_fit=True)
    assert_close(se["se"], ref["predict_se"], rtol=1e-6, atol=1e-9)


def test_one_row_predictions_after_pickling_are_r(fit_case):
    ref, fit = fit_case
    back = pickle.loads(pickle.dumps(fit))
    new = pd.DataFrame(REF["newdata"][ref["data"]])
    for i in range(len(new)):
        assert_close(back.predict(new.iloc[[i]], type="link"), [ref["predict_link"][i]], rtol=1e-6, atol=1e-9)


# -- what ns() refuses -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"x": rng.uniform(0, 10, 50), "y": rng.normal(size=50), "g": list("ab") * 25})


@pytest.mark.parametrize("term, message", [
    ("ns(x, df = 0)", "df must be a whole number from 1 to"),
    ("ns(x, df = 1, intercept = TRUE)", "df must be a whole number from 2 to"),
    ("ns(x, df = 2.5)", "df must be a whole number"),
    ("ns(x, df = Inf)", "df must be a whole number"),
    ("ns(x, df = \"3\")", "df must be a number"),
    ("ns(x, intercept = 1)", "intercept must be TRUE or FALSE"),
    ("ns(x, knots = c(2, \"a\"))", "knots must be finite numbers, e.g. knots = c\\(10, 20\\); got 2.0, 'a'"),
    ("ns(x, knots = c(2, Inf))", "knots must be finite numbers"),
    ("ns(x, knots = c(2, 20))", "knots must lie strictly inside the boundary knots \\(.*\\); got 20.0"),
    ("ns(x, knots = c(3, 8), Boundary.knots = c(0, 5))", "knots must lie strictly inside the boundary knots "
                                                         "\\(0.0, 5.0\\); got 8.0"),
    ("ns(x, knots = c(3, 3, 3, 3))", "knots repeat 3.0 4 times"),
    ("ns(x, df = 3, Boundary.knots = c(5, 1))", "Boundary.knots must be two increasing finite numbers, e.g. "
                                                "c\\(0, 100\\); got 5.0, 1.0"),
    ("ns(x, df = 3, Boundary.knots = c(0, 5, 9))", "Boundary.knots must be two increasing finite numbers"),
    ("ns(x, df = 3, Boundary.knots = c(-Inf, 5))", "Boundary.knots must be finite numbers"),
    ("ns(x, df = 3, Boundary.knots = c(20, 30))", "at least two distinct values of x inside Boundary.knots"),
    ("ns(x, df = 3, degree = 2)", "unknown argument 'degree'"),
    ("ns(g, df = 3)", "the x is a factor"),
    ("ns(3, df = 3)", "needs a column, not a constant"),
    ("ns(x, df = 51)", "df \\(at most the number of distinct values\\) must be a whole number from 1 to 50"),
])
def test_bad_arguments_are_refused_naming_them(small, term, message):
    with pytest.raises(gs.FormulaError, match=message):
        gs.glm(f"y ~ {term}", small)


def test_the_basis_size_is_bounded_before_any_work(small):
    with pytest.raises(gs.FormulaError, match="max_basis"):
        gs.glm("y ~ ns(x, df = 1000000)", small)
    with pytest.raises(gs.FormulaError, match="max_basis"):
        gs.glm("y ~ ns(x, df = 5)", small, limits=gs.FormulaLimits(max_basis=4))
    assert len(gs.glm("y ~ ns(x, df = 5)", small, limits=gs.FormulaLimits(max_basis=5)).coef) == 6


def test_quantile_knots_on_the_boundary_are_refused():
    """Mostly tied x puts quantile knots on the minimum, where R's basis degenerates: refused with advice."""
    d = pd.DataFrame({"x": [0.0] * 6 + [1.0, 2, 3, 4], "y": np.arange(10.0)})
    with pytest.raises(gs.FormulaError, match="the quantile knots must lie strictly inside .* give knots = or a "
                                              "smaller df"):
        gs.glm("y ~ ns(x, df = 5)", d)


def test_infinite_x_is_refused_in_fits_and_predictions(small):
    bad = small.assign(x=small["x"].where(small.index != 3, np.inf))
    with pytest.raises(gs.DataError, match="ns\\(x, df = 3\\): x must be finite, but 1 value\\(s\\) are infinite "
                                           "\\(the first is inf\\)"):
        gs.glm("y ~ ns(x, df = 3)", bad)
    fit = gs.glm("y ~ ns(x, df = 3)", small)
    with pytest.raises(gs.DataError, match="x must be finite"):
        fit.predict(pd.DataFrame({"x": [1.0, -np.inf]}))


def test_missing_x_is_a_dropped_row_and_a_missing_prediction(small):
    d = small.assign(x=small["x"].where(small.index != 3))
    fit = _fit("y ~ ns(x, df = 3)", d)
    assert fit.nobs == 49
    p = fit.predict(pd.DataFrame({"x": [np.nan, 5.0]}))
    assert np.isnan(p.iloc[0]) and np.isfinite(p.iloc[1])
