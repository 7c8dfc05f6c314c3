"""What ``data=`` may be, and how the rows of Parquet files are read.

In memory: a pandas DataFrame (used as it is, never modified), a dict of columns, a pyarrow Table or a polars
DataFrame (converted to pandas once, :mod:`glmstat.formula.arrow_tables`).  Out of core: a path to a Parquet
file, a directory of Parquet files or a glob (the files it names: :mod:`glmstat.formula.data_paths`), read by
:class:`ParquetReader` one row group (or a bounded batch of one) at a time, only the columns the model uses;
and a dask DataFrame (:mod:`glmstat.design.dask`), read partition by partition on its cluster.  Messages about
a file never quote its content.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Iterator

import pandas as pd

from .._arguments import shown
from ..errors import DataError, GLMStatError, MissingDependencyError
from .arrow_tables import (arrow_to_pandas, as_read, index_columns, null_columns, numeric_categoricals,
                           read_metadata_only, refuse_unusable, repeated_name, string_columns, unconvertible_columns,
                           used_entries)
from .data_paths import data_files
from .limits import DEFAULT_LIMITS, FormulaLimits

__all__ = ["FileStamp", "ParquetReader", "footer_length", "refuse_large_footer", "refuse_many_row_groups", "is_dask",
           "pyarrow_parquet", "BATCH_ROWS", "RUN_ROWS"]

#: A row group longer than this is read in batches of this many rows (bounded memory per chunk).
BATCH_ROWS = 262_144
#: Consecutive shorter row groups are read together, as one chunk, up to this many rows (and the reader's
#: ``batch_rows``): each chunk costs pyarrow's read and the encoding of a block, ~2 ms, however few its rows.
RUN_ROWS = BATCH_ROWS


def is_dask(data: Any) -> bool:
    """A dask DataFrame (checked by its module: dask is an optional dependency).  A dask Series or Array has
    partitions but no columns: it is not data of a model (refused as any other object is), where taken for a
    DataFrame it failed with Python's TypeError or AttributeError."""
    if type(data).__module__.split(".")[0] != "dask":
        return False
    try:
        import dask.dataframe as dd
    except ImportError:  # (dask without its dataframe extra: an array, a bag)
        return False
    return isinstance(data, dd.DataFrame)


#: The first pyarrow whose Parquet and IPC readers do not unpickle a column's extension type
#: (``arrow.py_extension_type``): 0.14.0 to 14.0.0 ran the code a file from someone else held (CVE-2023-47248)
SAFE_PYARROW = (14, 0, 1)


def _version(text: str) -> tuple[int, ...]:
    """The leading numbers of a version string (``"14.0.1.dev3"``: (14, 0, 1))."""
    out = []
    for part in text.split(".")[:3]:
        digits = ""
        for ch in part:
            if not ch.isdigit():
                break
            digits += ch
        out.append(int(digits) if digits else 0)
        if len(digits) < len(part):
            break
    return tuple(out + [0] * (3 - len(out)))


def pyarrow_parquet(doing: str = "reading Parquet files"):
    """``pyarrow.parquet``, or a MissingDependencyError saying that ``doing`` needs it and how to install it.

    A pyarrow older than :data:`SAFE_PYARROW` is refused unless ``pyarrow_hotfix`` was imported (the fix for
    those versions): its readers unpickled a column's extension type, so reading a Parquet file from someone
    else ran their code.  The ``parquet`` extra asks for a safe version, but a pyarrow installed before (or
    for another package) is used as it is."""
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError as e:
        raise MissingDependencyError(f"{doing} needs pyarrow: pip install 'glmstat[parquet]'") from e
    version = str(getattr(pyarrow, "__version__", "0"))
    if _version(version) < SAFE_PYARROW and "pyarrow_hotfix" not in sys.modules:
        raise MissingDependencyError(
            f"{doing} needs pyarrow 14.0.1 or later: pyarrow {shown(version)} runs code that a Parquet file can hold "
            "(CVE-2023-47248); pip install 'pyarrow>=14.0.1' (or import pyarrow_hotfix first)")
    return pq


