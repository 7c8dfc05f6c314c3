"""``ns()`` on streamed data: a Parquet file read in row groups of a few rows, and a dask DataFrame of as
many partitions, give the in-memory fit's numbers (1e-8) and R's, because the boundary and interior knots are
learned from every chunk before any row is encoded (knots from one chunk would be other knots); the
predictions, from in-memory or Parquet new data, are R's.
Reference: R 4.2, tests/fixtures/scripts/make_ns_fixtures.R."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

pq = pytest.importorskip("pyarrow.parquet")

REF = json.loads((FIXTURES / "formula" / "ns.json").read_text())
FAMILIES = {"gaussian": gs.Gaussian(), "binomial": gs.Binomial(), "poisson": gs.Poisson()}
GROUP = 7  # rows per row group: no row group holds both extremes of x


def _fit(formula: str, source, family):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        return gs.glm(formula, source, family=family, tol=1e-12, max_iter=100)


@pytest.fixture(scope="module", params=sorted(REF["fits"]))
def fits(request, tmp_path_factory):
    ref = REF["fits"][request.param]
    frame = pd.read_csv(FIXTURES / "data" / f"{ref['data']}.csv")
    path = tmp_path_factory.mktemp("ns") / f"{ref['id']}.parquet"
    frame.to_parquet(path, row_group_size=GROUP, index=False)
    assert pq.ParquetFile(path).num_row_groups > 1
    family = FAMILIES[ref["family"]]
    return ref, _fit(ref["formula"], frame, family), _fit(ref["formula"], str(path), family), tmp_path_factory


def test_parquet_fit_equals_the_in_memory_fit_and_r(fits):
    ref, mem, streamed, _ = fits
    assert list(streamed.column_names) == list(mem.column_names)
    for got, want in ((streamed.coef, mem.coef), (streamed.std_errors, mem.std_errors)):
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(streamed.deviance, mem.deviance, rtol=1e-8)
    assert streamed.nobs == ref["nobs"]
    assert_close(streamed.coef, ref["coefficients"], rtol=1e-6, atol=1e-9)
    assert_close(streamed.std_errors, ref["std_errors"], rtol=1e-6, atol=1e-9)


def test_parquet_fit_predicts_r_from_in_memory_and_parquet_new_data(fits):
    ref, _, streamed, tmp = fits
    new = pd.DataFrame(REF["newdata"][ref["data"]])
    assert_close(streamed.predict(new, type="link"), ref["predict_link"], rtol=1e-6, atol=1e-9)
    assert_close(streamed.predict(new.iloc[[0]], type="link"), ref["predict_link"][:1], rtol=1e-6, atol=1e-9)
    path = tmp.mktemp("new") / "new.parquet"
    new.to_parquet(path, row_group_size=2, index=False)
    got = streamed.predict(str(path), type="link")
    got = got.compute() if hasattr(got, "compute") else got
    assert_close(np.asarray(got, dtype=float), ref["predict_link"], rtol=1e-6, atol=1e-9)


def test_dask_fit_equals_the_in_memory_fit_and_r(fits):
    dd = pytest.importorskip("dask.dataframe")
    ref, mem, _, _ = fits
    frame = pd.read_csv(FIXTURES / "data" / f"{ref['data']}.csv")
    lazy = _fit(ref["formula"], dd.from_pandas(frame, npartitions=len(frame) // GROUP, sort=False),
                FAMILIES[ref["family"]])
    np.testing.assert_allclose(lazy.coef.to_numpy(), mem.coef.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(lazy.std_errors.to_numpy(), mem.std_errors.to_numpy(), rtol=1e-8, atol=1e-10)
    assert_close(lazy.predict(pd.DataFrame(REF["newdata"][ref["data"]]), type="link"), ref["predict_link"],
                 rtol=1e-6, atol=1e-9)
