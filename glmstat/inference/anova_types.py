"""Type II and type III tests of each term, as ``car::Anova`` computes them for a glm.

Notation: D(S) is the deviance of the model refitted on the design columns S (same rows, weights, offset),
phi the fit's dispersion (1 for binomial, Poisson and negative binomial, else Pearson's chi-square over the
residual df), V the fit's covariance of the estimates (the sandwich matrix for a ``robust()`` result).
A term T2 is a *relative* of T when T2 contains every variable of T (``a:b`` is a relative of ``a``).

Type II (each term after every other term that does not contain it):

* ``"LR"``:  statistic = (D(all - T - rel(T)) - D(all - rel(T))) / phi on the difference in rank;
* ``"Wald"``:  the Wald statistic of L b = 0 where the rows of L span the combinations of the coefficients
  of T and rel(T) that are V-orthogonal to those of rel(T) (car's conjugate complement):
  chi2 = (L b)' (L V L')^{-1} (L b);
* ``"F"``:  F = (D(all - T - rel(T)) - D(all - rel(T))) / df / (X2 / df_residual) with X2 Pearson's
  chi-square, on (df, df_residual), and a ``Residuals`` row (X2, df_residual).

Type III (each term last, with the contrasts the model uses -- the hypotheses depend on them):

* ``"LR"``:  (D(all - T) - D(all)) / phi;
* ``"Wald"``:  chi2 = b_T' V_T^{-1} b_T, the intercept included as a row;
* ``"F"``:  (D(all - T) - D(all)) / df / (X2 / df_residual).

p-values are chi-square (LR, Wald) or F upper tails.  Aliased coefficients are left out of type II tests,
as car does; type III tests need a model without aliased coefficients (car refuses them too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._arguments import integer_type, own_scalar, real_type, shown, shown_items
from ..distributions import chi2_sf, f_sf
from ..errors import ContrastsWarning, GLMStatError, GLMStatWarning, warn_user
from ..formula.contrasts import held_level
from ..formula.values import label_text
from .covariance_factor import combination_covariance
from .fit_access import Structure, refit, structure, variable_codings
from .hypotheses import singular_covariance_reason, wald_quadratic

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["anova_type"]

_TYPES = {2: 2, "2": 2, "II": 2, 3: 3, "3": 3, "III": 3}
_TESTS = {"lr": "LR", "lrt": "LR", "chisq": "LR", "wald": "Wald", "f": "F"}


def _type_key(type):
    """``type`` as a key of ``_TYPES``: a string upper-cased, a whole number (a numpy integer, 2.0) as an int --
    R's Anova reads ``as.character(type)``, so 2.0 is "2" there --, anything else None: an instance of a subclass
    of str, int or float too, whose ``upper``, ``__int__`` or ``__float__`` would run (it is a choice among fixed
    words and numbers, as ``residuals(kind=)`` is)."""
    if not own_scalar(type):
        return None
    if isinstance(type, str):
        return type.upper()
    if isinstance(type, (bool, np.bool_)) or not real_type(type):
        return None
    if integer_type(type):
        return int(type)
    return int(type) if float(type) in (2.0, 3.0) else None


def _resolve(type, test) -> tuple[int, str]:
    key = _type_key(type)
    if key not in _TYPES:
        raise GLMStatError(f"unknown anova type {shown(type)}; use 2 (or 'II') or 3 (or 'III'), or type=None for the "
                           "sequential table")
    name = test.lower() if isinstance(test, str) and own_scalar(test) else None
    if name not in _TESTS:
        raise GLMStatError(f"unknown test {shown(test)} for a type {_TYPES[key]} table; use 'LR', 'Wald' or 'F'")
    return _TYPES[key], _TESTS[name]


def _cols(st: Structure, terms) -> np.ndarray:
    return np.array(sorted(c for t in terms for c in st.columns[t]), dtype=np.intp)


def _relatives(st: Structure, i: int) -> list[int]:
    """Terms containing every variable of term ``i`` (car's ``relatives``)."""
    mine = frozenset(st.variables[i])
    return [j for j in range(len(st.labels)) if j != i and mine <= frozenset(st.variables[j])]


def _without(p: int, drop: np.ndarray) -> np.ndarray:
    return np.setdiff1d(np.arange(p), drop)


def _conditions(fit: "GLMResults", st: Structure) -> dict[str, list[tuple[str, str | None]]]:
    """Per term contained in an interaction of the model: what its type III test holds fixed, from the
    variables the interaction adds -- a factor coded by treatment contrasts at its reference level (variable,
    the level shown; :func:`~glmstat.formula.contrasts.held_level`), a numeric variable at 0 (variable, None).
    (Contrasts that sum to zero -- sum, Helmert, polynomial -- average over the levels.)"""
    codings = variable_codings(fit)
    out: dict[str, list[tuple[str, str | None]]] = {}
    for label, mine in zip(st.labels, codings):
        nodes = {node for node, *_ in mine}
        held: list[tuple[str, str | None]] = []
        for other in codings:
            if len(other) <= len(mine) or not nodes <= {node for node, *_ in other}:
                continue
            for node, var, kind, levels in other:
                base = None if kind is None else held_level(kind, levels)
                if node in nodes or (kind is not None and base is None):
                    continue
                at = (var, None if kind is None else shown(label_text(levels[base])))
                if at not in held:
                    held.append(at)
        if held:
            out[label] = held
    return out


def _warn_contrast_dependence(fit: "GLMResults", st: Structure) -> None:
    """A :class:`ContrastsWarning` when a type III test holds a treatment-coded factor or a covariate fixed
    (car's documentation warns of this; car itself does not)."""
    held = _conditions(fit, st)
    if not held:
        return
    tests = "; ".join(f"the test of {shown(t)} is at " + " and ".join(
        f"{v} = 0" if level is None else f"{v} = {level} (its reference level)" for v, level in h)
        for t, h in held.items())
    factors = sorted({v for h in held.values() for v, level in h if level is not None})
    advice = []
    if factors:
        advice.append("code " + ", ".join(factors) + " by contrasts that sum to zero (" +
                      ", ".join(f"C({f}, sum)" for f in factors) + " in the formula, or glm(contrasts={" +
                      ", ".join(f"{f!r}: 'sum'" for f in factors) + "})) for tests averaged over the levels")
    if any(level is None for h in held.values() for _, level in h):
        advice.append("center a covariate for a test at its mean")
    warn_user(f"type III tests depend on the coding of the terms they interact with: {tests}; "
              + ", or ".join(advice) + " (type II tests do not)", ContrastsWarning)


def _warn_covariance_unused(fit: "GLMResults", test: str) -> None:
    """A warning when a fit with a covariance of its own (``fit.robust(...)``) is given a likelihood-ratio or F
    table: those are differences of deviances, which no covariance enters, so the table is the model-based
    one (car::Anova warns "vcov. argument ignored" alike); only the Wald table uses the covariance."""
    if test != "Wald" and fit.covariance_type != "model":
        kind = "likelihood-ratio" if test == "LR" else "F"
        warn_user(f"{kind} tests are differences of deviances and do not use this fit's covariance "
                  f"({fit.covariance_type}): the table is the model-based one (car::Anova ignores vcov. for "
                  "them too); use test='Wald' for tests with the covariance", GLMStatWarning)


def _refuse_aliased(fit: "GLMResults", what: str) -> None:
    if fit.aliased:
        raise GLMStatError(
            f"{what} needs a model without aliased coefficients, and {shown_items(fit.aliased)} "
            f"{'is' if len(fit.aliased) == 1 else 'are'} aliased (as car::Anova, which refuses them too); "
            "remove the aliased term or use type=2")


def _deviance_tests(fit: "GLMResults", st: Structure, typ: int) -> tuple[np.ndarray, np.ndarray]:
    """(deviance difference, df) per term: type II with relatives kept, type III each term last."""
    p = len(fit.column_names)
    n_terms = len(st.labels)
    dev, df = np.full(n_terms, np.nan), np.zeros(n_terms)
    for i in range(n_terms):
        if typ == 2:
            rels = _relatives(st, i)
            small = refit(fit, _without(p, _cols(st, [i] + rels)))
            if rels:
                big = refit(fit, _without(p, _cols(st, rels)))
                big_dev, big_rank = big.deviance, big.rank
            else:
                big_dev, big_rank = fit.deviance, fit.rank
        else:
            small = refit(fit, _without(p, _cols(st, [i])))
            big_dev, big_rank = fit.deviance, fit.rank
        df[i] = big_rank - small.rank
        if df[i] > 0:
            dev[i] = small.deviance - big_dev
    return dev, df


def _wald(b: np.ndarray, V: np.ndarray, L: np.ndarray, F: np.ndarray | None) -> tuple[float, int]:
    """(L b)' (L V L')^{-1} (L b) and rank(L); NaN where L V L' is singular (:func:`wald_quadratic`).  L V L'
    is (L F)(L F)' where V = F F' is too ill-conditioned for quadratic forms (``F``, else None)."""
    W = wald_quadratic(combination_covariance(L, V, F), L @ b, (L ** 2) @ np.diag(V))
    return (np.nan if W is None else W), L.shape[0]


def _wald_at(b: np.ndarray, V: np.ndarray, idx: np.ndarray) -> tuple[float, int]:
    """:func:`_wald` for L selecting the coefficients ``idx``: b_T' V_TT^{-1} b_T, read off V (not L V L' as
    two products with a k x p matrix of zeros and ones, O(k p^2): for a 5,000-level factor most of the time)."""
    if idx.size == 0:
        return np.nan, 0
    W = wald_quadratic(V[np.ix_(idx, idx)], b[idx])
    return (np.nan if W is None else W), int(idx.size)


def _warn_singular(fit: "GLMResults", labels: list[str], stat: np.ndarray, df: np.ndarray) -> None:
    """A warning naming the terms whose Wald statistic is NaN because the covariance of their coefficients is
    singular (a clustered covariance over fewer clusters than the coefficients tested): never a number solved
    from it (chi-squares of 1e16, or negative)."""
    terms = [t for t, s, k in zip(labels, stat, df) if k > 0 and np.isnan(s)]
    if terms:
        warn_user(f"the Wald tests of {', '.join(shown(t) for t in terms)} are NaN: the covariance of the "
                  f"coefficients tested is singular ({singular_covariance_reason(fit.covariance_type)})",
                  GLMStatWarning)


def _complement(H1: np.ndarray, H2: np.ndarray, V: np.ndarray, F: np.ndarray | None) -> np.ndarray:
    """Rows spanning {u' H2 : u' H2 V H1' = 0} (car's ``ConjComp``; any basis gives the same statistic); H2 V H1'
    is (H2 F)(H1 F)' where V = F F' is too ill-conditioned for quadratic forms (``F``, else None)."""
    if H1.shape[0] == 0:
        return H2
    M = H2 @ V @ H1.T if F is None else (H2 @ F) @ (H1 @ F).T
    U, s, _ = np.linalg.svd(M, full_matrices=True)
    rank = int(np.sum(s > max(M.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0)))
    return U[:, rank:].T @ H2


def _wald_tests(fit: "GLMResults", st: Structure, typ: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    kept = np.asarray(~np.isnan(fit.coef.to_numpy()))
    b = fit.coef.to_numpy()[kept]
    V = fit.vcov.to_numpy()[np.ix_(kept, kept)]
    F = fit.covariance_factor
    F = None if F is None else F[kept]
    position = np.cumsum(kept) - 1  # column -> index among the kept columns

    def at(terms) -> np.ndarray:
        """Positions among the kept coefficients of the terms' kept columns."""
        return position[[c for c in _cols(st, terms) if kept[c]]].astype(np.intp)

    def rows(terms) -> np.ndarray:
        idx = at(terms)
        H = np.zeros((idx.size, int(kept.sum())))
        H[np.arange(idx.size), idx] = 1.0
        return H

    labels, stat, df = [], [], []
    if typ == 3 and st.intercept_columns:
        s, k = _wald_at(b, V, position[list(st.intercept_columns)].astype(np.intp))
        labels.append("(Intercept)"), stat.append(s), df.append(k)
    for i, label in enumerate(st.labels):
        rels = _relatives(st, i) if typ == 2 else []
        if rels:
            L = _complement(rows(rels), rows([i] + rels), V, F)
            s, k = _wald(b, V, L, F) if L.shape[0] else (np.nan, 0)
        else:  # (type III, or a term without relatives: the test of its own coefficients)
            s, k = _wald_at(b, V, at([i]))
        labels.append(label), stat.append(s), df.append(k)
    return labels, np.asarray(stat, dtype=float), np.asarray(df, dtype=float)


def _chisq_p(stat: np.ndarray, df: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, chi2_sf(stat, np.maximum(df, 1)), np.nan)


def anova_type(fit: "GLMResults", type: int | str = 2, test: str = "LR") -> pd.DataFrame:
    """Type II or III tests of each term, as ``car::Anova`` (see the module docstring for the formulas).

    Parameters
    ----------
    fit : GLMResults
        A maximum-likelihood fit.
    type : {2, 3, "II", "III"}
    test : {"LR", "Wald", "F"}
        Likelihood ratio (deviance differences over the dispersion), Wald chi-square, or F with the
        dispersion estimated from Pearson's chi-square (meant for families with an estimated dispersion).

    Returns
    -------
    DataFrame
        Indexed by term: ``statistic``, ``df``, ``p_value`` (``sum_sq`` first and a ``Residuals`` row for
        F; a ``(Intercept)`` row for the type III Wald test, as car prints).
    """
    from .anova import check_ml_fit, table_heading

    check_ml_fit(fit, "anova")
    typ, test = _resolve(type, test)
    st = structure(fit)
    if not st.labels:
        raise GLMStatError("the model has no terms to test")
    if typ == 3:
        _refuse_aliased(fit, "a type III table")
        _warn_contrast_dependence(fit, st)
    _warn_covariance_unused(fit, test)
    if test == "Wald":
        labels, stat, df = _wald_tests(fit, st, typ)
        _warn_singular(fit, labels, stat, df)
        table = pd.DataFrame({"statistic": stat, "df": df, "p_value": _chisq_p(stat, df)},
                             index=pd.Index(labels, name="term"))
    else:
        dev, df = _deviance_tests(fit, st, typ)
        if test == "LR":
            stat = dev / fit.dispersion
            table = pd.DataFrame({"statistic": stat, "df": df, "p_value": _chisq_p(stat, df)},
                                 index=pd.Index(list(st.labels), name="term"))
        else:
            if fit.family.fixed_dispersion:
                warn_user(f"an F test with the {fit.family.label} family: the dispersion is estimated from "
                          "the Pearson residuals, not taken as 1 (as car::Anova)", GLMStatWarning)
            rdf = fit.df_residual
            x2 = fit.pearson_chi2
            # no residual df (a saturated fit): no error estimate, so F is NaN, as the dispersion and the
            # sequential table's F (x2 / 0 with Python floats raised ZeroDivisionError)
            scale = x2 / rdf if rdf > 0 else np.nan
            with np.errstate(invalid="ignore", divide="ignore"):
                F = dev / df / scale
                p = np.where(df > 0, f_sf(F, np.maximum(df, 1), rdf), np.nan)
            table = pd.DataFrame({"sum_sq": np.append(dev, x2), "df": np.append(df, rdf),
                                  "statistic": np.append(F, np.nan), "p_value": np.append(p, np.nan)},
                                 index=pd.Index(list(st.labels) + ["Residuals"], name="term"))
    kind = {"LR": "likelihood-ratio", "Wald": "Wald chi-square", "F": "F"}[test]
    if test == "Wald" and fit.covariance_type != "model":  # (say which covariance the statistics come from)
        kind += f", covariance: {fit.covariance_type}"
    table.attrs["heading"] = (f"Analysis of Deviance Table (Type {'II' if typ == 2 else 'III'} tests, {kind})\n"
                              + table_heading(fit))
    table.attrs["test"] = test
    table.attrs.update(r_print="car_anova", type=typ)  # (car's column names, order and heading: Table.to_r)
    return table
