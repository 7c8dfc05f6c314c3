"""The fitted mean against one predictor, the others held at typical values, with a confidence band.

For a grid x_1..x_m over the predictor's range in the rows used (or each of its levels), with the other
predictors at their typical values (numeric: the mean over the rows used; factor: the reference level),
the curve is mu(x) = g^{-1}(eta(x)) and the band g^{-1}(eta(x) -/+ z se(eta(x))) -- ``fit.predict(...,
se_fit=True, interval="confidence")``, computed on the link scale and transformed back, so the band stays
inside the range of the mean.  A column only an offset reads (``expo`` in ``offset(log(expo))``) is held
at its mean too.

The variables and their typical values are :func:`glmstat.inference.variables.model_variables`'.  A fit to
streamed data (a Parquet path, a dask DataFrame) gets the same grid from one pass of column summaries over the
rows used (:mod:`glmstat.inference.column_summaries`: means, smallest and largest values, and a row that
gives each column's kind), so its curve and band are the in-memory fit's.  Its rug comes from a second pass:
the range split into ``RUG_BINS`` bins, one tick at the smallest observed value of each bin that has one
(every tick is a value of the data, and no value is farther than a bin's width from a tick; at the width of
a figure, a tick is about as wide as a bin).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..._arguments import shown, shown_items
from ...errors import GLMStatError
from ...inference.column_summaries import column_summaries
from ...inference.fit_access import used_data
from ...inference.streamed_data import raw_fold
from ...inference.variables import ModelVariable, categorical_with, model_variables
from ._figure import literal_text, new_figure, style_axes
from ._model import data_column, describe, response_expression, typical

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...inference.results import GLMResults

__all__ = ["effects_figure", "effects_grid"]

GRID_POINTS = 101
#: The bins of a streamed fit's rug (see the module docstring).
RUG_BINS = 400


def _as_column(like: pd.Series, items: list) -> pd.Series:
    """``items`` as a column with the dtype of ``like`` (a categorical keeps its categories, and adds those a
    chunk of streamed data lacks)."""
    dtype = like.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(categorical_with(dtype, items))
    if pd.api.types.is_bool_dtype(dtype):
        return pd.Series(items, dtype=bool)
    if pd.api.types.is_numeric_dtype(dtype):
        return pd.Series(items, dtype=float)
    return pd.Series(items, dtype=object)


def _read_columns(fit: "GLMResults") -> tuple[str, ...]:
    """The data columns the model's right-hand side and offsets read, and an ``offset=`` column."""
    spec = fit.model_frame.spec
    return tuple(dict.fromkeys(spec.columns + spec.offset_columns))


def _rows(fit: "GLMResults") -> tuple[pd.DataFrame, Any]:
    """(rows whose columns have the data's kinds, column summaries or None): the rows used, in memory; for a
    streamed fit its first row used and the summaries of the columns the model's right-hand side and offsets
    read over the rows used, from one pass over the data."""
    if fit.model_frame.in_memory:
        return used_data(fit), None
    summaries = column_summaries(fit, _read_columns(fit))
    return summaries.first, summaries


def _bin_minima(chunk: pd.DataFrame, name: str, lo: float, hi: float) -> np.ndarray:
    """The smallest value of the column ``name`` in each of ``RUG_BINS`` bins of [lo, hi] (inf: none)."""
    x = data_column(chunk, name).to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    out = np.full(RUG_BINS, np.inf)
    if x.size:
        width = (hi - lo) / RUG_BINS if hi > lo else 1.0
        np.minimum.at(out, np.clip(((x - lo) / width).astype(np.intp), 0, RUG_BINS - 1), x)
    return out


def _binned_values(fit: "GLMResults", name: str, lo: float, hi: float) -> np.ndarray:
    """A streamed fit's rug: the smallest value of each nonempty bin of [lo, hi], over the rows used (one pass)."""
    minima = raw_fold(fit, (name,), partial(_bin_minima, name=name, lo=lo, hi=hi), np.fmin,
                      np.full(RUG_BINS, np.inf))
    return minima[np.isfinite(minima)]


def _range(rows: pd.DataFrame, summaries: Any, name: str) -> tuple[float, float]:
    """The smallest and largest value of the numeric column ``name`` over the rows used."""
    if summaries is None:
        x = data_column(rows, name).to_numpy(dtype=float)
        return float(x.min()), float(x.max())
    s = summaries.columns[name]
    return s.minimum, s.maximum


