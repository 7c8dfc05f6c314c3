"""The design matrix as a table (R's ``model.matrix``), dense on request only.

The fit keeps its design in the form the engine reads (a wide factor as its codes, see
:mod:`glmstat.design.structured`); this writes it out entry by entry, the columns named as the coefficients:
for the rows used (block by block for streamed data), or for the complete rows of new data encoded like the
training data.  Refused beyond the formula limits' ``max_design_bytes``, as a fit's design would be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..design.base import rows_within
from ..formula.limits import refuse_dense
from .fit_access import encode_design, formula_limits

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["design_table"]


def _refuse_beyond(rows: int, cols: int, limit: int) -> None:
    refuse_dense(f"the design matrix of {rows:,} rows and {cols:,} columns", 8 * rows * cols, limit,
                 "take fewer rows (model_matrix(newdata=...)) or raise the limit (glm(..., limits=FormulaLimits(...)))",
                 held=" dense")


def design_table(fit: "GLMResults", newdata: Any = None) -> pd.DataFrame:
    """The design of the rows used (``newdata``: of its complete rows) as a DataFrame; see the module."""
    names = fit.column_names
    limit = formula_limits(fit).max_design_bytes
    if newdata is not None:
        X, _, ok = encode_design(fit, newdata)
        _refuse_beyond(X.n_rows, X.n_cols, limit)
        index = newdata.index if isinstance(newdata, pd.DataFrame) else pd.RangeIndex(len(ok))
        # (pandas copies a 2-D array unless told not to: the table is held once)
        return pd.DataFrame(X.toarray(), index=index[np.asarray(ok, dtype=bool)], columns=names, copy=False)
    source = fit.fit_data.source
    _refuse_beyond(source.n_rows, source.n_cols, limit)
    # written into the table itself a few rows at a time (rows_within: PRODUCT_CELLS cells), never as parts and
    # their concatenation: the table and a small slice of a block are held
    values = np.empty((source.n_rows, len(names)))
    start = 0
    for b in source.blocks():
        n, step = b.X.n_rows, rows_within(b.X.n_cols)
        for at in range(0, n, step):
            stop = min(n, at + step)
            values[start + at:start + stop] = b.X.rows(at, stop).toarray()
        start += n
    return pd.DataFrame(values[:start], index=fit.rows_used, columns=names, copy=False)
