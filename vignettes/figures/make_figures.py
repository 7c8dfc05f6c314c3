"""Regenerate the vignettes' figures: ``python vignettes/figures/make_figures.py`` (needs the ``plot`` extra).

The vignettes are the single source of their pictures: this script runs every vignette's python blocks in
order, as the tests do, and after each block with a line ``# figure: NAME.png`` saves that block's ``fig``
(a matplotlib Figure) as ``vignettes/figures/NAME.png``, which the vignette shows with a Markdown image
link.  The tests run the same blocks and save nothing.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VIGNETTES = HERE.parent
DPI = 80
_FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
_FIGURE = re.compile(r"^#\s*figure:\s*(\S+\.png)\s*$", re.M)


def figures_of(path: Path) -> list[str]:
    """Run the vignette's python blocks; save the figure of each block that names one.  Returns the names."""
    namespace: dict = {"__name__": f"vignette_{path.stem.replace('-', '_')}"}
    saved = []
    for m in _FENCE.finditer(path.read_text(encoding="utf-8")):
        if m.group(1) != "python":
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(m.group(2), str(path.name), "exec"), namespace)
        name = _FIGURE.search(m.group(2))
        if name is not None:
            namespace["fig"].savefig(HERE / name.group(1), dpi=DPI)
            saved.append(name.group(1))
    return saved


def main(names: list[str]) -> None:
    paths = [VIGNETTES / n for n in names] if names else sorted(VIGNETTES.glob("*.md"))
    for path in paths:
        for name in figures_of(path):
            print(f"{path.name}: wrote figures/{name}")


if __name__ == "__main__":
    main(sys.argv[1:])
