"""The per-row results of a fit to Parquet files are held in memory only within ``max_design_bytes``.

A Parquet file of 200 million rows of zeros takes 1.7 MB, and is fitted a row group at a time in bounded
memory (the threat model's promise).  Its ``augment()``, ``hat_values()``, residuals and predictions -- and the
predictions of new data given as such a file -- were concatenated into one pandas object whatever their size
(``augment()``: 16 GB), and ``fit.plot()`` read every row through ``augment()`` before it refused a fit of more
rows than it draws.  They are now refused from the files' metadata before any row is read, pointing to
``augment(path=...)``, which writes them block by block (still allowed); a dask fit's results stay lazy.
Here the limit is lowered so that the refusal shows on a small file.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

pytest.importorskip("pyarrow")

ROWS = 200_000
LIMIT = 2 * 2**20  # 2 MB: the fit (row groups of 10,000 rows) is within it; 200,000 rows' values are not


@pytest.fixture(scope="module")
def parquet_fit(tmp_path_factory):
    path = tmp_path_factory.mktemp("rows") / "rows.parquet"
    rng = np.random.default_rng(5)
    pd.DataFrame({"y": rng.poisson(2, ROWS).astype(float), "x": rng.normal(size=ROWS)}).to_parquet(
        path, row_group_size=10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("y ~ x", str(path), family=gs.Poisson(), limits=gs.FormulaLimits(max_design_bytes=LIMIT))
    return fit, path


CALLS = {  # name: (call, what the message names)
    "augment": (lambda f, p: f.augment(), "10 columns"),
    "hat_values": (lambda f, p: f.hat_values(), "hat"),
    "fitted_values": (lambda f, p: f.fitted_values, "fitted"),
    "residuals": (lambda f, p: f.residuals(), "resid_deviance"),
    "quantile-residuals": (lambda f, p: f.residuals("quantile", seed=1), "resid_quantile"),
    "predict": (lambda f, p: f.predict(), "[a-z_]+"),
    "predict-parquet-newdata": (lambda f, p: f.predict(str(p)), "[a-z_]+"),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_per_row_results_beyond_the_limit_are_refused(parquet_fit, name):
    fit, path = parquet_fit
    call, what = CALLS[name]
    with pytest.raises(gs.GLMStatError) as info:
        call(fit, path)
    message = str(info.value)
    assert re.match(rf"the 200,000 rows' results \(({what})\) would take \d+ MB in memory, more than the "
                    r"max_design_bytes of 2 MB; write them to a Parquet file block by block with "
                    r"fit\.augment\(path=\.\.\.\)", message), message


def test_augment_to_a_file_is_still_written(parquet_fit, tmp_path):
    fit, _ = parquet_fit
    out = fit.augment(str(tmp_path / "augmented.parquet"))
    table = pd.read_parquet(out)
    assert len(table) == ROWS and np.isclose(table["hat"].sum(), fit.rank)  # (the leverages sum to the rank)


def test_plot_refuses_before_it_reads_the_rows(parquet_fit, monkeypatch):
    """``fit.plot()`` of more rows than it draws said so only after ``augment()`` had read every row."""
    pytest.importorskip("matplotlib")
    from glmstat.report.plots import diagnostics

    fit, _ = parquet_fit
    monkeypatch.setattr(diagnostics, "MAX_STREAMED_ROWS", 1_000)
    read = []
    monkeypatch.setattr(gs.GLMResults, "augment", lambda self, *a, **k: read.append(1))
    with pytest.raises(gs.GLMStatError, match=r"^fit\.plot\(\) draws every row used, and this fit to streamed data "
                                              r"has 200000 \(more than 1000"):
        fit.plot()
    assert read == []


@pytest.mark.parametrize("path, message", [
    ("no/such/*.parquet", r"^newdata='no/such/\*.parquet' matches no Parquet file$"),
    ("no such file", r"^newdata is a string, so it must be the path of a Parquet file.*\(newdata must be"),
])
def test_a_newdata_path_naming_nothing_is_refused_as_newdata(path, message):
    # (a JSON string sent where records belong is read as a path: the message names the argument given)
    fit = gs.glm("y ~ x", pd.DataFrame({"y": [1.0, 2.0, 4.0, 3.0], "x": [1.0, 2.0, 3.0, 4.0]}))
    with pytest.raises(gs.DataError, match=message):
        fit.predict(path)
