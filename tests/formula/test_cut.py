"""``cut()`` in a formula as R's ``cut.default`` (tests/fixtures/cut_interaction, ``make_cut_interaction.R``): fits
with each kind of cut against R's glm, the levels and codes of awkward breaks against R's text, the breaks of a
count kept for new data (R's own predict() recomputes them from the new rows, which glmstat does not), fits to
streamed data equal to the in-memory fit, and the refusals."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close
from factor_refs import REF, fit_as_r, formula_value, new_rows, r_names, reference_data
from glmstat.formula import values
from streamed_cases import GROUP, assert_same_dask_fit, assert_same_fit, close, data, fit, row_groups

FITS = [f for f in REF["fits"] if "cut(" in f["formula"]]


@pytest.mark.parametrize("ref", FITS, ids=[f["formula"] for f in FITS])
def test_fits_as_r(ref):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)  # (rows outside the breaks: checked below)
        got = fit_as_r(ref, reference_data())
    assert r_names(got.coef.index) == ref["coef_names"]
    assert_close(got.coef, ref["coefficients"], rtol=1e-8)
    assert_close(got.std_errors, ref["std_errors"], rtol=1e-7)
    assert_close(got.deviance, ref["deviance"], rtol=1e-10)
    assert got.nobs == ref["nobs"]
    new = new_rows()
    assert_close(got.predict(new), ref["predict"], rtol=1e-8)
    # one row at a time: the fit's breaks, where R's predict() would take the range of the one row
    assert_close([got.predict(new.iloc[[i]]).iloc[0] for i in range(len(new))], ref["predict"], rtol=1e-8)


@pytest.mark.parametrize("case", REF["labels"], ids=[f"{c['cut']} of {c['v']}" for c in REF["labels"]])
def test_levels_and_codes_as_r(case):
    f = formula_value(case["cut"], pd.DataFrame({"v": np.asarray(case["v"], dtype=float)}))
    assert isinstance(f, values.FactorVec)
    assert list(f.levels) == case["levels"]
    assert_close(np.where(f.codes >= 0, f.codes + 1.0, np.nan), case["codes"], rtol=0, atol=0)


def test_rows_outside_the_breaks_are_dropped_and_reported():
    formula = "y ~ cut(x, c(0.5, 3, 6, 9.9), right = FALSE, include.lowest = TRUE)"
    d = reference_data()
    outside = np.flatnonzero((d.x < 0.5) | (d.x > 9.9))
    ref = next(f for f in FITS if f["formula"] == formula)
    assert ref["nobs"] == len(d) - outside.size and outside.size > 2
    term = "cut(x, c(0.5, 3, 6, 9.9), right = FALSE, include.lowest = TRUE)"  # (the count names the term)
    with pytest.warns(gs.DroppedRowsWarning, match=rf"^{outside.size} of 90 rows dropped for missing values "
                                                   rf"\({re.escape(term)}: {outside.size}\)"):
        got = gs.glm(formula, d, family=gs.Poisson())
    assert got.n_dropped == outside.size and dict(got.dropped_by) == {term: outside.size}
    assert list(got.rows_used) == sorted(set(range(90)) - set(outside.tolist()))


def test_an_unused_interval_is_dropped_as_r_s_model_frame_drops_it():
    ref = next(f for f in FITS if f["formula"] == "y ~ cut(x, c(0, 2, 5, 10, 20))")
    got = fit_as_r(ref, reference_data())
    assert r_names(got.coef.index) == ref["coef_names"]  # ((10,20] has no row: no column, as in R)
    assert not any("(10,20]" in c for c in got.coef.index)


def test_emmeans_of_the_cut_variable_as_r():
    ref = REF["emmeans"]
    got = gs.glm(ref["formula"], reference_data(), family=gs.Poisson(), tol=1e-12)
    for var in ("w", "a"):
        table = got.emmeans(var)
        assert [values.label_text(v) for v in table.index] == ref[var]["levels"]
        assert_close(table["estimate"], ref[var]["estimate"], rtol=1e-7)
        assert_close(table["std_error"], ref[var]["std_error"], rtol=1e-7)


def test_summary_anova_and_drop1_name_the_cut_term():
    got = gs.glm("y ~ cut(x, 3) + a", reference_data(), family=gs.Poisson())
    assert "cut(x, 3)[T.(3.5,6.74]]" in str(got.summary())
    assert list(got.anova().index) == ["NULL", "cut(x, 3)", "a"]
    assert list(got.drop1().index) == ["<none>", "cut(x, 3)", "a"]


STREAMED = "count ~ cut(x1, 4) + h + offset(log(expo))"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data()


@pytest.fixture(scope="module")
def mem(frame) -> gs.GLMResults:
    return fit(STREAMED, frame, gs.Poisson(), None)


def test_parquet_row_groups_fit_as_in_memory(frame, mem, tmp_path):
    """The range of x1 is learned from every row group (its smallest value and its largest in different ones)."""
    pytest.importorskip("pyarrow")
    path = row_groups(frame, tmp_path)
    x1 = frame["x1"].to_numpy()
    assert np.nanargmin(x1) // GROUP != np.nanargmax(x1) // GROUP
    assert_same_fit(fit(STREAMED, path, gs.Poisson(), None), mem, path, frame)


def test_dask_partitions_fit_as_in_memory(frame, mem):
    pytest.importorskip("dask.dataframe")
    assert_same_dask_fit(STREAMED, frame, mem)


def test_given_breaks_and_codes_from_parquet(frame, tmp_path):
    pytest.importorskip("pyarrow")
    path = row_groups(frame, tmp_path)
    for formula in ("count ~ cut(x2, c(-1, 0, 1), include.lowest = TRUE) + h", "count ~ cut(x1, 5, labels = FALSE)",
                    "count ~ cut(x2, 3, ordered_result = TRUE)"):
        a, b = fit(formula, path, gs.Poisson(), None), fit(formula, frame, gs.Poisson(), None)
        assert a.column_names == b.column_names and (a.nobs, a.n_dropped) == (b.nobs, b.n_dropped)
        close(a.coef, b.coef, what=formula)


REFUSED = [
    ("y ~ cut(a, 3)", r"cut\(a, 3\): x must be a numeric column .* a factor \(with levels 'p', 'q', 'r'\)"),
    ("y ~ cut(x > 2, 3)", r"cut\(x > 2, 3\): x must be a numeric column .* TRUE/FALSE values"),
    ("y ~ cut(x, \"3\")", r"cut\(x, \"3\"\): breaks must be a number of intervals or literal numbers c\(...\), "
                          r"got \('3',\)"),
    ("y ~ cut(x, 1)", r"cut\(x, 1\): a number of intervals \(breaks\) must be finite and at least 2, got 1"),
    ("y ~ cut(x, Inf)", r"cut\(x, Inf\): a number of intervals \(breaks\) must be finite and at least 2, got Inf"),
    ("y ~ cut(x, c(0, NA, 5))", r"cut\(x, c\(0, NA, 5\)\): breaks must not be NA or NaN"),
    ("y ~ cut(x, c(0, 5, 5, 10))", r"cut\(x, c\(0, 5, 5, 10\)\): breaks must be distinct, but 5 repeats"),
    ("y ~ cut(x, 3, dig.lab = 0)", r"cut\(x, 3, dig.lab = 0\): dig.lab must be a whole number from 1 to 12"),
    ("y ~ cut(x, 3, dig.lab = 13)", r"dig.lab must be a whole number from 1 to 12"),
    ("y ~ cut(x, 3, labels = c(\"a\", \"b\"))", r"labels has 2 values for 3 intervals"),
    ("y ~ cut(x, 3, labels = TRUE)", r"labels must be FALSE or literal values"),
    ("y ~ cut(x, 3, labels = c(\"a\", NA, \"b\"))", r"labels must be FALSE or literal values .* \(not NA\), got "
                                                r"\('a', nan, 'b'\)"),
    ("y ~ cut(x, 3, right = 1)", r"right must be TRUE or FALSE"),
    ("y ~ cut(3, 2)", r"cut\(3, 2\): x must be a numeric column .* the constant 3.0, not a column"),
    ("y ~ cut(x, 3, brakes = 2)", r"unknown argument 'brakes'"),
]


@pytest.mark.parametrize("formula, message", REFUSED, ids=[f for f, _ in REFUSED])
def test_refusals_name_the_call_and_theformula_value(formula, message):
    with pytest.raises(gs.FormulaError, match=message):
        gs.glm(formula, reference_data(), family=gs.Poisson())


def test_a_count_of_intervals_beyond_the_design_s_columns_is_refused_before_any_label(monkeypatch):
    from glmstat.formula import interval_functions

    def learned(*args):
        raise AssertionError("the breaks (and then a label per interval) were made before the refusal")

    monkeypatch.setattr(interval_functions, "_learned_breaks", learned)
    with pytest.raises(gs.FormulaError, match=r"cut\(x, 1e\+09\) asks for more intervals .*: 999,999,999, where "
                                              r"the limit max_columns is 5,000"):
        gs.glm("y ~ cut(x, 1e9)", reference_data(), family=gs.Poisson())


def test_infinite_values_have_no_range_to_cut_but_given_breaks_take_them():
    d = reference_data().assign(x=lambda t: t.x.where(t.index != 5, np.inf))
    with pytest.raises(gs.FormulaError, match=r"cut\(x, 3\): x has infinite values \(Inf\)"):
        gs.glm("y ~ cut(x, 3)", d, family=gs.Poisson())
    got = gs.glm("y ~ cut(x, c(0, 5, Inf))", d, family=gs.Poisson())
    assert r_names(got.coef.index) == ["(Intercept)", "cut(x, c(0, 5, Inf))(5,Inf]"]
    assert got.nobs == 90


def test_a_range_beyond_the_doubles_is_cut_into_its_intervals():
    # x from -1e308 to 1e308: its range, 2e308, is infinite in double precision, and every break but the last was
    # NaN -- each level 'Range_i', no row in any, and the fit refused for a single level
    d = reference_data().assign(x=lambda t: np.linspace(-1.0, 1.0, len(t)) * 1e308)
    got = gs.glm("y ~ cut(x, 3)", d, family=gs.Poisson())
    # (formatC pads Inf to the width of -Inf)
    assert r_names(got.coef.index) == ["(Intercept)", "cut(x, 3)(-3.33e+307,3.33e+307]", "cut(x, 3)(3.33e+307, Inf]"]
    assert got.nobs == len(d)
    breaks = next(iter(got.model_frame.spec.state.values()))
    assert breaks[0] == -np.inf and breaks[-1] == np.inf and np.isfinite(breaks[1:-1]).all()


@pytest.mark.parametrize("x, k", [(5e-324, 3), (1e16, 4999)], ids=["subnormal", "narrow"])
def test_breaks_that_repeat_in_double_precision_are_refused_as_r_refuses_them(x, k):
    # a constant subnormal x (a thousandth of it is 0) or a range of 2 at 1e16 in 4,999 steps: breaks repeat, no
    # row fell between two, and the fit was refused for 'no complete rows' (R: 'breaks' are not unique)
    d = reference_data().assign(x=lambda t: np.where(t.index % 2, x, x + (2.0 if x > 1 else 0.0)))
    with pytest.raises(gs.FormulaError, match=rf"cut\(x, {k}\): the range of x, .* is too narrow for {k:,} equal "
                                              r"intervals: their breaks repeat .*\(R: 'breaks' are not unique\)"):
        gs.glm(f"y ~ cut(x, {k})", d, family=gs.Poisson())
