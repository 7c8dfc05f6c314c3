"""Objects that are not Python's or numpy's own numbers, among what ``glmstat.sklearn``'s estimators and ``glm_path``
read: features (an object array, a list of rows, an object column of a DataFrame), a response, class labels and
sample weights.

``glm()`` reads an object column only when it holds Python's or numpy's own numbers (or text): a float subclass's
``__float__`` never runs (docs/threat-model.md).  The estimators handed such values to scikit-learn's
``validate_data`` and to numpy, which called each one's ``__float__`` -- an object of any class with a
``__float__`` was a feature, its code run, the fit returned -- and class labels were hashed and compared by their
own ``__hash__`` and ``__eq__``.  They are now refused before anything reads them, naming the argument and the
type (a DataTypeError, which scikit-learn's conventions ask of an estimator given objects).

In-process: the payloads record their calls; the contract checked is the refusal and that no call was made.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

pytest.importorskip("sklearn")
from glmstat.sklearn import GLMClassifier, GLMRegressor, glm_path  # noqa: E402

CALLS: list[str] = []


class Sneaky(float):
    def __float__(self):
        CALLS.append("__float__")
        return 1.0


class Opaque:
    def __float__(self):
        CALLS.append("__float__")
        return 1.0


class Label(str):
    def __hash__(self):
        CALLS.append("__hash__")
        return str.__hash__(self)

    def __eq__(self, other):
        CALLS.append("__eq__")
        return str.__eq__(self, other)


X = np.column_stack([np.linspace(-1.0, 1.0, 8), np.cos(np.arange(8.0))])
Y = np.array([0, 1, 0, 1, 1, 0, 2, 3])
B = np.array([0, 1, 0, 1, 1, 0, 1, 0])


def _with(value, i=0, j=1):
    out = X.astype(object)
    out[i, j] = value
    return out


def _frame_with(value):
    frame = pd.DataFrame(X, columns=["dose", "age"])
    frame["age"] = frame["age"].astype(object)
    frame.loc[3, "age"] = value
    return frame


CASES = {
    "features-float-subclass": lambda: GLMRegressor(family=gs.Poisson()).fit(_with(Sneaky(0.5)), Y),
    "features-any-object": lambda: GLMRegressor(family=gs.Poisson()).fit(_with(Opaque()), Y),
    "features-list-of-rows": lambda: GLMRegressor(family=gs.Poisson()).fit(_with(Sneaky(0.5)).tolist(), Y),
    "features-frame-column": lambda: GLMRegressor(family=gs.Poisson()).fit(_frame_with(Opaque()), Y),
    "response": lambda: GLMRegressor(family=gs.Poisson()).fit(X, np.array([Sneaky(1.0)] + [1] * 7, dtype=object)),
    "sample-weight": lambda: GLMRegressor(family=gs.Poisson()).fit(X, Y, sample_weight=[Sneaky(1.0)] + [1.0] * 7),
    "predict": lambda: GLMRegressor(family=gs.Poisson()).fit(X, Y).predict(_with(Opaque())[:2]),
    "score": lambda: GLMRegressor(family=gs.Poisson()).fit(X, Y).score(X, [Sneaky(1.0)] + [1] * 7),
    "classifier-features": lambda: GLMClassifier().fit(_with(Sneaky(0.5)), B),
    "classifier-labels": lambda: GLMClassifier().fit(X, np.array([Label("a"), Label("b")] * 4, dtype=object)),
    "classifier-predict": lambda: GLMClassifier().fit(X, B).predict_proba(_with(Opaque())[:2]),
    "path": lambda: glm_path(_with(Sneaky(0.5)), Y, family=gs.Poisson(), n_alphas=2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_foreign_objects_are_refused_before_they_run(name):
    CALLS.clear()
    with pytest.raises(gs.DataTypeError, match=r"holds values of the type '(Sneaky|Opaque|Label)', which glmstat "
                                                r"does not read as numbers"):
        CASES[name]()
    assert CALLS == []


def test_own_numbers_and_numeric_text_in_an_object_array_are_read():
    plain = X.astype(object)  # (Python's floats)
    plain[0, 0] = str(X[0, 0])  # (text that is a number: scikit-learn reads it so)
    a = GLMRegressor(family=gs.Poisson()).fit(plain, Y.astype(object))
    b = GLMRegressor(family=gs.Poisson()).fit(X, Y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
