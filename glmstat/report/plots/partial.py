"""The component-plus-residual plot of one term: R's ``termplot(fit, partial.resid = TRUE, smooth =
panel.smooth)``, car's ``crPlots``.

For a term J of one data column x, each row used is drawn at (x_i, e_i + s_iJ), its partial residual -- the
working residual e_i = (y_i - mu_i) / (d mu_i / d eta_i) plus the term's share of the linear predictor
s_iJ = x_iJ' b_J - xbar_J' b_J (``fit.residuals("partial")``, ``fit.predict(type="terms")``) -- with the
term's share as a line through them and R's ``panel.smooth`` (lowess, f = 2/3, no robustness iterations) of
the points: where the smooth bends away from the line, the term's shape (a straight line in x, ``log(x)``,
``poly(x, 2)``) misses the data's.  A factor term gets each level's share as a horizontal segment and its
rows' partial residuals spread about it.

A term that reads two columns (``x:z``, ``I(x * z)``) has no one axis to be drawn against, and is refused, as
R's termplot cannot draw it either.  A fit to streamed data is drawn up to
:data:`~glmstat.report.plots.diagnostics.MAX_STREAMED_ROWS` rows used, its x from one pass over the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..._arguments import own_scalar, shown, shown_items
from ...errors import GLMStatError
from ...formula.nodes import names_read
from ...formula.terms import term_label
from ...inference.fit_access import used_data
from ...inference.streamed_data import raw_fold
from ...inference.variables import model_variables
from ._figure import R_RED, literal_text, new_figure, style_axes
from ._model import data_column
from .diagnostics import MAX_STREAMED_ROWS
from .lowess import lowess

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...inference.results import GLMResults

__all__ = ["partial_figure", "term_column"]

#: Half the width of the band a factor level's rows are spread over (the levels are 1 apart).
SPREAD = 0.2


def term_column(fit: "GLMResults", term: str) -> tuple[str, str]:
    """(the term's label, the one data column it reads) for ``term``, a term label (``"poly(t, 2)"``) or a data
    column that exactly one term reads (``"t"``)."""
    spec = fit.model_frame.spec
    reads = {term_label(t): list(dict.fromkeys(n for v in t for n in names_read(v) if n in spec.columns))
             for t in spec.terms.terms}
    named = isinstance(term, str) and own_scalar(term)  # (a str subclass's __hash__ and __eq__ are not run)
    if named and term not in reads:
        hits = [label for label, cols in reads.items() if cols == [term]]
        if len(hits) > 1:
            raise GLMStatError(f"term={shown(term)} is the column of {len(hits)} terms, {shown_items(hits)}: name "
                               "the term to draw")
        if hits:
            term = hits[0]
    if not named or term not in reads:
        raise GLMStatError(f"term={shown(term)} is not a term of this model; its terms are "
                           f"{shown_items(list(reads)) or 'none'}")
    columns = reads[term]
    if len(columns) != 1:
        what = "no data column" if not columns else f"{len(columns)} data columns ({shown_items(columns)})"
        raise GLMStatError(f"the term {shown(term)} reads {what}: a partial residual plot draws a term against "
                           "the one column it reads (R's termplot does not draw such a term either)")
    return term, columns[0]


def _column_values(fit: "GLMResults", name: str) -> pd.Series:
    """The column ``name`` over the rows used, in their order (a streamed fit: one pass over the data)."""
    if fit.model_frame.in_memory:
        return data_column(used_data(fit), name).reset_index(drop=True)
    parts = raw_fold(fit, (name,), lambda chunk: [chunk[name].reset_index(drop=True)], list.__add__, [])
    return pd.concat(parts, ignore_index=True) if parts else pd.Series([], dtype=float)


def _computed(values: Any) -> Any:
    return values.compute() if hasattr(values, "compute") else values  # (a dask fit's lazy table)


def partial_figure(fit: "GLMResults", term: str) -> "Figure":
    """The component-plus-residual plot of ``term`` (see the module docstring).

    Parameters
    ----------
    fit : GLMResults
        The fitted model, in memory or streamed (at most ``MAX_STREAMED_ROWS`` rows used).
    term : str
        A term label, or the data column of the one term that reads it.

    Returns
    -------
    matplotlib.figure.Figure
        One panel: the partial residuals (gid ``"partial"``), the term's share (``"term"``: a line for a numeric
        column, one segment per level for a factor) and, for a numeric column, their smooth (``"smooth"``).
    """
    label, column = term_column(fit, term)
    if not fit.model_frame.in_memory and fit.nobs > MAX_STREAMED_ROWS:  # (before a row is read)
        raise GLMStatError(f"fit.plot('partial') draws every row used, and this fit to streamed data has {fit.nobs} "
                           f"(more than {MAX_STREAMED_ROWS}); plot a fit to a sample of the rows")
    # (residuals("partial"), with the terms predicted once: the share is drawn too)
    share = _computed(fit.predict(type="terms"))[label].to_numpy(dtype=float)
    partial = share + _computed(fit.residuals("working")).to_numpy(dtype=float)
    x = _column_values(fit, column)
    fig, axes = new_figure('fit.plot("partial")', 1, 1, panel_size=(5.6, 4.2))
    ax = axes[0, 0]
    var = next((v for v in model_variables(fit) if v.name == column), None)
    if var is None or not var.is_factor:
        xv = pd.to_numeric(x, errors="coerce").to_numpy(dtype=float)
        ax.plot(xv, partial, linestyle="none", marker="o", markersize=3, markerfacecolor="none", color="0.45",
                label="partial residuals", gid="partial")
        order = np.argsort(xv, kind="stable")
        ax.plot(xv[order], share[order], color=R_RED, linewidth=1.5, label=f"{label} (fitted)", gid="term")
        ok = np.isfinite(xv) & np.isfinite(partial)
        if np.unique(xv[ok]).size > 2:
            xs, ys = lowess(xv[ok], partial[ok], f=2 / 3, iter=0)
            ax.plot(xs, ys, color="black", linestyle="--", linewidth=1, label="smooth of the residuals", gid="smooth")
    else:
        # (the levels in the model's order, reference first: the rows' values are among them)
        at = pd.Categorical(x, categories=list(var.levels)).codes.astype(np.intp)
        m = len(var.levels)
        # (a fixed spread, the same figure on every call: a row's place within its level, not a random jitter)
        rank = pd.Series(at).groupby(at).cumcount().to_numpy()
        count = np.bincount(at[at >= 0], minlength=m)[at]
        ax.plot(at + SPREAD * (2 * (rank + 0.5) / count - 1), partial, linestyle="none", marker="o", markersize=3,
                markerfacecolor="none", color="0.45", label="partial residuals", gid="partial")
        rows = np.flatnonzero(at >= 0)
        present, first = np.unique(at[rows], return_index=True)  # (each level's share: that of its first row)
        for k, (i, row) in enumerate(zip(present.tolist(), rows[first].tolist())):
            ax.plot([i - 0.35, i + 0.35], [share[row]] * 2, color=R_RED, linewidth=2,
                    label=None if k else f"{label} (fitted)", gid="term")
        ax.set_xticks(range(m), list(var.labels))
        ax.set_xlim(-0.6, m - 0.4)
    ax.set(xlabel=column, ylabel=f"Partial for {label}", title=f"Component + residual: {label}")
    ax.legend(fontsize=7, frameon=False)
    style_axes(ax)
    return literal_text(fig)
