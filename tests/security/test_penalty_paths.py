"""The penalties of ``glmstat.sklearn.glm_path(alphas=...)``, as a web application may pass on a user's list.

Each alpha is a fit.  ``n_alphas`` was bounded (10,000), but alphas given were read whatever they held: a list
of a million alphas was a million fits (minutes), ``range(10**12)`` (48 bytes) an array of 8 TB (a raw
MemoryError), a Python int beyond double precision a raw OverflowError, an object a raw TypeError, and numpy
read a numeric string ("0.5") as a penalty.  Each is now refused, counted before it is read, with a
GLMStatError (a ValueError, as scikit-learn's parameter checks raise) naming the alpha.  In-process: with the
fix each refusal takes milliseconds; the million fits are counted, never run.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import glmstat as gs

pytest.importorskip("sklearn")
from glmstat.sklearn import glm_path  # noqa: E402

X = np.arange(8.0).reshape(-1, 1)
Y = np.array([1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3])


@pytest.mark.parametrize("alphas,match", [
    ([0.1] * 1_000_000, "^alphas holds 1,000,000 penalties; give at most 10,000"),
    (range(10**12), "^alphas holds 1,000,000,000,000 penalties"),
    (np.full(20_000, 0.1), "^alphas holds 20,000 penalties"),
    ([0.1, "0.5"], re.escape("alphas must be numbers, got alphas[1] = '0.5'")),
    ([10**400], "an integer beyond double precision"),
    ([object()], re.escape("alphas must be numbers, got alphas[0] = a object")),
    ([True, 0.0], re.escape("alphas must be numbers, got alphas[0] = True")),
    ([0.1, 1j], re.escape("alphas[1] = 1j")),
    (np.array(["0.1", "0.5"]), "^alphas must be a sequence of numbers"),
    ("0.5", "^alphas must be a sequence of numbers, got '0.5'"),
])
def test_alphas_are_counted_and_must_be_numbers(alphas, match):
    with pytest.raises(gs.GLMStatError, match=match):
        glm_path(X, Y, alphas=alphas)


def test_alphas_of_numbers_are_fitted():
    path = glm_path(X, Y, alphas=[1, np.float32(0.5), np.int64(0), 0.0])  # (ints and numpy's own numbers)
    assert path.alphas.tolist() == [1.0, 0.5, 0.0, 0.0]
