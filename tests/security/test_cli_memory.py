"""A CSV file the command line's memory cannot hold: a header of one field of 150 MB (a 1 GB line is the same
attack at the memory of a larger process).  The header was read whole by Python's csv module and the fit ended in
``glmstat: internal error: MemoryError``, a failure of glmstat's own rather than a refusal of the file.  A file
that memory cannot hold is now refused naming the file and its size (``glmstat: error: ...``), as any other file
the command line cannot read.  Run in a subprocess whose address space is 400 MB above its size after importing
glmstat, so that the test does not take the machine's memory.  Such a line is now refused first by its length
(``cli.MAX_LINE_BYTES``, ``test_cli_long_lines.py``); the bound is lifted here, so that a file of lines within it
whose whole the memory cannot hold keeps its refusal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_CHILD = textwrap.dedent("""
    import os, resource, sys
    from glmstat import cli
    with open("/proc/self/statm") as f:
        size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (size + (400 << 20), size + (400 << 20)))
    cli.MAX_LINE_BYTES = 1 << 40  # (the memory's refusal, not the line's)
    sys.exit(cli.main(["fit", "y ~ x", sys.argv[1], "--family", "gaussian"]))
""")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="the memory limit reads Linux's /proc")
def test_a_header_line_memory_cannot_hold_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    with open(path, "w", encoding="ascii") as fh:
        fh.write("y,x," + "z" * 150_000_000 + "\n")
        fh.write("".join(f"{i % 7},{i},{i % 3}\n" for i in range(20)))
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], env=env, capture_output=True, text=True,
                          timeout=600)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith("glmstat: error: ") and "memory" in lines[0] and "long.csv" in lines[0], lines
