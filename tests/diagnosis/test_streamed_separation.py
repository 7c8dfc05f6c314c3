"""Separation found in streamed rows (a Parquet file, a dask DataFrame): the same finding, in the same words, as
for the rows in memory, whether the file has one row group or many.

In memory a linear program finds the separating direction; streamed rows are checked against the direction
the fit diverges along (glmstat.diagnosis.streamed_separation).  Each expected text follows from how the
data are made (which rows are all successes, all zeros, ...).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import load_data
from glmstat.diagnosis.explain import ZeroCountSeparation

dd = pytest.importorskip("dask.dataframe")


def _fit(formula, data, family, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(formula, data, family=family, **kw)
    return fit, [str(w.message) for w in caught if issubclass(w.category, gs.SeparationWarning)]


@pytest.fixture(params=["parquet-groups-of-16", "parquet-one-group", "dask-3-partitions"])
def stream(request, tmp_path):
    """The rows of a DataFrame as the streamed input of the parameter."""
    def make(d: pd.DataFrame):
        if request.param.startswith("dask"):
            return dd.from_pandas(d, npartitions=3)
        path = tmp_path / "rows.parquet"
        d.to_parquet(path, row_group_size=16 if request.param.endswith("16") else len(d), index=False)
        return str(path)
    return make


def _mixed(seed=1, n=600):
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=(2, n))
    g = np.tile(list("abcd"), n // 4)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-x))).astype(float)
    count = rng.poisson(np.exp(0.3 * x)).astype(float)
    return pd.DataFrame({"x": x, "z": z, "g": g, "y": y, "count": count})


def _same_as_in_memory(formula, d, family, streamed):
    mem, mem_msgs = _fit(formula, d, family)
    fit, msgs = _fit(formula, streamed, family)
    assert msgs == mem_msgs and len(msgs) == 1, (msgs, mem_msgs)
    # (the direction may be another of the separating cone's when the separation is complete)
    same = ("complete", "columns", "explanation")
    assert [getattr(fit.separation, a) for a in same] == [getattr(mem.separation, a) for a in same]
    assert type(fit.separation) is type(mem.separation)
    return fit, msgs[0]


def test_the_students_seed_is_separated_by_hours(stream):
    d = load_data("students")  # passed = 1 exactly when hours >= 4
    fit, msg = _same_as_in_memory("passed ~ hours + score", d, gs.Binomial(), stream(d))
    assert msg.startswith("complete separation: hours separates passed: every row with hours >= 4 has passed = 1 "
                          "and every row with hours <= 3 has passed = 0")
    assert fit.separation.complete and "hours" in fit.separation.columns
    assert any("complete separation" in n for n in fit.notes) and "hours !" in str(fit.summary())


def test_a_level_of_all_successes_is_quasi_complete_separation(stream):
    d = _mixed()
    d.loc[d.g == "d", "y"] = 1.0
    fit, msg = _same_as_in_memory("y ~ x + g", d, gs.Binomial(), stream(d))
    assert msg.startswith("quasi-complete separation: every row with g[T.d] = 1 has y = 1")
    assert fit.separation.columns == ("g[T.d]",) and not fit.separation.complete


def test_a_level_of_all_successes_in_a_cbind_response(stream):
    # rows with successes and failures both (x'd = 0 there) besides the level that only succeeds
    d = _mixed()
    d["s"] = np.where(d.g == "b", 5.0, 2.0 + (d.y > 0))
    d["f"] = np.where(d.g == "b", 0.0, 3.0 - (d.y > 0))
    fit, msg = _same_as_in_memory("cbind(s, f) ~ x + g", d, gs.Binomial(), stream(d))
    assert msg.startswith("quasi-complete separation: every row with g[T.b] = 1 has s/(s + f) = 1")


@pytest.mark.parametrize("family", [gs.Poisson(), gs.QuasiPoisson(), gs.NegativeBinomial(theta=2.0)],
                         ids=lambda f: f.label)
def test_a_level_of_zero_counts(stream, family):
    d = _mixed()
    d.loc[d.g == "c", "count"] = 0.0
    fit, msg = _same_as_in_memory("count ~ x + g", d, family, stream(d))
    assert msg.startswith("quasi-complete separation (zero counts): every row with g[T.c] = 1 has count = 0")
    assert isinstance(fit.separation, ZeroCountSeparation) and fit.separation.columns == ("g[T.c]",)


def test_a_reference_level_of_zero_counts(stream):
    d = _mixed()
    d.loc[d.g == "a", "count"] = 0.0
    fit, msg = _fit("count ~ x + g", stream(d), gs.Poisson())
    assert msg == [m for m in _fit("count ~ x + g", d, gs.Poisson())[1]]
    assert msg[0].startswith("quasi-complete separation (zero counts): every row at the reference level of g has "
                             "count = 0")
    assert "Intercept" in fit.separation.columns


def test_zero_counts_that_no_level_describes_name_their_rows(stream):
    # the rows named by their labels, as in memory (the streamed message gave only their number); with a row
    # dropped for a missing value before them, the labels are the data's, not positions among the rows used
    d = _mixed()
    d.loc[3, "x"] = np.nan
    rows = [10, 20, 30, 40, 50, 60, 70]
    d["xx"] = 0.0
    d.loc[rows, "xx"] = 1.0 + np.arange(len(rows)) / 10  # not 0/1: no column describes them
    d.loc[rows, "count"] = 0.0
    fit, msg = _same_as_in_memory("count ~ x + xx", d, gs.Poisson(), stream(d))
    assert msg.startswith("quasi-complete separation (zero counts): 7 rows with count = 0 (rows 10, 20, 30, 40, "
                          "50, ...) can be fitted exactly.")
    assert fit.separation.columns == ("xx",)


def test_complete_separation_by_one_of_two_predictors_names_it(stream):
    d = _mixed()
    d["y"] = (d.x > 0).astype(float)  # x alone separates; z is noise
    lo, hi = d.x[d.x <= 0].max(), d.x[d.x > 0].min()
    for data in (d, stream(d)):
        fit, msgs = _fit("y ~ x + z", data, gs.Binomial())
        assert len(msgs) == 1 and msgs[0].startswith(
            f"complete separation: x separates y: every row with x >= {hi:.6g} has y = 1 and every row with "
            f"x <= {lo:.6g} has y = 0")
        assert fit.separation.complete


def test_a_fit_stopped_early_without_separation_claims_none(stream):
    d = _mixed()
    for data in (d, stream(d)):
        fit, msgs = _fit("y ~ x + z + g", data, gs.Binomial(), max_iter=2)
        assert not fit.converged and fit.separation is None and msgs == []


def test_zeros_without_an_all_zero_cell_are_not_separation(stream):
    d = _mixed()
    d["count"] = np.where(d.g == "a", (d.index % 7 == 0).astype(float), d["count"])  # rare, but some, counts
    fit, msgs = _fit("count ~ x + g", stream(d), gs.Poisson())
    assert fit.separation is None and msgs == []
