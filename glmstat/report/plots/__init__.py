"""Figures for teaching and notebooks; matplotlib (the ``plot`` extra) is imported only when one is drawn.

Each function returns a new ``matplotlib.figure.Figure`` (object-oriented API: nothing is shown or kept by
pyplot) and never changes the fit.

* :func:`diagnostics_figure` -- R's ``plot()`` of a glm (``fit.plot()``);
* :func:`trace_figure` -- the IRLS path from ``fit.trace`` (``fit.plot("trace")``);
* :func:`effects_figure` -- the fitted mean against one predictor (``fit.plot("effects", term=...)``);
* :func:`halfnormal_figure` -- half-normal plot with a simulated envelope (``fit.plot("halfnormal")``);
* :func:`partial_figure` -- a term's partial residuals, R's ``termplot(partial.resid = TRUE)``
  (``fit.plot("partial", term=...)``);
* :func:`calibration_figure` -- observed proportions against fitted probabilities in the Hosmer-Lemeshow
  groups, with exact intervals (``fit.plot("calibration")``);
* :func:`plot_links` -- link and inverse-link functions side by side (``gs.plot_links``);
* :func:`lowess` -- R's lowess smoother, used by the diagnostic panels.

A fit to streamed data (a Parquet path, a dask DataFrame) gets the effects plot with a binned rug (a pass of
column summaries and one of bins), the diagnostic panels up to ``diagnostics.MAX_STREAMED_ROWS`` rows used
(from one pass of ``fit.augment()``), and a clear refusal of the half-normal envelope (its refits would
re-read the data).
"""

from .calibration import calibration_figure
from .diagnostics import diagnostics_figure
from .dispatch import plot_fit
from .effects import effects_figure
from .halfnormal import halfnormal_figure
from .links import plot_links
from .lowess import lowess
from .partial import partial_figure
from .trace import trace_figure

__all__ = ["plot_fit", "diagnostics_figure", "trace_figure", "effects_figure", "halfnormal_figure",
           "partial_figure", "calibration_figure", "plot_links", "lowess"]
