"""The README's first screen (everything above ``## Set up``): its code runs, the summary printed under it is
what the code prints (the vignette rules of test_vignettes.py), and the figure it shows exists."""

from __future__ import annotations

import re

from conftest import REPO
from test_vignettes import parse_blocks, run_vignette


def first_screen() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8").split("\n## Set up", 1)[0]


def test_first_screen_shows_a_fit_and_its_printed_summary(tmp_path):
    text = first_screen()
    blocks = parse_blocks(text)
    assert blocks and blocks[0].expected_output is not None, "the first screen must show what its code prints"
    assert "Coefficients:" in blocks[0].expected_output
    page = tmp_path / "first_screen.md"
    page.write_text(text, encoding="utf-8")
    assert run_vignette(page) == []


def test_first_screen_figure_exists():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", first_screen())
    assert images, "the first screen must show a diagnostic figure"
    for image in images:
        assert (REPO / image).is_file(), image
