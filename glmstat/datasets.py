"""Bundled data sets (``data/`` in the repository, shipped inside the wheel as ``glmstat/data``).

Each data set is a CSV file described in the catalog ``datasets.json`` (written by the R script
``tests/fixtures/scripts/export_datasets.R``): its title, description and source, and for every column its
meaning, R class, factor levels in R's order and whether the factor is ordered.  The loader reads each CSV with
the dtypes the catalog gives, never guessing, so R's column types come back exactly:

==========================  =====================================================================
R column                    pandas column
==========================  =====================================================================
factor / ordered factor     ``category`` with R's levels in R's order, ``ordered`` as in R
integer, no NA              ``int64``
integer with NA             ``float64`` (NA as NaN: numpy integers have no missing value)
numeric (double)            ``float64``
logical                     ``bool`` (``boolean`` if it has NA)
character                   strings
==========================  =====================================================================

:func:`catalog_markdown` gives the Markdown catalog kept as ``docs/datasets.md``.
"""

from __future__ import annotations

import json
import textwrap
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ._arguments import shown
from ._suggest import close_matches
from .rcsv import EXACT_FLOATS
from .errors import DataError

__all__ = ["list_datasets", "load_dataset", "describe_dataset", "dataset_path", "catalog_markdown"]

_CATALOG_FILE = "datasets.json"
_TEXT_TYPES = ("factor", "character", "logical")  # read as text, converted after reading


def _data_dir() -> Path:
    packaged = resources.files("glmstat") / "data"
    if packaged.is_dir():  # installed wheel
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "data"  # source checkout / editable install


@lru_cache(maxsize=1)
def _catalog() -> dict[str, Any]:
    """The parsed catalog, by data set name (read once; never mutated)."""
    return json.loads((_data_dir() / _CATALOG_FILE).read_text(encoding="utf-8"))["datasets"]


