"""The line for the rows dropped for missing values is R's naprint.omit, in print(fit) and the summary alike:
"(1 observation deleted due to missingness)" for one row, "observations" for more.

R's output: tests/fixtures/naprint/make_naprint.R -> r.json.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

R = json.loads((FIXTURES / "naprint" / "r.json").read_text())


@pytest.mark.parametrize("case", ["one", "two"])
def test_dropped_rows_line_is_naprint(case):
    r = R[case]
    d = pd.DataFrame({"x": [np.nan if v == "NA" else float(v) for v in r["x"]],
                      "y": [1.0, 3, 2, 5, 4, 6, 8, 7]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        fit = gs.glm("y ~ x", d)
    assert [ln for ln in repr(fit).splitlines() if "deleted" in ln] == [r["print"]]
    assert [ln for ln in str(fit.summary()).splitlines() if "deleted" in ln] == [r["summary"]]
