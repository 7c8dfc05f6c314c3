"""Stepwise selection by AIC (``MASS::stepAIC``).

**step** (``stepAIC``).  From the current model, repeatedly take the single deletion (``drop1`` within the
lower scope, respecting marginality) or addition (``add1`` within the upper scope) with the lowest AIC of
those tables, refit, and stop when no change lowers the AIC (or the refitted AIC is not lower by 1e-7, in
which case the refitted model is returned, as stepAIC does).  A change whose model R's starting means cannot
start (stepAIC stops there) is fitted from the coefficients of the refit that gave its AIC.  A negative binomial
model with theta estimated refits every candidate with its own theta and uses MASS's AIC without theta (-2 loglik
+ k edf).  Candidates are refitted as :func:`glmstat.inference.update.refit_terms` refits other terms (on the
whole data, on the fit's rows).  The scope must bracket the model (its lower terms in the model, the model's terms in
its upper one), else the error stepAIC's ``factor.scope`` gives.

**The trace** (:class:`StepTrace`, the chosen fit's ``step_trace``) is what stepAIC prints with its default
``trace = 1``: each model's heading (:class:`StepModel`: "Start:" or "Step:", its AIC, its formula as R deparses it)
and, before each choice, the table of moves (:class:`StepTable`: ``<none>`` and every deletion and addition of
non-zero df, with its df, deviance and AIC, in the order of their AICs); no table where a 0-df term is dropped, and a
last "Step:" where ``steps`` or a refitted AIC that is not lower ends the search, as R prints them.
``step(trace=True)`` also prints each part to standard output as the search reaches it; the text is rendered by
:mod:`glmstat.report.step_trace`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Mapping, Union

import numpy as np
import pandas as pd

from .._arguments import flag, integer_type, is_one_of, shown
from ..errors import GLMStatError, GLMStatWarning, InvalidStartError, warn_user
from ..formula.terms import term_label
from .add1 import AddTable, add_candidates, add_table, approx_aic, extract_aic, theta_free, varsets
from .fit_access import refit, structure
from .update import fit_columns, model_text, refit_terms, scope_terms, terms_with

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["step", "STEP_PATH_COLUMNS", "StepTrace", "StepModel", "StepTable"]


def _without(variables: tuple, labels: list[str], label: str) -> list:
    """The terms ``variables`` (labelled ``labels``) but the one labelled ``label``."""
    return [v for v, lab in zip(variables, labels) if lab != label]


def _with(variables: tuple, term: tuple) -> list:
    return list(variables) + [term]


def _drop_candidates(current: list[frozenset], lower: list[frozenset]) -> list[frozenset]:
    """R's ``drop.scope`` within the lower scope: model terms not in it that no other such term contains."""
    from .anova import contained_elsewhere

    low = set(lower)
    cand = [t for t in current if t not in low]
    return [t for t, held in zip(cand, contained_elsewhere(cand, strict=True)) if not held]


