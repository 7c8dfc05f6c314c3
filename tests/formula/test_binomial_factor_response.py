"""A factor as a binomial response, read as R's ``binomial()$initialize`` reads it (``y != levels(y)[1]``):
the first level among the rows kept is failure and every other level success -- R's model frame drops the
levels unused after ``na.omit``, so a level held only by rows dropped for missing values is no level.  More
than two levels fit as in R, with a DataWarning that names the grouping (R says nothing).

Reference numbers: R 4.2.2, ``glm(y ~ x, binomial, d, control = glm.control(epsilon = 1e-15, maxit = 100))``
on the data below, ``y`` a factor (of the levels in order for a pandas Categorical)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

X_NA = [np.nan, 1, 2, 3, 4, 5, 6, 7, 8, 9.5]
THREE = pd.DataFrame({"y": ["lo", "mid", "hi", "mid", "lo", "hi", "hi", "mid", "lo", "hi", "mid", "lo"],
                      "x": [1.2, 0.4, 2.5, 1.9, 0.3, 3.1, 2.2, 1.1, 0.8, 1.7, 2.8, 1.5]})
# R: levels hi, lo, mid; success = lo or mid
THREE_COEF = [4.54192651839613, -2.09696969594641]
THREE_SE = [2.50791032621544, 1.20655641410302]
# 'a' only on the row dropped for its missing x: R's levels are b, c (b failure)
DROPPED_FIRST = pd.DataFrame({"y": list("abcbcbccbc"), "x": X_NA})
DROPPED_FIRST_COEF = [-0.839379940459060, 0.213950350506068]
# 'c' only on the dropped row: two levels, a failure, and no warning
DROPPED_THIRD = pd.DataFrame({"y": list("cbbbabaaba"), "x": X_NA})
DROPPED_THIRD_COEF = [2.77038285940237, -0.48913900583220]

# a declared order (mid, lo, hi; mid failure) whose first level the first three-row chunks lack
DECLARED = pd.DataFrame({"y": pd.Categorical(["lo", "hi", "lo", "hi", "hi", "lo", "mid", "lo", "mid", "hi", "mid",
                                              "lo"],
                                             categories=["mid", "lo", "hi"]),
                         "x": [1.2, 0.4, 2.5, 1.9, 0.3, 3.1, 2.2, 1.1, 0.8, 1.7, 2.8, 1.5]})
DECLARED_COEF = [2.055859371094212, -0.553845736219533]


def _fit(data, **kw) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        return gs.glm("y ~ x", data, family=gs.Binomial(), tol=1e-12, max_iter=100, **kw)


def _sources(d: pd.DataFrame, tmp_path, kind: str):
    if kind == "memory":
        return d
    if kind == "categorical":
        return d.assign(y=pd.Categorical(d["y"]))
    pytest.importorskip("pyarrow")
    # (row groups of three rows: the dropped row's level is in a row group of its own levels)
    d.to_parquet(tmp_path / "d.parquet", row_group_size=3)
    if kind == "parquet":
        return str(tmp_path / "d.parquet")
    dd = pytest.importorskip("dask.dataframe")
    return dd.from_pandas(d, npartitions=3)


KINDS = ["memory", "categorical", "parquet", "dask"]
STORED = ["memory", "parquet", "dask"]


@pytest.mark.parametrize("kind", KINDS)
def test_three_levels_fit_as_r_with_a_warning_that_names_the_grouping(kind, tmp_path):
    with pytest.warns(gs.DataWarning, match=r"the binomial response 'y' has 3 levels: as R, the first \('hi'\) is "
                                            r"failure and the other 2 \('lo', 'mid'\) success"):
        fit = _fit(_sources(THREE, tmp_path, kind))
    np.testing.assert_allclose(fit.coef.to_numpy(), THREE_COEF, rtol=1e-8)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), THREE_SE, rtol=1e-8)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("data, coef", [(DROPPED_FIRST, DROPPED_FIRST_COEF), (DROPPED_THIRD, DROPPED_THIRD_COEF)],
                         ids=["first level dropped", "third level dropped"])
def test_a_level_held_only_by_dropped_rows_is_no_level(kind, data, coef, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.DataWarning)  # (two levels among the rows kept)
        fit = _fit(_sources(data, tmp_path, kind))
    np.testing.assert_allclose(fit.coef.to_numpy(), coef, rtol=1e-8)


def test_two_levels_are_read_as_zero_one():
    # the closed form: a factor of two levels fits as its indicator of the second level
    d = THREE.assign(y=THREE["y"].replace({"mid": "hi"}))
    indicator = d.assign(y=(d["y"] == "lo").astype(float))
    np.testing.assert_allclose(_fit(d).coef.to_numpy(), _fit(indicator).coef.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("kind", STORED)
def test_a_categoricals_declared_order_decides_failure_whatever_each_chunk_holds(kind, tmp_path):
    # (dask partitions that held other levels merged the levels sorted: 'hi' became failure)
    with pytest.warns(gs.DataWarning, match=r"the first \('mid'\) is failure"):
        fit = _fit(_sources(DECLARED, tmp_path, kind))
    np.testing.assert_allclose(fit.coef.to_numpy(), DECLARED_COEF, rtol=1e-8)
