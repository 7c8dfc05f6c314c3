"""Degenerate fits, found after IRLS and reported instead of printed as normal numbers.

R reports most of these silently (a Poisson model with an all-zero factor level gets an intercept of -19
and a p-value of 0.997; a constant Gaussian response gets t values of 1e16).  glmstat checks:

* **Separation** -- some maximum-likelihood estimates are infinite (:mod:`.separation`): a binomial response
  separated by a direction of the columns, or counts whose zeros a log link can fit by means tending to 0.
* **Perfect fit** (families with an estimated dispersion) -- the model reproduces the response to machine
  precision, or leaves no residual degrees of freedom: the dispersion estimate is rounding noise (or NaN)
  and so are the standard errors, and the log-likelihood and AIC, whose dispersion is the deviance over n.
* **More columns than rows** -- at most as many coefficients as rows with a positive weight.
* **Converged but still moving** -- the relative-deviance test can stop Fisher scoring far from the optimum
  when it converges only linearly (non-canonical links with large residuals); if one more step would still
  change a coefficient by more than ``STEP_TOL`` of max(|beta_j|, se_j), a ConvergenceWarning says so; so it
  does when the score equations fail at a converged estimate whose link keeps every mean valid (log, logit,
  ...): no edge explains that, and the deviance test was met on a plateau, short of the optimum.  At R's
  criterion (``convergence="R"``) rows settling on an edge with their response (an all-zero level, sqrt link)
  whose deviance is below what that criterion resolves are taken at the edge first: their linear approach to it
  is what R's test stops, silent, and only what still moves beside it is reported.
* **Boundary optimum** -- with a link that lets the mean reach the edge of its domain (identity or sqrt for
  counts), IRLS can converge to a point where some fitted means are 0 and the score equations
  X' diag(w mu'(eta) / V(mu)) (y - mu) = 0 do not hold (relative size above ``SCORE_TOL``): a
  BoundaryWarning says so, since the standard errors assume an interior maximum.  A row whose response sits on
  that edge too, with its fitted mean there, adds the limit of its term, -w mu'(eta_e) / V'(e) (its quotient
  is 0/0 at the edge): 0 where the link's derivative vanishes at the edge (sqrt at a mean of 0: an all-zero
  level fitted at 0 is an interior optimum of the coefficients, as R finds it), w where it does not (identity:
  the optimum needs a negative mean, a boundary).
* **Stopped at the boundary** -- R's glm.fit ends with "algorithm stopped at boundary value" when its last
  iteration's step left the region of valid means (or gave a non-finite deviance) and was halved back into it
  (``FitState.boundary``, R's ``boundary``): at ``convergence="R"`` where it does; at the exact optimum where
  steps were halved back into the domain and the Fisher step still to go leaves it again, so that no iteration
  goes further (a sqrt-link count of 0 whose mean halving holds at 0 while the other rows pull it across).  A
  BoundaryWarning says the fit stopped there, naming the rows at the edge and whether the step still to go
  leaves the domain too -- as it does for a sqrt-link ``y ~ g + h`` with a level of g whose counts are all 0,
  which cannot fit all that level's rows at eta = 0 while halving holds some of them at the edge: there "still
  moving" would suggest that more iterations lead somewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._arguments import counted, shown
from ..engine.edges import settled_edges as _settled_edges
from ..errors import (AliasingWarning, BoundaryWarning, ConvergenceWarning, GLMStatWarning,
                      PerfectFitWarning)
from .explain import SeparationInfo
from .fitted_rows import boundary_rows, exact_fit, hard_edge_rows, row_labels, rows_at, rows_beyond, step_leaves
from .newton_check import AT_OPTIMUM, SCORE_TOL, STEP_TOL, NewtonCheck, newton_check
from .response_range import SharedRange
from .separation import find_separation, separation_possible

if TYPE_CHECKING:
    from ..design.sources import InMemorySource
    from ..engine.fit_state import FitState
    from ..families import Family
    from ..formula.frame import ModelFrame

__all__ = ["diagnose", "fit_findings", "unfinished_rescue_message", "FAR_MEAN_RATIO"]


#: Where a fit did not converge, fitted means more than this many times the largest |response| are named: means
#: run off without bound (an inverse Gaussian log-link fit whose means reach 1e154, its unit deviance tending to
#: 1/y there, flat in the linear predictor).
FAR_MEAN_RATIO = 1e10


def _settled_within_tolerance(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                              shared: SharedRange, tol: float) -> NewtonCheck | None:
    """The next Fisher step of a fit stopped at R's criterion with the rows settling on an edge with their
    response taken there, when all their deviance is below what that criterion resolves,
    tol (|deviance| + 0.1); None otherwise.

    Fisher scoring carries such rows to their edge at a linear rate (it halves a sqrt-link eta each step: an
    all-zero level's mean of 6e-9 at R's stop, its coefficient still 2e-5 of its size from the optimum, eta = 0),
    removing their deviance, which is what the remaining steps change.  R's test stops there, converged and
    silent; the step with those rows at the edge is the one that says whether anything else still moves."""
    bound = tol * (abs(state.deviance) + 0.1)
    return newton_check(frame, source, family, state, with_drift=False, shared=shared, settled_deviance=bound)


def diagnose(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
             intercept: str | None, method: str, convergence: str = "exact", tol: float = 1e-8,
             shared: SharedRange | None = None
             ) -> tuple[SeparationInfo | None, list[tuple[type[GLMStatWarning], str]], int]:
    """Everything this module checks: (separation or None, [(warning category, message), ...], the fitted means
    on an edge of the domain that count, :func:`boundary_rows`); ``convergence`` is the fit's mode (``"R"``: it
    stopped at R's criterion on purpose) and ``tol`` its relative-deviance tolerance; ``shared``: the response
    range of the fit's other messages (:func:`unfinished_rescue_message`), one pass for all."""
    shared = shared or SharedRange(source)
    findings = fit_findings(frame, source, family, state, shared)
    n_edge = boundary_rows(source, family, state)
    if method != "irls" or not state.kept.any():  # Firth has its own score equations; an empty model has none
        return None, findings, n_edge
    if state.polished and state.n_boundary == 0:
        # the engine's last step was already negligible at an interior optimum: nothing is still moving,
        # and the score equations hold, so the extra passes of newton_check would find nothing
        check = AT_OPTIMUM
    else:
        check = newton_check(frame, source, family, state, with_drift=separation_possible(family), shared=shared)
    separation = find_separation(frame, source, family, state, intercept, check, shared, n_edge)
    # means on an edge of the domain that the link reaches at a finite linear predictor (a log-link
    # probability of 1, an identity-link Poisson mean of 0): a boundary of the parameter space, not separation
    edge = hard_edge_rows(source, family, state) if separation is None and n_edge > 0 else None
    # R's glm.fit halved its last step back into the domain: it warns "algorithm stopped at boundary value";
    # at the exact optimum, steps halved back into the domain and a step still to go that leaves it again hold
    # the estimate on the boundary (not "still moving": no iteration goes further)
    moves = state.boundary and STEP_TOL < check.coef_step < np.inf and check.step is not None
    leaves = step_leaves(source, family, state, check.step) if moves else None
    stopped = state.boundary and (convergence == "R" or bool(leaves))
    if edge is not None and edge.size:
        # (R's "algorithm stopped at boundary value", where it halved its last step, is this warning too)
        findings.insert(0, (BoundaryWarning, _boundary_message(frame, source, family, state, check, shared, edge)))
    elif stopped:
        # (in place of "still moving": the step still to go often points out of the domain again, the fit held on
        # the boundary -- also where the means on the edge are zero counts fitted at 0, which a settled level
        # alone would be -- and the message says whether it does)
        findings.insert(0, (BoundaryWarning, _stopped_message(frame, source, family, state, check, shared,
                                                              convergence, leaves)))
        return separation, findings, n_edge
    if (separation is None and state.converged and check.coef_step > STEP_TOL and convergence == "R"
            and _settled_edges(family)):
        check = _settled_within_tolerance(frame, source, family, state, shared, tol) or check
    if separation is None and state.converged and check.coef_step > STEP_TOL:
        if edge is not None and edge.size:
            advice = ("it creeps along the boundary of the parameter space (see the boundary warning), which more "
                      "iterations do not cure")
        elif state.at_rounding:  # (more iterations would only move the estimates by rounding)
            advice = ("the columns kept are so nearly singular together that the steps of the fit are rounding "
                      "of its solve, which more iterations do not cure; drop or combine columns")
        elif convergence == "R":  # (more iterations would not run: R's criterion was met)
            advice = ("convergence is slow (a non-canonical link with large residuals?), and convergence='R' stops "
                      "where R's glm stops; the default convergence='exact' iterates to the maximum")
        else:
            advice = ("convergence is slow (a non-canonical link with large residuals?); a refit with start= these "
                      "estimates continues from here")
        findings.insert(0, (ConvergenceWarning,
                            f"IRLS met the deviance criterion, but the estimates are still moving: one more Fisher "
                            f"scoring step would change {check.column} by {check.coef_step:.2g} of its size (or "
                            f"standard error), so the estimates are accurate only to about that; {advice}"))
    elif separation is None and state.converged and n_edge == 0 and check.score_rel > SCORE_TOL:
        if _means_valid_everywhere(family):
            findings.insert(0, (ConvergenceWarning, _short_of_optimum_message(family, check, convergence)))
        else:
            findings.insert(0, (BoundaryWarning, _boundary_message(frame, source, family, state, check, shared)))
    return separation, findings, n_edge


