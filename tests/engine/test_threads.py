"""The engine's BLAS runs on one thread inside a fit: every BLAS library, scipy's LAPACK included (scipy is
imported on first use, after ``import glmstat``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("threadpoolctl")

_PROBE = """
import json
import glmstat
from glmstat.engine.threads import single_threaded_blas
with single_threaded_blas():
    from glmstat._scipy import linalg
    linalg.lapack.get_lapack_funcs(("potrf",))
    from threadpoolctl import threadpool_info
    print(json.dumps([(i["filepath"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]))
"""


def test_every_blas_is_single_threaded_inside_a_fit_in_a_fresh_process():
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120)
    libraries = json.loads(out.stdout)
    assert libraries, "no BLAS library found"
    assert [path for path, n in libraries if n != 1] == []
