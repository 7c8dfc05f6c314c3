"""Single-term additions (``add1.glm``) and the AIC of drop1's and add1's tables (R's ``extractAIC``).

**add1** (``add1.glm``). The model with every candidate term is fitted once, with the model's family (a negative
binomial at the model's theta, as ``add1.glm`` refits with ``object$family``); each candidate is the current columns
plus its own, refitted on those columns (where that model cannot start from R's starting means, each addition is fitted
on its own from them, as R's add1.glm fits every one, and Rao's score takes each one's columns). With D the deviance, r
the rank, phi the current model's dispersion, n the rows used: L = n log(D / n) (Gaussian) or D / phi; AIC = L + k r,
shifted so that the current model's equals R's ``extractAIC`` (AIC + (k - 2) edf, edf = n - df_residual); Chisq: max(0,
L_0 - L_i) on the added df; F: ((D_0 - D_i) / df) / (D_i / (df_residual - df)); Rao: the score statistic of the current
model's working residuals r and weights w on the bigger columns -- the weighted sum of squares of r about its mean minus
the residual sum of squares of r - offset on X (R's ``glm.fit(X, r, w, offset = offset)``) -- over phi. A candidate with
missing values in rows the model uses makes every model of the table (the current one too) a fit to the rows complete
for all of them, with a ``DroppedRowsWarning`` ("using the 111/116 rows from a combined fit", as R); phi, the residual
df of F and the AIC shift stay the model's, and n is the combined fit's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..distributions import chi2_sf, f_sf
from ..errors import DroppedRowsWarning, GLMStatError, GLMStatWarning, InvalidStartError, warn_user
from ..families import Gaussian
from ..formula.terms import term_label
from .fit_access import refit, score_test, structure
from .update import fit_columns, model_text, refit_terms, scope_terms, terms_with

if TYPE_CHECKING:
    from .results import GLMResults
    from .submodels import Submodel

__all__ = ["add1", "extract_aic", "approx_aic", "theta_free", "varsets", "add_candidates", "AddTable", "add_table"]


# -- AIC tables ---------------------------------------------------------------------------------------------------
def theta_free(fit: "GLMResults") -> bool:
    """Whether ``fit`` is a negative binomial fit whose theta was estimated (its candidates re-estimate theta)."""
    return fit.theta_se is not None


def _n_rows(fit: "GLMResults") -> int:
    return len(fit.rows_used)


def extract_aic(fit: "GLMResults", k: float) -> tuple[float, float]:
    """R's ``extractAIC``: (edf, AIC + (k - 2) edf) with edf = n - df_residual; MASS's for a negative
    binomial with theta estimated: (edf, -2 loglik + k edf)."""
    edf = _n_rows(fit) - fit.df_residual
    if theta_free(fit):
        return float(edf), -2 * fit.loglik + k * edf
    return float(edf), fit.aic + (k - 2) * edf


def _loglik_scale(fit: "GLMResults", dev: np.ndarray, n: int | None = None) -> np.ndarray:
    """drop1/add1's stand-in for -2 loglik: n log(D / n) for the Gaussian family (n the rows of the models
    compared, default the fit's), D / phi otherwise (phi the fit's dispersion)."""
    n = _n_rows(fit) if n is None else n
    with np.errstate(divide="ignore"):
        return n * np.log(dev / n) if isinstance(fit.family, Gaussian) else dev / fit.dispersion


def approx_aic(fit: "GLMResults", dev: np.ndarray, rank: np.ndarray, k: float, base: int,
               n: int | None = None) -> np.ndarray:
    """The AIC column of drop1/add1: L + k rank, shifted to R's extractAIC (of ``fit``) at row ``base``."""
    aic = _loglik_scale(fit, dev, n) + k * rank
    return aic + (extract_aic(fit, k)[1] - aic[base])


def varsets(st) -> list[frozenset]:
    """The variables of each term of the structure ``st``, as sets: terms matched whatever their order (b:a is a:b)."""
    return [frozenset(v) for v in st.variables]


def add_candidates(current: list[frozenset], upper: list[frozenset]) -> list[frozenset]:
    """R's ``add.scope``: upper terms not in the model that contain no other candidate (marginality)."""
    now = set(current)
    cand = [t for t in upper if t not in now]
    by_size: dict[int, list[frozenset]] = {}
    for t in cand:
        by_size.setdefault(len(t), []).append(t)
    # (a proper subset has fewer members: only those are compared, not every pair of a long scope)
    return [t for t in cand if not any(o <= t for k, sets in by_size.items() if k < len(t) for o in sets)]