class _Candidates:
    """The AIC of each single deletion or addition (drop1 / add1 style, or refits for theta estimated)."""

    def __init__(self, fit: "GLMResults", k: float) -> None:
        self.fit, self.k = fit, k
        self.st = structure(fit)
        self.sets = varsets(self.st)
        self._table: AddTable | None = None

    def drops(self, which: list[frozenset]) -> list[tuple[str, float, float, float, "GLMResults | None"]]:
        """(label, df, aic, deviance, refitted fit or None) per deletion (the deviance NaN where the model's theta is
        estimated: MASS's table of such a model has no Deviance column)."""
        fit, st = self.fit, self.st
        out = []
        if theta_free(fit):
            edf0 = extract_aic(fit, self.k)[0]
            for t in which:
                i = self.sets.index(t)
                new = refit_terms(fit, terms_with(fit, [v for j, v in enumerate(st.variables) if j != i]))
                edf, aic = extract_aic(new, self.k)
                out.append((st.labels[i], edf0 - edf, aic, np.nan, new))
            return out
        p = len(fit.column_names)
        assign = st.term_of_column(p)
        devs, ranks, labels = [fit.deviance], [fit.rank], []
        for t in which:
            i = self.sets.index(t)
            sub = refit(fit, np.flatnonzero(assign != i + 1))
            devs.append(sub.deviance), ranks.append(sub.rank), labels.append(st.labels[i])
        aic = approx_aic(fit, np.asarray(devs), np.asarray(ranks, dtype=float), self.k, 0)
        return [(lab, fit.rank - r, a, d, None) for lab, r, a, d in zip(labels, ranks[1:], aic[1:], devs[1:])]

    def adds(self, which: list[tuple]) -> list[tuple[str, float, float, float, "GLMResults | None"]]:
        """(label, df, aic, deviance, refitted fit or None) per addition of the terms ``which`` (tuples of nodes): df
        the columns (parameters) added, as addterm's; the deviance NaN where the model's theta is estimated, as in
        :meth:`drops`."""
        fit, st = self.fit, self.st
        if theta_free(fit):
            edf0 = extract_aic(fit, self.k)[0]
            out = []
            for t in which:
                new = refit_terms(fit, terms_with(fit, list(st.variables) + [t]))
                edf, aic = extract_aic(new, self.k)
                out.append((term_label(t), edf - edf0, aic, np.nan, new))
            return out
        table = self._table = add_table(fit, which)
        aic = approx_aic(fit, table.dev, table.rank, self.k, 0)
        fits = table.fits or [None] * len(which)
        return [(lab, r - table.rank[0], a, d, new)
                for lab, r, a, d, new in zip(table.labels, table.rank[1:], aic[1:], table.dev[1:], fits)]

    def start_of(self, label: str) -> np.ndarray:
        """The coefficients of the refit that gave the change ``label`` its AIC, on the changed model's columns:
        ``"- term"``, the model's refit on its columns without the term's (:func:`~glmstat.inference.anova.
        refit_columns`: from R's starting means, else the model's own estimate on those columns or its fitted
        means); ``"+ term"``, the refit of the model with every candidate on the current columns and the term's
        (:meth:`AddTable.refit_addition`) -- refitted, not kept from the table: p coefficients a candidate."""
        if label.startswith("- "):
            assign = self.st.term_of_column(len(self.fit.column_names))
            return refit(self.fit, np.flatnonzero(assign != self.st.labels.index(label[2:]) + 1)).beta
        table = self._table
        return table.refit_addition(table.labels.index(label[2:])).beta


def _chosen_model(current: "GLMResults", label: str, keep: list, start_of: Callable[[str], np.ndarray]
                  ) -> "GLMResults":
    """The model ``current`` changed by the step ``label`` (``"- term"`` or ``"+ term"``), its terms ``keep``, fitted
    as R's stepAIC fits it (``update``, from R's starting means).  Where those cannot start it (R's stepAIC stops
    there: "no valid set of coefficients"), it is fitted from ``start_of(label)``, the coefficients of the refit that
    gave its AIC (:meth:`_Candidates.start_of`): the same columns, in the same order."""
    terms = terms_with(current, keep)
    try:
        return refit_terms(current, terms)
    except InvalidStartError as refused:
        try:
            return refit_terms(current, terms, start=start_of(label))
        except GLMStatError:
            raise refused from None


# -- step ---------------------------------------------------------------------------------------------------------
def _scopes(fit: "GLMResults", scope: Any, columns) -> tuple[list[tuple] | None, list[tuple]]:
    """(upper terms or None, lower terms) as stepAIC reads ``scope``."""
    if scope is None:
        return list(structure(fit).variables), []
    if isinstance(scope, Mapping):
        unknown = set(scope) - {"lower", "upper"}
        if unknown:
            raise GLMStatError(f"scope= takes the keys 'lower' and 'upper', got {', '.join(map(repr, unknown))}")
        upper = scope_terms(fit, scope["upper"], columns) if scope.get("upper") is not None else None
        lower = scope_terms(fit, scope["lower"], columns) if scope.get("lower") is not None else []
        return upper, lower
    return scope_terms(fit, scope, columns), []


