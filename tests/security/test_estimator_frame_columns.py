"""The estimators' check that a DataFrame of features holds no objects of foreign classes took every column of
the frame (pandas' ``iloc``, some 60 us each): 6 s of CPU time for a frame of 5 rows and 100,000 columns of
numbers (4 MB), before scikit-learn read it.  Only the columns whose dtype can hold objects (object, and the
categories of a Categorical) are taken now; a foreign object in one of them is still refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

pytest.importorskip("sklearn")
from glmstat.sklearn import GLMRegressor  # noqa: E402
from glmstat.sklearn._base import own_values  # noqa: E402


class Sneaky(float):
    pass


@pytest.fixture
def columns_taken(monkeypatch):
    taken = []
    iloc = pd.DataFrame.iloc

    def counted(self):
        taken.append(self.shape)
        return iloc.fget(self)

    monkeypatch.setattr(pd.DataFrame, "iloc", property(counted))
    return taken


def wide(p: int) -> pd.DataFrame:
    X = pd.DataFrame(np.arange(5.0 * p).reshape(5, p), columns=[f"c{j}" for j in range(p)])
    return X.assign(g=pd.Series(list("abcab"), dtype=object), h=pd.Categorical(list("uvuvu")))


def test_only_the_columns_that_can_hold_objects_are_taken(columns_taken):
    own_values(wide(2_000), "X")
    assert len(columns_taken) == 2


def test_a_foreign_object_among_many_numeric_columns_is_refused(columns_taken):
    X = wide(2_000).assign(g=["a", "b", Sneaky(1.0), "a", "b"])
    with pytest.raises(gs.DataTypeError, match="^X holds values of the type 'Sneaky'"):
        GLMRegressor().fit(X, np.arange(5.0))
    assert len(columns_taken) == 2
