"""The response's range over the rows with a positive weight -- min, max and mean |y| -- read in one pass over
the blocks and shared by the checks of one fit (:class:`SharedRange`): whether the response is constant, the scale
of "near an edge" and of an exact fit.  On streamed rows a pass is a read of the data, so it is made once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..design.sources import fold_lazy

__all__ = ["ResponseRange", "SharedRange", "read_response_range"]


@dataclass(frozen=True)
class ResponseRange:
    """min, max and mean |y| of the response over the rows with a positive weight (one pass)."""

    low: float
    high: float
    mean_abs: float
    n: int


def _block_range(b) -> ResponseRange:
    # (weights are never negative, so a block whose rows all count (most) needs no masked copy)
    y = b.y if b.n_positive == b.y.shape[0] else b.y[b.weights > 0]
    if not y.size:
        return ResponseRange(np.inf, -np.inf, 0.0, 0)
    # (a sum, not a mean; the ufuncs' reductions: ndarray.min's Python wrapper costs more than a small block)
    return ResponseRange(float(np.minimum.reduce(y)), float(np.maximum.reduce(y)), float(np.add.reduce(np.abs(y))),
                          y.size)


def _merge_range(a: ResponseRange, b: ResponseRange) -> ResponseRange:
    return ResponseRange(min(a.low, b.low), max(a.high, b.high), a.mean_abs + b.mean_abs, a.n + b.n)


def read_response_range(source) -> ResponseRange:
    total = fold_lazy(source, _block_range, _merge_range, lambda: ResponseRange(np.inf, -np.inf, 0.0, 0))
    return ResponseRange(total.low, total.high, total.mean_abs / total.n if total.n else 0.0, total.n)


class SharedRange:
    """The response range of ``source`` from one pass, made on the first call: the checks of one
    :func:`diagnose` share it (a quasi family's fit needs it twice; on streamed rows a pass is a read)."""

    __slots__ = ("source", "value")

    def __init__(self, source) -> None:
        self.source, self.value = source, None

    def __call__(self) -> ResponseRange:
        if self.value is None:
            self.value = read_response_range(self.source)
        return self.value
