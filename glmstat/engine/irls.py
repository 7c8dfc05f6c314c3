"""The IRLS engine: a pure function (source, family, control) -> FitState with R's ``glm.fit`` semantics.

One *pass* over the row blocks at coefficients beta computes, for every block,

    eta = X beta + offset,   mu = g^{-1}(eta),   deviance = sum_i w_i d(y_i, mu_i),
    W_i = w_i (d mu/d eta)^2 / V(mu_i),   r_i = (y_i - mu_i) / (d mu/d eta)   (the working residual),

and reduces X'WX and X'Wr (:mod:`glmstat.engine.scoring_pass`).  The next estimate is beta + (X'WX)^{-1} X'Wr.
The loop is :class:`_Loop`: its state between iterations, and the moves of an iteration (a Fisher step, the
polishing and rescue steps after R's test is met, the halving or shortening of a step into the domain).
As in R:
  * the first pass starts from the family's ``start_mu`` (or from ``start=`` coefficients);
  * a step whose deviance is not finite, or whose eta/mu leave the family's domain, is halved towards the
    previous estimate (one that leaves it by the rounding of its solve only is moved back inside:
    :mod:`glmstat.engine.shortening`);
  * the deviance test |dev - dev_old| / (|dev| + 0.1) < tol decides convergence.
Unlike R, the engine then keeps taking Fisher-scoring steps (*polishing*) until the coefficient change is
negligible next to the coefficients and their standard errors (R stops ~1e-6 away from the optimum for
non-canonical links; a fitted mean within 10 eps of the edge of its domain stops this only when the step
still moves the linear predictor, as under separation, or brings a new mean to the edge), and every returned
quantity is evaluated at the final estimate (R evaluates the covariance with the weights of the step before).
Rows whose optimum is on an edge of the domain that pulls them across it (a log-link probability of 1 for a row of
successes), which Fisher scoring approaches only geometrically, are put on the edge by the Fisher step constrained
there (:mod:`glmstat.engine.edge_approach`) once polishing ends (the loop's moves at the edge:
:mod:`glmstat.engine.edge_moves`); where polishing ended because those rows' growing
weights made its steps read as rounding, or ended unpolished, Newton steps holding them there go on to the optimum.
Where scoring cycles around an interior optimum (a step raised the deviance, and the fit then fails to converge:
max_iter, or polishing that stops shrinking; or steps that turn back on each other, the deviance falling all the
while: polishing steps that still move the linear predictor, or the last steps before max_iter), or still crawls
towards it after ``MAX_POLISH`` polishing steps (a linear rate near 1, the estimate many steps from the optimum),
or reaches max_iter crawling one way at a linear rate below ``CRAWL_RATE`` (these readings of the last iterates
are :mod:`glmstat.engine.trajectory`'s), the exact fit finishes with Newton
steps with the observed information, halved while they raise the deviance (:mod:`glmstat.engine.newton`), and
is converged only once the Fisher step there is negligible (where rows are held on an edge of the domain that
pulls them across, a cell of zero counts fitted at 0 by an identity link, the Newton step that holds them there,
:func:`~glmstat.engine.newton.newton_step_on_edge`, is both the step and the test); the covariance
is still the inverse expected information, as summary.glm's.  Where scoring has risen far above a deviance it
reached and drifts on to the edge of the domain or steps out of it (away from the optimum: separation only
lowers the deviance), the rescue restarts from the lowest iterate, and its Newton steps go on from there while
they lower the deviance, whatever means they carry to the edge (a finite optimum can have them there).
Where the estimate runs off until working weights that vanish there set aside a column it uses, the loop stops
(separation's answer), and the fit from R's leap out of the run-off (that column at 0) is taken instead where it
lands at an interior optimum below the run-off's deviance (:mod:`glmstat.engine.run_off`) -- unless the columns
were set aside by the growing weights of rows held on an edge of infinite pull (a Tweedie 1 < p < 2 identity-link
0: :func:`~glmstat.engine.edges.steep_edges`): Newton steps holding them there then go on to the optimum, measured
against the factor without those weights (:mod:`glmstat.engine.steep_edge`), the result's covariance.
``Control(convergence="R")`` stops where R stops and returns what R's ``glm.fit`` returns instead.  The
iterations are counted as R's ``iter`` (polishing steps apart) and recorded in ``FitState.trace``
(:class:`Control` and :class:`FitState` are :mod:`glmstat.engine.fit_state`'s; the sizes a step is judged by,
:mod:`glmstat.engine.step_size`'s; columns set aside while in use, :mod:`glmstat.engine.set_aside`'s).

Cost: every pass starts on the Cholesky (Gram) path.  If the column-equilibrated X'WX is well conditioned
(condition number below ``linalg.GRAM_MAX_COND``) no column can be aliased at R's QR tolerance, so the
tall-skinny QR that finds R's aliasing runs only when the Cholesky path refuses; a design with more columns than
rows (X'WX singular for certain) takes the QR path throughout, O(n^2 p) a pass.  The per-row work of a
block is a fused kernel for the common family/link pairs (:mod:`glmstat.engine.kernel`); when the working
weights are the prior weights themselves (Gamma/log, Gaussian/identity) X'WX is formed once and later
passes reduce only X'W r.  BLAS runs single-threaded inside the loop (:mod:`glmstat.engine.threads`).
"""

from __future__ import annotations

import math
import operator
from dataclasses import replace
from functools import partial

import numpy as np

