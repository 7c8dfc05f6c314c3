"""Analysis of deviance: sequential tables, nested-model comparisons, single-term deletions and
likelihood-ratio tests, as R's ``anova.glm``, ``anova.glmlist``, ``MASS::anova.negbin``, ``drop1.glm`` and
``lmtest::lrtest`` compute them.

Every submodel is refitted with the IRLS engine on a subset of the design columns (same rows, weights and
offset; :mod:`~glmstat.inference.submodels`), from R's starting values, or from the model's own estimate where
those do not converge (with ``convergence="R"`` only where they fail: R's tables use the refit stopped at
max_iter; a submodel that converges from neither is used with a ConvergenceWarning).  With phi the dispersion
(1 for binomial, Poisson and negative binomial; the full or biggest model's Pearson estimate otherwise) and a
term adding ``df`` columns and reducing the deviance by ``dev``:

* ``"Chisq"`` (alias ``"LRT"``):  p = P(chi2_df > dev / phi);
* ``"F"``:  F = dev / df / phi,  p = P(F_{df, df_phi} > F) with df_phi the residual df of the model phi
  came from (a chi-square / df reference when phi is fixed, with a warning as R gives);
* ``"Rao"``:  the score statistic S = r'WX (X'WX)^- X'Wr of the smaller model's working residuals r and
  weights W on the bigger model's columns X (R's weighted regression: null minus residual sum of squares;
  :mod:`~glmstat.inference.rao_score`); p = P(chi2_df > S / phi).

``test=None`` picks ``"Chisq"`` for fixed-dispersion families and ``"F"`` otherwise; ``"none"`` gives the
table without a test.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..distributions import chi2_sf, f_sf
from ..design.sources import fold
from ..engine.linalg import explained_sums
from ..engine.threads import single_threaded
from .._arguments import MAX_MODELS, model_count, own_scalar, real_number, shown, shown_items
from ..errors import GLMStatError, GLMStatWarning, warn_user
from ..families import Gaussian
from ..report.tables import returns_table
from .rao_score import models_score, rao_statistic
from .submodels import only_aliased_left_out, refit_columns
from .update import model_sides, model_text

__all__ = ["sequential_anova", "anova", "drop1", "lrtest", "LRTest", "drop_scope", "check_ml_fit", "table_heading",
           "aic_penalty", "term_table_arguments", "MAX_MODELS"]

_TESTS = {"chisq": "Chisq", "lrt": "Chisq", "f": "F", "rao": "Rao", "none": None}
#: anova() also takes Mallows' Cp (as R's anova.glm; drop1.glm does not)
_ANOVA_TESTS = {**_TESTS, "cp": "Cp"}


# -- small pieces --------------------------------------------------------------------------------------------
def _resolve_test(test: str | None, fit) -> str | None:
    if test is None:
        return "Chisq" if fit.family.fixed_dispersion else "F"
    key = test.lower() if isinstance(test, str) and own_scalar(test) else None  # (not a subclass's lower)
    if key not in _ANOVA_TESTS:
        raise GLMStatError(f"unknown test {shown(test)}; use 'Chisq' (or 'LRT'), 'F', 'Rao', 'Cp' or 'none'")
    return _ANOVA_TESTS[key]


def check_ml_fit(fit, what: str) -> None:
    from .results import GLMResults

    if not isinstance(fit, GLMResults):
        raise GLMStatError(f"{what} needs fitted models from glmstat.glm(), got {type(fit).__name__}")
    if fit.method != "irls":
        raise GLMStatError(f"{what} needs maximum-likelihood fits; this model was fitted with "
                           f"method={shown(fit.method)}")


def aic_penalty(fit: Any, k: Any) -> float:
    """``k``, the AIC penalty of drop1, add1 and step, as a float: a non-negative finite number whose product with
    four times the fit's rows (a model of n rows has at most n parameters; an AIC adds k times the rank of the model,
    and extractAIC's shift k times the full model's) stays within double precision.

    Parameters
    ----------
    fit : GLMResults
        The model the tables are of.
    k : Any
        The penalty as given.

    Returns
    -------
    float

    Raises
    ------
    GLMStatError
        ``k`` is not such a number.  (Beyond the bound k * rank overflowed and extractAIC's shift made every AIC
        inf - inf: drop1's ``aic`` column went missing after numpy's overflow warnings, as R's does -- R's
        ``drop1(m, k = 1e308)$AIC`` is NULL -- and step said the model's AIC was not finite.)
    """
    high = np.finfo(float).max / (4.0 * max(int(fit.nobs), 1))
    return real_number(k, "k", low=0.0, high=high,
                       must=f"a non-negative finite number of at most {high:.3g} (k times the model's rows stays "
                            "within double precision; 2: AIC, log(n): BIC)")


def term_table_arguments(fit, what: str, test: Any, k: Any) -> tuple[str | None, float]:
    """drop1's and add1's arguments checked: ``fit`` a maximum-likelihood fit of glmstat's, ``test`` one of "none",
    "Chisq" (or "LRT"), "F" or "Rao" (any case), ``k`` a non-negative AIC penalty (:func:`aic_penalty`); (R's name of
    the test, k)."""
    check_ml_fit(fit, what)
    k = aic_penalty(fit, k)
    key = test.lower() if isinstance(test, str) and own_scalar(test) else None  # (not a subclass's lower)
    if key not in _TESTS:
        raise GLMStatError(f"unknown test {shown(test)}; use 'none', 'Chisq' (or 'LRT'), 'F' or 'Rao'")
    return _TESTS[key], k


def _f_sf(F: np.ndarray, df1: np.ndarray, df2: float) -> np.ndarray:
    if np.isinf(df2):
        return chi2_sf(F * df1, df1)
    return f_sf(F, df1, df2)


def _add_test(table: pd.DataFrame, test: str | None, dev_col: str, scale: float, df_scale: float,
              score: np.ndarray | None = None, n_rows: int | None = None) -> pd.DataFrame:
    """R's ``stat.anova``: append the statistic and p-value columns for the chosen test (for ``"Cp"``, the
    column cp = resid_dev + 2 scale (n_rows - resid_df), n_rows the rows of the model frame)."""
    if test is None:
        return table
    out = table.copy()
    if test == "Cp":
        out["cp"] = out["resid_dev"].to_numpy(dtype=float) + 2.0 * scale * (
            n_rows - out["resid_df"].to_numpy(dtype=float))
        return out
    dfs = out["df"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "F":
            F = out[dev_col].to_numpy(dtype=float) / dfs / scale
            F[(dfs == 0) | (F < 0)] = np.nan
            out["statistic"] = F
            out["p_value"] = _f_sf(F, np.abs(dfs), df_scale)
        else:
            vals = (score if test == "Rao" else out[dev_col].to_numpy(dtype=float)) / scale * np.sign(dfs)
            vals[(dfs == 0) | (vals < 0)] = np.nan
            if test == "Rao":
                out["rao"] = score
            out["p_value"] = chi2_sf(vals, np.abs(dfs))
    return out


def _warn_f_fixed(fit) -> None:
    warn_user(f"an F test with a fixed-dispersion family ({fit.family.label}) is inappropriate: the "
              f"dispersion is not estimated, so this is a chi-square test divided by its df",
              GLMStatWarning)


def _term_map(fit) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Term labels (intercept excluded), each column's term number (0 = intercept) and intercept columns."""
    frame = fit.model_frame
    labels, assign = [], np.zeros(len(frame.column_names), dtype=int)
    for label, cols in zip(frame.term_labels, frame.term_columns):
        if label == "(Intercept)":
            continue
        labels.append(label)
        assign[list(cols)] = len(labels)
    return labels, assign, np.flatnonzero(assign == 0)


