"""Reading glmstat's Markdown in tests by CommonMark's rules for inline text (no renderer is a dependency)."""

from __future__ import annotations

import html
import re

_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")  # what a backslash escapes (ASCII punctuation)
_TAG = re.compile(r"<[A-Za-z!?/]")  # what starts raw HTML (a tag, comment, declaration or instruction)


def _spans(md: str) -> list[tuple[bool, str]]:
    """The text split into (is code, text) pieces: a backslash escape is literal text, a run of backticks
    opens a code span closed by the next run of the same length (else it is literal)."""
    out: list[tuple[bool, str]] = []
    text, i = [], 0
    while i < len(md):
        c = md[i]
        if c == "\\" and i + 1 < len(md) and md[i + 1] in _PUNCT:
            text.append(md[i:i + 2])
            i += 2
        elif c == "`":
            run = len(md[i:]) - len(md[i:].lstrip("`"))
            m = re.compile(rf"(?<!`){'`' * run}(?!`)").search(md, i + run)
            if m is None:
                text.append("`" * run)
                i += run
                continue
            out.append((False, "".join(text)))
            text = []
            body = md[i + run:m.start()]
            out.append((True, body[1:-1] if body.startswith(" ") and body.endswith(" ") and body.strip() else body))
            i = m.end()
        else:
            text.append(c)
            i += 1
    out.append((False, "".join(text)))
    return out


def shown(md: str) -> str:
    """The text a reader sees: backslash escapes and character references resolved, code spans' text kept
    as written (without their fences)."""
    return "".join(body if code else html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", body))
                   for code, body in _spans(md))


def raw_html(md: str) -> list[str]:
    """The places where a Markdown viewer would start raw HTML: a ``<`` that opens a tag outside code spans."""
    outside = "".join(body for code, body in _spans(md) if not code)
    return [outside[m.start():m.start() + 20] for m in _TAG.finditer(outside)]


def cells(row: str) -> list[str]:
    """The cells of a pipe-table row, split as GitHub's tables split them: at every ``|`` that is not part
    of a backslash escape (``\\|`` stays in its cell, ``\\\\|`` ends it)."""
    out, cell, i, row = [], "", 0, row.strip()
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row):
            cell += row[i:i + 2]
            i += 2
            continue
        if row[i] == "|":
            out.append(cell.strip())
            cell = ""
        else:
            cell += row[i]
        i += 1
    out.append(cell.strip())
    return out[1:-1]  # (the text before the first and after the last pipe)