def _check_scopes(st, upper: list[tuple] | None, lower: list[tuple]) -> None:
    """stepAIC's ``factor.scope`` check: every term of the lower scope is in the model and every term of the
    model is in the upper scope (matched by their variables, whatever the order), else the error R gives."""
    model = varsets(st)
    for which, outside in (("lower", [t for t in lower if frozenset(t) not in model]),
                           ("upper", [] if upper is None else
                            [t for t, s in zip(st.variables, model) if s not in {frozenset(u) for u in upper}])):
        if outside:
            names = ", ".join(repr(term_label(t)) for t in outside)
            raise GLMStatError(f"{which} scope has term{'s' if len(outside) > 1 else ''} {names} not included in "
                               f"model" + (" (the lower scope must be part of the model)" if which == "lower" else
                                           " (the upper scope must contain the model)"))


#: The columns of a stepwise search's path, in order (stepAIC's ``$anova``): what :meth:`GLMResults.with_step_path`
#: keeps.
STEP_PATH_COLUMNS = ("step", "df", "deviance", "resid_df", "resid_dev", "aic")


# -- the trace: what stepAIC prints with trace = 1 -------------------------------------------------------------------
@dataclass(frozen=True)
class StepModel:
    """A model of the search as stepAIC heads it: the starting one (``first``, "Start:") or one a move reached
    ("Step:"); its AIC with the search's k, and ``model``, R's ``deparse(formula(fit))`` (lines joined by newlines)."""

    first: bool
    aic: float
    model: str

    @property
    def text(self) -> str:
        """The lines stepAIC prints (:func:`glmstat.report.step_trace.step_model_text`)."""
        from ..report.step_trace import step_model_text

        return step_model_text(self.first, self.aic, self.model)


@dataclass(frozen=True)
class StepTable:
    """The table of moves stepAIC prints before it chooses one, sorted by AIC as R's ``order`` sorts it (ties in
    the order ``<none>``, deletions, additions): ``labels`` (``"<none>"``, ``"- term"``, ``"+ term"``), ``df`` (NaN
    for ``<none>``), ``deviance`` (None for a negative binomial with theta estimated, whose table MASS prints without
    it) and ``aic``.  Moves of 0 df are not in it (stepAIC removes them before it prints)."""

    labels: tuple[str, ...]
    df: tuple[float, ...]
    deviance: tuple[float, ...] | None
    aic: tuple[float, ...]

    @property
    def text(self) -> str:
        """The table as ``print.anova`` prints it (:func:`glmstat.report.step_trace.step_table_text`)."""
        from ..report.step_trace import step_table_text

        return step_table_text(self.labels, self.df, self.deviance, self.aic)


@dataclass(frozen=True)
class StepTrace:
    """What ``MASS::stepAIC`` prints of a search (its default ``trace = 1``), kept by the chosen fit as
    :attr:`~glmstat.inference.results.GLMResults.step_trace` whether or not ``step(trace=True)`` printed it.

    ``events`` are the :class:`StepModel` headings and :class:`StepTable` tables in the order R prints them;
    :attr:`text` is R's output character for character (each line ended by a newline, as R's ``cat`` ends it);
    ``str()`` is the same without its last newline, so that ``print(fit.step_trace)`` writes exactly R's text.
    """

    events: tuple[Union[StepModel, StepTable], ...]

    @property
    def text(self) -> str:
        """The whole output, as stepAIC writes it to the console."""
        return "".join(e.text for e in self.events)

    def __str__(self) -> str:
        text = self.text
        return text[:-1] if text.endswith("\n") else text

    def __repr__(self) -> str:
        return str(self)


