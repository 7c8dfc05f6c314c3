"""Arrow tables and polars DataFrames as pandas DataFrames: the conversion, and what a table's schema says.

An in-memory table is converted once (:func:`in_memory_frame`); a Parquet file's row groups are converted as
they are read (:mod:`glmstat.formula.readers`), by the same rules: strings stored as an unordered dictionary
are a factor whose levels are sorted as R sorts those of character data, and only the entries some row uses;
an ordered dictionary, or a pandas Categorical that the schema's pandas metadata declares, keeps its order;
nullable integers stay exact (pandas' Int64); text that is not UTF-8, a time zone pyarrow does not know and
columns no model can use (lists, structs, bytes) are refused naming the column.  The pandas metadata is read
as data, never applied as it is (it may be forged).
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from .._arguments import shown, shown_items
from ..errors import DataError, GLMStatError, MissingDependencyError
from .limits import DEFAULT_LIMITS, FormulaLimits, refuse

__all__ = ["arrow_schema", "is_table", "in_memory_frame", "arrow_to_pandas", "pandas_metadata", "declared_categoricals",
           "index_columns", "numeric_categoricals", "refuse_unusable", "repeated_name", "string_columns",
           "null_columns", "used_entries", "as_read", "read_metadata_only"]


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


def _run_ends_decoded(table: Any) -> Any:
    """The Arrow table (or record batch) with its run-end encoded columns decoded (measured first by
    :func:`_decoded_bytes`): pyarrow 14, the oldest supported, cannot convert them to pandas ("No known equivalent
    Pandas block"), newer ones decode them so; a decoded column of strings is then a column of strings as any
    other."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = [i for i, f in enumerate(table.schema) if pa.types.is_run_end_encoded(f.type)]
    if not encoded:
        return table
    if not isinstance(table, pa.Table):
        table = pa.Table.from_batches([table])
    for i in encoded:
        field = table.schema.field(i)
        column = pc.run_end_decode(table.column(i))
        table = table.set_column(i, pa.field(field.name, column.type, field.nullable, field.metadata), column)
    return table


def is_table(data: Any) -> bool:
    """Whether ``data`` is a pyarrow Table (or record batch) or a polars DataFrame: what :func:`in_memory_frame`
    converts to pandas, a column at a time (some 30 us each)."""
    return arrow_schema(data) is not None or (type(data).__module__.split(".")[0] == "polars"
                                              and hasattr(data, "to_pandas"))


def in_memory_frame(data: Any, limits: FormulaLimits = DEFAULT_LIMITS, columns: frozenset[str] | None = None) -> Any:
    """A pyarrow Table or a polars DataFrame as a pandas DataFrame (once); anything else unchanged.  ``columns``:
    only these of its columns are converted (None: every one); a column costs some 30 us to convert, and new data of
    200,000 columns took 7 s of CPU time to predict from one.

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
        twice = repeated_name(tuple(data.schema.names))
        if twice is not None:  # (Arrow allows it; pandas' frame of it has a DataFrame where a column should be)
            raise DataError(f"the Arrow table has two columns named {shown(twice)}; rename one so that every "
                            "column name is unique")
        if columns is not None:
            data = data.select([i for i, name in enumerate(data.schema.names) if name in columns])
        if (expanded := _decoded_bytes(data)) > limits.max_design_bytes:
            raise refuse("max_design_bytes", f"the Arrow table's run-end encoded columns of {data.num_rows:,} rows "
                                             "decode to more bytes than allowed", expanded, limits)
        try:
            data = _run_ends_decoded(data)
            frame = arrow_to_pandas(used_entries(data, string_columns(data.schema, tuple(data.schema.names))))
        # (pyarrow's ArrowInvalid: a time zone it does not know, say; pytz's UnknownTimeZoneError, a KeyError,
        # where pandas before 3 looks the time zone up)
        except (ValueError, TypeError, KeyError) as e:
            if isinstance(e, GLMStatError):  # (an ordered dictionary that holds a value twice)
                raise
            raise DataError(_arrow_refusal(data)) from e
        except MemoryError:  # (ArrowMemoryError: a column run-end encoded in a few bytes, a billion values decoded)
            raise DataError(f"the Arrow table of {data.num_rows:,} rows and {data.num_columns:,} column(s) does not "
                            "fit in memory once decoded for fitting (a run-end or dictionary encoding holds far more "
                            "values than its bytes); give fewer rows or columns") from None
        return _strings_sorted(frame, keep=declared_categoricals(data.schema))
    if module == "polars" and hasattr(data, "to_pandas"):
        if columns is not None:
            data = data.select([name for name in data.columns if name in columns])
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
        except (ValueError, TypeError, KeyError):  # (KeyError: pytz's unknown time zone, before pandas 3)
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


def unconvertible_columns(data: Any) -> str:
    """The columns of an Arrow table (or record batch) that pandas cannot take, each with its type (see
    :func:`_unconvertible`)."""
    return _unconvertible((name, data.schema.field(i).type, lambda i=i: data.column(i).to_pandas())
                          for i, name in enumerate(data.schema.names))


def _arrow_refusal(data: Any) -> str:
    """Which columns of an Arrow table (or record batch) pandas cannot take -- a timestamp whose time zone
    neither pyarrow nor Python knows, from a file someone else wrote -- and what to do."""
    return (f"the Arrow table cannot be converted for fitting: {unconvertible_columns(data)} has a type pyarrow and "
            "pandas cannot hold; drop it or cast it before fitting")


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
    # (split_blocks: a column per block, so numeric columns without missing values are views of the table's own
    # buffers; pandas' default joins the columns of each dtype into one 2-D block, a copy of every column used or
    # not -- 400 MB and 1.8 s for fifty float columns of 1e6 rows fitted on two)
    try:
        return table.to_pandas(types_mapper=mapper, split_blocks=True)
    except Exception:  # (KeyError, JSON, NotImplementedError of a dtype it names, ...: any error is the metadata's)
        table = table.replace_schema_metadata(None)
    import pyarrow as pa

    try:
        return table.to_pandas(types_mapper=mapper, split_blocks=True)
    except ValueError:  # (pandas: "Categorical categories must be unique")
        return _unique_dictionaries(table).to_pandas(types_mapper=mapper, split_blocks=True)
    except pa.ArrowException:  # (strings that are not UTF-8: "Unknown error: Wrapping ... failed")
        raise DataError(_invalid_text(table)) from None


def _is_string_view(t) -> bool:
    """Whether the Arrow type is a string view (pyarrow 16 has them; pyarrow 14, the oldest supported, has no
    ``is_string_view``)."""
    import pyarrow as pa

    test = getattr(pa.types, "is_string_view", None)
    return test is not None and test(t)


def _invalid_text(table: Any) -> str:
    """The message for an Arrow table (or record batch) that pandas cannot take, naming the first string column
    whose bytes are not UTF-8 text -- a Parquet file or an Arrow table from someone else may hold any bytes in
    one, which pyarrow does not check until they are converted."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        t = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or _is_string_view(t):
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


def read_metadata_only(schema: Any) -> Any:
    """``schema`` with its key-value metadata cut to the pandas metadata, the only key glmstat reads (a file from
    someone else may carry any amount of the rest: 50 MB of it, kept, was 50 MB held for the fit's life)."""
    kept = {k: v for k, v in (schema.metadata or {}).items() if k == _PANDAS_KEY}
    return schema.with_metadata(kept) if kept else schema.remove_metadata()


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


def refuse_unusable(schema, columns: tuple[str, ...], path: str) -> None:
    """See :meth:`ParquetReader.refuse_unusable`."""
    import pyarrow as pa

    def unusable(t) -> bool:
        while isinstance(t, pa.BaseExtensionType) or pa.types.is_dictionary(t):  # (a tensor's storage: a list)
            t = t.storage_type if isinstance(t, pa.BaseExtensionType) else t.value_type
        # (a fixed-size list, a tensor's storage, is not nested to pyarrow 14's is_nested: named too)
        # (a time of day: pandas reads Python's datetime.time, refused in memory, and time64[ns] not at all)
        return pa.types.is_nested(t) or pa.types.is_fixed_size_list(t) or pa.types.is_binary(t) or \
            pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t) or pa.types.is_time(t) or \
            getattr(pa.types, "is_binary_view", lambda _: False)(t)

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
    except (ValueError, TypeError, KeyError):  # (ArrowInvalid; pytz's UnknownTimeZoneError before pandas 3)
        return True
    return False


