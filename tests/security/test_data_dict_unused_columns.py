"""Data and new data given as a dict of many columns the model does not read.

Every column of the dict was made a pandas column before the formula was looked at, some 20 us a column: a dict of
200,000 columns of 5 rows (8 MB) took 5 s to fit ``y ~ x``, and ``predict()`` of new data given as a dict of a
million columns of 2 rows took 120 s (as a DataFrame: under a second).  Now only the columns the model reads are
made a frame: those the formula, ``weights=``, ``offset=`` and ``subset=`` name (all of them for a formula with
``.``), and for new data those the model's variables and offset read; the fit's other columns are made a frame
when a method asks for one (``robust(cluster=)``, ``update()``, ``add1()``).  Counted here by the columns whose
values are read from the dict, not timed.

Reference numbers: least squares of y = (1, 3, 2, 5, 4) on x = (1, ..., 5), slope cov(x, y) / var(x) = 8 / 10 and
intercept 3 - 0.8 * 3 = 0.6 (closed form).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

import glmstat as gs
from glmstat.formula import arrow_tables

WIDE = 20_000


class Counted(Mapping):
    """A dict of columns that records the columns whose values are read."""

    def __init__(self, columns: dict) -> None:
        self.columns = columns
        self.read: set = set()

    def __getitem__(self, key):
        self.read.add(key)
        return self.columns[key]

    def __iter__(self):
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)


def data(p: int = WIDE) -> Counted:
    d = {f"c{j}": np.zeros(5) for j in range(p)}
    d.update(x=np.array([1.0, 2, 3, 4, 5]), y=np.array([1.0, 3, 2, 5, 4]), w=np.ones(5),
             g=np.array(list("abaab"), dtype=object), site=np.array([7.0, 1, 3, 2, 5]))
    return Counted(d)


def test_a_fit_reads_only_the_columns_its_formula_and_arguments_name():
    d = data()
    fit = gs.glm("y ~ x", d, weights="w", subset="x > 0")
    assert d.read <= {"x", "y", "w"}, len(d.read)
    np.testing.assert_allclose(fit.coef.to_numpy(), [0.6, 0.8], rtol=1e-12)


def test_the_other_columns_are_still_there_for_the_methods_that_ask():
    fit = gs.glm("y ~ x", data())
    # (clusters of one row each: HC0's sandwich of the same fit)
    np.testing.assert_allclose(fit.robust("HC0", cluster="site").std_errors.to_numpy(),
                               fit.robust("HC0", cluster=np.arange(5)).std_errors.to_numpy(), rtol=1e-12)
    assert list(fit.update("~ . + g").coef.index) == ["Intercept", "x", "g[T.b]"]


def test_a_formula_with_a_dot_reads_every_column():
    d = data(3)
    fit = gs.glm("y ~ . - g - w - site", d)
    assert {"c0", "c1", "c2"} <= d.read
    assert len(fit.aliased) == 3  # (three columns of zeros)


def test_a_misspelt_column_is_still_suggested_among_every_column():
    with pytest.raises(gs.FormulaError, match="site"):
        gs.glm("y ~ sitex + x", data())


def test_new_data_reads_only_the_columns_the_model_reads():
    fit = gs.glm("y ~ x", data(3))
    new = data()
    new.columns["x"] = np.array([0.0, 10, 2, 2, 2])
    got = fit.predict(new)
    assert new.read <= {"x"}, len(new.read)
    np.testing.assert_allclose(got.to_numpy(), [0.6, 8.6, 2.2, 2.2, 2.2], rtol=1e-12)


def test_new_data_lacking_a_column_is_refused_naming_it():
    fit = gs.glm("y ~ x", data(3))
    new = data()
    del new.columns["x"]
    with pytest.raises(gs.DataError, match="lacks the column.*'x'"):
        fit.predict(new)


def test_the_model_matrix_of_new_data_reads_only_the_columns_the_model_reads():
    fit = gs.glm("y ~ x", data(3))
    new = data()
    got = fit.model_matrix(new)
    assert new.read <= {"x"}, len(new.read)
    np.testing.assert_array_equal(got.to_numpy(), np.column_stack([np.ones(5), [1.0, 2, 3, 4, 5]]))


def test_new_data_as_an_arrow_table_converts_only_the_columns_the_model_reads(monkeypatch):
    pa = pytest.importorskip("pyarrow")
    fit = gs.glm("y ~ x", data(3))
    table = pa.table({k: v for k, v in data().columns.items() if k != "g"})
    converted = []
    to_pandas = arrow_tables.arrow_to_pandas
    monkeypatch.setattr(arrow_tables, "arrow_to_pandas", lambda t, *a, **k: converted.append(t.num_columns)
                        or to_pandas(t, *a, **k))
    got = fit.predict(table)
    assert converted and max(converted) <= 1, converted
    np.testing.assert_allclose(got.to_numpy(), [1.4, 2.2, 3.0, 3.8, 4.6], rtol=1e-12)