def table_heading(fit) -> str:
    return f"Model: {fit.family.label}, link: {fit.family.link.name}\nResponse: {fit.model_frame.response_name}"


# -- the sequential table -------------------------------------------------------------------------------------
def sequential_anova(fit, test: str | None = None) -> pd.DataFrame:
    """Sequential analysis of deviance (terms added first to last), as R's ``anova.glm``.

    Parameters
    ----------
    fit : GLMResults
    test : {None, "Chisq", "LRT", "F", "Rao", "Cp", "none"}
        None: "Chisq" for fixed-dispersion families, "F" otherwise.

    Returns
    -------
    DataFrame
        Index ``"NULL"`` then the term labels; columns ``df``, ``deviance`` (the drop in deviance when the
        term is added, floored at 0), ``resid_df``, ``resid_dev``, then ``rao`` (Rao only), ``statistic``
        (F only) and ``p_value``, or ``cp`` (Cp only: Mallows' resid_dev + 2 phi (n - resid_df)).  The
        dispersion used is the full model's.
    """
    check_ml_fit(fit, "anova")
    test = _resolve_test(test, fit)
    if fit.theta_se is not None:
        warn_user(f"tests made without re-estimating theta (held at {fit.theta:.6g}, as MASS's anova.negbin "
                  f"does); compare refitted models with glmstat.anova(m1, m2) or lrtest", GLMStatWarning)
    labels, assign, icpt_cols = _term_map(fit)
    nvars = len(labels)
    has_icpt = fit.model_frame.has_intercept
    resdf = [fit.df_null]
    resdev = [fit.null_deviance]
    score = np.full(nvars + 1, np.nan)
    prev = refit_columns(fit, icpt_cols) if test == "Rao" else None
    kept = np.asarray(fit.fit_data.kept, dtype=bool)
    for i in range(1, nvars + 1):
        if i < nvars and not kept[assign == i].any():
            # a term of aliased columns only (R's NA coefficients) lies in the span of the kept columns
            # before it: adding it changes nothing, and the previous model is not refitted again (p refits of
            # up to p columns when most of a wide design is aliased); R's row is the same refit's: 0 on 0 df
            resdf.append(resdf[-1])
            resdev.append(resdev[-1])
            score[i] = 0.0
            continue
        cols = np.flatnonzero(assign <= i)
        sub = refit_columns(fit, cols) if i < nvars else None
        if test == "Rao":
            score[i] = rao_statistic(fit, prev, cols[kept[cols]], has_icpt)  # (the aliased explain nothing more)
            prev = sub
        resdf.append(sub.df_residual if sub is not None else fit.df_residual)
        resdev.append(sub.deviance if sub is not None else fit.deviance)
    resdf, resdev = np.asarray(resdf, dtype=float), np.asarray(resdev, dtype=float)
    table = pd.DataFrame({
        # (earlier minus later, not -np.diff: an aliased term's 0 is then 0, not -0, as R prints it)
        "df": np.concatenate([[np.nan], resdf[:-1] - resdf[1:]]),
        "deviance": np.concatenate([[np.nan], np.maximum(0.0, resdev[:-1] - resdev[1:])]),
        "resid_df": resdf,
        "resid_dev": resdev,
    }, index=pd.Index(["NULL"] + labels, name="term"))
    disp = fit.dispersion
    df_disp = np.inf if fit.family.fixed_dispersion else float(fit.df_residual)
    if test == "F" and np.isinf(df_disp):
        _warn_f_fixed(fit)
    table = _add_test(table, test, "deviance", disp, df_disp, score, fit.fit_data.n_rows)
    table.attrs["heading"] = ("Analysis of Deviance Table\n" + table_heading(fit)
                              + "\nTerms added sequentially (first to last)")
    table.attrs["test"] = test
    table.attrs["r_print"] = "anova_glm"  # (R's column names and heading: Table.to_r)
    return table


