"""Sandwich (heteroskedasticity- and cluster-robust) covariances, as R's ``sandwich::vcovHC``/``vcovCL``.

For a GLM the estimating function of row i is u_i = e_i x_i with e_i = w_i (y_i - mu_i) / (d mu_i / d eta_i)
(working residual times working weight, w_i = a_i mu_eta_i^2 / V(mu_i), a_i the prior weights), over the
kept columns.  With C = (X'WX)^{-1}, n the rows used (zero-weight rows included, as R counts them),
n_ok the rows with non-zero weight, k the rank, h_i = w_i x_i' C x_i the leverages:

    V = (n_ok / n)^2  C  M  C          (R: sandwich = bread meat bread / n with bread = n_ok C; the
                                        dispersion cancels, and the factor is 1 without zero weights)

* HC0:  M = sum_i e_i^2 x_i x_i'
* HC1:  M = n / (n - k) sum_i e_i^2 x_i x_i'
* HC2:  M = sum_i e_i^2 / (1 - h_i) x_i x_i'
* HC3:  M = sum_i e_i^2 / (1 - h_i)^2 x_i x_i'
* HC4:  M = sum_i e_i^2 / (1 - h_i)^d_i x_i x_i',  d_i = min(4, n h_i / k)  (Cribari-Neto 2004)
* HC4m: as HC4 with d_i = min(1, n h_i / k) + min(1.5, n h_i / k)  (Cribari-Neto and da Silva 2011)
* HC5:  M = sum_i e_i^2 / (1 - h_i)^(d_i / 2) x_i x_i',  d_i = min(n h_i / k, max(4, 0.7 n h_max / k))
  (Cribari-Neto et al. 2007; h_max the largest leverage, from a pass of its own)

(sandwich's ``meatHC`` takes k as round(sum_i h_i), which is the rank.)  ``vcovCL`` has no HC4, HC4m or HC5,
and neither has the clustered sandwich here.

Clustered (``vcovCL``, one-way, G clusters, the cluster adjustment G/(G-1) as ``cadjust = TRUE``):

* HC0:  M = G/(G-1) sum_g s_g s_g',  s_g = sum_{i in g} u_i
* HC1:  M = G/(G-1) (n-1)/(n-k) sum_g s_g s_g'
* HC2, HC3 (bias-reduced, Bell-McCaffrey / Pustejovsky-Tipton): s_g = X_g' A_g e_g with
  A_g = (I - H_g)^{-1/2} or (I - H_g)^{-1}, H_g = X_g C X_g' W_g (the cluster's block of the hat matrix);
  the factor (G-1)/G that R applies to these cancels the cluster adjustment.

``vcovCL``'s default for a glm is HC0 (HC1 only for ``lm`` objects); ``vcovHC``'s default is HC3.

HC0 and HC1 (clustered or not) and unclustered HC2 to HC4m are one pass over the row blocks (HC5 two) with
O(p^2) state per block (plus a G x p matrix of cluster sums), through the design interface (the meat is ``gram(f)``, the
cluster sums ``group_rmatvec``: a structured design is never expanded).  Clustered HC2/HC3 need the rows of
each cluster together (:mod:`~glmstat.inference.cluster_adjusted`): a cluster's A_g e_g is taken on the j_g
columns its rows reach (a few of a wide factor's levels), O(m_g j_g min(m_g, j_g) + j_g^3) for m_g rows and no
m_g x m_g matrix beyond j_g x j_g, zero-weight rows included (they get adjusted scores of their own from the
other rows, as sandwich's I - H_g gives them); the clusters are read in batches of bounded size.  For streamed
data (a Parquet path, a dask DataFrame), whose row groups and partitions do not keep a cluster's rows together,
the clusters are counted in one pass and their rows gathered a bucket of clusters at a time, one pass per bucket
(:mod:`~glmstat.inference.streamed_clusters`: memory bounded by the bucket, whatever the number of rows; on
dask each partition keeps the bucket's rows where it lives, and only those travel).
The product C M C goes through the diagonal block of a wide factor's columns in C's inverse
(:func:`glmstat.engine.linalg.sandwich_product`): O(p^2 m) for m other columns, not O(p^3).

With nearly collinear columns (``year + I(year^2)``) C M C loses about eps times the condition number of C
to cancellation -- 1e-5 of the standard errors, 1e-2 of a prediction's -- even with C and M exact to rounding
(R's ``vcovHC`` loses the same).  Where C is too ill-conditioned for quadratic forms
(:func:`~glmstat.inference.covariance_factor.with_cov_factor`: C = F F', F = R^{-1} from the QR factor of
sqrt(W) X) the meat is taken in the coordinates z_i = F' x_i, where C is the identity: V = F A F' with
A = sum_i f_i z_i z_i' (clustered: the cluster sums F' s_g), well-conditioned, and V = G G' with
G = F A^(1/2) the factor the prediction standard errors take (||x' G||, no x'Vx).  (A wide factor's own
conditioning makes no factor: see :func:`~glmstat.inference.covariance_factor.with_cov_factor`.  With a
factor and nearly collinear other columns -- C M C through the factor's diagonal block lost 6% of the standard
errors there -- F is the inverse of the QR factor with the factor's k levels first: z_i = [u_i e_{c_i}; v_i]
has one non-zero among the levels' coordinates, A is diagonal there
(:class:`~glmstat.inference.covariance_factor.LevelsFirstGram`), and the meat is O(n m^2) for the m other
columns, V and G O(p^2 m) by blocks (:func:`_from_levels_first`), not O(n p^2) and O(p^3).)

Where HC2 to HC5 are undefined (a leverage of 1, or I - H_g singular because the cluster is a level of a factor
in the model) R returns NaN or an arbitrary solution of a singular system.  glmstat returns NaN with a warning
for a row of leverage 1 (unclustered, as R) and raises an error for a singular I - H_g (clustered).  A leverage
within ``NEAR_ONE`` of 1 is taken from the factor of the other rows (:func:`_near_one_correction`), as the
influence measures take it: HC2 to HC5 divide by a power of 1 - h_i.
With zero prior weights R's unclustered HC2 to HC5 recycle hat values of the wrong length (``hatvalues`` has a
value per row of non-zero weight, ``estfun`` a row per row used); here a zero-weight row has leverage 0 and
contributes nothing, and n counts it, as sandwich's meatHC with the hat values aligned to the rows
(``tests/fixtures/robust_zero_weights``: R's own standard errors off by up to 45% there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from .._arguments import own_scalar, shown, shown_row
from .._scipy import sparse
from ..design.base import rows_within
from ..design.sources import Block, fold
from ..engine.kernel import kernel_for
from ..engine.linalg import sandwich_product
from ..errors import DataError, GLMStatError, GLMStatWarning, warn_user
from ..formula.limits import refuse_dense
from ..formula.values import factorize_in_order
from .fitdata import Covariance, FitData
from .cluster_labels import cluster_codes
from .fit_access import formula_limits
from .cluster_adjusted import DesignCoordinates, FactorCoordinates, adjusted_cluster_scores
from .streamed_clusters import cluster_rows, gathered_cluster_scores
from .covariance_factor import (LevelsFirstGram, block_leverages, factor_gram, leverage_weights, levels_first_gram,
                                with_cov_factor)
from .influence import HAT_ONE_TOL, NEAR_ONE, exact_near_one

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["HC_TYPES", "sandwich_vcov", "cluster_codes", "robust_results"]

HC_TYPES = ("HC0", "HC1", "HC2", "HC3", "HC4", "HC4m", "HC5")
#: the types sandwich's vcovCL offers (clustered)
CLUSTER_TYPES = ("HC0", "HC1", "HC2", "HC3")
#: the types whose weights need the leverages
_LEVERAGE_TYPES = ("HC2", "HC3", "HC4", "HC4m", "HC5")


def _block_scores(block: Block, fd: FitData, kernel, leverage: bool = True
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Working weights, e_i = working residual x working weight, and (if ``leverage``) leverages of one block's
    rows.

    The working residuals are those at the estimate; the weights are those the covariance was made with (with
    ``convergence="R"`` R's, from the start of its last iteration: sandwich's ``estfun.glm`` takes the fit's
    working weights, and its hat values are R's ``hatvalues``)."""
    with np.errstate(all="ignore"):
        eta = block.X.matvec(fd.beta) + block.offset
        wk = kernel(block.y, block.weights, eta)
        W = leverage_weights(block, fd, kernel, wk.W)
        h = block_leverages(block, fd, W) if leverage else None
    return W, (wk.scores if W is wk.W else W * wk.r), h