@dataclass(frozen=True)
class FileStamp:
    """What a Parquet file was when it was opened: its size, modification time and rows per row group, and its
    footer (the file's metadata, parsed once) with a digest of its bytes.

    A fit reads its files again on later passes; a file rewritten in between would silently mix other rows
    into the fit's sums, so every read first compares the file with its stamp (:meth:`check`).  The footer is
    not parsed again at each pass: a file's footer may be large (metadata of any size), and parsing 70 MB of it
    at every pass took a fit of a 90 MB file to 2 GB of memory, growing with each pass; its bytes are compared
    with the digest instead (:meth:`check_row_groups`).  Nor is its Arrow schema built again: ``schema`` is the
    one built when the file was opened, its key-value metadata cut to the pandas metadata, the only key glmstat
    reads (a schema carrying 50 MB of metadata was opened five times and built ten in one fit: 11 s and 0.95 GB
    where pyarrow reads the file in 1.6 s and 0.8 GB).
    """

    path: str
    size: int
    mtime_ns: int
    row_groups: tuple[int, ...]
    footer: Any = field(default=None, compare=False, repr=False)
    digest: bytes = b""
    schema: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, path: str, parquet_file: Any, schema: Any = None) -> "FileStamp":
        """The stamp of ``path``, opened as ``parquet_file`` whose Arrow schema is ``schema`` (built from the
        footer when None)."""
        st = os.stat(path)
        meta = parquet_file.metadata
        schema = parquet_file.schema_arrow if schema is None else schema
        return cls(path, st.st_size, st.st_mtime_ns,
                   tuple(meta.row_group(i).num_rows for i in range(meta.num_row_groups)), meta, _footer_digest(path),
                   read_metadata_only(schema))

    def _changed(self, what: str) -> DataError:
        return DataError(f"the Parquet file {shown(self.path, 300)} changed since the fit read it ({what}); the fit's "
                         f"results would mix other rows into it: fit the model again on the file as it is now")

    def check(self) -> None:
        """Raise a :class:`DataError` naming the file unless its size and modification time are as stamped."""
        try:
            st = os.stat(self.path)
        except OSError:
            raise self._changed("it can no longer be read") from None
        if (st.st_size, st.st_mtime_ns) != (self.size, self.mtime_ns):
            raise self._changed("its size or modification time differs")

    def check_row_groups(self, parquet_file: Any) -> None:
        """Raise a :class:`DataError` naming the file unless its row groups hold the stamped numbers of rows and
        its footer's bytes are the stamped ones."""
        meta = parquet_file.metadata
        if tuple(meta.row_group(i).num_rows for i in range(meta.num_row_groups)) != self.row_groups:
            raise self._changed(f"its row groups now hold {meta.num_rows} rows, not {sum(self.row_groups)}")
        if self.digest and _footer_digest(self.path) != self.digest:
            raise self._changed("its footer differs")