# -- nested models --------------------------------------------------------------------------------------------
def _same_data(fits) -> None:
    a = fits[0]
    for k, b in enumerate(fits[1:], start=2):
        if not a.rows_used.equals(b.rows_used):
            hint = "; a variable only one model uses has missing values" if a.n_dropped != b.n_dropped else ""
            raise GLMStatError(
                f"models 1 and {k} were fitted to different rows ({len(a.rows_used)} vs {len(b.rows_used)} rows "
                f"used{hint}); refit every model on the same rows (e.g. data.dropna(subset=[...all variables...]))"
            )
        fa, fb = a.model_frame, b.model_frame
        if not _same_response(a, b):
            raise GLMStatError(f"models 1 and {k} have different responses or weights "
                               f"({shown(fa.response_name)} vs {shown(fb.response_name)}); they cannot be compared")


def _response_sums(b) -> np.ndarray:
    return np.array([b.y.shape[0], np.sum(b.y), np.sum(b.y * b.y), np.sum(b.weights), np.sum(b.weights * b.y)])


def _same_response(a, b) -> bool:
    """Whether two fits have the same response and weights: the arrays for rows in memory, else sums over
    the rows (the same rows read and encoded the same way give the same sums to the bit)."""
    if a.model_frame.in_memory and b.model_frame.in_memory:
        return bool(np.array_equal(a.model_frame.y, b.model_frame.y)
                    and np.array_equal(a.fit_data.source.weights, b.fit_data.source.weights))
    sums = [fold(f.fit_data.source, _response_sums, operator.add, np.zeros(5)) for f in (a, b)]
    return bool(np.array_equal(sums[0], sums[1]))


def _family_key(fit):
    fam = fit.family
    if fit.theta_se is not None:  # negative binomial with theta estimated: each model has its own theta
        return (type(fam).__name__, fam.link, "theta estimated")  # (the Link: two power links may share a name)
    return fam


