"""The rows of a CSV file measured before it is read: where the first row longer than a bound is, a row ending at
a line end outside quotes, as pandas' reader (and R's ``read.csv``) ends it.

A quote opens a quoted field only at a field's start (after a comma, a line end or the start of the rows: ``ab"c``
is text with a quote in it); inside a quoted field a run of quotes closes it when its length is odd (``""`` is a
quote of the text), and after it the field goes on as text, its quotes the text's.  So only runs of quotes change
whether a line end ends a row, and each acts on "inside a quoted field" in one of three ways: a run of even length
changes nothing; a run of odd length at a field's start opens a field outside one and closes the one it is in (a
toggle); a run of odd length elsewhere leaves every field closed (a reset).  The state after each run is the
parity of the toggles since the last reset, computed in numpy a window of the file at a time, as are the line ends
outside quotes and the rows' lengths between them.
"""

from __future__ import annotations

import mmap
import re
from dataclasses import dataclass
from typing import Iterator

import numpy as np

__all__ = ["LongRow", "WINDOW_BYTES", "first_long_row", "place"]

#: The bytes of the file looked at in one step (numpy's masks and positions of a window: some 40 MB at most); a
#: window is always longer than the bound on a row
WINDOW_BYTES = 1 << 24

_QUOTE, _COMMA, _LF, _CR = 34, 44, 10, 13
_BOM = b"\xef\xbb\xbf"
#: A run of quotes (a repeat of one character, matched in C)
_QUOTES = re.compile(rb'"+')
_NONE = np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class LongRow:
    """A row of a CSV file longer than the bound: ``row`` (0 the header, 1 the first row of data, blank lines not
    counted), the file's lines it spans, ``first_line`` to ``last_line`` (1-based; quoted fields' line ends
    counted), and its first byte's offset ``start``."""

    row: int
    first_line: int
    last_line: int
    start: int


def first_long_row(view: mmap.mmap, bound: int) -> LongRow | None:
    """The first row of the CSV file mapped in ``view`` longer than ``bound`` bytes (its line end not counted), or
    None.  A file of at most ``bound`` bytes is not searched.

    Parameters
    ----------
    view : mmap.mmap
        The file, mapped for reading.
    bound : int
        The longest row allowed, in bytes.

    Returns
    -------
    LongRow or None
        Where the first longer row is; None when every row is within the bound.
    """
    if len(view) <= bound:
        return None
    origin = len(_BOM) if view[:len(_BOM)] == _BOM else 0
    row_start, rows = origin, 0  # (rows: the rows of some bytes ended so far; a blank line is none)
    for _, end, ends in _windows(view, origin, origin, bound):
        if ends.size:
            starts = np.empty_like(ends)
            starts[0] = row_start
            starts[1:] = ends[:-1] + 1
            lengths = ends - starts
            long = np.flatnonzero(lengths > bound)
            if long.size:
                k = int(long[0])
                return _located(view, origin, rows + int(np.count_nonzero(lengths[:k])), int(starts[k]), bound)
            rows += int(np.count_nonzero(lengths))
            row_start = int(ends[-1]) + 1
        if end - row_start > bound:
            return _located(view, origin, rows, row_start, bound)
    return None


def place(view: mmap.mmap, at: int) -> tuple[int, int]:
    """The row (0 the header, 1 the first row of data, blank lines not counted) and the field (0 the first) of the
    CSV file mapped in ``view`` that the byte at offset ``at`` is in: its rows' line ends and its row's commas
    outside quoted fields counted in numpy, a window at a time (a regular expression's matches, each a step of
    Python, took 3.2 s of CPU time to place a byte at the end of a 24 MB file, where reading it takes 1).

    Parameters
    ----------
    view : mmap.mmap
        The file, mapped for reading.
    at : int
        The byte's offset.

    Returns
    -------
    tuple of int
        The row and the field.
    """
    origin = len(_BOM) if view[:len(_BOM)] == _BOM else 0
    row_start, rows = origin, 0
    for _, _, ends in _windows(view, origin, origin, 0, stop=at):
        if ends.size:
            starts = np.empty_like(ends)
            starts[0] = row_start
            starts[1:] = ends[:-1] + 1
            rows += int(np.count_nonzero(ends > starts))
            row_start = int(ends[-1]) + 1
    commas = sum(int(found.size) for _, _, found in _windows(view, row_start, origin, 0, stop=at, marks=(_COMMA,)))
    return rows, commas