class _Tracer:
    """The events of a search, each printed to standard output as it happens when ``show`` (R's ``cat`` and
    ``print``, flushed as R's ``flush.console``)."""

    def __init__(self, show: bool) -> None:
        self.show, self.events = show, []

    def __call__(self, event: Union[StepModel, StepTable]) -> None:
        self.events.append(event)
        if self.show:
            sys.stdout.write(event.text)
            sys.stdout.flush()


def _table(current: "GLMResults", rows: list, aics: np.ndarray, order: np.ndarray) -> StepTable:
    """The table of moves stepAIC prints: ``<none>`` (``current``) and the ``rows`` (label, df, aic, deviance, ...)
    in the ``order`` of their AICs ``aics`` (``<none>``'s first); without deviances where they are NaN (theta
    estimated)."""
    labels = ["<none>"] + [r[0] for r in rows]
    df = [np.nan] + [float(r[1]) for r in rows]
    dev = [float(current.deviance)] + [float(r[3]) for r in rows]
    theta = theta_free(current)
    return StepTable(tuple(labels[i] for i in order), tuple(df[i] for i in order),
                     None if theta else tuple(dev[i] for i in order), tuple(float(aics[i]) for i in order))


def _record(fit: "GLMResults", change: str, k: float, n: int) -> dict:
    edf, aic = extract_aic(fit, k)
    return {"step": change, "deviance": fit.deviance, "resid_df": n - edf, "aic": aic}