def _same_family(fits) -> None:
    keys = [_family_key(f) for f in fits]
    for k, key in enumerate(keys[1:], start=2):
        if key != keys[0]:
            a, b = str(fits[0].family), str(fits[k - 1].family)
            if a == b:  # (two power links that R's name rounds alike: say which powers)
                a, b = (f"{t} of power {f.family.link.recipe[1][0]!r}" if f.family.link.recipe else t
                        for t, f in ((a, fits[0]), (b, fits[k - 1])))
            raise GLMStatError(f"models 1 and {k} have different families ({a} vs {b}); "
                               f"analysis of deviance compares models of one family")


def _nested_in(small, big, i: int, j: int) -> None:
    """Raise unless model i's mean space {offset_i + X_i b} lies within model j's: every kept column of X_i
    (and the offset difference) has a negligible residual after projection on X_j's columns, computed from
    the designs' products (m'm - u'G^- u with G = X_j'X_j, u = X_j'm), never their dense matrices."""
    if not (small.model_frame.in_memory and big.model_frame.in_memory):
        _nested_terms(small, big, i, j)
        return
    ds, db = small.fit_data, big.fit_data
    pos = np.flatnonzero(ds.source.weights > 0)
    Xb = db.source.X.take(pos).select(np.flatnonzero(db.kept))
    Xs = ds.source.X.take(pos)
    names = [n for n, k in zip(small.column_names, ds.kept) if k] + ["(offset)"]
    # (one column at a time: the small model's design is never expanded)
    columns = (Xs.column(c) for c in np.flatnonzero(ds.kept))
    offset = (ds.source.offset - db.source.offset)[pos]
    norms, u = np.zeros(len(names)), np.zeros((Xb.n_cols, len(names)))
    for c, m in enumerate(itertools.chain(columns, [offset])):
        norms[c] = float(m @ m)
        u[:, c] = Xb.rmatvec(m)
    explained = explained_sums(Xb.gram(np.ones(pos.size)), u, Xb.diagonal_columns())
    for name, mm, ex in zip(names, norms, explained):
        if mm == 0:
            continue
        if mm - ex > 1e-12 * mm:  # a residual above 1e-6 of the column's norm
            detail = ("its offset differs from model {j}'s by more than a combination of model {j}'s columns"
                      if name == "(offset)" else
                      f"its column {shown(name)} is not a linear combination of model {{j}}'s columns")
            raise GLMStatError(f"model {i} ({small.formula}) is not nested in model {j} ({big.formula}): "
                               + detail.format(j=j) + "; analysis of deviance needs nested models")


def _nested_terms(small, big, i: int, j: int) -> None:
    """Streamed rows (two models' designs cannot be read side by side): nested when model i's terms are among
    model j's, model j's columns span the constant where model i has an intercept (its own intercept, or a
    factor coded by all its levels: ``y ~ 1`` within ``y ~ 0 + g``), and the offsets are the same expressions,
    as the formulas say.  A term is its set of variables: ``x1:g`` (as ``update`` deparses ``y ~ x1 + g:x1``)
    is the term ``g:x1``."""
    ts, tb = small.model_frame.spec.terms, big.model_frame.spec.terms
    ok = ({frozenset(t) for t in ts.terms} <= {frozenset(t) for t in tb.terms}
          and (not ts.intercept or big.model_frame.spec.plan.spans_constant)
          and tuple(ts.offsets) == tuple(tb.offsets)
          and small.model_frame.spec.offset_column_arg == big.model_frame.spec.offset_column_arg)
    if not ok:
        raise GLMStatError(f"model {i} ({small.formula}) is not nested in model {j} ({big.formula}) term by term; "
                           "for streamed data analysis of deviance needs each model's terms (and offset) among "
                           "the next model's")


#: Two deviances of one mean space closer than this many units of rounding of the larger are the same deviance
SAME_SPACE_ULPS = 64


def _deviance_changes(resdf: np.ndarray, resdev: np.ndarray) -> np.ndarray:
    """The deviance change from each model to the next, D_k - D_{k+1}; 0 where two nested models have the same
    residual df (so one mean space: a term of aliased columns only) and their deviances agree to rounding --
    separate fits' arithmetic leaves them some units of rounding apart (-8.9e-16 of 6.88 on some processors), where
    R's pivoted QR computes the kept columns alike and prints 0."""
    change = resdev[:-1] - resdev[1:]
    rounding = SAME_SPACE_ULPS * np.spacing(np.maximum(np.abs(resdev[:-1]), np.abs(resdev[1:])))
    change[(resdf[:-1] == resdf[1:]) & (np.abs(change) <= rounding)] = 0.0
    return change


