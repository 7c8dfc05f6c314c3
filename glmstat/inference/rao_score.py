"""R's score (Rao) statistic of adding columns to a submodel, as ``anova.glm``, ``drop1.glm`` and ``add1.glm``
compute it with ``test = "Rao"``: the weighted regression of the submodel's working residuals r on the bigger
model's columns X with its working weights W (``glm.fit(X, r, W)``), S = null minus residual weighted sum of squares
= r'WX (X'WX)^- X'Wr.  The residual sum of squares comes from the QR of the rows where their rank decisions matter
(R's, which X'WX's squared condition number can blur), from X'WX where it is well conditioned."""

from __future__ import annotations

import math
import operator
from functools import partial
from typing import Callable

import numpy as np

from ..design.base import TRIANGLE_MAX_COLUMNS, Design
from ..design.sources import fold
from ..engine.kernel import kernel_for
from ..engine.linalg import conditioned_normal_solutions, score_triangle
from ..engine.passes import (add_partialled, add_score_parts, add_triangles, partialled_triangle, score_part,
                             score_partialled_part, score_rss_part, score_triangle_part)
from ..engine.scoring_pass import covariance_weights_eta
from ..errors import AliasingWarning, GLMStatError, warn_user
from .._arguments import shown
from .covariance_factor import covariance_weights
from .submodels import Submodel, zero_nan

__all__ = ["rao_statistic", "models_score", "ROWS_QR_MAX_FLOPS", "UNRESOLVED_RCOND"]


def _weights_eta(b, family, cols: np.ndarray, beta: np.ndarray | None, at_start: bool) -> np.ndarray:
    """The linear predictor of a block's rows at which a submodel on the columns ``cols`` evaluated the working
    weights of its last iteration: X_cols beta + offset, or the link of the family's starting means."""
    if at_start:
        return covariance_weights_eta(b, family, None, at_start=True)
    return b.X.select(cols).matvec(beta) + b.offset if cols.size else b.offset


def _sub_weights_eta(fit, sub: Submodel):
    """:func:`_weights_eta` for ``sub`` as a function of a block, or None when its weights are those at its
    estimate (a fit carried to the exact MLE)."""
    if sub.weights_beta is None and not sub.weights_at_start:
        return None
    return partial(_weights_eta, family=fit.family, cols=sub.cols, beta=sub.weights_beta, at_start=sub.weights_at_start)


def rao_statistic(fit, sub: Submodel, cols: np.ndarray, intercept: bool, minus_offset: bool = False) -> float:
    """R's score statistic for adding the columns ``cols`` to the submodel ``sub`` (glm.fit of the working
    residuals r on X_cols with the working weights W at the submodel; with ``minus_offset`` of r - offset, as
    add1.glm passes the offset): the null weighted sum of squares of r (about its weighted mean with an
    intercept) minus the residual one of z (r or r - offset) on X_cols, from sums over the blocks and, where the
    design's rows are not held dense, a second pass over them (:func:`_score_statistic`)."""
    rows = dict(kernel=kernel_for(fit.family), beta=sub.beta, sub_cols=sub.cols, cols=np.asarray(cols, dtype=np.intp),
                minus_offset=minus_offset, weights_eta=_sub_weights_eta(fit, sub))
    k = len(cols)
    source = fit.fit_data.source
    sums = fold(source, partial(score_part, **rows), add_score_parts,
                (np.zeros((k, k)), np.zeros(k), 0.0, 0.0, 0.0, 0.0, None, None))

    def rss_of(solution: np.ndarray) -> float:
        return fold(source, partial(score_rss_part, solution=solution, **rows), operator.add, 0.0)

    def partialled_of(a_cols, d_cols, Bd, cd) -> tuple:
        return fold(source, partial(score_partialled_part, a_cols=a_cols, d_cols=d_cols, Bd=Bd, cd=cd, **rows),
                    add_partialled, (np.zeros((0, a_cols.size + 1)), 0.0))

    def triangle_of() -> np.ndarray | None:
        return fold(source, partial(score_triangle_part, **rows), add_triangles, np.zeros((0, k + 1)))

    return _score_statistic(*sums[:6], sums[7], intercept=intercept, triangle=sums[6], rss_of=rss_of,
                            partialled_of=partialled_of, triangle_of=triangle_of,
                            rows_qr_columns=_rows_qr_columns(source.n_rows))


def _triangle_explained(R_aug: np.ndarray) -> float:
    """||Q_1' W^(1/2) z||^2 from the triangular factor ``R_aug`` of W^(1/2) [X | z], as R's glm.fit finds it: a
    pivoted QR of its first columns (the column norms and rank decisions of W^(1/2) X itself), columns whose
    residual norm falls below 1e-11 of their own norm set aside as aliased (R's tolerance at the default
    epsilon)."""
    from scipy.linalg import qr

    k = R_aug.shape[1] - 1
    A, y = R_aug[:, :k], R_aug[:, k]
    if A.shape[0] == 0 or k == 0:
        return 0.0
    Q, R, piv = qr(A, mode="economic", pivoting=True)
    norms = np.linalg.norm(A, axis=0)[piv]
    rank = 0
    for j in range(min(R.shape)):
        if not abs(R[j, j]) > 1e-11 * norms[j]:
            break
        rank += 1
    qy = Q[:, :rank].T @ y
    return float(qy @ qy)


