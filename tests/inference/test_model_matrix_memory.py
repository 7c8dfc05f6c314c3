"""model_matrix() of a structured fit holds its table once.

The design of the rows used was written block by block into a list of dense parts, concatenated (a second copy)
and handed to pandas, which copies a 2-D numpy array by default (a third): a 1e5-row fit with a 300-level factor,
a 242 MB table, took a peak of 691 MB.  The blocks are now written into the table itself, which the DataFrame
takes without copying, so the peak is the table and one block.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import traced_peak

ROWS, LEVELS = 80_000, 100


def test_the_design_table_is_held_once():
    rng = np.random.default_rng(270)
    g = rng.integers(0, LEVELS, ROWS)
    d = pd.DataFrame({"y": rng.poisson(2.0, ROWS).astype(float), "x": rng.normal(size=ROWS),
                      "g": [f"L{k:03d}" for k in g]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("y ~ x + g", d, family=gs.Poisson())
    table_bytes = 8 * ROWS * (LEVELS + 1)
    table, peak = traced_peak(fit.model_matrix)
    assert peak < 1.5 * table_bytes, f"{peak / table_bytes:.2f} times the table"
    # the design itself: intercept, x, and the indicator of each row's level (treatment coding, L000 the base)
    assert table.shape == (ROWS, LEVELS + 1) and list(table.columns) == list(fit.coef.index)
    np.testing.assert_array_equal(table["Intercept"].to_numpy(), 1.0)
    np.testing.assert_array_equal(table["x"].to_numpy(), d["x"].to_numpy())
    codes = np.argmax(table.iloc[:, 2:].to_numpy(), axis=1) + 1
    codes[table.iloc[:, 2:].to_numpy().sum(axis=1) == 0] = 0
    np.testing.assert_array_equal(codes, g)
