"""What the fitters take and return: :class:`Control`, the settings of an IRLS fit (R's ``glm.control`` and
glmstat's own), and :class:`FitState`, the estimate with its factorisation and iteration record, which IRLS
(:mod:`glmstat.engine.irls`), Firth's fit and the negative binomial's theta loop return and ``glm()`` finishes
(:mod:`glmstat.fit`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from ..once import on_demand

__all__ = ["CONVERGENCE", "Control", "FitState", "TraceRecord"]

#: ``convergence=`` values: iterate to the exact MLE, or stop where R's glm.fit stops and report what it reports.
CONVERGENCE = ("exact", "R")


class TraceRecord(NamedTuple):
    """One accepted step of a fit, as :attr:`FitState.trace` records it."""

    deviance: float
    halvings: int  # the step-halvings the step needed
    beta: np.ndarray  # the coefficients (every column; a column set aside keeps its value)
    kept: np.ndarray  # mask of the columns the factor at beta keeps (the next step's)
    #: mask of the columns of the least squares that made beta (R's QR of that iteration, whose NA its coef()
    #: reports at maxit = k)
    solved: np.ndarray


@dataclass(frozen=True)
class Control:
    """IRLS settings: the relative-deviance tolerance and the iteration limit (R's ``glm.control``).

    ``damped`` also halves a step that raises the deviance (by more than rounding, 1e-12 relative), not
    only one that leaves the family's domain as R does: a fit that must reach its optimum from any start
    (the constrained refits of a profile) cannot cycle; when no halving lowers the deviance it stops there.
    A damped fit does not count a halved step's small deviance change as convergence while the coefficients
    still move (it may be creeping towards an optimum on the edge of the domain).
    """

    tol: float = 1e-8
    max_iter: int = 25
    damped: bool = False
    #: "exact": polish to the MLE after R's criterion is met; "R": stop there and return what R's glm.fit
    #: returns (the covariance from the weights of the step before, R's dispersion)
    convergence: str = "exact"
    #: called as on_iteration(event, iteration, deviance) while fitting, event "step" (the full step's
    #: deviance, as R's trace prints it), "halved" (after a step-halving) or "polish"
    on_iteration: Callable[[str, int, float], None] | None = field(default=None, compare=False, repr=False)
    #: the caller asked for R's printed iterations (R's ``glm.control(trace = TRUE)``; the printing itself is
    #: an ``on_iteration`` callback): recorded so that the Call line shows it
    trace: bool = False


@dataclass(frozen=True)
class FitState:
    """The engine's result: estimate, factorisation at the estimate, and the iteration record."""

    coef: np.ndarray  # NaN where aliased
    kept: np.ndarray
    #: (X'WX)^{-1}, NaN rows/columns where aliased (None: not asked for); may be given as the function computing it,
    #: called on first read (p x p of which few are kept: a design wider than its rows)
    cov_unscaled: np.ndarray | None = on_demand()
    #: X'WX at the estimate, every column; may be given as the function computing it, called on first read (a
    #: design wider than its rows: 4,680 columns' p x p product, which no caller of most fits reads)
    gram: np.ndarray = on_demand()
    deviance: float
    pearson_chi2: float
    n_ok: int
    sum_weights: float
    converged: bool
    iterations: int
    boundary: bool
    n_boundary: int
    last_rel_change: float
    deviance_history: tuple[float, ...]
    polished: bool = False  # the next Fisher-scoring step was below POLISH_TOL: an interior optimum
    #: one record per accepted step; the first ``iterations`` are R's iterations, the rest polishing steps
    trace: tuple[TraceRecord, ...] = field(default=(), repr=False)
    polish_steps: int = 0
    #: R's criterion was taken as met because a step was no larger than the rounding of the solve that made it
    #: (kept columns nearly singular together): the estimates are determined only to about that
    at_rounding: bool = False
    #: With ``convergence="R"``: the coefficients whose working weights made the covariance -- those at the
    #: start of the last iteration, as R's QR -- where they are not the estimate's; None: the estimate's own
    #: (or, with ``weights_at_start``, the family's starting means').
    weights_beta: np.ndarray | None = field(default=None, repr=False)
    #: With ``convergence="R"``: R's criterion was met at the first iteration, whose working weights are those
    #: of the family's starting means.
    weights_at_start: bool = False
    #: R's deviance test was met within ``max_iter`` iterations (R's ``converged``).  False also where scoring
    #: cycled or crawled to ``max_iter`` (or went away until halving was exhausted) and the exact fit went on with
    #: Newton steps: ``converged`` then says whether they reached the optimum, the steps after ``iterations`` in
    #: ``trace``.
    scoring_converged: bool = True

    def __getstate__(self) -> dict:
        self.gram, self.cov_unscaled  # (computed, where given as functions: a function may not pickle)
        return dict(self.__dict__)
