"""``glm()``'s second half: every fitter returns a state, and :func:`finish` turns it into results.

A *fitter* is a function ``(source, family, control, start) -> FitState``: the IRLS engine
(:func:`glmstat.engine.irls.irls`), Firth's bias-reduced fit (:func:`glmstat.engine.firth.fit_firth`), and
the IRLS engine at the negative binomial's estimated theta.  One :func:`finish` serves them all: it explains
aliasing, diagnoses separation, boundary fits and convergence, warns, computes the null deviance *with the
same fitter* on the intercept-only model (as R's ``glm()`` does), and builds the immutable results.
"""

from __future__ import annotations

import math
import operator
from dataclasses import replace
from functools import partial
from typing import Callable

import numpy as np

from ._arguments import counted
from .errors import warn_user
from .design.sources import InMemorySource, fold
from .diagnosis.degenerate import diagnose, unfinished_rescue_message
from .diagnosis.response_range import SharedRange
from .diagnosis.explain import NAME_WIDTH, explain_aliasing
from .engine.fit_state import Control, FitState
from .engine.passes import deviance_part, offset_null_deviance, weighted_sums
from .engine.starts import fitted_means_start
from .engine.kernel import constant_mean_deviance
from .errors import (AliasingWarning, BoundaryWarning, ConvergenceWarning, GLMStatError, InvalidStartError,
                     SeparationWarning)
from .families import Family, Gaussian
from .formula.frame import ModelFrame
from .formula.rows import missing_detail
from .inference.results import FitInfo, GLMResults
from .printable import escape_unprintable

__all__ = ["finish", "null_deviance", "dropped_rows_message", "Fitter"]

#: (source, family, control, start) -> FitState
Fitter = Callable[[InMemorySource, Family, Control, "np.ndarray | None"], FitState]


def dropped_rows_message(frame) -> str:
    """The warning about rows dropped for missing values, word for word as the summary shows it."""
    detail = missing_detail(frame.dropped_by)
    return f"{frame.n_dropped} of {frame.n_dropped + frame.n_rows} rows dropped for missing values ({detail})"


def null_deviance(source: InMemorySource, family: Family, intercept_col: int | None, has_offset: bool,
                  control: Control, fitter: Fitter, closed_form: bool = True,
                  model_coef: np.ndarray | None = None) -> float:
    """Deviance of the intercept-only model (R: refitted, with the offset, by the model's own fitter).

    Without an offset the maximum-likelihood intercept gives the weighted mean of y, and with an offset some
    families have a closed form (:func:`glmstat.engine.passes.offset_null_deviance`); ``closed_form``
    says whether those maximum-likelihood shortcuts apply to ``fitter`` (not to a bias-reduced fit).
    The refit starts from the family's starting means; where their first step leaves the domain, it starts
    as R's does, from the model's fitted means (``model_coef``: the model's coefficients, NaN where aliased).
    With an offset, an exact refit that ends with means on the edge and above the deviance of its intercept at 0
    (:func:`offset_deviance`) went astray and is fitted again from there (:func:`_from_offset`).
    """
    in_memory = isinstance(source, InMemorySource)
    if intercept_col is None:  # mu = g^{-1}(offset)
        return offset_deviance(source, family)
    if closed_form and has_offset:
        closed = offset_null_deviance(source, family)
        if closed is not None:
            return closed
    if closed_form and not has_offset:
        if in_memory:
            y, w = source.y, source.weights
            with np.errstate(all="ignore"):  # (the ndarray methods: np.sum's reductions without its wrapper)
                return constant_mean_deviance(family, y, w, float((w * y).sum() / w.sum()))
        sums = fold(source, weighted_sums, operator.add, np.zeros(2))
        mu = sums[0] / sums[1]  # the maximum-likelihood intercept is the weighted mean of y
        return fold(source, partial(deviance_part, family=family, mu=mu), operator.add, 0.0)
    null_source = source.with_columns(np.array([intercept_col]))
    try:
        null = fitter(null_source, family, control, None)
        if has_offset and closed_form and null.n_boundary and _above_null(null, offset_deviance(source, family),
                                                                          "irls", control):
            null = _from_offset(null_source, family, control, fitter, null)
        return null.deviance
    except InvalidStartError as e:
        if model_coef is None:
            raise
        refused = e
    # (a quasi mu(1-mu)/log fit whose starting means y give the null model's first step means above 1: R
    # starts from the model's means, whose one scoring step stays inside, and fits)
    b0 = fitted_means_start(source, family, np.nan_to_num(model_coef), np.array([intercept_col]))
    if b0 is not None:
        try:
            return fitter(null_source, family, control, b0).deviance
        except InvalidStartError:
            pass
    raise refused  # R refuses too (its first step from these means leaves the domain): the refit's own message


