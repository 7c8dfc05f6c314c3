"""A Parquet column whose type or values pandas cannot hold, in a file from someone else.

A valid file can hold a time of day in nanoseconds (``time64[ns]``, which pandas reads as Python's
``datetime.time`` and so cannot hold below the microsecond) or a date of ``date32`` beyond Python's year 9999
(2^31 - 1 days after 1970 is the year 5,881,580).  The model's column was refused as "cannot read row group 0
...: its data is damaged or not valid Parquet (ArrowInvalid)" (or ``ValueError``): a sound file blamed, and the
column not named.  A time of day is now refused from the schema, before any row is read, as a column of lists
is (and as a column of ``datetime.time`` in memory is refused); a value pandas cannot hold names its column and
its type.  A column the model does not use is still never read.
"""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

N = 12


def _write(tmp_path, column) -> str:
    path = tmp_path / "values.parquet"
    pq.write_table(pa.table({"y": np.arange(N, dtype=float) % 3, "x": np.arange(N, dtype=float), "t": column}), path)
    return str(path)


@pytest.mark.parametrize("kind", [pa.time64("ns"), pa.time64("us"), pa.time32("s")], ids=str)
def test_a_time_of_day_is_refused_before_it_is_read(tmp_path, kind):
    path = _write(tmp_path, pa.array(np.arange(1, N + 1), type=pa.int64() if kind.bit_width == 64 else pa.int32()
                                     ).cast(kind))
    fit = gs.glm("y ~ x", path)  # (an unused column is not read)
    for formula in ("y ~ x + t", "y ~ ."):
        with pytest.raises(gs.DataError, match=r"^column 't' of '.*values.parquet' holds time(32|64)\[[mun]?s\] "
                                               "values; a column must hold numbers, booleans or strings"):
            gs.glm(formula, path)
    assert len(fit.predict(path)) == N


def test_a_date_beyond_python_s_years_names_its_column(tmp_path):
    path = _write(tmp_path, pa.array([0] * (N - 1) + [2**31 - 1], type=pa.int32()).cast(pa.date32()))
    fit = gs.glm("y ~ x", path)
    for formula in ("y ~ x + as.numeric(as.Date(t))", "y ~ ."):
        with pytest.raises(gs.DataError, match=r"^cannot read row group 0 of '.*values.parquet': 't' \(date32\[day\]\) "
                                               "holds values pandas cannot hold"):
            gs.glm(formula, path)
    assert len(fit.predict(path)) == N
