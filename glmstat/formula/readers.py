"""What ``data=`` may be, and how its rows are read.

In memory: a pandas DataFrame (used as it is, never modified), a dict of columns, a pyarrow Table or a polars
DataFrame (converted to pandas once).  Out of core: a path to a Parquet file, a directory of Parquet files or
a glob, read by :class:`ParquetReader` one row group (or a bounded batch of one) at a time, only the columns
the model uses; and a dask DataFrame (:mod:`glmstat.design.dask`), read partition by partition on its
cluster.  Messages about a file never quote its content.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from .._arguments import shown, shown_items
from ..errors import DataError, GLMStatError, MissingDependencyError
from .data_paths import data_files
from .limits import DEFAULT_LIMITS, FormulaLimits, refuse

__all__ = ["FileStamp", "ParquetReader", "arrow_schema", "declared_categoricals", "in_memory_frame", "index_columns",
           "is_dask", "numeric_categoricals", "pandas_metadata", "pyarrow_parquet",
           "string_columns", "BATCH_ROWS", "RUN_ROWS"]

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


def arrow_schema(data: Any) -> Any:
    """The schema of a pyarrow Table (or record batch), else None."""
    if type(data).__module__.split(".")[0] == "pyarrow" and hasattr(data, "to_pandas"):
        return getattr(data, "schema", None)
    return None


def _decoded_bytes(table: Any) -> int:
    """The bytes that an Arrow table's run-end encoded columns take once decoded for pandas, 8 a value (a number,
    or a string's pointer): their encoding holds a run of a billion values in a few bytes."""
    import pyarrow as pa

    return sum(table.num_rows * 8 for f in table.schema if pa.types.is_run_end_encoded(f.type))


def in_memory_frame(data: Any, limits: FormulaLimits = DEFAULT_LIMITS) -> Any:
    """A pyarrow Table or a polars DataFrame as a pandas DataFrame (once); anything else unchanged.

    An unordered Arrow dictionary of strings (a polars Categorical is one) is an encoding of strings, whose
    dictionary order is that of first appearance: its levels are sorted, as those of the same strings
    unencoded (R sorts the levels of character data).  An ordered one (an ordered pandas Categorical converted
    to Arrow, a polars Enum) keeps its declared order, and so does one that the table's pandas metadata says
    was a pandas Categorical (:func:`declared_categoricals`): the same levels as the DataFrame it came from.
    A table whose run-end encoded columns decode to more than ``limits.max_design_bytes`` is refused before it
    is converted.
    """
    module = type(data).__module__.split(".")[0]
    if arrow_schema(data) is not None:
        twice = _repeated(tuple(data.schema.names))
        if twice is not None:  # (Arrow allows it; pandas' frame of it has a DataFrame where a column should be)
            raise DataError(f"the Arrow table has two columns named {shown(twice)}; rename one so that every "
                            "column name is unique")
        if (expanded := _decoded_bytes(data)) > limits.max_design_bytes:
            raise refuse("max_design_bytes", f"the Arrow table's run-end encoded columns of {data.num_rows:,} rows "
                                             "decode to more bytes than allowed", expanded, limits)
        try:
            frame = arrow_to_pandas(_used_entries(data, string_columns(data.schema, tuple(data.schema.names))))
        except (ValueError, TypeError) as e:  # (pyarrow's ArrowInvalid: a time zone it does not know, say)
            if isinstance(e, GLMStatError):  # (an ordered dictionary that holds a value twice)
                raise
            raise DataError(_arrow_refusal(data)) from e
        except MemoryError:  # (ArrowMemoryError: a column run-end encoded in a few bytes, a billion values decoded)
            raise DataError(f"the Arrow table of {data.num_rows:,} rows and {data.num_columns:,} column(s) does not "
                            "fit in memory once decoded for fitting (a run-end or dictionary encoding holds far more "
                            "values than its bytes); give fewer rows or columns") from None
        return _strings_sorted(frame, keep=declared_categoricals(data.schema))
    if module == "polars" and hasattr(data, "to_pandas"):
        try:
            return _strings_sorted(data.to_pandas())
        except ModuleNotFoundError as e:  # polars converts through pyarrow
            raise MissingDependencyError("reading a polars DataFrame needs pyarrow: pip install 'glmstat[parquet]'"
                                         ) from e
        except (ValueError, TypeError) as e:  # (pyarrow's ArrowInvalid: a type it cannot hold, e.g. Int128)
            raise DataError(_polars_refusal(data)) from e
    return data


