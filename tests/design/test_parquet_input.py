"""``glm(formula, "file.parquet")``: a Parquet file, directory or glob read one row group at a time gives the
in-memory fit's numbers (1e-8), with the model spec learned from every row group; pyarrow Tables and polars
DataFrames are accepted as in-memory data."""

from __future__ import annotations

import dataclasses
import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from streamed_cases import (CASES, ESTIMATED, GROUP, N, assert_same_estimated_fit, assert_same_fit, computed,
                            assert_same_influence, assert_same_plots, close, data, fit, row_groups)

pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data()


@pytest.fixture(scope="module")
def path(frame, tmp_path_factory) -> str:
    return row_groups(frame, tmp_path_factory.mktemp("pq"))


@pytest.mark.parametrize("case", list(CASES))
def test_parquet_fit_equals_the_in_memory_fit(case, frame, path):
    formula, family, weights = CASES[case]
    mem = fit(formula, frame, family, weights)
    streamed = fit(formula, path, family, weights)
    assert_same_fit(streamed, mem, path, frame)
    assert streamed.rows_used.equals(mem.rows_used)  # positions in the file: the frame's RangeIndex


@pytest.mark.parametrize("case", list(ESTIMATED))
def test_estimated_theta_and_firth_from_parquet_equal_the_in_memory_fit(case, frame, path):
    """Theta's Newton steps and Firth's leverages as sums over the row groups: the in-memory numbers."""
    formula, family, weights, method = ESTIMATED[case]
    mem = fit(formula, frame, family, weights, method)
    assert_same_estimated_fit(fit(formula, path, family, weights, method), mem)


