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


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_inference_methods_run_single_threaded_and_restore_the_thread_count(monkeypatch):
    """lrtest, anova and the results' inference methods loop over columns and terms with BLAS calls that
    spin on a loaded machine: they run on one thread, and the caller's setting comes back afterwards."""
    import numpy as np
    import pandas as pd
    from threadpoolctl import threadpool_limits

    import glmstat as gs
    from glmstat.inference import anova as anova_module

    rng = np.random.default_rng(0)
    d = pd.DataFrame({"x": rng.normal(size=200), "g": rng.choice(list("abc"), 200)})
    d["y"] = rng.poisson(np.exp(0.3 * d.x)).astype(float)
    f0, f = gs.glm("y ~ x", d, family=gs.Poisson()), gs.glm("y ~ x + g", d, family=gs.Poisson())
    seen = []
    nested = anova_module._check_nested
    monkeypatch.setattr(anova_module, "_check_nested", lambda fits: (seen.append(_blas_threads()), nested(fits))[1])
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        gs.lrtest(f0, f)
        f.anova(type=2, test="Wald")
        f.vif()
        assert _blas_threads() == before
    assert seen and all(n == 1 for threads in seen for n in threads)
