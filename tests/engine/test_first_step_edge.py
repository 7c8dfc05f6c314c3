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


def _fit(formula, data, family=gs.Binomial(link="identity"), **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(formula, data, family=family, **kw)
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


def _zero_level_counts(seed: int) -> pd.DataFrame:
    """400 Poisson counts in four levels of g (means about 3 to 6), those of level l3 then set to 0."""
    rng = np.random.default_rng(seed)
    g = rng.choice(["l0", "l1", "l2", "l3"], 400)
    y = rng.poisson(np.exp(1 + 0.3 * rng.normal(size=400))).astype(float)
    return pd.DataFrame({"y": np.where(g == "l3", 0.0, y), "g": g})


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_an_all_zero_level_with_the_identity_link_reaches_the_level_means_from_every_source(seed, tmp_path):
    """Poisson counts with the identity link, ``y ~ g``, level l3 all 0: the maximum-likelihood means are the
    levels' sample means (a closed form), l3's on the edge, 0.  Every step after the first ends on that edge too
    (its working responses are 0), so rounding decided each time whether the step was taken or halved: from one
    source the fit took the optimum in 3 iterations, from another it crept towards it by halvings and stopped
    short (4% off after 25 iterations, "did not converge"), and in memory the first step was refused.  A step
    that leaves the domain by its rounding only is now shortened back into it, whatever the source."""
    rows = _zero_level_counts(seed)
    means = rows.groupby("g")["y"].mean()
    want = np.array([means["l0"], means["l1"] - means["l0"], means["l2"] - means["l0"], -means["l0"]])
    mu = rows["g"].map(means).to_numpy()
    y = rows["y"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        deviance = 2 * np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu))
    path = tmp_path / "counts.parquet"
    rows.to_parquet(path, row_group_size=30, index=False)
    for name, data in (("memory", rows), ("parquet", str(path)), ("dask", dd.from_pandas(rows, npartitions=5))):
        fit, categories = _fit("y ~ g", data, family=gs.Poisson(link="identity"))
        assert categories == ["BoundaryWarning"] and fit.converged, name
        np.testing.assert_allclose(fit.coef, want, rtol=1e-8, atol=1e-8 * want.max(), err_msg=name)
        np.testing.assert_allclose(fit.deviance, deviance, rtol=1e-10, err_msg=name)
