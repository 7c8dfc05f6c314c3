"""Influence and residual diagnostics of a GLM fit, computed block by block.

Everything here is a function of the fit's row blocks (design, response, prior weights, offset), the final
coefficients and C = (X'WX)^{-1} (unscaled, zero where aliased), plus a few scalars of the whole fit -- the
:class:`~glmstat.inference.fitdata.FitData`.  Each block is handled on its own through the design interface
(x_i' C x_i from ``quadratic_diag``: a structured design is never expanded), with the working weights and
residuals from the engine's per-row kernel, so the same code runs per chunk on streamed or dask sources; no
n x n matrix is ever formed.  Leverages and Cook's distances have this one implementation.

With working weights w_i = a_i (d mu_i / d eta_i)^2 / V(mu_i) (a_i the prior weights) at the final estimate
(with ``convergence="R"``: at the coefficients C was made at, the start of R's last iteration, as R's QR),
phi the dispersion, k the rank, d_i and r_i the deviance and Pearson residuals (R's ``influence.glm``,
``rstandard.glm``, ``rstudent.glm``, ``cooks.distance.glm``, ``dfbeta.lm``, ``dfbetas.lm``):

* leverage            h_i = w_i x_i' C x_i  (set to 1 when h_i >= 1 - 10 eps, as R; w_i ||x_i' R^{-1}||^2 from
  the QR factor R of sqrt(W) X, as R's, where C is too ill-conditioned for the quadratic form:
  :mod:`~glmstat.inference.covariance_factor`); for rows the optimum holds on an edge of the domain with their
  response (:func:`~glmstat.engine.edge_approach.on_pulled_edge`: a log-link probability of 1 for a row of
  successes, a level of zero counts fitted at 0 by an identity link), their limit there, the leverages of those
  rows alone (:func:`pinned_leverages`: 1 for a row alone in its direction, 1/m for m rows sharing one); within
  ``NEAR_ONE`` of 1 from the factor of the other rows (:func:`exact_near_one`: 1 - h_i to its own relative
  accuracy, as the measures below divide by it)
* standardized        d_i / sqrt(phi (1 - h_i))   (or r_i / sqrt(phi (1 - h_i)) for the Pearson type)
* Cook's distance     (r_i / (1 - h_i))^2 h_i / (phi k)
* leave-one-out sigma s_(i) = sqrt((sum_j d_j^2 - d_i^2 / (1 - h_i)) / (n - k - 1)), n the rows with
  non-zero weight (sqrt(sum_j d_j^2 / (n - k - 1)) when h_i = 1; NaN when n - k - 1 <= 0)
* studentized         t_i = sign(d_i) sqrt(d_i^2 + h_i r_i^2 / (1 - h_i)), divided by s_(i) unless the
  family has a fixed dispersion (binomial, Poisson, negative binomial), as the reference defines it
* dfbeta              C x_i sqrt(w_i) d_i / (1 - h_i)   (0 when h_i = 1; C x_i as F (F' x_i) where C = F F' is
  ill-conditioned), R's change in the coefficients
  when row i is dropped (one-step, with the deviance residual as R's ``lm.influence`` uses it)
* dfbetas             dfbeta_ij / (s_(i) sqrt(C_jj))
* dffit               d_i sqrt(h_i) / (s_(i) (1 - h_i)),  covratio  (s_(i) / s)^(2k) / (1 - h_i),
  s = sqrt(sum_j d_j^2 / df_residual): R's ``influence.measures``, which flags a row whose |dfbetas| > 1,
  |dffit| > 3 sqrt(k / (n - k)), |1 - covratio| > 3k / (n - k), F_{k, n-k}(Cook's D) > 0.5 or h_i > 3k / n
  (n the rows with h_i > 0)

Infinite values become NaN, as R.  Rows with zero prior weight are not part of the fit: R drops them from
these measures; here they are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import numpy as np
import pandas as pd

from ..design.sources import Block
from ..engine.kernel import kernel_for
from ..engine.aliasing import aliased_in_order
from ..engine.edge_approach import on_pulled_edge
from ..engine.linalg import GRAM_MAX_COND, QRReducer
from ..engine.threads import single_threaded_blas
from .._scipy import linalg as sla
from ..distributions import f_sf
from ..errors import GLMStatError
from .covariance_factor import block_leverages, leverage_weights, with_cov_factor
from .fitdata import FitData

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = [
    "Influence", "block_influence", "influence", "exact_near_one", "HAT_ONE_TOL", "NEAR_ONE", "rule_of_thumb_flags",
    "augment_table",
    "influence_summary", "coef_changes", "influence_measures", "pinned_leverages", "block_held_rows", "held_rows",
]

#: R's ``lm.influence`` sets a leverage to exactly 1 when it is within this of 1.
HAT_ONE_TOL = 10 * np.finfo(float).eps
#: Leverages within this of 1 are checked structurally (:func:`exact_near_one`).  The direct
#: h_i = W_i x_i' C x_i carries a rounding error of about eps times the condition number of the equilibrated
#: X'WX, which the engine keeps below GRAM_MAX_COND on its Cholesky path (C comes from the QR factor
#: otherwise): a row that is the only one with weight in some direction (a factor level with one row) has
#: h_i = 1 exactly, yet computes as 1 - 3e-15 at a condition number of 1e3, and 1 - 3e-7 at 1e8.
NEAR_ONE = 10 * np.finfo(float).eps * GRAM_MAX_COND
#: Rows per block of the per-row quantities (a fit with more rows is read in blocks of this many).
BLOCK_ROWS = 8192
_FIELDS = ("hat", "cooks_d", "std_resid_deviance", "std_resid_pearson", "student_resid", "sigma", "deviance_resid")


@dataclass(frozen=True)
class Influence:
    """Per-row influence measures (NaN for rows with zero prior weight); ``hat`` and ``cooks_d`` always,
    the others when asked for (``full``)."""

    hat: np.ndarray
    cooks_d: np.ndarray
    std_resid_deviance: np.ndarray | None = None
    std_resid_pearson: np.ndarray | None = None
    student_resid: np.ndarray | None = None
    sigma: np.ndarray | None = None
    deviance_resid: np.ndarray | None = None
    dfbeta: np.ndarray | None = None  # n x k (kept columns), only when asked for
    dfbetas: np.ndarray | None = None
    #: rows of the block held on a pulled edge (their leverages are those rows' alone: :func:`pinned_leverages`)
    n_held: int = 0


def _nan_inf(x: np.ndarray) -> np.ndarray:
    return np.where(np.isinf(x), np.nan, x)


def block_influence(block: Block, fd: FitData, kernel, full: bool = True, coef_changes: str | None = None,
                    hat: np.ndarray | None = None) -> Influence:
    """Influence measures for the rows of one block; see the module docstring for the formulas.

    ``coef_changes`` ("dfbeta" or "dfbetas") adds that table; ``hat`` replaces the block's leverages (as
    decided exactly near 1 by :func:`influence`).
    """
    fam = fd.family
    a = block.weights
    pos = a > 0
    nan = np.where(pos, 0.0, np.nan)  # + nan: NaN where the weight is zero, the value elsewhere
    with np.errstate(all="ignore"):
        eta = block.X.matvec(fd.beta) + block.offset
        wk = kernel(block.y, a, eta)
        W = leverage_weights(block, fd, kernel, wk.W)
        n_held = 0
        if hat is None:
            h = block_leverages(block, fd, W)
            h = np.where(h >= 1 - HAT_ONE_TOL, 1.0, h)
            pinned = on_pulled_edge(fam, block.y, a, wk.mu)  # (held on an edge by the optimum: their limit)
            if pinned is not None and pinned.any():
                rows = np.flatnonzero(pinned)
                h[rows] = pinned_leverages(block.X.take(rows).toarray()[:, fd.kept], W[rows])
                n_held = rows.size
        else:
            h = hat
        r = wk.pearson_residuals(block.y)
        one_h = 1.0 - h
        phi, k = fd.dispersion, fd.rank
        cooks = _nan_inf((r / one_h) ** 2 * h / (phi * k))
        if not full and not coef_changes:
            return Influence(hat=h + nan, cooks_d=cooks + nan, n_held=n_held)
        d = fam.deviance_residuals(block.y, wk.mu, a)
        std_d = _nan_inf(d / np.sqrt(phi * one_h))
        std_r = _nan_inf(r / np.sqrt(phi * one_h))
        denom = fd.n_ok - k - 1
        # (with one residual df, or none, no leave-one-out dispersion exists: x / 0, whose sign -- the rounding of
        # a numerator that is exactly 0 for a constant-variance family -- made R's rstudent 0 or NaN)
        sigma = np.sqrt(np.where(h < 1, fd.deviance - d * d / one_h, fd.deviance) / denom) if denom > 0 \
            else np.full(d.shape, np.nan)
        t = _nan_inf(np.sign(d) * np.sqrt(d * d + h * r * r / one_h))
        if not fam.fixed_dispersion:
            t = t / sigma
    out = dict(hat=h + nan, cooks_d=cooks + nan, std_resid_deviance=std_d + nan, std_resid_pearson=std_r + nan,
               student_resid=t + nan, sigma=sigma + nan, deviance_resid=d + nan, n_held=n_held)
    if coef_changes:
        kept = fd.kept
        with np.errstate(all="ignore"):
            F = fd.cov_factor  # (C = F F' where C is too ill-conditioned for x'C: (x'F) F', as R's QR gives it)
            B = block.X.matmat(fd.cov_zeroed[:, kept]) if F is None else block.X.matmat(F) @ F[kept].T
            B *= np.sqrt(W)[:, None]  # rows sqrt(w_i) x_i' C, in place
            scale = np.where(h < 1, d / one_h, 0.0)
            B *= (scale + nan)[:, None]  # dfbeta, in place: the table is n x rank, its copies would be too
            if coef_changes == "dfbetas":
                B /= sigma[:, None] * np.sqrt(np.diag(fd.cov_kept))[None, :]
        out[coef_changes] = B
    return Influence(**out)


def pinned_leverages(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """The leverages' limit of rows the optimum holds on an edge that pulls across it (:func:`on_pulled_edge`), as
    their working weights ``W`` grow without bound and the other rows' stay finite: the leverages of those rows
    alone, w_i x_i' (X' W X)^+ x_i (``X`` their design rows, kept columns; weights relative to the largest, an
    infinite one 1 and the finite ones 0).  1 for a row that is the only one held in its direction (a log-link
    probability of 1 for one row of successes); 1/m for each of m rows held in one direction with equal weights (a
    factor level of m zero counts fitted at 0 by a Poisson identity link, whose leverage is 1/m at any weight:
    R's; random s792_0329, fixtures/influence_zero_cell)."""
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(W)
        s = bad.astype(float) if bad.any() else W / W.max()
        A = np.sqrt(s)[:, None] * X
    if not np.all(np.isfinite(A)) or not A.size:
        return np.ones(W.shape[0])
    U, sv, _ = np.linalg.svd(A, full_matrices=False)
    rank = int(np.sum(sv > sv[0] * max(A.shape) * np.finfo(float).eps)) if sv[0] > 0 else 0
    h = np.einsum("ij,ij->i", U[:, :rank], U[:, :rank])
    return np.where(h >= 1.0 - HAT_ONE_TOL, 1.0, h)


def influence(fd: FitData, full: bool = True, coef_changes: str | None = None) -> Influence:
    """Influence measures for every row, one block at a time (rows in the order of the blocks).

    Parameters
    ----------
    fd : FitData
    full : bool
        Also the standardized and studentized residuals and the leave-one-out sigma (``False``: leverages
        and Cook's distances only).
    coef_changes : {None, "dfbeta", "dfbetas"}
        Also that n x rank table (the other one is not computed).
    """
    parts = _parts(with_cov_factor(fd), full, coef_changes)
    fields = list(_FIELDS if (full or coef_changes) else _FIELDS[:2])
    if coef_changes:
        fields.append(coef_changes)
    return Influence(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})


