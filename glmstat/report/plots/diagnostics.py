"""R's ``plot()`` of a glm (``plot.lm`` with ``which = c(1, 2, 3, 5)``, as in R 4.2): four diagnostic panels.

With r_i the Pearson residuals, rs_i = r_i / sqrt(phi (1 - h_i)) the standardized Pearson residuals
(R's ``rstandard(fit, type = "pearson")``), eta_i the linear predictor, h_i the leverages, D_i Cook's
distances and p the rank; rows with zero weight are left out, and rs_i is not plotted where h_i = 1:

1. *Residuals vs Fitted*: r_i against eta_i ("Predicted values"), with ``panel.smooth``'s lowess line
   (f = 2/3; R 4 uses no robustness iterations for a glm, ``iter.smooth = 0``);
2. *Normal Q-Q*: rs_i against the normal quantiles qnorm(ppoints(n)) of their ranks (ppoints(n) =
   (i - a) / (n + 1 - 2a), a = 3/8 for n <= 10, else 1/2) and the line through the quartiles;
3. *Scale-Location*: sqrt(|rs_i|) against eta_i, with the smoother;
4. *Residuals vs Leverage*: rs_i against h_i, with the contours of Cook's distance 0.5 and 1,
   rs = +/- sqrt(D p (1 - h) / h).  When every leverage is the same (a balanced factorial design) R plots
   the residuals against the factor-level combinations instead, and so does this.

The three most extreme rows are labelled with their row labels: by |r_i| in panel 1, |rs_i| in panels 2-3,
and D_i in panel 4 (R's ``id.n = 3``).

R before 4.0 plotted deviance residuals with a robust smoother and red contours; this follows R 4.2.

A fit to streamed data (a Parquet path, a dask DataFrame) is drawn from one pass of ``fit.augment()`` over its
rows, rs_i = r_i / sqrt(phi (1 - h_i)) computed from it, when it has at most :data:`MAX_STREAMED_ROWS` rows
used; above that it is refused (millions of points make a black blot, and every row would be brought into
memory): plot a fit to a sample, or write ``fit.augment(path)`` and look at the extreme rows.  Its panel 4
for constant leverage needs the factors' values in every row, and refuses a streamed fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from ..._arguments import shown_items
from ...distributions import normal_quantile

from ...errors import GLMStatError, GLMStatWarning, warn_user
from ...formula.values import r_text
from ...inference.fit_access import factor_values, used_data
from ._figure import R_GRAY, R_RED, literal_text, new_figure, r_range, style_axes
from ._model import row_labels
from .lowess import lowess

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ...inference.results import GLMResults

__all__ = ["diagnostics_figure", "ppoints", "qq_points", "extreme_rows", "STD_PEARSON", "MAX_STREAMED_ROWS"]

STD_PEARSON = "Std. Pearson resid."
COOK_LEVELS = (0.5, 1.0)
ID_N = 3
#: The most rows used a streamed fit's diagnostic plots draw (see the module docstring).
MAX_STREAMED_ROWS = 1_000_000


def ppoints(n: int) -> np.ndarray:
    """R's ``ppoints(n)``: (i - a) / (n + 1 - 2a), i = 1..n, a = 3/8 if n <= 10 else 1/2."""
    a = 3 / 8 if n <= 10 else 1 / 2
    return (np.arange(1, n + 1) - a) / (n + 1 - 2 * a)


def qq_points(y: np.ndarray) -> np.ndarray:
    """R's ``qqnorm(y)$x``: qnorm(ppoints(n)) at the ranks of y (ties in order of appearance), NaN
    where y is NaN."""
    y = np.asarray(y, dtype=float)
    ok = ~np.isnan(y)
    ranks = np.argsort(np.argsort(y[ok], kind="stable"), kind="stable")
    x = np.full(y.shape, np.nan)
    x[ok] = normal_quantile(ppoints(int(ok.sum())))[ranks]
    return x


def extreme_rows(score: np.ndarray, n: int = ID_N) -> np.ndarray:
    """Positions of the n largest scores (ties in order of appearance, NaN last), as R's
    ``sort.list(score, decreasing = TRUE)[1:n]``."""
    score = np.asarray(score, dtype=float)
    order = np.argsort(np.where(np.isnan(score), np.inf, -score), kind="stable")
    return order[:n]


