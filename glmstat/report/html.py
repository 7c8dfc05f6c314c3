"""HTML building blocks shared by every rendering of a result (summary, compare tables, tests).

Each fragment is one ``<div class="glmstat">`` that carries its own small stylesheet, scoped to that class,
so it reads the same in a plain browser, JupyterLab, VS Code and exported notebooks: numbers right-aligned
in a monospace font with tabular digits (R's cells share their decimals, so the decimal points line up),
no stripes or hover colours from the host, warnings in a titled block of their own.  Colours come from the
host (``currentColor``) except for translucent accents, so dark themes work too.  No scripts, no external
resources.  Every text is escaped here, once.
"""

from __future__ import annotations

import html
from typing import Iterable, Sequence

from .rformat import encode_string

__all__ = ["STYLE", "esc", "fragment", "document", "heading", "paragraph", "table", "statistics_table",
           "warnings_block"]

_MONO = 'ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace'

#: The stylesheet, every selector under ``.glmstat`` (specific enough to win over notebook hosts' table
#: rules: JupyterLab stripes odd rows with ``.jp-RenderedHTMLCommon tbody tr:nth-child(odd)``).
STYLE = (
    ".glmstat{font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;"
    "font-size:13px;line-height:1.45;color:inherit;max-width:64em;margin:.2em 0}"
    ".glmstat .gs-title{font-size:1.08em;font-weight:600;margin:0 0 .2em}"
    ".glmstat .gs-h{font-size:1em;font-weight:600;margin:.9em 0 .25em;padding:0}"
    ".glmstat .gs-p{margin:.25em 0}"
    f".glmstat code,.glmstat .gs-code{{font-family:{_MONO};font-size:.95em;white-space:pre-wrap;"
    "background:transparent;padding:0}"
    ".glmstat .gs-sub{font-weight:normal;opacity:.75}"
    ".glmstat table.gs-table{border-collapse:collapse;border:none;margin:.2em 0;width:auto;"
    "font-size:1em;table-layout:auto}"
    ".glmstat table.gs-table thead{border:none}"
    ".glmstat table.gs-table th,.glmstat table.gs-table td{padding:.12em .75em;border:none;"
    "background:transparent;vertical-align:baseline;white-space:nowrap;line-height:1.4;max-width:none}"
    ".glmstat table.gs-table th:first-child,.glmstat table.gs-table td:first-child{padding-left:0}"
    ".glmstat table.gs-table tbody tr,.glmstat table.gs-table tbody tr:nth-child(odd),"
    ".glmstat table.gs-table tbody tr:hover{background:transparent}"
    ".glmstat table.gs-table thead th{font-weight:600;text-align:right;border-bottom:1px solid currentColor}"
    f".glmstat table.gs-table td.gs-num{{text-align:right;font-family:{_MONO};"
    "font-variant-numeric:tabular-nums}"
    ".glmstat table.gs-table .gs-label{text-align:left;font-weight:normal}"
    ".glmstat table.gs-table thead th.gs-label{font-weight:600}"
    f".glmstat table.gs-table td.gs-stars{{text-align:left;padding-left:.1em;font-family:{_MONO}}}"
    ".glmstat table.gs-table tr.gs-rule>*{border-top:1px solid currentColor}"
    ".glmstat table.gs-table tr.gs-last>*{border-bottom:1px solid currentColor}"
    ".glmstat .gs-na{opacity:.5}"
    ".glmstat .gs-mark{display:inline-block;width:3ch;text-align:left}"
    ".glmstat table.gs-table tr.gs-under>*{padding-top:0;padding-bottom:.3em;opacity:.8}"
    ".glmstat .gs-flag{color:#d0342c;font-weight:700}"
    ".glmstat .gs-legend{font-size:.88em;opacity:.8;margin:.2em 0}"
    ".glmstat .gs-warnings{margin:.9em 0 .2em;padding:.45em .8em;border-left:4px solid #e0a100;"
    "background:rgba(224,161,0,.12);border-radius:3px}"
    ".glmstat .gs-warnings .gs-h{margin:0 0 .2em}"
    ".glmstat .gs-warnings ol{margin:0;padding-left:1.5em}"
    ".glmstat .gs-warnings li{margin:.15em 0}"
)