def footer_length(path: str) -> int | None:
    """The length in bytes of the footer of the Parquet file ``path`` as its last 8 bytes declare it (4 bytes of
    length, then ``PAR1``), read without parsing it; None when those bytes are no Parquet footer (no ``PAR1``, a
    length beyond the file's start) or the file cannot be read."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size < 12:
                return None
            fh.seek(size - 8)
            tail = fh.read(8)
    except OSError:
        return None
    length = int.from_bytes(tail[:4], "little")
    return length if tail[4:] == b"PAR1" and 0 < length <= size - 12 else None


def refuse_large_footer(path: str, limits: FormulaLimits = DEFAULT_LIMITS, before: int = 0) -> int:
    """Refuse the Parquet file ``path`` before its footer is parsed when the footer is no Parquet footer
    (:func:`footer_length`) or longer than ``limits.max_footer_bytes`` with the footers of the same data's files
    read before it (``before`` bytes): pyarrow holds a parsed footer in some 5 to 20 times its bytes (a footer of
    26 MB declaring 200,000 row groups: 440 MB), one of 155 MB aborted it in a process of tight memory, and a
    reader keeps the footer of each of its files (a directory of 5 files of 12 MB footers held 977 MB).  The
    :class:`DataError` names the file and the footer's size.  Returns the footer's length."""
    length = footer_length(path)
    if length is None:
        raise DataError(f"cannot read {shown(path, 300)} as Parquet: it is not a valid Parquet file (its last "
                        "bytes are no Parquet footer)")
    if before + length > limits.max_footer_bytes:
        together = "" if not before else f" (with the footers of the files before it, {before + length:,} bytes)"
        raise DataError(f"the Parquet file {shown(path, 300)} has a footer (its metadata) of {length:,} bytes"
                        f"{together}, more than the limit max_footer_bytes of {limits.max_footer_bytes:,}: pyarrow "
                        "would hold it in some 5 to 20 times that; if this is intended, raise it with "
                        "glm(..., limits=glmstat.FormulaLimits(max_footer_bytes=...))")
    return length


def refuse_many_row_groups(path: str, footer: Any, limits: FormulaLimits = DEFAULT_LIMITS,
                           before: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """Refuse the Parquet file ``path``, whose parsed footer is ``footer``, when its row groups or its column chunks
    (row groups times columns), with those of the same data's files read before it (``before``: row groups,
    column chunks), are more than ``limits.max_row_groups`` or ``limits.max_column_chunks``: each row group is a
    read at every pass over the data and each column chunk some 840 bytes parsed, and a footer written compactly
    declares 300,000 row groups of two columns in 16.5 MB, within ``max_footer_bytes`` (7.5 s of CPU time to fit,
    505 MB parsed).  The :class:`DataError` names the file and the count.  Returns the counts with this file's."""
    groups, columns = int(footer.num_row_groups), int(footer.num_columns)
    total = (before[0] + groups, before[1] + groups * columns)
    for limit, own, count, what in (
            ("max_row_groups", groups, total[0], f"{groups:,} row groups"),
            ("max_column_chunks", groups * columns, total[1],
             f"{groups * columns:,} column chunks ({groups:,} row groups of {columns:,} columns)")):
        bound = getattr(limits, limit)
        if count > bound:
            together = "" if count == own else f" (with the files before it, {count:,})"
            raise DataError(f"the Parquet file {shown(path, 300)} declares {what}{together}, more than the limit "
                            f"{limit} of {bound:,}: every pass over the data reads each row group, and pyarrow "
                            "holds each column chunk's metadata; write the data with larger row groups "
                            "(pyarrow.parquet.write_table(..., row_group_size=...)), or, if this is intended, "
                            f"raise it with glm(..., limits=glmstat.FormulaLimits({limit}=...))")
    return total


def _footer_digest(path: str) -> bytes:
    """A digest of the footer of the Parquet file ``path`` (its metadata and the 8 bytes that end the file),
    read without parsing it; empty when the file has no such footer any more."""
    import hashlib

    try:
        with open(path, "rb") as fh:
            fh.seek(-8, os.SEEK_END)
            tail = fh.read(8)
            fh.seek(-8 - int.from_bytes(tail[:4], "little"), os.SEEK_END)
            return hashlib.blake2b(fh.read(), digest_size=16).digest()
    except (OSError, ValueError):
        return b""


