"""LaTeX building blocks shared by every ``to_latex()`` (summary, compare tables, every :class:`Table`).

Text from the data -- a column name, a factor level, a row label, a model name -- is escaped once, here, so
that it typesets as the text it is and never as TeX: a column named ``x\\input{/etc/passwd}`` must not read a
file when the ``.tex`` is compiled.  Every character TeX reads specially is escaped, ``^`` and ``~`` included:
TeX reads ``^^5c`` as a backslash before any command is seen, so ``x^^5cinput{...}`` is ``x\\input{...}`` unless
each ``^`` is escaped.  Control and bidi characters are first written as R's ``encodeString`` escapes (``\\033``,
``\\u202e``), whose backslashes are escaped in turn.
"""

from __future__ import annotations

from typing import Sequence

from tabulate import Line, TableFormat, tabulate

from .rformat import encode_string

__all__ = ["text", "booktabs"]

# every character that TeX (with LaTeX's default catcodes and OT1 fonts) does not typeset as itself; the same
# escapes as tabulate's latex formats, so cells read as before, and | (which tabulate leaves as it is)
_ESCAPES = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "\\": r"\textbackslash{}",
    "<": r"\ensuremath{<}",
    ">": r"\ensuremath{>}",
    # (as < and >: in LaTeX's default OT1 encoding a text | is an em dash, so Pr(>|z|) read "Pr(>—z—)")
    "|": r"\textbar{}",
}


def text(value: object, *, backslash: bool = True) -> str:
    """``value`` as literal LaTeX text (a cell, a label, a heading, a caption).

    Parameters
    ----------
    value : object
        The text (``str()`` of anything else).
    backslash : bool
        As :func:`~glmstat.report.rformat.encode_string`: False for text whose control characters are already
        escaped (its own backslashes are then escaped for LaTeX only once).

    Returns
    -------
    str
        The text with its control and bidi characters as R's escapes and every TeX special character
        (``\\ { } $ & # ^ _ % ~ < > |``) escaped.
    """
    return "".join(_ESCAPES.get(c, c) for c in encode_string(value, backslash=backslash))


def _row(cells: Sequence[str], colwidths: Sequence[int], colaligns: Sequence[str]) -> str:
    # the cells arrive escaped by text(): tabulate's own latex rows would escape them a second time
    return ("&".join(cells) + "\\\\").rstrip()


def _begin(colalign: Sequence[str]) -> str:
    """The tabular's first line, its column specification from the alignments asked for (not from tabulate's,
    which has none for a table without rows: ``\\begin{tabular}{}`` does not compile)."""
    columns = "".join({"right": "r", "center": "c", "decimal": "r"}.get(a, "l") for a in colalign)
    return "\\begin{tabular}{" + columns + "}"


# tabulate's "latex_booktabs" layout, with rows that leave the escaping to text(); the \begin line is _begin's
_BOOKTABS = TableFormat(lineabove=Line("\\toprule", "", "", ""), linebelowheader=Line("\\midrule", "", "", ""),
                        linebetweenrows=None,
                        linebelow=Line("\\bottomrule\n\\end{tabular}", "", "", ""), headerrow=_row, datarow=_row,
                        padding=1, with_header_hide=None)


def booktabs(rows: Sequence[Sequence[object]], headers: Sequence[object], colalign: Sequence[str]) -> str:
    """A booktabs tabular (``\\usepackage{booktabs}``) of ``rows`` under ``headers``.

    Parameters
    ----------
    rows, headers : the cells as plain text (names raw, not yet escaped): each goes through :func:`text`.
    colalign : tabulate's alignment of each column (``"left"``, ``"right"``).
    """
    # (no alignment for no rows: tabulate 0.9 raised IndexError, 0.10 ignores it)
    body = tabulate([[text(c) for c in r] for r in rows], headers=[text(h) for h in headers], tablefmt=_BOOKTABS,
                    disable_numparse=True, colalign=colalign if len(rows) else None)
    return _begin(colalign) + "\n" + body