def _unconvertible(columns: Iterator[tuple[Any, Any, Any]]) -> str:
    """The columns, of ``(name, type, convert)`` triples, whose ``convert()`` raises, each shown with its type
    (ten at most: a frame may have any number of such columns); "some column" when none does alone."""
    bad = []
    for name, kind, convert in columns:
        try:
            convert()
        except (ValueError, TypeError):
            kind = str(kind)  # (a struct's type names its fields)
            bad.append(f"{shown(name)} ({kind if len(kind) <= 60 else kind[:60] + '...'})")
            if len(bad) > 10:
                break
    return shown_items(bad, each=str) or "some column"


def _polars_refusal(data: Any) -> str:
    """Which columns of a polars DataFrame pandas cannot take, and what to do."""
    which = _unconvertible((name, data.schema[name], lambda name=name: data.select(name).to_pandas())
                           for name in data.columns)
    return (f"the polars DataFrame cannot be converted for fitting: {which} has a type pyarrow and pandas cannot "
            "hold; drop it or cast it (e.g. to Float64) before fitting")


def _arrow_refusal(data: Any) -> str:
    """Which columns of an Arrow table (or record batch) pandas cannot take -- a timestamp whose time zone
    neither pyarrow nor Python knows, from a file someone else wrote -- and what to do."""
    which = _unconvertible((name, data.schema.field(i).type, lambda i=i: data.column(i).to_pandas())
                           for i, name in enumerate(data.schema.names))
    return (f"the Arrow table cannot be converted for fitting: {which} has a type pyarrow and pandas cannot hold; "
            "drop it or cast it before fitting")


def arrow_to_pandas(table: Any) -> pd.DataFrame:
    """An Arrow table or record batch as a pandas frame.  The pandas metadata a file may carry (the index,
    extension dtypes) is used when it is sound and ignored when it is not: a file from someone else can hold
    any bytes there, and pyarrow reads them with raw KeyError, TypeError, JSON, recursion (JSON nested deeper
    than the parser's recursion limit, 400 KB of brackets) or NotImplementedError errors (an extension dtype
    pandas cannot build from the column).  A dictionary column that holds a value twice, which pandas cannot
    hold as a Categorical, is decoded (:func:`_unique_dictionaries`)."""
    metadata = table.schema.metadata or {}
    if _PANDAS_KEY in metadata and pandas_metadata(table.schema) is None:
        table = table.replace_schema_metadata(None)
    mapper = _nullable_integers(table)
    try:
        return table.to_pandas(types_mapper=mapper)
    except Exception:  # (KeyError, JSON, NotImplementedError of a dtype it names, ...: any error is the metadata's)
        table = table.replace_schema_metadata(None)
    import pyarrow as pa

    try:
        return table.to_pandas(types_mapper=mapper)
    except ValueError:  # (pandas: "Categorical categories must be unique")
        return _unique_dictionaries(table).to_pandas(types_mapper=mapper)
    except pa.ArrowException:  # (strings that are not UTF-8: "Unknown error: Wrapping ... failed")
        raise DataError(_invalid_text(table)) from None


