"""R's ``as.Date(x, tryFormats = )`` and ``as.Date(x, optional = TRUE)`` in formulas against R 4.2
(tests/fixtures/date_formats, made by scripts/make_date_formats.R): each row's date where R's choice of format (the
first that reads the first text) reads every text and so is glmstat's (the first, in order, that reads every text
any format reads) -- whatever the rows of one chunk of streamed data say -- all missing with optional = TRUE where no
format reads any text, fits with predictions, and the texts no format reads whole refused, naming one.  (R's
predict() chooses the format again from the new rows' first text; the fixture's new rows start with a day past 12,
from which R's choice is the fit's.)"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, assert_fit_is_r_s, expression_values

HERE = FIXTURES / "date_formats"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv", keep_default_na=False, na_values={"s4": [""]})


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_each_row_s_date_is_r_s(expr):
    want = np.array([np.nan if v is None else v for v in REF["values"][expr]], dtype=float)
    np.testing.assert_array_equal(expression_values(DATA, expr), want)


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    fit = assert_fit_is_r_s(ref, DATA, gs.Gaussian())
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(fit.fitted_values, ref["fitted"], rtol=1e-9)
    assert_close(fit.predict(DATA.iloc[[1, 2, 3, 4, 5, 6, 14]]), ref["predicted"], rtol=1e-9)


def test_new_data_is_read_with_the_fit_s_format():
    # (rows 8 to 14 have days of 12 or less, which "%m/%d/%Y" reads too: alone they would choose it)
    ref = REF["fits"][0]
    fit = gs.glm(ref["formula"], DATA)
    assert_close(fit.predict(DATA.iloc[7:14]), fit.fitted_values.iloc[7:14], rtol=1e-12)


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_learn_the_format_from_every_chunk(kind, tmp_path):
    from streamed_cases import as_streamed

    ref = REF["fits"][0]
    mem = gs.glm(ref["formula"], DATA)
    streamed = gs.glm(ref["formula"], as_streamed(DATA, kind, tmp_path, rows=7))
    np.testing.assert_allclose(streamed.coef.to_numpy(), mem.coef.to_numpy(), rtol=1e-10)


def test_texts_no_format_reads_whole_are_refused_naming_a_text_the_first_format_misses():
    # (R reads every text with "%Y-%m-%d", which reads the first, and makes "05/01/2020" missing)
    rows = pd.DataFrame({"s": ["2020-01-05", "05/01/2020", "2020-02-01"] * 4, "y": np.arange(12.0)})
    with pytest.raises(gs.FormulaError, match="mix the formats '%Y-%m-%d' \\('2020-01-05'\\) and '%d/%m/%Y' "
                                              "\\('05/01/2020'\\), and no format reads them all"):
        gs.glm('y ~ as.Date(s, tryFormats = c("%Y-%m-%d", "%d/%m/%Y"))', rows)
    with pytest.raises(gs.FormulaError, match="mix the formats"):  # (optional = TRUE: only where none reads any)
        gs.glm('y ~ as.Date(s, tryFormats = c("%Y-%m-%d", "%d/%m/%Y"), optional = TRUE)', rows)
    with pytest.raises(gs.FormulaError, match="tryFormats lists 17 formats, more than 16"):
        gs.glm("y ~ as.Date(s, tryFormats = c(" + ", ".join(['"%Y-%m-%d"'] * 17) + "))", rows)


def test_without_optional_texts_no_format_reads_are_refused():
    with pytest.raises(gs.FormulaError, match='none reads as "%Y" or "%d/%m/%Y"'):
        gs.glm('y ~ as.Date(s3, tryFormats = c("%Y", "%d/%m/%Y"))', DATA)
