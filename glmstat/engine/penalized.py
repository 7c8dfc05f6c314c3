"""Penalized GLM fits: ridge, lasso and elastic net by proximal Newton (glmnet's method).

The objective is scikit-learn's (and glum's, and glmnet's) for generalized linear models,

    F(b0, b) = 1 / (2 S) sum_i s_i d(y_i, mu_i) + alpha (l1_ratio ||b||_1 + (1 - l1_ratio) / 2 ||b||^2),
    mu_i = g^{-1}(b0 + x_i'b + o_i),   S = sum_i s_i,

with d the family's unit deviance, s the sample weights and the intercept b0 unpenalized.  For 0/1
responses and the binomial family, d / 2 is the log loss; ``alpha = 1 / (C n)`` is LogisticRegression's C.

Each outer iteration is one IRLS step (Friedman, Hastie & Tibshirani 2010, section 3): at the current
estimate the engine's per-row kernel gives the working weights W and residuals r of every family and link,
the smooth part is replaced by its quadratic model (Fisher scoring: gradient -X'W r, curvature X'WX, with
the weights already divided by S), and

  * without an L1 part the model's minimizer is one linear solve, (X'WX + alpha (1 - l1_ratio) I) d = -g;
  * with one, it is found exactly by an active-set method on the p x p model (feature-sign search: solve
    on the active coefficients with their signs fixed, drop those that cross zero, add the zero one that
    violates optimality most), with glmnet's cyclic coordinate descent as the fallback where a system is
    singular; either way the step solves the model, not approximately.

The intercept is eliminated from each model in closed form (a weighted centering of the columns).  Columns
whose mean is large next to their spread are first centered once by their weighted means (a copy of X), so
that elimination does not subtract nearly equal numbers; standardized columns are used as they are.  X is
a dense array or any design of :mod:`glmstat.design` as the formula front end makes it (a structured one:
numeric columns and factor codes, X b a lookup per factor and X'WX bincount blocks; or one mapped through
contrasts), so a 300-level factor is never expanded; of those only the numeric columns are centered.
The step is then backtracked until the objective falls by at least 1e-4 of the decrease the model
predicts (Armijo's rule for proximal Newton, Lee, Sun & Saunders 2014), which also handles steps that
leave the family's domain.  The fit stops when the largest violation of the optimality (KKT) conditions,

    |dF/db0|,   |dF/db_j + alpha l1_ratio sign(b_j)| (b_j != 0),   max(|dF/db_j| - alpha l1_ratio, 0) (b_j = 0),

is at most ``tol``, or when a further step cannot lower it (the rounding floor of the gradient).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from .._scipy import linalg as sla

from ..design.base import Design
from ..design.dense import DenseDesign
from ..errors import FitError
from ..families import Family
from .kernel import Working, kernel_for
from .linalg import cholesky_lapack
from .threads import single_threaded

__all__ = ["Penalty", "Problem", "PenalizedFit", "make_problem", "fit_penalized", "fit_path", "alpha_max",
           "fit_bytes"]

_EPS = np.finfo(float).eps
#: Armijo's constant: a step must achieve this fraction of the decrease its quadratic model predicts.
ARMIJO = 1e-4
MAX_HALVINGS = 60
#: A step the line search shortens below this is rounding's, not the direction's: the fit stops there.  On separated
#: data at alpha = 0 the objective tends to 0, and once it was a few 1e-15 every iteration halved its step some 50
#: times before the objective's rounding let it through, for as many iterations as max_iter allowed (20 ms each on
#: 60 rows: max_iter=10**9 with tol=1e-300 ran for ever).
STALL_STEP = 2.0 ** -30
#: Rows per block when forming X'WX (bounds the temporary at BLOCK_ROWS x p).
BLOCK_ROWS = 32768
#: Smallest reciprocal condition number of a system solved by Cholesky; below it, minimum-norm least squares.
MIN_RCOND = 1e-13
MAX_SWEEPS = 10000


@dataclass(frozen=True)
class Penalty:
    """The elastic-net penalty alpha (l1_ratio ||b||_1 + (1 - l1_ratio) / 2 ||b||^2)."""

    alpha: float = 0.0
    l1_ratio: float = 0.0

    @property
    def l1(self) -> float:
        return self.alpha * self.l1_ratio

    @property
    def l2(self) -> float:
        return self.alpha * (1.0 - self.l1_ratio)

    def value(self, b: np.ndarray) -> float:
        return self.l1 * float(np.abs(b).sum()) + 0.5 * self.l2 * float(b @ b)


@dataclass(frozen=True)
class Problem:
    """The data of a penalized fit, prepared by :func:`make_problem`.

    ``X`` holds the columns minus ``center`` (their weighted means, when there is an intercept and some
    column's mean exceeds its standard deviation; else zeros and the caller's columns), as an array or a
    structured design;
    ``weights`` are the sample weights divided by their sum, so the kernel's deviance is the mean deviance.
    """

    X: Design
    y: np.ndarray
    weights: np.ndarray
    offset: np.ndarray
    family: Family
    intercept: bool
    center: np.ndarray

    @property
    def n_features(self) -> int:
        return self.X.n_cols


@dataclass(frozen=True)
class PenalizedFit:
    """The solution: ``intercept`` (0 without one) and ``coef`` on the caller's columns.

    ``objective`` is F at the solution, ``mean_deviance`` sum_i s_i d_i / S, ``kkt`` the largest violation
    of the optimality conditions, ``iterations`` the number of IRLS steps taken.  ``drift`` (unpenalized
    fits only, else 0) is how far one more Newton step would move the linear predictor, max_i |x_i'd|: ~0 at
    a finite optimum, about 1 or more along a separating direction, where the estimates diverge.
    """

    intercept: float
    coef: np.ndarray
    objective: float
    mean_deviance: float
    kkt: float
    iterations: int
    converged: bool
    drift: float = 0.0


def fit_bytes(n_rows: int, n_cols: int, l1: bool) -> int:
    """The memory :func:`make_problem` and :func:`fit_penalized` hold at their peak for a dense X of ``n_rows``
    x ``n_cols`` (beyond X itself), in bytes, as Python's integers (no overflow).

    Without an L1 part and with more columns than rows the steps are solved through the rows' SVD
    (:func:`_wide_solve`): copies of the n x p rows -- centered, weighted and scaled ones, the SVD's own copy, its
    V' and workspace -- measured at 6.4 of X's size at the peak, counted as 7.  Otherwise each step forms the p x p
    model (:func:`_direction`: X'WX, the ridge's identity, the intercept's outer product and Schur complement, the
    equilibrated copy and its Cholesky factor; the lasso's active-set copies) beside a block of rows, measured at
    4 p^2 (a lasso of 100 x 3,000) and counted as 5 p^2 and two copies of X (the centered one, a block's
    weighted rows).  A lasso of 5 rows and 30,000 features asked numpy for a Gram of 6.7 GB: a raw MemoryError, or
    the machine's memory.

    Parameters
    ----------
    n_rows, n_cols : int
        X's shape.
    l1 : bool
        Whether the penalty has an L1 part (alpha * l1_ratio > 0) at some fit.

    Returns
    -------
    int
    """
    cells = int(n_rows) * int(n_cols)
    if not l1 and n_cols > n_rows:
        return 8 * 7 * cells
    return 8 * (5 * int(n_cols) ** 2 + 2 * cells)


def make_problem(X: np.ndarray | Design, y: np.ndarray, sample_weight: np.ndarray | None,
                 offset: np.ndarray | None, family: Family, intercept: bool) -> Problem:
    """Check shapes, normalize the weights to sum 1 and center the columns where that helps.

    ``X`` is an array or a design (one that stores factors as codes is kept so, its numeric columns centered).
    The caller's arrays are not modified (centering makes a copy).
    """
    if isinstance(X, Design):
        cols, block = X.numeric_block()
        if cols.size < X.n_cols or np.any(cols != np.arange(cols.size)):  # factors stored as codes
            return _stored_problem(X, cols, block, y, sample_weight, offset, family, intercept)
        X = block
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = y.shape[0]
    if X.ndim != 2 or X.shape[0] != n:
        raise FitError(f"X must be 2-d with one row per response value; got {X.shape} for {n} responses")
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if s.shape != (n,) or not np.all(np.isfinite(s)) or np.any(s < 0) or not s.sum() > 0:
        raise FitError("sample weights must be finite, non-negative, one per row and not all zero")
    w = s / s.sum()
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    X, center = _centered(X, w, intercept)
    return Problem(DenseDesign(np.ascontiguousarray(X)), y, w, off, family, bool(intercept), center)


def _centered(X: np.ndarray, w: np.ndarray, intercept: bool) -> tuple[np.ndarray, np.ndarray]:
    """(X - center, center): the weighted means where some column needs them (see :class:`Problem`)."""
    center = np.zeros(X.shape[1])
    if intercept and X.shape[1]:
        mean = w @ X
        spread = np.sqrt(np.maximum(w @ (X * X) - mean * mean, 0.0)) if X.shape[0] <= BLOCK_ROWS else None
        if spread is None:  # in blocks, without an n x p temporary
            spread = np.sqrt(np.maximum(sum(w[s:s + BLOCK_ROWS] @ X[s:s + BLOCK_ROWS] ** 2
                                            for s in range(0, X.shape[0], BLOCK_ROWS)) - mean * mean, 0.0))
        # elimination of the intercept loses about log10(1 + mean^2 / var) digits: center where that is >= 0.3
        if np.any(np.abs(mean) > spread):
            center = mean + _constant_residue(X, w > 0, mean)
            X = X - center
    return X, center


def _stored_problem(X: Design, cols: np.ndarray, block: np.ndarray, y, sample_weight, offset, family: Family,
                    intercept: bool) -> Problem:
    """:func:`make_problem` of a design that stores factors as codes (structured, or mapped through contrasts):
    its numeric columns ``cols`` (values ``block``) centered as an array's columns, the factors' columns as
    they are (an indicator's mean is below its spread unless a level holds most rows)."""
    pr = make_problem(block, y, sample_weight, offset, family, intercept)
    center = np.zeros(X.n_cols)
    center[cols] = pr.center
    return Problem(X.with_numeric_block(pr.X.X), pr.y, pr.weights, pr.offset, family, bool(intercept), center)


def _constant_residue(X: np.ndarray, used: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """value - mean for the columns that hold one value on the rows used (positive weight), else 0.

    Their computed weighted mean is off by a few ulps, so subtracting it would leave a constant of about
    1e-16 instead of a zero column; the intercept's elimination then leaves a pivot of rounding size, and
    the solve gave such a column a coefficient of 1e13 or more (cancelled by the intercept, which lost as
    many digits).  Subtracting the value itself leaves exact zeros: no information, coefficient 0.
    """
    rows = np.flatnonzero(used)
    first = X[rows[0]]
    same = np.ones(X.shape[1], dtype=bool)
    for s in range(0, rows.size, BLOCK_ROWS):  # in blocks, without an n x p temporary
        same &= np.all(X[rows[s:s + BLOCK_ROWS]] == first, axis=0)
    return np.where(same, first - mean, 0.0)


# -- the smooth part at an estimate ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Point:
    b0: float  # intercept of the centered columns
    b: np.ndarray
    eta: np.ndarray
    work: Working
    objective: float  # inf when the estimate is invalid


def _point(pr: Problem, kernel: Callable, pen: Penalty, b0: float, b: np.ndarray) -> _Point:
    eta = pr.X.matvec(b) if b.size else np.zeros(pr.y.shape[0])
    eta = eta + (b0 + pr.offset)
    wk = kernel(pr.y, pr.weights, eta)
    ok = wk.valid and math.isfinite(wk.deviance)
    return _Point(b0, b, eta, wk, 0.5 * wk.deviance + pen.value(b) if ok else math.inf)


def _gradient(pr: Problem, pen: Penalty, pt: _Point) -> tuple[float, np.ndarray]:
    """dF/db0 and the gradient of the smooth part (half mean deviance + ridge) in b."""
    wr = pt.work.W * pt.work.r
    g0 = -float(wr.sum()) if pr.intercept else 0.0
    gb = -pr.X.rmatvec(wr) + pen.l2 * pt.b
    return g0, gb


def _kkt(g0: float, gb: np.ndarray, b: np.ndarray, l1: float) -> float:
    """Largest violation of the optimality conditions (g: gradient of the smooth part)."""
    if l1 > 0:
        viol = np.where(b != 0, np.abs(gb + l1 * np.sign(b)), np.maximum(np.abs(gb) - l1, 0.0))
    else:
        viol = np.abs(gb)
    return max(abs(g0), float(viol.max(initial=0.0)))


def _gram(X: Design, W: np.ndarray) -> np.ndarray:
    """X'WX, in row blocks (W >= 0: the temporaries of a dense block stay small)."""
    G = np.zeros((X.n_cols, X.n_cols))
    for s in range(0, X.n_rows, BLOCK_ROWS):
        G += X.rows(s, s + BLOCK_ROWS).gram(W[s:s + BLOCK_ROWS])
    return G


# -- the quadratic models ----------------------------------------------------------------------------------
def _solve_psd(Q: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Q x = rhs for symmetric positive semi-definite Q: Cholesky of the equilibrated matrix when it is well
    conditioned, else the minimum-norm least-squares solution (a singular model: collinear columns and no
    ridge part)."""
    if Q.shape[0] == 0:
        return np.zeros(0)
    d = np.sqrt(np.maximum(np.diag(Q), 0.0))  # (the intercept's elimination may leave -0 or -1e-17)
    d = np.where(d > 0, d, 1.0)
    Qs = Q / d[:, None] / d[None, :]
    potrf, pocon, potrs = cholesky_lapack()
    c, info = potrf(Qs, lower=False, clean=True)
    if info == 0:
        rcond, info = pocon(c, float(np.abs(Qs).sum(axis=0).max()))
        if info == 0 and rcond > MIN_RCOND:
            x, info = potrs(c, rhs / d)
            if info == 0:
                return x / d
    x = sla.lstsq(Qs, rhs / d, cond=MIN_RCOND * 10, lapack_driver="gelsd")[0]
    return x / d


def _wide_solve(X: Design, W: np.ndarray, mean: np.ndarray | None, l2: float, rhs: np.ndarray) -> np.ndarray:
    """(A'A + l2 I) x = rhs for A = sqrt(W) (X - 1 mean') of fewer rows n than columns p (the model's Q with
    the intercept eliminated), by the thin SVD A = U S V' in O(n^2 p):

        x = V (S^2 + l2)^-1 V' rhs + (rhs - V V' rhs) / l2        (l2 > 0: the unique solution);

    without a ridge part, the minimum-norm least-squares solution of the columns scaled to unit norm, as
    :func:`_solve_psd` gives for the singular p x p model (singular values of Q below ``MIN_RCOND * 10`` of
    the largest set aside)."""
    A = X.toarray()
    if mean is not None:
        A = A - mean
    A *= np.sqrt(np.maximum(W, 0.0))[:, None]
    if l2 > 0:
        _, sv, Vt = np.linalg.svd(A, full_matrices=False)
        c = Vt @ rhs
        return Vt.T @ (c / (sv * sv + l2)) + (rhs - Vt.T @ c) / l2
    d = np.linalg.norm(A, axis=0)
    d = np.where(d > 0, d, 1.0)
    _, sv, Vt = np.linalg.svd(A / d, full_matrices=False)
    q = sv * sv
    keep = q > MIN_RCOND * 10 * (q[0] if q.size else 0.0)
    V = Vt[keep]
    return (V.T @ ((V @ (rhs / d)) / q[keep])) / d


def _subproblem_kkt(grad: np.ndarray, v: np.ndarray, lam: float) -> float:
    viol = np.where(v != 0, np.abs(grad + lam * np.sign(v)), np.maximum(np.abs(grad) - lam, 0.0))
    return float(viol.max(initial=0.0))


def _model_value(Q: np.ndarray, q: np.ndarray, lam: float, v: np.ndarray) -> float:
    return 0.5 * float(v @ (Q @ v)) - float(q @ v) + lam * float(np.abs(v).sum())


def _feature_sign(Q: np.ndarray, q: np.ndarray, lam: float, v: np.ndarray) -> np.ndarray | None:
    """argmin_v 1/2 v'Qv - q'v + lam ||v||_1 by feature-sign search (Lee, Battle, Raina & Ng 2007), from ``v``.

    With the signs theta of the active coefficients fixed the model is quadratic, minimized by
    Q_AA x = q_A - lam theta_A.  The step from v_A towards x stops at whichever of x and the points where a
    coefficient crosses zero has the lowest model value (a coefficient reaching zero leaves the set); after
    a full step the zero coefficient with the largest |gradient| > lam joins with the opposite sign.  Each
    step lowers the model, so the search ends, with the exact minimizer.  None when a system is singular
    (collinear active columns without a ridge part): the caller then runs coordinate descent.
    """
    v = v.copy()
    theta = np.sign(v)
    slack = lam * 1e-10 + 1e-14 * float(np.abs(q).max(initial=0.0))
    for _ in range(10 * v.size + 10):
        A = np.flatnonzero(theta)
        if A.size:
            QA, rhs = Q[np.ix_(A, A)], q[A] - lam * theta[A]
            x = _solve_psd(QA, rhs)
            scale = float(np.abs(QA).sum(axis=1).max()) * float(np.abs(x).max()) + float(np.abs(rhs).max())
            if not float(np.abs(QA @ x - rhs).max()) <= 1e-10 * scale:
                return None  # singular and inconsistent: no exact step on this set
            cur = v[A]
            cross = np.flatnonzero(np.sign(x) != theta[A])
            if cross.size:  # the lowest model value among x and the points where a coefficient hits zero
                best, best_val = None, _model_value(Q, q, lam, v)
                for t, k in [(1.0, -1)] + [(float(cur[k] / (cur[k] - x[k])), k) for k in cross]:
                    trial = v.copy()
                    trial[A] = cur + t * (x - cur)
                    if k >= 0:
                        trial[A[k]] = 0.0
                    val = _model_value(Q, q, lam, trial)
                    if val < best_val:
                        best, best_val = trial, val
                if best is None:
                    return None  # no progress at rounding level: let coordinate descent finish
                v, theta = best, np.sign(best)
                continue  # the signs changed: solve again
            v = v.copy()
            v[A] = x  # the exact minimizer with these signs
        grad = Q @ v - q
        excess = np.where(theta == 0, np.abs(grad) - lam, -np.inf)
        i = int(np.argmax(excess)) if excess.size else 0
        if not excess.size or excess[i] <= slack:
            return v
        theta[i] = -np.sign(grad[i])
    return None


def _lasso_model(Q: np.ndarray, q: np.ndarray, lam: float, v: np.ndarray, tol: float) -> np.ndarray:
    """argmin_v 1/2 v'Qv - q'v + lam ||v||_1 (Q positive semi-definite), from ``v``: feature-sign search,
    or, where a system is singular, cyclic coordinate descent with the gradient kept up to date,
    v_j <- S(q_j - sum_{k != j} Q_jk v_k, lam) / Q_jj."""
    exact = _feature_sign(Q, q, lam, v)
    if exact is not None:
        return exact
    v = v.copy()
    p = v.size
    grad = Q @ v - q
    diag = np.diag(Q).copy()
    for _ in range(MAX_SWEEPS):
        for j in range(p):
            qjj = diag[j]
            old = v[j]
            if qjj <= 0:  # a constant (zero after centering) column: its model is flat, keep it at 0
                new = 0.0
            else:
                z = qjj * old - grad[j]
                new = math.copysign(max(abs(z) - lam, 0.0), z) / qjj
            if new != old:
                grad += (new - old) * Q[j]
                v[j] = new
        if _subproblem_kkt(grad, v, lam) <= tol:
            return v
    return v


# -- the fit -----------------------------------------------------------------------------------------------
def _start(pr: Problem, kernel: Callable, pen: Penalty, start: tuple[float, np.ndarray] | None) -> _Point:
    p = pr.n_features
    link, fam = pr.family.link, pr.family
    if start is not None:
        b = np.asarray(start[1], dtype=float)
        pt = _point(pr, kernel, pen, float(start[0]) + float(pr.center @ b), b)
        if math.isfinite(pt.objective):
            return pt
    b = np.zeros(p)
    if pr.intercept:
        # the intercept-only estimate g(weighted mean of y) (exact without an offset), else the mean of the
        # family's starting values
        for m in (float(pr.weights @ pr.y), float(pr.weights @ fam.start_mu(pr.y, np.ones_like(pr.y)))):
            with np.errstate(all="ignore"):
                b0 = float(link.link(np.array([m]))[0])
            if math.isfinite(b0):
                pt = _point(pr, kernel, pen, b0, b)
                if math.isfinite(pt.objective):
                    return pt
    else:
        pt = _point(pr, kernel, pen, 0.0, b)
        if math.isfinite(pt.objective):
            return pt
        # as R's first IRLS pass: least squares of the link of the starting means on the columns
        with np.errstate(all="ignore"):
            z = link.link(fam.start_mu(pr.y, np.ones_like(pr.y))) - pr.offset
        if np.all(np.isfinite(z)) and p:
            if isinstance(pr.X, DenseDesign):
                b = np.linalg.lstsq(pr.X.X, z, rcond=None)[0]
            else:  # (the normal equations: a structured design's factors are never expanded)
                b = np.linalg.lstsq(_gram(pr.X, np.ones_like(z)), pr.X.rmatvec(z), rcond=None)[0]
            pt = _point(pr, kernel, pen, 0.0, b)
            if math.isfinite(pt.objective):
                return pt
    raise FitError(
        f"cannot find valid starting values for the {fam.name} family with the {link.name} link: the "
        "starting linear predictor gives means outside the family's domain; check the response and link"
    )


def _direction(pr: Problem, pen: Penalty, pt: _Point, g0: float, gb: np.ndarray, inner_tol: float
               ) -> tuple[float, np.ndarray, float]:
    """The step (d0, d) minimizing the quadratic model plus the L1 term, and the predicted decrease
    Delta = g'd + l1 (||b + d||_1 - ||b||_1) (negative unless at the optimum)."""
    W = pt.work.W
    if pr.intercept:
        sw = float(W.sum())
        if not sw > 0:
            raise FitError("every working weight is zero: the fitted means sit on the edge of the family's domain")
        xw = pr.X.rmatvec(W)
    if pen.l1 == 0 and pr.X.n_cols > pr.X.n_rows:
        # more columns than rows: solved through the rows' SVD, O(n^2 p), not the p x p model's O(p^3)
        g = gb - xw * (g0 / sw) if pr.intercept else gb
        d = _wide_solve(pr.X, W, xw / sw if pr.intercept else None, pen.l2, -g)
        d0 = -(g0 + float(xw @ d)) / sw if pr.intercept else 0.0
        return d0, d, g0 * d0 + float(gb @ d)
    G = _gram(pr.X, W)
    Q = G + pen.l2 * np.eye(G.shape[0])
    if pr.intercept:
        # minimizing the model over d0 first: d0 = -(g0 + xw'd) / sw, leaving the Schur complement in d
        Q = Q - np.outer(xw, xw) / sw
        g = gb - xw * (g0 / sw)
    else:
        g = gb
    if pen.l1 > 0:
        q = Q @ pt.b - g
        d = _lasso_model(Q, q, pen.l1, pt.b, inner_tol) - pt.b
    else:
        d = _solve_psd(Q, -g)
    d0 = -(g0 + float(xw @ d)) / sw if pr.intercept else 0.0
    delta = g0 * d0 + float(gb @ d)
    if pen.l1 > 0:
        delta += pen.l1 * float(np.abs(pt.b + d).sum() - np.abs(pt.b).sum())
    return d0, d, delta


@single_threaded  # (as the IRLS engine: on a busy machine BLAS threads spin on these products and solves)
def fit_penalized(pr: Problem, penalty: Penalty, tol: float = 1e-10, max_iter: int = 100,
                  start: tuple[float, np.ndarray] | None = None) -> PenalizedFit:
    """Minimize the penalized objective of the module docstring.

    Parameters
    ----------
    pr : Problem
        From :func:`make_problem`.
    penalty : Penalty
        alpha and l1_ratio.
    tol : float
        Largest accepted violation of the optimality conditions (on the scale of the mean objective).
    max_iter : int
        Most IRLS (outer) steps.
    start : (intercept, coef), optional
        Starting estimate on the caller's columns (a warm start); by default the intercept-only estimate.

    Returns
    -------
    PenalizedFit
    """
    kernel = kernel_for(pr.family)
    pt = _start(pr, kernel, penalty, start)
    g0, gb = _gradient(pr, penalty, pt)
    kkt = _kkt(g0, gb, pt.b, penalty.l1)
    converged = kkt <= tol
    it = 0
    while not converged and it < max_iter:
        it += 1
        d0, d, delta = _direction(pr, penalty, pt, g0, gb, min(tol, kkt) * 1e-3)
        t = 1.0
        if -delta <= 1e3 * _EPS * abs(pt.objective):
            # The objective can no longer tell the step's gain from rounding: take the full step if it
            # lowers the KKT violation, else stop at the gradient's rounding floor.
            new = _point(pr, kernel, penalty, pt.b0 + d0, pt.b + d)
            if not math.isfinite(new.objective):
                converged = True
                break
            ng0, ngb = _gradient(pr, penalty, new)
            nkkt = _kkt(ng0, ngb, new.b, penalty.l1)
            if nkkt >= kkt:
                converged = True
                break
        else:
            for _ in range(MAX_HALVINGS):
                new = _point(pr, kernel, penalty, pt.b0 + t * d0, pt.b + t * d)
                if new.objective <= pt.objective + ARMIJO * t * delta:
                    break
                t *= 0.5
            else:
                break  # no step lowers the objective: not converged
            ng0, ngb = _gradient(pr, penalty, new)
            nkkt = _kkt(ng0, ngb, new.b, penalty.l1)
        pt, g0, gb, kkt = new, ng0, ngb, nkkt
        converged = kkt <= tol
        if t < STALL_STEP:
            break  # (a step of rounding's length: the direction no longer descends; converged only if within tol)
    drift = 0.0
    if penalty.alpha == 0 and math.isfinite(pt.objective):
        # Without a penalty the optimum may be at infinity (separation): the gradient then vanishes while
        # every Newton step still moves the separated rows' linear predictors by about 1.
        d0, d, _ = _direction(pr, penalty, pt, g0, gb, tol)
        drift = float(np.abs(pr.X.matvec(d) + d0).max(initial=0.0)) if d.size else abs(d0)
    b = pt.b
    return PenalizedFit(
        intercept=pt.b0 - float(pr.center @ b) if pr.intercept else 0.0,
        coef=b.copy(),
        objective=pt.objective,
        mean_deviance=pt.work.deviance,
        kkt=kkt,
        iterations=it,
        converged=bool(converged),
        drift=drift,
    )


def alpha_max(pr: Problem, l1_ratio: float) -> float:
    """The smallest alpha at which every coefficient is zero: max_j |dF/db_j| / l1_ratio at the
    intercept-only fit (for l1_ratio below 1e-3, 1e-3 is used, as glmnet does for ridge paths)."""
    null = make_problem(np.zeros((pr.y.shape[0], 0)), pr.y, pr.weights, pr.offset, pr.family, pr.intercept)
    fit = fit_penalized(null, Penalty())
    pt = _point(pr, kernel_for(pr.family), Penalty(), fit.intercept, np.zeros(pr.n_features))
    _, gb = _gradient(pr, Penalty(), pt)
    return float(np.abs(gb).max(initial=0.0)) / max(l1_ratio, 1e-3)


def fit_path(pr: Problem, alphas: Sequence[float], l1_ratio: float, tol: float = 1e-10, max_iter: int = 100
             ) -> list[PenalizedFit]:
    """:func:`fit_penalized` at each alpha in turn, each fit starting from the previous solution (warm
    starts: along a decreasing path each fit begins close to its optimum)."""
    fits: list[PenalizedFit] = []
    start = None
    for a in alphas:
        fit = fit_penalized(pr, Penalty(float(a), l1_ratio), tol, max_iter, start)
        fits.append(fit)
        start = (fit.intercept, fit.coef)
    return fits
