"""The README's module map names every module of the package, and nothing that is not there; and the line
length of the code and the tests stays within the 120 characters the style sets."""

from __future__ import annotations

import re

from conftest import REPO


def _map_text() -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index("* One module per job, the layers as folders")
    return readme[start:readme.index("## Performance", start)]


def test_every_module_is_in_the_map():
    named = set(re.findall(r"`([\w/]+\.py)`", _map_text()))
    named_base = {n.rsplit("/", 1)[-1] for n in named}
    modules = [p.relative_to(REPO / "glmstat").as_posix() for p in (REPO / "glmstat").rglob("*.py")
               if p.name != "__init__.py"]
    assert modules, "no modules found"
    assert [m for m in modules if m.rsplit("/", 1)[-1] not in named_base] == []


def test_every_name_in_the_map_exists():
    basenames = {p.name for p in (REPO / "glmstat").rglob("*.py")}
    named = {n.rsplit("/", 1)[-1] for n in re.findall(r"`([\w/]+\.py)`", _map_text())}
    assert sorted(named - basenames) == []


def test_no_line_of_a_python_file_is_over_120_characters():
    # every module of the package and of the tests, read from the source tree (no git needed: an unpacked sdist
    # has the tests too); lengths in characters
    files = [p for d in ("glmstat", "tests") for p in sorted((REPO / d).rglob("*.py")) if "__pycache__" not in p.parts]
    assert any(p.name == "api.py" for p in files) and any(p.name == "conftest.py" for p in files)
    long = [f"{p.relative_to(REPO)}:{n}: {len(line)} characters" for p in files
            for n, line in enumerate(p.read_text(encoding="utf-8").split("\n"), 1) if len(line) > 120]
    assert long == []
