"""Before the passes over many rows, glibc's malloc is kept from handing every pass's temporaries back to the
operating system (:mod:`glmstat.engine.pass_memory`): in a fresh process, 200 temporaries of a 65,536-row
block (512 kB, written as a kernel writes them) fault their pages in afresh each time (128 faults each) until a
fit of at least MANY_ROWS rows primed the allocator, and then come from the heap.  Page faults are counted by
the operating system (getrusage), not timed; each case runs in a fresh interpreter, whose allocator has not yet
freed a large array."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from glmstat.engine.pass_memory import MANY_ROWS

pytestmark = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                                reason="glibc's malloc thresholds")

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


def _faults(n_rows: int) -> int:
    out = subprocess.run([sys.executable, "-c", _COUNT, str(n_rows)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


def test_temporaries_of_many_rows_come_from_the_heap_after_priming():
    # 400 arrays of 128 pages: every one faulted in afresh is 51,200 faults
    assert _faults(MANY_ROWS) < 1000


def test_fewer_rows_leave_the_allocator_as_it_is():
    assert _faults(MANY_ROWS - 1) > 20000