def _points(ax: "Axes", x: np.ndarray, y: np.ndarray) -> None:
    ax.plot(x, y, linestyle="none", marker="o", markersize=4, markerfacecolor="none",
            markeredgecolor="black", markeredgewidth=0.7, gid="points")


def _smooth(ax: "Axes", x: np.ndarray, y: np.ndarray) -> None:
    """R's ``panel.smooth`` for a glm: lowess(f = 2/3, iter = 0) of the finite points."""
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.any():
        xs, ys = lowess(x[ok], y[ok], f=2 / 3, iter=0)
        ax.plot(xs, ys, color=R_RED, linewidth=1.2, gid="smooth")


def _label(ax: "Axes", x: np.ndarray, y: np.ndarray, rows: np.ndarray, labels: np.ndarray,
           xlim: tuple[float, float], lower_negative: bool = False) -> None:
    """R's ``text.id``: the label right of a point in the left half of the panel, left of it in the right
    half; below-zero labels of panels 1 and 4 a third of a line lower."""
    middle = (xlim[0] + xlim[1]) / 2
    for i in rows:
        if not (np.isfinite(x[i]) and np.isfinite(y[i])):
            continue
        right = x[i] <= middle
        dy = -3.0 if lower_negative and y[i] < 0 else 0.0
        ax.annotate(labels[i], (x[i], y[i]), xytext=(3.0 if right else -3.0, dy), textcoords="offset points",
                    ha="left" if right else "right", va="center", fontsize=7, gid="id")


def _residuals_vs_fitted(ax, eta, r, labels) -> None:
    ylim = r_range(r, 0.08)
    xlim = r_range(eta)
    _points(ax, eta, r)
    _smooth(ax, eta, r)
    ax.axhline(0.0, linestyle=":", color="gray", linewidth=0.8, gid="zero")
    _label(ax, eta, r, extreme_rows(np.abs(r)), labels, xlim, lower_negative=True)
    ax.set(xlim=xlim, ylim=ylim, xlabel="Predicted values", ylabel="Residuals", title="Residuals vs Fitted")


def _normal_qq(ax, rs, labels) -> None:
    qx = qq_points(rs)
    lo, hi = np.nanmin(rs), np.nanmax(rs)
    ylim = r_range(np.array([lo, hi + 0.075 * (hi - lo)]))
    xlim = r_range(qx)
    _points(ax, qx, rs)
    # qqline: through the first and third quartiles (type 7) of the residuals and of the normal
    q1, q3 = np.nanquantile(rs, [0.25, 0.75])
    z1, z3 = normal_quantile([0.25, 0.75])
    ax.axline((float(z1), float(q1)), (float(z3), float(q3)), linestyle=":", color="#7F7F7F", linewidth=0.9,
              gid="qqline")
    _label(ax, qx, rs, extreme_rows(np.abs(rs)), labels, xlim)
    ax.set(xlim=xlim, ylim=ylim, xlabel="Theoretical Quantiles", ylabel=STD_PEARSON, title="Normal Q-Q")


def _scale_location(ax, eta, rs, labels) -> None:
    y = np.sqrt(np.abs(rs))
    xlim = r_range(eta)
    _points(ax, eta, y)
    _smooth(ax, eta, y)
    _label(ax, eta, y, extreme_rows(np.abs(rs)), labels, xlim)
    ax.set(xlim=xlim, ylim=r_range(np.array([0.0, np.nanmax(y)])), xlabel="Predicted values",
           ylabel=f"\u221a|{STD_PEARSON}|", title="Scale-Location")


