"""The ``glmstat`` command line: fit a model from a CSV/Parquet file or a bundled data set, list data sets.

::

    glmstat fit "passed ~ hours + score" students --family binomial
    glmstat fit "count ~ spray" sprays.csv --family poisson --link sqrt
    glmstat fit "y ~ x" data.parquet --family tweedie --var-power 1.5 --link-power 0
    glmstat datasets

The summary goes to stdout, and each warning is printed once, in the words of the Python warning: glmstat's
warnings about the fit are part of the summary (its warnings block, as ``print(fit.summary())`` shows
them), so they are not repeated; any other warning -- and every warning under ``--format latex``, whose
table has no room for them -- goes to stderr as one line ``warning: ...``.  ``--format html`` writes a
complete HTML page.  Bad input
(an unknown family, a missing column or file, an unreadable CSV) ends with one line ``glmstat: error: ...``
on stderr and exit status 1; a malformed command line with exit status 2, as argparse does.  Nothing
statistical happens here: the command line only maps its arguments onto :func:`glmstat.glm`; a Parquet file
is handed to it as its path, so that it is read as ``glm(formula, "data.parquet")`` reads it: only the model's
columns, a row group at a time, each within the fit's memory bound.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import glob
import mmap
import os
import re
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Iterator, Sequence, TextIO

import pandas as pd

from ._arguments import shown
from . import __version__
from .api import glm
from .datasets import list_datasets, load_dataset
from .errors import DataError, FamilyError, GLMStatError, GLMStatWarning
from .families import Family, NegativeBinomial, Quasi, Tweedie, get_family
from .formula.data_paths import PARQUET_SUFFIXES
from .formula.nodes import Formula, count_dots, names_read
from .formula.parser import parse, parse_expression
from .formula.terms import check_term_count
from .report.rformat import encode_string
from .csv_rows import first_long_row
from .rcsv import r_column_types, read_fields, refuse_nul
from .report.summary import Summary

__all__ = ["main", "build_parser", "read_data", "make_family", "FAMILY_NAMES"]

_PROG = "glmstat"
_FORMATS = ("text", "markdown", "latex", "html")
FAMILY_NAMES = ("binomial", "poisson", "gaussian", "gamma", "inverse.gaussian", "negative.binomial",
                "quasipoisson", "quasibinomial", "quasi", "tweedie")
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class _UsageError(Exception):
    """A malformed command line (argparse's ``error()``), reported in one line with exit status 2."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


#: Most arguments a command line may hold: ``fit`` takes about thirty, and argparse's time grows with the square
#: of their number (an option repeated 20,000 times took 6.6 s, 5,000 times 0.44 s)
MAX_ARGUMENTS = 1000
#: Characters of argparse's message kept (it quotes the arguments it does not know, every one of them)
_MAX_USAGE_MESSAGE = 500


class _Parser(argparse.ArgumentParser):
    """argparse without the multi-line usage dump on error: the caller prints one line."""

    def error(self, message: str):  # type: ignore[override]
        cut = message if len(message) <= _MAX_USAGE_MESSAGE else message[:_MAX_USAGE_MESSAGE] + "..."
        raise _UsageError(self.prog, cut)


def _one_line(text: object) -> str:
    """Collapse a (possibly multi-line) message into one line, its other control characters (a terminal
    escape from a hostile column name) escaped as R prints them."""
    return encode_string(" ".join(str(text).split()), backslash=False)


# -- data -----------------------------------------------------------------------------------------------
def read_data(spec: str, needed: frozenset[str] | None = None, formula: Formula | None = None) -> pd.DataFrame | str:
    """The data named on the command line: a CSV or Parquet file, or a bundled data set.

    A path that exists is read as CSV, as R's ``read.csv`` reads it (:func:`_r_column_types`), unless it ends
    in ``.parquet``/``.pq``: a Parquet file (needs pyarrow)
    is not read here but returned as a path for :func:`glmstat.glm`, which reads only the columns the model
    uses, a row group at a time, and refuses what no model can use before reading it (a column of lists or
    bytes, a row group expanding beyond ``FormulaLimits.max_design_bytes``).  Read here, every column of the
    file was: a 3 KB file whose unused column held lists of ten million zeros took gigabytes.
    A name that is not a file is looked up among the bundled data sets (:func:`glmstat.load_dataset`); a file of no
    bytes by stat (empty, or a pseudo file such as ``/proc/kmsg``, which a reader waits on) is refused unopened.
    ``needed``: the columns the model can read (None: every one); of a CSV file with more than
    :data:`_ALL_COLUMNS` columns only the first that many and those are kept (a 4 MB file of 300,000 empty
    columns took 7 s and 475 MB read whole; the first ones stay for the "did you mean" of a misspelt name).
    ``formula``: the model the rows are read for (None: any); one that expands to more terms than the default
    ``FormulaLimits`` allow on a CSV file's columns is refused from its header, before its rows are read, as
    ``glm()`` would refuse it after (``y ~ .`` on a 6 MB file of 200,000 columns: 12 s of reading first).

    Returns
    -------
    DataFrame or str
        The rows of a CSV file or a bundled data set, or the path of a Parquet file.

    Raises
    ------
    DataError
        The file is missing, unreadable or empty, pyarrow is missing, or no data set has that name.
    """
    path = Path(spec)
    if path.is_dir():
        raise DataError(f"{shown(spec, 300)} is a directory; give a CSV or Parquet file or a bundled data set name")
    if path.is_file():
        if path.suffix.lower() in PARQUET_SUFFIXES:
            return _parquet_path(path)
        if path.stat().st_size == 0:  # (before it is opened: /proc/kmsg, a file of no bytes by stat, is read for ever)
            raise DataError(f"{shown(spec, 300)} is empty: expected a CSV file with a header row")
        try:
            return _r_row_names(_read_file(path, needed, formula))
        except MemoryError:  # (a header of one field of 150 MB: an internal error, not a refusal of the file)
            raise DataError(f"cannot read {shown(spec, 300)} as CSV: its {_size(path)} need more memory than this "
                            "process has (is one of its lines, or fields, that long?)") from None
    if path.suffix.lower() in (".csv", ".txt", *PARQUET_SUFFIXES) or len(path.parts) > 1:
        raise DataError(f"no such file: {shown(spec, 300)}")
    names = list(list_datasets()["name"])
    if spec.lower() in names:
        return load_dataset(spec)
    raise DataError(f"{shown(spec, 300)} is neither a file nor a bundled data set; bundled data sets: "
                    f"{', '.join(names)}")


def _size(path: Path) -> str:
    """The size of the file ``path`` as text (``"150 MB"``)."""
    try:
        size = path.stat().st_size
    except OSError:
        return "bytes"
    return f"{size:,} bytes" if size < 10**6 else f"{size / 10**6:,.0f} MB"


def _parquet_path(path: Path) -> str:
    """The Parquet file ``path`` as ``glm()``'s ``data=``: the file itself, its ``*``, ``?`` and ``[`` escaped
    (glm() reads a path holding them as a glob, and this is one file's name)."""
    try:
        import pyarrow.parquet  # noqa: F401  (optional extra: said here, before the formula is read)
    except ImportError:
        raise DataError(
            f"reading the Parquet file {shown(str(path), 300)} needs pyarrow: pip install 'glmstat[parquet]' "
            "(or save the data as CSV)"
        ) from None
    text = str(path)
    return glob.escape(text) if any(ch in text for ch in "*?[") else text


def _r_row_names(data: pd.DataFrame) -> pd.DataFrame:
    """Rows without labels of their own labelled 1..n, as R's ``read.csv`` names them (and as the bundled data
    sets are), so that the summary's residual labels are R's."""
    if isinstance(data.index, pd.RangeIndex) and data.index.start == 0 and data.index.step == 1:
        return data.set_axis(pd.RangeIndex(1, len(data) + 1), axis=0)
    return data


#: A CSV file's columns read whatever the model reads (see :func:`read_data`).
_ALL_COLUMNS = 1000


def _read_file(path: Path, needed: frozenset[str] | None = None, formula: Formula | None = None) -> pd.DataFrame:
    """The rows of the CSV file ``path`` (its columns and ``formula`` as :func:`read_data` says).  A message about
    a file that cannot be read never quotes its content (the file may not be a data file at all): it says what
    kind of problem, and where, only."""
    _refuse_long_lines(path)
    header = _header_names(path)
    if header is not None and formula is not None:
        check_term_count(formula, header[0])
    if header is not None:
        _refuse_fields_beyond_the_header(path, *header[:2])
    try:
        names, consumed, renamed = header if header is not None else ([], 0, False)
        keep = None if needed is None or len(names) <= _ALL_COLUMNS else \
            names[:_ALL_COLUMNS] + [c for c in names[_ALL_COLUMNS:] if c in needed]
        after = None if not renamed and keep is None else (names, consumed)
        data = read_fields(path, after, keep)
    except pd.errors.EmptyDataError:
        raise DataError(f"{shown(str(path), 300)} is empty: expected a CSV file with a header row") from None
    except pd.errors.ParserError as exc:
        where = re.search(r"line (\d+)", str(exc))
        raise DataError(f"cannot read {shown(str(path), 300)} as CSV: the rows do not have the header's number of "
                        f"fields{' (line ' + where.group(1) + ')' if where else ''}") from None
    except UnicodeDecodeError:
        raise DataError(f"cannot read {shown(str(path), 300)} as CSV: it is not UTF-8 text") from None
    except OSError as exc:
        raise DataError(f"cannot read {shown(str(path), 300)}: {exc.strerror or type(exc).__name__}") from None
    refuse_nul(path, data)
    if data.shape[1] < 2:
        raise DataError(
            f"{shown(str(path), 300)} has {data.shape[1]} column; a model needs a response and predictors: is it a "
            "comma-separated file with a header row?"
        )
    return r_column_types(data)


#: A CSV file's tokens: a quoted field without doubled quotes, an unquoted field, a comma, a line end, the opening
#: quote of any other quoted field (whose end :func:`_quoted_end` finds).  Every byte starts one.  (A quoted field
#: as one pattern, '"(?:[^"]|"")*"', made Python's regular expressions keep a backtracking record for each of its
#: characters: a first row of one quoted field of 20 MB took 2.3 GB, a MemoryError in a smaller process; each
#: pattern here repeats one character only, which keeps none.)
_CSV_TOKEN = re.compile(rb'"[^"]*"(?!")|[^",\r\n]+|,|\r\n|\r|\n|"')
#: A run of quotes (a repeat of one character: no record kept for each)
_QUOTES = re.compile(rb'"+')
#: A run of line ends: the blank lines before the first row, skipped in one match (one token each, a file of five
#: million line ends after the header took 5 s in Python before a fit of three rows)
_LINE_ENDS = re.compile(rb"[\r\n]*")


#: The longest row (bytes, its line end not counted, its quoted fields' line ends counted) of a CSV file the command
#: line reads: the csv module and pandas hold a row several times over, and a header of one field of 1 GB asked for
#: some gigabytes (see :func:`_refuse_long_lines`).  16 MiB holds a header of a million columns.
MAX_LINE_BYTES = 16 * 2**20


def _refuse_long_lines(path: Path) -> None:
    """Refuse the CSV file ``path`` when one of its rows is longer than :data:`MAX_LINE_BYTES`, naming the file, the
    row, its lines and the bound, before any of it is read.  A row ends at a line end (``\n``, ``\r`` or ``\r\n``)
    outside quotes, as pandas' reader and R's ``read.csv`` end it: a quoted field's line ends are the row's, so a
    field of a million short lines is one row (it passed a bound on lines, and pandas, or the csv module reading a
    header, held it whole: bounded by memory alone).  Measured in numpy a window at a time
    (:func:`glmstat.csv_rows.first_long_row`); a file no longer than the bound is not searched."""
    bound = MAX_LINE_BYTES
    try:
        if path.stat().st_size <= bound:
            return
    except OSError:  # (the reader says what is wrong)
        return
    with open(path, "rb") as fh:
        try:
            view = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):
            return
    with view:
        long = first_long_row(view, bound)
    if long is None:
        return
    what = "the header" if long.row == 0 else f"row {long.row:,}"
    where = (f"its line {long.first_line:,} ({what})" if long.first_line == long.last_line else
             f"{what} (line {long.first_line:,} to line {long.last_line:,}: the line ends of its quoted fields are "
             "the row's)")
    raise DataError(f"cannot read {shown(str(path), 300)} as CSV: {where} is longer than {bound:,} bytes, the "
                    "longest row the command line reads (the reader holds a row several times over in memory)")


