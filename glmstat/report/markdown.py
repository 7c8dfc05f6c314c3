"""Markdown building blocks shared by the renderings that write Markdown (summary, compare tables).

Text from the data -- a column name, a factor level, a model name, a warning that quotes them -- is escaped
once, here, so that it shows as the text it is: a level ``z<img src=x onerror=alert(1)>`` must not become
a live tag in a Markdown viewer, a ``|`` must not split a table cell and a ``*`` or a backtick must not
start emphasis or code.  Control and bidi characters are escaped as R's ``encodeString`` escapes them.
"""

from __future__ import annotations

import re

from .rformat import encode_string

__all__ = ["text", "code"]

# the punctuation that could change what a cell shows: emphasis, code, a link or a link definition (its
# brackets), strikethrough, a cell boundary; CommonMark lets a backslash escape any of them
_PUNCT = re.compile(r"([\\`*_\[\]|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def text(value: object, *, backslash: bool = True) -> str:
    """``value`` as literal Markdown text (a table cell, a heading, a list item): ``& < >`` as HTML
    entities (no tag, comment or entity of the data is ever parsed), ``\\ ` * _ [ ] | ~`` backslash-escaped,
    control and bidi characters as R's escapes (``backslash``: as :func:`~glmstat.report.rformat.encode_string`,
    False for a message whose backslashes are already escapes)."""
    s = encode_string(value, backslash=backslash)
    s = _PUNCT.sub(r"\\\1", s)
    return "".join(_HTML.get(c, c) for c in s)


def code(value: object) -> str:
    """``value`` as an inline code span: fenced by one more backtick than its longest run of backticks, and
    padded with spaces when it starts or ends with one (CommonMark), so that a backtick-quoted name cannot
    end the span early.  Inside a span nothing is parsed as HTML."""
    s = encode_string(value, backslash=False)
    fence = "`" * (max((len(m) for m in re.findall(r"`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"
