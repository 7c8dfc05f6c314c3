"""``relevel(factor(b), ref = "TRUE")`` of a logical b on data streamed in chunks (a Parquet file, a dask DataFrame)
is R's fit, as in memory: the streamed merge of the chunks' levels matched the reference by the level's text as
Python writes it (``True``) and refused R's (``ref = 'TRUE' is not a level in any chunk of the data``).  Found by
fitting the formulas of a randomized comparison of the formula coder with R (seed 1506) from a Parquet file.
Reference: R 4.2, tests/fixtures/scripts/make_streamed_logical_relevel.R."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, r_coef_name

REF = json.loads((FIXTURES / "streamed_logical_relevel" / "streamed_logical_relevel.json").read_text())
DATA = pd.DataFrame(REF["data"]).astype({"b": bool, "lg": "boolean"})


@pytest.mark.parametrize("kind", ["memory", "parquet", "dask"])
@pytest.mark.parametrize("case", REF["fits"], ids=lambda c: c["formula"][4:])
def test_relevel_of_a_logical_by_rs_text(case, kind, tmp_path):
    from streamed_cases import as_streamed

    data = DATA if kind == "memory" else as_streamed(DATA, kind, tmp_path, rows=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        fit = gs.glm(case["formula"], data)
    assert [r_coef_name(c) for c in fit.column_names] == case["columns"]
    assert_close(fit.coef, case["coefficients"], rtol=1e-9)
    assert_close(fit.deviance, case["deviance"], rtol=1e-9)
    assert fit.nobs == case["nobs"]