def _refuse_fields_beyond_the_header(path: Path, names: list[str], offset: int) -> None:
    """Refuse a file whose first row holds more fields than the header plus one, as R's ``read.csv`` does
    ("more columns than column names"; one more is the rows' names).  pandas took the extra fields as a
    multi-level index of the rows, one level a field: a row of 100,000 fields under a header of two (a 200 KB
    file) took 25 s, ten million (20 MB) hours.  The row is scanned from ``offset`` (where the header ends) by
    tokens, in place, and only as far as the header's count plus two fields: never more than the header
    asks for; a row holding no quote by its commas, counted in C (:func:`_fields_without_quotes`)."""
    limit = len(names) + 1
    with open(path, "rb") as fh:
        try:
            view = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):  # (an empty file, or one that cannot be mapped: pandas says what is wrong)
            return
    with view:
        # (blank lines before the first row are skipped, as pandas and R skip them)
        fields, line, at = 1, 0, _LINE_ENDS.match(view, offset).end()
        counted = _fields_without_quotes(view, at, limit)
        if counted is not None:
            if counted > limit:
                _refuse_too_many_fields(path, names)
            return
        while at < len(view):
            m = _CSV_TOKEN.match(view, at)
            token = m.group() if m.end() - at <= 2 else b"field"  # (a long unquoted field is not copied)
            at = _quoted_end(view, m.end()) if token == b'"' else m.end()
            if token in (b"\n", b"\r", b"\r\n"):
                if line:
                    return
            else:
                line += 1
                fields += token == b","
                if fields > limit:
                    _refuse_too_many_fields(path, names)