def _check_nested(fits) -> None:
    for k in range(len(fits) - 1):
        a, b = fits[k], fits[k + 1]
        if a.df_residual >= b.df_residual:
            _nested_in(a, b, k + 1, k + 2)
        else:
            _nested_in(b, a, k + 2, k + 1)


@returns_table
@single_threaded
def anova(*fits, test: str | None = None) -> pd.DataFrame:
    """Analysis of deviance for one model (sequential) or for nested models (as R's ``anova``).

    Parameters
    ----------
    *fits : GLMResults
        One model, or two or more nested models of one family fitted to the same rows, in any order.
    test : {None, "Chisq", "LRT", "F", "Rao", "Cp", "none"}
        None: "Chisq" for fixed-dispersion families, "F" otherwise.

    Returns
    -------
    DataFrame
        One row per model (index 1, 2, ...): ``resid_df``, ``resid_dev``, ``df`` and ``deviance`` (the
        change from the previous model), then ``rao``, ``statistic`` and ``p_value`` as the test gives them (or ``cp``).
        The dispersion is the biggest model's (the smallest residual df).  For negative binomial models
        with theta estimated the table is MASS's likelihood-ratio table, indexed by the models' right-hand
        sides: ``theta``, ``resid_df``, ``twice_loglik``, ``test`` (``"1 vs 2"``), ``df``, ``statistic`` (the
        LR statistic) and ``p_value``, models ordered by decreasing residual df.

    Raises
    ------
    GLMStatError
        When the models are not nested, use different rows, responses, weights or families, or are more than
        ``MAX_MODELS`` (200, ``compare()``'s bound).
    """
    if not fits:
        raise GLMStatError("anova() needs at least one fitted model")
    model_count(fits, "anova")  # (as compare()'s table: before any model is read)
    for f in fits:
        check_ml_fit(f, "anova")
    if len(fits) == 1:
        return sequential_anova(fits[0], test)
    _same_data(fits)
    _same_family(fits)
    _check_nested(fits)
    if fits[0].theta_se is not None:
        return _negbin_table(fits, test)
    test = _resolve_test(test, fits[0])
    resdf = np.array([f.df_residual for f in fits], dtype=float)
    resdev = np.array([f.deviance for f in fits])
    table = pd.DataFrame({
        "resid_df": resdf, "resid_dev": resdev,
        "df": np.concatenate([[np.nan], resdf[:-1] - resdf[1:]]),
        "deviance": np.concatenate([[np.nan], _deviance_changes(resdf, resdev)]),
    }, index=pd.RangeIndex(1, len(fits) + 1, name="model"))
    score = None
    if test == "Rao":
        score = np.full(len(fits), np.nan)
        for k in range(len(fits) - 1):
            grows = resdf[k] > resdf[k + 1]
            small, big = (fits[k], fits[k + 1]) if grows else (fits[k + 1], fits[k])
            s = models_score(small, big)
            score[k + 1] = s if grows else -s
    big = fits[int(np.argmin(resdf))]
    df_disp = np.inf if big.family.fixed_dispersion else float(resdf.min())
    if test == "F" and np.isinf(df_disp):
        _warn_f_fixed(big)
    table = _add_test(table, test, "deviance", big.dispersion, df_disp, score, big.fit_data.n_rows)
    table.attrs["heading"] = "Analysis of Deviance Table\n" + "\n".join(
        f"Model {k}: {model_text(f)}" for k, f in enumerate(fits, start=1))
    table.attrs["test"] = test
    # (R's column names and heading, the models numbered as R's format(1:n) pads them: Table.to_r)
    table.attrs.update(r_print="anova_glmlist", models=[model_text(f) for f in fits])
    return table


