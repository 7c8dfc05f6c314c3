"""The calibration plot of a binomial fit to 0/1 responses: in each group of fitted probabilities of the
Hosmer-Lemeshow test (:mod:`glmstat.inference.goodness_of_fit`), the observed proportion of 1s against the mean
fitted probability, with R's ``binom.test`` interval of the proportion (Clopper-Pearson, exact):

    x_k = E_k1 / n_k,   y_k = O_k1 / n_k,
    lower_k = B^-1(alpha/2; O_k1, n_k - O_k1 + 1),   upper_k = B^-1(1 - alpha/2; O_k1 + 1, n_k - O_k1)

(B^-1 the beta quantile; 0 and 1 where O_k1 is 0 or n_k).  A well calibrated fit has its points on the
diagonal; intervals that miss it show where the fitted probabilities are too high or too low.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..._scipy import special
from ...inference.goodness_of_fit import hosmer_lemeshow
from ._figure import R_RED, literal_text, new_figure, style_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...inference.results import GLMResults

__all__ = ["calibration_figure", "clopper_pearson"]


def clopper_pearson(successes: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """R's ``binom.test(x, n, conf.level = level)$conf.int`` for each (x, n): the exact interval from the beta
    quantiles (see the module docstring)."""
    alpha = 1.0 - level
    with np.errstate(all="ignore"):
        lower = np.where(successes > 0, special.betaincinv(successes, n - successes + 1, alpha / 2), 0.0)
        upper = np.where(successes < n, special.betaincinv(successes + 1, n - successes, 1 - alpha / 2), 1.0)
    return lower, upper


def calibration_figure(fit: "GLMResults", groups: int = 10, level: float = 0.95) -> "Figure":
    """One panel: the groups' observed proportions against their mean fitted probabilities (gid ``"groups"``),
    their ``level`` intervals (``"intervals"``, one vertical segment each) and the diagonal (``"diagonal"``)."""
    test = hosmer_lemeshow(fit, groups)
    tab = test.table
    n = tab["n"].to_numpy(dtype=float)
    observed = tab["observed_1"].to_numpy(dtype=float)
    x, y = tab["expected_1"].to_numpy(dtype=float) / n, observed / n
    lower, upper = clopper_pearson(observed, n, level)
    fig, axes = new_figure("fit.plot('calibration')", 1, 1, panel_size=(4.6, 4.4))
    ax = axes[0, 0]
    ax.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1, label="perfect calibration", gid="diagonal")
    for k in range(x.size):
        ax.plot([x[k], x[k]], [lower[k], upper[k]], color=R_RED, linewidth=1.2, gid="intervals",
                label=f"{level:.0%} interval (exact)" if k == 0 else None)
    ax.plot(x, y, "o", color="black", markersize=4, label="observed proportion", gid="groups")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Mean fitted probability in the group")
    ax.set_ylabel(f"Observed proportion of {fit.model_frame.response_name} = 1")
    ax.set_title(f"Calibration in {x.size} groups (Hosmer-Lemeshow p = {test.p_value:.3g})", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    style_axes(ax)
    return literal_text(fig)