def step(fit: "GLMResults", direction: str | None = None, k: float = 2.0, scope: Any = None,
         steps: int = 1000, trace: bool = False) -> "GLMResults":
    """Stepwise model selection by AIC, as ``MASS::stepAIC`` (see the module docstring).

    Parameters
    ----------
    fit : GLMResults
        The starting model.
    direction : {"backward", "forward", "both"}, optional
        Default: "both" with a scope, "backward" without (stepAIC's defaults).
    k : float
        The penalty per parameter: 2 for AIC, log(n) for BIC.
    scope : str, list of str or dict, optional
        The upper model (a formula, ``.`` the starting model's side), or ``{"lower": ..., "upper": ...}``.
        Without one, terms may be dropped down to the intercept and (with "both") dropped terms re-added.
    steps : int
        The maximum number of steps.
    trace : bool
        True: print the search to standard output as stepAIC prints it by default (``trace = 1``): "Start:  AIC=",
        the model, the table of moves sorted by AIC, "Step:  AIC=" after each move (also the last one, where
        ``steps`` stops the search).  False by default, unlike R's ``trace = 1``: a Python function that prints
        unasked surprises; the text is the chosen fit's ``step_trace`` either way.

    Returns
    -------
    GLMResults
        The chosen model; its ``step_path`` is stepAIC's ``$anova``: ``step``, ``df``, ``deviance``,
        ``resid_df``, ``resid_dev``, ``aic``; its ``step_trace`` (a :class:`StepTrace`) what stepAIC prints.
    """
    from .anova import aic_penalty, check_ml_fit

    check_ml_fit(fit, "step")
    if direction is None:
        direction = "both" if scope is not None else "backward"
    if not is_one_of(direction, ("backward", "forward", "both")):
        raise GLMStatError(f"unknown direction {shown(direction)}; use 'backward', 'forward' or 'both'")
    k = aic_penalty(fit, k)
    if isinstance(steps, (bool, np.bool_)) or not integer_type(steps) or steps < 0:
        raise GLMStatError(f"steps must be a non-negative whole number, got {shown(steps)}")
    show = flag(trace, "trace")
    backward, forward = direction in ("backward", "both"), direction in ("forward", "both")
    if not fit.family.has_likelihood:
        raise GLMStatError(f"AIC is not defined for the {fit.family.label} family, so step cannot proceed")
    upper, lower = _scopes(fit, scope, fit_columns(fit))
    upper_sets = None if upper is None else [frozenset(t) for t in upper]
    lower_sets = [frozenset(t) for t in lower]
    _check_scopes(structure(fit), upper, lower)
    n = fit.nobs
    current = fit
    b_aic = extract_aic(current, k)[1]
    if not np.isfinite(b_aic):
        raise GLMStatError("AIC is not finite for this model, so step cannot proceed")
    emit = _Tracer(show)
    emit(StepModel(True, b_aic, model_text(fit)))
    models = [_record(current, "", k, n)]
    while steps > 0:
        steps -= 1
        aic0 = b_aic
        st = structure(current)
        sets = varsets(st)
        cands = _Candidates(current, k)
        rows: list[tuple[str, float, float, float, Any]] = []
        change = None
        # the terms each candidate keeps are listed for the one taken only: listing them for every candidate
        # was p lists of p labels a step (7 s a step for a model of 2,000 terms)
        labels = [term_label(v) for v in st.variables]
        without = partial(_without, st.variables, labels)
        tabled = False  # (stepAIC's aod is not NULL: some deletion or addition was tried)
        if backward:
            drops = cands.drops(_drop_candidates(sets, lower_sets))
            tabled = bool(drops)
            zero = [r for r in drops if r[1] == 0 and abs(r[2] - aic0) <= 0.01]
            if any(r[1] == 0 and abs(r[2] - aic0) > 0.01 for r in drops):
                warn_user("0 df terms are changing AIC", GLMStatWarning)
            if zero:  # terms with 0 df (all columns aliased) go first, one at a time (stepAIC prints no table)
                lab, _, _, _, new = zero[-1]
                change = ("- " + lab, new, without(lab))
            rows += [("- " + lab, df, aic, dev, (new, partial(without, lab))) for lab, df, aic, dev, new in drops]
        if change is None:
            if forward and upper_sets is not None:
                add_sets = add_candidates(sets, upper_sets)
                which = [upper[upper_sets.index(s)] for s in add_sets]
                if which:
                    tabled = True
                    rows += [("+ " + lab, df, aic, dev, (new, partial(_with, st.variables, t)))
                             for (lab, df, aic, dev, new), t in zip(cands.adds(which), which)]
            rows = [r for r in rows if r[1] != 0]
            if not tabled:
                break
            aics = np.array([aic0] + [r[2] for r in rows])
            order = np.argsort(aics, kind="stable")  # (R's order(): stable, NaN last)
            emit(_table(current, rows, aics, order))
            best = int(order[0])
            if best == 0:
                break
            label, _, _, _, (new, keep) = rows[best - 1]
            change = (label, new, keep())
        label, new, keep = change
        current = new if new is not None else _chosen_model(current, label, keep, cands.start_of)
        if current.nobs != n:
            raise GLMStatError("number of rows in use has changed: remove missing values first (as R says)")
        b_aic = extract_aic(current, k)[1]
        emit(StepModel(False, b_aic, model_text(current)))
        if b_aic >= aic0 + 1e-7:
            break
        models.append(_record(current, label, k, n))
    path = pd.DataFrame(models)
    path.insert(1, "df", np.concatenate([[np.nan], np.abs(np.diff(path["resid_df"].to_numpy(dtype=float)))]))
    dev = path.pop("deviance").to_numpy(dtype=float)
    path.insert(2, "deviance", np.concatenate([[np.nan], np.abs(np.diff(dev))]))
    path.insert(4, "resid_dev", dev)
    path = path[list(STEP_PATH_COLUMNS)]  # (the order with_step_path keeps, named once)
    path.attrs["heading"] = (f"Stepwise Model Path\nInitial model: {model_text(fit)}\n"
                             f"Final model: {model_text(current)}")
    # (MASS's print.Anova of stepAIC's $anova, its heading the models deparsed: Table.to_r)
    path.attrs.update(r_print="step_path", models=(model_text(fit), model_text(current)))
    return current.with_step_path(path, StepTrace(tuple(emit.events)))