def unfinished_rescue_message(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                              max_iter: int, shared: SharedRange | None = None) -> str | None:
    """The ConvergenceWarning of a fit whose Fisher scoring stopped without meeting R's test (step-halving
    exhausted, or max_iter reached cycling) and whose Newton steps after it did not reach a negligible step: what
    each did, where the deviance ended and how fast it still moved (the relative change |D_k - D_{k-1}| / (|D_k| +
    0.1) of the last two steps), and the rows whose fitted means ran beyond ``FAR_MEAN_RATIO`` times the largest
    |response| (``shared``: as :func:`diagnose`'s).  None for any other fit (the generic message then stands)."""
    steps = len(state.trace) - state.iterations
    if state.converged or state.scoring_converged or steps < 1:
        return None
    if state.iterations >= max_iter:
        why = f"it reached max_iter ({max_iter}) without meeting R's deviance test (R's glm stops there too)"
    else:
        why = ("no halving of its step gave a finite deviance and valid means (R's glm stops there: \"cannot "
               "correct step size\")")
    devs = [r.deviance for r in state.trace]
    rel = abs(devs[-1] - devs[-2]) / (abs(devs[-1]) + 0.1) if len(devs) > 1 else float("nan")
    text = (f"IRLS did not converge: Fisher scoring stopped at iteration {state.iterations}, where {why}; the {steps} "
            f"Newton steps after it lowered the deviance to {state.deviance:.10g} (last relative change {rel:.2g}) "
            f"without reaching a negligible step")
    top = (shared or SharedRange(source))()
    limit = FAR_MEAN_RATIO * max(abs(top.low), abs(top.high), np.finfo(float).tiny)
    rows, largest = rows_beyond(source, family, state, limit)
    if rows.size:
        means, which = ("mean", "row") if rows.size == 1 else ("means", "rows")
        text += (f"; the fitted {means} of {counted(rows.size, 'row')} run off beyond {FAR_MEAN_RATIO:g} times the "
                 f"largest response (up to {largest:.3g}; {which} {row_labels(frame, rows)})")
        if _deviance_levels_off(family):
            text += (f", where the {family.name} deviance of a row levels off (it tends to a finite limit as the "
                     f"mean grows), so the likelihood hardly depends on them")
    return text + "; the estimates are not reliable"