def _kept_positions(columns: np.ndarray | None, kept: np.ndarray) -> np.ndarray | None:
    """Positions among the kept columns of those of ``columns`` that are kept."""
    if columns is None:
        return None
    return (np.cumsum(kept) - 1)[columns[kept[columns]]]


#: I - H_g counts as singular (HC2/HC3 undefined) when an eigenvalue is below this (sandwich's
#: ``matrixpower`` sets such eigenvalues to zero).
SINGULAR_TOL = np.finfo(float).eps ** (1 / 1.3)


def _undefined(type: str, where: str) -> GLMStatError:
    return GLMStatError(f"the {type} sandwich is undefined: {where}, so I - H is singular; use HC0 or HC1")


def sandwich_vcov(
    fd: FitData,
    type: str,
    cluster: np.ndarray | None = None,
    n_clusters: int | None = None,
    cluster_labels: Sequence | None = None,
    cluster_name: Any = None,
    max_bytes: float = float("inf"),
) -> tuple[np.ndarray, np.ndarray | None]:
    """The sandwich covariance V (kept x kept) of the module docstring, and G (kept x m) with V = G G' where C
    is too ill-conditioned for quadratic forms (else None).

    Parameters
    ----------
    fd : FitData
        The rows the model was fitted to, the estimate and C = (X'WX)^{-1}.
    type : {"HC0", "HC1", "HC2", "HC3", "HC4", "HC4m", "HC5"}
        HC4, HC4m and HC5 unclustered only (as sandwich's ``vcovHC``; ``vcovCL`` has none of them).
    cluster : array of int, optional
        Cluster codes 0..G-1, one per row (in block order); None for the unclustered estimators.
    n_clusters : int, optional
        G (required with ``cluster``).
    cluster_labels : sequence, optional
        The cluster values by code, for error messages.
    cluster_name, max_bytes : optional
        The cluster variable's name and the bytes its dense G x p sums may take (the formula limits'
        ``max_design_bytes``): beyond them the clusters are refused (:func:`refuse_dense_cluster_sums`).  The
        HC2/HC3 scores are sparse, and dense (G x p) only in a covariance factor's coordinates.
    """
    if type not in (HC_TYPES if cluster is None else CLUSTER_TYPES):
        raise GLMStatError(f"unknown {'' if cluster is None else 'clustered '}sandwich type {shown(type)}; use one of "
                           f"{', '.join(HC_TYPES if cluster is None else CLUSTER_TYPES)}")
    k = fd.rank
    n = fd.n_rows
    kept = fd.kept
    C = fd.cov_kept
    kernel = kernel_for(fd.family)
    fd = with_cov_factor(fd)  # (where C is ill-conditioned: the meat, and leverages, from its factor F)
    F, levels = fd.cov_factor, fd.cov_factor_levels
    if cluster is None:
        h_max = 0.0
        if type == "HC5":  # (its exponents need the largest leverage first: a pass of its own)
            h_max = fold(fd.source, partial(_block_max_leverage, fd=fd.portable(), kernel=kernel), max, 0.0)
        part = partial(_block_meat, fd=fd.portable(), kernel=kernel, type=type, n=n, k=k, h_max=h_max)
        found = fold(fd.source, part, _Meat.merge, _Meat(None, 0, -1, None))
        if found.near.size and found.first_unit_leverage < 0:
            correction, unit = _near_one_correction(fd, kernel, found, type, n, k, h_max)
            found.first_unit_leverage = unit
            if correction is not None:
                found.meat = found.meat + correction
        if found.first_unit_leverage >= 0:
            # as R's vcovHC: e_i^2 / (1 - h_i)^2 is 0/0 there, and every entry NaN -- said, not silent
            warn_user(f"the {type} sandwich is undefined: row number {found.first_unit_leverage + 1} of the rows "
                      "used has leverage 1 (it is fitted exactly), so every entry is NaN, as in R's vcovHC; "
                      "use HC0 or HC1", GLMStatWarning)
            return np.full((kept.sum(), kept.sum()), np.nan), None
        meat = found.meat if F is not None else found.meat[np.ix_(kept, kept)]
        if type == "HC1":
            meat *= n / (n - k)
        if levels is not None:
            return _from_levels_first(F, levels, kept, meat, fd.n_ok / n)
        diagonal = found.diagonal
    else:
        G = int(n_clusters)
        labels = list(range(1, G + 1)) if cluster_labels is None else list(cluster_labels)
        if type in ("HC0", "HC1") or F is not None:
            refuse_dense_cluster_sums(cluster_name, G, kept.size, max_bytes)
        if type in ("HC0", "HC1"):
            sums = np.zeros((G, kept.size))
            start, diagonal = 0, None
            for b in fd.source.blocks():
                _, e, _ = _block_scores(b, fd, kernel, leverage=False)
                m = b.X.n_rows
                sums += b.X.group_rmatvec(e, cluster[start:start + m], G)
                start += m
                diagonal = b.X.diagonal_columns()
            if levels is not None:
                return _cluster_from_levels_first(F, levels, kept, sums, _cluster_adjustment(G, n, k, type),
                                                  fd.n_ok / n)
            if F is None and G <= k:
                return _few_clusters(C, sums[:, kept], _cluster_adjustment(G, n, k, type), fd.n_ok / n)
            meat = _cluster_meat(sums[:, kept] if F is None else sums @ F, n, k, type)
        else:
            return _bias_reduced_sandwich(fd, partial(_clustered_bias_reduced, fd, kernel, cluster, G, type, labels),
                                          fd.source.X.diagonal_columns())
    if F is not None:
        return _from_factor(F[kept], meat, fd.n_ok / n, root=True)
    return (fd.n_ok / n) ** 2 * sandwich_product(C, meat, _kept_positions(diagonal, kept)), None


