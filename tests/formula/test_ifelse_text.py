"""Text in formulas, as R: ``ifelse()`` of text nested (``ifelse(x > 2, "high", ifelse(x < 1, "low", "mid"))``,
the R idiom for three groups, which glmstat refused as "the yes value is a string") and beside a number (written
as R's as.character writes it), and ``as.character(x)`` (levels sorted as text: "10" before "9", ``1e+05``).
R's fits from tests/fixtures/ifelse_text (scripts/make_ifelse_text.R)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s

REF = json.loads((FIXTURES / "ifelse_text" / "ref.json").read_text())
DATA = {"mt": pd.read_csv(FIXTURES / "data" / "mtcars.csv"), "aq": pd.read_csv(FIXTURES / "data" / "airquality.csv")}
FAMILIES = {"gaussian": gs.Gaussian(), "binomial": gs.Binomial(), "poisson": gs.Poisson()}


@pytest.mark.parametrize("ref", REF, ids=[r["formula"] for r in REF])
def test_fits_with_text_from_ifelse_are_r_s(ref):
    assert_fit_is_r_s(ref, DATA[ref["data"]], FAMILIES[ref["family"]])


def test_new_rows_take_the_fit_s_groups():
    fit = gs.glm(REF[0]["formula"], DATA["mt"])
    new = pd.DataFrame({"hp": [200.0, 80.0, 120.0], "wt": [3.0, 3.0, 3.0]})
    b = fit.coef.to_numpy()
    assert_close(fit.predict(new), [b[0] + 3 * b[3], b[0] + b[1] + 3 * b[3], b[0] + b[2] + 3 * b[3]], rtol=1e-12)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import assert_streamed_is_in_memory

    assert_streamed_is_in_memory(REF[1]["formula"], DATA["mt"], kind, tmp_path, rows=5, rtol=1e-9)


def test_missing_values_are_decided_by_the_values_as_r_s_na_omit():
    # a row missing g keeps the value of the branch it takes: "a" at x = 3, kept as R keeps it; NA at x = -1,
    # dropped and counted under g, the column missing there
    d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "x": [1.0, -1.0, 2.0, -2.0, 3.0, -3.0],
                      "g": ["u", None, "v", "u", None, "v"]})
    with pytest.warns(gs.DroppedRowsWarning, match="1 of 6 rows"):
        fit = gs.glm('y ~ ifelse(x > 0, "a", ifelse(g == "u", "b", "c"))', d)
    assert fit.nobs == 5 and fit.dropped_by == {"g": 1}
    assert list(fit.rows_used) == [0, 2, 3, 4, 5]


def test_a_numeric_column_beside_text_is_refused():
    # a text for every row of the column would be built (and a level for each distinct value): refused, naming it
    with pytest.raises(gs.FormulaError, match="the no value is a column of numbers beside text"):
        gs.glm('mpg ~ ifelse(hp > 150, "high", wt)', DATA["mt"])
