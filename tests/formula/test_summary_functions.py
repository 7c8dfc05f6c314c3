"""R's summaries of whole columns inside a formula (``y ~ I(x - mean(x))``): the fits, term labels and
coefficient names of R's glm, the summaries themselves as R computes them (to 1e-15 on awkward vectors), over
every row of the data before the rows missing the response are dropped, kept for predict(newdata), and the
refusals.  The references are R's (tests/fixtures/summary_functions, from make_summary_functions.R); the
streamed fits are in tests/design/test_streamed_summaries.py."""

from __future__ import annotations

import json
import math
import pickle
import re
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.formula.data_columns import DataColumns
from glmstat.formula.evaluate import Evaluator
from glmstat.formula.frame import column_names
from glmstat.formula.limits import DEFAULT_LIMITS
from glmstat.formula.parser import parse_expression

HERE = FIXTURES / "summary_functions"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
AWKWARD = pd.read_csv(HERE / "awkward.csv").apply(lambda c: c.map(float.fromhex))
FAMILIES = {"poisson": gs.Poisson(), "binomial": gs.Binomial(), "gaussian": gs.Gaussian()}


def _r_name(name: str) -> str:
    """glmstat's column name as R writes it: 'Intercept' -> '(Intercept)', 'g[T.b]' -> 'gb', a logical's
    'I(x > 1)[T.True]' -> 'I(x > 1)TRUE'."""
    name = name.replace("[T.True]", "TRUE")
    return "(Intercept)" if name == "Intercept" else re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", name)


def _value(expr: str, data: pd.DataFrame) -> float:
    """glmstat's value of the expression ``expr`` on ``data`` (as a model is fitted)."""
    names, positions = column_names(data)
    ev = Evaluator(DataColumns(data, names, positions), {}, {}, "fit", DEFAULT_LIMITS)
    return ev.eval(parse_expression(expr))


def _fit(formula: str, family: gs.Family, data: pd.DataFrame = DATA) -> gs.GLMResults:
    with pytest.warns(gs.DroppedRowsWarning) if data[["y", "yb", "yg"]].isna().any().any() else _nothing():
        return gs.glm(formula, data, family=family)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_data_reads_as_r_read_it():
    assert [float.fromhex(v) for v in REF["x_read"]] == DATA["x"].tolist()


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_names_and_labels_are_r_s(ref):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        fit = gs.glm(ref["formula"], DATA, family=FAMILIES[ref["family"]])
    assert list(fit.term_labels) == list(np.atleast_1d(ref["labels"]))
    assert [_r_name(n) for n in fit.coef.index] == ref["coef_names"]
    assert fit.nobs == ref["nobs"]
    assert_close(fit.coef, ref["coef"], rtol=1e-6, atol=0)
    assert_close(fit.std_errors, ref["se"], rtol=1e-6, atol=0)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-6, atol=0)


@pytest.mark.parametrize("expr", list(REF["summaries"]))
def test_the_summaries_of_the_model_data_are_r_s(expr):
    want = float.fromhex(REF["summaries"][expr])
    assert _value(expr, DATA) == pytest.approx(want, rel=1e-15, abs=0)


# R's long double sums lose the small values beside +-1e16 and +-1e9 that cancel (R's mean of "cancels" is
# 1.2e-8 from the exact one, of "cancels_1e9" 1.4e-13); glmstat's sums are exact: checked against exact rationals
_CANCELS = {"cancels", "cancels_1e9"}
_AWKWARD = [(v, s) for v in AWKWARD.columns for s in REF["awkward"][v]]


@pytest.mark.parametrize("vector, summary", _AWKWARD, ids=[f"{v}-{s}" for v, s in _AWKWARD])
def test_summaries_of_awkward_vectors_are_r_s(vector, summary):
    x = AWKWARD[[vector]].rename(columns={vector: "x"})
    expr = {"trim_0.1": "mean(x, trim = 0.1)", "trim_0.37": "mean(x, trim = 0.37)"}.get(summary, f"{summary}(x)")
    want = REF["awkward"][vector][summary]
    if want == "Inf":  # (R's squares of deviations of 1e300 overflow: refused, as any summary that is not finite)
        with pytest.raises(gs.DataError, match=rf"^{re.escape(expr)}: the {summary} of x is Inf, not a finite"):
            _value(expr, x)
        return
    want = float.fromhex(want)
    if vector in _CANCELS and summary in ("mean", "sum", "trim_0.1"):
        values = sorted(AWKWARD[vector].tolist())
        if summary == "trim_0.1":
            values = values[100:900]
        total = sum(map(Fraction, values), Fraction(0))
        want = float(total) if summary == "sum" else float(total / len(values))
    assert _value(expr, x) == pytest.approx(want, rel=1e-15, abs=0)


