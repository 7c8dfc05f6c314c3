"""A first IRLS step that ends on the edge of the domain decides the same way in memory and streamed.

A binomial fit with the identity link where one factor level's responses are all 1: the exact first step puts
that level's mean at 1 (its working responses are exactly 1), and the last bit of the solve decided whether it
landed inside (the fit went on to the boundary optimum, as R fits it) or outside (refused: "no valid set of
coefficients").  That bit fell one way in memory and another for the same sums taken row group by row group
(a Parquet path) or partition by partition (a dask DataFrame): s0 was refused in memory, s2 from Parquet.  A
first step that leaves the domain by its rounding only is now shortened back into it; one that truly leaves
it (``y ~ g + h``) is still refused, as R refuses it.  R's numbers: tests/fixtures/first_step_edge
(make_first_step_edge.R).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "first_step_edge"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
SETS = sorted(R)
dd = pytest.importorskip("dask.dataframe")


def _sources(s: str, tmp_path):
    """The rows of set ``s`` in memory, as a Parquet file of 8 row groups and as a dask DataFrame of 4
    partitions (the local scheduler)."""
    rows = DATA[DATA["set"] == s].drop(columns="set").reset_index(drop=True)
    path = tmp_path / f"{s}.parquet"
    rows.to_parquet(path, row_group_size=50, index=False)
    return {"memory": rows, "parquet": str(path), "dask": dd.from_pandas(rows, npartitions=4)}


def _fit(formula, data, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(formula, data, family=gs.Binomial(link="identity"), **kw)
    return fit, sorted({w.category.__name__ for w in caught})


@pytest.mark.parametrize("s", SETS)
def test_an_all_one_level_fits_from_memory_parquet_and_dask_as_in_r(s, tmp_path):
    sources = _sources(s, tmp_path)
    for convergence, ref in (("exact", R[s]["exact"]), ("R", R[s]["default"])):
        fits = {name: _fit("y ~ g", data, convergence=convergence) for name, data in sources.items()}
        mem, categories = fits["memory"]
        # R's "fitted probabilities numerically 0 or 1": glmstat's boundary optimum (README, Separation)
        assert categories == ["BoundaryWarning"]
        assert mem.converged and mem.iterations == ref["iter"]
        assert_close(mem.coef, ref["coefficients"])
        assert_close(mem.std_errors, ref["std_errors"])
        assert_close([mem.deviance, mem.aic], [ref["deviance"], ref["aic"]])
        for name in ("parquet", "dask"):
            streamed, streamed_categories = fits[name]
            assert streamed_categories == categories, name
            assert (streamed.converged, streamed.iterations) == (mem.converged, mem.iterations), name
            for q in ("coef", "std_errors"):
                np.testing.assert_allclose(getattr(streamed, q), getattr(mem, q), rtol=1e-8, err_msg=name)
            np.testing.assert_allclose([streamed.deviance, streamed.aic], [mem.deviance, mem.aic], rtol=1e-12)


@pytest.mark.parametrize("s", SETS)
def test_a_first_step_that_truly_leaves_the_domain_is_refused_everywhere(s, tmp_path):
    assert R[s]["refused"].startswith("no valid set of coefficients has been found")
    for name, data in _sources(s, tmp_path).items():
        with pytest.raises(gs.FitError, match="no valid set of coefficients has been found"):
            _fit("y ~ g + h", data)
