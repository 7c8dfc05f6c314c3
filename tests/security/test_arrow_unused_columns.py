"""Of an Arrow table (or a polars DataFrame) given to ``glm()`` only the columns the model reads are converted.

A column costs some 30 us to convert to pandas: ``glm("y ~ x + z", table)`` of a table of 200,000 columns took 6.9 s
of CPU time converting every one (new data given as a table already converted only the model's columns, as a dict
of columns is made a frame of them).  Counted here, not timed: the columns glmstat asks pyarrow to convert.  The fit's
other columns are converted when a method asks for them (``robust(cluster=)``, ``fit.model_frame.data``), and a
formula with ``.`` reads every column.  ``update(data=table)`` read the table's names by converting every column
before its refit converted the model's again.
"""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs

pa = pytest.importorskip("pyarrow")


def _table(extra: int):
    rng = np.random.default_rng(7)
    n = 40
    cols = {"y": rng.poisson(2.0, n).astype(float), "x": rng.normal(size=n), "z": rng.normal(size=n),
            "g": np.repeat(["a", "b", "c", "d"], 10)}
    cols.update({f"c{i}": np.zeros(n) for i in range(extra)})
    return pa.table(cols)


@pytest.fixture
def converted(monkeypatch) -> list:
    """The numbers of columns of each table pyarrow converts to pandas."""
    from glmstat.formula import arrow_tables

    seen = []
    real = arrow_tables.arrow_to_pandas

    def counted(table, *args, **kwargs):
        seen.append(table.num_columns)
        return real(table, *args, **kwargs)

    monkeypatch.setattr(arrow_tables, "arrow_to_pandas", counted)
    return seen


def test_only_the_model_columns_are_converted(converted):
    table = _table(extra=500)
    fit = gs.glm("y ~ x + z", table, family=gs.Poisson(), weights=None, subset="g != 'd'")
    assert converted and max(converted) <= 4  # (y, x, z and subset's g)
    same = gs.glm("y ~ x + z", table.to_pandas(), family=gs.Poisson(), subset="g != 'd'")
    np.testing.assert_allclose(fit.coef.to_numpy(), same.coef.to_numpy(), rtol=1e-12)


def test_other_columns_are_read_when_a_method_asks(converted):
    table = _table(extra=3)
    fit = gs.glm("y ~ x", table, family=gs.Poisson())
    assert max(converted) <= 2
    by_table = fit.robust("HC0", cluster="g").std_errors
    by_frame = gs.glm("y ~ x", table.to_pandas(), family=gs.Poisson()).robust("HC0", cluster="g").std_errors
    np.testing.assert_allclose(by_table.to_numpy(), by_frame.to_numpy(), rtol=1e-12)
    assert list(fit.model_frame.data.columns) == table.column_names


def test_a_dot_reads_every_column(converted):
    table = _table(extra=2).drop_columns(["g"])
    fit = gs.glm("y ~ .", table, family=gs.Poisson())
    assert max(converted) == 5 and len(fit.coef) == 5


def test_update_to_other_data_converts_the_model_columns_only(converted):
    table = _table(extra=300)
    fit = gs.glm("y ~ x", table.to_pandas(), family=gs.Poisson())
    refit = fit.update("~ . + z", data=table)
    assert max(converted) <= 3  # (the table's names read from its schema, not its columns converted)
    same = gs.glm("y ~ x + z", table.to_pandas(), family=gs.Poisson())
    np.testing.assert_allclose(refit.coef.to_numpy(), same.coef.to_numpy(), rtol=1e-12)