#: The aliasing warning spells out the relations of at most this many columns.
_MAX_ALIASED_SHOWN = 10
#: Wording of the notes that depend on how the model was fitted.
_BOUNDARY = {"irls": "fitted {what} in {rows}", "firth": "fitted {what} in {rows} of the bias-reduced fit"}
_NOT_CONVERGED = {
    "irls": ("IRLS did not converge in {it} iterations (last relative deviance change {last:.3g}, tol {tol:g}); "
             "the estimates are not reliable; raise max_iter or check the model"),
    "firth": ("the bias-reduced (Firth) fit did not converge in {it} iterations (last relative step {last:.3g}); "
              "the estimates are not reliable; raise max_iter"),
}

#: ... when the fit diverges along a separating direction (found by the separation check)
_NOT_CONVERGED_SEPARATED = (
    "IRLS did not converge in {it} iterations (last relative deviance change {last:.3g}, tol {tol:g}) because of "
    "the separation (see the separation warning): some estimates run off to infinity, and more iterations only "
    "take them further, so raising max_iter does not help; the estimates are not reliable")


_ABOVE_NULL = ("the fit's deviance {dev:.6g} is above the null model's {null:.6g}, which the model contains: "
               "Fisher scoring went away from the optimum (as R's glm does from this start), so the estimates "
               "are not the maximum-likelihood estimates and the fit is reported as not converged; pass start= "
               "coefficients near the optimum (e.g. those of a simpler model)")


def _above_null(state: FitState, null: float, method: str, control: Control) -> bool:
    """Whether a fit reported converged has a deviance above its null model's.  The model always contains the
    null model (the intercept alone, or the offset alone: every other coefficient 0), so its maximum
    likelihood is at least the null model's and D <= D_null; beyond rounding, the iterations went astray.
    (Not for the Firth fit, which maximizes a penalized likelihood, nor at R's control, which reports what R
    reports.)"""
    return (state.converged and method == "irls" and control.convergence == "exact" and math.isfinite(null)
            and state.deviance > null + 1e-7 * (abs(null) + 1.0))


def _from_null_model(source: InMemorySource, family: Family, control: Control, fitter: Fitter, state: FitState,
                     null: float, intercept_col: int) -> FitState:
    """The fit again from the null model's coefficients (its intercept, every other coefficient 0), when scoring
    from R's start ended above the null model's deviance ``null``: the model contains the null model, so that
    start is no worse than the optimum's deviance bound, and scoring from it finds the optimum R's refits reach
    (a Tweedie fit, var_power 1.8 and link mu^0.5, ran from R's start to a deviance of 257.6 above the null's
    159.4; from the null model it converges to 141.9).  ``state`` stays when the new fit fails, does not
    converge or is no better."""
    try:
        b0 = fitter(source.with_columns(np.array([intercept_col])), family, control, None).coef[0]
        start = np.zeros(source.n_cols)
        start[intercept_col] = b0
        again = fitter(source, family, control, start)
    except GLMStatError:
        return state
    better = again.converged and again.deviance < state.deviance and not _above_null(again, null, "irls", control)
    return again if better else state


def offset_deviance(source: InMemorySource, family: Family) -> float:
    """The deviance at every coefficient 0 (eta = the offset), a point of every model: no fit's deviance is above
    it but by rounding (NaN where a mean is outside the family's domain there)."""
    return fold(source, partial(deviance_part, family=family), operator.add, 0.0)


def _from_offset(source: InMemorySource, family: Family, control: Control, fitter: Fitter,
                 state: FitState) -> FitState:
    """The fit again from every coefficient 0 (eta = the offset), when scoring from R's start ended above the
    deviance there.  R's start is the link of the starting means without the offset, so with large offsets its
    first step fits working responses of the offset's size and can leave every mean of the other rows on the
    link's clamp, where the deviance is flat (a cloglog fit with offsets of -700, 0 and +700: 27 rows with y = 1
    at mu = eps, a deviance of 1946.357 where eta = offset gives 50.77; from there R's glm and glmstat converge to
    45.54).  ``state`` stays when the new fit fails, does not converge or is no better."""
    try:
        again = fitter(source, family, control, np.zeros(source.n_cols))
    except GLMStatError:
        return state
    return again if again.converged and again.deviance < state.deviance else state


