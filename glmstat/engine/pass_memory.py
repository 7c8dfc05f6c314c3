"""The C allocator's memory between the passes of a fit.

A pass over a block of m rows makes temporaries of m x 8 bytes each (the kernel's mu, W and r, X beta, ...), up
to 512 kB for the 65,536-row blocks of an in-memory fit.  glibc's malloc serves a request above its mmap
threshold (128 kB when a process starts) with fresh pages from the operating system and unmaps them when it is
freed, and returns the free top of its heap above a trim threshold; it raises the mmap threshold to the size of
a freed mapped chunk (at most 32 MB) and the trim threshold to twice that.  A process that has not yet freed a
large array therefore faults every pass's temporaries in afresh: a 70,000-row logistic fit (a 30-level factor)
took 64 ms with 7,300 page faults, and 32 ms with 1,300 once the thresholds were raised; its profile intervals
made 2.6 million page faults, a third of their time.  Data of a million rows raise the thresholds themselves
(their n-row arrays are freed early), as does any array of some megabytes freed in a notebook session.

:func:`keep_pass_memory` raises them as such an array's life would: one array of ``PRIME_BYTES`` allocated
(untouched: no page of it is used) and freed, once per process.  The heap then keeps up to twice that of freed
memory for the next pass instead of returning it.  Other allocators, and a glibc whose thresholds are set
(``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``: dask's workers set the latter), are not affected.
"""

from __future__ import annotations

import numpy as np

__all__ = ["keep_pass_memory", "PRIME_BYTES", "MANY_ROWS"]

#: The size of the array whose freeing raises glibc's thresholds (mmap 8 MB, trim 16 MB): above the
#: temporaries a block's pass holds at once.
PRIME_BYTES = 8 * 2**20
#: Sources of at least this many rows make temporaries above glibc's starting mmap threshold (128 kB).
MANY_ROWS = 2**14

_primed = False


def keep_pass_memory(n_rows: int) -> None:
    """Before the passes over ``n_rows`` rows: raise glibc's allocation thresholds once per process (see the
    module docstring); nothing for fewer than ``MANY_ROWS`` rows, whose temporaries are below them already."""
    global _primed
    if _primed or n_rows < MANY_ROWS:
        return
    _primed = True
    np.empty(PRIME_BYTES // 8)  # (mapped, never touched, and freed at once)