def _negbin_table(fits, test) -> pd.DataFrame:
    """MASS's ``anova.negbin``: likelihood-ratio tests of negative binomial fits, theta re-estimated.  The models
    are their right-hand sides and the heading names the response, as ``paste(formula(fit)[3L])`` and ``[2L]``
    write them (:func:`~glmstat.inference.update.model_sides`); ``test`` labels each row's test ``"1 vs 2"``.
    The p-value is the chi-square's upper tail, where MASS's ``1 - pchisq`` reads 0 below about 1e-16."""
    if test is not None and _resolve_test(test, fits[0]) != "Chisq":
        warn_user("only chi-square likelihood-ratio tests are available for negative binomial models "
                  "with theta estimated", GLMStatWarning)
    order = sorted(range(len(fits)), key=lambda k: -fits[k].df_residual)
    fs = [fits[k] for k in order]
    dfs = np.array([f.df_residual for f in fs], dtype=float)
    ll2 = np.array([2 * f.loglik for f in fs])
    df = np.concatenate([[np.nan], dfs[:-1] - dfs[1:]])
    lr = np.concatenate([[np.nan], np.diff(ll2)])
    with np.errstate(invalid="ignore"):
        p = chi2_sf(lr, df)
    sides = [model_sides(f) for f in fs]
    tests = [""] + [f"{k} vs {k + 1}" for k in range(1, len(fs))]
    table = pd.DataFrame({"theta": [f.theta for f in fs], "resid_df": dfs, "twice_loglik": ll2, "test": tests,
                          "df": df, "statistic": lr, "p_value": p},
                         index=pd.Index([rhs for _, rhs in sides], name="model"))
    table.attrs["heading"] = "\n".join(["Likelihood ratio tests of Negative Binomial Models"]
                                       + [f"Response: {lhs}" for lhs in dict.fromkeys(lhs for lhs, _ in sides)])
    table.attrs["test"] = "Chisq"
    table.attrs["r_print"] = "anova_negbin"  # (MASS's print.Anova: Table.to_r)
    return table


# -- single-term deletions ------------------------------------------------------------------------------------
def _factors(label: str) -> frozenset[str]:
    """The variables of an interaction label ``a:b:c``, splitting at ``:`` outside brackets, backtick-quoted
    names and string literals.  A label is R's deparsed text, whose quoted names and strings escape a backtick
    or a quote with a backslash (a column named with a backtick, crossed with b, is labelled with a backslash
    and two backticks before ``:b``), and a string may hold a bracket (``I(g == ")"):b``).  Read as plain
    characters, either was one variable, so ``drop1`` offered to drop a main effect under its interaction."""
    parts, depth, quote, escaped, cur = [], 0, "", False, []
    for ch in label:
        if quote:  # (inside a backtick name or a string: only its closing quote ends it)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "`'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == ":" and depth == 0 and not quote:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return frozenset(parts)


def contained_elsewhere(sets: list[frozenset], strict: bool = False) -> list[bool]:
    """For each of ``sets``, whether another one holds all its members (with ``strict``, another one with
    more members: a set equal to it does not count).

    The sets holding a set's members are the intersection of its members' lists of the sets that hold them,
    smallest first, so that a model of p main effects takes O(p) and not p^2 comparisons of sets (1 s for
    2,000 terms, again in every step of ``step``)."""
    holders: dict[Any, set[int]] = {}
    for j, s in enumerate(sets):
        for v in s:
            holders.setdefault(v, set()).add(j)
    everyone = set(range(len(sets)))
    out = []
    for i, s in enumerate(sets):
        lists = sorted((holders[v] for v in s), key=len)
        common = set(lists[0]).intersection(*lists[1:]) if lists else everyone
        out.append(any(len(sets[j]) > len(s) for j in common) if strict else len(common) > 1)
    return out


def drop_scope(labels: list[str]) -> list[str]:
    """The terms that can be dropped while respecting marginality (R's ``drop.scope``): those whose
    variables are not all contained in another term (``a`` and ``b`` stay while ``a:b`` is in the model)."""
    inside = contained_elsewhere([_factors(t) for t in labels])
    return [t for t, held in zip(labels, inside) if not held]


def _given_scope(fit, scope: Any, labels: list[str]) -> list[str]:
    """The model's term labels named by ``scope`` (R's ``drop1(scope = )``): a list of term labels, or a formula
    whose terms (``.`` the model's, as ``update.formula``) are read as labels; an interaction matches whatever
    the order of its variables.  Any term not in the model is refused, as R's "scope is not a subset of term
    labels"."""
    from .update import fit_columns, updated_formula
    from ..formula.deparse import deparse

    if isinstance(scope, str):
        wanted = [":".join(deparse(v) for v in term) for term in updated_formula(fit, scope, fit_columns(fit)).terms]
    elif isinstance(scope, (list, tuple)) and all(isinstance(t, str) for t in scope):
        wanted = list(scope)
    else:
        raise GLMStatError(f"scope must be a formula such as '~ x1 + x2' or a list of term labels, got {shown(scope)}")
    by_variables = {_factors(t): t for t in labels}
    unknown = [t for t in wanted if _factors(t) not in by_variables]
    if unknown:
        raise GLMStatError(f"scope is not a subset of the model's term labels: {shown_items(unknown, 5)} not among "
                           f"{shown_items(labels, 20)}")
    return list(dict.fromkeys(by_variables[_factors(t)] for t in wanted))