def finish(formula: str, frame: ModelFrame, source: InMemorySource, family: Family, control: Control,
           state: FitState, fitter: Fitter, *, method: str = "irls", extra_params: int = 0,
           theta: float | None = None, theta_se: float | None = None,
           fitter_findings: tuple[tuple[type, str], ...] = (),
           data_findings: tuple[tuple[type, str], ...] = ()) -> GLMResults:
    """Diagnose the fit (aliasing, separation, convergence), warn, and build the results.

    ``fitter`` made ``state`` and refits the null model; ``extra_params``, ``theta`` and ``theta_se``
    describe an estimated negative binomial theta; ``fitter_findings`` are the ``(category, message)``
    warnings of the fitter itself (theta at the Poisson limit), warned and kept in the notes like the others;
    ``data_findings`` those of the data checks, already warned before the fit, kept in the notes.
    """
    names = list(frame.column_names)
    intercept = names[frame.term_columns[frame.term_labels.index("(Intercept)")][0]] if frame.has_intercept else None
    intercept_col = names.index(intercept) if intercept is not None else None
    # (trace=True prints the model's iterations, not those of the null model's refit nor of later refits;
    # Control is frozen, so a control without a callback is already its own quiet copy)
    quiet = control if control.on_iteration is None else replace(control, on_iteration=None)
    # (only where means sit on the edge of the domain or the link's clamp: the deviance is flat there)
    if frame.has_offset and extra_params == 0 and state.n_boundary and _above_null(
            state, offset_deviance(source, family), method, control):
        state = _from_offset(source, family, quiet, fitter, state)
    nd = null_deviance(source, family, intercept_col, frame.has_offset, quiet, fitter,
                       closed_form=method == "irls", model_coef=state.coef)
    if _above_null(state, nd, method, control) and intercept_col is not None and extra_params == 0:
        state = _from_null_model(source, family, quiet, fitter, state, nd, intercept_col)
    notes: list[str] = []
    aliasing = ()
    if not state.kept.all():
        aliasing = tuple(explain_aliasing(source, names, state.kept, intercept))
        shown = "; ".join(a.relation_text(NAME_WIDTH) for a in aliasing[:_MAX_ALIASED_SHOWN])
        if len(aliasing) > _MAX_ALIASED_SHOWN:  # (fit.aliasing has every relation)
            shown += f"; and {len(aliasing) - _MAX_ALIASED_SHOWN} more (see fit.aliasing)"
        msg = f"{len(aliasing)} aliased column(s), coefficient(s) NA: " + shown
        notes.append(msg)  # the summary shows each warning in the warning's own words
        warn_user(msg, AliasingWarning)
    response = SharedRange(source)  # (one pass over the response for every check and message below)
    separation, findings, n_edge = diagnose(frame, source, family, state, intercept, method, control.convergence,
                                            control.tol, response)
    if separation is not None:
        msg = separation.message(frame.response_name, quasi=not family.has_likelihood)
        notes.append(msg)
        warn_user(msg, SeparationWarning)
    # (a statement about the likelihood: quasi families have none, and R's quasibinomial does not warn)
    # (rows settled on the edge with their response, a sqrt-link mean of 0 for a count of 0, are the optimum)
    if separation is None and family.has_likelihood and n_edge > 0 and not any(
            category is BoundaryWarning for category, _ in findings):  # (unless diagnosed more precisely)
        what = "probabilities numerically 0 or 1" if family.binomial_response else "means numerically at the boundary"
        msg = _BOUNDARY[method].format(what=what, rows=counted(n_edge, "row"))
        notes.append(msg)
        warn_user(msg, BoundaryWarning)
    if not state.converged:
        msg = _NOT_CONVERGED[method].format(it=state.iterations, last=state.last_rel_change, tol=control.tol)
        if method == "irls" and state.iterations > 2 and isinstance(family, Gaussian) \
                and family.link.name == "identity":
            # a least-squares fit converges at its second iteration; later steps that still move come from
            # columns that no test of one column against the others finds aliased, but that are singular together
            msg = (f"IRLS did not converge in {state.iterations} iterations, although a gaussian fit with the "
                   "identity link is one least-squares solve: the columns kept are numerically singular together "
                   "(no single one is aliased with the others), so the estimates are not determined; drop or "
                   "combine columns")
        elif method == "irls" and separation is not None:
            # the fit runs off to infinity along the separating direction: more iterations only run further
            msg = _NOT_CONVERGED_SEPARATED.format(it=state.iterations, last=state.last_rel_change, tol=control.tol)
        elif method == "irls":
            # scoring stopped short of R's test and the Newton steps after it did not finish: say what each did
            msg = unfinished_rescue_message(frame, source, family, state, control.max_iter, response) or msg
        notes.append(msg)
        warn_user(msg, ConvergenceWarning)
    for category, msg in (*fitter_findings, *findings):
        notes.append(msg)
        warn_user(msg, category)
    notes.extend(msg for _, msg in data_findings)
    if frame.n_dropped:
        notes.append(dropped_rows_message(frame))
    if _above_null(state, nd, method, control):
        msg = _ABOVE_NULL.format(dev=state.deviance, null=nd)
        notes.append(msg)
        warn_user(msg, ConvergenceWarning)
        state = replace(state, converged=False)
    # (each note in the words its warning prints: a name it quotes with its control and bidi characters and line
    # breaks escaped, as the summary shows it; a separation note held them raw, for whoever prints fit.notes)
    notes = [escape_unprintable(n, backslash=False) for n in notes]
    info = FitInfo(formula=formula, family=family, method=method, null_deviance=nd, aliasing=aliasing,
                   separation=separation, notes=tuple(notes), extra_params=extra_params, theta=theta,
                   theta_se=theta_se, convergence=control.convergence)
    return GLMResults(frame, state, info, source, quiet)
