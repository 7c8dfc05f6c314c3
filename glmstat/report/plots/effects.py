"""The fitted mean against one predictor, the others held at typical values, with a confidence band.

For a grid x_1..x_m over the predictor's range in the rows used (or each of its levels), with the other
predictors at their typical values (numeric: the mean over the rows used; factor: the reference level),
the curve is mu(x) = g^{-1}(eta(x)) and the band g^{-1}(eta(x) -/+ z se(eta(x))) -- ``fit.predict(...,
se_fit=True, interval="confidence")``, computed on the link scale and transformed back, so the band stays
inside the range of the mean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...errors import GLMStatError
from ._figure import new_figure, style_axes
from ._model import Variable, model_variables, response_expression, used_data

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...inference.results import GLMResults

__all__ = ["effects_figure", "effects_grid"]

GRID_POINTS = 101


def _as_column(like: pd.Series, items: list) -> pd.Series:
    """``items`` as a column with the dtype of ``like`` (a categorical keeps its categories)."""
    dtype = like.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(items, dtype=dtype))
    if pd.api.types.is_bool_dtype(dtype):
        return pd.Series(items, dtype=bool)
    if pd.api.types.is_numeric_dtype(dtype):
        return pd.Series(items, dtype=float)
    return pd.Series(items, dtype=object)


def effects_grid(fit: "GLMResults", term: str) -> tuple[pd.DataFrame, Variable, list[Variable]]:
    """The new data the effects plot predicts at, the varied variable and the ones held fixed."""
    variables = model_variables(fit)
    by_name = {v.name: v for v in variables}
    if term not in by_name:
        names = ", ".join(repr(v.name) for v in variables) or "none"
        raise GLMStatError(f"term={term!r} is not a predictor of this model; its predictors are {names}")
    data = used_data(fit)
    focus = by_name[term]
    if focus.is_factor:
        grid = _as_column(data[term], list(focus.levels))
    else:
        x = data[term].to_numpy(dtype=float)
        grid = pd.Series(np.linspace(x.min(), x.max(), GRID_POINTS))
    others = [v for v in variables if v.name != term]
    columns = {term: grid, **{v.name: _as_column(data[v.name], [v.typical] * len(grid)) for v in others}}
    return pd.DataFrame(columns), focus, others


def effects_figure(fit: "GLMResults", term: str, level: float = 0.95) -> "Figure":
    """The fitted mean against ``term`` with a ``level`` confidence band (see the module docstring)."""
    newdata, focus, others = effects_grid(fit, term)
    pred = fit.predict(newdata, type="response", se_fit=True, interval="confidence", level=level)
    fig, axes = new_figure('fit.plot("effects")', 1, 1, panel_size=(5.6, 4.2))
    ax = axes[0, 0]
    mean, lower, upper = (pred[c].to_numpy(dtype=float) for c in ("fit", "lower", "upper"))
    if focus.is_factor:
        pos = np.arange(len(focus.levels))
        ax.errorbar(pos, mean, yerr=[mean - lower, upper - mean], linestyle="none", marker="o", color="black",
                    capsize=4, label=f"fitted mean, {100 * level:g}% confidence interval", gid="fit")
        ax.set_xticks(pos, [str(lv) for lv in focus.levels])
        ax.set_xlim(-0.5, len(pos) - 0.5)
    else:
        x = newdata[term].to_numpy(dtype=float)
        ax.fill_between(x, lower, upper, color="0.8", linewidth=0, label=f"{100 * level:g}% confidence band",
                        gid="band")
        ax.plot(x, mean, color="black", linewidth=1.5, label="fitted mean", gid="fit")
        observed = used_data(fit)[term].to_numpy(dtype=float)
        ax.plot(observed, np.zeros_like(observed), linestyle="none", marker="|", markersize=8, color="0.3",
                transform=ax.get_xaxis_transform(), clip_on=False, gid="rug")
    response = response_expression(fit)
    what = "probability" if fit.family.binomial_response else "mean"
    ax.set(xlabel=term, ylabel=f"Fitted {what} of {response}", title=f"Effect of {term}")
    held = "\n".join(v.describe() for v in others)
    ax.legend(fontsize=7, frameon=False, title=("Others held at:\n" + held) if held else None,
              title_fontsize=7, alignment="left")
    style_axes(ax)
    return fig