def _invalid_text(table: Any) -> str:
    """The message for an Arrow table (or record batch) that pandas cannot take, naming the first string column
    whose bytes are not UTF-8 text -- a Parquet file or an Arrow table from someone else may hold any bytes in
    one, which pyarrow does not check until they are converted."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        t = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            column = table.column(i)
            chunks = column.chunks if hasattr(column, "chunks") else [column]
            try:
                for chunk in chunks:
                    (chunk.dictionary if pa.types.is_dictionary(field.type) else chunk).validate(full=True)
            except pa.ArrowInvalid:
                return f"column {shown(field.name)} holds bytes that are not UTF-8 text (damaged or forged data)"
    return "the data cannot be converted for fitting (damaged or forged data)"


def _nullable_integers(table: Any) -> Callable[[Any], Any] | None:
    """A ``types_mapper`` for ``table.to_pandas`` that reads Arrow integers as pandas' nullable integers when a
    column of integers holds a missing value, else None (numpy's integers, as pyarrow reads them).

    pyarrow reads such a column as float64, and an integer beyond 2^53 (an id) then becomes its neighbour's
    double: factor(id) merged distinct ids into one level and ``id == k`` matched the neighbours, where the same
    column in a DataFrame (pandas' Int64) is refused as inexact.  Read as Int64 it is the DataFrame's column."""
    import pyarrow as pa

    if not any(pa.types.is_integer(f.type) and table.column(i).null_count
               for i, f in enumerate(table.schema)):
        return None
    return _nullable_dtype


def _nullable_dtype(t: Any) -> Any:
    """pandas' nullable integer dtype of the Arrow integer type ``t`` (Int64 of int64, UInt8 of uint8, ...);
    None for any other type, which pyarrow then reads as it does without a mapper."""
    import pyarrow as pa

    if not pa.types.is_integer(t):
        return None
    return pd.api.types.pandas_dtype(f"{'U' if pa.types.is_unsigned_integer(t) else ''}Int{t.bit_width}")


def _unique_dictionaries(table: Any) -> Any:
    """``table`` with each unordered dictionary column whose dictionary repeats a value decoded to its values
    (what a Parquet reader that does not keep the dictionary reads: ``pd.read_parquet`` of such a file), as
    pandas holds no Categorical with a category twice; an ordered one is refused, its order being ambiguous."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(table, pa.Table):  # (a record batch of a long row group)
        table = pa.Table.from_batches([table])
    for i, name in enumerate(table.schema.names):
        column = table.column(i)
        if not pa.types.is_dictionary(column.type):
            continue
        if all(len(pc.unique(c.dictionary)) == len(c.dictionary) for c in column.chunks):
            continue
        if column.type.ordered:
            raise DataError(f"column {shown(name)} is an ordered dictionary that holds a value twice: its order of "
                            "levels is ambiguous; give each level once")
        table = table.set_column(i, table.schema.field(i).with_type(column.type.value_type),
                                 column.cast(column.type.value_type))
    return table


_PANDAS_KEY = b"pandas"


def pandas_metadata(schema: Any) -> dict | None:
    """The pandas metadata of an Arrow schema (pandas writes it with a DataFrame), or None when it is absent
    or unsound: not JSON, nested past the parser's recursion limit, not a JSON object, or naming a column after
    another field than its own."""
    raw = (schema.metadata or {}).get(_PANDAS_KEY)
    if raw is None:
        return None
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError):  # (UnicodeDecodeError is a ValueError)
        return None
    if not isinstance(meta, dict):
        return None
    # pandas stores every column under its own name (an index level may be named as a column): a column named
    # after another field is forged, and pandas would read one column's values as another's, or two columns x
    columns, index = meta.get("columns"), meta.get("index_columns")
    index = {i for i in index if isinstance(i, str)} if isinstance(index, list) else set()
    for c in columns if isinstance(columns, list) else ():
        if isinstance(c, dict) and c.get("name") is not None:
            field = c.get("field_name", c["name"])
            if c["name"] != field and not (isinstance(field, str) and field in index):
                return None
    return meta


def declared_categoricals(schema: Any) -> frozenset[str]:
    """The columns that the schema's pandas metadata says were pandas Categoricals: an order of their
    categories was chosen by whoever made them (the first is the reference level), as pandas, dask and R's
    arrow read them back, where the dictionary of other Arrow strings is only in order of first appearance."""
    meta = pandas_metadata(schema)
    columns = meta.get("columns") if meta is not None else None
    if not isinstance(columns, list):
        return frozenset()
    names = set(schema.names)
    out = set()
    for c in columns:
        if isinstance(c, dict) and c.get("pandas_type") == "categorical":
            name = c.get("field_name", c.get("name"))
            if isinstance(name, str) and name in names:
                out.add(name)
    return frozenset(out)


_STORED_INDEX = re.compile(rb'"index_columns"\s*:\s*\[\s*"')


def index_columns(schema: Any) -> tuple[str, ...]:
    """The fields of an Arrow schema that its pandas metadata says hold the DataFrame's index (pandas writes
    an index other than the default 0, 1, 2, ... -- a named one, or the labels of a filtered frame as
    ``__index_level_0__`` -- as a column): ``pd.read_parquet``, ``pq.read_table(...).to_pandas()`` and
    ``dd.read_parquet`` make it the index again, not a column."""
    # (parsed only when it names a stored index: the metadata may be megabytes, and a default index is none)
    if _STORED_INDEX.search((schema.metadata or {}).get(_PANDAS_KEY, b"")) is None:
        return ()
    meta = pandas_metadata(schema)
    index = meta.get("index_columns") if meta is not None else None
    present = set(schema.names)
    return tuple(c for c in index if isinstance(c, str) and c in present) if isinstance(index, list) else ()


def numeric_categoricals(schema: Any, columns: Sequence[str]) -> list[str]:
    """The ``columns`` of an Arrow schema that its pandas metadata says were pandas Categoricals but that it
    holds as plain numbers (Arrow writes a Categorical of numbers to Parquet as its values)."""
    import pyarrow as pa

    present = set(schema.names)
    numbers = [c for c in columns if c in present
               and (pa.types.is_integer(t := schema.field(c).type) or pa.types.is_floating(t))]
    # (the metadata is parsed only when it can name a Categorical: it may be megabytes of JSON)
    if not numbers or b'"categorical"' not in (schema.metadata or {}).get(_PANDAS_KEY, b""):
        return []
    declared = declared_categoricals(schema)
    return [c for c in numbers if c in declared]


def _strings_sorted(df: pd.DataFrame, keep: frozenset[str] = frozenset()) -> pd.DataFrame:
    """A frame converted from Arrow (its own: changed in place) with the categories of every unordered
    categorical of strings sorted, but for the columns ``keep`` (declared categoricals)."""
    strings = [c for c in df.columns if c not in keep and isinstance(df[c].dtype, pd.CategoricalDtype)
               and not df[c].cat.ordered and df[c].cat.categories.inferred_type == "string"]
    return _sorted_categories(df, strings)


def pyarrow_parquet(doing: str = "reading Parquet files"):
    """``pyarrow.parquet``, or a MissingDependencyError saying that ``doing`` needs it and how to install it."""
    try:
        import pyarrow.parquet as pq
    except ImportError as e:
        raise MissingDependencyError(f"{doing} needs pyarrow: pip install 'glmstat[parquet]'") from e
    return pq


@dataclass(frozen=True)
class FileStamp:
    """What a Parquet file was when it was opened: its size, modification time and rows per row group, and its
    footer (the file's metadata, parsed once) with a digest of its bytes.

    A fit reads its files again on later passes; a file rewritten in between would silently mix other rows
    into the fit's sums, so every read first compares the file with its stamp (:meth:`check`).  The footer is
    not parsed again at each pass: a file's footer may be large (metadata of any size), and parsing 70 MB of it
    at every pass took a fit of a 90 MB file to 2 GB of memory, growing with each pass; its bytes are compared
    with the digest instead (:meth:`check_row_groups`).
    """

    path: str
    size: int
    mtime_ns: int
    row_groups: tuple[int, ...]
    footer: Any = field(default=None, compare=False, repr=False)
    digest: bytes = b""

    @classmethod
    def of(cls, path: str, parquet_file: Any) -> "FileStamp":
        st = os.stat(path)
        meta = parquet_file.metadata
        return cls(path, st.st_size, st.st_mtime_ns,
                   tuple(meta.row_group(i).num_rows for i in range(meta.num_row_groups)), meta, _footer_digest(path))

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
             limits: FormulaLimits = DEFAULT_LIMITS) -> "ParquetReader":
        """The reader of ``source``: its files found (listing at most ``limits.max_listed`` directory entries)
        and their footers read."""
        pq = pyarrow_parquet()
        text = os.fspath(source)
        files = data_files(text, limits)
        columns, n, stamps, index = None, 0, [], set()
        for f in files:
            try:
                meta = pq.ParquetFile(f)
            except Exception:  # pyarrow's errors may quote the file: say only which file
                raise DataError(f"cannot read {shown(f, 300)} as Parquet: it is not a valid Parquet file") from None
            names = tuple(meta.schema_arrow.names)
            twice = _repeated(names)
            if twice is not None:  # (pyarrow reads such a column by name with a KeyError)
                raise DataError(f"the Parquet file {shown(f, 300)} has two columns named {shown(twice)}; rename one "
                                "so that every column name is unique")
            if columns is None:
                columns = names
            elif set(names) != set(columns) or len(names) != len(columns):  # (read by name: any order)
                raise DataError(f"the Parquet files of {shown(text, 300)} do not all have the same columns "
                                f"({shown(f, 300)} differs)")
            stamp = FileStamp.of(f, meta)
            if meta.metadata.num_rows != sum(stamp.row_groups):  # (pyarrow reads the row groups' rows)
                raise DataError(f"cannot read {shown(f, 300)}: it is damaged or not valid Parquet (its footer gives "
                                f"{meta.metadata.num_rows:,} rows, its row groups {sum(stamp.row_groups):,})")
            n += sum(stamp.row_groups)
            stamps.append(stamp)
            index.update(index_columns(meta.schema_arrow))
        columns = tuple(c for c in columns if c not in index)
        return cls(tuple(files), columns, n, int(batch_rows), tuple(stamps))

    def refuse_unusable(self, columns: tuple[str, ...]) -> None:
        """Refuse, before any row is read, a column of ``columns`` whose values no model can use -- lists,
        structs, maps, unions, bytes, and an extension type stored as one (a tensor) -- as the in-memory front
        end refuses them once read: read first, a few kilobytes of a list column (a run of zeros stored once)
        became a gigabyte of arrays."""
        pq = pyarrow_parquet()
        for f in self.files:
            _refuse_unusable(pq.read_schema(f), columns, f)

    def numeric_categoricals(self, columns: tuple[str, ...]) -> tuple[str, ...]:
        """The ``columns`` that a pandas Categorical was written from (:func:`declared_categoricals`) but that
        some file stores as plain numbers: Arrow writes a Categorical of numbers to Parquet as its values, so
        its categories are gone and ``pd.read_parquet`` reads numbers too."""
        pq = pyarrow_parquet()
        out: dict[str, None] = {}
        for f in self.files:
            out.update((c, None) for c in numeric_categoricals(pq.read_schema(f), columns) if c not in out)
        return tuple(out)

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
            pf = pq.ParquetFile(f, metadata=footer)
            strings = string_columns(pf.schema_arrow, columns)
            nulls = _null_columns(pf.schema_arrow, columns)
            if strings:
                pf = pq.ParquetFile(f, read_dictionary=strings, metadata=footer)
            if stamp is not None:  # (a rewrite within the clock's resolution: the row groups differ)
                stamp.check_row_groups(pf)
            for run, rows, size in _runs(pf, f, columns, self.batch_rows, run_rows, self.max_read_bytes):
                if rows > self.batch_rows:  # (a run of one row group)
                    yield from gathered.flush()
                    tables = pf.iter_batches(batch_size=self.batch_rows, row_groups=run, columns=list(columns))
                    for df in _checked((arrow_to_pandas(_used_entries(t.replace_schema_metadata(None), strings))
                                        for t in tables),
                                       _where(f, run), rows):
                        yield _as_read(df, strings, nulls)
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
        for df in _checked((arrow_to_pandas(_used_entries(t, strings)) for t in [table]), where):
            yield _as_read(df, strings, nulls)