def _parts(fd: FitData, full: bool, coef_changes: str | None) -> list[Influence]:
    """:func:`influence`'s measures block by block."""
    kernel = kernel_for(fd.family)
    with single_threaded_blas():  # block-sized products: threads only contend
        # (one block at a time: a streamed fit's rows are never all held)
        parts = [block_influence(b, fd, kernel, full, coef_changes) for b in _blocks(fd)]
        if sum(p.n_held > 0 for p in parts) > 1:  # (held rows in several blocks: their leverages from all)
            parts = _pinned_across_blocks(parts, fd, kernel, full, coef_changes)
        h = np.concatenate([p.hat for p in parts]) if parts else np.zeros(0)
        if np.any((h < 1.0) & (h > 1.0 - NEAR_ONE)):  # leverages near 1 are decided exactly (rare)
            blocks = list(_blocks(fd))
            starts = np.cumsum([0] + [b.y.shape[0] for b in blocks])
            exact = exact_near_one(np.nan_to_num(h), blocks, starts, fd, kernel)
            exact = np.where(np.isnan(h), h, exact)
            for k, b in enumerate(blocks):
                sl = slice(starts[k], starts[k + 1])
                if not np.array_equal(exact[sl], h[sl], equal_nan=True):
                    parts[k] = block_influence(b, fd, kernel, full, coef_changes, hat=np.nan_to_num(exact[sl]))
    return parts