def esc(text: object) -> str:
    """Text escaped for HTML content and attribute values, its control and bidi characters shown as R's
    escapes (a page written to a terminal by the command line must not carry them raw)."""
    return html.escape(encode_string(text, backslash=False), quote=True)


def fragment(parts: Iterable[str], label: str) -> str:
    """One self-contained, styled block: ``<div class="glmstat">`` with the stylesheet and the parts.
    ``label`` names the result for assistive technology (``aria-label``)."""
    return f'<div class="glmstat" role="group" aria-label="{esc(label)}"><style>{STYLE}</style>{"".join(parts)}</div>'


def document(body: str, title: str) -> str:
    """A complete HTML page around a fragment (standards mode, UTF-8), for writing to a file."""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
            f"</head>\n<body>\n{body}\n</body>\n</html>\n")


def heading(text: str, sub: str = "") -> str:
    """A section heading, with an optional muted remark after it."""
    extra = f' <span class="gs-sub">{esc(sub)}</span>' if sub else ""
    return f'<div class="gs-h">{esc(text)}{extra}</div>'


def paragraph(text: str, cls: str = "gs-p", raw: bool = False) -> str:
    """A paragraph of text (``raw``: already HTML)."""
    return f'<p class="{cls}">{text if raw else esc(text)}</p>'


def _num_cell(text: str) -> str:
    """A right-aligned numeric cell; R's NA is muted."""
    t = text.strip()
    inner = '<span class="gs-na">NA</span>' if t == "NA" else esc(t)
    return f'<td class="gs-num">{inner}</td>'


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, labels: Sequence[str] | None = None,
          label_html: Sequence[str] | None = None, label_header: str = "", stars: bool = False,
          text_cols: Sequence[int] = (), cls: str = "") -> str:
    """A table of formatted cells.

    ``labels`` (escaped here) or ``label_html`` (already HTML) give a first column of row labels, headed by
    ``label_header``; cells are right-aligned numbers except the columns in ``text_cols`` (left-aligned
    text) and, when ``stars``, the last column (significance codes); a rule closes the table.
    """
    ncol = len(header)
    row_labels = label_html if label_html is not None else (
        [esc(x) for x in labels] if labels is not None else None)

    def kind(j: int) -> str:
        return "stars" if stars and j == ncol - 1 else "text" if j in text_cols else "num"

    head = f'<th class="gs-label" scope="col">{esc(label_header)}</th>' if row_labels is not None else ""
    for j, h in enumerate(header):
        k = kind(j)
        cls_h = ' class="gs-stars"' if k == "stars" else ' class="gs-label"' if k == "text" else ""
        head += f'<th{cls_h} scope="col">{esc(h)}</th>'
    body = []
    for i, row in enumerate(rows):
        cells = f'<th class="gs-label" scope="row">{row_labels[i]}</th>' if row_labels is not None else ""
        for j, c in enumerate(row):
            k = kind(j)
            cells += (_num_cell(c) if k == "num" else
                      f'<td class="{"gs-stars" if k == "stars" else "gs-label"}">{esc(c.strip())}</td>')
        body.append(f'<tr class="gs-last">{cells}</tr>' if i == len(rows) - 1 else f"<tr>{cells}</tr>")
    return (f'<table class="gs-table{" " + cls if cls else ""}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def statistics_table(rows: Sequence[tuple[str, str, str]]) -> str:
    """Fit statistics, one per row: label, value (right-aligned, so the numbers line up) and a remark."""
    body = "".join(f'<tr><th class="gs-label" scope="row">{esc(label)}</th>{_num_cell(value)}'
                   f'<td class="gs-label">{esc(remark)}</td></tr>' for label, value, remark in rows)
    return f'<table class="gs-table gs-stats"><tbody>{body}</tbody></table>'


def warnings_block(messages: Sequence[str]) -> str:
    """The warnings, set apart from the statistics: a titled, tinted block (a numbered list when several)."""
    if not messages:
        return ""
    if len(messages) == 1:
        title, body = "Warning", f'<p class="gs-p">{esc(messages[0])}</p>'
    else:
        title, body = "Warnings", "<ol>" + "".join(f"<li>{esc(m)}</li>" for m in messages) + "</ol>"
    return f'<div class="gs-warnings" role="note"><div class="gs-h">&#9888; {title}</div>{body}</div>'
