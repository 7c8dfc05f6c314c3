"""Before the passes over many rows, glibc's malloc is kept from handing every pass's temporaries back to the
operating system (:mod:`glmstat.engine.pass_memory`): once a fit of at least MANY_ROWS rows primed the
allocator, 200 temporaries of a 65,536-row block (512 kB, written as a kernel writes them) come from the heap
instead of fresh pages (128 page faults each when they do not).  Page faults are counted by the operating system
(getrusage), not timed, in a fresh interpreter.  Whether an unprimed process faults them depends on what it freed
before (the heap's layout after the imports), so the side below MANY_ROWS is checked by what the function does:
nothing."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from glmstat.engine import pass_memory
from glmstat.engine.pass_memory import MANY_ROWS, PRIME_BYTES

_COUNT = """
import resource, sys
import numpy as np
from glmstat.engine.pass_memory import keep_pass_memory
keep_pass_memory(int(sys.argv[1]))
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
before = faults()
for _ in range(200):
    a = np.ones(65536)
    b = a * 2.0
    del a, b
print(faults() - before)
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="glibc's adaptive malloc thresholds")
def test_temporaries_of_many_rows_come_from_the_heap_after_priming():
    # (glibc's defaults: distributed's nanny writes MALLOC_TRIM_THRESHOLD_=65536 into this process's environment
    # when a test starts workers, and a child given it has no adaptive thresholds to raise)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", _COUNT, str(MANY_ROWS)], capture_output=True, text=True, check=True,
                         env=env)
    # 400 arrays of 128 pages: every one faulted in afresh would be 51,200 faults
    assert int(out.stdout.split()[-1]) < 1000


class _Numpy:
    """Records the arrays asked of ``np.empty``."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def empty(self, size):
        self.sizes.append(size)


@pytest.mark.parametrize("n_rows, primed", [(MANY_ROWS - 1, []), (MANY_ROWS, [PRIME_BYTES // 8])])
def test_priming_is_for_many_rows_and_once(monkeypatch, n_rows, primed):
    numpy = _Numpy()
    monkeypatch.setattr(pass_memory, "np", numpy)
    monkeypatch.setattr(pass_memory, "_primed", False)
    pass_memory.keep_pass_memory(n_rows)
    pass_memory.keep_pass_memory(10 * MANY_ROWS)  # (a later fit: primed once in all)
    assert numpy.sizes == primed + ([] if primed else [PRIME_BYTES // 8])
