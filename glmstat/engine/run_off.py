"""A run-off that is not the fit's answer: the fit from R's leap out of it, kept when it lands lower.

Where the linear predictor runs off along a direction (coefficients growing without end), the working weights of
the rows it carries away vanish, and a column the estimate uses can look aliased under them (R's QR pivots it out
at 1e-11 of its norm).  R's ``glm.fit`` then solves the step without that column and gives it 0 -- a leap out of
the run-off -- and iterates on from there.  The IRLS loop (:mod:`glmstat.engine.irls`) stops at the run-off
instead, as separation's divergence is the fit's answer: its deviance falls to its infimum there, and R's leap went
above the null model (a cauchit level of 1s: 36.2 where the run-off reached 3.82).  But a run-off can also be a
degenerate direction whose deviance tends to a finite limit above an interior optimum's: a Gaussian inverse-link fit
whose means run to 0 on every row but one has the limit sum_{i != k} w_i y_i^2 (35046.60, held-out s751_0318), and
R's leap lands at 6.2e8 and descends to the interior optimum at 33725.12.

So the exact fit takes R's leap as a probe: it fits afresh from there (:func:`lands_lower` decides), within the
iterations left, and the fit from the leap is the answer only where it ends at an interior optimum (its next Fisher
step negligible) below the run-off's deviance.  No separation has one: the deviance there has no finite minimiser
below its infimum.  Otherwise the run-off stands (and its divergence is the diagnosis's to name).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from .fit_state import TraceRecord

__all__ = ["lands_lower", "joined", "Recorder"]


def lands_lower(run_off, landed) -> bool:
    """Is the fit from the leap (``landed``, a FitState) the answer rather than the run-off (``run_off``)?

    Only an interior optimum (converged and polished: the next Fisher step below the polishing tolerance) whose
    deviance is below the run-off's by more than rounding, D_landed < D_run_off (1 - 1e-9).
    """
    return (landed.converged and landed.polished and not landed.boundary
            and landed.deviance < run_off.deviance - 1e-9 * abs(run_off.deviance))


def joined(run_off, leap: np.ndarray, landed):
    """The fit from the leap, its record preceded by the run-off's and the leap itself (R's iteration).

    ``iterations`` counts as R's ``iter``: the run-off's, the leap, then the fit from the leap's; the trace and
    deviance history run on the same way (the history of the fit from the leap starts at the leap's deviance).
    """
    # (the leap was solved on the columns the run-off's last factor kept: R's NA for the one its QR pivoted out)
    solved = run_off.trace[-1].kept if run_off.trace else np.ones(leap.size, dtype=bool)
    leap_row = TraceRecord(landed.deviance_history[0], 0, leap, np.ones(leap.size, dtype=bool), solved)
    return replace(landed, iterations=run_off.iterations + 1 + landed.iterations,
                   trace=run_off.trace + (leap_row,) + landed.trace,
                   deviance_history=run_off.deviance_history + landed.deviance_history,
                   polish_steps=landed.polish_steps)


class Recorder:
    """Holds the probe's ``on_iteration`` events (its iterations numbered after the run-off's and the leap's) until
    the probe is kept; then :meth:`replay` passes them on, the leap's own step first, as R's trace prints them."""

    def __init__(self, report: Callable[[str, int, float], None] | None, first: int) -> None:
        self.report, self.first, self.events = report, first, []

    def __call__(self, event: str, iteration: int, deviance: float) -> None:
        self.events.append((event, iteration if event == "polish" else iteration + self.first, deviance))

    def replay(self, leap_deviance: float) -> None:
        if self.report is None:
            return
        self.report("step", self.first, leap_deviance)
        for event in self.events:
            self.report(*event)