def block_held_rows(b: Block, fd: FitData, kernel) -> np.ndarray | None:
    """The rows of a block the optimum holds on an edge that pulls across it (:func:`on_pulled_edge`), or None
    where the family has no such edge."""
    with np.errstate(all="ignore"):
        mu = kernel(b.y, b.weights, b.X.matvec(fd.beta) + b.offset).mu
    return on_pulled_edge(fd.family, b.y, b.weights, mu)


def held_rows(fd: FitData) -> np.ndarray:
    """:func:`block_held_rows` of every row (in the order of the blocks), False where the family has no such
    edge."""
    kernel = kernel_for(fd.family)
    parts = [block_held_rows(b, fd, kernel) for b in _blocks(fd)]
    return np.concatenate([np.zeros(b.y.shape[0], dtype=bool) if p is None else p
                           for p, b in zip(parts, _blocks(fd))]) if parts else np.zeros(0, dtype=bool)


def _pinned_across_blocks(parts: list[Influence], fd: FitData, kernel, full: bool,
                          coef_changes: str | None) -> list[Influence]:
    """``parts`` with the leverages of the rows held on a pulled edge (:func:`pinned_leverages`) taken from all of
    them where they lie in more than one block (a block alone sees only its own: two of a level's four zero counts
    would read 1/2, not 1/4)."""
    found = []  # (block number, its held rows, their design rows and weights)
    for k, b in enumerate(_blocks(fd)):
        held = block_held_rows(b, fd, kernel) if parts[k].n_held else None
        if held is not None and held.any():
            rows = np.flatnonzero(held)
            with np.errstate(all="ignore"):
                W = leverage_weights(b, fd, kernel, kernel(b.y, b.weights, b.X.matvec(fd.beta) + b.offset).W)[rows]
            found.append((k, rows, b.X.take(rows).toarray()[:, fd.kept], W))
    if len(found) < 2:
        return parts
    h = pinned_leverages(np.vstack([f[2] for f in found]), np.concatenate([f[3] for f in found]))
    ends = np.cumsum([f[1].size for f in found])
    new = {k: (rows, h[end - rows.size:end]) for (k, rows, _, _), end in zip(found, ends)}
    for k, b in enumerate(_blocks(fd)):
        if k in new:
            hat = np.nan_to_num(parts[k].hat)
            hat[new[k][0]] = new[k][1]
            parts[k] = block_influence(b, fd, kernel, full, coef_changes, hat=hat)
    return parts