@pytest.mark.parametrize("below", [0, 1, "half a group"])
def test_influence_measures_of_a_parquet_fit_on_both_sides_of_the_block_size(below, frame, path, monkeypatch):
    """Influence cuts the rows into blocks of at most BLOCK_ROWS (8,192; lowered here): all the rows in one
    block, the rows over it by one, and every row group cut in two give the in-memory measures."""
    from glmstat.inference import influence

    formula = "count ~ x1 + g + h + offset(log(expo))"
    mem = fit(formula, frame, gs.Poisson(), None)
    n = mem.fit_data.source.n_rows
    monkeypatch.setattr(influence, "BLOCK_ROWS", GROUP // 2 if below == "half a group" else n - below)
    assert_same_influence(fit(formula, path, gs.Poisson(), None), mem)


@pytest.mark.parametrize("case", list(CASES))
def test_short_row_groups_read_together_give_the_in_memory_fit(case, frame, path, monkeypatch):
    """The 12 row groups of 200 rows read as one chunk (glmstat's default; conftest reads them one by one):
    the numbers of the in-memory fit, and of the fit read a row group at a time."""
    from glmstat.formula import readers

    formula, family, weights = CASES[case]
    by_group = fit(formula, path, family, weights)
    monkeypatch.setattr(readers, "RUN_ROWS", readers.BATCH_ROWS)
    reader = readers.ParquetReader.open(path)
    assert len(list(reader.chunks(reader.columns))) == 1
    together = fit(formula, path, family, weights)
    assert_same_fit(together, fit(formula, frame, family, weights), path, frame)
    close(together.coef, by_group.coef, what="coef")
    close(together.deviance, by_group.deviance, what="deviance")


def test_a_file_of_one_row_row_groups_is_read_in_few_chunks(tmp_path, monkeypatch):
    """5,000 row groups of one row each: read together, not one by one (a file of 20,000 such row groups, 4.6 MB,
    took 44 s to fit at ~2 ms a row group; now 5 s), as long as a run holds at most RUN_ROWS rows, reads at most
    the bytes of RUN_ROWS rows of numbers and at most the bytes max_design_bytes allows one read."""
    from glmstat.formula import readers

    monkeypatch.setattr(readers, "RUN_ROWS", readers.BATCH_ROWS)
    n = 5000
    d = pd.DataFrame({"y": (np.arange(n) % 7).astype(float), "x": np.arange(n, dtype=float) / n,
                      "g": np.array(["a", "b", "c"])[np.arange(n) % 3]})
    file = tmp_path / "one_row_groups.parquet"
    pq.write_table(pa.Table.from_pandas(d, preserve_index=False), file, row_group_size=1)
    reader = readers.ParquetReader.open(file)
    assert pq.ParquetFile(file).num_row_groups == n
    assert [len(c) for c in reader.chunks(("y", "x"))] == [n]
    # a run reads at most what a batch of RUN_ROWS rows of numbers does: a string's page takes more than 8 bytes
    assert sum(len(c) for c in reader.chunks(("y", "x", "g"))) == n
    assert len(list(reader.chunks(("y", "x", "g")))) < 10
    monkeypatch.setattr(readers, "RUN_ROWS", 2000)
    assert [len(c) for c in reader.chunks(("y", "x"))] == [2000, 2000, 1000]
    # a run stops where one more row group would take the reads beyond the bound (8 bytes a row of x, y)
    bounded = dataclasses.replace(reader, max_read_bytes=16 * 1500)
    assert [len(c) for c in bounded.chunks(("y", "x"))] == [1500, 1500, 1500, 500]
    streamed, mem = (fit("y ~ x + g", data, gs.Poisson(), None) for data in (str(file), d))
    close(streamed.coef, mem.coef, what="coef")
    close(streamed.deviance, mem.deviance, what="deviance")


def test_a_level_seen_only_in_the_last_row_group_is_a_column(path):
    f = fit("count ~ x1 + g", path, gs.Poisson(), None)
    assert "g[T.l99]" in f.column_names


def test_a_row_group_whose_rows_are_all_dropped_is_counted(frame, path):
    f = fit("count ~ x1 + x2", path, gs.Poisson(), None)
    assert f.dropped_by == {"x1": GROUP, "x2": int(frame["x2"].isna().sum())}
    assert f.n_dropped == int(frame[["x1", "x2"]].isna().any(axis=1).sum())
    with pytest.warns(gs.DroppedRowsWarning, match=f"{f.n_dropped} of {len(frame)} rows dropped"):
        gs.glm("count ~ x1 + x2", path, family=gs.Poisson())


def test_a_directory_and_a_glob_of_files_are_one_data_set(frame, tmp_path):
    for k in range(3):
        frame.iloc[k * 800:(k + 1) * 800].to_parquet(tmp_path / f"part{k}.parquet", row_group_size=GROUP)
    mem = fit("count ~ x1 + g + offset(log(expo))", frame, gs.Poisson(), None)
    for source in (str(tmp_path), str(tmp_path / "part*.parquet")):
        f = fit("count ~ x1 + g + offset(log(expo))", source, gs.Poisson(), None)
        close(f.coef, mem.coef)
        close(f.std_errors, mem.std_errors)


@pytest.mark.parametrize("layout", ["hive partitions", "a file beside a subdirectory"])
def test_a_directory_with_parquet_files_in_subdirectories_is_refused(layout, frame, tmp_path):
    """Reading the directory's own files only would leave the nested rows out without a word."""
    if layout == "hive partitions":  # (pandas' partition_cols: h=a/..., h=b/..., no file at the top)
        frame.to_parquet(tmp_path, partition_cols=["h"])
    else:
        frame.iloc[:1000].to_parquet(tmp_path / "top.parquet")
        (tmp_path / "more").mkdir()
        frame.iloc[1000:].to_parquet(tmp_path / "more" / "rest.parquet")
    glob = re.escape(repr(str(tmp_path / "**" / "*.parquet")))
    with pytest.raises(gs.DataError, match=f"has Parquet files in subdirectories .*{glob}.*dask") as info:
        gs.glm("count ~ x1", str(tmp_path), family=gs.Poisson())
    assert ("key=value" in str(info.value)) == (layout == "hive partitions")


def test_a_recursive_glob_reads_every_nested_file(frame, tmp_path):
    """dir/**/*.parquet reaches files at any depth (here h=.../g=.../*.parquet): the in-memory fit of the rows."""
    frame.to_parquet(tmp_path, partition_cols=["h", "g"])
    formula = "count ~ x1 + x2 + offset(log(expo))"
    mem = fit(formula, frame, gs.Poisson(), None)
    f = fit(formula, str(tmp_path / "**" / "*.parquet"), gs.Poisson(), None)
    assert (f.nobs, f.n_dropped) == (mem.nobs, mem.n_dropped)
    for q in ("coef", "std_errors", "deviance", "null_deviance", "aic"):
        close(getattr(f, q), getattr(mem, q), what=q)


def test_files_with_the_same_columns_in_another_order_are_one_data_set(frame, tmp_path):
    """Columns are read by name, so their order in each file does not matter: the in-memory fit."""
    frame.iloc[:1200].to_parquet(tmp_path / "a.parquet", row_group_size=GROUP)
    frame.iloc[1200:][frame.columns[::-1]].to_parquet(tmp_path / "b.parquet", row_group_size=GROUP)
    formula, family, weights = CASES["gamma_log_weights"]
    mem = fit(formula, frame, family, weights)
    f = fit(formula, str(tmp_path / "*.parquet"), family, weights)
    assert f.column_names == mem.column_names and f.rows_used.equals(mem.rows_used)
    for q in ("coef", "std_errors", "deviance", "aic"):
        close(getattr(f, q), getattr(mem, q), what=q)


@pytest.mark.parametrize("formula", ["count ~ x1 + x2", "count ~ x1 + log(abs(x2))", "count ~ x1 + g + h"])
def test_a_column_without_any_value_in_one_file_takes_the_type_of_the_others(formula, frame, tmp_path):
    """A file in which x2 (numeric) or g (strings) has no value at all stores the column as Arrow's null type:
    it carries no type, its rows are dropped for the missing value and counted, and the fit is the in-memory
    fit of the same rows; predicting that file gives NaN for every row."""
    middle = frame.iloc[800:1600].copy()
    middle["x2"] = middle["g"] = None  # (object columns of None only: Parquet's null type)
    frame.iloc[:800].to_parquet(tmp_path / "a.parquet", row_group_size=GROUP)
    middle.to_parquet(tmp_path / "b.parquet", row_group_size=GROUP)
    assert pa.types.is_null(pq.ParquetFile(tmp_path / "b.parquet").schema_arrow.field("x2").type)
    frame.iloc[1600:].to_parquet(tmp_path / "c.parquet", row_group_size=GROUP)
    same = frame.copy()
    same.loc[800:1599, "x2"] = np.nan
    same.loc[800:1599, "g"] = None
    mem = fit(formula, same, gs.Poisson(), None)
    f = fit(formula, str(tmp_path / "*.parquet"), gs.Poisson(), None)
    assert f.column_names == mem.column_names
    assert (f.n_dropped, f.dropped_by) == (mem.n_dropped, mem.dropped_by)
    assert f.rows_used.equals(mem.rows_used)
    for q in ("coef", "std_errors", "deviance"):
        close(getattr(f, q), getattr(mem, q), what=q)
    close(f.hat_values(), mem.hat_values())
    assert f.predict(str(tmp_path / "b.parquet")).isna().all()


def test_files_with_different_columns_are_refused(frame, tmp_path):
    frame.to_parquet(tmp_path / "a.parquet")
    frame.drop(columns=["w"]).to_parquet(tmp_path / "b.parquet")
    with pytest.raises(gs.DataError, match="do not all have the same columns"):
        gs.glm("count ~ x1", str(tmp_path), family=gs.Poisson())


def _refit_each_pass(frame, tmp_path, monkeypatch):
    """A Poisson fit to a file of ``frame`` that every pass reads again (as data over KEEP_BYTES), its path and
    the in-memory fit."""
    from glmstat.design import chunked

    monkeypatch.setattr(chunked, "KEEP_BYTES", 0)
    path = tmp_path / "rows.parquet"
    frame.to_parquet(path, row_group_size=GROUP, index=False)
    formula, family, weights = CASES["poisson_offset"]
    return fit(formula, str(path), family, weights), path, fit(formula, frame, family, weights)


def test_a_file_rewritten_after_the_fit_is_refused_by_name(frame, tmp_path, monkeypatch):
    f, path, mem = _refit_each_pass(frame, tmp_path, monkeypatch)
    close(f.hat_values(), mem.hat_values())  # (the file as fitted: the numbers)
    pd.concat([frame, frame.head(500)]).to_parquet(path, row_group_size=GROUP, index=False)
    changed = f"Parquet file '{re.escape(str(path))}' changed since the fit"
    for call in (f.hat_values, lambda: f.robust("HC0"), f.std_residuals, lambda: f.anova(test="Chisq"),
                 lambda: f.emmeans("h"), lambda: f.update("~ . - h")):
        with pytest.raises(gs.DataError, match=changed):
            call()


def test_other_rows_that_the_file_stamps_miss_are_refused(frame, tmp_path, monkeypatch):
    """Should a file change in a way its size, time, row groups and footer do not show, a pass that reads
    another number of rows still refuses its result (or the read of a row group the footer stamped with the
    file refuses the file)."""
    from glmstat.formula.readers import FileStamp

    f, path, _ = _refit_each_pass(frame, tmp_path, monkeypatch)
    frame.head(N - GROUP).to_parquet(path, row_group_size=GROUP, index=False)
    monkeypatch.setattr(FileStamp, "check", lambda self: None)
    monkeypatch.setattr(FileStamp, "check_row_groups", lambda self, parquet_file: None)
    for call in (f.hat_values, lambda: f.robust("HC0")):
        with pytest.raises(gs.DataError, match=f"has {N - GROUP} rows .* made from {N} rows .* changed since|"
                                               "row group 11 of .* damaged"):
            call()


def test_a_files_footer_is_parsed_once_and_its_change_refused(frame, tmp_path, monkeypatch):
    # every pass parsed every file's footer again: 70 MB of metadata in a 90 MB file took a fit to 2 GB of
    # memory, growing with each pass; the footer parsed when the file was opened is used, and its bytes compared
    f, path, mem = _refit_each_pass(frame, tmp_path, monkeypatch)
    opened = []
    real = pq.ParquetFile
    monkeypatch.setattr(pq, "ParquetFile", lambda *a, **k: opened.append(k.get("metadata")) or real(*a, **k))
    close(f.hat_values(), mem.hat_values())
    assert opened and all(m is not None for m in opened)
    stat = path.stat()
    raw = bytearray(path.read_bytes())  # (one byte of the footer: same size and time, same rows)
    at = len(raw) - 8 - int.from_bytes(raw[-8:-4], "little") + 10
    raw[at] ^= 1
    path.write_bytes(bytes(raw))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(gs.DataError, match="changed since the fit read it \\(its footer differs\\)"):
        f.hat_values()


def test_a_file_that_is_not_parquet_is_refused_without_quoting_it(tmp_path):
    bad = tmp_path / "secret.parquet"
    bad.write_text("password=hunter2\n")
    with pytest.raises(gs.DataError, match="not a valid Parquet file") as info:
        gs.glm("y ~ x", str(bad))
    assert "hunter2" not in str(info.value)


def test_na_action_raise_and_array_weights_are_refused_on_streamed_data(path):
    with pytest.raises(gs.DataError, match="na_action='raise'"):
        gs.glm("count ~ x1", path, family=gs.Poisson(), na_action="raise")
    with pytest.raises(gs.DataError, match="must name a column of streamed data"):
        gs.glm("count ~ x1", path, family=gs.Poisson(), weights=np.ones(10))


def test_profile_intervals_of_named_coefficients(frame, path):
    mem = fit("count ~ x1 + h + offset(log(expo))", frame, gs.Poisson(), None)
    streamed = fit("count ~ x1 + h + offset(log(expo))", path, gs.Poisson(), None)
    parm = ["x1", "h[T.b]"]
    close(streamed.conf_int(method="profile", parm=parm), mem.conf_int(method="profile", parm=parm))
    assert list(streamed.conf_int(parm="x1").index) == ["x1"]


def _residual_block(text: str) -> str:
    return text.split("Deviance Residuals:")[1].split("Coefficients:")[0]


def test_summary_of_a_streamed_fit_prints_quartiles_or_extremes(frame, path, monkeypatch):
    """Up to summary.QUARTILE_ROWS rows a streamed fit's summary shows R's quartiles of the deviance residuals,
    as the in-memory fit's does; beyond, their minimum and maximum (one pass, nothing held)."""
    from glmstat.report import summary as summary_module

    mem = fit("count ~ x1 + h", frame, gs.Poisson(), None)
    small = str(fit("count ~ x1 + h", path, gs.Poisson(), None).summary())
    assert "1Q" in small and _residual_block(small) == _residual_block(str(mem.summary()))
    monkeypatch.setattr(summary_module, "QUARTILE_ROWS", 5)
    text = str(fit("count ~ x1 + h", path, gs.Poisson(), None).summary())
    resid = mem.residuals("deviance")
    assert "Min" in text and "Max" in text and "1Q" not in text
    assert f"{resid.min():.4f}"[:5] in text and "Residual deviance" in text


def test_overdispersion_check_of_a_streamed_fit(frame, path):
    mem = fit("count ~ x1 + h", frame, gs.Poisson(), None).overdispersion()
    streamed = fit("count ~ x1 + h", path, gs.Poisson(), None).overdispersion()
    close([streamed.pearson_chi2, streamed.alpha, streamed.score_statistic],
          [mem.pearson_chi2, mem.alpha, mem.score_statistic])


def test_pyarrow_table_and_polars_frame_are_in_memory_data(frame):
    mem = fit("count ~ x1 + g + offset(log(expo))", frame, gs.Poisson(), None)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    close(fit("count ~ x1 + g + offset(log(expo))", table, gs.Poisson(), None).coef, mem.coef, rtol=1e-12)
    pl = pytest.importorskip("polars")
    close(fit("count ~ x1 + g + offset(log(expo))", pl.from_pandas(frame), gs.Poisson(), None).coef, mem.coef,
          rtol=1e-12)


def test_predicting_a_parquet_path_numbers_its_rows(frame, path):
    f = fit("count ~ x1 + h", path, gs.Poisson(), None)
    p = f.predict(path)
    assert p.index.equals(pd.RangeIndex(len(frame)))
    assert np.isnan(p.iloc[5 * GROUP])  # x1 missing: no prediction


@pytest.mark.parametrize("formula", ["count ~ x1 + __import__('os').system('true')",
                                     "count ~ x1 + open('/etc/passwd')"])
def test_a_formula_cannot_run_code_on_streamed_data(path, formula):
    with pytest.raises(gs.GLMStatError):
        gs.glm(formula, path, family=gs.Poisson())


def test_string_levels_are_sorted_whatever_order_the_file_meets_them(tmp_path):
    """Strings are read through the file's dictionary (first-appearance order): the levels are still sorted, as
    the in-memory front end (and R's factor()) sorts them, so the reference level is the same."""
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"g": np.array(["pear", "apple", "fig"] * 40, dtype=object), "x": rng.normal(size=120)})
    d["y"] = rng.poisson(2.0, size=120).astype(float)
    d.to_parquet(tmp_path / "one_group.parquet", row_group_size=1000)
    mem = fit("y ~ g + x", d, gs.Poisson(), None)
    f = fit("y ~ g + x", str(tmp_path / "one_group.parquet"), gs.Poisson(), None)
    assert f.column_names == mem.column_names == ["Intercept", "g[T.fig]", "g[T.pear]", "x"]
    close(f.coef, mem.coef)


