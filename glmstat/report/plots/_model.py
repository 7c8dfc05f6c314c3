"""What only the plots need to know about a model: how to write its response and its rows, and how to show a
variable held fixed.  The model's variables themselves (names, roles, levels in the model's order, means over
the rows used, for in-memory and streamed fits alike) come from
:func:`glmstat.inference.variables.model_variables`, and the rows used from
:func:`glmstat.inference.fit_access.used_data`: one answer to each question for the whole package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..._arguments import shown
from ...errors import GLMStatError

if TYPE_CHECKING:
    from ...inference.results import GLMResults
    from ...inference.variables import ModelVariable

__all__ = ["typical", "describe", "response_expression", "row_labels", "data_column"]


def typical(var: "ModelVariable") -> Any:
    """The value a plot holds ``var`` at while another variable varies: its reference level, or its mean over
    the rows used."""
    return var.levels[0] if var.is_factor else var.mean


def describe(var: "ModelVariable") -> str:
    """``var`` at its typical value, as the legend of a plot writes it (``"age = 23.24 (mean)"``)."""
    if var.is_factor:
        return f"{var.name} = {var.labels[0]} (reference level)"
    return f"{var.name} = {var.mean:.4g} (mean)"


def data_column(rows: Any, name: str) -> Any:
    """The column of the DataFrame ``rows`` named ``name`` (a data column's name may be a number: compared as
    strings)."""
    return rows[next(c for c in rows.columns if str(c) == name)]


def row_labels(fit: "GLMResults") -> np.ndarray:
    """The row labels of the data for the rows used, as strings (R's ``names(residuals(fit))``)."""
    return np.array([str(label) for label in fit.rows_used], dtype=object)


def response_expression(fit: "GLMResults") -> str:
    """The left-hand side of the formula as written (backticks removed around a plain name)."""
    from ...formula.lexer import tilde_positions

    tildes = tilde_positions(fit.formula)  # (the formula's own '~', not one in a backtick-quoted name)
    if not tildes:
        raise GLMStatError(f"cannot read the response of the formula {shown(fit.formula)}")
    lhs = fit.formula[:tildes[0]].strip()
    return lhs[1:-1] if lhs.startswith("`") and lhs.endswith("`") and lhs.count("`") == 2 else lhs