def _deviance_levels_off(family: "Family") -> bool:
    """Does a row's unit deviance tend to a finite limit as its mean grows without bound (variance power above 2:
    the inverse Gaussian's (y - mu)^2 / (y mu^2) -> 1/y), rather than grow with it (Poisson, Gamma)?"""
    with np.errstate(all="ignore"):
        d = family.unit_deviance(np.ones(2), np.array([1e20, 1e40]))
    return bool(np.all(np.isfinite(d)) and abs(d[1] - d[0]) <= 1e-6 * abs(d[0]))


def _means_valid_everywhere(family: "Family") -> bool:
    """Does the link give a valid mean at every finite linear predictor (log for a positive mean; logit,
    probit, cloglog and cauchit for a probability, clamped as R clamps them)?  Then no estimate can sit on an
    edge of the region of valid means, and score equations that fail at a converged estimate mean that the
    fit stopped short of the optimum."""
    eta = np.array([-700.0, 700.0])  # (beyond, exp() overflows: every link's mean is then clamped or inf)
    return bool(family.link.valid_eta(eta) and family.valid_mu(family.link.inverse(eta)))


def _short_of_optimum_message(family: "Family", check: NewtonCheck, convergence: str) -> str:
    """A converged fit whose score equations fail where the link keeps every mean valid: R's deviance test
    was met on a plateau of the deviance (an inverse Gaussian log-link fit at means of 1e16, above the null
    model), not at the optimum."""
    if convergence == "R":
        advice = "convergence='R' stops where R's glm stops; the default convergence='exact' iterates to the maximum"
    else:
        advice = "a refit with start= these estimates continues from here"
    return (f"IRLS met the deviance criterion, but the score equations do not hold at the estimate (relative score "
            f"{check.score_rel:.2g}), which no edge of the domain explains (the {family.link.name} link keeps every "
            f"mean inside it): the test was met on a plateau of the deviance, and the estimates are not the "
            f"maximum-likelihood estimates; {advice}")


