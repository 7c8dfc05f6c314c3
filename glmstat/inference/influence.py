"""Influence and residual diagnostics of a GLM fit, computed block by block.

Everything here is a function of the row blocks of the design (design, response, prior weights, offset),
the final coefficients and the factor C = (X'WX)^{-1} of the fit (unscaled, kept columns only), plus a few
scalars of the whole fit.  Each block is handled on its own in O(m p^2) for m rows, so the same code runs
per chunk on streamed or dask sources; no n x n matrix is ever formed.

With working weights w_i = a_i (d mu_i / d eta_i)^2 / V(mu_i) (a_i the prior weights) at the final estimate,
phi the dispersion, k the rank, d_i and r_i the deviance and Pearson residuals (R's ``influence.glm``,
``rstandard.glm``, ``rstudent.glm``, ``cooks.distance.glm``, ``dfbeta.lm``, ``dfbetas.lm``):

* leverage            h_i = w_i x_i' C x_i  (set to 1 when h_i >= 1 - 10 eps, as R; near 1 recomputed
                      by the design's rank without row i when near 1, :func:`glmstat.inference.leverage.exact_near_one`)
* standardized        d_i / sqrt(phi (1 - h_i))   (or r_i / sqrt(phi (1 - h_i)) for the Pearson type)
* Cook's distance     (r_i / (1 - h_i))^2 h_i / (phi k)
* leave-one-out sigma s_(i) = sqrt((sum_j d_j^2 - d_i^2 / (1 - h_i)) / (n - k - 1)), n the rows with
  non-zero weight (sqrt(sum_j d_j^2 / (n - k - 1)) when h_i = 1)
* studentized         t_i = sign(d_i) sqrt(d_i^2 + h_i r_i^2 / (1 - h_i)), divided by s_(i) unless the
  family has a fixed dispersion (binomial, Poisson, negative binomial), as the reference defines it
* dfbeta              C x_i sqrt(w_i) d_i / (1 - h_i)   (0 when h_i = 1), R's change in the coefficients
  when row i is dropped (one-step, with the deviance residual as R's ``lm.influence`` uses it)
* dfbetas             dfbeta_ij / (s_(i) sqrt(C_jj))

Infinite values become NaN, as R.  Rows with zero prior weight are not part of the fit: R drops them from
these measures; here they are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import numpy as np
import pandas as pd

from ..design.sources import Block
from ..families import Family
from .leverage import HAT_ONE_TOL, NEAR_ONE, exact_near_one

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = [
    "FitSummary", "Influence", "block_influence", "influence", "HAT_ONE_TOL", "rule_of_thumb_flags",
    "fit_summary", "augment", "influence_summary", "coef_changes",
]


@dataclass(frozen=True)
class FitSummary:
    """The scalars of the whole fit that every block needs.

    ``coef`` holds the kept (non-aliased) coefficients, ``kept`` the mask over the design columns,
    ``cov_unscaled`` the kept x kept factor (X'WX)^{-1}, ``sum_dev2`` the sum of squared deviance residuals
    (the deviance), ``n_ok`` the rows with non-zero weight and ``rank`` the number of kept columns.
    """

    family: Family
    coef: np.ndarray
    kept: np.ndarray
    cov_unscaled: np.ndarray
    dispersion: float
    sum_dev2: float
    n_ok: int
    rank: int


@dataclass(frozen=True)
class Influence:
    """Per-row influence measures (NaN for rows with zero prior weight)."""

    hat: np.ndarray
    cooks_d: np.ndarray
    std_resid_deviance: np.ndarray
    std_resid_pearson: np.ndarray
    student_resid: np.ndarray
    sigma: np.ndarray
    dfbeta: np.ndarray | None = None  # n x k (kept columns), only when asked for
    dfbetas: np.ndarray | None = None


def _nan_inf(x: np.ndarray) -> np.ndarray:
    return np.where(np.isinf(x), np.nan, x)


def _working(block: Block, fit: FitSummary):
    """eta, mu, V(mu) and the working weights of a block at the estimate (zero where the weight is 0)."""
    fam, link, kept = fit.family, fit.family.link, fit.kept
    beta = np.zeros(kept.size)
    beta[kept] = fit.coef
    with np.errstate(all="ignore"):
        eta = block.X @ beta + block.offset
        mu = link.inverse(eta)
        mu_eta = link.mu_eta(eta)
        var = fam.variance(mu)
        w = np.where(block.weights > 0, block.weights * mu_eta * mu_eta / var, 0.0)
    return eta, mu, var, w


def block_influence(block: Block, fit: FitSummary, coef_changes: bool = False,
                    hat: np.ndarray | None = None) -> Influence:
    """Influence measures for the rows of one block; see the module docstring for the formulas.

    ``hat`` replaces the block's leverages (as decided exactly by :func:`influence` near 1).
    """
    fam = fit.family
    X, kept = block.X, fit.kept
    a = block.weights
    pos = a > 0
    eta, mu, var, w = _working(block, fit)
    with np.errstate(all="ignore"):
        if coef_changes or isinstance(X, np.ndarray):
            Xk = np.asarray(X)[:, kept]
            A = Xk * np.sqrt(w)[:, None]  # rows sqrt(w_i) x_i'
            B = A @ fit.cov_unscaled  # rows sqrt(w_i) x_i' C
            h = np.einsum("ij,ij->i", B, A)
        else:  # a structured block: x_i' C x_i without dummy columns
            C = np.zeros((kept.size, kept.size))
            C[np.ix_(kept, kept)] = fit.cov_unscaled
            h = w * X.quadratic_form(C)(X)
        h = np.where(h >= 1 - HAT_ONE_TOL, 1.0, h) if hat is None else hat
        d = fam.deviance_residuals(block.y, mu, a)
        r = (block.y - mu) * np.sqrt(a) / np.sqrt(var)
        one_h = 1.0 - h
        phi, k = fit.dispersion, fit.rank
        std_d = _nan_inf(d / np.sqrt(phi * one_h))
        std_r = _nan_inf(r / np.sqrt(phi * one_h))
        cooks = _nan_inf((r / one_h) ** 2 * h / (phi * k))
        denom = fit.n_ok - k - 1
        sigma = np.sqrt(np.where(h < 1, fit.sum_dev2 - d * d / one_h, fit.sum_dev2) / denom)
        t = _nan_inf(np.sign(d) * np.sqrt(d * d + h * r * r / one_h))
        if not fam.fixed_dispersion:
            t = t / sigma
    nan = np.where(pos, 0.0, np.nan)  # + nan: NaN where the weight is zero, the value elsewhere
    out = dict(hat=h + nan, cooks_d=cooks + nan, std_resid_deviance=std_d + nan,
               std_resid_pearson=std_r + nan, student_resid=t + nan, sigma=sigma + nan)
    if coef_changes:
        with np.errstate(all="ignore"):
            scale = np.where(h < 1, d / one_h, 0.0)
            dfb = B * scale[:, None] + nan[:, None]
            dfbs = dfb / (sigma[:, None] * np.sqrt(np.diag(fit.cov_unscaled))[None, :])
        out.update(dfbeta=dfb, dfbetas=dfbs)
    return Influence(**out)


def influence(blocks: Iterable[Block], fit: FitSummary, coef_changes: bool = False) -> Influence:
    """Influence measures for every row, one block at a time (rows in the order of the blocks).

    Parameters
    ----------
    blocks : iterable of Block
        The rows the model was fitted to (``weights`` = prior weights times binomial trials).
    fit : FitSummary
        Final coefficients, (X'WX)^{-1} and the fit's scalars.
    coef_changes : bool
        Also compute ``dfbeta`` and ``dfbetas`` (n x rank each).
    """
    blocks = list(blocks)
    parts = [block_influence(b, fit, coef_changes) for b in blocks]
    h = np.concatenate([p.hat for p in parts]) if parts else np.zeros(0)
    starts = np.cumsum([0] + [b.y.shape[0] for b in blocks])
    if np.any((h < 1.0) & (h > 1.0 - NEAR_ONE)):  # leverages near 1 are decided exactly (rare)
        def xw():
            return ((s, b.X, _working(b, fit)[3]) for s, b in zip(starts, blocks))

        exact = exact_near_one(np.nan_to_num(h), xw, fit.kept)
        exact = np.where(np.isnan(h), h, exact)
        for k, b in enumerate(blocks):
            sl = slice(starts[k], starts[k + 1])
            if not np.array_equal(exact[sl], h[sl], equal_nan=True):
                parts[k] = block_influence(b, fit, coef_changes, hat=np.nan_to_num(exact[sl]))
    fields = ["hat", "cooks_d", "std_resid_deviance", "std_resid_pearson", "student_resid", "sigma"]
    if coef_changes:
        fields += ["dfbeta", "dfbetas"]
    return Influence(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})


def rule_of_thumb_flags(cooks_d: np.ndarray, hat: np.ndarray, student: np.ndarray, nobs: int,
                        rank: int) -> dict[str, np.ndarray]:
    """Which rows exceed the usual rules of thumb: Cook's D > 4/n, leverage > 2p/n, |rstudent| > 2."""
    with np.errstate(invalid="ignore"):
        return {
            "cooks_d > 4/n": cooks_d > 4.0 / nobs,
            "hat > 2p/n": hat > 2.0 * rank / nobs,
            "|student_resid| > 2": np.abs(student) > 2.0,
        }


# -- views on a results object ------------------------------------------------------------------------


def fit_summary(fit: "GLMResults") -> FitSummary:
    """The :class:`FitSummary` of a fitted model."""
    st = fit._state
    k = np.flatnonzero(st.kept)
    return FitSummary(
        family=fit.family, coef=st.coef[k], kept=st.kept.copy(), cov_unscaled=st.cov_unscaled[np.ix_(k, k)],
        dispersion=fit.dispersion, sum_dev2=st.deviance, n_ok=st.n_ok, rank=fit.rank,
    )


def augment(fit: "GLMResults") -> pd.DataFrame:
    """Per used row: fitted, linear_predictor, the four residuals, hat, cooks_d, std_resid (deviance
    type), student_resid."""
    inf = fit._influence
    cols = {
        "fitted": fit.fitted_values.to_numpy(),
        "linear_predictor": fit.linear_predictor.to_numpy(),
        **{f"resid_{k}": fit.residuals(k).to_numpy() for k in ("deviance", "pearson", "working", "response")},
        "hat": inf.hat, "cooks_d": inf.cooks_d, "std_resid": inf.std_resid_deviance,
        "student_resid": inf.student_resid,
    }
    return pd.DataFrame(cols, index=fit.rows_used)


def influence_summary(fit: "GLMResults") -> pd.DataFrame:
    """Rows above at least one rule of thumb, with the measures and the rules they break."""
    inf = fit._influence
    flags = rule_of_thumb_flags(inf.cooks_d, inf.hat, inf.student_resid, fit.nobs, fit.rank)
    any_flag = np.logical_or.reduce(list(flags.values()))
    idx = np.flatnonzero(any_flag)
    rules = ["; ".join(name for name, f in flags.items() if f[i]) for i in idx]
    return pd.DataFrame({
        "cooks_d": inf.cooks_d[idx], "hat": inf.hat[idx], "student_resid": inf.student_resid[idx],
        "rules": rules,
    }, index=fit.rows_used[idx])


def coef_changes(fit: "GLMResults", scaled: bool = False) -> pd.DataFrame:
    """dfbeta (or dfbetas when ``scaled``): one row per used row, one column per coefficient (NaN where
    aliased or where the row has zero weight)."""
    inf = influence(fit._source.blocks(), fit_summary(fit), coef_changes=True)
    vals = inf.dfbetas if scaled else inf.dfbeta
    out = np.full((vals.shape[0], len(fit.column_names)), np.nan)
    out[:, fit._state.kept] = vals
    return pd.DataFrame(out, index=fit.rows_used, columns=fit.column_names)
