"""A dask DataFrame whose column labels are not strings (0, 1, as ``pd.DataFrame(array)`` makes them): the
formula names them `0`, `1`, as it names a pandas DataFrame's.  The dask fit selected the columns by those
strings from columns labelled 0 and 1 and raised pandas' KeyError; ``robust(cluster="2")`` of the in-memory
fit refused the column labelled 2.
Reference: R 4.2, tests/fixtures/streamed_integer_ids/make_streamed_integer_ids.R (``y ~ x + z``)."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

dd = pytest.importorskip("dask.dataframe")

HERE = FIXTURES / "streamed_integer_ids"
REF = json.loads((HERE / "ref.json").read_text())["y ~ x + z"]
FORMULA = "y ~ `0` + `1`"  # (R's y ~ x + z)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    d = pd.read_csv(HERE / "data.csv")
    return pd.DataFrame({0: d["x"], 1: d["z"], "y": d["y"]})


def _fit(formula, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        return gs.glm(formula, data, family=gs.Poisson(), tol=1e-12, max_iter=100)


@pytest.mark.parametrize("formula", [FORMULA, "y ~ ."])
def test_a_dask_frame_with_integer_labels_fits_as_r(formula, frame):
    f = _fit(formula, dd.from_pandas(frame, npartitions=4, sort=False))
    assert list(f.column_names) == ["Intercept", "`0`", "`1`"]  # (as R deparses the names)
    assert f.nobs == REF["nobs"]
    assert_close(f.coef, REF["coefficients"])
    assert_close(f.std_errors, REF["std_errors"])
    assert_close(f.deviance, REF["deviance"])


def test_the_features_that_read_the_dask_frame_again(frame):
    """A refit, a summary of raw columns and new data read the labelled columns too."""
    ddf = dd.from_pandas(frame, npartitions=4, sort=False)
    f = _fit("y ~ `0`", ddf)
    g = f.update("~ . + `1`")
    assert_close(g.coef, REF["coefficients"])
    assert_close(f.update("~ . + `1`").std_errors, REF["std_errors"])
    assert len(f.average_marginal_effects()) == 1
    assert_close(g.predict(ddf).compute(), _fit(FORMULA, frame).predict(frame), rtol=1e-10)


@pytest.mark.parametrize("kind", ["memory", "dask"])
def test_a_cluster_column_named_by_the_string_of_its_label(kind):
    """cluster="2" is the column labelled 2, as `2` is in the formula; the in-memory fit refused it, saying
    that it named no column of the columns [..., '2']."""
    d = pd.read_csv(HERE / "data.csv")
    frame = pd.DataFrame({"x": d["x"], "y": d["y"], 2: d["k"]})
    data = frame if kind == "memory" else dd.from_pandas(frame, npartitions=4, sort=False)
    ref = json.loads((HERE / "ref.json").read_text())["y ~ x"]
    f = _fit("y ~ x", data)
    for type_ in ("HC0", "HC1"):
        robust = f.robust(type_, cluster="2")
        assert robust.covariance_type == f"{type_}, clustered by 2, 4 clusters"
        assert_close(robust.std_errors, ref[type_])
