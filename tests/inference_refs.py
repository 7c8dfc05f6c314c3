"""Shared helpers for the influence, prediction and sandwich tests: cached fits of the R reference cases
(``fixtures/r``) and of the extra inference cases (``fixtures/inference``, made by
``fixtures/scripts/make_inference_fixtures.R``)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES, all_case_ids, family_of, fit_ref, load_data, load_ref

INFERENCE = FIXTURES / "inference"

#: Reference cases that carry influence, sandwich and prediction fields (not the separated ones).
REF_CASES = [c for c in all_case_ids() if "hat" in load_ref(c)]


def extra_ids() -> list[str]:
    return sorted(p.stem for p in INFERENCE.glob("*.json"))


def load_extra(case_id: str) -> dict:
    return json.loads((INFERENCE / f"{case_id}.json").read_text())


def extra_weights(ref: dict, data: pd.DataFrame) -> np.ndarray:
    """The prior weights the R script used: a column (or 1), with ``zero_rows`` (1-based) set to 0."""
    w = np.ones(len(data)) if not ref.get("weights") else data[ref["weights"]].to_numpy(dtype=float).copy()
    if ref.get("zero_rows"):
        w[np.asarray(ref["zero_rows"]) - 1] = 0.0
    return w


_fits: dict = {}


def ref_fit(case_id: str) -> gs.GLMResults:
    """The fit of a reference case (cached: results are immutable)."""
    if ("r", case_id) not in _fits:
        _fits["r", case_id] = fit_ref(load_ref(case_id))
    return _fits["r", case_id]


def extra_fit(case_id: str) -> gs.GLMResults:
    """The fit of an extra inference case, as the R script fitted it."""
    if ("x", case_id) not in _fits:
        ref = load_extra(case_id)
        d = load_data(ref["data"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            _fits["x", case_id] = gs.glm(ref["formula"], d, family=family_of(ref["family"]),
                                         weights=extra_weights(ref, d), tol=1e-12, max_iter=100)
    return _fits["x", case_id]


def positive_weight_rows(ref: dict, data: pd.DataFrame, weights: np.ndarray | None = None) -> np.ndarray:
    """Mask over the rows used of those with non-zero prior weight (R drops the others from influence)."""
    rows = np.asarray(ref["rows_used"]) - 1
    if weights is None:
        weights = np.ones(len(data)) if not ref.get("weights") else data[ref["weights"]].to_numpy(dtype=float)
    return weights[rows] > 0