@dataclass(frozen=True)
class AddTable:
    """Deviance, rank (and Rao score) of the current model and of each addition, from one fit of the bigger
    model ``upper``; ``labels`` of the additions; ``n_rows`` the rows of these fits; the current model is
    ``upper``'s columns ``base``, an addition those and the columns whose term (``assign``) is its ``term``.
    Where ``upper`` cannot start, ``fits`` holds each addition's own fit instead (:func:`_separate_additions`)."""

    labels: list[str]
    dev: np.ndarray
    rank: np.ndarray
    score: np.ndarray
    n_rows: int
    upper: "GLMResults | None"
    base: np.ndarray
    assign: np.ndarray
    term: list[int]
    fits: "list[GLMResults] | None" = None

    current: "Submodel | None" = None

    def columns(self, i: int) -> np.ndarray:
        """``upper``'s columns of the model with the ``i``-th addition."""
        return _with_columns(self.base, self.assign, self.term[i])

    def refit_addition(self, i: int) -> "Submodel":
        """The model with the ``i``-th addition refitted on ``upper``'s columns: from R's start or ``upper``'s
        estimate, else from the current model's estimate with 0 for the added columns (the current model's linear
        predictor, valid where R's add1.glm cannot start: random s792_0169 forward, inverse Gaussian 1/mu^2)."""
        cols = self.columns(i)
        start = np.zeros(cols.size)
        start[np.isin(cols, self.base)] = self.current.beta
        return refit(self.upper, cols, start)


def _with_columns(base: np.ndarray, assign: np.ndarray, j: int) -> np.ndarray:
    """The columns ``base`` and those of term ``j`` (``assign``: each column's term), in the design's order."""
    return np.union1d(base, np.flatnonzero(assign == j))


def add_table(fit: "GLMResults", which: list[tuple], rao: bool = False, fewer_rows: bool = False) -> AddTable:
    st = structure(fit)
    # the bigger model with the fit's own family: a negative binomial's theta stays the fit's estimate, as R's
    # add1.glm refits with object$family (re-estimated, the current model's row was another theta's deviance)
    try:
        upper = refit_terms(fit, terms_with(fit, list(st.variables) + list(which)), fit.family, fewer_rows)
    except InvalidStartError as refused:
        return _separate_additions(fit, which, refused, rao)
    assign, base = _current_columns(fit, upper)
    usets = varsets(structure(upper))
    term = [usets.index(frozenset(t)) + 1 for t in which]
    sub0 = refit(upper, base)
    table = AddTable([term_label(t) for t in which], np.empty(0), np.empty(0), np.empty(0),
                     upper.model_frame.n_rows, upper, base, assign, term, current=sub0)
    devs, ranks, score = [sub0.deviance], [sub0.rank], [np.nan]
    for i in range(len(term)):
        sub = table.refit_addition(i)
        devs.append(sub.deviance), ranks.append(sub.rank)
        if rao:
            score.append(score_test(upper, sub0, table.columns(i), minus_offset=True))
    return replace(table, dev=np.asarray(devs), rank=np.asarray(ranks, dtype=float), score=np.asarray(score))


def _current_columns(fit: "GLMResults", bigger: "GLMResults") -> tuple[np.ndarray, np.ndarray]:
    """(assign, base): the term of each of ``bigger``'s columns, and the columns of the terms of ``fit`` (and the
    intercept) among them -- the current model inside a model with more terms."""
    bst = structure(bigger)
    assign = bst.term_of_column(len(bigger.column_names))
    bsets = varsets(bst)
    base_terms = {bsets.index(s) + 1 for s in varsets(structure(fit))}
    return assign, np.flatnonzero(np.isin(assign, list(base_terms)) | (assign == 0))


def _separate_additions(fit: "GLMResults", which: list[tuple], refused: InvalidStartError,
                        rao: bool = False) -> AddTable:
    """The additions as R's add1.glm fits them, each on its own from R's starting means, where the model with
    every candidate cannot start from them (R never fits that model: it fits the current columns and each
    addition's): the current model is the fit itself.  Refused as R refuses where an addition cannot start either
    (``refused``: the bigger model's error), or uses other rows than the model.  With ``rao`` each addition's
    score is that of the current model's working residuals on the addition's columns (R's ``glm.fit(X, r, w)``:
    the addition's own fit gives the columns, the current model refitted inside it the residuals)."""
    variables = list(structure(fit).variables)
    fits = []
    for t in which:
        try:
            fits.append(refit_terms(fit, terms_with(fit, variables + [t]), fit.family))
        except GLMStatError:
            raise refused from None
    score = [np.nan]
    for f in fits if rao else ():
        _, base = _current_columns(fit, f)
        score.append(score_test(f, refit(f, base), np.arange(len(f.column_names)), minus_offset=True))
    return AddTable([term_label(t) for t in which], np.array([fit.deviance] + [f.deviance for f in fits]),
                    np.array([fit.rank] + [f.rank for f in fits], dtype=float),
                    np.asarray(score) if rao else np.full(len(which) + 1, np.nan),
                    fit.model_frame.n_rows, None, np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp), [],
                    fits)