def _refuse_too_many_fields(path: Path, names: list[str]) -> None:
    raise DataError(f"cannot read {shown(str(path), 300)} as CSV: its first row has more fields than the header's "
                    f"{len(names):,} names and one for the row's name (R: more columns than column names)")


def _fields_without_quotes(view: mmap.mmap, at: int, limit: int) -> int | None:
    """The fields of the row starting at ``at`` when it holds no quote, counted up to ``limit + 1`` (its commas,
    counted in C a megabyte at a time: token by token in Python, a first row of a million empty fields took 11 s
    of CPU time); None for a row holding a quote, where a comma or a line end may be a quoted field's (the tokens
    read it)."""
    ends = [i for i in (view.find(b"\n", at), view.find(b"\r", at)) if i >= 0]
    end = min(ends, default=len(view))
    if view.find(b'"', at, end) >= 0:
        return None
    fields = 1
    for start in range(at, end, 1 << 20):
        fields += view[start:min(end, start + (1 << 20))].count(b",")
        if fields > limit:
            break
    return fields


def _quoted_end(view: mmap.mmap, start: int) -> int:
    """Where the quoted field whose opening quote ends at ``start`` ends: after the first run of quotes of odd
    length (its doubled quotes are quotes of the text, the last one of the run closes it); when none closes it,
    ``start``: the quote is a token of its own, as the pattern's last choice took it, and the fields after it are
    counted (pandas reads a quote inside an unquoted field, ``ab"c``, as a character of it).  Each run of quotes
    is found by one search, so a field takes time in the number of its runs and no memory beyond the view; only
    the first quote that none closes searches to the end (every run after it is of even length, closed nearby)."""
    at = start
    while True:
        first = view.find(b'"', at)
        if first < 0:
            return start
        at = _QUOTES.match(view, first).end()
        if (at - first) % 2:
            return at


