"""The pairwise comparisons of a wide factor's means take memory bounded by a small block, not by the grid.

``emmeans_pairs`` forms the difference of the two means' grid rows for a block of pairs at a time.  The block
was sized by the reference grid's own bound (2**22 cells, 32 MB): with its copies on the model's columns and the
two rows it differences, the 44,850 pairs of a 300-level factor (302 columns) took a peak of 131 MB of numpy
memory, whatever the number of rows fitted -- above the 60 MB an inference call is allowed.  The blocks are now
2**19 cells, and the comparisons are the same (the pairs' differences are computed row by row either way: the
standard error of each pair here equals, in closed form, sqrt(V_aa + V_bb - 2 V_ab) of the coefficients, the
reference level's row of V being 0).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import traced_peak

LEVELS = 300


def test_pairs_of_a_300_level_factor_stay_within_the_inference_budget():
    rng = np.random.default_rng(270)
    n = 6000
    g = rng.integers(0, LEVELS, n)
    d = pd.DataFrame({"y": rng.poisson(np.exp(0.5 + rng.normal(scale=0.3, size=LEVELS)[g])).astype(float),
                      "x": rng.normal(size=n), "g": [f"L{k:03d}" for k in g]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("y ~ x + g", d, family=gs.Poisson())
        fit.emmeans("g")  # (the grid's means, cached by the fit: not the pairs' memory)
        pairs, peak = traced_peak(lambda: fit.emmeans_pairs("g", adjust="none"))
    assert len(pairs) == LEVELS * (LEVELS - 1) // 2
    assert peak < 40 * 2**20, f"{peak / 2**20:.0f} MB"
    # closed form: with treatment coding a pair's log ratio is b_a - b_b (b of the reference level 0), its
    # variance V_aa + V_bb - 2 V_ab of the coefficients' covariance
    V = fit.vcov.to_numpy()
    b = fit.coef.to_numpy()
    col = {f"L{k:03d}": (None if k == 0 else list(fit.coef.index).index(f"g[T.L{k:03d}]")) for k in range(LEVELS)}
    for label in [pairs.index[0], pairs.index[1], pairs.index[4000], pairs.index[-1]]:
        a, c = label.split(" / ")
        ia, ic = col[a], col[c]
        est = (b[ia] if ia is not None else 0.0) - (b[ic] if ic is not None else 0.0)
        var = ((V[ia, ia] if ia is not None else 0.0) + (V[ic, ic] if ic is not None else 0.0)
               - 2 * (V[ia, ic] if ia is not None and ic is not None else 0.0))
        np.testing.assert_allclose(np.log(pairs.loc[label, "estimate"]), est, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(pairs.loc[label, "statistic"], est / np.sqrt(var), rtol=1e-8)