def _residuals_vs_leverage(ax, h, rs, cook, rank, labels) -> None:
    x = np.where(h >= 1, np.nan, h)
    xmax = float(np.nanmax(x))
    xlim = r_range(np.array([0.0, xmax]))
    ylim = r_range(rs, 0.08)
    _points(ax, x, rs)
    _smooth(ax, x, rs)
    ax.axhline(0.0, linestyle=":", color="gray", linewidth=0.8, gid="zero")
    ax.axvline(0.0, linestyle=":", color="gray", linewidth=0.8, gid="zero")
    # R: hh from min(h_min, h_max / 100) to the right edge of the plot, 101 points
    hh = np.linspace(min(np.nanmin(h), np.nanmax(h) / 100), xlim[1], 101)
    for level in COOK_LEVELS:
        with np.errstate(invalid="ignore"):  # NaN right of h = 1, where R's lines() stop too
            contour = np.sqrt(level * rank * (1 - hh) / hh)
        for sign in (1, -1):
            ax.plot(hh, sign * contour, linestyle="--", color=R_GRAY, linewidth=0.9, gid=f"cook-{level:g}")
    # the contour levels at the right edge (R writes them in the margin, at min(0.99, right edge))
    edge = min(0.99, xlim[1])
    for level in COOK_LEVELS:
        at = np.sqrt(level) * np.sqrt(rank * (1 - edge) / edge)
        for y in (at, -at):
            if ylim[0] < y < ylim[1]:
                ax.annotate(f"{level:g}", (1.0, y), xycoords=ax.get_yaxis_transform(), xytext=(-2, 1),
                            textcoords="offset points", ha="right", va="bottom", fontsize=7, color=R_GRAY,
                            gid="cook-level")
    ax.plot([], [], linestyle="--", color=R_GRAY, label="Cook's distance")
    ax.legend(loc="lower left", frameon=False, fontsize=7, labelcolor=R_GRAY, handlelength=1.5)
    _label(ax, x, rs, extreme_rows(cook), labels, xlim, lower_negative=True)
    ax.set(xlim=xlim, ylim=ylim, xlabel="Leverage", ylabel=STD_PEARSON, title="Residuals vs Leverage")


def _residuals_vs_factor_levels(ax, fit, keep, h, rs, cook, labels) -> None:
    """R's panel for constant leverage: rs against the factor-level combination index
    sum_k code_k * ff_k, ff = rev(cumprod(c(1, nlev[nf:2]))), ticks at the first factor's levels.  The
    factors are the model's factor variables (R's ``x$xlevels``: ``factor(x > 10)`` with levels FALSE and
    TRUE, not the column x), in the order the formula names them."""
    title = "Constant Leverage:\n Residuals vs Factor Levels"
    if not fit.model_frame.in_memory:
        used_data(fit)  # a streamed fit: refused with the reason, before a pass to find its factors
    factors = factor_values(fit)
    if not factors:
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"hat values (leverages) are all = {np.mean(h):.6g}\n"
                "and there are no factor predictors; no plot no. 5", ha="center", va="center",
                transform=ax.transAxes, fontsize=8)
        return
    first, _, first_levels = factors[0]
    nlev = np.array([len(levels) for _, _, levels in factors])
    ff = np.cumprod(np.r_[1, nlev[::-1][:-1]])[::-1]
    codes = np.column_stack([c for _, c, _ in factors]).astype(float)
    facval = (codes @ ff)[keep]
    _points(ax, facval, rs)
    _smooth(ax, facval, rs)
    ax.axhline(0.0, linestyle=":", color="gray", linewidth=0.8, gid="zero")
    for v in ff[0] * np.arange(nlev[0] + 1) - 0.5:
        ax.axvline(v, linestyle=(0, (4, 4)), color="gray", linewidth=0.6, gid="level-boundary")
    xlim = r_range(np.array([-0.5, float(np.sum((nlev - 1) * ff)) + 0.5]))
    # R writes the levels as as.character() does: 1 for the double 1.0, TRUE for a logical's level
    ax.set_xticks(ff[0] * (np.arange(1, nlev[0] + 1) - 0.5) - 0.5, [r_text(lv) for lv in first_levels])
    _label(ax, facval, rs, extreme_rows(cook), labels, xlim, lower_negative=True)
    ax.set(xlim=xlim, ylim=r_range(rs, 0.08), xlabel=f"Factor Level Combinations\n{first} :",
           ylabel=STD_PEARSON, title=title)