def _runs(pf: Any, path: str, columns: tuple[str, ...], batch_rows: int, run_rows: int,
          bound: int | None) -> Iterator[tuple[list[int], int, int]]:
    """The row groups of ``pf`` (the file ``path``) in runs read together: consecutive row groups of at most
    ``run_rows`` rows in all, whose reads (by :func:`_refuse_expanding`, with batches of ``batch_rows`` rows)
    take at most the bytes of ``run_rows`` rows of as many 8-byte numbers as ``columns`` -- what a batch of
    numbers takes: long strings or many levels are not gathered into a larger read (nor past a refusal that
    one row group shows) -- and at most ``bound`` (each row group beyond it refused before anything is read);
    a longer row group is a run of its own (read in batches when longer than ``batch_rows``).  Read one by
    one, a file of 20,000 one-row row groups (4.6 MB) took 44 s to fit: every row group paid pyarrow's read and
    a block's encoding, ~2 ms each, whatever its size.  Each run comes with its rows (by the footer) and the bytes
    its reads take."""
    meta = pf.metadata
    widths = _widths(pf, columns)
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


def _widths(pf: Any, columns: tuple[str, ...]) -> list[tuple[str, int | None, int | None]]:
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
    schema = pf.schema_arrow
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


def _refuse_unusable(schema, columns: tuple[str, ...], path: str) -> None:
    """See :meth:`ParquetReader.refuse_unusable`."""
    import pyarrow as pa

    def unusable(t) -> bool:
        while isinstance(t, pa.BaseExtensionType) or pa.types.is_dictionary(t):  # (a tensor's storage: a list)
            t = t.storage_type if isinstance(t, pa.BaseExtensionType) else t.value_type
        return pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t) or \
            pa.types.is_fixed_size_binary(t) or getattr(pa.types, "is_binary_view", lambda _: False)(t)

    present = set(schema.names)  # (schema.names builds a new list at each read)
    for c in columns:
        if c in present and unusable(schema.field(c).type):
            raise DataError(f"column {shown(c)} of {shown(path, 300)} holds {schema.field(c).type} values; a column "
                            "must hold numbers, booleans or strings (convert it before fitting)")
        if c in present and _unknown_time_zone(schema.field(c).type):
            raise DataError(f"column {shown(c)} of {shown(path, 300)} holds timestamps in the time zone "
                            f"{shown(schema.field(c).type.tz)}, which pyarrow does not know; a column must hold "
                            "numbers, booleans or strings (convert it before fitting)")


