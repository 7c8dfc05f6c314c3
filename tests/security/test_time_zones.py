"""A timestamp column whose time zone pyarrow does not know, in an Arrow table or a Parquet file from someone else.

An Arrow type names its time zone as any text (``timestamp[ns, tz=Not/AZone]``, ``+99:99``), and a Parquet file
keeps it in its stored Arrow schema; pyarrow cannot convert such a column to pandas (``ArrowInvalid``).  An
Arrow table holding one -- used by the model or not -- was passed to ``glm()`` (or to ``predict()``, which now
converts only the columns the model reads) as a raw
``ArrowInvalid``; a Parquet file's column the model reads was refused as "damaged or not valid Parquet".  Both
are now a DataError naming the column and its type (the file's unused columns are still never read).
"""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

N = 12
ZONES = ["Not/AZone", "+99:99", "x\x1b[2J"]


def _table(tz: str):
    return pa.table({"y": np.arange(N, dtype=float) % 3, "x": np.arange(N, dtype=float),
                     "t": pa.array(np.arange(N), type=pa.timestamp("ns", tz=tz))})


_REFUSAL = (r"^the Arrow table cannot be converted for fitting: 't' \(timestamp\[ns, tz=.*\]\) has a type pyarrow and "
            r"pandas cannot hold; drop it or cast it")


@pytest.mark.parametrize("tz", ZONES)
def test_an_arrow_table_with_an_unknown_time_zone_is_refused(tz):
    with pytest.raises(gs.DataError, match=_REFUSAL):
        gs.glm("y ~ x + t", _table(tz))


@pytest.mark.parametrize("tz", ZONES)
def test_an_unknown_time_zone_in_a_column_the_fit_does_not_read_is_refused_when_a_method_reads_it(tz):
    """Of an Arrow table given to ``glm()`` only the columns the model reads are converted
    (``tests/security/test_arrow_unused_columns.py``), as of new data; the others when a method asks for them."""
    fit = gs.glm("y ~ x", _table(tz))
    assert fit.converged
    with pytest.raises(gs.DataError, match=_REFUSAL):
        fit.model_frame.data


def test_new_data_with_an_unknown_time_zone_in_a_column_the_model_does_not_read_is_predicted():
    """Only the columns the model reads are converted from new data given as an Arrow table (its other columns, some
    30 us each, took 7 s for 200,000: ``tests/security/test_data_dict_unused_columns.py``), as a Parquet file's
    unused columns are never read; the column was refused unread before."""
    table = _table("Not/AZone")
    fit = gs.glm("y ~ x", table.drop_columns(["t"]))
    assert fit.predict(table).equals(fit.predict(table.drop_columns(["t"])))


@pytest.mark.parametrize("tz", ZONES)
def test_a_parquet_column_with_an_unknown_time_zone(tmp_path, tz):
    path = tmp_path / "zone.parquet"
    pq.write_table(_table(tz), path)
    assert "t" in pq.read_schema(path).names
    fit = gs.glm("y ~ x", str(path))  # (an unused column is not read)
    assert fit.coef.index.tolist() == ["Intercept", "x"]
    for formula in ("y ~ x + t", "y ~ ."):
        with pytest.raises(gs.DataError, match=r"^column 't' of '.*zone.parquet' holds timestamps in the time zone "
                                               r"'.*', which pyarrow does not know") as info:
            gs.glm(formula, str(path))  # (was: "cannot read row group 0 ...: its data is damaged")
        assert "\x1b" not in str(info.value)
    assert len(fit.predict(str(path))) == N  # (new data: only the model's columns are read)
