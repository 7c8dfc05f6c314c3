"""Shared helpers for the tests of inference beyond summary.glm: the R cases of ``fixtures/inference2``
(made by ``fixtures/scripts/make_inference2_fixtures.R``) and the project's shared reference cases
(``fixtures/inference2/shared``, made by ``fixtures/scripts/make_inference2.R``), with cached fits."""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pandas as pd

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
    """p-values: relative 1e-5, or 1e-3 on the log scale below 1e-8; below the smallest normal double (R's
    value 0, or subnormal with four digits at most, 1.6107e-320 for a chi-square of 1465 on 1 df, where
    scipy's tail may underflow to 0) both must be below 1e-300."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    tiny = want < 1e-8
    np.testing.assert_allclose(got[~tiny], want[~tiny], rtol=rtol, atol=1e-12, equal_nan=True)
    sub = want < np.finfo(float).tiny
    assert np.all(got[sub] < 1e-300)
    tiny &= ~sub
    if tiny.any():
        np.testing.assert_allclose(np.log(got[tiny]), np.log(want[tiny]), rtol=1e-3)


# -- comparisons with make_inference2.R's output (one JSON per case), shared by the modules of its case sets --

#: make_inference2.R's car::Anova tables: (key, type, test, statistic column)
SCRIPT_ANOVA = (("anova_type2_lr", 2, "LR", "LR Chisq"), ("anova_type2_wald", 2, "Wald", "Chisq"),
                ("anova_type3_lr", 3, "LR", "LR Chisq"), ("anova_type3_wald", 3, "Wald", "Chisq"),
                ("anova_type2_f", 2, "F", "F value"))


def assert_script_anova(r: dict, f: gs.GLMResults) -> None:
    """Type II and III tables (statistic 1e-6, df exactly, p-values) as car::Anova in the script's output."""
    for key, typ, test, stat in SCRIPT_ANOVA:
        if key not in r:
            continue
        terms = [t for t in as_list(r[key]["terms"]) if t not in ("(Intercept)", "Residuals")]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            got = f.anova(type=typ, test=test).loc[terms]
        np.testing.assert_allclose(got["statistic"], values(r[key], stat, terms), rtol=1e-6, err_msg=key)
        np.testing.assert_array_equal(got["df"], values(r[key], "Df", terms))
        assert_p(got["p_value"], values(r[key], "Pr(>F)" if test == "F" else "Pr(>Chisq)", terms))


def assert_script_hypotheses(r: dict, f: gs.GLMResults) -> None:
    """car::linearHypothesis, chi-square and (estimated dispersion) F."""
    h = r["hypothesis_chisq"]
    got = f.wald_test(as_list(h["hypotheses"]))
    np.testing.assert_allclose(got.statistic, h["statistic"], rtol=1e-6)
    assert_p([got.p_value], [h["p_value"]])
    if "hypothesis_f" in r:
        got = f.wald_test(as_list(h["hypotheses"]), test="F")
        np.testing.assert_allclose(got.statistic, r["hypothesis_f"]["statistic"], rtol=1e-6)
        assert_p([got.p_value], [r["hypothesis_f"]["p_value"]])


def assert_script_vif(r: dict, f: gs.GLMResults) -> None:
    v = r["vif"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # (no intercept: car warns too)
        got = f.vif()
    np.testing.assert_allclose(got.loc[as_list(v["terms"]), "gvif"], numbers(v["gvif"]), rtol=1e-6)


def assert_script_emmeans(r: dict, f: gs.GLMResults) -> None:
    e = r["emmeans"]
    got = f.emmeans(e["term"]).loc[as_list(e["levels"])]
    for col in ("estimate", "std_error", "lower", "upper"):
        np.testing.assert_allclose(got[col], numbers(e[col]), rtol=1e-6, err_msg=col)


def assert_script_step(r: dict, f: gs.GLMResults) -> None:
    """MASS::stepAIC's terms and AIC.  R's AIC is infinite (null) for a Gaussian fit with a prior weight of 0
    (its log-likelihood sums log(w) over every row); glmstat leaves such rows out of the likelihood, as out of
    everything else, so only the terms are compared there."""
    s = r["step"]
    chosen = f.step(direction="backward")
    assert list(chosen.term_labels) == as_list(s["terms"])
    if s["aic"] is None:
        assert r["family"]["name"] == "gaussian" and r.get("weights") and np.isfinite(chosen.aic)
        return
    np.testing.assert_allclose(chosen.aic, s["aic"], rtol=1e-8)


def script_ame(r: dict, f: gs.GLMResults):
    """(R's effects, glmstat's rows for them); the estimates already compared (1e-5)."""
    want = as_list(r["ame"])
    keys = [(w["term"], w["contrast"]) for w in want]
    got = f.average_marginal_effects().set_index(["term", "contrast"]).loc[keys]
    np.testing.assert_allclose(got["estimate"], [w["estimate"] for w in want], rtol=1e-5, atol=1e-12)
    return want, got


class ScriptReferences:
    """The output of ``make_inference2.R`` in ``folder`` (its ``cases.json`` and one JSON per case), with each
    case's exact-MLE fit on the data ``data(name)`` (cached)."""

    def __init__(self, folder: Path, data: Callable[[str], pd.DataFrame]) -> None:
        self.folder = folder
        self.data = data
        self.ids = [c["id"] for c in json.loads((folder / "cases.json").read_text())]
        self.fit = lru_cache(maxsize=None)(self._fit)

    def ref(self, case_id: str) -> dict:
        return json.loads((self.folder / f"{case_id}.json").read_text())

    def _fit(self, case_id: str) -> gs.GLMResults:
        r = self.ref(case_id)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            return gs.glm(r["formula"], self.data(r["data"]), family=family_of(r["family"]), tol=1e-12,
                          max_iter=100, weights=r.get("weights"))