@pytest.mark.parametrize("layout", ["same schema", "a column without values in some files", "categoricals"])
def test_many_small_files_are_read_in_few_chunks(layout, tmp_path, monkeypatch):
    """Consecutive files' short row groups are read together, as one file's are (3,000 files of one row took 17 s
    to fit, each a chunk in every pass): one chunk for files of one schema; the fit is the in-memory fit's,
    whatever each file's dictionary, a column stored without a type, or a Categorical's own order."""
    from glmstat.formula import readers

    monkeypatch.setattr(readers, "RUN_ROWS", readers.BATCH_ROWS)
    d = _strings_frame()
    for i in range(0, len(d), 3):
        part = d.iloc[i:i + 3]
        if layout == "categoricals":  # (the order each file declares is not another file's: levels sorted)
            cats = ["pear", "fig", "apple"] if i % 2 else ["fig", "apple", "pear"]
            part = part.assign(g=pd.Categorical(part["g"], categories=cats))
        table = pa.Table.from_pandas(part, preserve_index=False)
        if layout == "a column without values in some files" and i % 9 == 0:
            table = table.set_column(0, "g", pa.nulls(len(part)))
        pq.write_table(table, tmp_path / f"part{i:04d}.parquet")
    reader = readers.ParquetReader.open(str(tmp_path))
    chunks = list(reader.chunks(reader.columns))
    assert sum(len(c) for c in chunks) == len(d)
    assert len(chunks) == (1 if layout == "same schema" else len(reader.files) if layout == "categoricals" else 27)
    mem = d.assign(g=d["g"].where(np.arange(len(d)) % 9 >= 3)) if "without" in layout else d
    f = fit("y ~ g + x", str(tmp_path), gs.Poisson(), None)
    want = fit("y ~ g + x", mem, gs.Poisson(), None)
    assert f.column_names == want.column_names == ["Intercept", "g[T.fig]", "g[T.pear]", "x"]
    close(f.coef, want.coef)


def _strings_frame() -> pd.DataFrame:
    """120 rows whose strings g first appear in the order pear, apple, fig (not sorted)."""
    rng = np.random.default_rng(3)
    return pd.DataFrame({"g": np.array(["pear", "apple", "fig"] * 40, dtype=object), "x": rng.normal(size=120),
                         "y": rng.poisson(2.0, size=120).astype(float)})


def _encoded_strings(kind: str, d: pd.DataFrame, tmp_path):
    """The strings of ``d`` dictionary-encoded by pyarrow or polars, in memory or in Parquet files."""
    table = pa.table({"g": pa.array(d["g"].tolist()).dictionary_encode(), "x": d["x"], "y": d["y"]})
    if kind == "arrow dictionary":
        return table
    if kind == "polars categorical":
        pl = pytest.importorskip("polars")
        return pl.from_pandas(d).with_columns(pl.col("g").cast(pl.Categorical))
    if kind == "one shared dictionary":
        pq.write_table(table, tmp_path / "shared.parquet", row_group_size=30)
        return str(tmp_path / "shared.parquet")
    if kind == "dictionaries that differ by file":
        for name, part in (("a", d.iloc[2:]), ("b", d.iloc[:2])):  # fig, pear, apple; pear, apple
            pq.write_table(pa.table({"g": pa.array(part["g"].tolist()).dictionary_encode(), "x": part["x"],
                                     "y": part["y"]}), tmp_path / f"{name}.parquet")
        return str(tmp_path / "*.parquet")
    # pandas Categoricals whose categories are in two other orders, one per file: no one order declared
    for name, rows, cats in (("a", slice(None, 60), ["pear", "fig", "apple"]),
                             ("b", slice(60, None), ["fig", "apple", "pear"])):
        part = d.iloc[rows]
        part.assign(g=pd.Categorical(part["g"], categories=cats)).to_parquet(tmp_path / f"cat{name}.parquet")
    return str(tmp_path / "cat*.parquet")


