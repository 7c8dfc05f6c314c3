"""The README's module map names every module of the package, and nothing that is not there; and the line
length of the code and the tests stays within the 120 characters the style sets."""

from __future__ import annotations

import re
import subprocess

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


def test_no_line_of_a_tracked_python_file_is_over_120_characters():
    # the files git tracks (not the venv's or a scratch file's), read from the checkout; lengths in characters
    listed = subprocess.run(["git", "ls-files", "-z", "--", "glmstat/*.py", "tests/*.py"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode()
    files = [f for f in listed.split("\0") if f]
    assert any(f.startswith("glmstat/") for f in files) and any(f.startswith("tests/") for f in files)
    long = [f"{f}:{n}: {len(line)} characters" for f in files
            for n, line in enumerate((REPO / f).read_text(encoding="utf-8").split("\n"), 1) if len(line) > 120]
    assert long == []
