"""A CSV field is a number, a logical value or text as R's read.csv reads it (tests/fixtures/cli_csv_numbers,
``scripts/make_cli_csv_numbers.R``).

R reads hexadecimal numbers (``0x1A`` is 26, ``0x1p3`` is 8) and exponents without digits (``1e`` is 1),
takes a field of C white space alone as a blank, reads ``NAN`` and a field with a no-break space or a Unicode
digit as text, and takes only ``TRUE``, ``FALSE``, ``T`` and ``F`` as logical: ``true`` and ``True`` are text.
glmstat read the hexadecimal numbers and ``1e`` as text (a factor of as many levels as values, a different
model), a blank of spaces in a numeric column as a level (every number of the column a level), the Unicode
digits as numbers, and let pandas merge ``TRUE`` with ``true`` into one logical value (two levels of R's four).
"""

from __future__ import annotations

import json
import math


import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.cli import main, read_data
from glmstat.rcsv import r_number

DIR = FIXTURES / "cli_csv_numbers"
REF = json.loads((DIR / "r.json").read_text())


def _names(fit) -> list[str]:
    return ["(Intercept)"] + [n.replace("[T.", "").replace("]", "") for n in fit.coef.index[1:]]


def test_each_field_is_read_as_r_reads_it():
    for token in REF["tokens"]:
        text = "".join(map(chr, token["codes"]))
        got = r_number(text)
        if token["class"] in ("character", "logical"):
            assert got is None, f"{text!r}: R reads text, glmstat {got}"
        elif token["value"] is None:  # (R's NaN, or a blank: NA)
            assert got is None or math.isnan(got), f"{text!r}: R reads NaN or a blank, glmstat {got}"
        else:
            assert got is not None and got == float(token["value"]), f"{text!r}: R {token['value']}, glmstat {got}"


def test_columns_are_typed_as_r_types_them():
    data = read_data(str(DIR / "data.csv"))
    for name, cls in REF["classes"].items():
        numeric = data[name].dtype.kind in "iuf"
        assert numeric == (cls in ("numeric", "integer")), f"{name}: {data[name].dtype} for R's {cls}"
    assert_close(data["h"], REF["h"], rtol=0)
    assert_close(data["w"], REF["w"], rtol=0)
    assert sorted(set(data["tt"])) == ["FALSE", "TRUE", "false", "true"]  # (pandas: True and False)
    assert sorted(set(data["tf"])) == ["false", "true"]


def test_the_fits_are_r_s():
    data = read_data(str(DIR / "data.csv"))
    for formula, ref in (("y ~ h + w + tt", REF["fit"]), ("y ~ tf", REF["fit_tf"])):
        fit = gs.glm(formula, data, family=gs.Poisson(), convergence="R")
        assert _names(fit) == ref["coef_names"]
        assert_close(fit.coef, ref["coef"], rtol=1e-7)
        assert_close([fit.deviance], [ref["deviance"]], rtol=1e-8)
        assert fit.nobs == ref["nobs"]


def test_a_nul_character_is_refused_where_it_is(tmp_path, capsys):
    # (pandas kept the NUL inside the field: the column of numbers became a factor of six levels, where R's
    # read.csv cuts the field at the NUL with a warning; a UTF-16 file's names did not match the formula)
    stray = tmp_path / "stray.csv"
    stray.write_bytes(b"y,x\n1.2,1\n2.3,2\x00\n2.9,3\n4.1,4\n5.5,5\n5.9,7\n")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("y,x\n1.2,1\n2.3,2\n".encode("utf-16-le"))
    for path, where in ((stray, "row 2, column 2"), (utf16, "the header (column 1)")):
        assert main(["fit", "y ~ x", str(path), "--family", "gaussian"]) == 1
        err = capsys.readouterr().err
        assert f"{where} holds a NUL character" in err and err.count("\n") == 1


def test_integers_beyond_64_bits_pass_the_nul_check(tmp_path):
    # (pandas holds them as Python ints in an object column, which has no .str: the NUL check raised a raw
    # AttributeError; R reads them as doubles)
    path = tmp_path / "big.csv"
    path.write_text("y,x\n1.2,1\n2.3,99999999999999999999\n2.9,-99999999999999999999\n")
    data = read_data(str(path))
    assert [float(v) for v in data["x"]] == [1.0, 1e20, -1e20]


def test_numbers_of_seventeen_digits_are_the_nearest_doubles(tmp_path):
    # (R's read.csv reads them with C's correctly rounded strtod; pandas before 3 parsed "0.69999999999999996" as
    # 0.6999999999999998 and "0.29999999999999999" as 0.2999999999999999 by default)
    path = tmp_path / "digits.csv"
    path.write_text("y,x\n1,0.69999999999999996\n2,0.29999999999999999\n3,0.10000000000000001\n4,1e-300\n")
    assert read_data(str(path))["x"].tolist() == [0.7, 0.3, 0.1, 1e-300]


def test_a_nul_byte_is_placed_by_the_file_scan_past_quoted_line_ends(tmp_path):
    # (the scan that finds a NUL where pandas' parser cut the field at it, before pandas 3: a quoted field's commas
    # and line ends are not the row's)
    from glmstat.rcsv import _nul_in_file

    path = tmp_path / "quoted.csv"
    path.write_bytes(b'y,g,x\n1,"a,\nb",1\n2,"say ""hi""",2\x00\n')
    assert _nul_in_file(path) == ["row 2, column 3"]
    path.write_bytes(b"y\x00,x\n1,2\n")
    assert _nul_in_file(path) == ["the header (column 1)"]
    path.write_bytes(b"")
    assert _nul_in_file(path) == []
    path.write_bytes(b"y,x\n1,2\n")
    assert _nul_in_file(path) == []