@pytest.mark.parametrize("kind", ["arrow dictionary", "polars categorical", "one shared dictionary",
                                  "dictionaries that differ by file", "pandas categoricals that differ by file"])
def test_dictionary_encoded_strings_have_the_levels_of_plain_strings(kind, tmp_path):
    """An unordered Arrow dictionary (a polars Categorical, a Parquet dictionary column) only encodes strings:
    its levels are sorted, as the plain strings', whatever order the dictionary and the row groups have; so are
    the levels of pandas Categoricals whose files declare different orders."""
    d = _strings_frame()
    mem = fit("y ~ g + x", d, gs.Poisson(), None)
    f = fit("y ~ g + x", _encoded_strings(kind, d, tmp_path), gs.Poisson(), None)
    assert f.column_names == mem.column_names == ["Intercept", "g[T.fig]", "g[T.pear]", "x"]
    close(f.coef, mem.coef)


def test_a_dictionary_that_repeats_a_value_is_read_as_its_values():
    """An Arrow dictionary may hold a value twice (pandas' Categorical may not: a raw ValueError from glm(table)
    and predict(table)): its values are the strings, as in any other dictionary; an ordered one has no order."""
    d = _strings_frame()
    g = d["g"].to_numpy()
    codes = np.select([g == "pear", g == "apple"], [0, 1], 3).astype(np.int32)
    codes[(g == "pear") & (np.arange(len(d)) % 2 == 1)] = 2  # (half the pears coded by the second "pear")
    table = pa.table({"g": pa.DictionaryArray.from_arrays(codes, ["pear", "apple", "pear", "fig"]), "x": d["x"],
                      "y": d["y"]})
    mem = fit("y ~ g + x", d, gs.Poisson(), None)
    f = fit("y ~ g + x", table, gs.Poisson(), None)
    assert f.column_names == mem.column_names == ["Intercept", "g[T.fig]", "g[T.pear]", "x"]
    close(f.coef, mem.coef)
    close(mem.predict(table).to_numpy(), mem.predict(d).to_numpy())
    ordered = table.set_column(0, "g", pa.DictionaryArray.from_arrays(codes, ["pear", "apple", "pear", "fig"],
                                                                      ordered=True))
    with pytest.raises(gs.DataError, match="column 'g' is an ordered dictionary that holds a value twice"):
        gs.glm("y ~ g + x", ordered, family=gs.Poisson())


@pytest.mark.parametrize("kind", ["file", "file in 30-row row groups", "arrow table", "record batch"])
def test_dictionary_entries_no_row_uses_are_not_levels(kind, tmp_path):
    """An unordered dictionary of strings may hold entries no row uses (here 50,000 around the used ones, and a
    missing value): they are not levels, and the fit and its predictions are those of the plain strings.  (They
    were carried as levels until the model frame dropped them: with a million, 22 s to fit a 12-row file.)"""
    d = _strings_frame().assign(g=lambda f: f["g"].where(np.arange(len(f)) != 3))
    entries = [f"u{i}" for i in range(25_000)] + ["pear", "fig", "apple"] + [f"v{i}" for i in range(25_000)]
    codes = pa.array(d["g"].map({"pear": 25_000, "fig": 25_001, "apple": 25_002}), pa.int32(), from_pandas=True)
    table = pa.table({"g": pa.DictionaryArray.from_arrays(codes, entries), "x": d["x"], "y": d["y"]})
    if kind.startswith("file"):
        pq.write_table(table, tmp_path / "g.parquet", row_group_size=30 if "row groups" in kind else None)
        data = str(tmp_path / "g.parquet")
    else:
        data = table if kind == "arrow table" else table.to_batches()[0]
    mem = fit("y ~ g + x", d, gs.Poisson(), None)
    f = fit("y ~ relevel(g, ref = 'fig') + x", data, gs.Poisson(), None)
    assert f.column_names[1:3] == ["relevel(g, ref = \"fig\")[T.apple]", "relevel(g, ref = \"fig\")[T.pear]"]
    close(fit("y ~ g + x", data, gs.Poisson(), None).coef, mem.coef)
    close(mem.predict(data).to_numpy(), mem.predict(d).to_numpy())


def _categorical_frame() -> pd.DataFrame:
    """The strings of :func:`_strings_frame` as an unordered pandas Categorical whose categories are in neither
    sorted nor first-appearance order, with a category no row uses."""
    d = _strings_frame()
    return d.assign(g=pd.Categorical(d["g"], categories=["pear", "unused", "fig", "apple"]))


@pytest.mark.parametrize("kind", ["file", "file in 30-row row groups", "two files", "arrow table",
                                  "pd.read_parquet"])
def test_a_pandas_categorical_keeps_its_order_through_parquet_and_arrow(kind, tmp_path):
    """A pandas Categorical written to Parquet (or converted to an Arrow table) keeps its categories' order,
    as ``pd.read_parquet``, dask and R's arrow read it back: the same reference level and columns as the
    DataFrame it came from (its unused category dropped, as R's model frame drops it)."""
    d = _categorical_frame()
    mem = fit("y ~ g + x", d, gs.Poisson(), None)
    assert mem.column_names == ["Intercept", "g[T.fig]", "g[T.apple]", "x"]
    if kind == "arrow table":
        source = pa.Table.from_pandas(d)
    elif kind == "two files":
        d.iloc[:50].to_parquet(tmp_path / "a.parquet")
        d.iloc[50:].to_parquet(tmp_path / "b.parquet")
        source = str(tmp_path / "*.parquet")
    else:
        path = tmp_path / "cat.parquet"
        d.to_parquet(path, row_group_size=30 if "30" in kind else None)
        source = pd.read_parquet(path) if kind == "pd.read_parquet" else str(path)
    f = fit("y ~ g + x", source, gs.Poisson(), None)
    assert f.column_names == mem.column_names
    close(f.coef, mem.coef)


def test_declared_level_orders_are_kept(tmp_path):
    """A pandas Categorical in memory, an ordered one in a Parquet file or a pyarrow Table, and a polars Enum
    keep their declared order (as R's factor levels), ordered factors their polynomial contrasts."""
    d = _strings_frame()
    declared = pd.Categorical(d["g"], categories=["pear", "fig", "apple"])
    mem = fit("y ~ g + x", d.assign(g=declared), gs.Poisson(), None)
    assert mem.column_names == ["Intercept", "g[T.fig]", "g[T.apple]", "x"]
    ordered = d.assign(g=declared.as_ordered())
    mem = fit("y ~ g + x", ordered, gs.Poisson(), None)
    ordered.to_parquet(tmp_path / "ordered.parquet", row_group_size=30)
    pl = pytest.importorskip("polars")
    enum = pl.from_pandas(d).with_columns(pl.col("g").cast(pl.Enum(["pear", "fig", "apple"])))
    for source in (str(tmp_path / "ordered.parquet"), pa.Table.from_pandas(ordered), enum):
        f = fit("y ~ g + x", source, gs.Poisson(), None)
        assert f.column_names == mem.column_names == ["Intercept", "g[.L]", "g[.Q]", "x"]
        close(f.coef, mem.coef)


