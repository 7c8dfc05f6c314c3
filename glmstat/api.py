"""``glm()``: formula and data in, immutable results out.  One fit from formula to results reads top to
bottom here: front end -> design source -> IRLS engine -> diagnostics -> results."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .engine.fit_state import CONVERGENCE, Control
from .engine.irls import irls
from ._arguments import integer_type, is_one_of, real_number, real_type, shown
from .diagnosis.invalid_start import invalid_start
from .errors import DroppedRowsWarning, FitError, FormulaError, GLMStatError, InvalidStartError, warn_user
from .families import Family, Gaussian
from .fit import dropped_rows_message, finish
from .formula.limits import DEFAULT_LIMITS, FormulaLimits, too_deep
from .formula.validation import check_family, check_model_frame
from .inference.results import GLMResults
from .inputs import model_frame_and_source
from .report.progress import Progress, chain
from .report.trace import print_iteration

__all__ = ["glm"]

_METHODS = ("irls", "firth")
#: Fits of designs smaller than this (rows x columns) finish long before progress=None would show anything.
_SMALL_CELLS = 2**16


def _check_argument_order(formula: Any, data: Any) -> None:
    """``glm(data, "y ~ x")``: say which argument is which, before anything reads either of them (the message
    names their types only, never their content)."""
    if isinstance(formula, str):
        return
    data_like = isinstance(formula, (pd.DataFrame, Mapping)) or hasattr(formula, "columns")
    if isinstance(data, str) or data_like:
        got = f"got a {type(formula).__name__} as the formula" + (" and a string as the data" if isinstance(data, str)
                                                                   else "")
        raise FormulaError(f"formula must be a string such as 'y ~ x1 + x2', {got}: the arguments are in the "
                           f"wrong order; glm() takes the formula first and the data second, "
                           f"glm('y ~ x', data, family=...)")


#: Most iterations ``max_iter`` may ask for.  R's ``glm.control(maxit =)`` takes any number; a fit whose deviance
#: cannot change by ``tol`` (1e-12 and less, on a logistic fit whose fitted means reach 1 in double precision) runs
#: every one, 0.6 ms each on 200 rows (``max_iter=10**9``: a week).  IRLS not converged in 10,000 iterations
#: cycles or crawls at rounding's scale.
MAX_ITER = 10_000


def _check_control(tol: Any, max_iter: Any, convergence: Any = "exact", trace: Any = False) -> Control:
    tol = real_number(tol, "tol", low=0.0, low_open=True, must="a positive number", error=FitError)
    if isinstance(max_iter, bool) or not integer_type(max_iter) or not 1 <= max_iter <= MAX_ITER:
        raise FitError(f"max_iter must be a whole number from 1 to {MAX_ITER:,} (iterations of IRLS), got "
                       f"{shown(max_iter)}")
    if not is_one_of(convergence, CONVERGENCE):
        raise FitError(f"convergence must be one of {', '.join(map(repr, CONVERGENCE))}, got {shown(convergence)}")
    if not isinstance(trace, (bool, np.bool_)):
        raise FitError(f"trace must be True or False, got {shown(trace)}")
    return Control(float(tol), int(max_iter), convergence=convergence,
                   on_iteration=print_iteration if trace else None, trace=bool(trace))


def _check_start(start: Any) -> np.ndarray | None:
    """``start=`` as a float array, reading only real numbers (an object's own __float__ is never called)."""
    if start is None:
        return None
    if isinstance(start, np.ndarray) and start.dtype.kind in "fiu" and start.ndim == 1:
        return start.astype(float)
    if isinstance(start, (str, bytes)) or not isinstance(start, (list, tuple, np.ndarray, pd.Series)):
        raise FitError(f"start= must be a sequence of numbers, one per model column, got {type(start).__name__}")
    values = start.to_numpy() if isinstance(start, pd.Series) else start
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise FitError(f"start= must be one number per model column, got shape {values.shape}")
    out = []
    for i, v in enumerate(values):
        if not (type(v) in (int, float) or (isinstance(v, np.generic) and real_type(v))):
            raise FitError(f"start= must hold numbers only; it holds a {type(v).__name__}")
        try:
            out.append(float(v))
        except OverflowError:  # a Python int beyond double precision
            raise FitError(f"start= needs finite coefficients; start[{i}] is {shown(v)}") from None
    return np.asarray(out, dtype=float)


def _explained(fit: Callable[[], Any], frame, source, family: Family, start: np.ndarray | None) -> Any:
    """``fit()``, the model's own fit, its error for invalid starting values (which names no row: the engine
    has no labels) raised again naming the first invalid row (:func:`~glmstat.diagnosis.invalid_start`).
    Not the refits of :func:`~glmstat.fit.finish` (the null model's), whose columns are others."""
    try:
        return fit()
    except InvalidStartError as e:
        detail = invalid_start(frame, source, family, start, e.first_step)
        if detail is None:
            raise
        raise InvalidStartError(detail) from None


def glm(
    formula: str,
    data: Any,
    family: Family | type[Family] | str | None = None,
    *,
    weights: str | Sequence[float] | None = None,
    offset: str | Sequence[float] | None = None,
    subset: str | Sequence[bool] | None = None,
    na_action: str = "drop",
    context: Mapping[str, Any] | None = None,
    contrasts: Mapping[str, Any] | None = None,
    method: str = "irls",
    tol: float = 1e-8,
    max_iter: int = 25,
    start: Sequence[float] | None = None,
    limits: FormulaLimits | None = None,
    convergence: str = "exact",
    trace: bool = False,
    progress: bool | None = None,
) -> GLMResults:
    """Fit a generalized linear model from an R-style formula.

    Parameters
    ----------
    formula : str
        R formula, e.g. ``"y ~ x + factor(g) + offset(log(t))"`` or ``"cbind(s, f) ~ x"``.
    data : DataFrame, dict of columns, pyarrow Table, polars DataFrame, Parquet path or dask DataFrame
        Never modified.  A path to a Parquet file, a directory of them or a glob is read one row group at a
        time (memory stays bounded whatever the number of rows); a dask DataFrame is fitted on its cluster,
        each iteration one map-reduce over the partitions (see :mod:`glmstat.inputs`).
    family : Family, family class or name, default Gaussian()
        Error distribution and link, e.g. ``Binomial()``, ``Poisson(link="sqrt")``.  As R's ``family =``, a
        family's class (``Binomial``, R's ``binomial``) or name (``"binomial"``, ``"Gamma"``,
        ``"quasipoisson"``) is that family with its default link.
    weights : column name, R expression or array, optional
        Prior weights (for binomial proportions: the number of trials).  Text names a column, or is an R
        expression of the data's columns evaluated as a formula's terms are (``"numdead + numalive"``), as R's
        ``weights = n1 + n2``.
    offset : column name, R expression or array, optional
        Added to the linear predictor (on top of any ``offset()`` terms); text as for ``weights``
        (``"log(service)"``, R's ``offset = log(service)``), evaluated again on new data by ``predict``.
    subset : str or array of bool, optional
        The rows to fit, as R's ``subset``: a condition in R's syntax (``"age > 30 & sex == 'F'"``,
        ``"g %in% c('a', 'b')"``), evaluated safely on the data, or one True/False per row (a pandas Series is
        aligned by the data's index).  As in R, every variable is evaluated on all the rows first (``scale(x)``
        and ``poly(x)`` learn from all of them), the rows left out are neither used nor counted as dropped, and
        a row where the condition is missing is dropped and counted as a missing value.  Refits (``update``,
        ``drop1``, ``anova``, ``step``) use the same rows.  Streamed data take a condition only.
    na_action : {"drop", "raise"}
        Drop rows with a missing value in any model variable (with a warning), or refuse.
    context : mapping, optional
        Extra names (functions, constants) the formula may use.
    contrasts : mapping, optional
        Contrasts of factors, by the formula's name of the variable: ``{"wool": "sum", "tension": "sum"}``
        (or ``"contr.sum"``; also ``"treatment"``, ``"helmert"``, ``"poly"``, ``"contr.SAS"``, or a matrix of
        planned contrasts: one row per level, L - 1 columns, a 2-D array or a DataFrame naming its columns), as R's
        ``glm(contrasts = list(wool = "contr.sum"))``; the same as writing ``C(wool, sum)`` in the formula,
        with the variable's own name in the column names.  A name that is a numeric variable, or neither a
        variable of the formula nor a column of the data, is refused; a column the formula does not use is
        passed over.
    method : {"irls", "firth"}
        Maximum likelihood, or Firth's bias-reduced logistic regression.
    tol, max_iter : float, int
        Convergence when |dev - dev_old| / (|dev| + 0.1) < tol; at most max_iter iterations (R's
        ``epsilon`` and ``maxit``).
    start : sequence of float, optional
        Starting coefficients, one per design column.
    limits : FormulaLimits, optional
        Bounds on the work a formula may ask for (length, nesting, terms, design columns and memory); the
        defaults suit formulas from untrusted sources and can be raised for large models.
    convergence : {"exact", "R"}
        ``"exact"``: once the deviance test is met, keep stepping to the exact maximum and evaluate every
        quantity there.  ``"R"``: stop where R's ``glm`` stops and report what ``summary.glm`` prints (the
        covariance from the weights of the last iteration's start, R's dispersion), so that the numbers
        are R's default output (to 1e-8, with the same iteration count).
    trace : bool
        Print each iteration as R's ``glm(..., trace = TRUE)`` does (R also prints the iterations of the null
        model's refit when there is an offset; glmstat does not).  Every fit keeps its iterations in
        ``fit.trace`` (and the fitted means of each in ``fit.trace_fitted``).
    progress : bool, optional
        Show the iteration, deviance and rows per second while fitting (on standard error, or in the
        notebook): None (default) once the fit has run for 3 seconds, True from the start, False never
        (see :mod:`glmstat.report.progress`).

    Returns
    -------
    GLMResults
    """
    started = time.perf_counter()
    _check_argument_order(formula, data)
    family = Gaussian() if family is None else check_family(family)
    if not is_one_of(method, _METHODS):
        raise GLMStatError(f"unknown method {shown(method)}; use one of {', '.join(_METHODS)}")
    control = _check_control(tol, max_iter, convergence, trace)
    if not (progress is None
            or (isinstance(progress, np.bool_) or integer_type(progress)) and progress in (True, False)):
        raise FitError(f"progress must be None, True or False, got {shown(progress)}")
    start = _check_start(start)
    try:
        frame, source = model_frame_and_source(formula, data, family, weights=weights, offset=offset,
                                               na_action=na_action, context=context,
                                               limits=DEFAULT_LIMITS if limits is None else limits,
                                               contrasts=contrasts, subset=subset)
    except RecursionError:  # (only with max_depth raised past what Python's recursion allows)
        raise too_deep("the formula") from None
    if frame.n_dropped:
        warn_user(dropped_rows_message(frame), DroppedRowsWarning)
    data_findings = check_model_frame(frame, source, family)
    for category, msg in data_findings:
        warn_user(msg, category)
    # (a design of fewer than 2**16 cells fits in milliseconds: progress=None could never show anything)
    small = source.n_rows * source.n_cols < _SMALL_CELLS
    meter = None if progress is False or (progress is None and small) else Progress(
        source.n_rows, always=progress is True, started=started, fitter="Firth" if method == "firth" else "IRLS")
    if meter is not None:
        control = replace(control, on_iteration=chain(control.on_iteration, meter))
    try:
        if method == "firth":
            from .engine.firth import fit_firth

            if convergence != "exact":
                raise GLMStatError("convergence='R' reproduces R's glm(); method='firth' has its own iteration "
                                   "(brglm2)")
            state = _explained(lambda: fit_firth(source, family, control, start), frame, source, family, start)
            return finish(formula, frame, source, family, control, state, fit_firth, method="firth",
                          data_findings=data_findings)
        if getattr(family, "estimate_theta", False):
            from .engine.negbin import fit_negbin

            # (the rows are diagnosed at some theta: the means and deviances a start allows do not depend on it)
            nb = _explained(lambda: fit_negbin(source, family, control, start), frame, source,
                            family.with_theta(1.0), start)
            return finish(formula, frame, source, nb.family, control, nb.state, irls, extra_params=1,
                          theta=nb.family.theta, theta_se=nb.theta_se, fitter_findings=nb.findings,
                          data_findings=data_findings)
        state = _explained(lambda: irls(source, family, control, start), frame, source, family, start)
        return finish(formula, frame, source, family, control, state, irls, data_findings=data_findings)
    finally:
        if meter is not None:
            meter.done()
