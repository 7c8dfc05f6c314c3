"""R's texts of integers (tests/fixtures/integer_texts, from tests/fixtures/scripts/make_integer_texts.R).

R holds a whole-number column that ``read.csv`` reads as an integer (and ``as.integer()``, ``nchar()``,
``strtoi()``, ``unclass()`` of a factor, integer arithmetic, ``5L``), and writes an integer in full:
``as.character(100000L)`` is "100000", the double 100000 "1e+05".  glmstat held every number as a double and
wrote an integer id 100000 as "1e+05": factor levels, coefficient names, ``paste()``, ``sprintf("%s")`` and
text comparisons differed from R's.  A NumVec marked ``integer`` keeps the number and changes its text only.
"""

from __future__ import annotations

import json
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, expression_value
from glmstat.formula.values import FactorVec, NumVec, label_text
from glmstat.rcsv import read_fields

HERE = FIXTURES / "integer_texts"
REF = json.loads((HERE / "r.json").read_text())


def r_data() -> pd.DataFrame:
    """The data as R's read.csv reads them (glmstat's reader of the command line): ``id`` integers with NA."""
    return read_fields(HERE / "data.csv", None, None)


def _rows(value, n: int) -> list:
    """A value's text for each row (None where missing), as R's character vector."""
    if isinstance(value, NumVec):  # (a logical: R's as.character writes TRUE/FALSE)
        return [None if v != v else ("TRUE" if v else "FALSE") for v in value.values.tolist()]
    assert isinstance(value, FactorVec)
    return [None if c < 0 else label_text(value.levels[c]) for c in value.codes.tolist()]


def test_read_csv_reads_whole_numbers_with_na_as_integers():
    d = r_data()
    assert str(d["id"].dtype) == "Int64" and d["dd"].dtype == np.float64


@pytest.mark.parametrize("expr", list(REF["texts"]))
def test_each_row_s_text_is_r_s(expr):
    d = r_data()
    got = _rows(expression_value(d, expr), len(d))
    want = REF["texts"][expr]
    if "dd" in expr:  # (a missing double is written NaN, R's NA: the row is dropped from a fit anyway)
        present = d["dd"].notna().to_numpy()
        got, want = [g for g, p in zip(got, present) if p], [w for w, p in zip(want, present) if p]
    assert got == want


@pytest.mark.parametrize("expr", list(REF["scalars"]))
def test_a_text_of_one_value_is_r_s(expr):
    assert expression_value(r_data(), expr) == REF["scalars"][expr]


@pytest.mark.parametrize("expr", list(REF["levels"]))
def test_factor_levels_are_r_s(expr):
    f = expression_value(r_data(), expr)
    # (R's NA level is NA, written "NA"; exclude = 1e5 is matched as text, "1e+05", and excludes no integer)
    assert [label_text(lv) for lv in f.levels] == ["NA" if w is None else w for w in REF["levels"][expr]]


@pytest.mark.parametrize("expr", list(REF["factors"]))
def test_factor_of_given_levels_matches_texts_as_r(expr):
    """R's factor(x, levels = ) matches the texts: the double level 1e5 is "1e+05", no integer id's text, and
    seq_len(), 199999:200001 and 5L are integers ("200000"); c(100000L, 7) is doubles."""
    f = expression_value(r_data(), expr)
    ref = REF["factors"][expr]
    assert [label_text(lv) for lv in f.levels] == ref["levels"]
    assert [None if c < 0 else c + 1 for c in f.codes.tolist()] == ref["codes"]


def _r_name(name: str) -> str:
    return "(Intercept)" if name == "Intercept" else re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", name)


def _fit(formula: str, data) -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        warnings.simplefilter("ignore", gs.AliasingWarning)
        return gs.glm(formula, data)


def _check(fit: gs.GLMResults, ref: dict) -> None:
    kept = ~np.isnan(np.asarray(fit.coef, dtype=float))
    assert [_r_name(n) for n, k in zip(fit.coef.index, kept) if k] == ref["coef_names"]
    assert_close(np.asarray(fit.coef, dtype=float)[kept], ref["coef"], rtol=1e-9)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert fit.nobs == ref["nobs"]


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_name_their_coefficients_as_r(ref):
    _check(_fit(ref["formula"], r_data()), ref)


def _integer_columns(kind: str) -> pd.DataFrame:
    """The rows R fits (id present), ``id`` as a column of integers of ``kind``."""
    d = r_data()
    d = d[d["id"].notna()].reset_index(drop=True)
    ints = d["id"].astype(np.int64)
    d["id"] = {"int64": ints, "int32": ints.astype(np.int32), "Int64": ints.astype("Int64"),
               "object": pd.Series(ints.tolist(), dtype=object)}[kind]
    return d