def _header_names(path: Path) -> tuple[list[str], int, bool] | None:
    """The column names pandas gives a CSV file, computed in linear time, the byte offset where the rows after
    the header start, and whether a name was renamed (the header repeats it); None when the csv module cannot
    read the header (pandas then reads the file, and says what is wrong).  pandas renames each repeat as R's
    read.csv does (a, a.1, a.2, ..., skipping a name the header already holds; an empty cell is 'Unnamed: i',
    renamed after the named columns), but searches the whole header for every candidate name, even when it
    is given the names: quadratic, 7 s for a header of 20,000 a's and more than 2 minutes for 200,000 (1 MB).
    The header is read with the csv module (a BOM, quotes, line ends and blank lines before it as pandas reads them)."""
    consumed = 0

    def lines(fh):
        nonlocal consumed
        # (empty lines before the header, rows that the csv module and pandas skip, are skipped by the block: one
        # by one, a file of ten million line ends took 7 s; a BOM is the file's first bytes or a character)
        skipped = consumed = _skip_line_ends(fh)
        # (lines end at \r, \n or \r\n, as pandas ends them: the csv module refused a header ended by a lone \r,
        # a file of old Mac line ends, and pandas renamed its repeats in quadratic time)
        for k, raw in enumerate(_lines(fh)):
            consumed += len(raw)
            yield raw.decode("utf-8-sig" if k == 0 and not skipped else "utf-8")

    limit = csv.field_size_limit()
    try:
        # (a field of the header may be longer than the csv module's 128 KB: it gave up, and pandas renamed the
        # repeats in quadratic time; no field is longer than the file)
        csv.field_size_limit(min(max(limit, path.stat().st_size), sys.maxsize))
        with open(path, "rb") as fh:
            header = next((row for row in csv.reader(lines(fh)) if row), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    finally:
        csv.field_size_limit(limit)
    names = [name or f"Unnamed: {i}" for i, name in enumerate(header)]
    if len(set(names)) == len(names):
        return names, consumed, False
    unnamed = [i for i, name in enumerate(header) if not name]
    present = Counter(names)  # (the names the header holds now: pandas's 'in names' on its list)
    counts: dict[str, int] = {}
    for i in [i for i, name in enumerate(header) if name] + unnamed:  # (pandas's mangle_dupe_names, in linear time)
        col = old = names[i]
        cur = counts.get(col, 0)
        while cur > 0:
            counts[old] = cur + 1
            col = f"{old}.{cur}"
            cur = cur + 1 if present[col] else counts.get(col, 0)
        if col != old:
            present[old] -= 1
            present[col] += 1
            names[i] = col
        counts[col] = cur + 1
    return names, consumed, True


#: The bytes of a CSV file read at a time while its header is read
_HEADER_BLOCK = 1 << 16


def _lines(fh) -> Iterator[bytes]:
    """The lines of the binary file ``fh`` from where it is, each with its line end (``\\r``, ``\\n`` or
    ``\\r\\n``), read a block of :data:`_HEADER_BLOCK` bytes at a time: only the lines taken are read and split
    (the file's binary lines end at ``\\n`` only, so a file of ``\\r`` line ends was one line, read and split
    whole to take its header: a 100 MB file of rows ``1,2\\r`` held 1.44 GB)."""
    parts: list[bytes] = []  # (the line begun in the blocks before, which a later block ends)
    while True:
        block = fh.read(_HEADER_BLOCK)
        if not block:
            if parts:
                yield b"".join(parts)
            return
        if b"\n" not in block and b"\r" not in block:
            parts.append(block)
            continue
        pieces = (b"".join(parts) + block).splitlines(True)
        parts = [pieces.pop()]  # (may go on in the next block: no line end yet, or a \r its \n follows)
        yield from pieces


def _skip_line_ends(fh) -> int:
    """Move the binary file ``fh`` past the line ends (``\\r``, ``\\n``) it starts with; the bytes skipped."""
    skipped = 0
    while True:
        block = fh.read(1 << 16)
        rest = block.lstrip(b"\r\n")
        skipped += len(block) - len(rest)
        if rest or not block:
            fh.seek(skipped)
            return skipped


# -- family ---------------------------------------------------------------------------------------------
def make_family(
    name: str,
    link: str | None = None,
    *,
    theta: float | None = None,
    var_power: float | None = None,
    link_power: float | None = None,
    variance: str | None = None,
) -> Family:
    """The family named on the command line, with the options that belong to it.

    ``theta`` fixes the negative binomial shape (estimated by maximum likelihood when omitted);
    ``var_power``/``link_power`` define a Tweedie family; ``variance`` is the quasi variance function.
    An option given to a family that does not take it is an error rather than silently ignored.
    """
    is_tweedie = name.lower() == "tweedie"
    family = None if is_tweedie else _get_family(name, link)
    for given, flag, owner, ok in (
        (theta, "--theta", "negative.binomial", isinstance(family, NegativeBinomial)),
        (var_power, "--var-power", "tweedie", is_tweedie),
        (link_power, "--link-power", "tweedie", is_tweedie),
        (variance, "--variance", "quasi", isinstance(family, Quasi)),
    ):
        if given is not None and not ok:
            raise FamilyError(f"{flag} applies to the {owner} family only, not to {shown(name)}")
    if is_tweedie:
        if var_power is None:
            raise FamilyError("the tweedie family needs --var-power (e.g. 1.5; 0 normal, 1 Poisson, 2 gamma)")
        if link is not None:
            raise FamilyError("the tweedie family takes --link-power (0 is the log link, 1 identity), not --link")
        return Tweedie(var_power=var_power, link_power=link_power)
    if theta is not None:
        return NegativeBinomial(link=link, theta=theta)
    if variance is not None:
        return Quasi(link=link, variance=variance)
    return family


def _get_family(name: str, link: str | None) -> Family:
    try:
        return get_family(name, link)
    except FamilyError as exc:
        if not str(exc).startswith("unknown family"):
            raise  # e.g. a link the family does not take
        raise FamilyError(f"unknown family {shown(name)}; families are {', '.join(FAMILY_NAMES)}") from None


def _parsed(formula: str) -> Formula | None:
    """``formula`` parsed, or None when it does not parse (glm() says why)."""
    try:
        return parse(formula)
    except GLMStatError:
        return None


def _columns_read(f: Formula | None, weights: str | None, offset: str | None,
                  subset: str | None = None) -> frozenset[str] | None:
    """The data columns a fit of the parsed formula ``f`` can read: the names it holds, the weights and offset
    columns (or the names of the R expressions they are) and the names of the subset condition; None (every
    column) for a formula with ``.`` or one that does not parse (None), or a subset condition that does not parse
    (glm() says why)."""
    if f is None or count_dots(f.rhs):
        return None
    names = set(names_read(f.rhs)) | (set(names_read(f.lhs)) if f.lhs is not None else set())
    names |= {c for c in (weights, offset) if c is not None}  # (a column's name, which may be no R name)
    for what, text in (("weights", weights), ("offset", offset), ("subset", subset)):
        if text is not None:  # (an R expression of columns: "log(service)")
            try:
                names |= set(names_read(parse_expression(text, what=what)))
            except GLMStatError:
                if what == "subset":
                    return None
    return frozenset(names)


# -- commands ---------------------------------------------------------------------------------------------
def _cmd_fit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    family = make_family(args.family, args.link, theta=args.theta, var_power=args.var_power,
                         link_power=args.link_power, variance=args.variance)
    formula = _parsed(args.formula)
    data = read_data(args.data, _columns_read(formula, args.weights, args.offset, args.subset), formula)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = glm(args.formula, data, family=family, weights=args.weights, offset=args.offset,
                      subset=args.subset, method=args.method, tol=args.tol, max_iter=args.max_iter)
        except ModuleNotFoundError as exc:
            if args.method != "irls" and exc.name and exc.name.startswith("glmstat"):
                raise GLMStatError(f"method {shown(args.method)} is not available in this glmstat version") from None
            raise
        summary = fit.summary(dispersion=args.dispersion, correlation=args.correlation,
                              symbolic_cor=args.symbolic_cor, stars=not args.no_stars, digits=args.digits)
    if args.format != "latex":
        summary = _with_warnings(summary, caught)
        caught = [w for w in caught if not issubclass(w.category, GLMStatWarning)]
    text = {"text": str, "markdown": lambda s: s.to_markdown(), "latex": lambda s: s.to_latex(),
            "html": lambda s: s.to_html(full_document=True)}[args.format](summary)
    out.write(text.rstrip("\n") + "\n")
    out.flush()  # the summary first, then the warnings, as R prints them
    _report_warnings(caught, err)
    return EXIT_OK


def _with_warnings(summary: Summary, caught: list[warnings.WarningMessage]) -> Summary:
    """The summary whose warnings block holds every glmstat warning raised while fitting, once each, in the
    warning's words: the fit's notes in their order (those worded as their warning), then the others (a
    data warning raised before the fit, a note worded differently from its warning)."""
    raised = list(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, GLMStatWarning)))
    notes = [n for n in summary.notes if n in raised]
    return dataclasses.replace(summary, notes=tuple(notes + [m for m in raised if m not in notes]))