def test_the_awkward_vectors_are_awkward():
    # numpy's pairwise mean is not R's on these (else the test above would not tell them apart)
    worst = max(abs(np.mean(AWKWARD[v]) - float.fromhex(REF["awkward"][v]["mean"])) / abs(np.mean(AWKWARD[v]))
                for v in ("near_1e9", "decades", "spaced", "beyond_2_53"))
    assert worst > 1e-16
    # R's var takes the deviations from the mean rounded to a double, not from the exact mean: on values spaced
    # near that rounding the two differ by 4e-9, and glmstat's is R's
    values = list(map(Fraction, AWKWARD["spaced"].tolist()))
    mean = sum(values, Fraction(0)) / len(values)
    exact = float(sum(((v - mean) ** 2 for v in values), Fraction(0)) / (len(values) - 1))
    r_var = float.fromhex(REF["awkward"]["spaced"]["var"])
    assert abs(exact / r_var - 1) > 1e-9


def test_a_summary_is_of_every_row_before_rows_missing_the_response_are_dropped():
    fit = _fit("y ~ I(x - mean(x))", gs.Poisson())
    assert DATA["y"].isna().sum() == 4 and fit.nobs == len(DATA) - 4
    # the mean of all 60 rows, not of the 56 fitted: the column's values are x minus it
    x = fit.model_matrix()["I(x - mean(x))"].to_numpy()
    kept = DATA["x"][DATA["y"].notna()].to_numpy()
    np.testing.assert_allclose(x, kept - DATA["x"].mean(), rtol=0, atol=1e-9)
    assert abs(x.mean()) > 1e-3


def test_a_column_read_only_inside_a_summary_drops_no_row():
    fit = _fit("y ~ I(x - mean(z, na.rm = TRUE))", gs.Poisson())
    assert DATA["z"].isna().sum() == 3
    assert fit.nobs == DATA["y"].notna().sum() and "z" not in fit.dropped_by
    fit = _fit("y ~ I(z - mean(z, na.rm = TRUE))", gs.Poisson())  # (z itself read: its missing rows dropped)
    assert fit.dropped_by["z"] == 3


def test_predict_uses_the_training_summary_even_for_one_row():
    ref = REF["fits"][0]
    assert ref["formula"] == "y ~ I(x - mean(x))"
    fit = _fit(ref["formula"], gs.Poisson())
    b0, b1 = ref["coef"]
    train_mean = float(np.mean(DATA["x"]))
    for new in (pd.DataFrame({"x": [9950.0]}), pd.DataFrame({"x": [9950.0, 10010.0, 10100.0]})):
        want = np.exp(b0 + b1 * (new["x"].to_numpy() - train_mean))
        assert_close(fit.predict(new, type="response"), want, rtol=1e-6, atol=0)
        again = pickle.loads(pickle.dumps(fit))
        assert_close(again.predict(new, type="response"), want, rtol=1e-6, atol=0)
    # R's predict centres a one-row newdata on itself: every prediction exp(b0)
    assert abs(fit.predict(pd.DataFrame({"x": [9950.0]}), type="response").iloc[0] / math.exp(b0) - 1) > 0.5


def test_predict_of_new_rows_missing_a_column_read_only_inside_a_summary():
    ref = REF["fits"][4]
    assert ref["formula"] == "y ~ I(x - mean(z, na.rm = TRUE))"
    fit = _fit(ref["formula"], gs.Poisson())
    b0, b1 = ref["coef"]
    new = pd.DataFrame({"x": [9990.0, 10020.0], "z": [np.nan, np.nan]})  # (R: NA for both)
    want = np.exp(b0 + b1 * (new["x"].to_numpy() - float(np.nanmean(DATA["z"]))))
    assert_close(fit.predict(new, type="response"), want, rtol=1e-6, atol=0)


@pytest.mark.parametrize("expr, want", [
    ("mean(c(1, 2, 3))", 2.0), ("max(1, 2)", 2.0), ("min(3, c(5, -1))", -1.0), ("sum(1:4, 10)", 20.0),
    ("length(c(1, 2, 3))", 3.0), ("median(c(4, 1, 3, 2))", 2.5), ("var(c(1, 2, 3, 4))", 5 / 3),
    ("sd(c(2, 4))", math.sqrt(2)), ("mean(c(1, NA, 3), na.rm = TRUE)", 2.0), ("sum(TRUE, TRUE)", 2.0),
])
def test_summaries_of_literal_values(expr, want):
    assert _value(expr, DATA) == pytest.approx(want, rel=1e-15)


def test_summaries_of_logicals_and_of_several_columns():
    x, z = DATA["x"].to_numpy(), DATA["z"].to_numpy()
    assert _value("mean(x > 10000)", DATA) == np.count_nonzero(x > 10000) / x.size
    assert _value("sum(x > 10000)", DATA) == np.count_nonzero(x > 10000)
    assert _value("max(z, x, na.rm = TRUE)", DATA) == x.max()
    assert _value("min(z, x, na.rm = TRUE)", DATA) == np.nanmin(z)
    assert _value("max(x, 20000)", DATA) == 20000.0
    assert _value("length(g)", DATA) == len(DATA)  # (R's length of a factor: its rows)
    assert _value("base::mean(x)", DATA) == _value("mean(x)", DATA)
    assert _value("stats::sd(x)", DATA) == _value("sd(x)", DATA)