def _boundary_message(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                      check: NewtonCheck, shared: SharedRange, rows: np.ndarray | None = None) -> str:
    """The optimum lies on the edge of the family's mean domain: either some means sit on an edge the link
    reaches (``rows``, from :func:`hard_edge_rows`), or the fit converged yet the score equations fail."""
    # (R stops a fit on an edge the link reaches with "algorithm stopped at boundary value")
    why = "" if rows is None else f", which the {family.link.name} link reaches at a finite linear predictor"
    if rows is None:
        tol = 1e-6 * (shared().mean_abs or 1.0)
        rows = rows_at(source, family, state, [(family.mu_domain.low, tol), (family.mu_domain.high, tol)],
                        _settled_edges(family))
    where = (f"the fitted {'mean of 1 row (row' if rows.size == 1 else f'means of {rows.size} rows (rows'} "
             f"{row_labels(frame, rows)}) {'is' if rows.size == 1 else 'are'} at the edge of the "
             f"{family.name} family's domain {family.mu_domain}" if rows.size else
             "the fit sits on the edge of the region where the means are valid")
    if check.score_rel > SCORE_TOL:
        why += f", and the score equations do not hold there (relative score {check.score_rel:.2g})"
    better = "logit" if family.binomial_response else "log"
    return (f"the estimate is on the boundary of the parameter space: {where}{why}; the standard errors, tests and "
            f"intervals assume an interior maximum and are not valid; a link that keeps the means inside the domain "
            f"(e.g. {better}) avoids this")


#: What R's glm.fit did when its ``boundary`` is TRUE, in the words of a BoundaryWarning.
_HALVED = ("the last iteration's step left the region of valid means (or of a finite deviance) and was halved back "
           "into it, and the fit stopped there (R's glm.fit: \"algorithm stopped at boundary value\")")


#: ... and what the exact fit does there: its steps go on leaving the domain and being halved back.
_HELD = ("Fisher scoring's steps leave the region of valid means (or of a finite deviance) and are halved back "
         "into it, which holds the estimate on its edge (R's glm.fit: \"algorithm stopped at boundary value\")")


