"""``fit.plot(kind)``: one entry point that hands the fit to the figure of that kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._arguments import confidence_level, is_one_of, shown
from ...errors import GLMStatError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...inference.results import GLMResults

__all__ = ["plot_fit", "KINDS"]

KINDS = ("diagnostics", "trace", "effects", "halfnormal", "partial", "calibration")


def plot_fit(fit: "GLMResults", kind: str = "diagnostics", *, term: str | None = None, level: float = 0.95,
             nsim: int = 19, seed: int | None = None, groups: int = 10) -> "Figure":
    """The figure of the given kind for a fit (see :meth:`GLMResults.plot`)."""
    if not is_one_of(kind, KINDS):  # (an array compared element by element: a raw ValueError)
        raise GLMStatError(f"unknown plot kind {shown(kind)}; use one of {', '.join(KINDS)}")
    if kind == "diagnostics":
        from .diagnostics import diagnostics_figure

        return diagnostics_figure(fit)
    if kind == "trace":
        from .trace import trace_figure

        mean_label = "Fitted probability" if fit.family.binomial_response else "Fitted mean"
        return trace_figure(fit.trace, fit.trace_fitted, mean_label=mean_label)
    if kind == "effects":
        if term is None:
            raise GLMStatError('fit.plot("effects") needs term=, the predictor to vary, e.g. term="x"')
        from .effects import effects_figure

        return effects_figure(fit, term, level=level)
    if kind == "partial":
        if term is None:
            raise GLMStatError('fit.plot("partial") needs term=, the term to draw, e.g. term="x"')
        from .partial import partial_figure

        return partial_figure(fit, term)
    if kind == "calibration":
        from .calibration import calibration_figure

        return calibration_figure(fit, groups, confidence_level(level))
    if kind == "halfnormal":
        from .halfnormal import halfnormal_figure

        return halfnormal_figure(fit, nsim=nsim, seed=seed)
    raise GLMStatError(f"unknown plot kind {shown(kind)}; use one of {', '.join(KINDS)}")
