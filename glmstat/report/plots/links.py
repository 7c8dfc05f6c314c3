"""Link functions eta = g(mu) and their inverses mu = g^{-1}(eta), side by side, for comparing links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..._arguments import real_number, shown
from ...errors import GLMStatError
from ...links import Link, eta_outside, get_link
from ._figure import literal_text, new_figure, style_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_links", "PROBABILITY_LINKS", "MAX_LINKS"]

PROBABILITY_LINKS = ("logit", "probit", "cloglog", "cauchit", "log")  # the binomial family's links
#: Links one figure compares: beyond this the curves and their legend cannot be told apart (and 100,000 of them
#: drew for 93 s, then ran out of memory).
MAX_LINKS = 20
#: The largest size of a plotting range's end: beyond about 1e307 matplotlib's ticks of the axis overflow.
MAX_END = 1e300


def _inverse_curve(link: Link, eta: np.ndarray, probability: bool, increasing: bool) -> np.ndarray:
    """g^{-1}(eta), NaN where it is not a mean: outside the link's valid eta, outside (0, 1] for
    probabilities or not positive otherwise (inverse of a negative eta), or where g^{-1} turns back (the
    square of a negative eta for sqrt)."""
    mu = np.asarray(link.inverse(eta), dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(mu) & (mu > 0) & ((mu <= 1) if probability else True)
        ok &= (np.asarray(link.mu_eta(eta)) > 0) == increasing
    ok &= ~eta_outside(link, eta)
    return np.where(ok, mu, np.nan)


def _range(value: Any, what: str) -> tuple[float, float]:
    """A plotting range: two increasing finite numbers whose difference is finite too."""
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        raise GLMStatError(f"{what} must be two numbers (low, high), got {shown(value)}")
    low, high = (real_number(v, f"{what}[{i}]") for i, v in enumerate(value))
    # (an axis whose ends pass about 1e307 overflowed in matplotlib's ticks, with numpy's warning)
    if not (low < high and max(abs(low), abs(high)) <= MAX_END):
        raise GLMStatError(f"{what} must be two increasing finite numbers of at most {MAX_END:g} in size, got "
                           f"({shown(low)}, {shown(high)})")
    return low, high


def plot_links(links: Sequence[str | Link] = ("logit", "probit", "cloglog"),
               mu_range: tuple[float, float] | None = None,
               eta_range: tuple[float, float] = (-5.0, 5.0)) -> "Figure":
    """Two panels: each link g(mu) against mu, and each inverse g^{-1}(eta) against eta.

    Parameters
    ----------
    links : sequence of link names or :class:`glmstat.links.Link`
        E.g. ``["logit", "probit", "cloglog", "cauchit"]`` or ``[gs.links.Power(1/3), "log"]``; at most
        ``MAX_LINKS`` (20).
    mu_range : (float, float), optional
        Range of mu in the left panel; default (0.001, 0.999) when every link is one of the binomial
        family's (a comparison of probability scales), else (0.01, 3).
    eta_range : (float, float)
        Range of eta: the y range of the left panel and the x range of the right one, where each inverse
        is drawn only where it is a valid mean.
    """
    if isinstance(links, (str, Link)):
        links = [links]
    if not isinstance(links, (list, tuple, np.ndarray)):
        raise GLMStatError(f"plot_links takes a link name, a Link or a list of them, got {type(links).__name__}")
    if len(links) > MAX_LINKS:  # (before any name is looked up)
        raise GLMStatError(f"plot_links compares at most {MAX_LINKS} links in one figure, got {len(links):,}")
    resolved = [get_link(link) for link in links]
    if not resolved:
        raise GLMStatError("plot_links needs at least one link, e.g. ['logit', 'probit']")
    probability = all(lk.name in PROBABILITY_LINKS for lk in resolved)
    if mu_range is None:
        mu_range = (0.001, 0.999) if probability else (0.01, 3.0)
    mu_range, eta_range = _range(mu_range, "mu_range"), _range(eta_range, "eta_range")
    mu = np.linspace(mu_range[0], mu_range[1], 401)
    eta = np.linspace(eta_range[0], eta_range[1], 401)
    fig, axes = new_figure("plot_links()", 1, 2)
    ax1, ax2 = axes[0]
    for lk in resolved:
        g = np.asarray(lk.link(mu), dtype=float)
        line = ax1.plot(mu, np.where(np.isfinite(g), g, np.nan), linewidth=1.4, label=lk.name,
                        gid=f"link:{lk.name}")[0]
        middle = np.asarray(lk.mu_eta(lk.link(np.array([np.mean(mu_range)]))), dtype=float)[0]
        ax2.plot(eta, _inverse_curve(lk, eta, probability, middle > 0), linewidth=1.4,
                 color=line.get_color(), label=lk.name, gid=f"inverse:{lk.name}")
    # the same window in both panels, mirrored: mu in mu_range (from 0), eta in eta_range
    mu_window = (0.0, 1.0) if probability else (0.0, mu_range[1])
    ax1.set(xlabel="\u03bc (mean)", ylabel="\u03b7 = g(\u03bc)", title="Link functions", xlim=mu_window,
            ylim=eta_range)
    ax2.set(xlabel="\u03b7 (linear predictor)", ylabel="\u03bc = g\u207b\u00b9(\u03b7)",
            title="Inverse links", xlim=eta_range, ylim=mu_window)
    if probability:
        ax2.axhline(0.5, linestyle=":", color="gray", linewidth=0.8)
    ax1.axhline(0.0, linestyle=":", color="gray", linewidth=0.8)
    ax1.legend(fontsize=8, frameon=False)
    ax2.legend(fontsize=8, frameon=False)
    for ax in axes.flat:
        style_axes(ax)
    return literal_text(fig)
