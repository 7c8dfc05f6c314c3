"""The IRLS walk in three panels: each coefficient by iteration, the deviance by iteration (iterations that
needed step-halving marked), and each observation's fitted mean by iteration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...errors import GLMStatError
from ...inference.trace import TRACE_COLUMNS
from ._figure import R_RED, literal_text, new_figure, style_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["trace_figure", "TRACE_COLUMNS", "MAX_LEGEND", "MAX_PATHS"]

#: Most coefficients named in panel 1's legend: a 300-level factor's legend of 301 entries overflowed the figure
#: (and took a third of its drawing time); beyond, the panel's title counts the lines instead.
MAX_LEGEND = 12
#: Most observations drawn in panel 3, evenly spaced over the rows (the first and the last among them): 100,000
#: lines were one black band and 7 s of drawing; the title says how many of how many rows are drawn.
MAX_PATHS = 2000


def trace_figure(trace: pd.DataFrame, fitted: pd.DataFrame | None = None,
                 mean_label: str = "Fitted mean") -> "Figure":
    """The IRLS path as a Figure.

    Parameters
    ----------
    trace : DataFrame
        One row per iteration with columns ``iteration``, ``deviance``, ``loglik``, ``halvings`` and one
        column per coefficient (``fit.trace``).  Panel 1 draws each coefficient against ``iteration``,
        panel 2 the deviance (iterations with ``halvings`` > 0 marked).
    fitted : DataFrame, optional
        One row per observation, one column per iteration (``fit.trace_fitted``); panel 3 draws each row
        as a line over the iterations (``MAX_PATHS`` rows evenly spaced where there are more).  Without it the
        figure has two panels.
    mean_label : str
        The y label of panel 3.
    """
    missing = [c for c in ("iteration", "deviance") if c not in trace.columns]
    if missing:
        raise GLMStatError(f"the trace has no column {', '.join(map(repr, missing))}; "
                           f"it needs {', '.join(TRACE_COLUMNS)} and one column per coefficient")
    coefs = [c for c in trace.columns if c not in TRACE_COLUMNS]
    fig, axes = new_figure('fit.plot("trace")', 1, 3 if fitted is not None else 2, panel_size=(4.0, 3.4))
    ax1, ax2 = axes[0, 0], axes[0, 1]
    it = trace["iteration"].to_numpy(dtype=float)

    for name in coefs:
        ax1.plot(it, trace[name].to_numpy(dtype=float), marker="o", markersize=3, linewidth=1.1,
                 label=str(name), gid=f"coef:{name}")
    if coefs and len(coefs) <= MAX_LEGEND:
        ax1.legend(fontsize=7, frameon=False)
    ax1.set(xlabel="Iteration", ylabel="Estimate",
            title="Coefficients" if len(coefs) <= MAX_LEGEND else f"Coefficients ({len(coefs):,})")

    dev = trace["deviance"].to_numpy(dtype=float)
    ax2.plot(it, dev, marker="o", markersize=3, color="black", linewidth=1.1, gid="deviance")
    if "halvings" in trace.columns:
        halved = trace["halvings"].to_numpy(dtype=float) > 0
        if halved.any():
            ax2.plot(it[halved], dev[halved], linestyle="none", marker="x", markersize=7, color=R_RED,
                     label="step halved", gid="halvings")
            ax2.legend(fontsize=7, frameon=False)
    ax2.set(xlabel="Iteration", ylabel="Deviance", title="Deviance")

    if fitted is not None:
        from matplotlib.collections import LineCollection

        ax3 = axes[0, 2]
        try:
            steps = np.asarray(fitted.columns, dtype=float)
        except (TypeError, ValueError):  # columns not named by iteration number: number them 1, 2, ...
            steps = np.arange(1.0, fitted.shape[1] + 1)
        n = len(fitted)
        rows = np.unique(np.linspace(0, n - 1, MAX_PATHS).round().astype(np.intp)) if n > MAX_PATHS else slice(None)
        values = fitted.to_numpy(dtype=float)[rows]
        paths = np.stack([np.broadcast_to(steps, values.shape), values], axis=-1)  # (rows, iterations, 2)
        ax3.add_collection(LineCollection(paths, colors="black", linewidths=0.6, alpha=0.5, gid="fitted"))
        ax3.autoscale_view()
        ax3.set(xlabel="Iteration", ylabel=mean_label,
                title="Fitted values" if n <= MAX_PATHS else f"Fitted values ({len(values):,} of {n:,} rows)")
    for ax in axes.flat:
        ax.xaxis.get_major_locator().set_params(integer=True)
        style_axes(ax)
    return literal_text(fig)
