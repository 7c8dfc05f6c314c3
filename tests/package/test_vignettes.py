"""Run every vignette (``vignettes/*.md``) as a test.

Rules for a vignette:

* every fenced ``python`` block runs, in document order, in one namespace per vignette; an exception fails
  the test (blocks state their facts with ``assert``);
* a block whose first line is ``# requires: module[, module...]`` is skipped when one of the modules is not
  installed (e.g. a feature another branch adds); later blocks must not depend on it;
* a fenced ``output`` block that directly follows a python block must equal what that block printed
  (trailing spaces ignored): the numbers a reader sees in the document are the numbers the code makes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO

VIGNETTES = REPO / "vignettes"
_FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
_REQUIRES = re.compile(r"^#\s*requires:\s*(.+)$")


@dataclass(frozen=True)
class Block:
    line: int  # line number of the opening fence, for error messages
    code: str
    expected_output: str | None
    requires: tuple[str, ...]


def parse_blocks(text: str) -> list[Block]:
    """The python blocks of a Markdown document, each with the output block that follows it, if any."""
    fences = list(_FENCE.finditer(text))
    blocks = []
    for i, m in enumerate(fences):
        if m.group(1) != "python":
            continue
        expected = None
        if i + 1 < len(fences):
            nxt = fences[i + 1]
            if nxt.group(1) == "output" and text[m.end():nxt.start()].strip() == "":
                expected = nxt.group(2)
        code = m.group(2)
        first = code.lstrip("\n").split("\n", 1)[0].strip()
        req = _REQUIRES.match(first)
        requires = tuple(s.strip() for s in req.group(1).split(",") if s.strip()) if req else ()
        blocks.append(Block(text.count("\n", 0, m.start()) + 1, code, expected, requires))
    return blocks


def missing_module(names: tuple[str, ...]) -> str | None:
    """The first of ``names`` that cannot be imported, else None."""
    for name in names:
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except ModuleNotFoundError:  # a parent package is missing
            return name
    return None


def _normalize(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def run_vignette(path: Path) -> list[str]:
    """Execute the vignette's blocks; return notes about skipped blocks."""
    namespace: dict = {"__name__": f"vignette_{path.stem.replace('-', '_')}"}
    skipped = []
    for block in parse_blocks(path.read_text(encoding="utf-8")):
        missing = missing_module(block.requires)
        if missing is not None:
            skipped.append(f"{path.name}:{block.line} skipped: requires {missing}")
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(block.code, f"{path.name}:block@{block.line}", "exec"), namespace)
            except Exception as exc:
                raise AssertionError(f"{path.name}, block at line {block.line} failed: {exc!r}") from exc
        if block.expected_output is not None:
            got, want = _normalize(out.getvalue()), _normalize(block.expected_output)
            assert got == want, (
                f"{path.name}, block at line {block.line}: printed output differs from the document\n"
                f"--- document\n{want}\n--- printed\n{got}"
            )
    return skipped


def vignette_paths() -> list[Path]:
    return sorted(VIGNETTES.glob("*.md"))


def test_there_are_vignettes():
    assert vignette_paths(), "no vignettes found"


#: vignettes about an optional dependency, skipped where it is not installed
_VIGNETTE_NEEDS = {"08-sklearn.md": "sklearn"}


@pytest.mark.parametrize("path", vignette_paths(), ids=lambda p: p.name)
def test_vignette_runs(path):
    if path.name in _VIGNETTE_NEEDS:
        pytest.importorskip(_VIGNETTE_NEEDS[path.name])
    assert parse_blocks(path.read_text(encoding="utf-8")), f"{path.name} has no python blocks"
    for note in run_vignette(path):
        warnings.warn(note, UserWarning)


# -- the runner itself ------------------------------------------------------------------------------------
DOC = """Intro.

```python
x = 2
print(x * 3)
```

```output
6
```

```python
# requires: glmstat_no_such_module
raise RuntimeError("must be skipped")
```

```output
never compared
```

```python
# requires: json, os.path
assert x == 2
```

```text
not an output block
```
"""


def test_parse_blocks():
    blocks = parse_blocks(DOC)
    assert [b.requires for b in blocks] == [(), ("glmstat_no_such_module",), ("json", "os.path")]
    assert blocks[0].expected_output == "6\n"
    assert blocks[2].expected_output is None
    assert blocks[0].line == 3


def test_runner_skips_missing_requirement_and_checks_output(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text(DOC)
    notes = run_vignette(path)
    assert len(notes) == 1 and "glmstat_no_such_module" in notes[0]
    path.write_text(DOC.replace("```output\n6\n```", "```output\n7\n```"))
    with pytest.raises(AssertionError, match="printed output differs"):
        run_vignette(path)
    path.write_text("```python\nassert 1 == 2, 'stated fact is false'\n```\n")
    with pytest.raises(AssertionError, match="stated fact is false"):
        run_vignette(path)


def test_missing_module_handles_missing_parent():
    assert missing_module(("no_such_pkg_xyz.sub",)) == "no_such_pkg_xyz.sub"
    assert missing_module(("glmstat", "json")) is None
