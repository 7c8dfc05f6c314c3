"""The one place matplotlib is imported: a fresh ``Figure`` (object-oriented API, no pyplot state, so nothing
pops up and figures do not accumulate) and R's axis-range rules."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Callable

import numpy as np

from ...errors import MissingDependencyError
from ..rformat import MAX_TABLE_LABEL, cut_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["new_figure", "literal_text", "r_range", "R_RED", "R_GRAY"]

R_RED = "#DF536B"   # R 4's palette()[2], the colour of panel.smooth's line
R_GRAY = "#9E9E9E"  # R 4's palette()[8], plot.lm's Cook's distance contours


def new_figure(what: str, nrows: int, ncols: int, panel_size: tuple[float, float] = (4.2, 3.6),
               dpi: float = 100) -> tuple["Figure", np.ndarray]:
    """A constrained-layout Figure with a nrows x ncols grid of axes (returned as a 2-d array).

    Raises
    ------
    MissingDependencyError
        When matplotlib is not installed (the message names ``what`` and the ``plot`` extra).
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise MissingDependencyError(
            f"{what} needs matplotlib, which is not installed: pip install glmstat[plot]"
        ) from e
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), dpi=dpi, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def r_range(values: np.ndarray, extend: float = 0.0) -> tuple[float, float]:
    """R's axis range for data ``values``: ``extendrange(range(values), f = extend)`` and then the 4% that
    R's default ``xaxs = "r"`` adds on each side (so the range equals R's ``par("usr")``)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
    lo, hi = lo - extend * (hi - lo), hi + extend * (hi - lo)
    if hi == lo:  # R widens a zero-width range by 4% of the value (or by 1 around 0)
        pad = 0.04 * abs(lo) if lo != 0 else 1.0
        return lo - pad, hi + pad
    return lo - 0.04 * (hi - lo), hi + 0.04 * (hi - lo)


def style_axes(ax: "Axes") -> None:
    """R's look: a full box, ticks outside, no grid."""
    ax.tick_params(direction="out", labelsize=8)
    for side in ax.spines.values():
        side.set_linewidth(0.8)


def literal_text(fig: "Figure") -> "Figure":
    """``fig`` with every text drawn as the characters it holds, never as matplotlib's mathtext or as TeX:
    labels come from the data (a row name, a factor level, a column name in a term or the formula), and one
    holding ``$...$`` was parsed as math -- shown as another text, or making the figure fail to draw (a
    ValueError for ``$\\frac{$``, a RecursionError for nested ``\\sqrt{...}``); with ``text.usetex`` set in
    the caller's matplotlib settings every label was handed to LaTeX as it is, so a level ``\\input{file}``
    drew that file into the figure.  glmstat's own labels use neither.  (Tick labels made when the figure is
    drawn copy the first tick's.)

    A text of more than :data:`~glmstat.report.rformat.MAX_TABLE_LABEL` characters is cut there with ``...``, as the
    padded tables cut it, fixed tick labels too: matplotlib lays out and draws a text in time linear in its
    characters at every pass, and labels of 10,000 characters made a partial-residual plot 14 s where it took 0.5 s
    (a level of a million, from a 1 MB file: minutes)."""
    from matplotlib.text import Text
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)
        if len(text.get_text()) > MAX_TABLE_LABEL:
            text.set_text(cut_label(text.get_text()))
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter) and any(len(str(s)) > MAX_TABLE_LABEL for s in formatter.seq):
                formatter.seq = [cut_label(s) if len(str(s)) > MAX_TABLE_LABEL else s for s in formatter.seq]
            elif isinstance(formatter, FuncFormatter):  # (matplotlib's set_xticks(labels=) of a list)
                formatter.func = partial(_cut_tick, formatter.func)
    return fig


def _cut_tick(func: Callable[[float, int | None], str], x: float, pos: int | None = None) -> str:
    """The tick label ``func`` writes, cut to :data:`~glmstat.report.rformat.MAX_TABLE_LABEL` characters."""
    text = func(x, pos)
    return cut_label(text) if len(text) > MAX_TABLE_LABEL else text
