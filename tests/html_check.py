"""Reading glmstat's HTML in tests with Python's html.parser: balanced tags, and the cells of a table."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
        else:
            self.stack.pop()


def check_balanced(html: str) -> list[tuple[str, dict]]:
    """Raise AssertionError unless every element is closed in order; return the (tag, attributes) seen."""
    p = _Balance()
    p.feed(html)
    p.close()
    assert not p.errors, p.errors
    assert not p.stack, f"unclosed: {p.stack}"
    return p.tags


@dataclass
class Cell:
    tag: str
    classes: tuple[str, ...]
    text: str = ""
    mark: str = ""  # the text of a span.gs-mark inside the cell


@dataclass
class _Tables(HTMLParser):
    want: str
    rows: list[list[Cell]] = field(default_factory=list)
    depth: int = 0  # >0 inside the wanted table
    cell: Cell | None = None
    in_mark: bool = False

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)

    def handle_starttag(self, tag, attrs):
        cls = tuple((dict(attrs).get("class") or "").split())
        if tag == "table":
            if self.depth or self.want in cls:
                self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = Cell(tag, cls)
            self.rows[-1].append(self.cell)
        elif self.cell is not None and tag == "span" and "gs-mark" in cls:
            self.in_mark = True

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag in ("td", "th"):
            self.cell = None
        elif tag == "span":
            self.in_mark = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.text += data
            if self.in_mark:
                self.cell.mark += data


def table_rows(html: str, table_class: str) -> list[list[Cell]]:
    """The rows (header row first) of the first table with class ``table_class``."""
    p = _Tables(table_class)
    p.feed(html)
    p.close()
    return p.rows