def _score_statistic(G: np.ndarray, u: np.ndarray, wzz: float, wr: float, wrr: float, ww: float,
                     diagonal: np.ndarray | None, intercept: bool, triangle: np.ndarray | None = None,
                     rss_of: Callable[[np.ndarray], float] | None = None,
                     partialled_of: Callable[..., tuple] | None = None,
                     triangle_of: Callable[[], np.ndarray | None] | None = None, rows_qr_columns: int = 0) -> float:
    """sum W (r - centre)^2 - RSS, RSS the residual sum of squares of the weighted regression of z on X, from
    G = X'WX, u = X'Wz, sum W z^2, sum W r, sum W r^2, sum W (and the columns whose block of G is diagonal, if
    any).  RSS = sum W z^2 - ||Q'W^(1/2) z||^2 from the triangular factor of W^(1/2) [X | z] where the design's
    rows are dense; else sum W (z - X b)^2 at the solution b of G b = u, from the rows (``rss_of(b)``, a pass over
    them): an error in b moves it only to second order, where sum W z^2 - u'b loses the digits X'WX squares
    away (nearly collinear columns beside a structured factor: 5e-5 for R's 3.675).  Where the
    design has a wide factor's columns (``diagonal``) and few others, from the QR of the others with the factor
    partialled out row by row (``partialled_of``: :func:`_partialled_rss`), whose rank decisions are the QR's,
    not X'WX's.  Where X'WX is too ill conditioned to decide the rank
    (:func:`~glmstat.engine.linalg.conditioned_normal_solutions`: a direction R's QR keeps, W^(1/2) X's smallest
    singular value above 1e-11 of the largest, is rounding in X'WX), from the QR of the rows of up to
    ``rows_qr_columns`` columns (the partialled columns, or ``triangle_of()``, a pass over every column made dense a
    chunk at a time; :func:`_rows_qr_columns`); beyond that budget, from X'WX by least squares, with an
    AliasingWarning where that cannot resolve it either (``UNRESOLVED_RCOND``)."""
    if not (np.isfinite(G).all() and np.isfinite(u).all()):
        return np.nan  # (working weights not finite at the submodel: LAPACK would refuse, and print)
    rss = None
    wide_factor = partialled_of is not None and diagonal is not None and len(diagonal)
    if triangle is not None:
        rss = wzz - _triangle_explained(triangle)
    elif wide_factor:
        rss = _partialled_rss(G, u, diagonal, partialled_of, TRIANGLE_MAX_COLUMNS)
    b = rcond = None
    if rss is None:
        b, rcond = conditioned_normal_solutions(G, u, diagonal)
    if rss is None and rcond is not None:
        # (rare: the O(n p^2) QR of the rows, whatever their width, only where X'WX cannot decide)
        rss = _partialled_rss(G, u, diagonal, partialled_of, rows_qr_columns) if wide_factor else None
        wide = triangle_of() if rss is None and triangle_of is not None and G.shape[0] <= rows_qr_columns else None
        rss = rss if wide is None else wzz - _triangle_explained(wide)
        if rss is None and rcond < UNRESOLVED_RCOND:
            warn_user(_unresolved_message(G.shape[0], rcond, rows_qr_columns), AliasingWarning)
    if rss is None:
        rss = wzz - float(u @ b) if rss_of is None else rss_of(b)
    centre = wr / ww if intercept else 0.0
    return (wrr - 2 * centre * wr + centre * centre * ww) - rss


#: Where X'WX cannot decide the rank of a score's regression, the QR of its rows (O(n p^2)) is taken for up to this
#: many flops, a few seconds (p = 293 columns at 1e5 rows, 92 at 1e6); beyond, the least-squares solve of X'WX
#: stands.
ROWS_QR_MAX_FLOPS = 2**33


#: Below this reciprocal condition number of the X'WX that a score's least-squares solve takes (scaled to unit
#: diagonal), the statistic's error from X'WX's rounding -- on rao_two_factors_ill's scores 1e-7 of it at 4e-9, 1e-3
#: at 6.5e-13 and 23% at 5e-14 -- can pass the 1e-6 of R's that the project holds to, where R's QR of the rows
#: resolves W^(1/2) X's singular values down to 1e-11 (X'WX's down to 1e-22): a statistic solved there says so.
UNRESOLVED_RCOND = 1e-9


def _unresolved_message(k: int, rcond: float, rows_qr_columns: int) -> str:
    """What a Rao score statistic solved from an X'WX too ill conditioned to resolve it says (the QR of its rows,
    which would, beyond its budget)."""
    return (f"a Rao score statistic's regression on {k} columns is too ill conditioned for X'WX to resolve it (its "
            f"smallest eigenvalue {rcond:.1g} of the largest), and the QR of its rows, which R's glm.fit takes, is "
            f"beyond glmstat's budget ({rows_qr_columns} columns at this number of rows): the statistic comes from "
            f"X'WX's least-squares solve and may differ from R's beyond its sixth digit, in its leading digits as the "
            f"eigenvalue nears X'WX's rounding")