def _windows(view: mmap.mmap, start: int, origin: int, bound: int, stop: int | None = None,
             marks: tuple[int, ...] = (_LF, _CR)) -> Iterator[tuple[int, int, np.ndarray]]:
    """The windows of ``view`` from ``start`` (outside quotes, where a row starts; the rows start at ``origin``) to
    ``stop`` (None: the end): each one's start and end and the offsets of its ``marks`` outside quoted fields (line
    ends, or commas).  A window never cuts a run of quotes (it ends before one), and a run longer than a window is
    one window of its own."""
    size, at, inside = len(view) if stop is None else min(stop, len(view)), start, False
    window = max(int(WINDOW_BYTES), bound + 1)
    while at < size:
        end = min(size, at + window)
        chunk = np.frombuffer(view, dtype=np.uint8, count=end - at, offset=at)
        before = view[at - 1] if at > origin else _COMMA  # (the byte before the window: a field's start or not)
        if end < size and chunk[-1] == _QUOTE:
            others = np.flatnonzero(chunk != _QUOTE)
            if others.size == 0:  # (a run of quotes longer than the window: its effect at once, no line end)
                run_end = _QUOTES.match(view, at).end()
                inside = (inside if (run_end - at) % 2 == 0 else
                          (not inside) if before in (_COMMA, _LF, _CR) else False)
                yield at, run_end, _NONE
                at = run_end
                continue
            end = at + int(others[-1]) + 1
            chunk = chunk[:end - at]
        ends, inside = _outside(chunk, inside, before, marks)
        yield at, end, ends + at
        at = end


def _outside(chunk: np.ndarray, inside: bool, before: int, marks: tuple[int, ...]) -> tuple[np.ndarray, bool]:
    """The offsets (within ``chunk``) of its bytes ``marks`` outside quoted fields, and whether the chunk ends inside
    one.  ``inside``: whether the chunk starts inside a quoted field; ``before``: the byte before the chunk (a comma
    at the start of the rows)."""
    quotes = np.flatnonzero(chunk == _QUOTE)
    mask = chunk == marks[0]
    for m in marks[1:]:
        mask |= chunk == m
    breaks = np.flatnonzero(mask)
    if quotes.size == 0:
        return (_NONE if inside else breaks), inside
    first = np.ones(quotes.size, dtype=bool)
    first[1:] = np.diff(quotes) != 1
    run_at = quotes[first]
    odd = np.diff(np.append(np.flatnonzero(first), quotes.size)) % 2 == 1
    previous = np.empty(run_at.size, dtype=np.int64)
    previous[1:] = chunk[run_at[1:] - 1]
    previous[0] = chunk[run_at[0] - 1] if run_at[0] > 0 else before
    at_field_start = (previous == _COMMA) | (previous == _LF) | (previous == _CR)
    toggle, reset = odd & at_field_start, odd & ~at_field_start
    toggles = np.cumsum(toggle)
    last_reset = np.maximum.accumulate(np.where(reset, np.arange(run_at.size), -1))
    since = toggles - np.where(last_reset >= 0, toggles[np.maximum(last_reset, 0)], 0)
    after = np.where(last_reset >= 0, False, inside) ^ (since % 2 == 1)  # (inside a quoted field after each run)
    k = np.searchsorted(run_at, breaks) - 1
    quoted = np.where(k >= 0, after[np.maximum(k, 0)], inside)
    return breaks[~quoted], bool(after[-1])


def _located(view: mmap.mmap, origin: int, rows: int, start: int, bound: int) -> LongRow:
    """The long row starting at ``start``, the ``rows``-th (0 the header), with the lines it spans."""
    end = len(view)
    for _, _, ends in _windows(view, start, origin, bound):
        if ends.size:
            end = int(ends[0])
            break
    first = 1 + _line_ends(view, 0, start)
    return LongRow(row=rows, first_line=first, last_line=first + _line_ends(view, start, end), start=start)


def _line_ends(view: mmap.mmap, start: int, end: int) -> int:
    """The line ends (``\\n``, ``\\r\\n``, a lone ``\\r``) in ``view[start:end]``, counted in C a megabyte at a
    time (a piece never ends between the ``\\r`` and ``\\n`` of one)."""
    total, a = 0, start
    while a < end:
        b = min(end, a + (1 << 20))
        if b < end and view[b - 1] == _CR and view[b] == _LF:
            b += 1
        piece = view[a:b]
        total += piece.count(b"\n") + piece.count(b"\r") - piece.count(b"\r\n")
        a = b
    return total
