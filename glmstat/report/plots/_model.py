"""What the plots need to know about the model's variables, read from public results only: the formula
string, the fitted data (``fit.model_frame.data``) and the rows used.

A name of the formula is a *variable* when it is a column of the data; its role follows R's model frame:
a factor when the column is not numeric (strings, booleans, categoricals) or is wrapped in ``factor()``,
``C()`` or ``as.factor()``; its reference level is the first level (sorted, or the categorical's order)
unless ``relevel(x, ref = "b")`` names another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...errors import GLMStatError

if TYPE_CHECKING:
    from ...inference.results import GLMResults

__all__ = ["Variable", "model_variables", "used_data", "response_expression", "row_labels"]

_NAME = re.compile(r"`([^`]+)`|([A-Za-z_.][A-Za-z0-9_.]*)")
_STRING = re.compile(r"\"[^\"]*\"|'[^']*'")


@dataclass(frozen=True)
class Variable:
    """A data column the model's right-hand side uses."""

    name: str
    is_factor: bool
    levels: tuple = ()  # the levels present in the rows used, reference first
    mean: float = float("nan")  # for numeric variables, over the rows used

    @property
    def typical(self) -> Any:
        """The value other plots hold it at: the reference level, or the mean."""
        return self.levels[0] if self.is_factor else self.mean

    def describe(self) -> str:
        if self.is_factor:
            return f"{self.name} = {self.levels[0]} (reference level)"
        return f"{self.name} = {self.mean:.4g} (mean)"


def used_data(fit: "GLMResults") -> pd.DataFrame:
    """The rows of the fitted data that the fit used (a new frame; the caller's data is not touched)."""
    frame = fit.model_frame
    data = getattr(frame, "data", None)
    if data is None:
        raise GLMStatError("this plot needs the fitted data in memory, and this fit does not keep it")
    positions = getattr(frame, "row_positions", None)
    return data.iloc[positions] if positions is not None else data.loc[fit.rows_used]


def row_labels(fit: "GLMResults") -> np.ndarray:
    """The row labels of the data for the rows used, as strings (R's ``names(residuals(fit))``)."""
    return np.array([str(label) for label in fit.rows_used], dtype=object)


def _sides(formula: str) -> tuple[str, str]:
    lhs, sep, rhs = formula.partition("~")
    if not sep:
        raise GLMStatError(f"cannot read the variables of the formula {formula!r}")
    return lhs.strip(), rhs


def response_expression(fit: "GLMResults") -> str:
    """The left-hand side of the formula as written (backticks removed around a plain name)."""
    lhs = _sides(fit.formula)[0]
    return lhs[1:-1] if lhs.startswith("`") and lhs.endswith("`") and lhs.count("`") == 2 else lhs


def _levels(values: pd.Series, reference: Any = None) -> tuple:
    if isinstance(values.dtype, pd.CategoricalDtype):
        levels = [c for c in values.cat.categories if (values == c).any()]
    else:
        levels = sorted(pd.unique(values.dropna()), key=lambda v: (str(type(v)), v))
    if reference is not None:
        matches = [lv for lv in levels if str(lv) == str(reference)]
        if matches:
            levels = matches + [lv for lv in levels if lv is not matches[0]]
    return tuple(levels)


def model_variables(fit: "GLMResults") -> list[Variable]:
    """The data columns the right-hand side uses, in order of first appearance (R's model-frame order)."""
    data = used_data(fit)
    rhs = _sides(fit.formula)[1]
    references = {m.group(1): m.group(2) for m in re.finditer(
        r"relevel\(\s*`?([^`,()]+?)`?\s*,\s*(?:ref\s*=\s*)?[\"']([^\"']*)[\"']", rhs)}
    code = _STRING.sub('""', rhs)
    columns = [str(c) for c in data.columns]
    seen: list[str] = []
    for m in _NAME.finditer(code):
        name = m.group(1) or m.group(2)
        if name in columns and name not in seen:
            seen.append(name)
    if re.search(r"(?<![\w.])\.(?![\w.])", code):  # "y ~ ." : every other column, minus "- x" terms
        lhs_names = {m.group(1) or m.group(2) for m in _NAME.finditer(_sides(fit.formula)[0])}
        removed = {m.group(1) or m.group(2) for m in re.finditer(r"-\s*(?:`([^`]+)`|([A-Za-z_.][\w.]*))", code)}
        seen = [c for c in columns if c not in lhs_names and c not in removed]
    out = []
    for name in seen:
        values = data[name]
        wrapped = re.search(r"(?:factor|C|as\.factor)\(\s*`?" + re.escape(name) + r"`?\s*[,)]", code) is not None
        numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
        if numeric and not wrapped:
            out.append(Variable(name, False, mean=float(values.to_numpy(dtype=float).mean())))
        else:
            out.append(Variable(name, True, levels=_levels(values, references.get(name))))
    return out