def exact_near_one(h: np.ndarray, blocks: list[Block], starts: np.ndarray, fd: FitData, kernel) -> np.ndarray:
    """The leverages ``h`` with R's rule applied and every one within ``NEAR_ONE`` of 1 decided structurally,
    or else recomputed without cancellation.

    h_i = 1 exactly when row i is the only row with weight in some direction of the column space, that is
    when the weighted design without row i loses rank.  That is decided as the engine decides aliasing (R's
    QR rule, ``ALIAS_TOL``): the triangular factor R_(i) of sqrt(W) X over the other rows, some kept column of
    which is then aliased.  Otherwise, with v solving R_(i)' v = sqrt(w_i) x_i,

        h_i / (1 - h_i) = w_i x_i' (X_(i)' W_(i) X_(i))^{-1} x_i = ||v||^2,   h_i = ||v||^2 / (1 + ||v||^2),

    whose 1 - h_i = 1 / (1 + ||v||^2) is accurate relative to itself: the quadratic form's h_i carries an
    absolute error of about eps cond(X'WX) (1e-12 at a condition number of 2e5), which Cook's distance, the
    standardized and studentized residuals divide by 1 - h_i (1.7e-6: 1.3e-6 of a Cook's distance of 4470;
    R's QR gives its leverage to a few eps).  Leverages within 10 eps of 1 are 1 (R's ``lm.influence``).
    """
    out = np.where(h >= 1.0 - HAT_ONE_TOL, 1.0, h)
    k = np.flatnonzero(fd.kept)
    weights = []
    for b in blocks:
        with np.errstate(all="ignore"):
            weights.append(leverage_weights(b, fd, kernel, kernel(b.y, b.weights, b.X.matvec(fd.beta) + b.offset).W))
    for i in np.flatnonzero((h > 1.0 - NEAR_ONE) & (h < 1.0 - HAT_ONE_TOL)):
        red = QRReducer(k.size)
        x_i = w_i = None
        for start, b, W in zip(starts, blocks, weights):
            m = b.y.shape[0]
            if start <= i < start + m:
                j = i - start
                x_i, w_i = b.X.select(k).rows(j, j + 1).toarray().ravel(), W[j]
                W = W.copy()
                W[j] = 0.0
            red.add(b.X.select(k), W, np.zeros(m))
        if aliased_in_order(red.R[:, : k.size]).any():
            out[i] = 1.0
            continue
        R = red.R[: k.size, : k.size]
        with np.errstate(all="ignore"):
            v = sla.solve_triangular(R, np.sqrt(w_i) * x_i, trans="T")
            q = float(v @ v)
        if np.isfinite(q):
            out[i] = 1.0 if q / (1.0 + q) >= 1.0 - HAT_ONE_TOL else q / (1.0 + q)
    return out


