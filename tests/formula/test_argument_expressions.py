"""``weights=`` and ``offset=`` as R reads them: a column's name, or an R expression of the data's columns
(``offset="log(service)"``, ``weights="numdead + numalive"``), evaluated by the formula's evaluator, a row with a
missing value dropped and counted, the offset evaluated again on new data by ``predict``, the call showing the
expression.  R's fits from tests/fixtures/argument_expressions (scripts/make_argument_expressions.R)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name

REF = [{k: (None if v == {} else v) for k, v in r.items()}  # (R's toJSON writes NULL as {})
       for r in json.loads((FIXTURES / "argument_expressions" / "ref.json").read_text())]
_SHIPS = pd.read_csv(FIXTURES / "data" / "ships.csv")
DATA = {"ships": _SHIPS, "ships2": _SHIPS[_SHIPS["service"] > 0].reset_index(drop=True),
        "aq": pd.read_csv(FIXTURES / "data" / "airquality.csv"), "bw": pd.read_csv(FIXTURES / "data" / "budworm.csv")}
FAMILIES = {"binomial()": gs.Binomial(), "poisson()": gs.Poisson(), 'Gamma(link = "log")': gs.Gamma(link="log"),
            "gaussian()": gs.Gaussian()}
IDS = [f"{r['formula']} w={r.get('weights')} o={r.get('offset')}" for r in REF]


def _fit(ref: dict, data=None) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(ref["formula"], DATA[ref["data"]] if data is None else data, family=FAMILIES[ref["family"]],
                      weights=ref.get("weights"), offset=ref.get("offset"), tol=1e-12, max_iter=100)


@pytest.mark.parametrize("ref", REF, ids=IDS)
def test_fits_are_r_s(ref):
    fit = _fit(ref)
    assert [r_coef_name(n) for n in fit.coef.index] == ref["coef_names"]
    assert (fit.nobs, fit.n_dropped) == (ref["nobs"], ref["n_dropped"])
    assert_close(fit.coef, ref["coef"], rtol=1e-7)
    assert_close(fit.std_errors, ref["se"], rtol=1e-6)
    assert_close([fit.null_deviance, fit.deviance, fit.aic], [ref["null_deviance"], ref["deviance"], ref["aic"]],
                 rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        assert_close(fit.drop1()["deviance"], ref["drop1_deviance"], rtol=1e-8)


@pytest.mark.parametrize("ref", [r for r in REF if "predict_rows" in r], ids=lambda r: r["offset"])
def test_predict_evaluates_the_offset_on_new_data(ref):
    new = DATA[ref["data"]].iloc[np.asarray(ref["predict_rows"]) - 1]
    assert_close(_fit(ref).predict(new, type="link"), ref["predict_link"], rtol=1e-7)


@pytest.mark.parametrize("ref", REF, ids=IDS)
def test_the_call_shows_the_expressions_as_r_deparses_them(ref):
    text = " ".join(str(_fit(ref).summary()).split())
    tags = [t for t in ("weights", "offset") if ref.get(t)]
    for tag, expression in zip(tags, ref["call_arguments"] if isinstance(ref["call_arguments"], list)
                               else [ref["call_arguments"]], strict=True):
        assert f"{tag} = {expression}" in text


def test_an_expression_is_the_offset_term_of_the_formula():
    ref = REF[0]
    by_argument = _fit(ref)
    in_formula = gs.glm("incidents ~ type + year + offset(log(service))", DATA["ships2"], family=gs.Poisson(),
                        tol=1e-12, max_iter=100)
    assert_close(by_argument.coef, in_formula.coef.to_numpy(), rtol=1e-12)
    assert by_argument.null_deviance == pytest.approx(in_formula.null_deviance, rel=1e-12)


def test_a_column_s_name_is_the_column_whatever_it_spells():
    d = pd.DataFrame({"y": [1.0, 3.0, 2.0, 5.0, 4.0, 6.0], "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                      "log(t)": [0.0] * 6, "t": [2.0] * 6})
    fit = gs.glm("y ~ x", d, family=gs.Poisson(), offset="log(t)")  # the column "log(t)", all zero
    plain = gs.glm("y ~ x", d, family=gs.Poisson())
    assert_close(fit.coef, plain.coef.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("arg, match", [
    ("servce", "names no column of the data; did you mean 'service'"),
    ("service +", "names no column of the data, nor is it an R expression"),
    ("log(servce)", "servce"),
    ("log(", "names no column"),
    ("type", "must be numeric"),
    ("2", "one number"),
    # (R 4.2.2's glm(incidents ~ type, poisson, ships, weights = service > 10) stops: "'weights' must be a numeric
    # vector"; the model frame keeps the logical, glm() refuses it)
    ("service > 10", "weights='service > 10' holds logical values"),
])
def test_refusals_name_the_argument(arg, match):
    ships = DATA["ships"]
    with pytest.raises(gs.GLMStatError, match=match):
        gs.glm("incidents ~ type", ships, family=gs.Poisson(), weights=arg)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
@pytest.mark.parametrize("ref", [r for r in REF if r["data"] == "aq"], ids=lambda r: f"{r.get('weights')} "
                         f"{r.get('offset')}")
def test_streamed_fits_are_the_in_memory_fit(ref, kind, tmp_path):
    from streamed_cases import as_streamed

    mem = _fit(ref)
    streamed = _fit(ref, data=as_streamed(DATA["aq"], kind, tmp_path, rows=20))
    assert (streamed.nobs, streamed.n_dropped) == (mem.nobs, mem.n_dropped)
    assert_close(streamed.coef, mem.coef.to_numpy(), rtol=1e-9)
    if "predict_rows" in ref:
        new = DATA["aq"].iloc[np.asarray(ref["predict_rows"]) - 1]
        assert_close(streamed.predict(new, type="link"), ref["predict_link"], rtol=1e-7)