from ..design.sources import DesignSource, fold
from ..errors import FitError, InvalidStartError
from ..families import Family
from ..once import on_demand
from .passes import deviance_part
from .linalg import GRAM_MAX_COND, QRReducer, StepFactor, factor_gram
from .edge_moves import EdgeMoves
from .edges import pulls_across_edge
from .fit_state import Control, FitState, TraceRecord
from .kernel import deviance_from_sums, kernel_for
from .newton import newton_step, newton_step_off_edge, newton_step_on_edge
from .pass_memory import keep_pass_memory
from .result_passes import qr_covariance, r_pearson
from .run_off import Recorder, joined, lands_lower
from .scoring_pass import PassResult, evaluate, rises, scoring_pass
from .set_aside import absorbed_by_kept, set_aside_in_use
from .shortening import (LATER_ROUNDING_SHORTENING, ROUNDING_SHORTENING, finish_at_edge, inside_by_rounding,
                         within_eta_rounding)
from .starts import start_coefficients
from .step_size import (DRIFT_TOL, MAX_DAMPING, MAX_POLISH, POLISH_PATIENCE, POLISH_TOL, ROUNDING_STEPS, at_rounding,
                        eta_drift, relative_change, relative_step)
from .threads import single_threaded_blas
from .trajectory import CYCLE_RISE, OSCILLATION_TURNS, crawls, growing, lost_columns, oscillates, went_away

__all__ = ["irls"]

#: A step within the rounding of its solve is still scoring's approach (not noise) while it is at most this
#: fraction of the step before: rounding noise does not shrink step after step.
SHRINKING_RATE = 0.75
#: With ``convergence="R"`` the Cholesky path takes X'WX only below this condition number (1e10 otherwise).
#: There R's iterates are the result, not just the way to the MLE: a Cholesky step is off by about eps times
#: cond(X'WX), an error that no later step corrects when the fit stops at R's criterion or at max_iter, and a
#: run of halved steps towards the domain's edge (means near 0, weights spanning 1e10) amplifies it a thousand
#: times, 1e-8 off R after 25 iterations.  R's QR is off by eps sqrt(cond); so is the QR reducer used above this.
R_GRAM_MAX_COND = 1e6
#: Beyond this expected relative error of (X'WX)^{-1} (:attr:`StepFactor.inv_error`: a wide factor's block
#: solve whose Schur complement is ill-conditioned, ``f + log(yr) + yr``: 5e-4 of the standard errors) the
#: covariance comes from the QR of the rows instead (:func:`~glmstat.engine.result_passes.qr_covariance`).
INV_MAX_ERROR = 1e-10


_EPS = np.finfo(float).eps


def irls(
    source: DesignSource, family: Family, control: Control = Control(), start: np.ndarray | None = None,
    covariance: bool = True,
) -> FitState:
    """Fit a GLM by iteratively reweighted least squares.

    Parameters
    ----------
    source : DesignSource
        The rows (design, response, weights, trials, offset), in blocks.
    family : Family
        Error distribution and link.
    control : Control
        ``tol`` for the relative deviance change and ``max_iter``.
    start : ndarray, optional
        Starting coefficients; by default R's starting values for the family.
    covariance : bool
        Invert X'WX at the estimate (``FitState.cov_unscaled``); a refit that needs only its deviance and
        coefficients (a submodel of an anova, a step of theta's iteration) skips the p x p inverse, None.

    Returns
    -------
    FitState
    """
    keep_pass_memory(source.n_rows)
    # small products: BLAS runs them on one thread anyway; a p x p factorisation counts too (a design wider
    # than its rows: 401 columns on 100 rows was 10x slower with two BLAS threads on a loaded 2-core machine)
    if max(source.n_rows, source.n_cols) * source.n_cols < 2**16:
        return _irls(source, family, control, start, covariance)
    with single_threaded_blas():
        return _irls(source, family, control, start, covariance)