def drop1(fit, test: str = "none", k: float = 2.0, scope: Any = None) -> pd.DataFrame:
    """Single-term deletions, as R's ``drop1.glm``: each droppable term (``drop_scope``) removed in turn, or
    each term of ``scope``.

    Parameters
    ----------
    fit : GLMResults
    test : {"none", "Chisq", "LRT", "F", "Rao"}
    k : float
        Penalty per parameter in the AIC column (2: AIC; log(n): BIC).
    scope : str or list of str, optional
        The terms to drop, as R's ``scope``: a formula (``"~ x1 + x2"``) or term labels.  As in R, these are
        dropped even where marginality would keep them (a main effect under its interaction: the interaction's
        columns stay as they are coded).  Default: every term no other term contains (R's ``drop.scope``).

    Returns
    -------
    DataFrame
        Index ``"<none>"`` then the terms; columns ``df`` (columns dropped), ``deviance`` (of the reduced
        model), ``aic`` (when the family has a likelihood), then ``statistic`` and ``p_value``.
        With L = n log(D / n) for the Gaussian family and D / phi otherwise (phi the full model's
        dispersion, n the number of rows): AIC = L + k rank, shifted so the full model's equals R's
        ``extractAIC`` (for a negative binomial with theta estimated MASS's, which leaves theta out); Chisq:
        statistic max(0, L_i - L_full); Rao: the score statistic over phi; F:
        ((D_i - D_full) / df) / (D_full / df_residual) on (df, df_residual) -- all as R.
    """
    test, k = term_table_arguments(fit, "drop1", test, k)
    labels, assign, _ = _term_map(fit)
    scope = drop_scope(labels) if scope is None else _given_scope(fit, scope, labels)
    n = fit.fit_data.n_rows
    devs, ranks, score = [fit.deviance], [fit.rank], [np.nan]
    # the score of adding back every column is that of the kept ones: an aliased column lies in their span,
    # so it explains nothing more (and a p x p system of mostly aliased columns is p^3 work for each term)
    kept_cols = np.flatnonzero(fit.fit_data.kept)
    for t in scope:
        cols = np.flatnonzero(assign != labels.index(t) + 1)
        sub = refit_columns(fit, cols)
        devs.append(sub.deviance)
        ranks.append(sub.rank)
        if test == "Rao":  # (0 for a term of aliased columns only, dropped without a change: R's is rounding)
            score.append(0.0 if only_aliased_left_out(fit, cols) else rao_statistic(fit, sub, kept_cols, True))
    devs, ranks, score = np.asarray(devs), np.asarray(ranks, dtype=float), np.asarray(score)
    disp = fit.dispersion
    with np.errstate(divide="ignore"):
        loglik = n * np.log(devs / n) if isinstance(fit.family, Gaussian) else devs / disp
    aic = loglik + k * ranks
    edf = n - fit.df_residual
    # R's extractAIC: the fit's AIC + (k - 2) edf; MASS's for glm.nb leaves theta out: -2 loglik + k edf
    base = -2 * fit.loglik + k * edf if fit.theta_se is not None else fit.aic + (k - 2) * edf
    aic = aic + (base - aic[0])
    dfs = ranks[0] - ranks
    dfs[0] = np.nan
    table = pd.DataFrame({"df": dfs, "deviance": devs}, index=pd.Index(["<none>"] + scope, name="term"))
    if not np.all(np.isnan(aic)):
        table["aic"] = aic
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "Chisq" or test == "Rao":
            stat = np.maximum(0.0, loglik - loglik[0]) if test == "Chisq" else np.maximum(0.0, score) / disp
            stat[0] = np.nan
            table["statistic"] = stat
            table["p_value"] = chi2_sf(stat, dfs)
        elif test == "F":
            if fit.family.name in ("binomial", "poisson"):
                warn_user(f"the F test assumes the quasi{fit.family.name} family (an estimated dispersion)",
                          GLMStatWarning)
            rdf = fit.df_residual
            F = (np.maximum(0.0, devs - devs[0]) / dfs) / (devs[0] / rdf)
            F[~(dfs >= 1e-4)] = np.nan
            table["statistic"] = F
            table["p_value"] = f_sf(F, dfs, rdf)
    table.attrs["heading"] = f"Single term deletions\nModel: {model_text(fit)}"
    table.attrs["test"] = test
    # (R's column names and heading: Table.to_r; R names the statistics "scaled" where the dispersion is not 1)
    table.attrs.update(r_print="term_changes", scaled=bool(disp != 1.0))
    return table


