"""``glm()``: formula and data in, immutable results out.  One fit from formula to results reads top to
bottom here: front end -> design source -> IRLS engine -> diagnostics -> results."""

from __future__ import annotations

import warnings
from typing import Any, Mapping, Sequence

import numpy as np

from .design import InMemorySource
from .degenerate import diagnose
from .diagnostics import explain_aliasing
from .engine import Control, irls
from .errors import (
    AliasingWarning, ConvergenceWarning, FitError, GLMStatError, BoundaryWarning, DroppedRowsWarning,
    SeparationWarning,
)
from .families import Family, Gaussian
from .frontend import build_model_frame
from .results import FitInfo, GLMResults
from .validation import check_family, check_model_frame
from .structured import engine_design
from .working import constant_mean_deviance, null_deviance_with_offset

__all__ = ["glm"]

_METHODS = ("irls", "firth")


def _check_control(tol: Any, max_iter: Any) -> Control:
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not np.isfinite(tol) or tol <= 0:
        raise FitError(f"tol must be a positive number, got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise FitError(f"max_iter must be a positive integer, got {max_iter!r}")
    return Control(float(tol), int(max_iter))


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


def glm(
    formula: str,
    data: Any,
    family: Family | None = None,
    *,
    weights: str | Sequence[float] | None = None,
    offset: str | Sequence[float] | None = None,
    na_action: str = "drop",
    context: Mapping[str, Any] | None = None,
    method: str = "irls",
    tol: float = 1e-8,
    max_iter: int = 25,
    start: Sequence[float] | None = None,
) -> GLMResults:
    """Fit a generalized linear model from an R-style formula.

    Parameters
    ----------
    formula : str
        R formula, e.g. ``"y ~ x + factor(g) + offset(log(t))"`` or ``"cbind(s, f) ~ x"``.
    data : DataFrame or dict of columns
        Never modified.
    family : Family, default Gaussian()
        Error distribution and link, e.g. ``Binomial()``, ``Poisson(link="sqrt")``.
    weights : column name or array, optional
        Prior weights (for binomial proportions: the number of trials).
    offset : column name or array, optional
        Added to the linear predictor (on top of any ``offset()`` terms).
    na_action : {"drop", "raise"}
        Drop rows with a missing value in any model variable (with a warning), or refuse.
    context : mapping, optional
        Extra names (functions, constants) the formula may use.
    method : {"irls", "firth"}
        Maximum likelihood, or Firth's bias-reduced logistic regression.
    tol, max_iter : float, int
        Convergence when |dev - dev_old| / (|dev| + 0.1) < tol; at most max_iter iterations.
    start : sequence of float, optional
        Starting coefficients, one per design column.

    Returns
    -------
    GLMResults
    """
    family = Gaussian() if family is None else check_family(family)
    if method not in _METHODS:
        raise GLMStatError(f"unknown method {method!r}; use one of {', '.join(_METHODS)}")
    control = _check_control(tol, max_iter)
    frame = build_model_frame(formula, data, family, weights=weights, offset=offset,
                              na_action=na_action, context=context)
    if frame.n_dropped:
        detail = ", ".join(f"{c}: {k}" for c, k in frame.dropped_by.items())
        warnings.warn(
            f"{frame.n_dropped} of {frame.n_dropped + len(frame.rows_used)} rows dropped for missing values ({detail})",
            DroppedRowsWarning, stacklevel=2,
        )
    check_model_frame(frame, family)
    source = InMemorySource(engine_design(frame), frame.y, frame.total_weights, frame.trials,
                            frame.offset)
    if method == "firth":
        from .firth import fit_firth

        return fit_firth(formula, frame, source, family, control, start)
    if getattr(family, "estimate_theta", False):
        from .negbin import fit_negbin

        return fit_negbin(formula, frame, source, family, control, start)
    state = irls(source, family, control, None if start is None else np.asarray(start, dtype=float))
    return finish(formula, frame, source, family, control, state)


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
    if separation is None and state.n_boundary > 0:
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
    nd = null_deviance(source, family, intercept_col, frame.has_offset, control)
    info = FitInfo(formula=formula, family=family, method=method, tol=control.tol, max_iter=control.max_iter,
                   null_deviance=nd, aliasing=aliasing, separation=separation, notes=tuple(notes),
                   extra_params=extra_params, theta=theta, theta_se=theta_se)
    return GLMResults(frame, state, info, source)
