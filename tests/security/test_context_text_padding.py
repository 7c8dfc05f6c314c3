"""A ``context=`` entry given as a list of texts, one a row, is read as an object array, each text held once.

numpy's ``asarray`` of such a list pads every text to the longest, 4 bytes a character: one label of a million
characters among 200 rows made 763 MiB from 1 MB, refused in a process of bounded memory as "not an array of numbers,
booleans or strings" (numpy's MemoryError caught) and allocated where memory allowed.  A dict's column given as such
a list is read so already (``test_data_dict_texts.py``).  Measured here by the memory traced, not by time.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd

import glmstat as gs

N = 200
LONG = 300_000  # (padded: 4 x 300,000 x 200 = 240 MB)


def test_a_list_of_long_texts_is_not_padded():
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"y": rng.poisson(2.0, N).astype(float), "x": rng.normal(size=N)})
    labels = ["a" * LONG] + ["b", "c"] * (N // 2 - 1) + ["b"]
    tracemalloc.start()
    try:
        fit = gs.glm("y ~ x + k", data, family=gs.Poisson(), context={"k": labels})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20, peak
    same = gs.glm("y ~ x + k", data.assign(k=labels), family=gs.Poisson())
    np.testing.assert_allclose(fit.coef.to_numpy(), same.coef.to_numpy(), rtol=1e-12)
    assert len(fit.coef) == 4 and fit.coef.index[2].startswith("k[T.")