def repeated_name(names: tuple[str, ...]) -> str | None:
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
        return pa.types.is_string(t) or pa.types.is_large_string(t) or _is_string_view(t)

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


def null_columns(schema, columns: tuple[str, ...]) -> list[str]:
    """The ``columns`` of Arrow's null type: a file in which a column has no value at all stores no type."""
    import pyarrow as pa

    present = set(schema.names)
    return [c for c in columns if c in present and pa.types.is_null(schema.field(c).type)]


def used_entries(table: Any, columns: Sequence[str]) -> Any:
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
        read = table.column(i).chunks if isinstance(table, pa.Table) else [table.column(i)]
        combined = _combined(table.column(i), pa, pc) if len(read) > 1 else None
        chunks = read if combined is None else [combined]
        cut = [_used_dictionary(c, pc) for c in chunks]
        if len(cut) == len(read) and all(a is b for a, b in zip(cut, read)):
            continue
        if not isinstance(table, pa.Table):  # (a record batch of a long row group)
            table = pa.Table.from_batches([table])
        table = table.set_column(i, table.schema.field(i), pa.chunked_array(cut, table.schema.field(i).type))
    return table


def _combined(column: Any, pa: Any, pc: Any) -> Any:
    """The chunks of the dictionary ``column`` (the row groups of one read) as one, their dictionaries unified, where
    that costs no more than their rows: every code lies inside its chunk's dictionary (checked over all the
    codes at once: unifying transposes them unchecked), and the dictionaries hold no more entries than the
    chunks' rows.  Else None: a forged dictionary of a million entries is cut chunk by chunk.  (A file of 20,000
    one-row row groups spent 4 s of its 8 s fit cutting each chunk's dictionary.)"""
    chunks = column.chunks
    sizes = np.array([len(c.dictionary) for c in chunks], dtype=np.int64)
    lengths = np.array([len(c) for c in chunks], dtype=np.int64)
    if sizes.sum() > lengths.sum():
        return None
    codes = pc.fill_null(pa.concat_arrays([c.indices for c in chunks]), 0).to_numpy(zero_copy_only=False)
    bound = np.repeat(sizes, lengths)
    if codes.size and not bool(np.all((codes >= 0) & (codes < bound))):
        return None
    return column.combine_chunks()


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


def as_read(df: pd.DataFrame, strings: list[str], nulls: list[str]) -> pd.DataFrame:
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