def _rows_qr_columns(n_rows: int) -> int:
    """The most columns whose QR of ``n_rows`` rows stays within ``ROWS_QR_MAX_FLOPS``."""
    return math.isqrt(ROWS_QR_MAX_FLOPS // max(n_rows, 1))


def _partialled_rss(G: np.ndarray, u: np.ndarray, diagonal: np.ndarray, partialled_of,
                    max_columns: int) -> float | None:
    """The residual sum of squares of the score's regression with the columns ``diagonal`` (a wide factor's, D
    their diagonal block of G, B the other columns' cross-products with them) partialled out: sum W z~^2 -
    ||Q' z~||^2 from the triangular factor of sqrt(W) [X_a - X_d D^-1 B' | z - X_d D^-1 u_d]
    (:func:`~glmstat.engine.passes.partialled_triangle`, a pass over the rows).  None where a level has no weight
    or more than ``max_columns`` other columns would be made dense."""
    in_d = np.zeros(G.shape[0], dtype=bool)
    in_d[diagonal] = True
    d_cols, a_cols = np.flatnonzero(in_d), np.flatnonzero(~in_d)
    dd = G[d_cols, d_cols]
    if not np.all(dd > 0) or a_cols.size > max_columns:
        return None
    R, total = partialled_of(a_cols, d_cols, G[np.ix_(a_cols, d_cols)] / dd, u[d_cols] / dd)
    if R is None or not np.isfinite(total):
        return None
    return total - _triangle_explained(R)


def _working(fit, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Working residuals (y - mu) / mu'(eta) and working weights w mu'(eta)^2 / V(mu) at ``eta``, from the
    engine's per-row kernel (zero where the weight or mu'(eta) is zero); rows in memory.  For a fit stopped
    as R stops the weights are those of its last iteration (R's ``fit$weights``, as its score tests use)."""
    fd = fit.fit_data
    src = fd.source
    kernel = kernel_for(fit.family)
    with np.errstate(all="ignore"):
        wk = kernel(src.y, src.weights, eta)
    if fd.weights_beta is None and not fd.weights_at_start:
        return wk.r, wk.W
    return wk.r, np.concatenate([covariance_weights(b, fd, kernel) for b in src.blocks()])


def _score(r: np.ndarray, w: np.ndarray, X: Design, intercept: bool) -> float:
    """:func:`rao_statistic`'s statistic from whole arrays (two models' rows, in memory)."""
    G, u = X.gram_score(w, r)
    wrr = float(np.sum(w * r * r))
    use = w > 0
    triangle = score_triangle(X, np.where(use, w, 0.0), np.where(use, r, 0.0))

    def rss_of(b: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            e = np.where(use, r - X.matvec(b), 0.0)
        return float(np.sum(np.where(use, w, 0.0) * e * e))

    def partialled_of(a_cols, d_cols, Bd, cd) -> tuple:
        return partialled_triangle(w, r, X, a_cols, d_cols, Bd, cd)

    def triangle_of() -> np.ndarray | None:
        return X.weighted_triangle(np.where(use, w, 0.0), np.where(use, r, 0.0), max_columns=None)

    return _score_statistic(G, u, wrr, float(np.sum(w * r)), wrr, float(np.sum(w)), X.diagonal_columns(),
                            intercept, triangle, rss_of, partialled_of, triangle_of, _rows_qr_columns(X.n_rows))


def models_score(small, big) -> float:
    """R's score statistic of the smaller of two nested models' working residuals on the bigger one's columns.

    Rows in memory: from the smaller model's linear predictor and the bigger model's design (nested in any
    parametrisation, as :func:`~glmstat.inference.anova.anova` checks).  Streamed rows: the two designs cannot be
    read side by side, and the models are nested by their terms with the same offsets (as ``anova`` checks too), so
    the smaller model's linear predictor is the bigger design's columns of the same names times its coefficients,
    evaluated in the one pass over the bigger model's blocks that :func:`rao_statistic` makes."""
    if small.model_frame.in_memory and big.model_frame.in_memory:
        r, w = _working(small, small.linear_predictor.to_numpy())
        return _score(r, w, big.fit_data.source.X, small.model_frame.has_intercept)
    position = {name: j for j, name in enumerate(big.column_names)}
    fd = small.fit_data
    names = [n for n, k in zip(small.column_names, fd.kept) if k]
    for name in names:
        if name not in position:
            raise GLMStatError(f"the Rao test of models fitted to streamed data needs each column of the smaller "
                               f"model in the bigger one; {shown(name)} is not among {big.formula}'s columns")
    cols = np.array([position[n] for n in names], dtype=np.intp)
    weights_beta = None if fd.weights_beta is None else zero_nan(fd.weights_beta)[fd.kept]
    sub = Submodel(small.deviance, fd.rank, fd.beta[fd.kept], cols, fd.n_ok, big.fit_data.source, weights_beta,
                   fd.weights_at_start)
    return rao_statistic(big, sub, np.arange(len(big.column_names)), small.model_frame.has_intercept)
