"""Which storage a fit works on: a small structured design is cheaper to handle densely."""

from __future__ import annotations

from .base import SMALL_CELLS, Design
from .dense import DenseDesign
from .structured import StructuredDesign
from .transformed import TransformedDesign

__all__ = ["for_fitting", "block_rows", "DENSE_BELOW", "BLOCK_CELLS", "MAX_BLOCK_ROWS"]

#: Structured designs with at most this many cells (rows x columns) are fitted dense: for small fits the
#: bookkeeping of the structured products costs more than the products themselves.
DENSE_BELOW = SMALL_CELLS


#: Rows per block of an in-memory fit (its temporaries -- the weighted copy of a block of X, the QR
#: reducer's stack -- are a few blocks in size) ...
MAX_BLOCK_ROWS = 65536
#: ... and at most this many cells per block of a dense design (32 MB), so that a wide design (an
#: interaction of two 70-level factors has 4,900 columns) is not copied whole several times over.
BLOCK_CELLS = 2**22


#: A block of a structured design adds its own p x p X'WX to the pass's (the factor's levels make p large while
#: the block's dense columns stay few): its rows are at least p^2 / ``GRAM_ROWS_PER_CELL``, so that forming and
#: adding those matrices does not outweigh the rows' own work (a 3,000-level factor: 16 blocks of a million rows
#: spent 2.4 s of a 3.6 s fit in them) ...
GRAM_ROWS_PER_CELL = 16
#: ... up to this many rows (8 MB per row-length temporary).
MAX_STRUCTURED_BLOCK_ROWS = 2**20


def block_rows(design: Design) -> int:
    """Rows per block for fitting ``design`` in memory: ``MAX_BLOCK_ROWS``, or fewer for a wide dense design
    (``BLOCK_CELLS`` cells, but at least 2 (p + 1) rows: the QR reducer stacks each block under a
    (p + 1)-row triangle, and shorter blocks would cost more in those stacks than they save), or more for a
    structured design with a wide factor (``GRAM_ROWS_PER_CELL``) -- as long as its dense block's rows stay
    within ``BLOCK_CELLS`` (an interaction's columns there can be many)."""
    if isinstance(design, TransformedDesign):  # (its passes run on the store, and map p x p results)
        return block_rows(design.inner)
    p = design.n_cols
    if p == 0:
        return MAX_BLOCK_ROWS
    if not isinstance(design, StructuredDesign):
        return int(min(MAX_BLOCK_ROWS, max(2 * (p + 1), BLOCK_CELLS // p)))
    rows = min(MAX_STRUCTURED_BLOCK_ROWS, max(MAX_BLOCK_ROWS, p * p // GRAM_ROWS_PER_CELL))
    dense = len(design.dense_cols)
    return int(min(rows, max(2 * (p + 1), BLOCK_CELLS // dense)) if dense else rows)


def for_fitting(design: Design) -> Design:
    """``design`` itself, or its dense form when it is structured and small (see ``DENSE_BELOW``)."""
    if not isinstance(design, DenseDesign) and design.n_rows * design.n_cols <= DENSE_BELOW:
        return DenseDesign(design.toarray())
    return design