def _unknown_time_zone(t) -> bool:
    """A timestamp type whose time zone pyarrow cannot convert to pandas (a file can name any text there): its
    row groups were read with pyarrow's error, refused as damaged data."""
    import pyarrow as pa

    if not (pa.types.is_timestamp(t) and t.tz):
        return False
    try:
        pa.array([], type=t).to_pandas()
    except (ValueError, TypeError):  # (ArrowInvalid)
        return True
    return False

def _repeated(names: tuple[str, ...]) -> str | None:
    """The first name that ``names`` holds twice, or None (in linear time: a file may have many columns)."""
    seen: set = set()
    for c in names:
        if c in seen:
            return c
        seen.add(c)
    return None


def string_columns(schema, columns: tuple[str, ...]) -> list[str]:
    """The ``columns`` that hold strings: plain, or an unordered dictionary of them (an encoding whose order
    is that of first appearance in whatever wrote the file; an ordered dictionary's order is declared, and so
    is a pandas Categorical's, by :func:`declared_categoricals`)."""
    import pyarrow as pa

    def text(t) -> bool:
        return pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view",
                                                                               lambda _: False)(t)

    out = []
    present = set(schema.names)  # (schema.names builds a new list at each read: many columns, many lists)
    declared = None
    for c in columns:
        if c in present:
            t = schema.field(c).type
            if text(t):
                out.append(c)
            elif pa.types.is_dictionary(t) and text(t.value_type) and not t.ordered:
                declared = declared_categoricals(schema) if declared is None else declared
                if c not in declared:
                    out.append(c)
    return out