@pytest.mark.parametrize("kind", ["int64", "int32", "Int64", "object"])
@pytest.mark.parametrize("ref", [f for f in REF["fits"] if "id" in f["formula"] and "paste" not in f["formula"]],
                         ids=lambda f: f["formula"])
def test_every_integer_dtype_is_r_s_integer(ref, kind):
    # (not factor(paste(id)): R fits its rows of a missing id too, at the level "NA", which int64 cannot hold)
    _check(_fit(ref["formula"], _integer_columns(kind)), ref)


@pytest.mark.parametrize("stream", ["parquet", "dask"])
@pytest.mark.parametrize("formula", ["y ~ factor(id) * g", "y ~ factor(paste(id))", "y ~ interaction(factor(id), g)"])
def test_streamed_fits_are_the_in_memory_fit(formula, stream, tmp_path):
    from streamed_cases import as_streamed

    data = r_data()  # (Int64 with missing values: Arrow's int64 with nulls; chunks of 5 rows hold some ids only)
    mem = _fit(formula, data)
    streamed = _fit(formula, as_streamed(data, stream, tmp_path, rows=5))
    assert list(streamed.coef.index) == list(mem.coef.index)
    assert_close(streamed.coef, mem.coef, rtol=1e-9)


@pytest.mark.parametrize("new_dtype", ["int64", "float64", "Int64"])
def test_new_data_ids_of_either_type_are_the_fit_s_levels(new_dtype):
    """R writes the double 100000 as "1e+05", no level of a fit to integer ids, and refuses it ("factor
    factor(id) has new levels 1e+05"); glmstat matches a number to a level by value, as a chunk of streamed data
    whose column pandas read as float64 is matched."""
    fit = _fit("y ~ factor(id)", _integer_columns("int64"))
    new = pd.DataFrame({"id": pd.array([100000, 200000, 1000000, 123456789], dtype=new_dtype)})
    b = REF["fits"][0]["coef"]
    names = REF["fits"][0]["coef_names"]
    want = [b[0] + (b[names.index(f"factor(id){k}")] if f"factor(id){k}" in names else 0.0)
            for k in ("100000", "200000", "1000000", "123456789")]
    assert_close(fit.predict(new), want, rtol=1e-9)
    assert_close(pickle.loads(pickle.dumps(fit)).predict(new), want, rtol=1e-9)


def test_a_fit_to_doubles_predicts_integer_ids():
    d = r_data()
    fit = _fit("y ~ factor(dd)", d)
    new = pd.DataFrame({"dd": np.array([100000, 7], dtype=np.int64)})
    assert_close(fit.predict(new), fit.predict(pd.DataFrame({"dd": [1e5, 7.0]})), rtol=1e-12)


def test_integers_beyond_r_s_range_are_doubles():
    """R's read.csv reads 3000000000 as a double, written "3e+09"; an int64 column of it is written so."""
    d = pd.DataFrame({"k": np.array([3_000_000_000, 100000], dtype=np.int64)})
    f = expression_value(d, "paste(k)")
    assert sorted(f.levels) == ["1e+05", "3e+09"]


@pytest.mark.parametrize("formula", ["y ~ interaction(factor(id), g)", "y ~ factor(id):g",
                                     "y ~ as.numeric(factor(id))"])
def test_new_float_ids_are_the_fit_s_integer_levels_in_combinations_and_codes(formula):
    d = _integer_columns("int64")
    fit = _fit(formula, d)
    new = d.iloc[[0, 1, 2, 3]]
    assert_close(fit.predict(new.astype({"id": np.float64})), fit.predict(new), rtol=1e-12)


def test_a_text_of_new_float_ids_is_r_s_and_not_the_fit_s():
    """paste(id) of a float64 id is the double's text, "1e+05", as R's: a level the fit to integer ids did not
    see (R refuses it too)."""
    d = _integer_columns("int64")
    fit = _fit("y ~ factor(paste(id))", d)
    with pytest.raises(gs.DataError, match="1e\\+05"):
        fit.predict(d.iloc[[0]].astype({"id": np.float64}))


def test_the_command_line_names_integer_ids_as_r(capsys):
    """The command line reads the CSV as R's read.csv: ``id``, whole numbers with NA, is R's integer column."""
    from glmstat.cli import main

    main(["fit", "y ~ factor(id)", str(HERE / "data.csv"), "-f", "gaussian"])
    out = capsys.readouterr().out
    names = [n for n in REF["fits"][0]["coef_names"] if n != "(Intercept)"]
    assert all(f"factor(id)[T.{n[len('factor(id)'):]}]" in out for n in names)
    assert "e+0" not in out.split("Coefficients:")[1].split("---")[0]