def _blocks(fd: FitData) -> Iterator[Block]:
    """The fit's rows in cache-sized blocks (the per-row temporaries of a block stay small): each block of the
    source (rows in memory, a Parquet row group, a dask partition) cut into pieces of at most ``BLOCK_ROWS``."""
    for block in fd.source.blocks():
        n = block.y.shape[0]
        if n <= BLOCK_ROWS:
            yield block
            continue
        for a, b, X in block.X.row_blocks(BLOCK_ROWS):
            yield Block(X, block.y[a:b], block.weights[a:b], block.trials[a:b], block.offset[a:b],
                        index=None if block.index is None else block.index[a:b],
                        start_weights=None if block.start_weights is None else block.start_weights[a:b])


def rule_of_thumb_flags(cooks_d: np.ndarray, hat: np.ndarray, student: np.ndarray, nobs: int,
                        rank: int) -> dict[str, np.ndarray]:
    """Which rows exceed the usual rules of thumb: Cook's D > 4/n, leverage > 2p/n, |rstudent| > 2."""
    with np.errstate(invalid="ignore"):
        return {
            "cooks_d > 4/n": cooks_d > 4.0 / nobs,
            "hat > 2p/n": hat > 2.0 * rank / nobs,
            "|student_resid| > 2": np.abs(student) > 2.0,
        }