@dataclass(frozen=True)
class ParquetReader:
    """The rows of one or more Parquet files, a row group (or a batch of at most ``batch_rows``, or a run of
    consecutive short row groups) at a time.

    ``source`` is a file, a directory (its ``*.parquet`` files, sorted; one with Parquet files in
    subdirectories is refused) or a glob pattern (``**`` reaches any depth).  ``columns`` are the data's
    columns: the files' fields but those that a file's pandas metadata says hold a DataFrame's index
    (:func:`index_columns`), which ``pd.read_parquet`` reads as the index, not a column (a filtered frame's
    labels, stored as ``__index_level_0__``, were a predictor of ``y ~ .``).  Every file must have the same
    columns, in any order (they are read by name; the first file's order is the data's).  Every read checks
    each file against its :class:`FileStamp` taken when it was opened, and refuses a file that changed since.
    """

    files: tuple[str, ...]
    columns: tuple[str, ...]
    n_rows: int
    batch_rows: int = BATCH_ROWS
    stamps: tuple[FileStamp, ...] = ()
    #: refuse a row group (or batch) whose columns read expand to more bytes than this, as the file's metadata
    #: says before it is read (a fit's ``FormulaLimits.max_design_bytes``); None: no bound
    max_read_bytes: int | None = None

    @classmethod
    def open(cls, source: Any, batch_rows: int = BATCH_ROWS,
             limits: FormulaLimits = DEFAULT_LIMITS, what: str = "data") -> "ParquetReader":
        """The reader of ``source``: its files found (listing at most ``limits.max_listed`` directory entries)
        and their footers read (``what``: the argument messages name, ``"newdata"`` for new data)."""
        pq = pyarrow_parquet()
        text = os.fspath(source)
        files = data_files(text, limits, what)
        columns, n, stamps, index, footers, declared = None, 0, [], set(), 0, (0, 0)
        for f in files:
            # (before pyarrow parses it: it holds some 5 to 20 times its bytes, and each file's is kept)
            footers += refuse_large_footer(f, limits, footers)
            try:
                meta = pq.ParquetFile(f)
            except Exception:  # pyarrow's errors may quote the file: say only which file
                raise DataError(f"cannot read {shown(f, 300)} as Parquet: it is not a valid Parquet file") from None
            # (before its schema is built or a row group is looked at: see refuse_many_row_groups)
            declared = refuse_many_row_groups(f, meta.metadata, limits, declared)
            schema = meta.schema_arrow  # (built once: see FileStamp)
            names = tuple(schema.names)
            twice = repeated_name(names)
            if twice is not None:  # (pyarrow reads such a column by name with a KeyError)
                raise DataError(f"the Parquet file {shown(f, 300)} has two columns named {shown(twice)}; rename one "
                                "so that every column name is unique")
            if columns is None:
                columns = names
            elif set(names) != set(columns) or len(names) != len(columns):  # (read by name: any order)
                raise DataError(f"the Parquet files of {shown(text, 300)} do not all have the same columns "
                                f"({shown(f, 300)} differs)")
            stamp = FileStamp.of(f, meta, schema)
            del schema
            if meta.metadata.num_rows != sum(stamp.row_groups):  # (pyarrow reads the row groups' rows)
                raise DataError(f"cannot read {shown(f, 300)}: it is damaged or not valid Parquet (its footer gives "
                                f"{meta.metadata.num_rows:,} rows, its row groups {sum(stamp.row_groups):,})")
            n += sum(stamp.row_groups)
            stamps.append(stamp)
            index.update(index_columns(stamp.schema))
        columns = tuple(c for c in columns if c not in index)
        return cls(tuple(files), columns, n, int(batch_rows), tuple(stamps))

    def refuse_unusable(self, columns: tuple[str, ...]) -> None:
        """Refuse, before any row is read, a column of ``columns`` whose values no model can use -- lists,
        structs, maps, unions, bytes, and an extension type stored as one (a tensor) -- as the in-memory front
        end refuses them once read: read first, a few kilobytes of a list column (a run of zeros stored once)
        became a gigabyte of arrays."""
        for f, schema in self._schemas():
            refuse_unusable(schema, columns, f)

    def numeric_categoricals(self, columns: tuple[str, ...]) -> tuple[str, ...]:
        """The ``columns`` that a pandas Categorical was written from (:func:`declared_categoricals`) but that
        some file stores as plain numbers: Arrow writes a Categorical of numbers to Parquet as its values, so
        its categories are gone and ``pd.read_parquet`` reads numbers too."""
        out: dict[str, None] = {}
        for f, schema in self._schemas():
            out.update((c, None) for c in numeric_categoricals(schema, columns) if c not in out)
        return tuple(out)

    def _schemas(self) -> Iterator[tuple[str, Any]]:
        """Each file with its Arrow schema: its stamp's, built when it was opened (read again only for a reader
        made without stamps)."""
        pq = pyarrow_parquet()
        for f, stamp in zip(self.files, self.stamps or (None,) * len(self.files)):
            yield f, (stamp.schema if stamp is not None and stamp.schema is not None else pq.read_schema(f))

    def chunks(self, columns: tuple[str, ...]) -> Iterator[pd.DataFrame]:
        """The ``columns`` of the row groups, as DataFrames: consecutive row groups (of consecutive files too, by
        :class:`_Gathered`) together up to :data:`RUN_ROWS` rows, one longer than ``batch_rows`` in batches of
        that many rows.

        String columns are read dictionary-encoded and handed over as categoricals whose categories are
        sorted as R's ``factor()`` (and the in-memory front end) sorts strings: a factor's codes come from
        the file's dictionary instead of from a string per row (several times faster), with the same levels.
        A column stored as an unordered dictionary of strings is such a column too, whatever its dictionary's
        order and however the row groups share it; an ordered dictionary keeps its declared order, and so does
        a pandas Categorical written to the file (:func:`declared_categoricals`), as ``pd.read_parquet`` reads
        it, when its row groups all hold the one dictionary (else its levels are sorted: see
        :func:`glmstat.formula.stream.learn_spec`).

        The file's pandas metadata is not applied to the rows read: their types are the Arrow schema's, a
        Categorical's order its dictionary's, and the rows are numbered by position.  Applied, it was parsed
        again for every chunk of every pass (10 MB of it doubled a fit's time), and a forged one made the
        model's columns another type (``string[pyarrow]`` on numbers) or the index.
        """
        if not columns:
            yield from self._rows_only()
            return
        pq = pyarrow_parquet()
        run_rows = min(RUN_ROWS, self.batch_rows)
        most = run_rows * 8 * max(1, len(columns))  # (a gathered read's bytes, bounded as one file's run: _runs)
        if self.max_read_bytes is not None:
            most = min(most, self.max_read_bytes)
        gathered = _Gathered()
        for f, stamp, footer in self._files_checked():
            schema = stamp.schema if stamp is not None else None  # (as opened: not built again at each pass)
            if schema is None:
                schema = pq.ParquetFile(f, metadata=footer).schema_arrow
            strings = string_columns(schema, columns)
            nulls = null_columns(schema, columns)
            pf = pq.ParquetFile(f, read_dictionary=strings or None, metadata=footer)
            if stamp is not None:  # (a rewrite within the clock's resolution: the row groups differ)
                stamp.check_row_groups(pf)
            for run, rows, size in _runs(pf, f, columns, self.batch_rows, run_rows, self.max_read_bytes, schema):
                if rows > self.batch_rows:  # (a run of one row group)
                    yield from gathered.flush()
                    tables = pf.iter_batches(batch_size=self.batch_rows, row_groups=run, columns=list(columns))
                    where = _where(f, run)
                    for df in _checked((_frame(used_entries(t.replace_schema_metadata(None), strings), where)
                                        for t in tables), where, rows):
                        yield as_read(df, strings, nulls)
                    continue
                [table] = _checked(_read_row_groups(pf, run, columns), _where(f, run), rows)
                if not gathered.takes(table, strings, nulls, size, run_rows, most):
                    yield from gathered.flush()
                gathered.add(table, strings, nulls, size, _where(f, run))
        yield from gathered.flush()

    def _files_checked(self) -> Iterator[tuple[str, FileStamp | None, Any]]:
        """Each file with its stamp and its footer as parsed when it was opened (None, None for a reader made
        without stamps), every file checked against its stamp before the first is read and each again as it is
        reached."""
        for stamp in self.stamps:
            stamp.check()
        for f, stamp in zip(self.files, self.stamps or (None,) * len(self.files)):
            if stamp is not None:
                stamp.check()
            yield f, stamp, (stamp.footer if stamp is not None else None)  # (parsed once: see FileStamp)

    def _rows_only(self) -> Iterator[pd.DataFrame]:
        """Frames of no columns holding the files' rows, by their footers, ``batch_rows`` rows at a time (rows of
        consecutive row groups and files together): a read of no column, as a model of the intercept alone
        predicting new rows makes.  pyarrow's table of no columns loses its rows once its metadata is dropped or
        tables are joined: such a prediction had no rows."""
        pq = pyarrow_parquet()
        pending = 0
        for f, stamp, footer in self._files_checked():
            pf = pq.ParquetFile(f, metadata=footer)
            if stamp is not None:
                stamp.check_row_groups(pf)
            meta = pf.metadata
            for i in range(meta.num_row_groups):
                pending += meta.row_group(i).num_rows
                while pending >= self.batch_rows:
                    yield pd.DataFrame(index=pd.RangeIndex(self.batch_rows))
                    pending -= self.batch_rows
        if pending:
            yield pd.DataFrame(index=pd.RangeIndex(pending))


