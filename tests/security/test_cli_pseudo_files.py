"""A path the command line is given that stat calls a regular file of no bytes: a file of the kernel's pseudo file
systems (``/proc/kmsg``, which a reader waits on for the kernel's next message; ``/proc/self/environ``), directly or
through a symbolic link named ``data.csv``.  Such a file is not a FIFO or a device, so the check that refuses those
passed it, and the command line read ``/proc/kmsg`` for ever.  A file whose size is 0 is now refused as empty before
it is opened (an empty CSV file was refused as empty after it was read, and still is).
"""

from __future__ import annotations

import builtins
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from glmstat import cli

ROOT = Path(__file__).resolve().parents[2]


def test_a_file_of_no_bytes_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    opened = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda f, *a, **k: opened.append(str(f)) or real_open(f, *a, **k))
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert cli.main(["fit", "y ~ x", str(path), "--family", "gaussian"]) == 1
    assert "is empty" in err.getvalue()
    assert str(path) not in opened


@pytest.mark.skipif(not os.access("/proc/kmsg", os.R_OK), reason="reading /proc/kmsg needs CAP_SYSLOG (root)")
def test_the_kernel_message_log_is_refused_not_waited_on(tmp_path):
    link = tmp_path / "data.csv"
    link.symlink_to("/proc/kmsg")
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    # (a guard against the hang, not a measure of time: the refusal takes the time glmstat takes to start)
    done = subprocess.run([sys.executable, "-m", "glmstat", "fit", "y ~ x", str(link), "--family", "gaussian"],
                          env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 1 and "is empty" in done.stderr, done.stderr[-500:]
