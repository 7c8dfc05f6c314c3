"""R's ``quantile()`` (type 7), ``seq()``, ``seq_len()`` and arithmetic of literal values inside formulas -- the
breaks of ``cut(x, quantile(x), include.lowest = TRUE)`` or ``cut(x, seq(0, 400, by = 100))`` -- against R 4.2
(tests/fixtures/quantile_seq, made by scripts/make_quantile_seq.R): the values, and glm fits that use them.
A quantile is learned from the training rows and kept for new data (as ``mean()`` is)."""

from __future__ import annotations

import json
import pickle
import re

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s
from glmstat.rcsv import EXACT_FLOATS
from glmstat.formula.data_columns import DataColumns
from glmstat.formula.evaluate import Evaluator
from glmstat.formula.frame import column_names
from glmstat.formula.limits import DEFAULT_LIMITS
from glmstat.formula.parser import parse_expression

HERE = FIXTURES / "quantile_seq"
REF = json.loads((HERE / "ref.json").read_text())
DATA = {"mt": pd.read_csv(FIXTURES / "data" / "mtcars.csv"), "aq": pd.read_csv(FIXTURES / "data" / "airquality.csv"),
        "awkward": pd.read_csv(HERE / "awkward.csv", **EXACT_FLOATS)}  # (17 digits)
FAMILIES = {"binomial": gs.Binomial(), "poisson": gs.Poisson(), "gaussian": gs.Gaussian()}


def _value(expr: str, data: pd.DataFrame) -> tuple:
    names, positions = column_names(data)
    ev = Evaluator(DataColumns(data, names, positions), {}, {}, "fit", DEFAULT_LIMITS)
    v = ev.eval(parse_expression(expr))
    return v if isinstance(v, tuple) else (v,)


def _r(values: list[str] | str) -> list[float]:
    return [float.fromhex(v) for v in ([values] if isinstance(values, str) else values)]


@pytest.mark.parametrize("expr", list(REF["literals"]))
def test_literal_values_are_r_s(expr):
    assert list(_value(expr, DATA["mt"])) == _r(REF["literals"][expr])  # (exactly: R's arithmetic, R's order)


_QUANTILES = [(d, e) for d, exprs in REF["quantiles"].items() for e in exprs]


@pytest.mark.parametrize("data, expr", _QUANTILES, ids=[e for _, e in _QUANTILES])
def test_quantiles_are_r_s(data, expr):
    assert list(_value(expr, DATA[data])) == _r(REF["quantiles"][data][expr])


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_with_quantile_breaks_are_r_s(ref):
    assert_fit_is_r_s(ref, DATA[ref["data"]], FAMILIES[ref["family"]])


def test_the_training_quantiles_are_kept_for_new_rows():
    # R's predict() computes quantile(hp) again from the new rows (one row: every break the same, an error);
    # glmstat keeps the training quartiles, 96.5, 123 and 180, whatever the new rows
    mt = DATA["mt"]
    fit = gs.glm("mpg ~ cut(hp, quantile(hp), include.lowest = TRUE)", mt)
    new = pd.DataFrame({"hp": [52.0, 100.0, 123.0, 124.0, 335.0]})
    levels = [mt.mpg[(mt.hp >= 52) & (mt.hp <= 96.5)].mean(), mt.mpg[(mt.hp > 96.5) & (mt.hp <= 123)].mean(),
              mt.mpg[(mt.hp > 123) & (mt.hp <= 180)].mean(), mt.mpg[mt.hp > 180].mean()]
    want = [levels[0], levels[1], levels[1], levels[2], levels[3]]
    assert_close(fit.predict(new), want, rtol=1e-12)
    assert_close(pickle.loads(pickle.dumps(fit)).predict(new.iloc[[3]]), [levels[2]], rtol=1e-12)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_quantiles_are_those_of_every_row(kind, tmp_path):
    from streamed_cases import assert_streamed_is_in_memory

    formula = "mpg ~ cut(hp, quantile(hp, seq(0, 1, 0.25)), include.lowest = TRUE) + I(wt - quantile(wt, 0.5))"
    assert_streamed_is_in_memory(formula, DATA["mt"], kind, tmp_path, rows=5, rtol=1e-10)


@pytest.mark.parametrize("formula, message", [
    ("mpg ~ cut(hp, quantile(hp, 1.5))", "probs must lie in [0, 1]"),
    ("mpg ~ cut(hp, quantile(hp, type = 6))", "only R's default type = 7"),
    ("mpg ~ cut(hp, quantile(hp, wt))", "probs must be literal numbers"),
    ("mpg ~ cut(cyl, quantile(cyl))", "breaks must be distinct"),
    ("mpg ~ cut(hp, c(1, 2, 3) * c(1, 2))", "the longer is not a multiple of the shorter"),
    ("mpg ~ I(hp * c(1, 2))", "not a number or literal numbers"),
    ("mpg ~ cut(hp, seq(0, 400, -100))", "wrong sign in 'by' argument"),
    ("mpg ~ cut(hp, seq(0, 1e9, 1e-3))", "more values"),
    ("mpg ~ cut(hp, seq(0, 400, 100, length.out = 5))", "too many arguments"),
    ("mpg ~ cut(hp, seq(0, Inf, 100))", "'to' must be a finite number"),
])
def test_what_r_refuses_is_refused(formula, message):
    with pytest.raises(gs.GLMStatError, match=re.escape(message)):
        gs.glm(formula, DATA["mt"])


def test_a_missing_value_needs_na_rm_as_in_r():
    d = DATA["awkward"].assign(y=np.arange(12.0))
    with pytest.raises(gs.DataError, match=r"quantile\(x\): x has 1 missing value"):
        gs.glm("y ~ I(w > quantile(x))", d)