# -- likelihood-ratio test ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LRTest:
    """Likelihood-ratio test of two nested models: statistic = 2 |loglik_2 - loglik_1| on
    |k_2 - k_1| degrees of freedom (k: parameters counted by the log-likelihood, as ``lmtest::lrtest``)."""

    statistic: float
    df: int
    p_value: float
    loglik: tuple[float, float]
    df_loglik: tuple[int, int]
    formulas: tuple[str, str]
    # Poisson against a negative binomial with theta estimated: theta = infinity (the Poisson) lies on the
    # boundary, and p is the 50:50 mixture of chi-square tails (Self and Liang 1987)
    boundary: bool = False
    # the models as lmtest prints them after "Model 1: ": R's formula(fit) deparsed (update.model_text)
    models: tuple[str, ...] = ()

    @returns_table
    def to_frame(self) -> pd.DataFrame:
        """lmtest's table: one row per model with df_loglik, loglik, then df, statistic, p_value."""
        return pd.DataFrame({
            "df_loglik": list(self.df_loglik), "loglik": list(self.loglik),
            "df": [np.nan, self.df_loglik[1] - self.df_loglik[0]],
            "statistic": [np.nan, self.statistic], "p_value": [np.nan, self.p_value],
        }, index=pd.Index(list(self.formulas), name="model"))

    def __str__(self) -> str:
        from ..report.hypothesis_tests import lrtest_text

        return lrtest_text(self)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from ..report.hypothesis_tests import lrtest_html

        return lrtest_html(self)


def _poisson_negbin(fits) -> bool:
    """A Poisson model and a negative binomial with theta estimated, with the same link."""
    names = sorted((f.family.name, f.theta_se is not None) for f in fits)
    return names == [("negative.binomial", True), ("poisson", False)] and fits[0].family.link == fits[1].family.link


@single_threaded
def lrtest(fit1, fit2) -> LRTest:
    """Likelihood-ratio test of two nested models of one family fitted to the same rows.

    statistic = 2 |loglik_2 - loglik_1|, df = |k_2 - k_1| with k the parameters the log-likelihood
    counts (coefficients plus the family's scale or theta), p = P(chi2_df > statistic).

    A Poisson model against a negative binomial with theta estimated (same link, the Poisson mean model
    nested in the negative binomial's) is allowed: the Poisson is the limit theta -> infinity, a boundary of
    the parameter space, so the statistic's null distribution is the 50:50 mixture of chi-square with df and
    df - 1 degrees of freedom: p = 1/2 P(chi2_df > statistic) + 1/2 P(chi2_{df-1} > statistic) (with the
    same mean model, df = 1 and p = 1/2 P(chi2_1 > statistic)); ``boundary`` is then True.

    Raises
    ------
    GLMStatError
        For quasi families (no likelihood), non-nested models, different rows, or equal parameter counts.
    """
    fits = (fit1, fit2)
    for f in fits:
        check_ml_fit(f, "lrtest")
        if not np.isfinite(f.loglik):
            raise GLMStatError(f"lrtest needs a likelihood; the {f.family.label} family has none "
                               f"(use anova(m1, m2, test='F') for quasi families)")
    _same_data(fits)
    boundary = _poisson_negbin(fits)
    if not boundary:
        _same_family(fits)
    _check_nested(fits)
    ks = (fit1.df_loglik, fit2.df_loglik)
    if ks[0] == ks[1]:
        raise GLMStatError("the two models have the same number of parameters; a likelihood-ratio test "
                           "compares a model with a bigger one that contains it")
    if boundary and (fit1.family.name == "poisson") != (ks[0] < ks[1]):
        raise GLMStatError("the Poisson model must be the smaller one: its mean model nested in the negative "
                           "binomial's")
    stat = 2.0 * abs(fit2.loglik - fit1.loglik)
    df = abs(ks[1] - ks[0])
    p = float(chi2_sf(stat, df))
    if boundary:
        below = float(chi2_sf(stat, df - 1)) if df > 1 else 0.0  # chi2 with 0 df: a point mass at 0
        p = 0.5 * p + 0.5 * below
    return LRTest(float(stat), int(df), p, (fit1.loglik, fit2.loglik), ks, (fit1.formula, fit2.formula), boundary,
                  (model_text(fit1), model_text(fit2)))