# -- tables of the per-row measures ----------------------------------------------------------------------


def augment_table(inf: Influence, fitted: np.ndarray, eta: np.ndarray, residuals: dict[str, np.ndarray],
                  index: pd.Index) -> pd.DataFrame:
    """Per used row (labelled by ``index``): fitted, linear_predictor, the four residuals (``residuals`` by
    kind: deviance, pearson, working, response), hat, cooks_d, std_resid (deviance type), student_resid."""
    cols = {
        "fitted": fitted,
        "linear_predictor": eta,
        **{f"resid_{k}": residuals[k] for k in ("deviance", "pearson", "working", "response")},
        "hat": inf.hat, "cooks_d": inf.cooks_d, "std_resid": inf.std_resid_deviance,
        "student_resid": inf.student_resid,
    }
    return pd.DataFrame(cols, index=index)


def influence_summary(inf: Influence, nobs: int, rank: int, index: pd.Index) -> pd.DataFrame:
    """Rows above at least one rule of thumb, with the measures and the rules they break."""
    flags = rule_of_thumb_flags(inf.cooks_d, inf.hat, inf.student_resid, nobs, rank)
    any_flag = np.logical_or.reduce(list(flags.values()))
    idx = np.flatnonzero(any_flag)
    rules = ["; ".join(name for name, f in flags.items() if f[i]) for i in idx]
    return pd.DataFrame({
        "cooks_d": inf.cooks_d[idx], "hat": inf.hat[idx], "student_resid": inf.student_resid[idx],
        "rules": rules,
    }, index=index[idx])


def _refuse_dense_table(fit: "GLMResults", cols: int, what: str) -> None:
    """Refuse a table of a row per used row and ``cols`` numbers each that would take more than the formula
    limits' ``max_design_bytes``, before it is allocated: a wide factor's design is fitted as its codes, so
    a fit of 300,000 rows and a 3,000-level factor takes megabytes, where its rows x coefficients table takes
    7 GB (a raw MemoryError, or the machine's memory)."""
    from ..formula.limits import refuse_dense
    from .fit_access import formula_limits

    rows = fit.fit_data.n_rows
    refuse_dense(f"{what} of {rows:,} rows and {cols:,} columns", 8 * rows * cols, formula_limits(fit).max_design_bytes,
                 "fit fewer rows, or raise the limit (glm(..., limits=FormulaLimits(max_design_bytes=...)))")


def coef_changes(fit: "GLMResults", scaled: bool = False) -> pd.DataFrame:
    """dfbeta (or dfbetas when ``scaled``): one row per used row, one column per coefficient (NaN where
    aliased or where the row has zero weight).  Refused beyond ``max_design_bytes``
    (:func:`_refuse_dense_table`)."""
    name = "dfbetas" if scaled else "dfbeta"
    _refuse_dense_table(fit, len(fit.column_names), f"the {name} table")
    fd = with_cov_factor(fit.fit_data)
    # the leverages first (decided exactly near 1), then each block's changes straight into the table: the
    # n x p table is the only one held, never also a copy of it in block parts
    hat = np.nan_to_num(np.concatenate([p.hat for p in _parts(fd, False, None)]))
    out = np.full((hat.shape[0], len(fit.column_names)), np.nan)
    kept = np.flatnonzero(fd.kept)
    kernel = kernel_for(fd.family)
    start = 0
    with single_threaded_blas():
        for b in _blocks(fd):
            stop = start + b.y.shape[0]
            part = block_influence(b, fd, kernel, False, name, hat=hat[start:stop])
            out[start:stop, kept] = getattr(part, name)
            start = stop
    return pd.DataFrame(out, index=fit.rows_used, columns=fit.column_names, copy=False)