class _Gathered:
    """Short runs of row groups read from consecutive files, converted and handed over as one chunk while they
    have one schema and together hold at most ``run_rows`` rows and ``most`` bytes, as one file's runs
    (:func:`_runs`): read file by file, 3,000 files of one row (3 MB) took 17 s to fit, each file a chunk that
    paid pandas' conversion and a block's encoding in every pass, whatever its size.  The tables of a column the
    file declares a dictionary of its own (an ordered one, a pandas Categorical) are not gathered: its order
    is the file's."""

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self.tables: list = []
        self.where: list[str] = []
        self.rows = self.size = 0
        self.strings: list[str] = []
        self.nulls: list[str] = []

    def takes(self, table: Any, strings: list[str], nulls: list[str], size: int, run_rows: int, most: int) -> bool:
        import pyarrow as pa

        if not self.tables:
            return True
        first = self.tables[0]
        return (strings == self.strings and nulls == self.nulls and table.schema.equals(first.schema, True)
                and self.rows + table.num_rows <= run_rows and self.size + size <= most
                and not any(pa.types.is_dictionary(t.type) and t.name not in strings for t in table.schema))

    def add(self, table: Any, strings: list[str], nulls: list[str], size: int, where: str) -> None:
        self.tables.append(table)
        self.where.append(where)
        self.rows += table.num_rows
        self.size += size
        self.strings, self.nulls = strings, nulls

    def flush(self) -> Iterator[pd.DataFrame]:
        if not self.tables:
            return
        import pyarrow as pa

        tables, where = self.tables, self.where[0] if len(self.where) == 1 else \
            f"{self.where[0]} to {self.where[-1]}"
        strings, nulls = self.strings, self.nulls
        self._clear()
        table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        for df in _checked((_frame(used_entries(t, strings), where) for t in [table]), where):
            yield as_read(df, strings, nulls)