def _from_factor(L: np.ndarray, A: np.ndarray, scale: float, root: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """V = scale^2 L A L' for a meat A in the coordinates of a factor L of C (C = L L'), and (if ``root``)
    G = scale L A^(1/2) with V = G G' (A^(1/2) from A's eigenvalues, rounding below 0 taken as 0)."""
    V = scale * scale * (L @ A @ L.T)
    if not root:
        return V, None
    lam, U = np.linalg.eigh((A + A.T) / 2)
    return V, scale * (L @ (U * np.sqrt(np.clip(lam, 0.0, None))))


def _from_levels_first(F: np.ndarray, levels: np.ndarray, kept: np.ndarray, A: LevelsFirstGram,
                       scale: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_from_factor` for a levels-first factor F (:attr:`FitData.cov_factor_levels`) and its meat by
    blocks, without a p x p product or eigendecomposition: O(p^2 m) for m columns other than the k levels',
    and no p x p temporary but the results.

    With P = F's level columns (inv_s at the levels' rows) and F_o its other columns (kept rows),
    V = scale^2 (P diag(level) P' + Y F_o' + F_o Y'), Y = F_o rest / 2 + P cross (one product of a p x 2m and
    a 2m x p matrix); and A = T T' for T = [[diag(r), 0], [cross' diag(1/r), H]], r = level^(1/2),
    H H' = rest - cross' diag(1/level) cross (an m x m eigendecomposition, rounding below 0 taken as 0), so
    G = scale F T = scale [P diag(r) + F_o (cross' diag(1/r)), F_o H].  (A level whose level sum is 0 has
    f_i u_i = 0 on all its rows: its cross row is 0.)"""
    k = levels.size
    pos = _kept_positions(levels, kept)
    inv_s, F_o = F[levels, np.arange(k)], F[np.flatnonzero(kept), k:]
    Y = F_o @ A.rest / 2
    Y[pos] += inv_s[:, None] * A.cross
    V = np.hstack([Y, F_o]) @ np.ascontiguousarray(np.hstack([F_o, Y]).T)
    V[pos, pos] += inv_s * inv_s * A.level
    V *= scale * scale
    r = np.sqrt(np.clip(A.level, 0.0, None))
    C = A.cross * np.where(r > 0, 1.0 / np.where(r > 0, r, 1.0), 0.0)[:, None]  # diag(1/r) cross
    schur = A.rest - C.T @ C
    lam, U = np.linalg.eigh((schur + schur.T) / 2)
    # G' by rows (each block a product written in place), G its transpose (a view)
    Gt = np.empty((k + F_o.shape[1], F_o.shape[0]))
    np.matmul(C, F_o.T, out=Gt[:k])
    Gt[np.arange(k), pos] += inv_s * r
    np.matmul((U * np.sqrt(np.clip(lam, 0.0, None))).T, F_o.T, out=Gt[k:])
    Gt *= scale
    return V, Gt.T


def _cluster_from_levels_first(F: np.ndarray, levels: np.ndarray, kept: np.ndarray, sums: np.ndarray,
                               adjust: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The clustered HC0/HC1 sandwich and its factor from the G x p cluster sums for a levels-first F: the
    sums in F's coordinates S = sums F (the levels' columns scaled, the others a G x p by p x m product),
    then :func:`_from_cluster_scores`."""
    k = levels.size
    S = np.empty((sums.shape[0], F.shape[1]))
    S[:, :k] = sums[:, levels] * F[levels, np.arange(k)]
    S[:, k:] = sums @ F[:, k:]
    return _from_cluster_scores(F, levels, kept, S, adjust, scale)


def _from_cluster_scores(F: np.ndarray, levels: np.ndarray, kept: np.ndarray, S: np.ndarray, adjust: float,
                         scale: float) -> tuple[np.ndarray, np.ndarray]:
    """V and its factor for the meat adjust S'S, S (G x rank) the clusters' scores in the coordinates of a
    levels-first F: T = S (or, for more clusters than columns, S's triangular factor: T'T = S'S) and
    G = scale adjust^(1/2) F T', V = G G'.  O(p^2 min(G, p)): no p x p meat or eigendecomposition."""
    k = levels.size
    inv_s = F[levels, np.arange(k)]
    T = S if S.shape[0] <= S.shape[1] else np.linalg.qr(S, mode="r")
    root = F[np.flatnonzero(kept), k:] @ T[:, k:].T
    root[_kept_positions(levels, kept)] += inv_s[:, None] * T[:, :k].T
    root *= scale * np.sqrt(adjust)
    return root @ root.T, root


def _few_clusters(C: np.ndarray, S: np.ndarray, adjust: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """V = G G' and its factor G = scale adjust^(1/2) C S' (k x G) for the G x k cluster scores S of no more
    clusters than coefficients.  The scores sum to 0 at the estimate, so V has rank at most G - 1 < k, and a
    Wald test of a direction in its null space must find L V L' singular: through the factor, (L G)(L G)' is
    singular to rounding (scaled to a unit diagonal, its smallest eigenvalue -1e-16), while C (S'S) C formed
    first left one of 1e-11 with one build of numpy and BLAS (below 1e-15 with another), and a chi-square of
    1.5e15 instead of NaN (sandwich's own V gives car 3e14)."""
    root = (scale * np.sqrt(adjust)) * (C @ S.T)
    return root @ root.T, root


def _cluster_adjustment(G: int, n: int, k: int, type: str) -> float:
    """G/(G-1), times (n-1)/(n-k) for HC1: the clustered meat's factor on S'S."""
    return G / (G - 1) * ((n - 1) / (n - k) if type == "HC1" else 1.0)


def _cluster_meat(sums: np.ndarray, n: int, k: int, type: str) -> np.ndarray:
    """G/(G-1) S'S from the G x k cluster sums S (times (n-1)/(n-k) for HC1)."""
    return sums.T @ sums * _cluster_adjustment(sums.shape[0], n, k, type)


@dataclass
class _Meat:
    """The unclustered meat over some blocks: sum f_i x_i x_i' (every column), the rows seen, and the position
    among them of the first row with leverage 1 (-1: none) where HC2/HC3 are undefined."""

    meat: np.ndarray | LevelsFirstGram | None  # (None: no rows yet)
    n: int
    first_unit_leverage: int
    diagonal: np.ndarray | None  # the design's diagonal_columns (every block has the same)
    near: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # rows with h within NEAR_ONE of 1
    near_h: np.ndarray = field(default_factory=lambda: np.zeros(0))  # and their leverages

    def merge(self, other: "_Meat") -> "_Meat":
        if self.first_unit_leverage < 0 and other.first_unit_leverage >= 0:
            self.first_unit_leverage = self.n + other.first_unit_leverage
        self.near = np.concatenate([self.near, self.n + other.near])
        self.near_h = np.concatenate([self.near_h, other.near_h])
        if self.meat is None:
            self.meat = other.meat
        else:
            self.meat += other.meat  # (in place for an array; a LevelsFirstGram's blocks add)
        self.n += other.n
        self.diagonal = other.diagonal
        return self


def _block_max_leverage(b: Block, fd: FitData, kernel) -> float:
    """The largest leverage among a block's rows (HC5's h_max)."""
    h = _block_scores(b, fd, kernel)[2]
    return float(np.max(h)) if h.size else 0.0


def _meat_weights(e: np.ndarray, h: np.ndarray | None, type: str, n: int, k: int, h_max: float) -> np.ndarray:
    """f_i = e_i^2, divided by (1 - h_i) (HC2), (1 - h_i)^2 (HC3), or (1 - h_i)^d_i (HC4, HC4m; d_i / 2 for HC5)
    with the exponents of the module docstring, of ``n`` rows, rank ``k`` and largest leverage ``h_max``; 0
    where I - H is singular (the caller says so)."""
    f = e * e
    with np.errstate(all="ignore"):
        if type == "HC2":
            f = f / (1 - h)
        elif type == "HC3":
            f = f / (1 - h) ** 2
        elif type == "HC4":
            f = f / (1 - h) ** np.minimum(4.0, n * h / k)
        elif type == "HC4m":
            f = f / (1 - h) ** (np.minimum(1.0, n * h / k) + np.minimum(1.5, n * h / k))
        elif type == "HC5":
            f = f / np.sqrt((1 - h) ** np.minimum(n * h / k, max(4.0, 0.7 * n * h_max / k)))
    if h is not None:
        f = np.where(1 - h < SINGULAR_TOL, 0.0, f)
    return f


def _gram_of(b: Block, fd: FitData, f: np.ndarray):
    """sum_i f_i x_i x_i' over a block's rows, in the coordinates of the covariance factor where there is one."""
    if fd.cov_factor is None:
        return b.X.gram(f)
    if fd.cov_factor_levels is None:
        return factor_gram(b.X, fd.cov_factor, f)
    return levels_first_gram(b.X, fd.cov_factor, fd.cov_factor_levels, f)


def _block_meat(b: Block, fd: FitData, kernel, type: str, n: int = 0, k: int = 1, h_max: float = 0.0) -> _Meat:
    """A block's share of the unclustered meat, sum f_i x_i x_i' with the weights of :func:`_meat_weights`; the
    rows whose leverage is within ``NEAR_ONE`` of 1 are noted (:func:`_near_one_correction`)."""
    _, e, h = _block_scores(b, fd, kernel, leverage=type in _LEVERAGE_TYPES)
    bad = np.flatnonzero(1 - h < SINGULAR_TOL) if h is not None else ()
    near = np.flatnonzero((h > 1.0 - NEAR_ONE) & (h < 1.0 - HAT_ONE_TOL)) if h is not None else np.zeros(0, int)
    return _Meat(_gram_of(b, fd, _meat_weights(e, h, type, n, k, h_max)), b.X.n_rows, int(bad[0]) if len(bad) else -1,
                 b.X.diagonal_columns(), near, np.zeros(0) if h is None else h[near])


def _near_one_correction(fd: FitData, kernel, found: _Meat, type: str, n: int, k: int, h_max: float):
    """The meat's change when the leverages within ``NEAR_ONE`` of 1 are those of
    :func:`~glmstat.inference.influence.exact_near_one` (1 where the row alone spans a direction, else
    1 - h_i without the quadratic form's cancellation): HC3 divides by (1 - h_i)^2, whose relative error is
    the leverage's absolute one, about eps cond(X'WX), over 1 - h_i (1.3e-6 of the standard errors at
    1 - h_i = 1.7e-6 and a condition number of 2e5; R's QR gives its leverage to a few eps).  Returns
    (the correction, the position of a row found to have leverage 1, or -1).  A second pass over the blocks,
    only when such a row exists (rare)."""
    blocks = list(fd.source.blocks())
    starts = np.cumsum([0] + [b.y.shape[0] for b in blocks])
    h = np.zeros(int(starts[-1]))
    h[found.near] = found.near_h
    exact = exact_near_one(h, blocks, starts, fd, kernel)
    correction, unit = None, -1
    for j, b in enumerate(blocks):
        rows = found.near[(found.near >= starts[j]) & (found.near < starts[j + 1])] - starts[j]
        if not rows.size:
            continue
        _, e, h_b = _block_scores(b, fd, kernel)
        new = h_b.copy()
        new[rows] = exact[rows + starts[j]]
        if unit < 0 and np.any(1 - new[rows] < SINGULAR_TOL):
            unit = int(starts[j] + rows[np.argmax(1 - new[rows] < SINGULAR_TOL)])
        delta = np.zeros(h_b.shape[0])
        delta[rows] = (_meat_weights(e, new, type, n, k, h_max) - _meat_weights(e, h_b, type, n, k, h_max))[rows]
        part = _gram_of(b, fd, delta)
        correction = part if correction is None else correction + part
    return correction, unit


@dataclass
class _GroupSums:
    """Cluster sums s_g = sum_{i in g} u_i over some blocks, by cluster value (G_seen x p); the rows seen, how
    many of them have no cluster value and the position among them of the first such row (-1: none)."""

    sums: pd.DataFrame
    diagonal: np.ndarray | None  # the design's diagonal_columns
    n: int = 0
    missing: int = 0
    first_missing: int = -1
    name: Any = None  # the cluster column, and the bytes its sums may take (refuse_dense_cluster_sums)
    limit: float = float("inf")

    def merge(self, other: "_GroupSums") -> "_GroupSums":
        first = self.first_missing if self.first_missing >= 0 else (
            self.n + other.first_missing if other.first_missing >= 0 else -1)
        limit = min(self.limit, other.limit)
        # (the union of the two's clusters, counted before it is made: a column of distinct values held G x p)
        clusters = len(self.sums.index.union(other.sums.index)) if limit < float("inf") else 0
        refuse_dense_cluster_sums(self.name if self.name is not None else other.name, clusters,
                                  self.sums.shape[1], limit, seen=True)
        return _GroupSums(self.sums.add(other.sums, fill_value=0.0), other.diagonal, self.n + other.n,
                          self.missing + other.missing, first, self.name if self.name is not None else other.name,
                          limit)


def _block_group_sums(b: Block, fd: FitData, kernel, name: Any = None, limit: float = float("inf")) -> _GroupSums:
    """A block's cluster sums; its cluster values are the block's ``groups`` (no sums where one is missing:
    the covariance is refused).  ``name`` and ``limit``: the bound every merge of the sums checks."""
    codes, values = factorize_in_order(b.groups)  # (pd.factorize, checked before pandas 3.1)
    n = codes.shape[0]
    missing = np.flatnonzero(codes < 0)
    if missing.size:
        return _GroupSums(pd.DataFrame(np.zeros((0, b.X.n_cols))), b.X.diagonal_columns(), n, int(missing.size),
                          int(missing[0]), name, limit)
    refuse_dense_cluster_sums(name, len(values), b.X.n_cols, limit, seen=True)  # (a block: up to a million rows)
    _, e, _ = _block_scores(b, fd, kernel, leverage=False)
    sums = b.X.group_rmatvec(e, codes.astype(np.intp), len(values))
    return _GroupSums(pd.DataFrame(sums, index=pd.Index(values)), b.X.diagonal_columns(), n, name=name, limit=limit)


def refuse_dense_cluster_sums(name: Any, G: int, p: int, limit: float, seen: bool = False) -> None:
    """Refuse clusters whose G x p sums (of scores, dense) would take more than ``limit`` bytes (the formula
    limits' ``max_design_bytes``), before they are allocated: a wide factor's design is fitted as its codes, so
    a fit of 300,000 rows and a 3,000-level factor clustered by a row id asked for 7 GB here (a streamed one
    held them as they were added).  ``seen``: G counts the clusters of the rows read so far (streamed)."""
    many = f"{'at least ' if seen else ''}{G:,}"
    refuse_dense(f"cluster={shown(name)}: the sums of {many} clusters over {p:,} coefficients", 8 * G * p, limit,
                 "cluster by a coarser variable, or raise the limit "
                 "(glm(..., limits=FormulaLimits(max_design_bytes=...)))")


def _checked_clusters(name: str, G: int, missing: int, first_missing: int,
                      rows_used: Callable[[], pd.Index] | None) -> int:
    """G, for streamed rows with ``missing`` rows without a cluster value (the first at ``first_missing`` among
    the rows used, labelled by ``rows_used()``) and G distinct values: an error for any missing value or fewer
    than 2 clusters, worded as the in-memory one (:func:`cluster_codes`)."""
    if missing:
        first = "" if rows_used is None else f" (first: row {shown_row(rows_used()[first_missing])})"
        raise DataError(f"cluster {shown(name)} is missing for {missing} of the rows used{first}; drop or "
                        "impute those rows and refit")
    if G < 2:
        raise DataError(f"cluster {shown(name)} has {G} distinct value(s) among the rows used; it needs at least 2")
    return G


def streamed_cluster_vcov(fd: FitData, type: str, name: str, rows_used: Callable[[], pd.Index] | None = None,
                          max_bytes: float = float("inf")) -> tuple[np.ndarray, np.ndarray | None, int]:
    """The clustered HC0/HC1 sandwich of a fit to streamed data, clustered by the data column ``name``: the
    cluster sums reduced per block (per partition, on a cluster) and added by cluster value; its factor (as
    :func:`sandwich_vcov`); G.  ``rows_used()`` labels the first row without a cluster value in the error
    that refuses them; sums beyond ``max_bytes`` are refused as they are added
    (:func:`refuse_dense_cluster_sums`)."""
    fd = with_cov_factor(fd)
    source = fd.source.with_groups(name)
    kernel = kernel_for(fd.family)
    p = fd.kept.size
    total = fold(source, partial(_block_group_sums, fd=fd.portable(), kernel=kernel, name=name, limit=max_bytes),
                 _GroupSums.merge, _GroupSums(pd.DataFrame(np.zeros((0, p))), None, name=name, limit=max_bytes))
    G = _checked_clusters(name, len(total.sums), total.missing, total.first_missing, rows_used)
    sums = total.sums.to_numpy()
    scale = fd.n_ok / fd.n_rows
    if fd.cov_factor_levels is not None:
        return *_cluster_from_levels_first(fd.cov_factor, fd.cov_factor_levels, fd.kept, sums,
                                           _cluster_adjustment(G, fd.n_rows, fd.rank, type), scale), G
    if fd.cov_factor is not None:
        return *_from_factor(fd.cov_factor[fd.kept], _cluster_meat(sums @ fd.cov_factor, fd.n_rows, fd.rank, type),
                             scale, root=True), G
    if G <= fd.rank:
        return *_few_clusters(fd.cov_kept, sums[:, fd.kept], _cluster_adjustment(G, fd.n_rows, fd.rank, type),
                              scale), G
    meat = _cluster_meat(sums[:, fd.kept], fd.n_rows, fd.rank, type)
    return scale ** 2 * sandwich_product(fd.cov_kept, meat, _kept_positions(total.diagonal, fd.kept)), None, G


def _bias_reduced_sandwich(fd: FitData, scores: Callable[[DesignCoordinates | FactorCoordinates], Any],
                           diagonal: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """The clustered HC2/HC3 sandwich (and its factor, as :func:`sandwich_vcov`) from ``scores(coords)``, the
    clusters' adjusted scores (G x width, scipy sparse) in the coordinates ``coords``: a cluster's adjusted
    score reaches the kept columns its rows reach, so the meat S'S is taken in the design's coordinates where
    C is well-conditioned (V = C S'S C), else in the factor's, as HC0's (``fd`` has its
    :func:`~glmstat.inference.covariance_factor.with_cov_factor`; ``diagonal``: the design's diagonal
    columns)."""
    F, levels, kept, scale = fd.cov_factor, fd.cov_factor_levels, fd.kept, fd.n_ok / fd.n_rows
    if F is None:
        S = scores(DesignCoordinates(fd.cov_kept))
        if S.shape[0] <= fd.rank:
            return _few_clusters(fd.cov_kept, S.toarray(), 1.0, scale)
        meat = _gram_of_rows(S)
        return scale ** 2 * sandwich_product(fd.cov_kept, meat, _kept_positions(diagonal, kept)), None
    S = scores(FactorCoordinates(F[kept])).toarray()
    if levels is not None:
        return _from_cluster_scores(F, levels, kept, S, 1.0, scale)
    return _from_factor(F[kept], S.T @ S, scale, root=True)


def _scores_matrix(parts: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], G: int, width: int,
                   type: str, labels: Sequence, sizes: np.ndarray):
    """The clusters' adjusted scores (G x width, scipy sparse: a cluster's rows reach few columns) from the
    parts (g, at, scores, lam_max) of :func:`~glmstat.inference.cluster_adjusted.adjusted_cluster_scores`;
    an error where I - H_g is singular, naming the first such cluster by code (``labels`` and ``sizes``, the
    clusters' values and rows: the same cluster whatever the order in which batches or buckets of clusters
    come)."""
    rows, at, values = [np.zeros(0, np.intp)], [np.zeros(0, np.intp)], [np.zeros(0)]
    first = G
    for g, where, scores, lam_max in parts:
        bad = g[lam_max > 1 - SINGULAR_TOL]
        if bad.size or first < G:
            first = min(first, int(bad.min())) if bad.size else first
            continue  # (no scores to keep: the sandwich is refused)
        i, j = np.nonzero(scores)
        rows.append(g[i])
        at.append(where[j] if where.ndim == 1 else where[i, j])
        values.append(scores[i, j])
    if first < G:
        raise _undefined(type, f"the one-row cluster {shown(labels[first])} has leverage 1" if sizes[first] == 1 else
                         f"the block of the hat matrix of cluster {shown(labels[first])} has an eigenvalue 1 "
                         f"(does it hold a row of leverage 1, or is the cluster variable a factor of the model?)")
    return sparse.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(at))),
                             shape=(G, width))


def _power(type: str) -> float:
    """The power of I - H_g in a cluster's adjusted score: -1/2 for HC2, -1 for HC3."""
    return -0.5 if type == "HC2" else -1.0


def _clustered_bias_reduced(fd: FitData, kernel, cluster: np.ndarray, G: int, type: str, labels,
                            coords: DesignCoordinates | FactorCoordinates):
    """The clustered HC2/HC3 estimators' adjusted scores (:mod:`~glmstat.inference.cluster_adjusted`) of rows in
    memory (``cluster``: their codes), one row per cluster in the coordinates ``coords``
    (:func:`_scores_matrix`)."""
    parts = [_block_scores(b, fd, kernel, leverage=False) for b in fd.source.blocks()]
    w = np.concatenate([p[0] for p in parts])
    e = np.concatenate([p[1] for p in parts])
    cols = None if fd.kept.all() else np.flatnonzero(fd.kept)
    found = adjusted_cluster_scores(fd.source.X, cols, w, e, cluster, G, _power(type), coords)
    return _scores_matrix(found, G, coords.width, type, labels, np.bincount(cluster, minlength=G))


def streamed_bias_reduced_vcov(fd: FitData, type: str, name: str, rows_used: Callable[[], pd.Index] | None = None,
                               max_bytes: float = float("inf")) -> tuple[np.ndarray, np.ndarray | None, int]:
    """The clustered HC2/HC3 sandwich of a fit to streamed data, clustered by the data column ``name``, its
    factor (as :func:`sandwich_vcov`) and G: the clusters counted in one pass, then their rows gathered a
    bucket of clusters at a time (:mod:`~glmstat.inference.streamed_clusters`), each cluster's adjusted score
    the in-memory one.  ``rows_used()`` labels the first row without a cluster value in the error that
    refuses them."""
    fd = with_cov_factor(fd)
    source = fd.source.with_groups(name)
    clusters = cluster_rows(source)
    G = _checked_clusters(name, clusters.values.size, clusters.missing, clusters.first_missing, rows_used)
    if fd.cov_factor is not None:  # (the scores in the factor's coordinates are dense)
        refuse_dense_cluster_sums(name, G, fd.kept.size, max_bytes)
    block = partial(_block_scores, fd=fd.portable(), kernel=kernel_for(fd.family), leverage=False)
    cols = None if fd.kept.all() else np.flatnonzero(fd.kept)

    def scores(coords: DesignCoordinates | FactorCoordinates):
        found = gathered_cluster_scores(source, clusters, name, block, cols, _power(type), coords)
        return _scores_matrix(found, G, coords.width, type, list(clusters.values), clusters.sizes)

    return *_bias_reduced_sandwich(fd, scores, clusters.diagonal), G


def _gram_of_rows(S) -> np.ndarray:
    """S'S for the clusters' scores S (G x p, scipy sparse): a sparse product where the clusters reach few
    columns (a wide factor's levels), else dense products of blocks of rows (a dense design's clusters reach
    every column, and the sparse product of such rows took longer than all the clusters' hat blocks)."""
    G, p = S.shape
    if 8 * S.nnz < G * p:
        return (S.T @ S).toarray()
    out, step = np.zeros((p, p)), rows_within(p)
    for start in range(0, G, step):
        D = S[start:start + step].toarray()
        out += D.T @ D
    return out


def robust_results(fit: "GLMResults", type: str | None = None, cluster: Any = None) -> "GLMResults":
    """A new results object, the same fit, whose covariance is the sandwich estimator."""
    if type is None:
        type = "HC3" if cluster is None else "HC0"  # R's defaults: vcovHC, and vcovCL for a glm
    canonical = {t.upper(): t for t in HC_TYPES}  # (any case: "hc3", "HC4M")
    if not (isinstance(type, str) and own_scalar(type)) or type.upper() not in canonical:  # (not a subclass's upper)
        raise GLMStatError(f"unknown sandwich type {shown(type)}; use one of {', '.join(HC_TYPES)}")
    type = canonical[type.upper()]
    if cluster is not None and type not in CLUSTER_TYPES:
        raise GLMStatError(f"{type} has no clustered form (sandwich's vcovCL offers {', '.join(CLUSTER_TYPES)}); "
                           f"use one of those with cluster=, or {type} without it")
    fd = fit.factored_fit_data
    n = fd.n_rows
    limit = formula_limits(fit).max_design_bytes
    if type == "HC1" and n - fd.rank <= 0:
        raise GLMStatError(f"HC1 needs more rows ({n}) than coefficients ({fd.rank})")
    if cluster is None:
        Vk, Gk = sandwich_vcov(fd, type)
        label = type
    elif not fit.model_frame.in_memory:
        if not isinstance(cluster, str):
            raise DataError("cluster= of a fit to streamed data must name a column of the data (its rows are read "
                            "with the model's)")
        from .streamed_data import data_columns

        columns = data_columns(fit)
        if cluster not in columns:
            raise DataError(f"cluster={shown(cluster)} names no column of the data; columns are {shown(list(columns))}")
        if type in ("HC0", "HC1"):
            Vk, Gk, G = streamed_cluster_vcov(fd, type, cluster, lambda: fit.rows_used, max_bytes=limit)
        else:
            Vk, Gk, G = streamed_bias_reduced_vcov(fd, type, cluster, lambda: fit.rows_used, max_bytes=limit)
        label = f"{type}, clustered by {cluster}, {G} clusters"
    else:
        codes, values, name = cluster_codes(cluster, fit)
        G = len(values)
        Vk, Gk = sandwich_vcov(fd, type, codes, G, values, cluster_name=name, max_bytes=limit)
        label = f"{type}, clustered by {name}, {G} clusters"
    p = fd.kept.size
    kept = np.flatnonzero(fd.kept)
    if kept.size == p:  # (nothing aliased: the matrices as they are, no p x p copies)
        V, factor = Vk, Gk
    else:
        V = np.full((p, p), np.nan)
        V[np.ix_(kept, kept)] = Vk
        factor = None
        if Gk is not None:
            factor = np.zeros((p, Gk.shape[1]))
            factor[kept] = Gk
    return fit.with_covariance(Covariance(type, label, V, factor))