def test_a_categorical_of_numbers_stored_as_numbers_is_named_in_a_warning(tmp_path):
    """Arrow writes a pandas Categorical of numbers to Parquet as its values (``pd.read_parquet`` reads numbers
    back): fitted from the file (or the Arrow table read from it), the bare column is a number where the DataFrame made
    it a factor, so glm() says which column and how to ask for the factor; ``factor(k)`` is the factor and warns of
    nothing."""
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"k": pd.Categorical(rng.integers(1, 4, 90)), "x": rng.normal(size=90)})
    d["y"] = rng.poisson(2.0, size=90).astype(float)
    d.to_parquet(tmp_path / "k.parquet", row_group_size=40)
    source = str(tmp_path / "k.parquet")
    with pytest.warns(gs.DataWarning, match=r"column 'k' was a pandas Categorical .* write 'factor\(k\)'"):
        numeric = fit("y ~ k + x", source, gs.Poisson(), None)
    assert numeric.column_names == ["Intercept", "k", "x"]
    close(numeric.coef, fit("y ~ k + x", pd.read_parquet(source), gs.Poisson(), None).coef)
    with pytest.warns(gs.DataWarning, match=r"column 'k' was a pandas Categorical"):  # (the file read by pyarrow)
        close(fit("y ~ k + x", pq.read_table(source), gs.Poisson(), None).coef, numeric.coef)
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.DataWarning)
        factor = fit("y ~ factor(k) + x", source, gs.Poisson(), None)
        fit("y ~ x", source, gs.Poisson(), None)  # (k not in the model)
    close(factor.coef, fit("y ~ k + x", d, gs.Poisson(), None).coef)
    # a name from the file with a line break is escaped, not printed as a line of its own
    d.rename(columns={"k": "k\nfake line"}).to_parquet(tmp_path / "nl.parquet")
    with pytest.warns(gs.DataWarning) as caught:
        fit("y ~ `k\nfake line` + x", str(tmp_path / "nl.parquet"), gs.Poisson(), None)
    assert "\n" not in str(caught[0].message)


@pytest.mark.parametrize("kind", ["HC0", "HC1"])
def test_cluster_robust_covariance_of_a_parquet_fit(kind, frame, path):
    mem = fit("count ~ x1 + h + offset(log(expo))", frame, gs.Poisson(), None)
    f = fit("count ~ x1 + h + offset(log(expo))", path, gs.Poisson(), None)
    close(f.robust(kind, cluster="g").std_errors, mem.robust(kind, cluster="g").std_errors)
    said = [line for line in str(f.robust(kind, cluster="g").summary()).splitlines() if "clustered" in line]
    assert said and said == [line for line in str(mem.robust(kind, cluster="g").summary()).splitlines()
                             if "clustered" in line]
    # (clustered HC3 gathers each cluster's rows: tests/inference/test_robust_streamed_clusters.py)
    close(f.robust("HC3", cluster="g").std_errors, mem.robust("HC3", cluster="g").std_errors)
    with pytest.raises(gs.DataError, match="must name a column"):
        f.robust("HC0", cluster=np.zeros(10))


def test_a_bad_cluster_column_is_refused_in_the_words_of_the_in_memory_fit(frame, path):
    """A cluster column with missing values among the rows used, or a misspelt one: the message names the
    column (and the first row) as in memory (it said "the cluster variable", and the bare name)."""
    mem = fit("count ~ h + offset(log(expo))", frame, gs.Poisson(), None)
    f = fit("count ~ h + offset(log(expo))", path, gs.Poisson(), None)
    for cluster in ("x2", "x22"):
        with pytest.raises(gs.DataError) as streamed:
            f.robust("HC0", cluster=cluster)
        with pytest.raises(gs.DataError) as in_memory:
            mem.robust("HC0", cluster=cluster)
        assert str(streamed.value) == str(in_memory.value)
        assert f"cluster='{cluster}'" in str(streamed.value) or f"cluster '{cluster}' is missing for 30" in str(
            streamed.value)


def test_augment_streams_to_a_parquet_file(frame, path, tmp_path):
    mem = fit("count ~ x1 + h + offset(log(expo))", frame, gs.Poisson(), None)
    f = fit("count ~ x1 + h + offset(log(expo))", path, gs.Poisson(), None)
    out = f.augment(path=tmp_path / "augment.parquet")
    written = pd.read_parquet(out)
    assert pq.ParquetFile(out).num_row_groups > 1  # written block by block
    expected = mem.augment()
    assert list(written["row"]) == list(expected.index)
    for c in expected.columns:
        close(written[c], expected[c], what=c)
    mem_out = pd.read_parquet(mem.augment(path=tmp_path / "mem.parquet"))
    close(mem_out["hat"], expected["hat"])


def test_nested_streamed_models_compare_as_in_memory(frame, path):
    small = [fit("count ~ x1 + h", src, gs.Poisson(), None) for src in (path, frame)]
    big = [fit("count ~ x1 + h + g", src, gs.Poisson(), None) for src in (path, frame)]
    a, b = gs.anova(small[0], big[0]), gs.anova(small[1], big[1])
    close(a["deviance"].iloc[1:], b["deviance"].iloc[1:])
    close(a["p_value"].iloc[1:], b["p_value"].iloc[1:])
    with pytest.raises(gs.GLMStatError, match="not nested in model 2"):
        gs.anova(fit("count ~ x1 + x2 + h", path, gs.Poisson(), None),
                 fit("count ~ x1 + g + x2", path, gs.Poisson(), None))


@pytest.mark.parametrize("small, big", [("count ~ 1", "count ~ 0 + h"), ("count ~ x1", "count ~ 0 + h + x1"),
                                        ("count ~ h", "count ~ 0 + h + g"), ("count ~ x1", "count ~ 0 + g:h + x1")])
def test_a_model_without_intercept_spans_it_by_a_factor_coded_by_all_levels(small, big, frame, path):
    """R codes a factor of a model without intercept by all its levels' indicators, which sum to the constant:
    ``count ~ 1`` is nested in ``count ~ 0 + h``, for streamed rows as in memory."""
    a, b = ([fit(f, src, gs.Poisson(), None) for f in (small, big)] for src in (path, frame))
    streamed, mem = gs.anova(*a, test="Chisq"), gs.anova(*b, test="Chisq")
    assert streamed["df"].iloc[1] == mem["df"].iloc[1] > 0
    close(streamed["deviance"].iloc[1:], mem["deviance"].iloc[1:])
    close(streamed["p_value"].iloc[1:], mem["p_value"].iloc[1:])


def test_a_factor_times_a_number_does_not_span_the_constant(path):
    with pytest.raises(gs.GLMStatError, match="not nested in model 2"):
        gs.anova(fit("count ~ x1", path, gs.Poisson(), None), fit("count ~ 0 + h:x1 + x1", path, gs.Poisson(), None))


def test_update_add1_and_step_refit_from_the_same_files(frame, path):
    formula = "count ~ x1 + h + g + offset(log(expo))"
    mem, f = fit(formula, frame, gs.Poisson(), None), fit(formula, path, gs.Poisson(), None)
    up_m, up_s = mem.update("~ . - g + x2"), f.update("~ . - g + x2")
    assert up_s.formula == up_m.formula and not up_s.model_frame.in_memory
    assert (up_s.n_dropped, up_s.dropped_by) == (up_m.n_dropped, up_m.dropped_by)
    close(up_s.coef, up_m.coef, what="update")
    close(up_s.std_errors, up_m.std_errors, what="update se")
    a, b = f.add1("~ . + x1:h", test="F"), mem.add1("~ . + x1:h", test="F")
    assert list(a.index) == list(b.index) == ["<none>", "x1:h"]
    for c in ("deviance", "aic", "statistic", "p_value"):
        close(a[c].iloc[1:], b[c].iloc[1:], what=f"add1 {c}")
    scope = {"lower": "~ x1"}
    s_m, s_s = mem.step(scope=scope, k=np.log(mem.nobs)), f.step(scope=scope, k=np.log(f.nobs))
    assert s_s.formula == s_m.formula == "count ~ x1 + offset(log(expo))"  # two steps: - g, then - h
    assert list(s_s.step_path["step"]) == list(s_m.step_path["step"])
    for c in ("deviance", "resid_dev", "aic"):
        close(s_s.step_path[c], s_m.step_path[c], what=f"step path {c}")
    close(s_s.coef, s_m.coef, what="step")