def _runs(pf: Any, path: str, columns: tuple[str, ...], batch_rows: int, run_rows: int,
          bound: int | None, schema: Any = None) -> Iterator[tuple[list[int], int, int]]:
    """The row groups of ``pf`` (the file ``path``) in runs read together: consecutive row groups of at most
    ``run_rows`` rows in all, whose reads (by :func:`_refuse_expanding`, with batches of ``batch_rows`` rows)
    take at most the bytes of ``run_rows`` rows of as many 8-byte numbers as ``columns`` -- what a batch of
    numbers takes: long strings or many levels are not gathered into a larger read (nor past a refusal that
    one row group shows) -- and at most ``bound`` (each row group beyond it refused before anything is read);
    a longer row group is a run of its own (read in batches when longer than ``batch_rows``).  Read one by
    one, a file of 20,000 one-row row groups (4.6 MB) took 44 s to fit: every row group paid pyarrow's read and
    a block's encoding, ~2 ms each, whatever its size.  Each run comes with its rows (by the footer) and the bytes
    its reads take.  ``schema``: the file's Arrow schema, as read without dictionaries (``pf``'s when None)."""
    meta = pf.metadata
    widths = _widths(pf, columns, schema)
    most = run_rows * 8 * max(1, len(widths))
    if bound is not None:
        most = min(most, bound)
    run: list[int] = []
    rows = size = 0
    for i in range(pf.num_row_groups):
        n = meta.row_group(i).num_rows
        b = _refuse_expanding(pf, path, i, widths, batch_rows, bound)
        if run and (rows + n > run_rows or size + b > most):
            yield run, rows, size
            run, rows, size = [], 0, 0
        run.append(i)
        rows += n
        size += b
    if run:
        yield run, rows, size


def _read_row_groups(pf: Any, run: list[int], columns: tuple[str, ...]) -> Iterator[Any]:
    yield pf.read_row_groups(run, columns=list(columns)).replace_schema_metadata(None)


def _where(path: str, run: list[int]) -> str:
    """The row groups ``run`` of the file ``path``, for a message."""
    return (f"row group {run[0]}" if len(run) == 1 else f"row groups {run[0]} to {run[-1]}") + \
        f" of {shown(path, 300)}"


def _frame(table: Any, where: str) -> pd.DataFrame:
    """``table``, read from the row groups ``where`` (:func:`_where`), as pandas; a column whose values pandas
    cannot hold (a ``date32`` beyond Python's year 9999) refused naming it and its type: the file's bytes were
    read, so it is not damaged (:func:`_checked` said so)."""
    try:
        return arrow_to_pandas(table)
    except (ValueError, TypeError, OverflowError) as e:  # (pyarrow's ArrowInvalid is a ValueError)
        if isinstance(e, GLMStatError):
            raise
        raise DataError(f"cannot read {where}: {unconvertible_columns(table)} holds values pandas cannot hold; "
                        "convert it before fitting") from None


