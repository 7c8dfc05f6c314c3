"""Data (or new data) given as a dict whose column is a list of texts: numpy made it an array of fixed-width texts,
each padded to the longest at 4 bytes a character, so one level of a million characters among 1,000 rows (1 MB)
asked for 3.7 GiB -- refused as "columns of 1,000 values, more than memory holds" where memory was bounded, and
allocated where it was not.  Such a list is read as an object array, each text held once."""

from __future__ import annotations

import numpy as np
import pandas as pd

import glmstat as gs
from conftest import traced_peak

LONG = "a" * 1_000_000
G = [LONG if k == 0 else ("c" if k % 2 else "b") for k in range(1000)]
Y = [float(k % 5) for k in range(1000)]


def test_a_long_level_in_a_dict_column_is_not_padded():
    fit, used = traced_peak(lambda: gs.glm("y ~ g", {"y": Y, "g": G}))
    assert used < 300 * 2**20, used
    # y ~ g by least squares: the reference level's mean (LONG sorts first), then each level's difference from it
    means = pd.Series(Y).groupby(pd.Series(G)).mean()
    np.testing.assert_allclose(fit.coef.to_numpy(), [means[LONG], means["b"] - means[LONG], means["c"] - means[LONG]],
                               rtol=1e-10, atol=1e-12)
    pred, used = traced_peak(lambda: fit.predict({"g": G}))
    assert used < 300 * 2**20, used
    np.testing.assert_allclose(pred.to_numpy(), means[G].to_numpy(), rtol=1e-10, atol=1e-12)
