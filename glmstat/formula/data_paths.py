"""Paths: which Parquet files a data path names, and where a method may write one.

``data=`` as a string is a path (:func:`is_path`): a Parquet file, a directory of them or a glob
(:func:`data_files`).  A path may come from someone else, so finding the files is bounded: a directory or a glob
lists at most ``FormulaLimits.max_listed`` directory entries, each directory once, and ``**`` follows no link
(a loop of links made Python's glob list paths without end).  The checks of a ``path=`` that ``augment()``
writes to come last: never over the data being read, never into a directory already holding files.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any, Sequence

from .._arguments import shown
from ..errors import DataError, GLMStatError
from .limits import DEFAULT_LIMITS, FormulaLimits, refuse

__all__ = ["PARQUET_SUFFIXES", "MAX_PATH_CHARS", "is_path", "data_files", "parquet_output", "refuse_data_file",
           "refuse_filled_directory"]

#: The suffixes of Parquet files' names.
PARQUET_SUFFIXES = (".parquet", ".pq")


def is_path(data: Any) -> bool:
    return isinstance(data, (str, os.PathLike))


def data_files(text: str, limits: FormulaLimits = DEFAULT_LIMITS, what: str = "data") -> list[str]:
    """The Parquet files the data path ``text`` names, sorted: a file; a directory's own ``*.parquet`` and
    ``*.pq`` files (one with Parquet files in subdirectories is refused); or the files a glob matches (``**``
    reaches any depth, once in a pattern).  A directory or a glob lists at most ``limits.max_listed``
    directory entries.  ``what``: the argument the messages name (``"newdata"`` for predict's)."""
    kind = _path_kind(text)
    listing = _Listing(text, limits, what)
    if kind == "dir":
        files = _own_files(Path(text), listing)
    elif kind == "glob":
        if text.count("**") > 1:  # each ** walks every directory below the last: their work multiplies
            raise DataError(f"{what}={shown(text, 300)}: a glob may hold one '**' (it reaches any depth)")
        files = sorted(_glob_files(text, listing))
    elif kind == "file":
        files = [text]
    else:
        named = repr(text) if len(text) <= 80 else repr(text[:77]) + "..."
        raise DataError(f"{what} is a string, so it must be the path of a Parquet file, a directory of them or a "
                        f"glob; {named} names none ({what} must be a pandas DataFrame or a dict of columns, or "
                        f"one of those paths)")
    if not files:
        raise DataError(f"{what}={shown(text, 300)} matches no Parquet file")
    if len(files) > limits.max_files:  # (before any is opened: each costs some 1.3 ms a fit however small)
        raise DataError(f"{what}={shown(text, 300)} names {len(files):,} Parquet files, more than the limit max_files "
                        f"of {limits.max_files:,}: each is opened and checked at every pass over the data however "
                        "few its rows; merge them into fewer files, or, if this is intended, raise it with "
                        "glm(..., limits=glmstat.FormulaLimits(max_files=...))")
    return files


#: No file system takes a longer path (Linux's PATH_MAX); a longer string -- a CSV's text, say -- names nothing
#: and is not handed to the file system or to glob's pattern matching.
MAX_PATH_CHARS = 4096


def _path_kind(text: str) -> str | None:
    """``"dir"``, ``"glob"`` (holds ``*``, ``?`` or ``[``) or ``"file"`` for what ``text`` names, or None when
    it names nothing: no such path, or one the file system refuses to look up (a name too long, a NUL)."""
    if len(text) > MAX_PATH_CHARS or "\0" in text:
        return None
    try:
        if os.path.isdir(text):
            return "dir"
        if any(ch in text for ch in "*?["):
            return "glob"
        return "file" if os.path.isfile(text) else None
    except OSError:  # (ENAMETOOLONG for a component beyond NAME_MAX, ELOOP, ...)
        return None


class _Listing:
    """The entries of the directories that a data path (a directory or a glob) lists, each directory listed once
    (a glob's ``**`` and the part after it look through the same ones), counted as they are listed and refused
    past ``limits.max_listed``: a glob from someone else, ``"/**/*.parquet"``, would walk the whole file
    system."""

    def __init__(self, text: str, limits: FormulaLimits, what: str = "data") -> None:
        self.text, self.limits, self.what, self.listed = text, limits, what, 0
        self.listings: dict[str, list[os.DirEntry]] = {}

    def entries(self, directory: str) -> list[os.DirEntry]:
        """The entries of ``directory`` (none when it cannot be listed)."""
        if directory not in self.listings:
            self.listings[directory] = self._listed(directory)
        return self.listings[directory]

    def _listed(self, directory: str) -> list[os.DirEntry]:
        out = []
        try:
            with os.scandir(directory or os.curdir) as it:
                for entry in it:
                    self.listed += 1
                    if self.listed > self.limits.max_listed:
                        raise refuse("max_listed", f"{self.what}={shown(self.text, 300)} lists more directory entries "
                                                   "than allowed", self.listed, self.limits)
                    out.append(entry)
        except OSError:
            return []
        return out


def _own_files(directory: Path, listing: _Listing) -> list[str]:
    """The Parquet files of ``directory`` itself, sorted; a directory with Parquet files in subdirectories (a
    hive-partitioned data set, key=value/...) is refused: reading its own files only would leave those rows out
    without a word.  Its directories are looked through top down (as ``os.walk``), not through links."""
    top = str(directory)
    stack, own = [top], []
    while stack:
        root = stack.pop()
        entries = sorted(listing.entries(root), key=lambda e: e.name)
        # (as pyarrow's datasets: _temporary, .ipynb_checkpoints and the like hold no data)
        stack.extend(os.path.join(root, e.name) for e in reversed(entries)
                     if e.is_dir(follow_symlinks=False) and not e.name.startswith(("_", ".")))
        if root == top:
            own = [str(directory / e.name) for e in entries if Path(e.name).suffix in PARQUET_SUFFIXES and _is_file(e)]
            continue
        found = next((e.name for e in entries if not _is_dir(e) and Path(e.name).suffix in PARQUET_SUFFIXES), None)
        if found is None:
            continue
        where = os.path.relpath(os.path.join(root, found), top)
        hive = any("=" in part for part in Path(where).parts[:-1])
        raise DataError(
            f"the directory {shown(top, 300)} has Parquet files in subdirectories (such as {shown(where, 300)}"
            + (", a hive-partitioned layout: its key=value directory names hold a column" if hive else "")
            + "), and glmstat reads a directory's own files only; pass a glob that reaches them, such as "
            f"{shown(os.path.join(top, '**', '*.parquet'), 300)} (it reads the columns stored in the files"
            + (", not the partition values in the directory names" if hive else "")
            + "), or fit dask.dataframe.read_parquet of the directory"
            + (", which makes the partition directories columns" if hive else ""))
    return own


def _is_file(entry: os.DirEntry) -> bool:
    """Whether ``entry`` is a file or a link to one."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _is_dir(entry: os.DirEntry) -> bool:
    """Whether ``entry`` is a directory or a link to one (as ``os.walk`` sorts entries: a file is any other)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _glob_files(pattern: str, listing: _Listing) -> list[str]:
    """The files the glob ``pattern`` names, as ``glob.glob(pattern, recursive=True)`` names them -- ``*``, ``?``
    and ``[...]`` within one path part, hidden names matched only by a part starting with ``.``, ``**`` any
    depth -- but with work bounded by the directories that exist: each directory is listed at most once per
    part of the pattern (however many links lead to it), and a ``**`` does not descend into a symbolic link to
    a directory.  Python's glob followed such links, so a directory whose links lead back into it (a loop,
    which an archive from someone else can hold) made it list paths without end, their number doubling with
    each loop."""
    if os.altsep:
        pattern = pattern.replace(os.altsep, os.sep)
    drive, rest = os.path.splitdrive(pattern)
    root = drive + os.sep if rest.startswith(os.sep) else drive
    parts = [p for p in rest.split(os.sep) if p]
    dirs, files = [root], []
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        seen: set = set()
        found: list[str] = []
        if part == "**":
            for d in dirs:
                found.extend(_below(d, seen, files if last else None, listing))
            dirs = found
            continue
        magic = any(ch in part for ch in "*?[")
        for d in dirs:
            if magic:
                names = [e.name for e in listing.entries(d) if part.startswith(".") or not e.name.startswith(".")]
                names = fnmatch.filter(names, part)
            else:
                names = [part]
            for name in names:
                path = os.path.join(d, name)
                if last:
                    if os.path.isfile(path):
                        files.append(path)
                elif os.path.isdir(path) and _first_visit(path, seen):
                    found.append(path)
        dirs = found
    return list(dict.fromkeys(files))


def _first_visit(path: str, seen: set) -> bool:
    """Whether the directory ``path`` (by its device and inode: links to one directory are one) is new to
    ``seen`` (then added)."""
    try:
        st = os.stat(path or os.curdir)
    except OSError:
        return False
    key = (st.st_dev, st.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _below(top: str, seen: set, files: list[str] | None, listing: _Listing) -> list[str]:
    """``top`` and the directories below it that ``**`` reaches (not hidden, not through a symbolic link), each
    not yet in ``seen``; with ``files``, the files among them (a last ``**``) are added to it."""
    out, stack = [], [top]
    while stack:
        d = stack.pop()
        if not _first_visit(d, seen):
            continue
        out.append(d)
        entries = [(e.name, e.is_dir(follow_symlinks=False), _is_file(e)) for e in listing.entries(d)
                   if not e.name.startswith(".")]
        for name, is_dir, is_file in sorted(entries, reverse=True):
            path = os.path.join(d, name)
            if is_dir:
                stack.append(path)
            elif is_file and files is not None:
                files.append(path)
    return out


def parquet_output(path: str | os.PathLike, method: str) -> None:
    """Refuse a ``path=`` for the Parquet file ``method`` writes that names another format by its suffix
    (``out.csv``): it would have been written as Parquet, with that name; a name without a suffix (a directory
    of files a dask fit writes) is taken."""
    suffix = Path(os.fspath(path)).suffix
    if suffix and suffix.lower() not in PARQUET_SUFFIXES:
        raise GLMStatError(f"{method}(path=...) writes a Parquet file, and path={shown(os.fspath(path), 300)} "
                           f"names another format ({shown(suffix)}): give a path ending in .parquet, or write the "
                           f"table returned by {method}() yourself, e.g. fit.{method}().to_csv(...)")


def refuse_data_file(path: str | os.PathLike, files: Sequence[str]) -> None:
    """Refuse a ``path=`` to write to that is one of ``files``, the Parquet files a streamed fit reads its rows
    from, by any name (a symbolic or a hard link to one too).  The rows are written block by block as they are
    read, so the file was cut short at the first block: a later row group then read as damaged data, and the
    data was gone; when the fit kept its rows in memory, the data was replaced without a word."""
    try:
        target = os.stat(path)
    except (OSError, ValueError):  # (nothing there yet, or a name the file system refuses: not a data file)
        return
    for f in files:
        try:
            st = os.stat(f)
        except (OSError, ValueError):
            continue
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            raise GLMStatError(f"path={shown(os.fspath(path), 300)} is the Parquet file {shown(f, 300)} this fit "
                               "reads its rows from: writing it would destroy the data while it is read; give "
                               "another path")


def refuse_filled_directory(path: str | os.PathLike) -> None:
    """Refuse a ``path=`` for a dask fit's directory of part files (``part.0.parquet``, ...) that already holds
    something.  dask writes into it as it is: the part files of an earlier table stayed next to the new ones, so
    reading the directory gave their rows too, and the files of the dask DataFrame being fitted, read from that
    directory, were written over while they were read."""
    try:
        with os.scandir(path) as entries:
            filled = next(entries, None) is not None
    except (OSError, ValueError):  # (no such directory yet, or not a directory: dask says what is wrong)
        return
    if filled:
        raise GLMStatError(f"path={shown(os.fspath(path), 300)} is a directory that already holds files: a dask fit "
                           "writes its part files (part.0.parquet, ...) into it, next to those already there (an "
                           "earlier table's rows, or the data being read); give a new or empty directory")
