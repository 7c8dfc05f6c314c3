"""``glm()``'s second half: every fitter returns a state, and :func:`finish` turns it into results.

One finish for every fitter (IRLS, Firth, negative binomial): it diagnoses aliasing, separation and
convergence, warns, computes the null deviance with the same fitter (as R's ``glm()`` does), and builds
the immutable results.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

from .design.sources import InMemorySource
from .diagnosis.degenerate import diagnose
from .diagnosis.explain import explain_aliasing
from .engine.irls import Control, irls
from .engine.kernel import constant_mean_deviance, null_deviance_with_offset
from .errors import AliasingWarning, BoundaryWarning, ConvergenceWarning, SeparationWarning
from .families import Family
from .inference.results import FitInfo, GLMResults

__all__ = ["finish", "null_deviance"]


def null_deviance(source: InMemorySource, family: Family, intercept_col: int | None, has_offset: bool,
                  control: Control) -> float:
    """Deviance of the intercept-only model (R: refitted with the offset when there is one)."""
    y, w, off = source.y, source.weights, source.offset
    closed = null_deviance_with_offset(family, y, w, off) if intercept_col is not None and has_offset else None
    if intercept_col is None:
        mu = family.link.inverse(off)
    elif closed is not None:
        return closed
    elif has_offset:
        return irls(source.with_columns(np.array([intercept_col])), family, control).deviance
    else:
        with np.errstate(all="ignore"):
            return constant_mean_deviance(family, y, w, float(np.sum(w * y) / np.sum(w)))
    with np.errstate(all="ignore"):  # mu outside the family's domain (no intercept): NaN, as R
        return float(np.sum(w * family.unit_deviance(y, mu)))



def finish(formula, frame, source, family, control, state, *, method="irls", extra_params=0,
           theta=None, theta_se=None, extra_notes=()) -> GLMResults:
    """Diagnose the fit (aliasing, separation, convergence), warn, and build the results."""
    names = list(frame.column_names)
    intercept = names[frame.term_columns[frame.term_labels.index("(Intercept)")][0]] if frame.has_intercept else None
    notes = list(extra_notes)
    aliasing = ()
    if not state.kept.all():
        aliasing = tuple(explain_aliasing(frame.X, names, state.kept, intercept))
        msg = "; ".join(a.relation for a in aliasing)
        notes.append(f"aliased column(s), coefficient set to NA: {msg}")
        warnings.warn(f"{len(aliasing)} aliased column(s), coefficient(s) NA: {msg}", AliasingWarning, stacklevel=3)
    separation, findings = diagnose(frame, source, family, state, intercept, method)
    if separation is not None:
        msg = separation.message(frame.response_name)
        notes.append(msg)
        warnings.warn(msg, SeparationWarning, stacklevel=3)
    # (a statement about the likelihood: quasi families have none, and R's quasibinomial does not warn)
    if separation is None and state.n_boundary > 0 and family.has_likelihood:
        what = "probabilities numerically 0 or 1" if family.binomial_response else "means numerically at the boundary"
        msg = f"fitted {what} in {state.n_boundary} rows"
        notes.append(msg)
        warnings.warn(msg, BoundaryWarning, stacklevel=3)
    if not state.converged:
        msg = (f"IRLS did not converge in {state.iterations} iterations (last relative deviance change "
               f"{state.last_rel_change:.3g}, tol {control.tol:g}); the estimates are not reliable; "
               f"raise max_iter or check the model")
        notes.append(msg)
        warnings.warn(msg, ConvergenceWarning, stacklevel=3)
    for category, msg in findings:
        notes.append(msg)
        warnings.warn(msg, category, stacklevel=3)
    if frame.n_dropped:
        notes.append(f"{frame.n_dropped} rows dropped for missing values")
    intercept_col = names.index(intercept) if intercept is not None else None
    # (trace=True prints the model's iterations, not those of the null model's refit)
    nd = null_deviance(source, family, intercept_col, frame.has_offset, replace(control, on_iteration=None))
    info = FitInfo(formula=formula, family=family, method=method, tol=control.tol, max_iter=control.max_iter,
                   null_deviance=nd, aliasing=aliasing, separation=separation, notes=tuple(notes),
                   extra_params=extra_params, theta=theta, theta_se=theta_se, convergence=control.convergence)
    return GLMResults(frame, state, info, source)
