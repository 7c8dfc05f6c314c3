"""Shared helpers for the tests of inference beyond summary.glm: the R cases of ``fixtures/inference2``
(made by ``fixtures/scripts/make_inference2_fixtures.R``) and the project's shared reference cases
(``fixtures/inference2/shared``, made by ``fixtures/scripts/make_inference2.R``), with cached fits."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import glmstat as gs
from conftest import FIXTURES, family_of, load_data

HERE = FIXTURES / "inference2"
CASES = {c["id"]: c for c in json.loads((HERE / "cases.json").read_text())}
SHARED_CASES = {c["id"]: c for c in json.loads((HERE / "shared" / "cases.json").read_text())}


def ref(case_id: str) -> dict:
    """R's output for a case (own cases first, then the shared ones)."""
    path = HERE / f"{case_id}.json"
    if not path.exists():
        path = HERE / "shared" / f"{case_id}.json"
    return json.loads(path.read_text())


def case(case_id: str) -> dict:
    return CASES.get(case_id) or SHARED_CASES[case_id]


def params(key: str, shared: bool = True) -> list:
    """pytest params of the case ids whose R output has ``key``."""
    ids = list(CASES) + (list(SHARED_CASES) if shared else [])
    return [pytest.param(i, id=i) for i in ids if key in ref(i)]


_fits: dict = {}


def fit_args(case_id: str) -> tuple:
    """(formula, data, keyword arguments) as the R script fitted the case."""
    c = case(case_id)
    d = load_data(c["data"])
    kw = {"family": family_of(c["family"]), "tol": 1e-12, "max_iter": 100}
    if c.get("weights"):
        kw["weights"] = c["weights"]
    if c.get("offset_log"):
        kw["offset"] = np.log(d[c["offset_log"]].to_numpy(dtype=float))
    return c["formula"], d, kw


def fit(case_id: str) -> gs.GLMResults:
    """The fit of a case (cached: results are immutable)."""
    if case_id not in _fits:
        formula, d, kw = fit_args(case_id)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            _fits[case_id] = gs.glm(formula, d, **kw)
    return _fits[case_id]


def as_list(x) -> list:
    """R's JSON writes a vector of length one as a scalar (auto_unbox): a list either way."""
    return x if isinstance(x, list) else [x]


def numbers(x) -> np.ndarray:
    """R's numbers (null = NA) as a float array."""
    return np.asarray([np.nan if v is None else v for v in as_list(x)], dtype=float)


def values(table: dict, column: str, rows: list[str] | None = None) -> np.ndarray:
    """A column of R's table (null = NA) for the given row names (default: all)."""
    col = as_list(table["values"][as_list(table["columns"]).index(column)])
    col = [np.nan if v is None else v for v in col]
    if rows is None:
        return np.asarray(col, dtype=float)
    terms = as_list(table["terms"])
    return np.asarray([col[terms.index(r)] for r in rows], dtype=float)


def assert_p(got, want, rtol=1e-5):
    """p-values: relative 1e-5, or 1e-3 on the log scale below 1e-8."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    tiny = want < 1e-8
    np.testing.assert_allclose(got[~tiny], want[~tiny], rtol=rtol, atol=1e-12, equal_nan=True)
    zero = want == 0  # R's p-value underflowed
    assert np.all(got[zero] < 1e-300)
    tiny &= ~zero
    if tiny.any():
        np.testing.assert_allclose(np.log(got[tiny]), np.log(want[tiny]), rtol=1e-3)