def _per_row(fit: "GLMResults") -> dict[str, np.ndarray]:
    """Leverage, Cook's distance, linear predictor, Pearson and standardized Pearson residuals and the row
    labels of every row used (a streamed fit: from one pass of ``augment()``, refused above
    :data:`MAX_STREAMED_ROWS` rows)."""
    if not fit.model_frame.in_memory and fit.nobs > MAX_STREAMED_ROWS:  # (before augment() reads every row)
        raise GLMStatError(
            f"fit.plot() draws every row used, and this fit to streamed data has {fit.nobs} (more than "
            f"{MAX_STREAMED_ROWS}, the most the diagnostic plots draw: more points make a blot, and all of "
            "them would be brought into memory); plot a fit to a sample of the rows, or write "
            "fit.augment(path) and look at the rows with the largest residuals and Cook's distances")
    aug = fit.augment()
    if fit.model_frame.in_memory:
        rows = {"eta": fit.linear_predictor, "r": fit.residuals("pearson"), "rs": fit.std_residuals("pearson")}
        labels = row_labels(fit)
    else:
        if hasattr(aug, "compute"):  # a dask fit's lazy table: one pass on the cluster
            aug = aug.compute()
        r = aug["resid_pearson"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):  # h = 1: no standardized residual (R: NaN)
            rs = r / np.sqrt(fit.dispersion * (1.0 - aug["hat"].to_numpy(dtype=float)))
        rows = {"eta": aug["linear_predictor"], "r": r, "rs": np.where(np.isfinite(rs), rs, np.nan)}
        labels = np.array([str(label) for label in aug.index], dtype=object)
    out = {k: np.asarray(v, dtype=float) for k, v in rows.items()}
    out.update(h=aug["hat"].to_numpy(dtype=float), cook=aug["cooks_d"].to_numpy(dtype=float), labels=labels)
    return out


def diagnostics_figure(fit: "GLMResults") -> "Figure":
    """The four panels of R's ``plot(glm_fit)`` (see the module docstring) in a 2 x 2 Figure.

    Parameters
    ----------
    fit : GLMResults
        The fitted model; a streamed one with at most :data:`MAX_STREAMED_ROWS` rows used.

    Returns
    -------
    matplotlib.figure.Figure
        Residuals vs fitted, normal Q-Q, scale-location and residuals vs leverage.
    """
    rows = _per_row(fit)  # (first: it may refuse, and then no figure is made)
    fig, axes = new_figure("fit.plot()", 2, 2)
    keep = np.isfinite(rows["h"])  # zero-weight rows have no leverage; R's plot.lm drops them
    h, cook, eta, r, rs, labels = (rows[k][keep] for k in ("h", "cook", "eta", "r", "rs", "labels"))
    if np.any(h >= 1):
        one = labels[h >= 1]  # (at most ten named, each cut: a factor of a level per row puts every row here)
        warn_user("not plotting observations with leverage one: "
                  + shown_items(one),
                  GLMStatWarning)
        rs = np.where(h >= 1, np.nan, rs)
    (ax1, ax2), (ax3, ax4) = axes
    _residuals_vs_fitted(ax1, eta, r, labels)
    if not np.isfinite(rs).any():  # an exact fit: phi = 0 (or no rows with leverage below one)
        for ax, title in ((ax2, "Normal Q-Q"), (ax3, "Scale-Location"), (ax4, "Residuals vs Leverage")):
            ax.set_title(title)
            ax.text(0.5, 0.5, "no finite standardized residuals\n(an exact fit?)", ha="center", va="center",
                    transform=ax.transAxes, fontsize=8)
    else:
        _normal_qq(ax2, rs, labels)
        _scale_location(ax3, eta, rs, labels)
        if h.max() == 0 or h.max() - h.min() < 1e-10 * h.mean():  # R's isConst.hat
            _residuals_vs_factor_levels(ax4, fit, keep, h, rs, cook, labels)
        else:
            _residuals_vs_leverage(ax4, h, rs, cook, fit.rank, labels)
    for ax in axes.flat:
        style_axes(ax)
    fig.suptitle(f"glm({fit.formula})", fontsize=10)
    return literal_text(fig)
