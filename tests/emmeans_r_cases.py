"""The fixtures of emmeans' R cases as their scripts write them (one case a dict: data, formula, family, term, the
means' and pairs' numbers and notes) and their comparison with glmstat: shared by the tests of at= of levels,
cov.reduce, regrid and the contrast families' options (inference/test_emmeans_at_levels.py,
test_emmeans_cov_reduce.py, test_emmeans_regrid.py, test_emmeans_contrast_options.py)."""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import assert_close, load_data

FAMILIES = {"poisson": gs.Poisson, "gaussian": gs.Gaussian, "binomial": gs.Binomial}
_FITS: dict = {}


def listed(values: Any) -> list:
    """A vector of R's as a list (jsonlite's auto_unbox writes a vector of one as a scalar)."""
    return list(values) if isinstance(values, list) else [values]


def fit_case(case: dict, load: Callable[[str], pd.DataFrame] = load_data) -> gs.GLMResults:
    """The case's model fitted to its exact maximum (cached by data, formula and family; warnings ignored)."""
    key = (case["data"], case["formula"], case["family"])
    if key not in _FITS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            _FITS[key] = gs.glm(case["formula"], load(case["data"]), family=FAMILIES[case["family"]](), tol=1e-14,
                                max_iter=100)
    return _FITS[key]


def _label(value: Any) -> str:
    return f"{value:.15g}" if isinstance(value, float) else str(value)


def assert_means_as_emmeans(means: pd.DataFrame, case: dict) -> None:
    """emmeans' means at level 0.9 as R's: the grid's labels, estimates, SEs, df, limits and the notes."""
    for name, levels in case["levels"].items():  # (R's labels of numbers: "2", "3.5")
        assert [_label(x) for x in means.index.get_level_values(name)] == listed(levels)
    assert_close(means["estimate"], listed(case["estimate"]), rtol=1e-7)
    assert_close(means["std_error"], listed(case["se"]), rtol=1e-6)
    assert_close(means["df"], np.full(len(means), np.inf) if case["df"] == "Inf" else case["df"], rtol=1e-12)
    assert_close(means["lower"], listed(case["lower"]), rtol=1e-6)
    assert_close(means["upper"], listed(case["upper"]), rtol=1e-6)
    assert means.attrs["heading"].split("\n")[1:] == listed(case["notes"])


def assert_pairs_as_emmeans(pairs: pd.DataFrame, case: dict) -> None:
    """emmeans' pairs as R's: the contrasts' labels, estimates, SEs, ratios, p-values and the notes."""
    assert list(pairs.index.get_level_values("contrast")) == listed(case["pairs_contrast"])
    assert_close(pairs["estimate"], listed(case["pairs_estimate"]), rtol=1e-7)
    assert_close(pairs["std_error"], listed(case["pairs_se"]), rtol=1e-6)
    assert_close(pairs["statistic"], listed(case["pairs_ratio"]), rtol=1e-6)
    assert_close(pairs["p_value"], listed(case["pairs_p_value"]), rtol=1e-6, atol=1e-12)
    assert pairs.attrs["heading"].split("\n")[1:] == listed(case["pairs_notes"])
