"""A Parquet file on the command line is read as ``glm(formula, path)`` reads it: only the model's columns.

``glmstat fit "y ~ x" notes.parquet`` read every column of the file with ``pyarrow.parquet.read_table``,
without the checks the API makes before reading (no column of lists or bytes; no row group beyond
``FormulaLimits.max_design_bytes`` when read): a 3 KB file whose unused column held lists of ten million
zeros took 2.4 GB and ended as ``internal error: ArrowMemoryError``.  The command line now hands the file to
``glm()`` as its path.  Each run here is ``glmstat.cli.main`` in a subprocess whose peak memory is measured
(VmHWM, reset after importing glmstat) under an address-space limit, as the corpus's worker runs a case;
the file is written once, outside the measured run (encoding its 50 million zeros takes seconds).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyarrow")

#: peak memory one run may add after importing glmstat (MB); the lists of the file take 400 MB when read
MEMORY_MB = 200
#: address space a run may add (MB): a backstop, so that a regression fails instead of swapping
ADDRESS_SPACE_MB = 1536

_DRIVER = textwrap.dedent("""
    import json, re, resource, sys, time
    import glmstat.cli

    def kb(field):
        with open("/proc/self/status") as fh:
            return int(re.search(rf"^{{field}}:\\s+(\\d+) kB", fh.read(), re.M).group(1))

    out, argv = sys.argv[1], sys.argv[2:]
    resource.setrlimit(resource.RLIMIT_AS, (kb("VmSize") * 1024 + {headroom} * 2**20, resource.RLIM_INFINITY))
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # (the peak from here on)
    rss0, t0 = kb("VmRSS"), time.perf_counter()
    code = glmstat.cli.main(argv)
    result = {{"code": code, "seconds": time.perf_counter() - t0, "peak_mb": (kb("VmHWM") - rss0) / 1024}}
    with open(out, "w") as fh:
        json.dump(result, fh)
""")


def _run(tmp: Path, *argv: str) -> tuple[dict, str, str]:
    """``glmstat.cli.main(argv)`` in a subprocess (working directory ``tmp``): its result, stdout, stderr."""
    out = tmp / "result.json"
    out.unlink(missing_ok=True)
    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.run([sys.executable, "-c", _DRIVER.format(headroom=ADDRESS_SPACE_MB), str(out), *argv],
                          cwd=tmp, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": root, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    assert out.exists(), f"the run died: exit {proc.returncode}, stderr {proc.stderr[-800:]}"
    return json.loads(out.read_text()), proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def lists_file(tmp_path_factory) -> Path:
    """A 6 KB file of 500 rows whose column notes holds a list of 100,000 zeros in each row (400 MB read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, width = 500, 100_000
    offsets = pa.array(np.arange(0, (rows + 1) * width, width, dtype=np.int32))
    notes = pa.ListArray.from_arrays(offsets, pa.array(np.zeros(rows * width)))
    x = np.arange(rows, dtype=float)
    table = pa.table({"y": np.sin(x) + x / 100, "x": x, "notes": notes})
    path = tmp_path_factory.mktemp("cli-parquet") / "notes.parquet"
    pq.write_table(table, path, compression="zstd")
    return path


def test_unused_list_column_is_not_read(lists_file):
    result, out, err = _run(lists_file.parent, "fit", "y ~ x", lists_file.name, "--family", "gaussian")
    assert result["code"] == 0, err
    assert "Residual deviance" in out and "on 498  degrees of freedom" in out
    assert result["peak_mb"] < MEMORY_MB, result


def test_used_list_column_is_refused_before_reading(lists_file):
    result, out, err = _run(lists_file.parent, "fit", "y ~ x + notes", lists_file.name, "--family", "gaussian")
    assert result["code"] == 1 and out == ""
    assert err.startswith("glmstat: error: column 'notes' of 'notes.parquet' holds list"), err
    assert len(err.splitlines()) == 1
    assert result["peak_mb"] < MEMORY_MB, result