# -- add1 ---------------------------------------------------------------------------------------------------------
def add1(fit: "GLMResults", scope: Any, test: str = "none", k: float = 2.0) -> pd.DataFrame:
    """Single-term additions, as R's ``add1.glm`` (see the module docstring).

    Parameters
    ----------
    fit : GLMResults
    scope : str or list of str
        A formula of the terms to try (``"~ . + x3 + x4"``; a formula without the model's terms adds them to
        the model's), or term labels.  Only terms whose lower-order margins are all present are tried.
    test : {"none", "Chisq", "LRT", "F", "Rao"}
    k : float
        The AIC penalty per parameter.

    Returns
    -------
    DataFrame
        Index ``"<none>"`` then the terms; ``df``, ``deviance``, ``aic`` (when the family has a likelihood),
        then ``statistic`` and ``p_value`` for a test.

    Warns
    -----
    DroppedRowsWarning
        When a term of the scope has missing values in rows the model uses: every model of the table, the
        current one too, is then fitted to the rows complete for all of them (R's "combined fit").
    """
    from .anova import term_table_arguments

    test, k = term_table_arguments(fit, "add1", test, k)
    st = structure(fit)
    current = varsets(st)
    upper = scope_terms(fit, scope, fit_columns(fit))
    upper_sets = [frozenset(t) for t in upper]
    chosen = add_candidates(current, list(dict.fromkeys(current + upper_sets)))
    which = [upper[upper_sets.index(s)] for s in chosen]
    if not which:
        raise GLMStatError("no terms in scope for adding to the model")
    # a candidate with missing values where the model has none: R's add1.glm fits every model of the table
    # (<none> too) on the rows complete for all of them, with a warning, and keeps the model's dispersion,
    # residual df and extractAIC (stepAIC is what refuses such a change)
    table = add_table(fit, which, rao=test == "Rao", fewer_rows=True)
    n_old = fit.model_frame.n_rows
    if table.n_rows < n_old:
        warn_user(f"using the {table.n_rows}/{n_old} row{'s' if table.n_rows != 1 else ''} from a combined "
                  f"fit (a term of the scope has missing values in rows the model uses)", DroppedRowsWarning)
    dev, rank = table.dev, table.rank
    aic = approx_aic(fit, dev, rank, k, 0, table.n_rows)
    dfs = rank - rank[0]
    dfs[0] = np.nan
    out = pd.DataFrame({"df": dfs, "deviance": dev}, index=pd.Index(["<none>"] + table.labels, name="term"))
    if fit.family.has_likelihood:
        out["aic"] = aic
    loglik = _loglik_scale(fit, dev, table.n_rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "Chisq":
            stat = np.maximum(0.0, loglik[0] - loglik)
            stat[0] = np.nan
            out["statistic"], out["p_value"] = stat, chi2_sf(stat, dfs)
        elif test == "Rao":
            stat = np.maximum(0.0, table.score) / fit.dispersion
            out["statistic"], out["p_value"] = stat, chi2_sf(stat, dfs)
        elif test == "F":
            if fit.family.name in ("binomial", "poisson"):
                warn_user(f"the F test assumes the quasi{fit.family.name} family (an estimated dispersion)",
                          GLMStatWarning)
            rdf = fit.df_residual
            F = np.maximum(0.0, (dev[0] - dev) / dfs) / (dev / (rdf - dfs))
            F[~(dfs >= np.finfo(float).eps)] = np.nan
            out["statistic"], out["p_value"] = F, f_sf(F, dfs, rdf - dfs)
    out.attrs["heading"] = f"Single term additions\nModel: {model_text(fit)}"
    out.attrs["test"] = test
    # (R's column names and heading: Table.to_r; R names the statistics "scaled" where the dispersion is not 1)
    out.attrs.update(r_print="term_changes", scaled=bool(fit.dispersion != 1.0))
    return out
