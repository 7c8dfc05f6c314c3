"""A CSV file on the command line is read as R's read.csv reads it (tests/fixtures/cli_na_strings,
``scripts/make_cli_na_strings.R``).

pandas' defaults read ``None``, ``null``, ``N/A``, ``NaN`` and blank fields as missing: ``glmstat fit "Price ~
AirBags" cars93.csv`` (Cars93 written by R's write.csv) dropped the 34 rows of the level ``None`` with a
warning, where R fits that level.  Only ``NA`` is missing now, and the other columns of text are typed as R's
``type.convert`` types them: numbers and blanks numeric, R's logical values and blanks logical, anything else
text with a blank as the level ``""``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.cli import main, read_data

DIR = FIXTURES / "cli_na_strings"
REF = json.loads((DIR / "r.json").read_text())


def test_columns_are_typed_as_r_types_them():
    data = read_data(str(DIR / "data.csv"))
    kinds = {"numeric": "f", "integer": "iuf", "character": "OT"}
    for name, cls in REF["classes"].items():
        col = data[name]
        kind = "T" if pd.api.types.is_string_dtype(col.dtype) and col.dtype.kind != "O" else col.dtype.kind
        assert kind in kinds[cls], f"{name}: {col.dtype} for R's {cls}"
    assert set(data["bags"]) == {"None", "Driver only", "null", "N/A", ""}  # (was: all but one missing)
    assert_close(data["z"], [np.nan if v is None else float(v) for v in REF["z"]], rtol=0)
    assert data["z"].isna().sum() == 1 and np.isinf(data["z"]).sum() == 1  # (R's NaN and Inf)


def test_the_fit_is_r_s():
    data = read_data(str(DIR / "data.csv"))
    fit = gs.glm("y ~ bags + x + flag", data, family=gs.Poisson(), convergence="R")
    names = [n.replace("[T.", "").replace("]", "") for n in fit.coef.index]
    assert names == ["Intercept"] + REF["coef_names"][1:]
    assert_close(fit.coef, REF["coef"], rtol=1e-7)
    assert_close([fit.deviance], [REF["deviance"]], rtol=1e-8)
    assert fit.nobs == REF["nobs"]


def test_the_command_line_fits_the_level_none(capsys):
    assert main(["fit", "y ~ bags + x + flag", str(DIR / "data.csv"), "--family", "poisson"]) == 0
    out, err = capsys.readouterr()
    assert "bags[T.None]" in out and "bags[T.null]" in out and "bags[T.N/A]" in out
    assert "4 of 40 rows dropped for missing values (x: 4)" in out  # (the blanks and NA of x only)
