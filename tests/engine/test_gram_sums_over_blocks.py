"""X'WX and X'W r summed over the blocks of a source: a structured design's blocks add their sums level by level
(``gram_sums``) and the p x p matrix is assembled once, also when some blocks' sums come back pickled from a
dask worker (assembled there).  Reference: the closed form D' W D and D' W r of the dense matrix D, built here
with numpy from the codes (R's model.matrix coding: a column per non-reference level)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from glmstat.design.structured import Factor, StructuredDesign
from glmstat.design.structured_gram import StructuredGram
from glmstat.engine.linalg import GramReducer

N = 600


def _design() -> tuple[StructuredDesign, np.ndarray]:
    """An intercept, two numeric columns, factors a (5 levels) and b (4 levels) summed together by cell,
    c:x1 (3 levels, values x1) on its own, and h:x2 (10 levels, values x2) whose level implies a's."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(N, 2))
    a, b, c = rng.integers(0, 5, N), rng.integers(0, 4, N), rng.integers(0, 3, N)
    h = a + 5 * rng.integers(0, 2, N)  # 10 levels, each within one level of a (the first part fastest)
    cols = iter(range(3, 100))
    fa = Factor(a, np.array([-1] + [next(cols) for _ in range(4)]), parts=(("a", 5),))
    fb = Factor(b, np.array([-1] + [next(cols) for _ in range(3)]))
    fc = Factor(c, np.array([next(cols) for _ in range(3)]), values=x[:, 0].copy())
    fh = Factor(h, np.array([-1, -1] + [next(cols) for _ in range(8)]), values=x[:, 1].copy(),
                parts=(("a", 5), ("z", 2)))
    p = next(cols)
    X = StructuredDesign(p, 0, np.asfortranarray(x), [1, 2], [fa, fb, fc, fh])
    D = np.zeros((N, p))
    D[:, 0], D[:, 1:3] = 1.0, x
    for f in (fa, fb, fc, fh):
        t = np.ones(N) if f.values is None else f.values
        for level, col in enumerate(f.columns):
            if col >= 0:
                D[:, col] = t * (f.codes == level)
    return X, D


@pytest.mark.parametrize("pickled", [False, True])
def test_sums_over_blocks_equal_the_closed_form(pickled):
    X, D = _design()
    rng = np.random.default_rng(4)
    w, r = rng.uniform(0.1, 2.0, N), rng.normal(size=N)
    bounds = [0, 90, 200, 201, 380, N]
    parts = []
    for s, e in zip(bounds[:-1], bounds[1:]):
        red = GramReducer(X.n_cols)
        red.add(X.rows(s, e), w[s:e], r[s:e])
        # (a worker's share travels assembled: merged with others that were not)
        parts.append(pickle.loads(pickle.dumps(red)) if pickled and s == 200 else red)
    total = parts[0]
    for other in parts[1:]:
        total = total.merge(other)
    assert isinstance(total._sums, StructuredGram) != pickled  # (by level unless an assembled share came in)
    np.testing.assert_allclose(total.gram, D.T @ (w[:, None] * D), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(total.score, D.T @ (w * r), rtol=1e-12, atol=1e-12)
    one = GramReducer(X.n_cols)
    for s, e in zip(bounds[:-1], bounds[1:]):
        one.add(X.rows(s, e), w[s:e], r[s:e])
    assert isinstance(one._sums, StructuredGram)
    np.testing.assert_allclose(one.gram, D.T @ (w[:, None] * D), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(one.score, D.T @ (w * r), rtol=1e-12, atol=1e-12)