def nan_padded(inv: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """The p x p covariance of the kept columns' ``inv``, NaN in the rows and columns of the others.

    Parameters
    ----------
    inv : ndarray
        (X_K' W X_K)^{-1}, k x k, for the k kept columns.
    kept : ndarray
        Boolean mask of the p columns.

    Returns
    -------
    ndarray
        The padded p x p matrix.
    """
    p = kept.size
    k = np.flatnonzero(kept)
    cov = np.full((p, p), np.nan)
    cov[np.ix_(k, k)] = inv
    return cov


def _empty_model(source: DesignSource, family: Family) -> FitState:
    """An empty model (y ~ 0 + offset(...)): mu is fixed by the offset."""
    res = scoring_pass(source, family, np.zeros(0), use_qr=False)
    if not res.valid:  # as R: "invalid linear predictor values in empty model"
        raise FitError(
            f"the model has no coefficients, and its fixed linear predictor (the offset, or 0) is not a valid "
            f"mean for the {family.name} family with the {family.link.name} link; add the intercept or a term"
        )
    return FitState(np.zeros(0), np.zeros(0, dtype=bool), np.zeros((0, 0)), np.zeros((0, 0)), res.deviance,
                    res.pearson, res.n_ok, res.sum_weights, True, 0, False, res.n_boundary, 0.0, (res.deviance,))


def _irls(source: DesignSource, family: Family, control: Control, start: np.ndarray | None,
          covariance: bool = True) -> FitState:
    """The loop: a turn of :meth:`_Loop.turn` (a Fisher step, halved or shortened into the domain, or the
    rescue's) until it says stop; then the edge step where it applies, and the state at the estimate."""
    p = source.n_cols
    if p == 0:
        return _empty_model(source, family)
    if start is not None:
        start = np.asarray(start, dtype=float)
        if start.shape != (p,) or not np.all(np.isfinite(start)):
            raise FitError(f"start= needs {p} finite coefficients, one per model column; got {np.shape(start)}")
    loop = _Loop(source, family, control, start)
    while loop.turn():
        pass
    loop.hold_on_steep_edge()
    loop.approach_edge()
    if not loop.hold_on_edge() and loop.leave_edge():
        while loop.turn():
            pass
        loop.approach_edge()
    state = loop.result(covariance)
    return state if loop.leap is None else _from_leap(source, family, control, covariance, state, loop.leap)


def _from_leap(source: DesignSource, family: Family, control: Control, covariance: bool, run_off: FitState,
               leap: np.ndarray) -> FitState:
    """The fit from R's leap out of a run-off (:mod:`glmstat.engine.run_off`), within the iterations left, where it
    lands at an interior optimum below the run-off's deviance; else the run-off."""
    left = control.max_iter - run_off.iterations - 1
    if left < 1:
        return run_off
    recorder = Recorder(control.on_iteration, run_off.iterations + 1)
    try:
        landed = _irls(source, family, replace(control, max_iter=left, on_iteration=recorder), leap, covariance)
    except FitError:  # (no valid fit from the leap: the run-off stands)
        return run_off
    if not lands_lower(run_off, landed):
        return run_off
    recorder.replay(landed.deviance_history[0])
    return joined(run_off, leap, landed)


class _Loop(EdgeMoves):
    """One fit's iteration: its state between turns, and the moves of a turn (:meth:`turn`).

    Fisher scoring until R's deviance test is met (``converged``), then polishing until the next step is
    negligible (``polished``).  Rescue of a cycling fit (exact mode; ``rescue``: still to be had): once Fisher
    scoring has raised the deviance (``rose``) and then fails to converge (max_iter, or polishing that stops
    shrinking), take Newton steps with the observed information (:mod:`glmstat.engine.newton`; the Fisher step
    where that is not positive definite), halved while they raise the deviance (``rescuing``), until the Fisher
    step is negligible as for any fit.  The estimate is ``beta``, with its pass ``res`` and factor ``fac``.
    """

    __slots__ = ("source", "family", "control", "p", "from_start", "wide", "max_cond", "kernel", "beta", "res",
                 "fac", "use_qr", "fixed_gram", "history", "dev_old", "converged", "boundary", "iterations", "rel",
                 "polishing", "best_step", "since_best", "sizes", "polished", "rounding_optimum", "trace",
                 "polish_steps", "rechecked", "prev_fac", "prev_beta", "report", "rescue", "rose", "rescuing",
                 "at_rounding", "restart_from", "swinging", "anchor", "edge_pull", "free_pull", "diverging",
                 "restarted", "r_kept", "leap", "holding", "scoring_unmet")

    def __init__(self, source: DesignSource, family: Family, control: Control, start: np.ndarray | None) -> None:
        self.source, self.family, self.control = source, family, control
        p = self.p = source.n_cols
        self.from_start = start is not None
        # The Gram path first: when the equilibrated X'WX is well conditioned no column can be aliased at R's
        # QR tolerance, so R's aliasing is only looked for (with the QR reducer) when the Cholesky path refuses.
        # A design with more columns than rows has a singular X'WX: the QR reducer from the start, whose factor
        # has at most as many rows as the design (O(n p^2) a pass), instead of a p x p Cholesky (O(p^3)) that
        # can only fail.  Later passes solve the kept columns (at most n) by Cholesky, as for any aliased design.
        self.wide = p > source.n_rows
        self.max_cond = GRAM_MAX_COND if control.convergence == "exact" else R_GRAM_MAX_COND
        self.kernel = kernel_for(family)
        # (start= coefficients so large that X beta overflows give an invalid start, refused just below)
        with np.errstate(over="ignore", invalid="ignore"):
            res, fac, self.use_qr = evaluate(source, family, start, self.wide, np.ones(p, dtype=bool), self.kernel,
                                             max_cond=self.max_cond)
        if not res.valid or fac is None:
            raise InvalidStartError(
                "cannot find valid starting values: " + (
                    "the start= coefficients give" if start is not None else "the family's starting mu gives")
                + " a non-finite deviance, an invalid linear predictor or mean outside the family's domain; pass "
                + ("other " if start is not None else "") + "start= coefficients"
            )
        self.beta, self.res, self.fac = (start if start is not None else np.zeros(p)), res, fac
        # With convergence="R", the columns a pass may keep: R's QR pivots every iteration afresh, so a column set
        # aside only by one pass's working weights (mu^4 of 5e-31 where a Gaussian inverse-link fit runs off) comes
        # back at the next; only those aliased at the start stay out (the Gram path solves the rest)
        self.r_kept = fac.kept if control.convergence == "R" else None
        self._back_to_gram()
        # fixed working weights (Gamma/log, Gaussian/identity): X'WX is formed once, then only X'W r per pass
        self.fixed_gram = fac.gram if res.fixed_weights else None
        self.history = [res.deviance]
        self.dev_old = res.deviance
        self.converged = self.boundary = False
        self.iterations = 0
        self.rel = np.inf
        self.polishing = 0
        self.best_step, self.since_best = np.inf, 0
        self.sizes: list[float] = []  # the polishing steps' sizes, for growing
        self.polished = False
        self.rounding_optimum = False  # the rescue's steps stopped shrinking at the rounding of its solve
        self.trace: list[TraceRecord] = []
        self.polish_steps = 0
        self.rechecked = False
        # the factor whose step gave the estimate, and the coefficients it was computed at (None: the starting mu)
        self.prev_fac, self.prev_beta = fac, (start.copy() if start is not None else None)
        self.report = control.on_iteration
        self.rescue = not control.damped and control.convergence == "exact"
        self.rose = self.rescuing = False
        self.at_rounding = False  # converged because the last step was rounding noise (see step_size.at_rounding)
        self.restart_from = None  # the lowest iterate, once scoring is seen to have gone away from the optimum
        self.swinging = False  # the rescue was started by steps turning back (an oscillation), not by a rise
        self.anchor = None  # (kept, the starting linear predictor's coefficients): see ROUNDING_SHORTENING
        # the edges where a row's mean can end on the edge at the optimum (exact fits only: R's stop where it stops,
        # and a damped fit's own rule for the edge is the profile's)
        self.edge_pull = pulls_across_edge(family) if control.convergence == "exact" and not control.damped else ()
        # the edges a row frozen near them is freed from (leave_edge; damped fits too: the profile's refits)
        self.free_pull = pulls_across_edge(family) if control.convergence == "exact" else ()
        self.diverging = False  # polishing stopped because the linear predictor still moves (separation)
        self.leap = None  # R's leap out of a run-off where the loop stopped instead (_take)
        self.restarted = False  # the rescue restarted from the lowest iterate (scoring went away from the optimum)
        self.holding = False  # the edge step ended a fit stopped at the rounding of its solve: hold_on_edge goes on
        # R's test unmet where the loop took over: max_iter reached, or halving exhausted (R's glm stops there)
        self.scoring_unmet = False

    def _back_to_gram(self) -> None:
        # Once the aliased set is known and X'WX is well conditioned, the cheaper Gram reducer suffices (not
        # for a design wider than its rows: X'WX is then O(n p^2) a pass, the QR reducer's factor O(n^2 p)).
        # (with convergence="R", only once the Gram path is fine on every column R's next QR may keep: r_kept)
        fac = self.fac
        kept = fac.kept if self.r_kept is None else self.r_kept
        if self.use_qr and not self.wide and fac.kept.any() and factor_gram(
                fac.gram, np.zeros(self.p), kept, self.max_cond, self.res.reducer.diagonal) is not None:
            self.use_qr = False

    def turn(self) -> bool:
        """One turn of the loop: a restart, or a step (scoring's, polishing's or the rescue's) taken, halved or
        refused.  False once the fit stops."""
        if self.restart_from is not None:
            return self._restart()
        if not self.converged and self.iterations >= self.control.max_iter:
            goes_on = self._at_max_iter()
            if goes_on is not None:
                return goes_on
        if self.converged and (self.control.convergence == "R" or self.at_rounding):
            return False  # (steps at the rounding of the solve: polishing would only move the estimate by noise)
        step = self.fac.step
        if self.converged:
            step = self._polishing_step(step)
            if step is True or step is False:
                return step
        return self._take(step)

    def _restart(self) -> bool:
        # scoring rose far above a deviance it had reached and then drifts on towards the edge of the domain,
        # or steps out of it: it went away from the optimum (separation only lowers the deviance). Restart
        # from the lowest iterate with the rescue's Newton steps, halved while they raise the deviance.
        lowest = self.restart_from
        self.restart_from = None
        beta = np.where(lowest.kept, lowest.beta, 0.0)
        res, fac, use_qr = evaluate(self.source, self.family, beta, self.use_qr, lowest.kept, self.kernel, None,
                                    self.max_cond)
        if not res.valid or fac is None:
            # the lowest iterate with its set-aside columns at 0 leaves the domain (a poly(x, 50) on 60 rows whose
            # coefficients of 1e3 cancel: exp() of the rest overflows): no restart; the loop stops where it is (it
            # took the fit's state to None, and result() raised a raw AttributeError)
            return False
        self.beta, self.res, self.fac, self.use_qr = beta, res, fac, use_qr
        self.fixed_gram = self.fac.gram if self.res.fixed_weights else None
        self.rescuing, self.rescue, self.polishing, self.boundary = True, False, 0, False
        self.restarted = True
        self.best_step, self.since_best = np.inf, 0
        return True

    def _at_max_iter(self) -> bool | None:
        """max_iter reached before R's test was met: stop (False), restart (True), or go on with the rescue
        (None)."""
        # steps that keep turning back on each other: scoring oscillating about an interior optimum at a rate
        # near -1 (a cauchit fit's -0.996), its deviance falling by 1e-10 of itself a step, so it never rose
        # and R's criterion at a tight tol is met only thousands of iterations on -- a cycling fit all the same
        # (or crawling one way at a linear rate well below 1: Newton steps finish it at the optimum); with means
        # on the edge, only a long run of turns (a divergence there moves one way; a crawl may be one)
        res = self.res
        self.swinging = self.rescue and oscillates(self.trace, res.n_boundary > 0, OSCILLATION_TURNS)
        self.rose = self.rose or self.swinging or (
            self.rescue and res.n_boundary == 0 and crawls(self.trace, OSCILLATION_TURNS))
        if not (self.rescue and self.rose):
            return False
        self.converged = self.rescuing = True  # (R's criterion was not met: converged only if the rescue polishes)
        self.scoring_unmet = True
        self.restart_from = went_away(self.trace, res.deviance, True)
        if self.restart_from is not None:
            # scoring rose and wandered off far above a deviance it had reached, never meeting R's test (a
            # cloglog fit of 0/1 rows with frequency weights that ran to the edge and cycled there, its
            # deviance 15 times the optimum's after 100 steps): restart from the lowest iterate
            return True
        self.rescue, self.polishing = False, 0
        return None

    def _polishing_step(self, step: np.ndarray) -> np.ndarray | bool:
        """After R's test is met: the step to take (the Fisher step, or the rescue's Newton step), or stop
        (False: polished, diverging, or no longer shrinking) or restart (True)."""
        res, fac = self.res, self.fac
        # (checked when means are on the domain's edge, and once polishing takes longer than a few steps)
        # (not when the deviance has risen: scoring cycles, a sign of no optimum at infinity)
        # (nor when the polishing steps keep growing: scoring leaving a plateau where R's criterion was met,
        # the deviance falling faster at every step; a divergence to infinity takes ever smaller steps)
        # (nor in the rescue of an oscillation: its Newton steps may move a linear predictor beyond the clamp)
        # (nor in the rescue restarted from the lowest iterate: scoring rose far above it, which a divergence to
        # an optimum at infinity never does, and the damped Newton steps from there only lower the deviance; a
        # finite optimum may have means on the edge, rows far beyond a probit's clamp, which the steps reach
        # by moving those linear predictors on)
        if not (self.rescuing and (self.swinging or self.restarted)) and (
                res.n_boundary > 0 or lost_columns(self.trace, fac.kept, self.rose)
                or (self.polishing == POLISH_PATIENCE and not self.rose
                    and not growing(self.sizes, POLISH_PATIENCE - 1))) \
                and eta_drift(self.source, step) > DRIFT_TOL:
            if self.rescue and oscillates(self.trace, res.n_boundary > 0):
                # the steps turn back: scoring oscillates about an interior optimum (a rate near -1, the
                # deviance falling by 1e-8 of itself a step), not a divergence to infinity, which moves one
                # way: finish with the rescue's Newton steps
                self.swinging = self.rose = self.rescuing = True
                self.rescue, self.polishing = False, 0
            else:
                self.restart_from = went_away(self.trace, res.deviance, self.rescue and self.rose)
                if self.restart_from is None:
                    self.diverging = True
                    return False  # the linear predictor is still moving (separation): the optimum is at infinity
                return True
        held = None
        if self.rescuing and self.edge_pull and res.n_boundary > 0:
            # rows held on an edge that pulls them across (a cell of zero counts fitted at 0 by an identity link):
            # the Fisher step would carry them over it, and never shrinks; the Newton step that holds them there
            # is the step to take, and its size says how far the optimum on the edge is
            held = newton_step_on_edge(self.source, self.family, self.kernel, self.beta, fac.kept, fac.gram,
                                       self.edge_pull)
            if held is None:  # (the others pull every held row back inside: the Newton step that frees them)
                held = newton_step_off_edge(self.source, self.family, self.kernel, self.beta, fac.kept, fac.gram,
                                            self.edge_pull)
            if held is not None:
                step = held
        size = relative_step(step, self.beta, fac)
        self.polished = size <= POLISH_TOL
        if size < self.best_step:
            self.best_step, self.since_best = size, 0
        else:
            self.since_best += 1
        self.sizes.append(size)
        if self.polished:
            return False
        self.rose = self.rose or growing(self.sizes, POLISH_PATIENCE)
        if self.polishing >= MAX_POLISH:
            # scoring that still crawls after MAX_POLISH steps (a linear rate near 1: the estimate is then
            # far more than one step from the optimum) finishes as a cycling fit does, with Newton steps
            if not (self.rescue and not self.rescuing):
                return False
            self.rescuing, self.rescue, self.polishing = True, False, 0
        if self.since_best >= POLISH_PATIENCE and not self.rescuing:  # (a rescue lowers the deviance every step)
            if not (self.rescue and self.rose):
                return False
            self.rescuing, self.rescue, self.polishing = True, False, 0
        if self.rescuing and self.since_best >= POLISH_PATIENCE and self.best_step <= ROUNDING_STEPS * _EPS * fac.cond:
            # the rescue has reached the optimum to the rounding of the solve: its Fisher steps no longer
            # shrink, at 1e-10 of max(|b|, se) where sqrt(W) X has a condition number of 4.5e7 (an inverse
            # Gaussian identity-link fit with weights 1/mu^3 up to 1e15): no later step gets closer.  Not
            # ``polished``, which says the next step is negligible and spares the diagnosis its check: a
            # condition number made of vanishing weights (a cauchit cell of zeros running off, its weights
            # 1e-27) makes any step "rounding", and only the check of the step still to go sees the divergence
            self.rounding_optimum = True
            return False
        self.polishing += 1
        if self.rescuing and held is None:
            newton = newton_step(self.source, self.kernel, self.beta, fac.kept, fac.gram)
            step = step if newton is None else newton
        return step

    def _take(self, step: np.ndarray) -> bool:
        """Take ``step`` from the estimate (halved or shortened into the domain where it leaves it) and accept
        it; False where the fit stops instead."""
        kept = self.fac.kept if self.r_kept is None else self.r_kept
        new = self.beta + step
        if not self.fac.all_kept:  # (columns are found aliased by the QR reducer, whatever solved the step)
            if self.control.convergence == "R":
                new = absorbed_by_kept(self.source, self.kernel, new, self.beta, self.fac)
            elif set_aside_in_use(self.beta, self.fac, self.prev_fac):
                # the weights vanish where the estimate runs off (a cauchit level of 1s: intercept 2.3e7, its
                # contrast -2.3e7): zeroing the column leaps away from the run-off, to every level's mean at 1 (a
                # deviance of 36.2 above the null model's 5.0, where the run-off had reached its infimum, 3.82);
                # stop at the estimate instead, whose factor (the step's) kept the column (result()), and leave
                # the divergence to the diagnosis, which finds the separation.  Where R's glm.fit takes that leap
                # (its test not met yet), _from_leap fits from it and keeps that fit where it lands lower (a run-off
                # to a finite limit above an interior optimum: glmstat.engine.run_off)
                if not (self.converged or self.control.damped):
                    self.leap = absorbed_by_kept(self.source, self.kernel, new, self.beta, self.fac)
                self.diverging = True
                return False
            else:
                new[~kept] = 0.0
        if not self.converged:
            self.iterations += 1
        new_res, new_fac, self.use_qr = evaluate(self.source, self.family, new, self.use_qr, kept, self.kernel,
                                                 self.fixed_gram, self.max_cond)
        report = self.report
        if report is not None:
            report("polish" if self.converged else "step", self.polishing if self.converged else self.iterations,
                   new_res.deviance)
        # damping compares with the deviance at the previous coefficients (none before the first step)
        damp = (self.control.damped and (self.iterations > 1 or self.from_start)) or self.rescuing
        new, new_res, new_fac, halvings = self._into_domain(new, new_res, new_fac, kept, damp)
        if self.restart_from is not None:
            return True
        if report is not None and halvings and not self.converged:
            report("halved", self.iterations, new_res.deviance)  # once, after the halvings, as R's trace
        if not new_res.valid or new_fac is None or (damp and rises(self.res, new_res)):
            return False
        if self.converged and new_res.n_boundary > self.res.n_boundary and eta_drift(self.source, step) > DRIFT_TOL \
                and not self.restarted:
            # polishing brings a mean to the edge of its domain while the linear predictor still moves:
            # creeping to an optimum at infinity (not after a restart from the lowest iterate, see
            # _polishing_step).  (A step that barely moves eta goes on: scoring halving its way to an optimum on
            # the edge, eta = 0 of a sqrt-link mean whose rows are all 0, where stopping left eta at 7.5e-8 and
            # the other coefficients 4e-7 away from the optimum.)
            return False
        self._accept(new, new_res, new_fac, halvings, damp)
        return True

    def _into_domain(self, new: np.ndarray, new_res: PassResult, new_fac: StepFactor | None, kept: np.ndarray,
                     damp: bool) -> tuple[np.ndarray, PassResult, StepFactor | None, int]:
        """The step to ``new`` brought into the domain: shortened where it left it by rounding, held on an edge,
        or halved towards the estimate as R halves it (damped: also while it raises the deviance).  Returns the
        coefficients, their pass and factor, and the number of halvings; sets ``restart_from`` where scoring
        went away from the optimum.  Raises where the first step leaves the domain or halving is exhausted."""
        halvings = 0
        if self.control.convergence == "R":
            self.boundary = False  # (as R's glm.fit, whose boundary says whether its last iteration was halved)
        beta = self.beta
        while not new_res.valid or new_fac is None or (damp and rises(self.res, new_res)):
            if self.converged and not self.rescuing:
                # a polishing step left the domain (or, damped, raised the deviance): keep the estimate -- unless
                # scoring had risen far above a deviance it reached (an inverse Gaussian log-link fit whose means
                # overflow, "converged" at 12.9 where it had reached 9.96 and the optimum is 9.71)
                if not new_res.valid or new_fac is None:
                    self.restart_from = went_away(self.trace, self.res.deviance, self.rescue and self.rose)
                break
            first = self.iterations == 1 and not self.from_start
            if not halvings and (not new_res.valid or first and new_fac is None):
                # a step that left the domain by the rounding of its solve only: shortened back into it
                if self.anchor is None or not np.array_equal(self.anchor[0], kept):
                    self.anchor = (kept, start_coefficients(self.source, self.family, self.kernel, kept, self.use_qr,
                                                            self.max_cond))
                most = ROUNDING_SHORTENING if first else LATER_ROUNDING_SHORTENING
                inside = None if self.anchor[1] is None else inside_by_rounding(
                    self.source, self.family, self.kernel, new, self.anchor[1], kept, self.use_qr, self.max_cond, most)
                if (inside is not None and not first and self.control.convergence == "R"
                        and (rises(self.res, inside[1])
                             or not within_eta_rounding(self.source, self.family, new, inside[0])
                             or self._halving_lowers(new, inside[1], kept))):
                    # a real overshoot, however small, or one of rounding whose step moved back inside raises the
                    # deviance, or lowers it less than the halved step: halved, as R halves it (see
                    # shortening.LATER_ROUNDING_ETA)
                    inside = None
                if inside is not None:
                    new, new_res, new_fac, self.use_qr = inside
                    continue
            if not halvings and not new_res.valid and self.edge_pull and not (first or self.rescuing or self.converged):
                # from an estimate with rows held on an edge that pulls them across (a start at an earlier fit's
                # estimate: the negative binomial's refit at its next theta), the Fisher step crosses the edge by
                # far more than halvings can bring back: the step that holds them there instead
                held = finish_at_edge(self.source, self.family, self.kernel, beta, self.res, self.fac, self.use_qr,
                                      self.max_cond, self.edge_pull, hold=True)
                if held is not None:
                    new, new_res, new_fac, self.use_qr = held
                    continue
            if first:  # as R: nothing to halve towards
                raise InvalidStartError(
                    "no valid set of coefficients has been found: the first step gives a non-finite "
                    "deviance or leaves the family's domain; pass start= coefficients", first_step=new
                )
            halvings += 1
            if damp and halvings > MAX_DAMPING:
                break  # no step along the Fisher direction lowers the deviance: stop here
            if halvings > self.control.max_iter and not damp:
                # scoring that rose far above a deviance it had reached and now cannot step back into the domain
                # went away from the optimum: restart from the lowest iterate (and converge only if that polishes)
                self.restart_from = went_away(self.trace, self.res.deviance, self.rescue and self.rose)
                if self.restart_from is not None:
                    self.converged = self.scoring_unmet = True
                    break
                if (self.control.convergence == "exact" and not new_res.valid
                        and within_eta_rounding(self.source, self.family, new, beta)):
                    # the halved step leaves the domain only where it moves a linear predictor by less than the
                    # rounding of X beta: the estimate is on the edge to that rounding, as below (a log-binomial
                    # run-off with coefficients of 2000, x'beta rounded to 4.5e-13, rows of 1s held 1 or 2 such
                    # units below eta = 0: random s792_0191, refused at max_iter 25, "at boundary value" at 1000)
                    self.converged = self.boundary = True
                    break
                raise FitError(
                    f"step-halving exhausted after {halvings - 1} halvings at iteration {self.iterations}: "
                    "the deviance stays non-finite or mu leaves the family's domain; pass start= coefficients"
                )
            self.boundary = self.boundary or not (self.rescuing or new_res.valid and new_fac is not None)
            new = (new + beta) / 2
            if not damp and np.all(np.abs(new - beta) <= 4 * _EPS * np.abs(beta)):
                # no representable part of the step stays in the domain (eta = 1e-16 is 0 to rounding): the
                # estimate is on the domain's edge, where R says "algorithm stopped at boundary value"
                self.converged = self.boundary = True
                break
            new_res, new_fac, self.use_qr = evaluate(self.source, self.family, new, self.use_qr, kept, self.kernel,
                                                     self.fixed_gram, self.max_cond)
        return new, new_res, new_fac, halvings

    def _halving_lowers(self, new: np.ndarray, inside: PassResult, kept: np.ndarray) -> bool:
        """Does the step to ``new`` (which left the domain by rounding), halved towards the estimate as R halves it,
        stay in the domain at a lower deviance than ``inside``, the step moved back inside?  (A step that ends on the
        edge at the optimum does better whole; a step of scoring swinging about the optimum does better halved.)"""
        half, _, _ = evaluate(self.source, self.family, (new + self.beta) / 2, self.use_qr, kept, self.kernel,
                              self.fixed_gram, self.max_cond)
        return bool(half.valid and half.deviance < inside.deviance)

    def _accept(self, new: np.ndarray, new_res: PassResult, new_fac: StepFactor, halvings: int, damp: bool) -> None:
        """``new`` becomes the estimate; R's deviance test (or a step at the rounding of its solve) says whether
        the fit has converged."""
        res, fac = self.res, self.fac
        moved = relative_change(new, self.beta) if damp and halvings else 0.0
        if (self.iterations > 1 or self.converged) and new_res.deviance > res.deviance + CYCLE_RISE * abs(res.deviance):
            self.rose = True
        # a full step no larger than the rounding of the solve that made it (kept columns so nearly dependent,
        # cond ~1e13, that the coefficients are ~1e12 and eta = X beta is off by 1e-5): no later step can do
        # better, and the deviance's rounding (1e-8 relative, seen) would keep R's test from ever passing
        # -- unless the steps still shrink as scoring's linear approach does: a Poisson sqrt-link row of 0 whose
        # optimum is eta = 0, where each Fisher step halves eta (random s767_0188: steps of 8e-6 in coefficients of
        # 6614, within 10 eps cond of them, yet halving each time; polishing takes them on to R's estimate)
        noise = (not self.converged and not halvings and (self.iterations > 1 or self.from_start)
                 and at_rounding(new, self.beta, fac) and not self._still_shrinking(new, fac))
        if self.iterations > 1 or self.from_start or self.converged:
            self.prev_beta = self.beta
        self.prev_fac = fac
        self.beta, self.res, self.fac = new, new_res, new_fac
        # (the factor at the old estimate solved the step: its columns are R's QR's of this iteration; no array is
        # modified later)
        self.trace.append(TraceRecord(new_res.deviance, halvings, new, new_fac.kept, fac.kept))
        self.polish_steps += self.converged
        self.fixed_gram = new_fac.gram if new_res.fixed_weights else None
        self.history.append(new_res.deviance)
        if not self.converged:
            self.rel = abs(new_res.deviance - self.dev_old) / (abs(new_res.deviance) + 0.1)
            # a damped fit whose step was halved is creeping towards the edge of the domain (an optimum on
            # it: sqrt link, eta -> 0): a small deviance change is no sign of the optimum until the
            # coefficients stop moving too (1e-12, as the reference's damped refits)
            if (self.rel < self.control.tol or noise) and not (damp and halvings and moved > 1e-12):
                self.converged = True
                self.at_rounding = not self.rel < self.control.tol
                if not new_fac.kept.all() and not self.rechecked and not self._pivoted_afresh(new_res):
                    # columns found aliased on the way (a pass whose working weights nearly vanish) may be
                    # fine at the estimate, where R's QR pivots afresh: test them all once more, and carry on
                    # if some come back
                    self.rechecked = True
                    res2, fac2, _ = evaluate(self.source, self.family, new, True, np.ones(self.p, dtype=bool),
                                             self.kernel)
                    if fac2 is not None and fac2.kept.sum() > new_fac.kept.sum():
                        self.res, self.fac, self.use_qr, self.fixed_gram = res2, fac2, True, None
                        self.converged = self.at_rounding = False
            self.dev_old = self.res.deviance
        self._back_to_gram()

    def _pivoted_afresh(self, res: PassResult) -> bool:
        """The pass at the estimate already tested every column as the recheck would: its QR reducer decides the
        aliased columns from all of them (whatever the kept columns were), at the recheck's own ``max_cond`` -- the
        recheck would repeat that pass to the bit (a design wider than its rows: one pass in three of a Gaussian
        fit, 4,680 columns on 200 rows)."""
        return isinstance(res.reducer, QRReducer) and self.max_cond == GRAM_MAX_COND

    def _still_shrinking(self, new: np.ndarray, fac: StepFactor) -> bool:
        """Is the step to ``new`` at most ``SHRINKING_RATE`` times the step before it (over the kept columns)?"""
        if self.prev_beta is None or len(self.trace) < 2:
            return False
        k = fac.kept
        step = float(np.max(np.abs(new[k] - self.beta[k]), initial=0.0))
        before = float(np.max(np.abs(self.beta[k] - self.prev_beta[k]), initial=0.0))
        return 0.0 < step <= SHRINKING_RATE * before

    def result(self, covariance: bool) -> FitState:
        """The state at the estimate (with ``convergence="R"``: what R's glm.fit returns, the covariance from
        the weights of the last iteration's start)."""
        source, family, kernel, control = self.source, self.family, self.kernel, self.control
        beta, res, fac, prev_fac, prev_beta = self.beta, self.res, self.fac, self.prev_fac, self.prev_beta
        set_aside_used = False
        if control.convergence == "exact" and not fac.all_kept and set_aside_in_use(beta, fac, prev_fac):
            # the factor at the estimate set aside columns that the estimate itself uses (the step that made it
            # kept them): working weights that vanish where the linear predictor runs off (a cauchit level of 1s
            # whose weights are 1e-22) make them look aliased, not the design.  Reporting them as NaN would leave
            # coefficients (taken as 0) that are not the deviance's, nor its fitted means; keep the factor that
            # made the estimate, whose columns are the estimate's (and not reported polished: the last step,
            # solved without them, says nothing of the optimum, so the diagnosis checks the step still to go)
            fac, set_aside_used = prev_fac, True
        pearson = res.pearson
        weights_beta, weights_at_start = None, False
        if control.convergence == "R":
            # as R's glm.fit: the covariance from the weighted least squares of the last iteration (weights at the
            # coefficients before it) and summary.glm's dispersion, those weights times the working residuals
            # at the estimate squared
            pearson = r_pearson(source, family, kernel, prev_beta, beta)
            fac = prev_fac
            # (leverages are those of that least squares fit too, as R's hatvalues from its QR)
            weights_beta, weights_at_start = (None, True) if prev_beta is None else (prev_beta.copy(), False)
        cov = inv = None
        if covariance:
            inv = fac.inv
            if fac.inv_error > INV_MAX_ERROR:
                qr_inv = qr_covariance(source, family, kernel, prev_beta if control.convergence == "R" else beta,
                                     fac.kept)
                inv = inv if qr_inv is None else qr_inv
        if fac.all_kept:
            coef = beta.copy()
            if covariance:
                cov = np.array(inv)  # own copy
        else:
            coef = np.where(fac.kept, beta, np.nan)
            if covariance:
                # (p x p with NaN where aliased, made when read: 175 MB for 4,680 columns of which 200 are kept)
                cov = partial(nan_padded, inv, fac.kept)
        converged, boundary = self.converged, self.boundary
        deviance = res.deviance
        if deviance_from_sums(family) and math.isfinite(deviance):
            # (the kernel's deviance from sums of y log y, y eta, ... is within 1e-10 of itself; a likelihood-ratio
            # statistic of 0.0073 between deviances of 5,855 was off by 1.4e-5 of itself: R sums the unit
            # deviances, and so does the one pass here, at the estimate)
            summed = fold(source, partial(deviance_part, family=family, beta=beta), operator.add, 0.0)
            deviance = summed if math.isfinite(summed) else deviance
        return FitState(
            coef=coef,
            kept=fac.kept,
            cov_unscaled=cov,
            gram=on_demand.given(fac, "gram"),  # (computed when read: most fits never read it)
            deviance=deviance,
            pearson_chi2=pearson,
            n_ok=res.n_ok,
            sum_weights=res.sum_weights,
            converged=converged and (self.polished or self.rounding_optimum or not self.rescuing
                                     or self.rel < control.tol),
            iterations=self.iterations,
            boundary=boundary,
            n_boundary=res.n_boundary,
            last_rel_change=float(self.rel),
            deviance_history=tuple(self.history),
            polished=self.polished and not boundary and not set_aside_used,
            trace=tuple(self.trace),
            polish_steps=self.polish_steps,
            at_rounding=self.at_rounding and converged,
            weights_beta=weights_beta,
            weights_at_start=weights_at_start,
            scoring_converged=converged and not self.scoring_unmet,
        )
