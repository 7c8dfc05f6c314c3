"""influence_measures() of a structured fit holds its rows x coefficients table once.

Its dfbetas were taken from the blocks' parts, concatenated (a second copy) and put in a DataFrame column by
column (a third): a 1e5-row fit with a 300-level factor, a 245 MB table, took a peak of 536 MB.  The dfbetas
are now written into their table as ``dfbetas()`` writes them, and the other measures added beside it.  The
numbers are R's as before (tests/inference/test_influence_measures.py, test_structured_features.py); here they
equal ``dfbetas()`` and the flags follow R's rules from the table itself.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import traced_peak

ROWS, LEVELS = 60_000, 100


def test_the_influence_table_is_held_once():
    rng = np.random.default_rng(271)
    g = rng.integers(0, LEVELS, ROWS)
    x = rng.normal(size=ROWS)
    d = pd.DataFrame({"y": rng.poisson(np.exp(0.5 + 0.3 * x)).astype(float), "x": x,
                      "g": [f"L{k:03d}" for k in g]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("y ~ x + g", d, family=gs.Poisson())
        fit.hat_values()  # (the fit's cached per-row quantities are not the table's memory)
    p = LEVELS + 1
    table_bytes = 8 * ROWS * (p + 4)
    table, peak = traced_peak(fit.influence_measures)
    assert peak < 1.6 * table_bytes, f"{peak / table_bytes:.2f} times the table"
    assert list(table.columns) == [f"dfb_{c}" for c in fit.column_names] + [
        "dffit", "cov_ratio", "cooks_d", "hat", "influential", "flagged"]
    dfbetas = fit.dfbetas().to_numpy()
    np.testing.assert_array_equal(table.iloc[:, :p].to_numpy(), dfbetas)
    np.testing.assert_allclose(table["hat"].to_numpy(), fit.hat_values().to_numpy(), rtol=1e-12)
    k, n = p, ROWS
    flags = np.column_stack([np.abs(dfbetas) > 1, np.abs(table["dffit"]) > 3 * np.sqrt(k / (n - k)),
                             np.abs(1 - table["cov_ratio"]) > 3 * k / (n - k), table["hat"] > 3 * k / n])
    assert np.array_equal(table["influential"].to_numpy(), flags.any(axis=1) | (table["flagged"].str.contains(
        "cooks_d").to_numpy()))
