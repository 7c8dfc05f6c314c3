"""A CSV column of numbers in R's forms that pandas leaves as text is read one distinct text at a time.

R's ``read.csv`` reads ``0x3`` (hexadecimal), ``7e`` (an exponent without digits) and `` 1 `` as numbers; pandas
leaves a column holding them as text, and the command line typed it as R's ``type.convert`` does, one field at a
time in Python: a 10 MB file of two million rows ``0x3`` took 10 s to read, where one of plain numbers takes 2.
Each distinct text is now read once (the count of reads is checked, not the time), to the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glmstat import rcsv

ROWS = 100_000


@pytest.mark.parametrize("texts, numbers", [(["0x1", "0x2", "0X1p3", "-0x10"], [1.0, 2.0, 8.0, -16.0]),
                                            (["7e", "1e", " 2 ", "3E+"], [7.0, 1.0, 2.0, 3.0])],
                         ids=["hex", "exponent"])
def test_each_distinct_text_is_read_once(monkeypatch, texts, numbers):
    reads = []
    real = rcsv.r_number
    monkeypatch.setattr(rcsv, "r_number", lambda v: reads.append(v) or real(v))
    column = pd.Series(np.resize(np.array(texts + [None], dtype=object), ROWS))
    typed = rcsv.r_column_types(pd.DataFrame({"x": column}))["x"].to_numpy()
    expected = np.resize(np.array(numbers + [np.nan]), ROWS)
    assert np.array_equal(typed, expected, equal_nan=True)
    assert sorted(reads) == sorted(texts)


def test_a_text_among_them_keeps_the_column_text():
    column = pd.Series(np.resize(np.array(["0x1", "0x2", "abc"], dtype=object), 30))
    typed = rcsv.r_column_types(pd.DataFrame({"x": column}))
    assert typed["x"].tolist() == column.tolist()
