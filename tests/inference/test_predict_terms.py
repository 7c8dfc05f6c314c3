"""predict(type="terms") against R's predict.glm(type = "terms", se.fit = TRUE) (fixtures/predict_terms, made by
make_predict_terms.R): each term's centred share of the linear predictor and its standard error, on the rows
used and on new rows, for factors and their interaction (Poisson), poly() and log() terms with an offset and
prior weights (Gamma), and a model without an intercept (no centring); in memory, from a Parquet file and on dask."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "predict_terms"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"poisson": gs.Poisson, "Gamma": lambda: gs.Gamma(link="log"), "binomial": gs.Binomial}


def _data(ref, kind, tmp_path):
    d = pd.read_csv(FIXTURES / "data" / f"{ref['data']}.csv")
    if kind == "parquet":
        pytest.importorskip("pyarrow")
        d.to_parquet(tmp_path / "d.parquet", row_group_size=7, index=False)
        return d, str(tmp_path / "d.parquet")
    if kind == "dask":
        return d, pytest.importorskip("dask.dataframe").from_pandas(d, npartitions=3)
    return d, d


def _computed(x):
    return x.compute() if hasattr(x, "compute") else x


@pytest.mark.parametrize("kind", ["in-memory", "parquet", "dask"])
@pytest.mark.parametrize("ref", REF, ids=[r["id"] for r in REF])
def test_terms_as_r(ref, kind, tmp_path):
    d, data = _data(ref, kind, tmp_path)
    fit = gs.glm(ref["formula"], data, family=FAMILIES[ref["family"]](), weights=ref["weights"], tol=1e-12)
    ses = [f"se({t})" for t in ref["terms"]]
    got = _computed(fit.predict(type="terms", se_fit=True))
    assert list(got.columns) == ref["terms"] + ses
    assert_close(got[ref["terms"]].to_numpy(), np.array(ref["fit"]).T, rtol=1e-9, atol=1e-12)
    assert_close(got[ses].to_numpy(), np.array(ref["se"]).T, rtol=1e-9)
    new = pd.DataFrame(dict(zip(ref["new_names"], ref["new_rows"])))
    got = fit.predict(new, type="terms", se_fit=True)
    assert_close(got[ref["terms"]].to_numpy(), np.array(ref["new_fit"]).T, rtol=1e-9, atol=1e-12)
    assert_close(got[ses].to_numpy(), np.array(ref["new_se"]).T, rtol=1e-9)
    assert got.attrs["constant"] == pytest.approx(ref["new_constant"], rel=1e-12, abs=1e-12)
    # the terms, the constant and the offset add up to the linear predictor
    eta = fit.predict(new, type="link").to_numpy()
    offset = np.log(new["disp"]).to_numpy() if "offset" in ref["formula"] else 0.0
    assert_close(got[ref["terms"]].sum(axis=1).to_numpy() + got.attrs["constant"] + offset, eta, rtol=1e-12)


def test_terms_keep_the_rows_of_new_data_with_a_missing_value_and_refuse_an_interval():
    d = pd.read_csv(FIXTURES / "data" / "warpbreaks.csv")
    fit = gs.glm("breaks ~ wool * tension", d, family=gs.Poisson())
    new = pd.DataFrame({"wool": ["A", None], "tension": ["M", "M"]}, index=[10, 11])
    got = fit.predict(new, type="terms")
    assert list(got.index) == [10, 11] and got.loc[11].isna().all() and got.loc[10].notna().all()
    with pytest.raises(gs.GLMStatError, match="interval= is not available with type='terms'"):
        fit.predict(new, type="terms", interval="confidence")

