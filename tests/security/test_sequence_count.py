"""The literal values a formula's sequences make together (``1:5000``, ``seq(0, 1, by = 0.1)``) are at most the
formula's length, ``FormulaLimits.max_length``: exactly that many are made, one more refused with their count.

Each sequence was counted with R's tolerance added (``5000 + FLT_EPSILON`` for ``1:5000``), so four ``1:5000`` under a
bound of 20,000 were refused as "20,000, where the limit max_length is 20,000".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

DATA = pd.DataFrame({"x": np.arange(1.0, 21.0), "y": np.tile([0.5, 1.5, 1.0, 2.5], 5)})


def test_sequences_at_the_bound_are_made():
    fit = gs.glm("y ~ x", DATA, subset="x %in% c(1:5000, 1:5000, 1:5000, 1:5000)")
    assert fit.nobs == 20


def test_one_value_more_is_refused_with_its_count():
    with pytest.raises(gs.FormulaError, match=r"20,001, where the limit max_length is 20,000"):
        gs.glm("y ~ x", DATA, subset="x %in% c(1:5000, 1:5000, 1:5000, 0:5000)")