def _entry(name: str) -> tuple[str, dict[str, Any]]:
    """The catalog name (lower case) and entry of ``name`` in any case, or a DataError naming close matches."""
    if not isinstance(name, str):
        raise DataError(f"a data set name must be a string, not {type(name).__name__}")
    catalog = _catalog()
    key = name.strip().lower()
    if key in catalog:
        return key, catalog[key]
    close = close_matches(key, catalog, n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
    raise DataError(f"no bundled data set {shown(name)}; {hint}gs.list_datasets() lists all {len(catalog)}")


def list_datasets() -> pd.DataFrame:
    """The bundled data sets, one row each, sorted by name.

    Returns
    -------
    pandas.DataFrame
        Columns ``name`` (what :func:`load_dataset` takes), ``rows``, ``columns`` (the number of columns),
        ``title`` and ``source`` (the citation).
    """
    catalog = _catalog()
    return pd.DataFrame(
        [(n, e["rows"], len(e["columns"]), e["title"], e["source"]) for n, e in sorted(catalog.items())],
        columns=["name", "rows", "columns", "title", "source"],
    )


def dataset_path(name: str) -> Path:
    """Path of a bundled data set's CSV file (the name in any case)."""
    return _data_dir() / _entry(name)[1]["file"]


def load_dataset(name: str) -> pd.DataFrame:
    """A bundled data set as a new DataFrame with R's column types, e.g. ``load_dataset("warpbreaks")``.

    Parameters
    ----------
    name
        The data set's name as :func:`list_datasets` gives it: R's name in lower case (``"insectsprays"``,
        ``"pima.tr"``); any case is accepted.

    Returns
    -------
    pandas.DataFrame
        R's factors as categoricals with R's level order (ordered where R's are), integers without NA as
        ``int64``, doubles and integers with NA as ``float64`` (NA as NaN), logicals as ``bool``.  Where R's
        row names carry information (mtcars' car models) they are the index; otherwise the index is 1..n,
        as R's automatic row names (so a row is labelled as R labels it in residuals, plots and influence
        tables) -- also where R's row names are numbers that are not 1..n (birthwt's "85", "86", ..., MASS's
        row ids of the original study), which are not kept.

    Raises
    ------
    DataError
        No data set has that name (the message names close matches), or the file does not match its catalog.
    """
    key, entry = _entry(name)
    columns = entry["columns"]
    dtypes = {c["name"]: _read_dtype(c) for c in columns}
    data = pd.read_csv(
        _data_dir() / entry["file"],
        dtype=dtypes,
        keep_default_na=False,  # only an empty field is NA: "None" is a level of Cars93's AirBags
        na_values=[""],
        index_col=0 if entry["row_names"] else None,
        **EXACT_FLOATS,  # (the exact doubles written)
    )
    if entry["row_names"]:
        data.index.name = None  # R's row names have no name
    else:  # 1..n, R's automatic row names, so that row labels (residuals, plots, influence) read as R's
        data.index = pd.RangeIndex(1, len(data) + 1)
    names = [c["name"] for c in columns]
    if list(data.columns) != names or len(data) != entry["rows"]:
        raise DataError(f"the bundled file of {shown(key)} does not match its catalog entry; reinstall glmstat")
    converted = {c["name"]: _convert(data[c["name"]], c, key) for c in columns if c["type"] in _TEXT_TYPES}
    return data.assign(**converted) if converted else data


def _read_dtype(column: dict[str, Any]) -> str:
    kind = column["type"]
    if kind in _TEXT_TYPES:
        return "str"
    if kind == "integer":
        return "int64" if column["missing"] == 0 else "float64"
    if kind == "numeric":
        return "float64"
    raise DataError(f"unknown column type {shown(kind)} in the data set catalog")


def _convert(values: pd.Series, column: dict[str, Any], key: str) -> pd.Series:
    """A text column as R had it: a factor, a logical or a character vector."""
    kind = column["type"]
    if kind == "factor":
        out = pd.Series(pd.Categorical(values, categories=column["levels"], ordered=column["ordered"]),
                        index=values.index, name=values.name)
    elif kind == "logical":
        mapped = values.map({"TRUE": True, "FALSE": False})
        out = mapped.astype("boolean" if column["missing"] else bool)
    else:
        out = values
    if int(out.isna().sum()) != column["missing"]:  # a value outside the levels would turn into NA silently
        raise DataError(f"column {shown(column['name'])} of {shown(key)} does not match its catalog entry; "
                        "reinstall glmstat")
    return out


def _column_kind(column: dict[str, Any]) -> str:
    """R's type of a column in a few words (levels listed when few, NAs counted)."""
    kind = column["type"]
    if kind == "factor":
        levels = column["levels"]
        word = "ordered factor" if column["ordered"] else "factor"
        kind = (f"{word}, {len(levels)} levels" if len(levels) > 8
                else f"{word}: {(' < ' if column['ordered'] else ', ').join(levels)}")
    return f"{kind}; {column['missing']} NA" if column["missing"] else kind


def describe_dataset(name: str) -> str:
    """The documentation of a bundled data set: title, size, description, source, one line per variable.

    Each variable's line gives its name, its R type (factor levels in R's order, ``<`` between the levels of
    an ordered factor) and its meaning with units.
    """
    key, e = _entry(name)
    width = max(len(c["name"]) for c in e["columns"])
    wrap = textwrap.TextWrapper(width=100, subsequent_indent="  ")
    lines = [f"{key}: {e['title']}", f"{e['rows']} rows, {len(e['columns'])} columns.",
             wrap.fill(e["description"]), wrap.fill(f"Source: {e['source']}"), wrap.fill(f"Data: {e['origin']}."),
             "", "Variables:"]
    for c in e["columns"]:
        lines.append(f"  {c['name'].ljust(width)}  {c['description']} [{_column_kind(c)}]")
    if e["row_names"]:
        lines.append("  (the row index holds R's row names)")
    return "\n".join(lines)


def _md(text: Any) -> str:
    """A Markdown table cell: pipes escaped."""
    return str(text).replace("|", "\\|")


def catalog_markdown() -> str:
    """The catalog as Markdown: a table of every data set (name, rows, columns, title, source), then each
    data set's variables.  ``docs/datasets.md`` is this text; a test keeps the two equal."""
    catalog = _catalog()
    out = ["# Bundled data sets", "",
           "<!-- Generated from data/datasets.json by glmstat.datasets.catalog_markdown(); do not edit by hand: "
           "python -c \"import glmstat.datasets as d; print(d.catalog_markdown(), end='')\" > docs/datasets.md -->",
           "",
           "Load one with `gs.load_dataset(name)` (R's column types: factors as categoricals in R's level "
           "order, ordered where R's are), read its documentation with `gs.describe_dataset(name)`, list them "
           "with `gs.list_datasets()` or `glmstat datasets`.", "",
           "| name | rows | columns | title | source |", "|---|---:|---:|---|---|"]
    for n, e in sorted(catalog.items()):
        out.append(f"| {_md(n)} | {e['rows']} | {len(e['columns'])} | {_md(e['title'])} | {_md(e['source'])} |")
    for n, e in sorted(catalog.items()):
        out += ["", f"## {n}", "", f"**{e['title']}.** {e['description']}", "",
                f"Source: {e['source']} Data: {e['origin']}.", "",
                "| variable | type | description |", "|---|---|---|"]
        out += [f"| {_md(c['name'])} | {_md(_column_kind(c))} | {_md(c['description'])} |" for c in e["columns"]]
    return "\n".join(out) + "\n"