def test_add1_rao_scores_of_a_weighted_parquet_fit(frame, path):
    mem, f = (fit("pos ~ x1 + h", src, gs.Gamma(link="log"), "w") for src in (frame, path))
    a, b = f.add1("~ . + x1:h", test="Rao"), mem.add1("~ . + x1:h", test="Rao")
    assert np.all(b["statistic"].iloc[1:] > 1)  # (a score that is not 0: the comparison means something)
    close(a["statistic"].iloc[1:], b["statistic"].iloc[1:])
    close(a["p_value"].iloc[1:], b["p_value"].iloc[1:])


def test_a_candidate_that_changes_the_rows_used(frame, path):
    """The refit reads every row of the files again: a candidate whose variables have other missing values
    uses other rows.  add1 then fits every model of its table to the rows complete for all of them, as R's
    add1.glm (its "combined fit"), the same table as in memory; step refuses (R's "number of rows in use has
    changed")."""
    mem, f = (fit("count ~ x1 + h", src, gs.Poisson(), None) for src in (frame, path))
    tables = []
    for g in (mem, f):
        with pytest.warns(gs.DroppedRowsWarning, match=r"using the (\d+)/2200 rows from a combined fit"):
            tables.append(g.add1("~ . + x2", test="LRT"))
    a, b = tables
    assert list(a.index) == list(b.index) == ["<none>", "x2"]
    for c in ("deviance", "aic", "statistic", "p_value"):
        close(b[c].dropna(), a[c].dropna(), what=f"add1 {c}")
    with pytest.raises(gs.GLMStatError, match="number of rows in use has changed"):
        fit("count ~ h + x2", path, gs.Poisson(), None).step(k=1e4)  # dropping x2 brings its rows back


def test_a_misspelt_column_gets_the_suggestion_it_gets_in_memory(path):
    """A chunk holds only the columns the model reads, yet a name that is no column is matched against every
    column of the file, as in memory (the suggestion was missing)."""
    with pytest.raises(gs.FormulaError, match="'x11', which is not a column of the data; did you mean 'x1'"):
        gs.glm("count ~ x11 + h", path, family=gs.Poisson())
    with pytest.raises(gs.DataError, match="weights='ww' names no column of the data; did you mean 'w'"):
        gs.glm("pos ~ x1", path, family=gs.Gamma(), weights="ww")


@pytest.mark.parametrize("formula, family, weights, term", [
    ("count ~ x1 + h + g + offset(log(expo))", gs.Poisson(), None, "h"),
    ("pos ~ x1 * h + two", gs.Gamma(link="log"), "w", ["h", "two"]),  # a covariate of two values is kept
    ("z ~ poly(x2, 2) + h + g", gs.Gaussian(), None, "g"),  # rows dropped for x2: means over the rows used
])
def test_emmeans_of_a_parquet_fit(frame, tmp_path, formula, family, weights, term):
    rows = frame.assign(two=(np.arange(len(frame)) % 3 == 0).astype(float))
    rows.to_parquet(tmp_path / "rows.parquet", row_group_size=GROUP, index=False)
    mem, f = fit(formula, rows, family, weights), fit(formula, str(tmp_path / "rows.parquet"), family, weights)
    a, b = f.emmeans(term), mem.emmeans(term)
    assert a.index.equals(b.index)
    close(a, b, what="emmeans")
    a, b = f.emmeans_pairs(term), mem.emmeans_pairs(term)
    assert a.index.equals(b.index)
    close(a[["estimate", "std_error", "statistic", "p_value"]], b[["estimate", "std_error", "statistic", "p_value"]],
          what="pairs")


def test_emmeans_of_a_parquet_fit_with_an_aliased_column(frame, tmp_path):
    rows = frame.assign(x3=2 * frame["x1"])
    rows.to_parquet(tmp_path / "rows.parquet", row_group_size=GROUP, index=False)
    mem, f = (fit("count ~ x1 + x3 + h", src, gs.Poisson(), None) for src in (rows, str(tmp_path / "rows.parquet")))
    assert f.aliased == mem.aliased == ["x3"]
    assert np.all(np.isfinite(mem.emmeans("h")["estimate"]))  # estimable although x3 is aliased
    close(f.emmeans("h"), mem.emmeans("h"))


@pytest.mark.parametrize("case", [c for c in CASES if c != "quasipoisson"])
def test_quantile_residuals_of_a_parquet_fit_are_the_in_memory_draws(case, frame, path):
    """Row groups in file order draw from the one generator in turn: the in-memory stream, for the same seed."""
    formula, family, weights = CASES[case]
    mem, f = fit(formula, frame, family, weights), fit(formula, path, family, weights)
    a, b = f.residuals("quantile", seed=3), mem.residuals("quantile", seed=3)
    assert a.index.equals(b.index)
    close(a, b)
    with pytest.raises(gs.FamilyError, match="no distribution function"):
        fit("count ~ x1", path, gs.QuasiPoisson(), None).residuals("quantile")


@pytest.mark.parametrize("case", ["poisson_offset", "binomial_cbind", "gaussian_dense_poly", "logit_scale"])
def test_average_marginal_effects_of_a_parquet_fit(case, frame, path):
    formula, family, weights = CASES[case]
    mem, f = fit(formula, frame, family, weights), fit(formula, path, family, weights)
    a, b = f.average_marginal_effects(), mem.average_marginal_effects()
    assert list(a["contrast"]) == list(b["contrast"])
    close(a[["estimate", "std_error", "p_value"]], b[["estimate", "std_error", "p_value"]])


def test_marginal_effects_at_levels_of_a_parquet_fit(frame, path):
    """Every row group set to every level, also to l99, which only the last row group holds."""
    formula = "count ~ x1 + h + g + offset(log(expo))"
    mem, f = fit(formula, frame, gs.Poisson(), None), fit(formula, path, gs.Poisson(), None)
    a, b = f.average_marginal_effects("x1", at={"g": ["l00", "l99"]}), mem.average_marginal_effects(
        "x1", at={"g": ["l00", "l99"]})
    assert list(a["g"]) == ["l00", "l99"]
    close(a[["estimate", "std_error"]], b[["estimate", "std_error"]])


def test_a_text_column_read_through_an_expression_keeps_its_own_levels(frame, path):
    """In I(h == "b") the levels FALSE and TRUE are the expression's, not h's: h is set to its own levels a, b
    and c.  (Set to FALSE and TRUE, h == "b" was never true: the streamed fit gave b the same mean as a and an
    effect of 0, the in-memory fit raised 'a string can only be compared with a factor'.)"""
    formula = 'z ~ x1 + I(h == "b")'
    mem, f = fit(formula, frame, gs.Gaussian(), None), fit(formula, path, gs.Gaussian(), None)
    b = mem.coef['I(h == "b")[T.True]']  # identity link: the effect of b against a, c against a none
    for got in (mem, f):
        ame = got.average_marginal_effects("h").set_index("contrast")
        assert list(ame.index) == ["b", "c"]
        close(ame["estimate"], [b, 0.0])
        em = got.emmeans("h")
        assert list(em.index) == ["a", "b", "c"]
        close(em["estimate"].to_numpy() - em["estimate"].iloc[0], [0.0, b, 0.0])
    close(f.emmeans("h")[["estimate", "std_error"]], mem.emmeans("h")[["estimate", "std_error"]])


