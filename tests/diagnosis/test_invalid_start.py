"""A fit without valid starting values names the first row that has none, its response and mean, and counts
such rows (R: "cannot find valid starting values: please specify some", naming nothing), in memory, from a
Parquet file and from dask.  The counts are closed forms of the data: R's starting mean of a Poisson count is
y + 0.1, which the logit link takes only below 1 (so every count of 1 or more is refused); a Gaussian's is y,
which the log link takes only above 0; coefficients start=(-1, 0) give every row the linear predictor -1."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from streamed_cases import row_groups


def _data() -> pd.DataFrame:
    r = np.random.default_rng(7)
    n = 400
    d = pd.DataFrame({"x": r.normal(size=n), "cnt": r.poisson(1.5, n), "yg": r.normal(size=n)})
    return d.set_axis([f"r{i}" for i in range(n)])


def _first(mask: pd.Series):
    return mask.index[np.flatnonzero(mask.to_numpy())[0]]


def test_poisson_logit_names_the_first_count_the_link_cannot_take():
    d = _data()
    bad = d.cnt >= 1
    first = _first(bad)
    with pytest.raises(gs.InvalidStartError) as e:
        gs.glm("cnt ~ x", d, family=gs.Poisson(link="logit"))
    msg = str(e.value)
    assert msg.startswith("cannot find valid starting values: R's starting mean of row "
                          f"'{first}', {d.cnt[first] + 0.1:g} (from its response {d.cnt[first]}), has no linear "
                          "predictor under the logit link")
    assert f"({int(bad.sum())} rows are like it)" in msg
    assert isinstance(e.value, gs.FitError)  # (whoever catches FitError still does)


def test_gaussian_log_names_a_negative_response():
    d = _data()
    bad = d.yg <= 0
    with pytest.raises(gs.InvalidStartError, match=re.escape(
            f"R's starting mean of row '{_first(bad)}', {d.yg[_first(bad)]:.6g}")) as e:
        gs.glm("yg ~ x", d, family=gs.Gaussian(link="log"))
    assert f"({int(bad.sum())} rows are like it)" in str(e.value)


@pytest.mark.parametrize("family,what", [
    (gs.Poisson(link="sqrt"), "the linear predictor -1, where the sqrt link has no mean"),
    (gs.Poisson(link="identity"), "the mean -1 (linear predictor -1), outside the poisson family's means (0, inf)"),
])
def test_start_coefficients_name_the_row_and_what_is_wrong(family, what):
    d = _data()
    with pytest.raises(gs.InvalidStartError, match=re.escape(
            f"the start= coefficients give row 'r0' {what} ({len(d)} rows are like it); pass other start=")):
        gs.glm("cnt ~ x", d, family=family, start=[-1.0, 0.0])


def test_streamed_sources_name_the_position(tmp_path):
    d = _data().reset_index(drop=True)
    bad = d.cnt >= 1
    expected = (f"R's starting mean of row {int(np.flatnonzero(bad.to_numpy())[0])}, "
                f"({int(bad.sum())} rows are like it)")
    path = row_groups(d, tmp_path)
    sources = [path]
    if importlib.util.find_spec("dask") is not None:  # (an optional dependency: glmstat[dask])
        import dask.dataframe as dd

        sources.append(dd.from_pandas(d, npartitions=3))
    for source in sources:
        with pytest.raises(gs.InvalidStartError) as e:
            gs.glm("cnt ~ x", source, family=gs.Poisson(link="logit"))
        head, tail = expected.split(", (")
        assert head in str(e.value) and "(" + tail in str(e.value)


def test_overflowing_start_names_the_infinite_linear_predictor():
    # x'beta = 1e308 + 1e308 x overflows to inf in every row (x > 0 here)
    d = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "yg": [1.0, 2.0, 1.0, 3.0]})
    with pytest.raises(gs.InvalidStartError, match=re.escape(
            "the start= coefficients give row 0 the linear predictor inf, where the identity link has no mean "
            "(4 rows are like it)")):
        gs.glm("yg ~ x", d, start=[1e308, 1e308])


def test_first_step_names_the_row_it_takes_outside():
    # R: glm(y ~ x, poisson(link = "identity")) on these rows stops with "no valid set of coefficients has
    # been found: please supply starting values".  The first step is the weighted least squares of y on
    # (1, x) with weights 1/(y + 0.1) (R's starting means y + 0.1; the identity link's working response is y)
    d = pd.DataFrame({"x": np.arange(10.0), "y": [0, 0, 0, 0, 1, 3, 9, 20, 40, 80]})
    X = np.column_stack([np.ones(10), d.x])
    sw = np.sqrt(1 / (d.y + 0.1))
    b = np.linalg.lstsq(X * sw.to_numpy()[:, None], d.y * sw, rcond=None)[0]
    eta = X @ b
    bad = np.flatnonzero(eta <= 0)
    assert bad.tolist() == [0, 1]  # (R's first step: -0.5777 + 0.4475 x)
    with pytest.raises(gs.InvalidStartError, match=re.escape(
            "no valid set of coefficients has been found: the first step from R's starting means gives row 0 "
            f"the mean {eta[0]:.6g} (linear predictor {eta[0]:.6g}), outside the poisson family's means (0, inf) "
            "(2 rows are like it); pass start= coefficients")):
        gs.glm("y ~ x", d, family=gs.Poisson(link="identity"))


def test_a_null_model_without_a_valid_first_step_keeps_the_engine_message():
    # the model y ~ x + offset(x) fits 2 rows exactly; R's glm then refits the intercept with the offset for the
    # null deviance, whose first step leaves the domain: that refit's error is about 1 column, not the model's 2
    # (it was explained with the model's design: a numpy ValueError, found by tests/r_parity/test_fuzz.py)
    d = pd.DataFrame({"y": [2.0, 0.0], "x": [-0.5357, 0.3616]})
    with pytest.raises(gs.InvalidStartError, match="^no valid set of coefficients has been found: the first step "
                                                    "gives a non-finite deviance"):
        gs.glm("y ~ x + offset(x)", d, family=gs.Poisson(link="identity"))


def test_estimated_theta_first_step_names_the_row_as_for_poisson():
    """glm.nb's first fit is Poisson's; R refuses both ("no valid set of coefficients has been found: please
    supply starting values").  The first step from R's starting means y + 0.1 under the identity link is the
    weighted least squares of y on (1, x) with weights 1 / (y + 0.1); it gives rows 0 and 1 negative means.  The
    estimated-theta fit raised an internal "NegativeBinomial(theta=None) has no theta" instead of naming them."""
    d = pd.DataFrame({"x": np.arange(10.0), "y": [0, 0, 0, 0, 1, 3, 8, 15, 30, 60.0]})
    X = np.column_stack([np.ones(10), d.x])
    sw = np.sqrt(1 / (d.y + 0.1)).to_numpy()
    beta = np.linalg.lstsq(X * sw[:, None], d.y.to_numpy() * sw, rcond=None)[0]
    mean0 = beta[0]
    assert mean0 < 0 and (X @ beta < 0).sum() == 2
    for family in (gs.Poisson(link="identity"), gs.NegativeBinomial(link="identity")):
        with pytest.raises(gs.InvalidStartError) as e:
            gs.glm("y ~ x", d, family=family)
        assert str(e.value) == (
            f"no valid set of coefficients has been found: the first step from R's starting means gives row 0 the "
            f"mean {mean0:.6g} (linear predictor {mean0:.6g}), outside the {family.name} family's means (0, inf) "
            "(2 rows are like it); pass start= coefficients")
