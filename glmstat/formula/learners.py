"""The kinds of a stateful call's ``learn`` that streamed data's first pass must know (formula.stream.learn_spec)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["RowsLearner"]


class RowsLearner:
    """A stateful call's ``learn`` whose state decides which rows are missing where the first pass's placeholder
    cannot say (``ave(x, g)``: every row of a group with a missing x; the placeholder is missing everywhere), so
    that streamed data is summarized again with it (formula.stream.learn_spec), even where the call is a variable
    of its own.

    Parameters
    ----------
    learn : callable
        The state from an array of every chunk's records.
    """

    def __init__(self, learn) -> None:
        self.learn = learn

    def __call__(self, values: np.ndarray) -> Any:
        return self.learn(values)
