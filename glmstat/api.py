"""``glm()``: formula and data in, immutable results out.  One fit from formula to results reads top to
bottom here: front end -> design source -> IRLS engine -> diagnostics -> results."""

from __future__ import annotations

import warnings
from typing import Any, Mapping, Sequence

import numpy as np

from .design.sources import InMemorySource
from .design.structured import engine_design
from .engine.irls import CONVERGENCE, Control, irls
from .errors import DroppedRowsWarning, FitError, GLMStatError
from .families import Family, Gaussian
from .fit import finish
from .formula.frame import build_model_frame
from .formula.validation import check_family, check_model_frame
from .inference.results import GLMResults

__all__ = ["glm"]

_METHODS = ("irls", "firth")


def _check_control(tol: Any, max_iter: Any, convergence: Any = "exact", trace: Any = False) -> Control:
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not np.isfinite(tol) or tol <= 0:
        raise FitError(f"tol must be a positive number, got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise FitError(f"max_iter must be a positive integer, got {max_iter!r}")
    if convergence not in CONVERGENCE:
        raise FitError(f"convergence must be one of {', '.join(map(repr, CONVERGENCE))}, got {convergence!r}")
    if not isinstance(trace, (bool, np.bool_)):
        raise FitError(f"trace must be True or False, got {trace!r}")
    from .report.trace import print_iteration

    return Control(float(tol), int(max_iter), convergence=convergence,
                   on_iteration=print_iteration if trace else None)


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
    convergence: str = "exact",
    trace: bool = False,
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
        Convergence when |dev - dev_old| / (|dev| + 0.1) < tol; at most max_iter iterations (R's
        ``epsilon`` and ``maxit``).
    start : sequence of float, optional
        Starting coefficients, one per design column.
    convergence : {"exact", "R"}
        ``"exact"``: once the deviance test is met, keep stepping to the exact maximum and evaluate every
        quantity there.  ``"R"``: stop where R's ``glm`` stops and report what ``summary.glm`` prints (the
        covariance from the weights of the last iteration's start, R's dispersion), so that the numbers
        are R's default output (to 1e-8, with the same iteration count).
    trace : bool
        Print each iteration as R's ``glm(..., trace = TRUE)`` does (R also prints the iterations of the null
        model's refit when there is an offset; glmstat does not).  Every fit keeps its iterations in
        ``fit.trace`` (and the fitted means of each in ``fit.trace_fitted``).

    Returns
    -------
    GLMResults
    """
    family = Gaussian() if family is None else check_family(family)
    if method not in _METHODS:
        raise GLMStatError(f"unknown method {method!r}; use one of {', '.join(_METHODS)}")
    control = _check_control(tol, max_iter, convergence, trace)
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
        from .engine.firth import fit_firth

        if convergence != "exact":
            raise GLMStatError("convergence='R' reproduces R's glm(); method='firth' has its own iteration (brglm2)")
        return fit_firth(formula, frame, source, family, control, start)
    if getattr(family, "estimate_theta", False):
        from .engine.negbin import fit_negbin

        return fit_negbin(formula, frame, source, family, control, start)
    state = irls(source, family, control, None if start is None else np.asarray(start, dtype=float))
    return finish(formula, frame, source, family, control, state)