def test_a_summary_met_twice_is_computed_once(monkeypatch):
    from glmstat.formula import summary_functions

    calls = []
    original = summary_functions.part_of
    monkeypatch.setattr(summary_functions, "part_of", lambda *a: calls.append(1) or original(*a))
    fit = _fit("y ~ I(x - mean(x)) + I((x - mean(x))^2)", gs.Poisson())
    assert len(calls) == 1 and len(fit.coef) == 3


# -- refusals -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("formula, error, message", [
    ("y ~ I(x - mean(z))", gs.DataError,
     r"^mean\(z\): z has 3 missing value\(s\) \(NA or NaN\) among 60, so mean\(z\) is NA, as in R, "
     r".*'0 \(non-NA\) cases'\); write mean\(z, na.rm = TRUE\) for the mean of the values present$"),
    ("y ~ I(x/sd(z))", gs.DataError, r"^sd\(z\): z has 3 missing value.*write sd\(z, na.rm = TRUE\)"),
    ("y ~ I(x/max(x, z))", gs.DataError,
     r"^max\(x, z\): the values of x, z have 3 missing value\(s\) \(NA or NaN\) among 120, "
     r".*max\(x, z, na.rm = TRUE\)"),
    ("y ~ I(x - mean(z, trim = 0.1, na.rm = FALSE))", gs.DataError, r"write mean\(z, trim = 0.1, na.rm = TRUE\) for"),
    ("y ~ I(x - median(log(z - 5)))", gs.DataError, r"^median\(log\(z - 5\)\): log\(z - 5\) has \d+ missing"),
    ("y ~ I(x - mean(g))", gs.FormulaError,
     r"mean\(g\): g is a factor \(levels 'a', 'b', 'c'\); mean\(\) summarizes numbers or logicals, as in R "
     r"\('argument is not numeric or logical'\)"),
    ("y ~ I(x - sum(\"a\"))", gs.FormulaError, r"sum\(\"a\"\): \"a\" is text, not numbers"),
    ("y ~ I(x - mean(poly(x, 2)))", gs.FormulaError,  # (refused before the basis is computed)
     r"mean\(poly\(x, 2\)\): the argument poly\(x, 2\) has several columns \(2\)"),
    ("y ~ I(x - mean(x, z))", gs.FormulaError, r"trim must be one number, not z \(mean\(\) summarizes one column"),
    ("y ~ I(x - mean(x, trim = NA))", gs.FormulaError, r"trim must be a number, not NA"),
    ("y ~ I(x - var(x, z))", gs.FormulaError, r"not a covariance var\(x, y\)"),
    ("y ~ I(x - sd(x, na.rm = 1))", gs.FormulaError, r"na.rm must be TRUE or FALSE"),
    ("y ~ I(x - min(x, foo = 2))", gs.FormulaError, r"the named argument foo is not supported"),
    ("y ~ I(x - max())", gs.FormulaError, r"max\(\) needs at least one value"),
    ("y ~ I(x - length(x, z))", gs.FormulaError, r"too many arguments"),
    ("y ~ I(x - sd(1))", gs.DataError, r"^sd\(1\): 1 has 1 value\(s\); sd\(\) needs at least 2"),
    ("y ~ I(x - stats::mean(x))", gs.FormulaError, r"stats::mean\(\), which is not a function glmstat knows"),
])
def test_refusals_name_the_call_and_the_column(formula, error, message):
    with pytest.raises(error, match=message):
        gs.glm(formula, DATA, family=gs.Poisson())


def test_infinite_values_are_refused_with_their_count():
    d = DATA.assign(w=DATA["x"].where(DATA.index != 10, np.inf))
    for expr in ("mean(w)", "sum(w)", "sd(w)", "max(w)"):
        with pytest.raises(gs.DataError, match=rf"^{re.escape(expr)}: w has 1 infinite value\(s\), so the \w+ is not "
                                               r"a finite number \(R's is Inf or NaN\)"):
            gs.glm(f"y ~ I(x - {expr})", d, family=gs.Poisson())
    # (where the infinite value leaves the summary finite, it stands, as in R)
    assert _value("median(w)", d) == float(np.median(d["w"]))
    assert _value("min(w)", d) == DATA["x"].min()


def test_many_arguments_are_refused_before_any_is_read():
    args = ", ".join(["x"] * 17)
    with pytest.raises(gs.FormulaError, match=r"max\(\) takes at most 16 values .*got 17$"):
        gs.glm(f"y ~ I(x/max({args}))", DATA, family=gs.Poisson())
    assert _value("max(" + ", ".join(["x"] * 16) + ")", DATA) == DATA["x"].max()
