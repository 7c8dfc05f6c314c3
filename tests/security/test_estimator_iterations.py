"""The iterations of ``glmstat.sklearn``'s estimators, whose ``max_iter`` and ``tol`` a web application may pass on
from its users.

On separated data at ``alpha=0`` the penalized objective tends to 0 along the separating direction: once its
value was a few 1e-15 each iteration's line search halved the step some 50 times before the rounding of the
objective let it through, and the fit went on taking such steps, 20 ms each on 60 rows, for as many iterations
as ``max_iter`` allowed: ``GLMClassifier(max_iter=10**9, tol=1e-300)`` ran for ever (1,000 iterations: more than
15 s).  A step that short is rounding's, not the direction's: the fit now stops there, not converged, and says so
(its ConvergenceWarning and the separation's SeparationWarning).  The call runs in a subprocess with a memory
limit and a wall-clock guard, so that the unfixed code fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[2]

_CHILD = textwrap.dedent("""
    import json, resource, warnings
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    import numpy as np
    from glmstat.sklearn import GLMClassifier
    x = np.linspace(-1.0, 1.0, 40)
    X = np.column_stack([x, np.cos(7 * x), np.sin(5 * x)])
    y = (x > 0.01).astype(int)  # (x separates y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = GLMClassifier(max_iter=10**9, tol=1e-300).fit(X, y)
    print(json.dumps({"n_iter": int(est.n_iter_), "warnings": sorted({w.category.__name__ for w in caught})}))
""")


def test_a_separated_fit_with_an_unreachable_tolerance_stops():
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("GLMClassifier(max_iter=10**9, tol=1e-300) on separated data was still iterating after 120 s")
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["n_iter"] < 10_000, out
    assert out["warnings"] == ["ConvergenceWarning", "SeparationWarning"], out