def _checked(frames: Iterator[Any], where: str, rows: int | None = None) -> Iterator[Any]:
    """``frames`` read from the row groups ``where`` (:func:`_where`), pyarrow's errors about their bytes (a
    page that does not decompress or decode, a dictionary index out of range: a damaged or forged file whose
    footer is sound) refused with a DataError naming the file and the row groups; the file's bytes are not
    quoted.  With ``rows``, the number of rows the footer gives them: frames of another number in all are
    refused too (a footer that claims more rows than the pages hold; pyarrow reads what the pages hold)."""
    frames = iter(frames)
    read = 0
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            break
        except (OSError, ValueError, IndexError, TypeError, NotImplementedError) as e:  # (pyarrow's Arrow* errors)
            if isinstance(e, DataError):
                raise
            raise DataError(f"cannot read {where}: its data is damaged or not valid Parquet "
                            f"({type(e).__name__})") from None
        read += len(frame)
        yield frame
    if rows is not None and read != rows:
        raise DataError(f"cannot read {where}: its data is damaged or not valid Parquet (the footer gives "
                        f"{rows:,} rows, the pages hold {read:,})")


def _widths(pf: Any, columns: tuple[str, ...], schema: Any = None) -> list[tuple[str, int | None, int | None]]:
    """For each of ``columns`` that ``pf`` holds: its name, the bytes of one value when it is a number (None
    otherwise), and the index of its leaf column in the row groups' metadata (None if it has none of its own).
    The same for every row group: found once per file, not once per row group."""
    import pyarrow as pa

    meta = pf.metadata
    leaf: dict[str, int] = {}  # (top-level columns of one value: their leaf's path is their name)
    for j in range(meta.num_columns):
        c = meta.schema.column(j)
        if c.path == c.name:
            leaf.setdefault(c.name, j)
    schema = pf.schema_arrow if schema is None else schema  # (a string column: no width, dictionary or not)
    present = set(schema.names)  # (schema.names builds a new list at each read)
    out = []
    for name in columns:
        if name not in present:
            continue
        t = schema.field(name).type
        try:
            bits = None if pa.types.is_dictionary(t) else t.bit_width
        except ValueError:  # (pyarrow: not a fixed-width type)
            bits = None
        out.append((name, None if bits is None else max(1, bits // 8), leaf.get(name)))
    return out


def _refuse_expanding(pf: Any, path: str, i: int, widths: list[tuple[str, int | None, int | None]],
                      batch_rows: int, bound: int | None) -> int:
    """The bytes that reading the columns ``widths`` (from :func:`_widths`) of row group ``i`` of ``pf`` (the
    file ``path``), a batch of at most ``batch_rows`` rows at a time, takes by the file's metadata; refused when
    more than ``bound`` (None: never): the rows times the width of a number, and for any other column (strings)
    the bytes of its pages before compression, in proportion to the rows of a batch.  Compressed pages can expand
    far beyond what memory holds: a 10 KB file whose strings of 1 MB compress to almost nothing became gigabytes
    when read."""
    group = pf.metadata.row_group(i)
    rows = group.num_rows
    share = min(1.0, batch_rows / rows) if rows else 1.0
    total, widest, widest_bytes = 0, None, -1
    for name, width, leaf in widths:
        if width is None:
            stored = group.column(leaf).total_uncompressed_size if leaf is not None else 0
            n = int(stored * share) + 8 * min(rows, batch_rows)
        else:
            n = min(rows, batch_rows) * width
        total += n
        if n > widest_bytes:
            widest, widest_bytes = name, n
    if bound is not None and total > bound:
        raise DataError(
            f"row group {i} of {shown(path, 300)} expands to {total:,} bytes when read ({widest_bytes:,} for the "
            f"column {shown(widest)}), beyond the limit max_design_bytes={bound:,}: a Parquet file's compressed "
            "pages can hold far more than memory does; if the file is trusted, raise the limit with "
            "glm(..., limits=glmstat.FormulaLimits(max_design_bytes=...))")
    return total
