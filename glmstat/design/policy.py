"""Which storage a fit works on: a small structured design is cheaper to handle densely."""

from __future__ import annotations

from .base import SMALL_CELLS, Design
from .dense import DenseDesign
from .structured import StructuredDesign

__all__ = ["for_fitting", "DENSE_BELOW"]

#: Structured designs with at most this many cells (rows x columns) are fitted dense: for small fits the
#: bookkeeping of the structured products costs more than the products themselves.
DENSE_BELOW = SMALL_CELLS


def for_fitting(design: Design) -> Design:
    """``design`` itself, or its dense form when it is structured and small (see ``DENSE_BELOW``)."""
    if isinstance(design, StructuredDesign) and design.n_rows * design.n_cols <= DENSE_BELOW:
        return DenseDesign(design.toarray())
    return design