@pytest.mark.parametrize("case, terms", [("poisson_offset", ("x1", "g")), ("gaussian_dense_poly", ("x2", "h")),
                                         ("logit_scale", ("x1",))])
def test_plots_of_a_parquet_fit_are_the_in_memory_plots(case, terms, frame, path):
    """Effects (from one pass of column summaries: range, means, reference levels) and the diagnostic panels."""
    pytest.importorskip("matplotlib").use("Agg")
    formula, family, weights = CASES[case]
    assert_same_plots(fit(formula, path, family, weights), fit(formula, frame, family, weights), terms)


def test_plots_that_would_reread_every_row_refuse_a_parquet_fit(path, monkeypatch):
    pytest.importorskip("matplotlib").use("Agg")
    from glmstat.report.plots import diagnostics

    f = fit("count ~ x1 + h", path, gs.Poisson(), None)
    with pytest.raises(gs.GLMStatError, match="would read all its rows again for each of those 20 refits"):
        f.plot("halfnormal", seed=1)
    monkeypatch.setattr(diagnostics, "MAX_STREAMED_ROWS", f.nobs - 1)
    with pytest.raises(gs.GLMStatError, match=f"this fit to streamed data has {f.nobs} "):
        f.plot()


def test_diagnostics_of_a_balanced_streamed_fit_refuse_the_factor_level_panel(tmp_path):
    """Constant leverage: R's panel 4 plots residuals against the factors' values in every row."""
    pytest.importorskip("matplotlib").use("Agg")
    d = pd.DataFrame({"g": ["a", "b", "c"] * 20, "y": np.arange(60.0) % 7 + 1})
    d.to_parquet(tmp_path / "balanced.parquet", row_group_size=25, index=False)
    f = fit("y ~ g", str(tmp_path / "balanced.parquet"), gs.Poisson(), None)
    with pytest.raises(gs.GLMStatError, match="needs the model's rows in memory"):
        f.plot()
    assert fit("y ~ g", d, gs.Poisson(), None).plot().axes[3].get_title().startswith("Constant Leverage")


def test_raw_poly_of_a_row_group_with_few_distinct_values(tmp_path):
    # the first row groups hold one value of k each: raw powers are made row group by row group, and only the
    # whole file's distinct values decide which power is aliased (none here)
    rng = np.random.default_rng(6)
    k = np.sort(rng.integers(0, 6, 240)).astype(float)
    d = pd.DataFrame({"k": k, "y": rng.poisson(np.exp(0.2 * k)).astype(float)})
    d.to_parquet(tmp_path / "sorted.parquet", row_group_size=16, index=False)
    mem = fit("y ~ poly(k, 3, raw = TRUE)", d, gs.Poisson(), None)
    f = fit("y ~ poly(k, 3, raw = TRUE)", str(tmp_path / "sorted.parquet"), gs.Poisson(), None)
    assert not np.isnan(mem.coef).any()
    close(f.coef, mem.coef)
    close(f.std_errors, mem.std_errors)


def _count_reads(monkeypatch) -> list:
    """A list that gets the columns of every read of a Parquet file from now on."""
    from glmstat.formula.readers import ParquetReader

    reads = []
    original = ParquetReader.chunks

    def counted(self, columns):
        reads.append(columns)
        return original(self, columns)

    monkeypatch.setattr(ParquetReader, "chunks", counted)
    return reads


@pytest.mark.parametrize("keep_bytes", [0, None], ids=["re-read", "kept"])
def test_small_data_is_read_once_and_large_data_every_pass(keep_bytes, frame, path, monkeypatch):
    # encoded rows of at most KEEP_BYTES stay in memory after the first pass; above it every pass reads the
    # file again; the numbers are the same either way
    from glmstat.design import chunked
    if keep_bytes is not None:
        monkeypatch.setattr(chunked, "KEEP_BYTES", keep_bytes)
    reads = _count_reads(monkeypatch)
    formula, family, weights = CASES["poisson_offset"]
    f = fit(formula, path, family, weights)
    before = len(reads)
    table = f.anova(test="Rao")
    passes = len(reads) - before
    mem = fit(formula, frame, family, weights)
    close(table.to_numpy(), mem.anova(test="Rao").to_numpy())
    if keep_bytes is None:
        assert passes == 0  # (the fit's own first pass kept the rows)
    else:
        assert passes > 5  # (a refit per term, each of several IRLS passes)


def test_a_wide_factors_codes_are_what_counts_against_the_bytes_kept(tmp_path, monkeypatch):
    """Whether a file's encoded rows stay in memory is decided by what the blocks hold -- a 200-level factor's
    codes, not 199 indicator columns (n x (p + 5) doubles, 3.3 MB here, kept such a file out and every profile
    or anova refit read it again: 48 s instead of 3 s for 1e5 rows and 300 levels)."""
    from glmstat.design import chunked

    rng = np.random.default_rng(8)
    n = 2000
    d = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice([f"l{i:03d}" for i in range(200)], n)})
    d["y"] = rng.poisson(np.exp(0.3 * d.x)).astype(float)
    d.to_parquet(tmp_path / "wide.parquet", row_group_size=256, index=False)
    monkeypatch.setattr(chunked, "KEEP_BYTES", 2**20)
    reads = _count_reads(monkeypatch)
    f = fit("y ~ x + g", str(tmp_path / "wide.parquet"), gs.Poisson(), None)
    assert n * (len(f.column_names) + 5) * 8 > chunked.KEEP_BYTES
    before = len(reads)
    ci = f.conf_int(method="profile", parm="x")
    assert len(reads) == before  # (the fit's first pass kept the rows)
    close(ci, fit("y ~ x + g", d, gs.Poisson(), None).conf_int(method="profile", parm="x"))


def _pandas_metadata(*columns: tuple) -> bytes:
    """pandas metadata of float64 columns, each (name, field_name) or (name, field_name, numpy_type)."""
    import json

    return json.dumps({"index_columns": [], "column_indexes": [], "columns": [
        {"name": c[0], "field_name": c[1], "pandas_type": "float64", "numpy_type": (c + ("float64",))[2],
         "metadata": None} for c in columns]}).encode()


@pytest.mark.parametrize("metadata", [
    b'{"columns": 5}', b'{"index_columns": ["nope"], "columns": []}', b"not json", b"[" * 200_000 + b"]" * 200_000,
    b'{"columns": [{"pandas_type": "categorical", "field_name": ["x"]}, {"pandas_type": "categorical"}]}',
    # a column named after another field: pandas read y's values as x (or two columns x, then an AttributeError)
    _pandas_metadata(("y", "x"), ("x", "y")), _pandas_metadata(("x", "y"), ("x", "x")),
    # an extension dtype pandas cannot build, or cannot build from the column (raw NotImplementedError)
    _pandas_metadata(("y", "y"), ("x", "x", "decimal128(3, 1)[pyarrow]")),
    _pandas_metadata(("y", "y"), ("x", "x", "date32[pyarrow]"))],
    ids=["columns-not-a-list", "unknown-index-column", "not-json", "nested-past-the-recursion-limit",
         "categorical-of-no-name", "columns-swapped", "column-renamed", "dtype-not-buildable",
         "dtype-not-castable"])
