"""Columns of decimals (Python's ``Decimal`` in an object column; Arrow's and Parquet's ``decimal128`` and
``decimal256``, which pandas reads as such objects) whose distinct values one double holds.

A column of integers beyond 2^53 is marked inexact and a factor, ``==``, ``%in%`` or ``%%`` of it is refused ("holds
integers beyond 2^53 that a double cannot tell apart"): doubles would merge distinct ids into one level.  Decimals
were converted to doubles with no such mark, so ``factor(id)`` of a ``decimal128(38, 0)`` column of ids -- the type
databases and Spark write for wide keys -- silently made one level of ``10^30 + 0 ... 10^30 + 4``: a model of 2
levels where the data hold 6, with no warning; likewise Python ints beyond 2^53 among floats in an object column.
Such a decimal (one of more than 15 significant digits that no double holds) now marks the column as an integer
beyond 2^53 does, value by value, so a streamed file is checked in each row group alike.  Decimals such as money
amounts (``decimal(10, 2)``), which doubles tell apart, are read as before.  In-process: no time is involved.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

Y = [0, 1, 2, 3, 1, 2]
IDS = [Decimal(10**30 + i) for i in range(5)] + [Decimal(0)]  # (Decimal(10) ** 30 + i rounds to 28 digits)
MESSAGE = r"factor\(x\): the column 'x' holds numbers that a double cannot tell apart \(1000000000000000000000000000001"


def test_a_factor_of_decimal_ids_is_refused():
    data = pd.DataFrame({"y": Y, "x": IDS})
    with pytest.raises(gs.DataError, match=MESSAGE):
        gs.glm("y ~ factor(x)", data, family=gs.Poisson())
    with pytest.raises(gs.DataError, match="cannot tell them apart"):
        gs.glm("y ~ I(x == 0)", data, family=gs.Poisson())


def test_integers_beyond_doubles_among_floats_are_refused_in_a_factor():
    data = pd.DataFrame({"y": Y, "x": np.array([2**60 + 1, 2**60, 0.5, 1.5, 2.5, 3.5], dtype=object)})
    with pytest.raises(gs.DataError, match=r"holds numbers that a double cannot tell apart \(1152921504606846977 "):
        gs.glm("y ~ factor(x)", data, family=gs.Poisson())


@pytest.mark.parametrize("kind", ["table", "parquet"])
def test_a_factor_of_arrow_decimal_ids_is_refused(kind, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table({"y": pa.array(Y), "x": pa.array(IDS, pa.decimal128(38, 0))})
    data = table
    if kind == "parquet":
        pq.write_table(table, tmp_path / "ids.parquet", row_group_size=2)  # (the colliding ids in other row groups)
        data = str(tmp_path / "ids.parquet")
    with pytest.raises(gs.DataError, match=MESSAGE):
        gs.glm("y ~ factor(x)", data, family=gs.Poisson())


def test_decimals_that_doubles_tell_apart_are_read_as_numbers():
    money = [Decimal("12.50"), Decimal("3.10"), Decimal("12.50"), Decimal("0.01"), Decimal("1234567.89"),
             Decimal("3.10")]
    data = pd.DataFrame({"y": Y, "x": money})
    fit = gs.glm("y ~ factor(x)", data, family=gs.Poisson())
    assert fit.column_names == ["Intercept", "factor(x)[T.3.1]", "factor(x)[T.12.5]", "factor(x)[T.1234567.89]"]
    assert gs.glm("y ~ x", data, family=gs.Poisson()).nobs == 6