def influence_measures(fit: "GLMResults") -> pd.DataFrame:
    """R's ``influence.measures``: per used row the dfbetas of each kept coefficient (``dfb_<name>``), dffit,
    cov_ratio, cooks_d and hat (module docstring), ``influential`` where R's rules flag some measure and
    ``flagged`` naming those measures (NaN and unflagged for rows of zero weight, which R leaves out).
    Refused beyond ``max_design_bytes`` (:func:`_refuse_dense_table`), and, as R refuses it, where the rows of
    positive leverage are no more than the coefficients (no residual df: fixtures/influence_too_few_cases)."""
    _refuse_dense_table(fit, int(np.count_nonzero(fit.fit_data.kept)) + 4, "the influence measures table")
    # the residual measures in one pass; the dfbetas written by coef_changes straight into their table, which
    # is held once (taken from the blocks' parts, concatenated and copied by pandas it was held three times)
    inf = influence(fit.fit_data, full=True)
    kept = np.asarray(fit.fit_data.kept, dtype=bool)
    dfbetas = coef_changes(fit, scaled=True)
    if not kept.all():  # (the aliased columns' NaN left out, as R's table has none)
        dfbetas = dfbetas.iloc[:, np.flatnonzero(kept)]
    dfbetas.columns = [f"dfb_{c}" for c in dfbetas.columns]
    h, si, d = inf.hat, inf.sigma, inf.deviance_resid
    k = fit.rank
    with np.errstate(all="ignore"):
        s = np.sqrt(np.nansum(d * d) / fit.df_residual)
        dffit = _nan_inf(d * np.sqrt(h) / (si * (1.0 - h)))
        cov_ratio = _nan_inf((si / s) ** (2 * k) / (1.0 - h))
        n = int(np.count_nonzero(h > 0))
        if n <= k:  # (R's is.influential: "too few cases i with h_ii > 0), n < k"; its rules divide by n - k)
            raise GLMStatError(f"too few rows of positive leverage ({n}) for {k} coefficients: no residual df to "
                               f"judge influence by (R's influence.measures refuses it too)")
        measures = dict(dffit=dffit, cov_ratio=cov_ratio, cooks_d=inf.cooks_d, hat=h)
        rules = dict(dffit=np.abs(dffit) > 3.0 * np.sqrt(k / (n - k)),
                     cov_ratio=np.abs(1.0 - cov_ratio) > 3.0 * k / (n - k),
                     cooks_d=f_sf(inf.cooks_d, k, n - k) < 0.5, hat=h > 3.0 * k / n)
        values = dfbetas.to_numpy()  # (a view: one dtype; |v| > 1 without an n x p float temporary)
        flags = np.hstack([(values > 1.0) | (values < -1.0), np.column_stack(list(rules.values()))])
    names = list(dfbetas.columns) + list(rules)
    table = dfbetas
    for name, values in measures.items():
        table[name] = values
    table["influential"] = flags.any(axis=1)
    table["flagged"] = [", ".join(names[j] for j in np.flatnonzero(row)) for row in flags]
    from ..report.call import call_lines

    # (what R's print.infl shows: the call, as deparse() writes it, and the dfbetas' coefficients: Table.to_r)
    table.attrs.update(r_print="infl", call=call_lines(fit), coefficients=[str(c)[4:] for c in dfbetas.columns])
    return table
