"""Class labels, responses and sample weights given to the estimators as a list of texts: numpy makes an array of
fixed-width texts, each padded to the longest at 4 bytes a character, so one label of a million characters among
1,000 rows (1 MB) asked for 3.7 GiB -- numpy's raw MemoryError in scikit-learn's reading of y.  Such a list is read
as an object array (each text held once); a list of short labels stays numpy's texts, and texts are still no
sample weights."""

from __future__ import annotations

import numpy as np
import pytest

import glmstat as gs

pytest.importorskip("sklearn")
from glmstat.sklearn import GLMClassifier, GLMRegressor  # noqa: E402
from conftest import traced_peak  # noqa: E402

X = (np.arange(1000) % 7).reshape(-1, 1).astype(float)
LONG = "a" * 1_000_000
Y = [LONG if k % 2 else "b" for k in range(1000)]


def test_long_labels_are_read_without_padding():
    est, used = traced_peak(lambda: GLMClassifier().fit(X, Y))
    assert used < 200 * 2**20, used
    assert list(est.classes_) == [LONG, "b"]  # (sorted, as scikit-learn sorts labels)
    score, used = traced_peak(lambda: est.score(X, Y))
    assert used < 200 * 2**20, used
    # the odd rows are LONG, x = k mod 7 says nothing of parity: the fit predicts the class of the larger share
    assert score == pytest.approx(0.5, abs=0.02)


def test_long_texts_are_no_sample_weights():
    weights = ["1" * 1_000_000] + ["2"] * 999
    with pytest.raises(gs.DataError, match="^sample_weight must be .* holding texts"):
        GLMRegressor().fit(X, np.arange(1000.0), sample_weight=weights)


def test_short_labels_stay_numpy_texts():
    est = GLMClassifier().fit(X, ["yes" if k % 3 else "no" for k in range(1000)])
    assert est.classes_.dtype.kind == "U" and list(est.classes_) == ["no", "yes"]
