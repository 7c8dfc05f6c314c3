"""Shared helpers for R references of designs too large to keep whole (``fixtures/large``, ``fixtures/wide``):
R's output of ``scripts/make_reference.R --qr-tol=1e-11`` shrunk by ``scripts/trim_large_refs.py`` to per-row
values at a sample of rows (``sample``, ``sample_influence``), ``rows_dropped`` and, for many coefficients,
every k-th row of the covariance matrices (``matrix_rows``).  One :class:`TrimmedReferences` per folder, with
cached data and fits, and the comparisons every such folder's tests make.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import assert_close, family_of


class TrimmedReferences:
    """The cases of one folder: ``cases.json``, ``data/<name>.csv.gz``, ``r/<id>.json`` (exact MLE) and
    ``rdefault/<id>.json`` (R's default control)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ids = [c["id"] for c in json.loads((folder / "cases.json").read_text())]
        self._fits: dict[str, gs.GLMResults] = {}
        self.data = lru_cache(maxsize=None)(self._read)

    def _read(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.folder / "data" / f"{name}.csv.gz")

    def load(self, case_id: str, kind: str = "r") -> dict:
        return json.loads((self.folder / kind / f"{case_id}.json").read_text())

    def fit_case(self, case_id: str, **kw) -> gs.GLMResults:
        ref = self.load(case_id)
        if ref.get("weights"):
            kw["weights"] = ref["weights"]
        kw.setdefault("tol", 1e-12)
        kw.setdefault("max_iter", 100)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            return gs.glm(ref["formula"], self.data(ref["data"]), family=family_of(ref["family"]), **kw)

    def fitted(self, case_id: str) -> gs.GLMResults:
        if case_id not in self._fits:
            self._fits[case_id] = self.fit_case(case_id)
        return self._fits[case_id]

    def assert_fit_matches(self, case_id: str) -> None:
        """Coefficients, standard errors, tests, intervals, the covariance's kept rows, the fit's scalars and
        the per-row values at R's sample of the rows used."""
        ref, f = self.load(case_id), self.fitted(case_id)
        assert list(np.isnan(f.coef.to_numpy())) == ref["aliased"]
        for got, key in ((f.coef, "coefficients"), (f.std_errors, "std_errors"), (f.statistic, "statistic"),
                         (f.conf_int(method="wald"), "confint_wald")):
            assert_close(got, ref[key])
        assert_close(f.p_values, ref["p_values"], rtol=1e-5)
        assert_close(matrix_rows(f.vcov.to_numpy(), ref), ref["vcov"])
        for key in ("deviance", "null_deviance", "dispersion", "aic", "bic", "loglik", "df_residual", "nobs"):
            assert_close([getattr(f, key)], [ref[key]])
        at = np.asarray(ref["sample"])
        for got, key in ((f.fitted_values, "fitted"), (f.linear_predictor, "linear_predictor"),
                         (f.residuals("pearson"), "resid_pearson"), (f.residuals("working"), "resid_working"),
                         (f.residuals("response"), "resid_response"), (f.residuals("deviance"), "resid_deviance")):
            assert_close(got.to_numpy()[at], ref[key])
        dropped = sorted(set(range(1, ref["n_rows_data"] + 1)) - set(f.rows_used + 1))
        assert dropped == ref["rows_dropped"]

    def assert_influence_sandwich_anova_match(self, case_id: str) -> None:
        """Hat values, Cook's distances and standardized residuals at R's sample of the rows of positive
        weight, the sandwich covariances (R's leave out aliased columns) and the sequential anova."""
        ref, f = self.load(case_id), self.fitted(case_id)
        aug = f.augment()
        rows = f.rows_used.to_numpy()  # the data's default RangeIndex: positions
        weights = self.data(ref["data"])[ref["weights"]] if ref.get("weights") else None
        pos = np.asarray(weights, float)[rows] > 0 if weights is not None else np.ones(rows.size, bool)
        at = np.asarray(ref["sample_influence"])  # positions among the rows of positive weight (as R keeps them)
        for col, key in (("hat", "hat"), ("cooks_d", "cooks"), ("std_resid", "rstandard")):
            assert_close(aug[col].to_numpy()[pos][at], ref[key])
        assert_close(aug["student_resid"].to_numpy()[pos][at], ref["rstudent"], rtol=1e-5)
        kept = ~np.asarray(ref["aliased"])
        for hc in ("hc0", "hc1", "hc3"):
            if ref.get(f"vcov_{hc}") is not None:
                v = f.robust(hc.upper()).vcov.to_numpy()[np.ix_(kept, kept)]
                assert_close(matrix_rows(v, ref), ref[f"vcov_{hc}"])
        t = f.anova()
        assert_close(t["resid_dev"], ref["anova"]["resid_dev"])
        assert_close(t["p_value"], ref["anova"]["p_value"], rtol=1e-5)

    def assert_default_control_matches(self, case_id: str) -> None:
        """``convergence="R"`` at R's default control reproduces what R printed, with R's iteration count."""
        ref = self.load(case_id, "rdefault")
        f = self.fit_case(case_id, tol=1e-8, max_iter=25, convergence="R")
        assert_close(f.coef, ref["coefficients"], rtol=1e-8)
        assert_close(f.std_errors, ref["std_errors"], rtol=1e-8)
        assert_close([f.deviance, f.dispersion], [ref["deviance"], ref["dispersion"]], rtol=1e-8)
        assert f.iterations == ref["iterations"]


def matrix_rows(m: np.ndarray, ref: dict) -> np.ndarray:
    """The rows of a covariance matrix that a reference with many coefficients keeps (``matrix_rows``:
    positions in R's matrix, which for sandwich covariances has no aliased rows), or all of them."""
    if "matrix_rows" not in ref:
        return m
    return m[[i for i in ref["matrix_rows"] if i < m.shape[0]]]