def _report_warnings(caught: list[warnings.WarningMessage], err: TextIO) -> None:
    """One line per distinct warning, in the order they were raised."""
    seen: set[str] = set()
    for w in caught:
        line = _one_line(w.message)
        if line in seen:
            continue
        seen.add(line)
        err.write(f"warning: {line}\n")


def _cmd_datasets(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    table = list_datasets()
    rows = [(str(r.name), str(r.rows), str(r.columns), str(r.title)) for r in table.itertuples(index=False)]
    header = ("name", "rows", "columns", "title")
    widths = [max(len(h), *(len(r[j]) for r in rows)) if rows else len(h) for j, h in enumerate(header)]
    align = (str.ljust, str.rjust, str.rjust, str.ljust)
    for r in [header, *rows]:
        out.write("  ".join(a(c, w) for a, c, w in zip(align, r, widths)).rstrip() + "\n")
    return EXIT_OK


# -- parser -----------------------------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {shown(text, 300)}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {shown(text, 300)}")
    return v


def _summary_digits(text: str) -> int:
    v = _positive_int(text)
    if v > 22:
        raise argparse.ArgumentTypeError(f"expected digits from 1 to 22 (R's), got {shown(text, 300)}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {shown(text, 300)}") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {shown(text, 300)}")
    return v


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {shown(text, 300)}") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``glmstat`` command."""
    parser = _Parser(prog=_PROG, description="Generalized linear models with R-exact numbers.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="on an unexpected internal error, show the Python traceback")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    fit = sub.add_parser("fit", help="fit a GLM and print its summary",
                         description="Fit a generalized linear model and print its R-like summary.")
    fit.add_argument("formula", metavar="FORMULA", help='R formula, e.g. "y ~ x + factor(g)"')
    fit.add_argument("data", metavar="DATA",
                     help="a CSV file, a Parquet file (.parquet/.pq, needs pyarrow) or a bundled data set name")
    fit.add_argument("--family", "-f", required=True, metavar="NAME",
                     help=", ".join(FAMILY_NAMES))
    fit.add_argument("--link", "-l", metavar="L", help="link name (default: the family's canonical link)")
    fit.add_argument("--weights", metavar="COL",
                     help="column (or R expression of columns) of prior weights (binomial: number of trials)")
    fit.add_argument("--offset", metavar="COL",
                     help="column (or R expression of columns, \"log(service)\") added to the linear predictor")
    fit.add_argument("--subset", metavar="EXPR",
                     help="the rows to fit, an R condition such as \"age > 30 & sex == 'F'\" (R's subset =)")
    fit.add_argument("--method", choices=("irls", "firth"), default="irls",
                     help="maximum likelihood (irls, default) or Firth's bias-reduced logistic regression")
    fit.add_argument("--max-iter", type=_positive_int, default=25, metavar="N", help="at most N iterations (25)")
    fit.add_argument("--tol", type=_positive_float, default=1e-8, metavar="T",
                     help="relative deviance convergence tolerance (1e-8)")
    fit.add_argument("--theta", type=_positive_float, metavar="TH",
                     help="negative.binomial: fixed theta (default: estimated by maximum likelihood)")
    fit.add_argument("--var-power", type=_float, metavar="P", help="tweedie: variance power, V(mu) = mu^P")
    fit.add_argument("--link-power", type=_float, metavar="Q",
                     help="tweedie: link power, eta = mu^Q, 0 for log (default 1 - P)")
    fit.add_argument("--variance", metavar="V", help="quasi: variance function (constant, mu(1-mu), mu, mu^2, mu^3)")
    fit.add_argument("--format", choices=_FORMATS, default="text", help="summary format (text)")
    fit.add_argument("--dispersion", type=_positive_float, metavar="PHI",
                     help="a known dispersion: z tests with it (R's summary(fit, dispersion = PHI))")
    fit.add_argument("--correlation", action="store_true",
                     help="also print the correlation of the estimates (R's summary(fit, correlation = TRUE))")
    fit.add_argument("--symbolic-cor", action="store_true",
                     help="print the correlation as symbols (R's summary(fit, correlation = TRUE, "
                          "symbolic.cor = TRUE))")
    fit.add_argument("--digits", type=_summary_digits, default=4, metavar="D",
                     help="significant digits of the summary (4, R's)")
    fit.add_argument("--no-stars", action="store_true", help="no significance codes (R's signif.stars = FALSE)")
    fit.set_defaults(run=_cmd_fit)

    ds = sub.add_parser("datasets", help="list the bundled data sets",
                        description="List the bundled data sets: name, rows, columns, title "
                                    "(glmstat.describe_dataset(name) documents one).")
    ds.set_defaults(run=_cmd_datasets)
    return parser


def _detach(stream: TextIO) -> None:
    """Point ``stream``'s file descriptor at the null device, so that the interpreter's last flush of what is
    still buffered does not fail again at exit ("Exception ignored ... BrokenPipeError"): the way Python's
    documentation handles SIGPIPE (the signal module's note).  A stream without a descriptor is left alone."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # (io.StringIO, a closed stream)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class _Writable:
    """``stream`` (stdout), each character its encoding cannot write written as R writes one in such a locale,
    ``<U+00E9>`` (``&#233;`` in an HTML page): a level of someone else's CSV (``é``, ``€``) in a summary sent to
    an ASCII or code-page terminal (``PYTHONIOENCODING=ascii``) ended the command with an internal
    UnicodeEncodeError.  (stderr escapes such characters itself: Python's ``backslashreplace``.)"""

    def __init__(self, stream: TextIO, html: bool) -> None:
        self._stream, self._html = stream, html

    def _written(self, ch: str) -> str:
        try:
            ch.encode(self._stream.encoding)
            return ch
        except UnicodeEncodeError:
            return f"&#{ord(ch)};" if self._html else f"<U+{ord(ch):04X}>"

    def write(self, text: str) -> int:
        try:
            text.encode(getattr(self._stream, "encoding", None) or "utf-8")
        except UnicodeEncodeError:
            text = "".join(map(self._written, text))
        except LookupError:  # (an encoding Python does not know: as before)
            pass
        return self._stream.write(text)

    def __getattr__(self, name: str):  # (flush, fileno, ...)
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``glmstat`` command with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    out, err = sys.stdout, sys.stderr
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if len(argv) > MAX_ARGUMENTS:  # (before argparse reads them: its time is quadratic in their number)
            raise _UsageError(_PROG, f"{len(argv):,} arguments; a command line takes at most {MAX_ARGUMENTS:,}")
        args = parser.parse_args(argv)
    except _UsageError as exc:
        err.write(f"{exc.prog}: error: {_one_line(exc)} (see '{exc.prog} --help')\n")
        return EXIT_USAGE
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    out = _Writable(out, getattr(args, "format", None) == "html")
    try:
        status = args.run(args, out, err)
        out.flush()  # (here, not at exit: a reader gone early, `glmstat ... | head`, fails this flush)
        return status
    except BrokenPipeError:  # the reader closed the pipe (`| head`): not an error of glmstat's, and no one reads on
        _detach(out)
        return EXIT_ERROR
    except GLMStatError as exc:
        err.write(f"{_PROG}: error: {_one_line(exc)}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write(f"{_PROG}: interrupted\n")
        return 130
    except Exception as exc:  # a bug, not bad input: say so in one line unless asked for the traceback
        if args.traceback:
            raise
        err.write(f"{_PROG}: internal error: {type(exc).__name__} (rerun with --traceback and please report "
                  "it)\n")  # its message could hold data: not printed unless asked for
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