def _null_columns(schema, columns: tuple[str, ...]) -> list[str]:
    """The ``columns`` of Arrow's null type: a file in which a column has no value at all stores no type."""
    import pyarrow as pa

    present = set(schema.names)
    return [c for c in columns if c in present and pa.types.is_null(schema.field(c).type)]


def _used_entries(table: Any, columns: Sequence[str]) -> Any:
    """``table`` (an Arrow table or record batch) with the dictionary of each of ``columns`` read as a dictionary
    of strings cut to the entries its rows use, in their order (codes remapped).  Such a column is an encoding of
    strings, whose levels are the strings the rows hold (:func:`string_columns`), but a file's dictionary may
    hold any number of entries no row uses: a 400 KB file of 12 rows whose dictionary held a million took 22 s
    and 620 MB to fit (62 s with ``relevel()``), every entry a category sorted, converted and matched.  A chunk
    whose codes lie outside its dictionary (a forged file) is left as it is, for pyarrow to refuse."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for name in columns:
        i = table.schema.get_field_index(name)
        if i < 0 or not pa.types.is_dictionary(table.schema.field(i).type):
            continue
        chunks = table.column(i).chunks if isinstance(table, pa.Table) else [table.column(i)]
        cut = [_used_dictionary(c, pc) for c in chunks]
        if all(a is b for a, b in zip(cut, chunks)):
            continue
        if not isinstance(table, pa.Table):  # (a record batch of a long row group)
            table = pa.Table.from_batches([table])
        table = table.set_column(i, table.schema.field(i), pa.chunked_array(cut, table.schema.field(i).type))
    return table


def _used_dictionary(chunk: Any, pc: Any) -> Any:
    """The dictionary array ``chunk`` with only the entries its codes use (itself when it uses every one, or
    when a code lies outside the dictionary)."""
    import pyarrow as pa

    size = len(chunk.dictionary)
    missing = np.asarray(chunk.indices.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    codes = np.asarray(pc.fill_null(chunk.indices, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    present = codes[~missing]
    if present.size and (present.min() < 0 or present.max() >= size):
        return chunk
    used = np.zeros(size, dtype=bool)
    used[present] = True
    if used.all():
        return chunk
    remap = np.cumsum(used) - 1
    indices = pa.array(remap[codes], type=chunk.indices.type, mask=missing if missing.any() else None)
    return pa.DictionaryArray.from_arrays(indices, chunk.dictionary.filter(pa.array(used)))


def _as_read(df: pd.DataFrame, strings: list[str], nulls: list[str]) -> pd.DataFrame:
    """A chunk as the model frame reads it: string columns with sorted categories, and each column without a
    value or a type as float NaN (missing, as it is in the other files whatever its type there: a model that
    uses it drops these rows, and numeric expressions of it evaluate)."""
    for c in nulls:
        df[c] = np.full(len(df), np.nan)
    return _sorted_categories(df, strings)


def _sorted_categories(df: pd.DataFrame, strings: list[str]) -> pd.DataFrame:
    """The dictionary-read string columns with their categories in sorted order (codes remapped)."""
    for c in strings:
        col = df[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = np.asarray(col.cat.categories, dtype=object)
            order = np.argsort(cats.astype(str), kind="stable")
            if not np.array_equal(order, np.arange(order.size)):
                df[c] = col.cat.reorder_categories(cats[order])
    return df
