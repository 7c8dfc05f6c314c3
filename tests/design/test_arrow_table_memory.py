"""An Arrow table as in-memory data is not copied: its numeric columns become views of the table's buffers, so
the columns a model does not use cost neither memory nor time (pandas' default conversion joined every float
column into one 2-D block, a copy of the whole table kept by the fit)."""

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

pa = pytest.importorskip("pyarrow")

ROWS, UNUSED = 100_000, 20  # (16 MB of columns the model never reads)


def _table() -> "pa.Table":
    r = np.random.default_rng(7)
    x = r.normal(size=ROWS)
    cols = {"y": (r.random(ROWS) < 1 / (1 + np.exp(-x))).astype(float), "x": x}
    cols.update({f"u{i}": r.normal(size=ROWS) for i in range(UNUSED)})
    cols["firm"] = r.integers(0, 50, ROWS)
    return pa.table(cols)


def test_a_fit_of_an_arrow_table_holds_no_copy_of_its_columns():
    table = _table()
    before = pa.total_allocated_bytes()
    fit = gs.glm("y ~ x", table, family=gs.Binomial())
    held = pa.total_allocated_bytes() - before  # (Arrow's pool: where pyarrow's conversion allocates)
    assert fit.converged
    assert held < ROWS * 8, f"the fit holds {held:,} bytes of converted columns"


def test_the_fit_of_an_arrow_table_is_the_fit_of_its_frame():
    table = _table()
    frame = pd.DataFrame({name: table.column(name).to_numpy() for name in table.column_names})
    from_table = gs.glm("y ~ x + u3", table, family=gs.Binomial())
    from_frame = gs.glm("y ~ x + u3", frame, family=gs.Binomial())
    np.testing.assert_array_equal(from_table.coef.to_numpy(), from_frame.coef.to_numpy())
    np.testing.assert_array_equal(from_table.std_errors.to_numpy(), from_frame.std_errors.to_numpy())
    # refits that read the fitted data again (update with a column the model did not use, a cluster column)
    np.testing.assert_array_equal(from_table.update(". ~ . + u5").coef.to_numpy(),
                                  from_frame.update(". ~ . + u5").coef.to_numpy())
    table_hc = from_table.robust("HC0", cluster="firm").std_errors.to_numpy()
    np.testing.assert_array_equal(table_hc, from_frame.robust("HC0", cluster="firm").std_errors.to_numpy())