def _stopped_message(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                     check: NewtonCheck, shared: SharedRange, convergence: str = "R",
                     leaves: bool | None = None) -> str:
    """A fit stopped at R's criterion right after a step halved back into the domain (``state.boundary`` at
    ``convergence="R"``, R's ``boundary``), or at the exact optimum held on the boundary by halving, with no
    mean on an edge that :func:`_boundary_message` names.  ``leaves``: whether the step still to go leaves the
    domain (:func:`step_leaves`), when the caller has found it (None: found here).

    Such a fit stops where halving left it, against the edge: a sqrt-link count model with a factor level whose
    counts are all 0 and a second term (``y ~ g + h``) cannot put every row of that level at its optimum,
    eta = 0, so scoring pushes some of them across 0 and halving holds them at the edge; the next Fisher step
    points across it again (it would change a coefficient by max_j |delta_j| / max(|beta_j|, se_j), the
    measure of "still moving", up to 0.25 there).  Rows named: those whose means are within 1e-6 mean |y| of
    an edge of the mean domain, their responses there too or not.  (A step halved for a non-finite deviance --
    a Gamma identity-link mean taken below 0 -- can leave every mean well inside, and the next step with them.)"""
    tol = 1e-6 * (shared().mean_abs or 1.0)
    rows = rows_at(source, family, state, [(family.mu_domain.low, tol), (family.mu_domain.high, tol)])
    where = ("" if not rows.size else
             f"; the fitted mean of row {row_labels(frame, rows)} is at the edge of the {family.name} family's "
             f"domain {family.mu_domain}" if rows.size == 1 else
             f"; the fitted means of {rows.size} rows (rows {row_labels(frame, rows)}) are at the edge of the "
             f"{family.name} family's domain {family.mu_domain}")
    step = ""
    if STEP_TOL < check.coef_step < np.inf and check.step is not None:
        if leaves is None:
            leaves = step_leaves(source, family, state, check.step)
        where_to = "and would leave the domain too" if leaves else "and stay inside the domain"
        step = (f"; one more Fisher scoring step would change {check.column} by {check.coef_step:.2g} of its size "
                f"(or standard error), {where_to}")
    advice = "" if _means_valid_everywhere(family) else (
        f"; a link that keeps the means inside the domain (e.g. {'logit' if family.binomial_response else 'log'}) "
        f"avoids this")
    return (f"the algorithm stopped at the boundary of the parameter space: "
            f"{_HALVED if convergence == 'R' else _HELD}{where}{step}; the standard "
            f"errors, tests and intervals assume an interior maximum and are not valid{advice}")


def fit_findings(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                 shared: SharedRange | None = None) -> list[tuple[type[GLMStatWarning], str]]:
    """Warnings (category, message) about a degenerate fit beyond aliasing, separation and convergence
    (``shared``: as in :func:`find_separation`)."""
    out: list[tuple[type[GLMStatWarning], str]] = []
    n_pos = state.n_ok
    p = len(frame.column_names)
    if p > n_pos:
        out.append((AliasingWarning,
                    f"the design has {p} columns but only {n_pos} rows with a positive weight: at most {n_pos} "
                    f"coefficients can be estimated and the other {p - n_pos} are set to NA"))
    if family.fixed_dispersion:
        return out
    rank = int(state.kept.sum())
    response = (shared or SharedRange(source))()
    constant = response.n > 0 and response.low == response.high
    what = f"the response {shown(frame.response_name)} is constant ({response.low:g} in every row)" if constant else ""
    # the likelihood's dispersion is the deviance over n, whose exact value is 0 here (the log-likelihood +inf):
    # its log is that of rounding noise, in R's AIC too
    noise = ("; the log-likelihood, AIC and BIC, whose dispersion is taken from the deviance, are rounding noise too"
             if family.has_likelihood else "")
    if n_pos - rank <= 0:
        out.append((PerfectFitWarning,
                    f"no residual degrees of freedom ({n_pos} rows, {rank} coefficients): the dispersion cannot "
                    "be estimated, so standard errors, test statistics and p-values are NaN"
                    + (f"; {what}" if what else "") + noise))
        return out
    worst = exact_fit(source, family, state, response.mean_abs)
    if worst is not None:
        lead = what or "the model reproduces the response exactly"
        out.append((PerfectFitWarning,
                    f"essentially perfect fit: {lead} (largest relative residual {worst:.2g}), so the estimated "
                    "dispersion is rounding noise and the standard errors, test statistics and p-values are "
                    "meaningless" + noise))
    return out