def test_a_files_malformed_pandas_metadata_is_ignored(metadata, tmp_path, capsys):
    # the b"pandas" metadata of a file from someone else can hold any bytes; pyarrow reads it with raw
    # KeyError / JSON / RecursionError / NotImplementedError errors, or reads a column's values under another
    # name: the rows are read without it, from a path, an Arrow table and the command line
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from glmstat.cli import main

    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "x": [1.0, 2, 3, 4, 6, 8]})
    table = pa.Table.from_pandas(d).replace_schema_metadata({b"pandas": metadata})
    path = tmp_path / "bad.parquet"
    pq.write_table(table, path, row_group_size=2)
    want = gs.glm("y ~ x", d).coef.to_numpy()
    for given in (str(path), table):
        np.testing.assert_allclose(gs.glm("y ~ x", given).coef.to_numpy(), want, rtol=1e-12)
    assert main(["fit", "y ~ x", str(path), "--family", "gaussian"]) == 0
    assert "Coefficients:" in capsys.readouterr().out


@pytest.mark.parametrize("dtype", ["string[pyarrow]", "bool[pyarrow]"])
def test_a_files_pandas_metadata_does_not_change_the_rows_read(dtype, tmp_path, monkeypatch):
    # the rows of a file are its Arrow columns: pandas metadata naming another dtype for x read its numbers as
    # strings (a factor of 6 levels) or booleans, and the metadata was parsed again for every chunk of every
    # pass (10 MB of it doubled a fit's time)
    import json

    from glmstat.formula import arrow_tables

    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "x": [1.0, 2, 3, 4, 6, 8]})
    table = pa.Table.from_pandas(d, preserve_index=False)
    meta = json.loads(table.schema.metadata[b"pandas"])
    for c in meta["columns"]:
        c["numpy_type"] = dtype if c["name"] == "x" else c["numpy_type"]
    path = tmp_path / "forged.parquet"
    pq.write_table(table.replace_schema_metadata({b"pandas": json.dumps(meta).encode()}), path, row_group_size=2)
    f = gs.glm("y ~ x", str(path))
    assert f.column_names == ["Intercept", "x"]
    np.testing.assert_allclose(f.coef.to_numpy(), gs.glm("y ~ x", d).coef.to_numpy(), rtol=1e-12)
    parsed = []
    monkeypatch.setattr(arrow_tables, "pandas_metadata", lambda schema: parsed.append(1) or None)
    gs.glm("y ~ x", str(path))
    assert not parsed


@pytest.mark.parametrize("index", ["filtered", "named"])
def test_an_index_pandas_stored_in_the_file_is_not_a_column(index, tmp_path):
    # pandas writes an index other than 0, 1, 2, ... as a column (a filtered frame's labels as
    # __index_level_0__, a named one under its name), which pd.read_parquet, pq.read_table and dd.read_parquet
    # read back as the index: y ~ . from the path had it as a predictor (a number, or a factor of n levels)
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"y": rng.poisson(2.0, 60).astype(float), "x": rng.normal(size=60),
                      "g": rng.choice(["a", "b"], 60)})
    d = d[d["x"] > -1.0] if index == "filtered" else d.set_index(pd.Index(rng.permutation(60), name="id"))
    path = tmp_path / "indexed.parquet"
    d.to_parquet(path, row_group_size=10)
    assert len(pq.read_schema(path).names) == 4
    mem = gs.glm("y ~ .", d, family=gs.Poisson())
    for given in (str(path), pq.read_table(path)):
        f = gs.glm("y ~ .", given, family=gs.Poisson())
        assert f.column_names == mem.column_names == ["Intercept", "x", "g[T.b]"]
        close(f.coef, mem.coef, what="coef")


def test_an_arrow_table_with_two_columns_of_one_name_is_refused():
    # Arrow allows it (an Arrow file from someone else may hold it); glm(table) and predict(table) raised a raw
    # AttributeError, the model's columns or not, where a Parquet file of them is refused
    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "x": [1.0, 2, 3, 4, 6, 5]})
    table = pa.table([d["y"], d["x"], pa.array(list("aabbcc")), pa.array(list("abcabc"))], names=["y", "x", "g", "g"])
    with pytest.raises(gs.DataError, match="the Arrow table has two columns named 'g'"):
        gs.glm("y ~ x", table)
    with pytest.raises(gs.DataError, match="the Arrow table has two columns named 'g'"):
        gs.glm("y ~ x", d).predict(table)


def test_a_polars_column_pandas_cannot_hold_is_named():
    # polars' Int128 has no Arrow type pandas reads (pyarrow's ArrowInvalid before): refused naming it
    pl = pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    df = pl.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "x": [1.0, 2, 3, 4, 6, 5],
                       "big": pl.Series([1, 2, 3, 4, 5, 6], dtype=pl.Int128)})
    with pytest.raises(gs.DataError, match=r"'big' \(Int128\) has a type pyarrow and pandas cannot hold; drop it"):
        gs.glm("y ~ x", df)


def test_models_whose_interaction_is_written_in_another_order_are_nested(frame, path):
    """``update("~ . - expo")`` of ``expo + h:x1 + x1`` deparses to ``x1 + h:x1``, whose term label is ``x1:h``: the
    same term as the bigger model's ``h:x1``, so the streamed models are nested as the in-memory ones."""
    tests = []
    for src in (path, frame):
        big = fit("count ~ expo + h:x1 + x1", src, gs.Poisson(), None)
        small = big.update("~ . - expo")
        assert "x1:h" in small.model_frame.term_labels and "h:x1" in big.model_frame.term_labels
        tests.append((gs.lrtest(small, big), gs.anova(small, big, test="Chisq")))
    (lr_s, an_s), (lr_m, an_m) = tests
    close([lr_s.statistic, lr_s.p_value], [lr_m.statistic, lr_m.p_value], what="lrtest")
    close(an_s["deviance"].iloc[1:], an_m["deviance"].iloc[1:], what="anova")


def test_the_leverage_of_the_only_row_of_a_cell_is_one_block_by_block(tmp_path):
    """Row 137 is the only row of cell (b, v) of g:h, so its leverage is 1 and its Cook's distance NaN (R's
    rule); computed from its row group alone the leverage is 1 - 6e-14, whose Cook's distance was 2.3e-4.  The
    per-row results of the Parquet fit (and of the same rows as a dask DataFrame) are the in-memory ones."""
    dd = pytest.importorskip("dask.dataframe")
    import dask

    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"x1": rng.normal(size=n), "g": rng.choice(["a", "b"], n), "h": rng.choice(["u", "v"], n),
                       "w": rng.uniform(0.5, 2, n)})
    df.loc[df["g"].eq("b") & df["h"].eq("v"), "h"] = "u"
    df.loc[137, ["g", "h"]] = ["b", "v"]
    df["y"] = rng.poisson(np.exp(0.3 * df["x1"])).astype(float)
    file = tmp_path / "cell.parquet"
    df.to_parquet(file, row_group_size=50, index=False)
    mem = gs.glm("y ~ x1 + g:h", df, family=gs.Poisson(), weights="w")
    assert mem.hat_values()[137] == 1.0 and np.isnan(mem.cooks_distance()[137])
    with dask.config.set(scheduler="synchronous"):
        for src in (str(file), dd.from_pandas(df, npartitions=4, sort=False)):
            f = gs.glm("y ~ x1 + g:h", src, family=gs.Poisson(), weights="w")
            for got, want in ((f.hat_values(), mem.hat_values()), (f.cooks_distance(), mem.cooks_distance()),
                              (f.augment(), mem.augment())):
                got = got.compute() if hasattr(got, "compute") else got
                assert got.index.equals(want.index)
                np.testing.assert_array_equal(np.isnan(computed(got)), np.isnan(computed(want)))
                close(np.nan_to_num(computed(got)), np.nan_to_num(computed(want)), what="per-row influence")
        written = pd.read_parquet(gs.glm("y ~ x1 + g:h", str(file), family=gs.Poisson(), weights="w")
                                  .augment(path=tmp_path / "augment.parquet"))
        assert np.isnan(written.loc[written["row"] == 137, "cooks_d"]).all() and written["cooks_d"].notna().sum() > 300