def _offset_columns(fit: "GLMResults", rows: pd.DataFrame, summaries: Any,
                    variables: list[ModelVariable]) -> list[ModelVariable]:
    """The numeric data columns only an offset reads (``expo`` in ``offset(log(expo))``, an ``offset=``
    column name), held at their means over the rows used: the new data must hold them for ``predict``."""
    named = {v.name for v in variables}
    out = []
    for name in (c for c in _read_columns(fit) if c not in named):
        if summaries is not None:
            mean = summaries.columns[name].mean
        else:
            mean = float(np.mean(data_column(rows, name).to_numpy(dtype=float)))
        out.append(ModelVariable(name, False, mean=mean, spellings=(name,)))
    return out


def effects_grid(fit: "GLMResults", term: str) -> tuple[pd.DataFrame, ModelVariable, list[ModelVariable]]:
    """The new data the effects plot predicts at, the varied variable and the ones held fixed.

    Parameters
    ----------
    fit : GLMResults
        The fitted model, in memory or streamed.
    term : str
        The data column to vary (or a spelling of it such as ``"factor(cyl)"``).

    Returns
    -------
    (newdata, focus, others)
        ``GRID_POINTS`` values from the smallest to the largest of a numeric ``term`` over the rows used (or
        each of a factor's levels, reference first), the other variables at :func:`typical` values.
    """
    rows, summaries = _rows(fit)
    variables = model_variables(fit, summaries)
    hits = [v for v in variables if isinstance(term, str) and term in v.spellings]  # (an array: none)
    if not hits:
        names = shown_items([v.name for v in variables]) or "none"
        raise GLMStatError(f"term={shown(term)} is not a predictor of this model; its predictors are {names}")
    focus = hits[0]
    if focus.is_factor:
        grid = _as_column(data_column(rows, focus.name), list(focus.levels))
    else:
        lo, hi = _range(rows, summaries, focus.name)
        grid = pd.Series(np.linspace(lo, hi, GRID_POINTS))
    others = [v for v in variables if v is not focus] + _offset_columns(fit, rows, summaries, variables)
    columns = {focus.name: grid,
               **{v.name: _as_column(data_column(rows, v.name), [typical(v)] * len(grid)) for v in others}}
    return pd.DataFrame(columns), focus, others


def effects_figure(fit: "GLMResults", term: str, level: float = 0.95) -> "Figure":
    """The fitted mean against ``term`` with a ``level`` confidence band (see the module docstring).

    Parameters
    ----------
    fit : GLMResults
        The fitted model, in memory or streamed (then with a binned rug).
    term : str
        The data column to vary.
    level : float
        The confidence level of the band.

    Returns
    -------
    matplotlib.figure.Figure
        One panel: the curve (gid ``"fit"``), the band (``"band"``) and the rug (``"rug"``; binned for a
        streamed fit, see the module docstring); for a factor, the means with their intervals at each level.
    """
    newdata, focus, others = effects_grid(fit, term)
    pred = fit.predict(newdata, type="response", se_fit=True, interval="confidence", level=level)
    fig, axes = new_figure('fit.plot("effects")', 1, 1, panel_size=(5.6, 4.2))
    ax = axes[0, 0]
    mean, lower, upper = (pred[c].to_numpy(dtype=float) for c in ("fit", "lower", "upper"))
    if focus.is_factor:
        pos = np.arange(len(focus.levels))
        ax.errorbar(pos, mean, yerr=[mean - lower, upper - mean], linestyle="none", marker="o", color="black",
                    capsize=4, label=f"fitted mean, {100 * level:g}% confidence interval", gid="fit")
        ax.set_xticks(pos, list(focus.labels))
        ax.set_xlim(-0.5, len(pos) - 0.5)
    else:
        x = newdata[focus.name].to_numpy(dtype=float)
        ax.fill_between(x, lower, upper, color="0.8", linewidth=0, label=f"{100 * level:g}% confidence band",
                        gid="band")
        ax.plot(x, mean, color="black", linewidth=1.5, label="fitted mean", gid="fit")
        observed = (data_column(used_data(fit), focus.name).to_numpy(dtype=float) if fit.model_frame.in_memory
                    else _binned_values(fit, focus.name, float(x[0]), float(x[-1])))
        ax.plot(observed, np.zeros_like(observed), linestyle="none", marker="|", markersize=8, color="0.3",
                transform=ax.get_xaxis_transform(), clip_on=False, gid="rug")
    response = response_expression(fit)
    what = "probability" if fit.family.binomial_response else "mean"
    ax.set(xlabel=term, ylabel=f"Fitted {what} of {response}", title=f"Effect of {term}")
    held = "\n".join(describe(v) for v in others)
    ax.legend(fontsize=7, frameon=False, title=("Others held at:\n" + held) if held else None,
              title_fontsize=7, alignment="left")
    style_axes(ax)
    return literal_text(fig)
